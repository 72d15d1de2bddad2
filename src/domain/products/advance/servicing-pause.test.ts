/**
 * An advance of 1,000.00 at a factor of 1.12 (minimum 6,228 of 112,000 per 60 days, disbursed on
 * day 1,000) through pauses of collections, by hand:
 *
 * - paused on days 1,041–1,070 (30 days) with nothing repaid, the sweep takes nothing and the fee
 *   is still recognised; the first minimum, due on day 1,060 unpaused, falls due on day 1,090 and
 *   is past due only on day 1,091; the late fee follows on day 1,098;
 * - paused on days 1,066–1,100 while 5 days past due, days past due stay 5, no late fee (it would
 *   have come on day 1,068) and no worse state; collecting again, day 1,103 is 8 days past due and
 *   charged the one late fee for the minimum due 1,060, and a later pause never charges it again;
 * - a direct payment while paused cures the advance (a better state is allowed), and the next
 *   minimum falls due on day 1,155, 35 days after its unpaused 1,120;
 * - an open pause resumed on day 1,030 moves the first minimum to day 1,080.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pauseCollections, resumeCollections } from '../collections-pause.ts';
import type { FacilityBook } from '../postings.ts';
import { settlementWaterfall } from '../waterfall.ts';
import type { AdvanceTerms } from './advance.ts';
import {
  type AdvanceFacility,
  advanceOwed,
  applyAdvanceDeduction,
  disbursedAdvance,
  type ServicingEvent,
  serviceAdvanceDay,
} from './servicing.ts';

const book: FacilityBook = { financierId: 'fin_a', currency: 'USD', facilityId: 'fac_1' };
const terms: AdvanceTerms = {
  amountMinor: 100_000n,
  currency: 'USD',
  factorBps: 11_200,
  holdbackRateBps: 1_000,
  minimumPayment: { periodDays: 60, shareBps: 556 },
  maxTermDays: null,
};
const start = 1_000;
const none = { fees: 0n, interest: 0n, principal: 0n };

type DayEvent = ServicingEvent & { readonly day: number };

/** Services `facility` from day `from` to day `to`, keeping each day's events with its day. */
function serve(facility: AdvanceFacility, from: number, to: number) {
  let current = facility;
  const events: DayEvent[] = [];
  for (let day = from; day <= to; day += 1) {
    const step = serviceAdvanceDay(current, day, `d${day}`);
    events.push(...step.events.map((event) => ({ ...event, day })));
    current = step.facility;
  }
  return { facility: current, events };
}

function paused(facility: AdvanceFacility, fromDay: number, untilDay: number | null) {
  const result = pauseCollections(facility, { fromDay, untilDay, reason: 'hardship' });
  assert.ok(result.ok);
  return result.value;
}

const ofType = (events: readonly DayEvent[], type: ServicingEvent['type']) =>
  events.filter((e) => e.type === type);

const sweep = (facility: AdvanceFacility, day: number, netMinor: bigint) => {
  const split = settlementWaterfall({
    settlementNetMinor: netMinor,
    dailyCapBps: 3_000,
    settledEarlierTodayMinor: 0n,
    deductedEarlierTodayMinor: 0n,
    facilities: [advanceOwed(facility, day)],
  });
  assert.ok(split.ok);
  return split.value;
};

describe('an advance paused before its first minimum falls due', () => {
  const opened = paused(disbursedAdvance(book, 'mer_1', terms, 0.0005, start), 1_041, 1_070);

  it('asks the sweep for nothing while paused, and its holdback again after', () => {
    const owed = advanceOwed(opened, 1_050);
    assert.deepEqual([owed.overdue, owed.due, owed.notYetDue], [none, none, none]);
    assert.equal(owed.holdbackRateBps, null);
    assert.deepEqual(
      [sweep(opened, 1_050, 10_000n).totalDeductedMinor, sweep(opened, 1_050, 10_000n).merchantNetMinor],
      [0n, 10_000n],
    );
    assert.equal(sweep(opened, 1_071, 10_000n).totalDeductedMinor, 1_000n, '10% holdback');
  });

  it('recognises the fee, reports the pause, and warns of nothing while paused', () => {
    const { facility, events } = serve(opened, start + 1, 1_071);
    assert.deepEqual(ofType(events, 'collections_paused'), [
      { type: 'collections_paused', fromDay: 1_041, untilDay: 1_070, reason: 'hardship', day: 1_041 },
    ]);
    assert.deepEqual(ofType(events, 'collections_resumed'), [{ type: 'collections_resumed', day: 1_071 }]);
    const recognisedWhilePaused = ofType(events, 'fee_recognised').filter(
      (e) => e.day >= 1_041 && e.day <= 1_070,
    );
    assert.equal(recognisedWhilePaused.length, 30, 'the fee is earned every paused day');
    const warned = ofType(events, 'minimum_payment_near_breach').map((e) => e.day);
    assert.ok(warned.includes(1_040) && warned.includes(1_071), 'warned either side of the pause');
    assert.ok(!warned.some((day) => day >= 1_041 && day <= 1_070), 'not while paused');
    assert.equal(facility.status, 'active');
  });

  it('falls due 30 days later than unpaused: past due on day 1,091, a late fee on day 1,098', () => {
    const upToDue = serve(opened, start + 1, 1_090);
    assert.equal(upToDue.facility.status, 'active', 'not delinquent on day 1,061 as unpaused');
    assert.equal(upToDue.facility.daysPastDue, 0);
    assert.deepEqual(advanceOwed(upToDue.facility, 1_089).overdue, none, 'nothing due the day before');
    assert.deepEqual(advanceOwed(upToDue.facility, 1_090).overdue, {
      fees: 6_228n,
      interest: 0n,
      principal: 0n,
    });
    assert.equal(advanceOwed(upToDue.facility, 1_090).oldestDueDay, 1_060, 'the schedule’s own due day');
    const late = serve(upToDue.facility, 1_091, 1_098);
    assert.deepEqual(ofType(late.events, 'status_changed'), [
      { type: 'status_changed', from: 'active', to: 'delinquent', day: 1_091 },
    ]);
    assert.deepEqual(ofType(late.events, 'late_fee_charged'), [
      // Told as the day it fell due, 30 days later than the schedule's own 1,060.
      { type: 'late_fee_charged', amountMinor: 2_500n, dueDay: 1_090, day: 1_098 },
    ]);
    assert.equal(late.facility.daysPastDue, 8);
  });
});

describe('an advance paused while past due', () => {
  const fiveLate = serve(disbursedAdvance(book, 'mer_1', terms, 0.0005, start), start + 1, 1_065).facility;
  const opened = paused(fiveLate, 1_066, 1_100);

  it('was 5 days past due and delinquent on the eve of the pause', () => {
    assert.deepEqual([fiveLate.status, fiveLate.daysPastDue], ['delinquent', 5]);
  });

  it('holds days past due at 5 with no late fee and no worse state while paused', () => {
    let facility = opened;
    for (let day = 1_066; day <= 1_100; day += 1) {
      const step = serviceAdvanceDay(facility, day, `d${day}`);
      assert.equal(step.facility.daysPastDue, 5, `day ${day}`);
      assert.equal(step.facility.status, 'delinquent', `day ${day}`);
      assert.ok(!step.events.some((e) => e.type === 'late_fee_charged' || e.type === 'status_changed'));
      facility = step.facility;
    }
    assert.equal(facility.owed.fees, 12_000n, 'no late fee (unpaused it came on day 1,068)');
  });

  it('counts on from 5 when collecting again: the late fee on day 1,103, once for good', () => {
    const through = serve(opened, 1_066, 1_103);
    assert.equal(through.facility.daysPastDue, 8);
    assert.deepEqual(ofType(through.events, 'late_fee_charged'), [
      { type: 'late_fee_charged', amountMinor: 2_500n, dueDay: 1_060, day: 1_103 },
    ]);
    // The next minimum (due 1,120 on the schedule) falls due 35 days later, on day 1,155; the
    // late fee is overdue beside the missed minimum.
    assert.equal(advanceOwed(through.facility, 1_154).overdue.fees, 6_228n + 2_500n);
    // 12,456 + 2,500 = 14,956: fees first (all 14,500 owed), then 456 of principal.
    assert.deepEqual(advanceOwed(through.facility, 1_155).overdue, {
      fees: 14_500n,
      interest: 0n,
      principal: 456n,
    });
    // A second pause moves the clock again, but the missed minimum keeps its due day: one late fee.
    const again = serve(paused(through.facility, 1_110, 1_120), 1_104, 1_140);
    assert.deepEqual(ofType(again.events, 'late_fee_charged'), []);
    assert.equal(again.facility.daysPastDue, 8 + 6 + 20, 'days 1,104–1,109 and 1,121–1,140 count');
  });

  it('is cured by a direct payment while paused; the next minimum still falls due on day 1,155', () => {
    const before = serve(opened, 1_066, 1_079).facility;
    const paid = applyAdvanceDeduction(before, 1_080, 'd1080', 'pay_1', {
      fees: 6_228n,
      interest: 0n,
      principal: 0n,
    });
    const cured = serviceAdvanceDay(paid.facility, 1_080, 'd1080');
    assert.deepEqual([cured.facility.status, cured.facility.daysPastDue], ['active', 0]);
    assert.deepEqual(
      cured.events.filter((e) => e.type === 'status_changed'),
      [{ type: 'status_changed', from: 'delinquent', to: 'active' }],
    );
    assert.deepEqual(advanceOwed(cured.facility, 1_154).overdue, none);
    // 12,456 due by then less the 6,228 paid: fees first (12,000 − 6,228 = 5,772 left), then principal.
    assert.deepEqual(advanceOwed(cured.facility, 1_155).overdue, {
      fees: 5_772n,
      interest: 0n,
      principal: 456n,
    });
  });
});

describe('an advance paused until resumed', () => {
  it('resumed on day 1,030 after 20 paused days, its first minimum falls due on day 1,080', () => {
    const open = paused(disbursedAdvance(book, 'mer_1', terms, 0.0005, start), 1_010, null);
    const resumed = resumeCollections(serve(open, start + 1, 1_029).facility, 1_030);
    assert.ok(resumed.ok);
    const { facility, events } = serve(resumed.value, 1_030, 1_081);
    assert.deepEqual(ofType(events, 'collections_resumed'), [{ type: 'collections_resumed', day: 1_030 }]);
    assert.deepEqual(advanceOwed(facility, 1_079).overdue, none);
    assert.equal(advanceOwed(facility, 1_080).overdue.fees, 6_228n);
    assert.deepEqual([facility.status, facility.daysPastDue], ['delinquent', 1]);
  });
});
