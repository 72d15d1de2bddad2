/**
 * Pausing collections on real stores (SQLite, and PostgreSQL when configured): an advance paused
 * from tomorrow for a month gives nothing to a payout inside the pause while its fee is still
 * earned; the daily cycle reports the first paused day and the first day collected again, and a
 * payout after the pause is swept as before. A pause in the past or over 90 days ahead, one over
 * ten years long, a second overlapping pause and a resume with nothing paused are refused and
 * change nothing (their refusals name dates); a pause resumed early ends the day before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { lendingAsOfDay, openBookWithAdvance } from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { calendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';
import type { AppContext } from '../app-context.ts';
import { pauseFacilityCollections, resumeFacilityCollections } from './collections.ts';
import { runEndOfDay } from './eod.ts';
import { servicedOf } from './serviced.ts';
import { sweepSettlement } from './sweep.ts';

const day = lendingAsOfDay;
const dayNs = 86_400_000_000_000n;

for (const backend of backendsUnderTest) {
  describe(`collections pause on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let merchantId = '';
    let facilityId = '';
    before(async () => {
      const book = await openBookWithAdvance(backend);
      ({ harness, app, merchantId } = book);
      facilityId = book.facilityId;
    });
    after(async () => harness?.dispose());

    const facility = async () => {
      const row = await harness.store.read((tx) => tx.financing.facility(facilityId));
      assert.ok(row);
      const serviced = servicedOf(row);
      assert.ok(serviced?.product === 'advance');
      return serviced;
    };
    const sweep = (key: string, on: number) => {
      // Paid out at noon of its day (money ahead of the day still open counts for that day).
      (app.clock as ManualClock).set(BigInt(on) * dayNs + dayNs / 2n);
      return harness.store.write((tx) =>
        sweepSettlement(tx, app, {
          settlementKey: key,
          merchantId,
          day: on,
          currency: 'USD',
          netMinor: 100_000n,
        }),
      );
    };
    const pause = (fromDay: number, untilDay: number | null, today = day) =>
      harness.store.write((tx) =>
        pauseFacilityCollections(tx, app, { facilityId, day: today, fromDay, untilDay, reason: 'hardship' }),
      );

    it('refuses a pause in the past and a resume with nothing paused, changing nothing', async () => {
      const before = await facility();
      const past = await pause(day - 1, day + 5);
      assert.ok(!past.ok && past.code === 'pause_invalid');
      // Nor years ahead (a mistyped year), which would block the pauses really needed till then.
      const farAhead = await pause(day + 91, null);
      assert.ok(!farAhead.ok && farAhead.code === 'pause_invalid');
      assert.equal(farAhead.detail, 'a pause starts within 90 days of today');
      // Nor one ending at the calendar's end (a mistyped year): it would move a loan's instalments
      // past 9999-12-31, and the facility could no longer be shown. 3,660 days is the longest:
      // from tomorrow, 3,660 days run through day + 3,660.
      const endless = await pause(day + 1, toDayNumber(calendarDate('9999-12-30')));
      assert.equal(
        endless.ok ? 'paused' : endless.detail,
        'a pause lasts at most 3660 days; leave it open and resume it instead',
      );
      const tooLong = await pause(day + 1, day + 3_661);
      assert.equal(tooLong.ok ? 'paused' : tooLong.code, 'pause_invalid');
      const nothing = await harness.store.write((tx) =>
        resumeFacilityCollections(tx, app, { facilityId, day }),
      );
      assert.ok(!nothing.ok && nothing.code === 'collections_not_paused');
      assert.match(
        nothing.detail ?? '',
        /^collections are not paused on \d{4}-\d{2}-\d{2}$/,
        'a date, not a day number',
      );
      assert.equal((await facility()).row.version, before.row.version);
    });

    it('takes nothing from a payout while paused, and earns the fee all the same', async () => {
      const paused = await pause(day + 1, day + 30);
      assert.ok(paused.ok, paused.ok ? '' : paused.detail);
      const overlapping = await pause(day + 10, null);
      assert.ok(!overlapping.ok && overlapping.code === 'collections_already_paused');
      assert.match(overlapping.detail ?? '', /^collections are paused from \d{4}-\d{2}-\d{2}$/);
      const during = await sweep('stl-paused', day + 5);
      assert.ok(during.ok);
      assert.equal(during.value.waterfall.totalDeductedMinor, 0n);

      (app.clock as ManualClock).set(BigInt(day + 32) * dayNs);
      const before = await facility();
      const run = await runEndOfDay(app, day + 31);
      assert.ok(run.ok);
      const after = await facility();
      assert.ok(after.state.deferredFeeMinor < before.state.deferredFeeMinor, 'the fee is still earned');
      const events = await harness.store.read((tx) =>
        tx.financing.facilityEvents(facilityId, { limit: 100 }),
      );
      const types = events.map((e) => e.type);
      assert.ok(types.includes('collections_pause_set'));
      assert.deepEqual(
        events
          .filter((e) => e.type === 'collections_paused' || e.type === 'collections_resumed')
          .map((e) => [e.type, e.day]),
        [
          ['collections_paused', day + 1],
          ['collections_resumed', day + 31],
        ],
      );
      const later = await sweep('stl-after', day + 32);
      assert.ok(later.ok);
      assert.ok(later.value.waterfall.totalDeductedMinor > 0n, 'collections resumed after the pause');
    });

    it('a pause resumed early ends the day before', async () => {
      const paused = await pause(day + 40, null, day + 33);
      assert.ok(paused.ok);
      const resumed = await harness.store.write((tx) =>
        resumeFacilityCollections(tx, app, { facilityId, day: day + 45 }),
      );
      assert.ok(resumed.ok, resumed.ok ? '' : resumed.detail);
      const state = (await facility()).state;
      assert.deepEqual(
        { fromDay: state.collectionsPaused?.fromDay, untilDay: state.collectionsPaused?.untilDay },
        { fromDay: day + 40, untilDay: day + 44 },
      );
    });
  });
}
