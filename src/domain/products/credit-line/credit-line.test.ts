/**
 * The credit line: draws within the limit and repaid principal available again; interest accrued
 * day by day that adds up, over any run of days, to exactly one computation for the period (no
 * drift from daily rounding) under ACT/365F and ACT/360, hand-checked on 10,000.00 at 12%; and
 * repayments applied fees → interest → principal (or a configured order) with any excess returned.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  accrueDay,
  available,
  type CreditLineBalance,
  type CreditLineTerms,
  checkCreditLineTerms,
  draw,
  emptyBalance,
  owedMinor,
  repay,
} from './credit-line.ts';

const terms: CreditLineTerms = {
  limitMinor: 2_000_000n,
  currency: 'USD',
  annualRateBps: 1_200,
  dayCount: 'act_365f',
};

function drawn(amount: bigint, t: CreditLineTerms = terms): CreditLineBalance {
  const result = draw(t, emptyBalance, amount);
  assert.ok(result.ok);
  return result.value;
}

function accrue(t: CreditLineTerms, balance: CreditLineBalance, days: number) {
  let current = balance;
  const daily: bigint[] = [];
  for (let i = 0; i < days; i += 1) {
    const day = accrueDay(t, current);
    current = day.balance;
    daily.push(day.interestMinor);
  }
  return { balance: current, daily };
}

describe('credit line', () => {
  it('checks its terms', () => {
    assert.equal(checkCreditLineTerms(terms).ok, true);
    const bad = checkCreditLineTerms({
      ...terms,
      limitMinor: 0n,
      annualRateBps: -1,
      dayCount: 'act_actual' as never,
    });
    assert.equal(bad.ok ? '' : bad.code, 'credit_line_terms_invalid');
    assert.match(bad.ok ? '' : (bad.detail ?? ''), /limitMinor.*annualRateBps.*dayCount/);
  });

  it('lends within the limit and makes repaid principal available again', () => {
    const first = drawn(1_500_000n);
    assert.equal(available(terms, first), 500_000n);
    const over = draw(terms, first, 500_001n);
    assert.equal(over.ok ? '' : over.code, 'credit_line_limit_exceeded');
    const paid = repay(first, 400_000n);
    assert.ok(paid.ok);
    assert.equal(available(terms, paid.value.balance), 900_000n);
    assert.equal(draw(terms, paid.value.balance, 900_000n).ok, true);
    assert.equal(draw(terms, first, 0n).ok, false);
  });

  it('accrues 10,000.00 at 12% to exactly 1,200.00 over 365 days of ACT/365F, a day at a time', () => {
    const { balance, daily } = accrue(terms, drawn(1_000_000n), 365);
    // 1,000,000 × 0.12 / 365 = 328.767… minor units a day: mostly 328, a 329 when the carry rolls.
    assert.ok(daily.every((d) => d === 328n || d === 329n));
    assert.equal(balance.interestMinor, 120_000n);
    assert.equal(balance.accrualCarry, 0n);
  });

  it('accrues under ACT/360: 1,200.00 in 360 days and 1,216.66 in 365', () => {
    const act360 = { ...terms, dayCount: 'act_360' as const };
    assert.equal(accrue(act360, drawn(1_000_000n, act360), 360).balance.interestMinor, 120_000n);
    assert.equal(accrue(act360, drawn(1_000_000n, act360), 365).balance.interestMinor, 121_666n);
  });

  it('never drifts: n days at any balance and rate equal one computation for the period', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 2_000_000n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.constantFrom('act_365f' as const, 'act_360' as const),
        fc.integer({ min: 1, max: 800 }),
        (principal, rate, dayCount, days) => {
          const t = { ...terms, annualRateBps: rate, dayCount };
          const { balance } = accrue(t, drawn(principal, t), days);
          const basis = dayCount === 'act_360' ? 360n : 365n;
          assert.equal(balance.interestMinor, (principal * BigInt(rate) * BigInt(days)) / (10_000n * basis));
        },
      ),
    );
  });

  it('applies a repayment to fees, then interest, then principal, and returns any excess', () => {
    const balance: CreditLineBalance = {
      principalMinor: 10_000n,
      interestMinor: 300n,
      feesMinor: 50n,
      accrualCarry: 7n,
    };
    const partial = repay(balance, 1_000n);
    assert.ok(partial.ok);
    assert.deepEqual(partial.value.applied, { fees: 50n, interest: 300n, principal: 650n });
    assert.equal(partial.value.balance.principalMinor, 9_350n);
    assert.equal(partial.value.balance.accrualCarry, 7n, 'the carried fraction is not owed yet');
    const all = repay(balance, 20_000n);
    assert.ok(all.ok);
    assert.equal(owedMinor(all.value.balance), 0n);
    assert.equal(all.value.unappliedMinor, 9_650n);
    assert.equal(all.value.balance.accrualCarry, 0n, 'a line paid off owes no fraction either');
    const principalFirst = repay(balance, 1_000n, ['principal', 'interest', 'fees']);
    assert.ok(principalFirst.ok);
    assert.deepEqual(principalFirst.value.applied, { fees: 0n, interest: 0n, principal: 1_000n });
    assert.equal(repay(balance, -5n).ok, false);
  });
});
