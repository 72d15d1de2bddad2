/**
 * One advance through a missed minimum, by hand: no sales for the first 60 days leaves the first
 * minimum (6,228 of 112,000) unpaid; the next day it is delinquent; after the 7-day grace one late
 * fee of 25.00 is charged, once — income when charged, never part of the carrying amount the
 * advance's fee is recognised on, and paid first of the fees; paying what is overdue cures it; and
 * a last payment pays it off with every deferred fee recognised. Each step's postings move the receivables exactly as the
 * facility says.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FacilityBook } from '../postings.ts';
import type { AdvanceTerms } from './advance.ts';
import { advanceOwed, applyAdvanceDeduction, disbursedAdvance, serviceAdvanceDay } from './servicing.ts';

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

describe('an advance through a missed minimum', () => {
  it('goes delinquent, is charged one late fee after the grace, cures, and pays off', () => {
    let facility = disbursedAdvance(book, 'mer_1', terms, 0.0005, start);
    for (let day = start + 1; day <= start + 60; day += 1)
      facility = serviceAdvanceDay(facility, day, `d${day}`).facility;
    assert.equal(facility.status, 'active', 'due today is not yet past due');
    assert.deepEqual(advanceOwed(facility, start + 60).overdue, {
      fees: 6_228n,
      interest: 0n,
      principal: 0n,
    });

    const late = serviceAdvanceDay(facility, start + 61, 'd61');
    assert.deepEqual(
      late.events.filter((e) => e.type === 'status_changed'),
      [{ type: 'status_changed', from: 'active', to: 'delinquent' }],
    );
    facility = late.facility;
    for (let day = start + 62; day <= start + 67; day += 1)
      facility = serviceAdvanceDay(facility, day, `d${day}`).facility;
    assert.equal(facility.owed.fees, 12_000n, 'no late fee within the grace');
    const charged = serviceAdvanceDay(facility, start + 68, 'd68');
    assert.ok(charged.events.some((e) => e.type === 'late_fee_charged' && e.amountMinor === 2_500n));
    assert.equal(charged.facility.owed.fees, 14_500n);
    assert.ok(charged.postings.some((p) => p.code === 'late_fee' && p.amount === 2_500n));
    assert.equal(charged.facility.lateFeesOwedMinor, 2_500n);
    assert.equal(charged.facility.deferredFeeMinor, 8_545n);
    facility = charged.facility;
    const again = serviceAdvanceDay(facility, start + 69, 'd69');
    assert.equal(
      again.events.filter((e) => e.type === 'late_fee_charged').length,
      0,
      'once per missed minimum',
    );
    // The late fee is income already: the advance's fee is still recognised on the advance alone —
    // (112,000 − 8,545) × 0.0005 = 51.73 → 52 (with the late fee in it, 105,955 would earn 53).
    assert.deepEqual(
      again.events.filter((e) => e.type === 'fee_recognised'),
      [{ type: 'fee_recognised', amountMinor: 52n }],
    );
    facility = again.facility;
    // Overdue now: the missed 6,228 and the 2,500 late fee charged for it.
    assert.deepEqual(advanceOwed(facility, start + 70).overdue, {
      fees: 8_728n,
      interest: 0n,
      principal: 0n,
    });

    // Paying only the missed 6,228 does not cure it: the late fee is paid first, and a late fee
    // paid does not count towards the minimum — 2,500 of it is still missed, 10 days past due.
    const short = applyAdvanceDeduction(facility, start + 70, 'd70', 'pay_short', {
      fees: 6_228n,
      interest: 0n,
      principal: 0n,
    }).facility;
    const stillLate = serviceAdvanceDay(short, start + 70, 'd70').facility;
    assert.deepEqual([stillLate.status, stillLate.daysPastDue], ['delinquent', 10]);
    assert.deepEqual(advanceOwed(short, start + 70).overdue, { fees: 2_500n, interest: 0n, principal: 0n });

    // Paying the overdue 8,728 cures it: the late fee first, then 6,228 of the advance's fee.
    facility = applyAdvanceDeduction(facility, start + 70, 'd70', 'pay_1', {
      fees: 8_728n,
      interest: 0n,
      principal: 0n,
    }).facility;
    assert.deepEqual([facility.owed.fees, facility.lateFeesOwedMinor], [5_772n, 0n]);
    const cured = serviceAdvanceDay(facility, start + 70, 'd70');
    assert.equal(cured.facility.status, 'active');
    assert.equal(cured.facility.daysPastDue, 0);
    // The day opened on 105,772 left of the advance + 6,228 of it repaid that day − 8,493 deferred
    // = 103,507 → 51.75 → 52 (the 2,500 paid to the late fee is not in it: 106,007 would earn 53).
    assert.deepEqual(
      cured.events.filter((e) => e.type === 'fee_recognised'),
      [{ type: 'fee_recognised', amountMinor: 52n }],
    );
    facility = cured.facility;

    // The rest: 14,500 − 8,728 of fees and all the principal.
    const rest = { fees: facility.owed.fees, interest: 0n, principal: facility.owed.principal };
    const paid = applyAdvanceDeduction(facility, start + 71, 'd71', 'pay_2', rest);
    assert.equal(paid.facility.status, 'paid_off');
    assert.equal(paid.facility.deferredFeeMinor, 0n);
    assert.deepEqual(paid.facility.owed, { fees: 0n, principal: 0n });
    assert.ok(paid.events.some((e) => e.type === 'status_changed' && e.to === 'paid_off'));
    assert.deepEqual(
      serviceAdvanceDay(paid.facility, start + 72, 'd72').postings,
      [],
      'nothing to service once paid off',
    );
  });
});

describe('an advance mostly repaid the day it is paid out', () => {
  it('earns at once the fee that would be deferred beyond what is left to repay', () => {
    // 1,000.00 at a factor of 1.12: fee 120.00. Repaying 1,100.00 the same day leaves 20.00 owed,
    // so at most 20.00 of fee may stay deferred: the other 100.00 is earned with the repayment.
    const facility = disbursedAdvance(book, 'mer_1', terms, 0.0005, start);
    const step = applyAdvanceDeduction(facility, start, 'd0', 'r:big', {
      fees: 12_000n,
      interest: 0n,
      principal: 98_000n,
    });
    assert.equal(step.facility.owed.principal, 2_000n);
    assert.equal(step.facility.deferredFeeMinor, 2_000n);
    const earned = step.postings.find((p) => p.code === 'fee_recognition');
    assert.deepEqual([earned?.id, earned?.amount], ['r:big:fac_1:c', 10_000n]);
    assert.deepEqual(step.events, [{ type: 'fee_recognised', amountMinor: 10_000n }]);
  });
});

describe('an advance with its own late fee', () => {
  /** Through the 7-day grace of the missed first minimum: the day the late fee falls due. */
  const lateFeesCharged = (lateFeeMinor: bigint | undefined) => {
    let facility = {
      ...disbursedAdvance(book, 'mer_1', terms, 0.0005, start),
      ...(lateFeeMinor === undefined ? {} : { lateFeeMinor }),
    };
    const charged = [];
    for (let day = start + 1; day <= start + 68; day += 1) {
      const served = serviceAdvanceDay(facility, day, `d${day}`);
      charged.push(...served.events.filter((e) => e.type === 'late_fee_charged'));
      facility = served.facility;
    }
    return { charged, lateFeesOwedMinor: facility.lateFeesOwedMinor };
  };

  it('is charged the late fee its offer disclosed, not the policy’s', () => {
    assert.deepEqual(lateFeesCharged(3_000n), {
      charged: [{ type: 'late_fee_charged', amountMinor: 3_000n, dueDay: start + 60 }],
      lateFeesOwedMinor: 3_000n,
    });
  });

  it('is charged none when its offer disclosed none (a currency without a late fee)', () => {
    assert.deepEqual(lateFeesCharged(0n), { charged: [], lateFeesOwedMinor: 0n });
  });

  it('opened before offers disclosed one, is charged the policy’s', () => {
    assert.equal(lateFeesCharged(undefined).lateFeesOwedMinor, 2_500n);
  });
});

describe('an advance whose missed minimum a later payout paid', () => {
  it('owes a payout dated before that one nothing overdue: the minimum is not collected twice', () => {
    // The first minimum (6,228) is missed on day 60 and the advance is delinquent on day 61. A
    // payout dated day 62 pays it; then the day-61 payout arrives late. Judged by what was repaid
    // by day 61 alone, the missed 6,228 would be overdue again and taken a second time, above the
    // holdback, from a merchant that is no longer behind.
    let facility = disbursedAdvance(book, 'mer_1', terms, 0.0005, start);
    for (let day = start + 1; day <= start + 61; day += 1)
      facility = serviceAdvanceDay(facility, day, `d${day}`).facility;
    assert.equal(facility.status, 'delinquent');
    assert.deepEqual(advanceOwed(facility, start + 61).overdue, {
      fees: 6_228n,
      interest: 0n,
      principal: 0n,
    });
    facility = applyAdvanceDeduction(facility, start + 62, 'd62', 'pay_62', {
      fees: 6_228n,
      interest: 0n,
      principal: 0n,
    }).facility;
    const none = { fees: 0n, interest: 0n, principal: 0n };
    for (const day of [start + 61, start + 62]) {
      const owed = advanceOwed(facility, day);
      assert.deepEqual([owed.overdue, owed.oldestDueDay], [none, null], `a payout dated day ${day - start}`);
      assert.deepEqual(owed.notYetDue, { fees: 12_000n - 6_228n, interest: 0n, principal: 100_000n });
    }
  });
});
