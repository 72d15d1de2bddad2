/**
 * An advance's minimum payments against hand-worked days: on pace or behind it inside a period,
 * a shortfall at a period's end (breach, days past due counted from that end), a later payment
 * curing the oldest shortfall first, everything due at the maximum term, and nothing to check
 * without a minimum or once repaid.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AdvanceTerms } from './advance.ts';
import { minimumPaymentStatus, requiredBy } from './minimum-payments.ts';

/** 1,000.00 for 12%: 1,120.00 to repay, at least 62.28 (5.56%) every 60 days. */
const terms: AdvanceTerms = {
  amountMinor: 100_000n,
  currency: 'USD',
  factorBps: 11_200,
  holdbackRateBps: 1_000,
  minimumPayment: { periodDays: 60, shareBps: 556 },
  maxTermDays: null,
};
const disbursed = 1_000;

describe('minimum payments', () => {
  it('warns of a merchant behind pace inside the first period, and not of one on pace', () => {
    // 59 days in, the pace a week ago: 80% of 52/60 of 6,228 is 4,318.
    const behind = minimumPaymentStatus(terms, disbursed, 1_059, [{ day: 1_010, amountMinor: 4_317n }]);
    assert.deepEqual([behind.breach, behind.nearBreach, behind.dueMinor], [false, true, 0n]);
    const onPace = minimumPaymentStatus(terms, disbursed, 1_059, [{ day: 1_010, amountMinor: 4_318n }]);
    assert.equal(onPace.nearBreach, false);
  });

  it('allows a week of payouts before it warns: nothing repaid is not behind until day 8 of a period', () => {
    // Before, a merchant not paid out the day after its advance was warned on its first day.
    const warned = (day: number, repayments: { day: number; amountMinor: bigint }[] = []) =>
      minimumPaymentStatus(terms, disbursed, day, repayments).nearBreach;
    assert.deepEqual(
      [1_001, 1_007, 1_008].map((day) => warned(day)),
      [false, false, true],
    );
    // In the second period likewise, the first minimum repaid exactly: 80% of 1/60 of 6,228 is 83.
    const first = [{ day: 1_050, amountMinor: 6_228n }];
    assert.deepEqual(
      [1_067, 1_068].map((day) => warned(day, first)),
      [false, true],
    );
    assert.equal(warned(1_068, [{ day: 1_050, amountMinor: 6_228n + 83n }]), false);
    // A period of 6 days allows half of it, 3.
    const weekly = { ...terms, minimumPayment: { periodDays: 6, shareBps: 556 } };
    assert.deepEqual(
      [1_003, 1_004].map((day) => minimumPaymentStatus(weekly, disbursed, day, []).nearBreach),
      [false, true],
    );
  });

  it('breaches at the end of a period that fell short, counting days past due from it', () => {
    const repayments = [{ day: 1_010, amountMinor: 5_000n }];
    const atEnd = minimumPaymentStatus(terms, disbursed, 1_060, repayments);
    assert.deepEqual(
      [atEnd.dueMinor, atEnd.overdueMinor, atEnd.oldestDueDay, atEnd.daysPastDue, atEnd.breach],
      [6_228n, 1_228n, 1_060, 0, true],
    );
    const later = minimumPaymentStatus(terms, disbursed, 1_070, repayments);
    assert.equal(later.daysPastDue, 10);
    assert.equal(later.nearBreach, false, 'a breach is not also a near breach');
  });

  it('cures the oldest shortfall first with a later payment', () => {
    const repayments = [
      { day: 1_010, amountMinor: 5_000n },
      { day: 1_065, amountMinor: 2_000n },
    ];
    const cured = minimumPaymentStatus(terms, disbursed, 1_065, repayments);
    assert.deepEqual([cured.overdueMinor, cured.breach], [0n, false]);
    // At the second period's end 12,456 is due and 7,000 repaid: the second period is short.
    const second = minimumPaymentStatus(terms, disbursed, 1_120, repayments);
    assert.deepEqual([second.overdueMinor, second.oldestDueDay, second.daysPastDue], [5_456n, 1_120, 0]);
    const both = minimumPaymentStatus(terms, disbursed, 1_130, [{ day: 1_010, amountMinor: 5_000n }]);
    assert.deepEqual([both.overdueMinor, both.oldestDueDay, both.daysPastDue], [7_456n, 1_060, 70]);
  });

  it('makes everything due at the maximum term', () => {
    const capped = { ...terms, maxTermDays: 180 };
    assert.equal(requiredBy(capped, disbursed, 1_179), 6_228n * 2n);
    assert.equal(requiredBy(capped, disbursed, 1_180), 112_000n);
    const status = minimumPaymentStatus(capped, disbursed, 1_185, [{ day: 1_100, amountMinor: 100_000n }]);
    assert.deepEqual([status.overdueMinor, status.oldestDueDay, status.daysPastDue], [12_000n, 1_180, 5]);
  });

  it('checks nothing without a minimum, and nothing once repaid', () => {
    const none = minimumPaymentStatus({ ...terms, minimumPayment: null }, disbursed, 2_000, []);
    assert.deepEqual([none.dueMinor, none.breach, none.nearBreach], [0n, false, false]);
    const repaid = minimumPaymentStatus(terms, disbursed, 1_030, [{ day: 1_020, amountMinor: 112_000n }]);
    assert.deepEqual([repaid.breach, repaid.nearBreach], [false, false]);
    // Never more due than the total, however many periods pass.
    assert.equal(requiredBy(terms, disbursed, 1_000 + 60 * 30), 112_000n);
  });
});
