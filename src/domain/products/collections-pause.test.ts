/**
 * The pause of collections, on its own: a pause is accepted only on a serviced facility and a
 * well-formed request, refused with stable codes in a fixed order otherwise (a refusal leaves the
 * facility as it was); it covers its days inclusively and lapses by itself after `untilDay`;
 * resuming ends it the day before, or cancels one not yet begun; ended pauses are kept, so the
 * collection clock counts exactly the unpaused days of any window; the daily cycle's events fall
 * on the first paused day and the first day collected again; and a paused facility never ages
 * into a worse state.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type CollectionsPause,
  collectionDaysBetween,
  collectionsPausedOn,
  collectionsPauseEvents,
  collectionsPausesMax,
  fallsDueOn,
  fellDueOn,
  type PausableFacility,
  pauseCollections,
  resumeCollections,
  stateWhilePaused,
} from './collections-pause.ts';

const active: PausableFacility = { status: 'active' };
const request = { fromDay: 100, untilDay: 129, reason: 'platform dispute #42' };

function paused(facility: PausableFacility, pause: { fromDay: number; untilDay: number | null }) {
  const result = pauseCollections(facility, { ...pause, reason: 'hardship' });
  assert.ok(result.ok, result.ok ? '' : result.code);
  return result.value;
}

describe('pauseCollections', () => {
  it('pauses a serviced facility, whatever its state among active, delinquent and defaulted', () => {
    for (const status of ['active', 'delinquent', 'defaulted'] as const) {
      const facility: PausableFacility = { status };
      const result = pauseCollections(facility, request);
      assert.ok(result.ok);
      assert.deepEqual(result.value.collectionsPaused, request);
      assert.deepEqual(result.value.collectionsPauseHistory, []);
    }
  });

  it('refuses a facility not being serviced with facility_not_serviced, before anything else', () => {
    for (const status of ['offered', 'disbursing', 'paid_off', 'written_off'] as const) {
      const result = pauseCollections({ status }, { fromDay: 5, untilDay: 1, reason: '' });
      assert.deepEqual(result.ok ? null : result.code, 'facility_not_serviced');
    }
  });

  it('refuses a malformed request with pause_invalid', () => {
    const bad = [
      { ...request, untilDay: 99 },
      { ...request, fromDay: -1 },
      { ...request, fromDay: 100.5 },
      { ...request, reason: '' },
      { ...request, reason: '   ' },
      { ...request, reason: 'x'.repeat(201) },
    ];
    for (const each of bad) {
      const result = pauseCollections(active, each);
      assert.equal(result.ok ? null : result.code, 'pause_invalid', JSON.stringify(each));
    }
    assert.ok(pauseCollections(active, { ...request, reason: 'x'.repeat(200) }).ok, '200 characters');
    assert.ok(pauseCollections(active, { ...request, untilDay: 100 }).ok, 'a one-day pause');
    assert.ok(pauseCollections(active, { ...request, untilDay: null }).ok, 'until resumed');
  });

  it('refuses a pause overlapping one already set, and leaves the facility as it was', () => {
    const once = paused(active, { fromDay: 100, untilDay: 129 });
    const before = structuredClone(once);
    for (const fromDay of [90, 100, 129]) {
      const again = pauseCollections(once, { ...request, fromDay, untilDay: 200 });
      assert.equal(again.ok ? null : again.code, 'collections_already_paused', `from ${fromDay}`);
    }
    const open = paused(active, { fromDay: 100, untilDay: null });
    const later = pauseCollections(open, { ...request, fromDay: 500, untilDay: null });
    assert.equal(later.ok ? null : later.code, 'collections_already_paused');
    assert.deepEqual(once, before);
  });

  it('keeps an ended pause in the history when the next one is set', () => {
    const second = paused(paused(active, { fromDay: 100, untilDay: 129 }), { fromDay: 130, untilDay: 139 });
    assert.deepEqual(second.collectionsPauseHistory, [{ fromDay: 100, untilDay: 129 }]);
    assert.deepEqual(second.collectionsPaused, { fromDay: 130, untilDay: 139, reason: 'hardship' });
  });

  it(`allows ${collectionsPausesMax} pauses over a facility's life, then collections_pause_limit_reached`, () => {
    let facility = active;
    for (let n = 0; n < collectionsPausesMax; n += 1)
      facility = paused(facility, { fromDay: 10 * n, untilDay: 10 * n + 4 });
    const more = pauseCollections(facility, { ...request, fromDay: 1_000, untilDay: null });
    assert.equal(more.ok ? null : more.code, 'collections_pause_limit_reached');
  });
});

describe('collectionsPausedOn', () => {
  it('covers fromDay to untilDay inclusive and lapses by itself the day after', () => {
    const facility = paused(active, { fromDay: 100, untilDay: 129 });
    assert.deepEqual(
      [99, 100, 129, 130].map((day) => collectionsPausedOn(facility, day)),
      [false, true, true, false],
    );
  });

  it('reads a state stored before pauses existed, or with a null pause, as never paused', () => {
    assert.equal(collectionsPausedOn(active, 100), false);
    assert.equal(collectionsPausedOn({ collectionsPaused: null }, 100), false);
  });

  it('knows ended pauses too', () => {
    const facility = paused(paused(active, { fromDay: 10, untilDay: 19 }), { fromDay: 50, untilDay: null });
    assert.deepEqual(
      [9, 10, 19, 20, 49, 50, 10_000].map((day) => collectionsPausedOn(facility, day)),
      [false, true, true, false, false, true, true],
    );
  });
});

describe('resumeCollections', () => {
  it('ends the pause the day before the resume', () => {
    const resumed = resumeCollections(paused(active, { fromDay: 100, untilDay: null }), 120);
    assert.ok(resumed.ok);
    assert.deepEqual(resumed.value.collectionsPaused, { fromDay: 100, untilDay: 119, reason: 'hardship' });
    assert.equal(collectionsPausedOn(resumed.value, 119), true);
    assert.equal(collectionsPausedOn(resumed.value, 120), false);
  });

  it('cancels a pause that has not begun', () => {
    for (const day of [90, 100]) {
      const resumed = resumeCollections(paused(active, { fromDay: 100, untilDay: 129 }), day);
      assert.ok(resumed.ok);
      assert.equal(resumed.value.collectionsPaused, null);
    }
  });

  it('refuses with collections_not_paused when no pause covers the day or lies ahead', () => {
    const lapsed = paused(active, { fromDay: 100, untilDay: 129 });
    for (const [facility, day] of [
      [active, 100],
      [lapsed, 130],
    ] as const) {
      const result = resumeCollections(facility, day);
      assert.equal(result.ok ? null : result.code, 'collections_not_paused');
    }
  });

  it('refuses a facility no longer serviced with facility_not_serviced', () => {
    const paidOff = { ...paused(active, { fromDay: 100, untilDay: null }), status: 'paid_off' as const };
    const result = resumeCollections(paidOff, 110);
    assert.equal(result.ok ? null : result.code, 'facility_not_serviced');
  });
});

describe('collectionDaysBetween', () => {
  it('is the calendar days without pauses', () => {
    assert.equal(collectionDaysBetween(active, 100, 160), 60);
    assert.equal(collectionDaysBetween(active, 100, 100), 0);
  });

  it('leaves out every paused day of (from, to], ended pauses and the current one', () => {
    // Paused 110–119 (10 days) and 150 onwards.
    const facility = paused(paused(active, { fromDay: 110, untilDay: 119 }), {
      fromDay: 150,
      untilDay: null,
    });
    assert.equal(collectionDaysBetween(facility, 100, 109), 9);
    assert.equal(collectionDaysBetween(facility, 100, 115), 9, 'stands still inside a pause');
    assert.equal(collectionDaysBetween(facility, 100, 130), 20);
    assert.equal(collectionDaysBetween(facility, 115, 130), 11, 'from inside a pause');
    assert.equal(collectionDaysBetween(facility, 100, 149), 39);
    assert.equal(collectionDaysBetween(facility, 100, 400), 39, 'an open pause holds it for good');
    assert.equal(collectionDaysBetween(facility, 119, 120), 1, 'the day after a pause counts');
  });
});

describe('fellDueOn', () => {
  // Paused 110–119 (10 days) and 130–134 (5 days).
  const facility = paused(paused(active, { fromDay: 110, untilDay: 119 }), { fromDay: 130, untilDay: 134 });

  it("is the schedule's own day without pauses, or with them all after it", () => {
    assert.equal(fellDueOn(active, 100, 140, 160), 140);
    assert.equal(fellDueOn(facility, 100, 109, 160), 109, 'due before the first pause');
  });

  it('moves on by the days paused between the start and the day it falls due, to a day collected', () => {
    assert.equal(
      fellDueOn(facility, 100, 110, 160),
      120,
      'due on the first paused day: the day after the pause',
    );
    assert.equal(fellDueOn(facility, 100, 115, 160), 125);
    assert.equal(fellDueOn(facility, 100, 120, 160), 135, 'moved into the second pause, so past it too');
    assert.equal(fellDueOn(facility, 100, 125, 160), 140);
    // The collection clock agrees: on the day found, the days from the start have all run.
    for (const due of [110, 115, 120, 125])
      assert.equal(collectionDaysBetween(facility, 100, fellDueOn(facility, 100, due, 160)), due - 100);
  });
});

describe('collectionsPauseEvents', () => {
  const pause: CollectionsPause = { fromDay: 100, untilDay: 102, reason: 'hardship' };
  const facility: PausableFacility = { status: 'active', collectionsPaused: pause };

  it('reports the pause on its first day and the resumption on the first day collected again', () => {
    assert.deepEqual(collectionsPauseEvents(facility, 99), []);
    assert.deepEqual(collectionsPauseEvents(facility, 100), [{ type: 'collections_paused', ...pause }]);
    assert.deepEqual(collectionsPauseEvents(facility, 101), []);
    assert.deepEqual(collectionsPauseEvents(facility, 103), [{ type: 'collections_resumed' }]);
    assert.deepEqual(collectionsPauseEvents(facility, 104), []);
  });

  it('reports a resumption on the resume day', () => {
    const resumed = resumeCollections({ ...facility, collectionsPaused: { ...pause, untilDay: null } }, 101);
    assert.ok(resumed.ok);
    assert.deepEqual(collectionsPauseEvents(resumed.value, 101), [{ type: 'collections_resumed' }]);
  });
});

describe('stateWhilePaused', () => {
  const facility = paused(active, { fromDay: 100, untilDay: 129 });

  it('holds the state rather than worsen it while paused, but lets it improve', () => {
    assert.equal(stateWhilePaused(facility, 110, 'active', 'delinquent'), 'active');
    assert.equal(stateWhilePaused(facility, 110, 'delinquent', 'defaulted'), 'delinquent');
    assert.equal(stateWhilePaused(facility, 110, 'defaulted', 'written_off'), 'defaulted');
    assert.equal(stateWhilePaused(facility, 110, 'delinquent', 'active'), 'active');
  });

  it('lets the state move as it will on a day not paused', () => {
    assert.equal(stateWhilePaused(facility, 130, 'active', 'delinquent'), 'delinquent');
  });
});

describe('fallsDueOn', () => {
  it('moves a payment not yet due by the pauses known, as fellDueOn does one past due', () => {
    // Paused 110–119 (10 days) and, ahead of today, 130–134 (5 days).
    const facility = paused(paused(active, { fromDay: 110, untilDay: 119 }), { fromDay: 130, untilDay: 134 });
    assert.equal(fallsDueOn(facility, 100, 109, 105), 109, 'due before the first pause');
    assert.equal(fallsDueOn(facility, 100, 125, 105), 140, 'past both pauses, the second still ahead');
    assert.equal(fallsDueOn(facility, 100, 125, 160), fellDueOn(facility, 100, 125, 160));
  });

  it('takes a pause without an end to end today once it has begun, and not to happen before', () => {
    const open = paused(active, { fromDay: 110, untilDay: null });
    assert.equal(fallsDueOn(open, 100, 130, 105), 130, 'not begun: nothing moves yet');
    assert.equal(fallsDueOn(open, 100, 130, 110), 131, 'one day paused so far');
    assert.equal(fallsDueOn(open, 100, 130, 125), 146, 'later each day it runs on');
    assert.equal(fallsDueOn(open, 100, 105, 125), 105, 'due before it began');
  });
});
