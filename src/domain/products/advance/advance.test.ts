/**
 * The revenue-based advance: terms checked with every problem named; the fee and the minimum
 * payment by hand; the holdback forecast repaying 1,120.00 at 50.00 a day in 23 days, topped up to
 * the minimum in a period without sales, and closed at the maximum term; the effective rate against
 * closed forms; and fee recognition — property-tested — earning exactly the fee by payoff, however
 * early or late the repayments come, with nothing deferred left.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type AdvanceTerms,
  advanceFee,
  checkAdvanceTerms,
  forecastHoldback,
  minimumPerPeriod,
  recogniseFee,
  solveDailyRate,
  totalRepayable,
} from './advance.ts';

/** 1,000.00 for a fee of 12%, repaid from 10% of each payout. */
const terms: AdvanceTerms = {
  amountMinor: 100_000n,
  currency: 'USD',
  factorBps: 11_200,
  holdbackRateBps: 1_000,
  minimumPayment: null,
  maxTermDays: null,
};

function forecast(t: AdvanceTerms, sales: readonly bigint[]) {
  const result = forecastHoldback(t, sales);
  assert.ok(result.ok, result.ok ? '' : result.detail);
  return result.value;
}

describe('advance terms', () => {
  it('names every problem of bad terms', () => {
    const result = checkAdvanceTerms({
      amountMinor: 0n,
      currency: 'USD',
      factorBps: 9_000,
      holdbackRateBps: 0,
      minimumPayment: { periodDays: 0, shareBps: 100 },
      maxTermDays: 0,
    });
    assert.equal(result.ok, false);
    if (!result.ok) {
      assert.equal(result.code, 'advance_terms_invalid');
      for (const field of ['amountMinor', 'factorBps', 'holdbackRateBps', 'minimumPayment', 'maxTermDays'])
        assert.match(result.detail ?? '', new RegExp(field));
    }
    assert.equal(checkAdvanceTerms(terms).ok, true);
  });

  it('charges the factor as a fee and sets the minimum payment from the total', () => {
    assert.equal(advanceFee(terms), 12_000n);
    assert.equal(totalRepayable(terms), 112_000n);
    assert.equal(minimumPerPeriod(terms), null);
    // 5.56% (about 1/18) of 1,120.00 is 62.272: rounded up to 62.28.
    assert.equal(minimumPerPeriod({ ...terms, minimumPayment: { periodDays: 60, shareBps: 556 } }), 6_228n);
    assert.equal(advanceFee({ ...terms, amountMinor: 333n, factorBps: 11_150 }), 38n, '333 × 0.115 = 38.295');
  });
});

describe('forecastHoldback', () => {
  it('repays 1,120.00 at 10% of 500.00 a day in 23 days, the last day what is left', () => {
    const result = forecast(terms, [50_000n]);
    assert.equal(result.daysToRepay, 23);
    assert.deepEqual(result.daily.slice(0, 22), new Array(22).fill(5_000n));
    assert.equal(result.daily[22], 2_000n);
    assert.equal(
      result.daily.reduce((a, b) => a + b, 0n),
      112_000n,
    );
    // The rate discounts the stream back to the amount advanced.
    let pv = 0;
    for (const [t, payment] of result.daily.entries())
      pv += Number(payment) / (1 + result.dailyRate) ** (t + 1);
    assert.ok(Math.abs(pv - 100_000) < 1e-6, `present value ${pv}`);
    assert.ok(result.effectiveAnnualRate > 5, 'a 12% fee over 23 days is a steep annual rate');
  });

  it('tops a period without enough sales up to the minimum payment', () => {
    const withMinimum = { ...terms, minimumPayment: { periodDays: 30, shareBps: 1_000 } };
    // 10% of 1,120.00 = 112.00 a month; sales of 100.00 a day hold back 10.00 a day = 300.00.
    const plenty = forecast(withMinimum, [10_000n]);
    assert.equal(plenty.daily[29], 1_000n, 'the holdback already beats the minimum');
    const none = forecast(withMinimum, [0n]);
    assert.equal(none.daily[28], 0n);
    assert.equal(none.daily[29], 11_200n, 'the whole minimum on the last day of the period');
    assert.equal(none.daysToRepay, 300);
  });

  it('makes whatever is left due on the last day of the maximum term', () => {
    const result = forecast({ ...terms, maxTermDays: 10 }, [50_000n]);
    assert.equal(result.daysToRepay, 10);
    assert.equal(result.daily[9], 112_000n - 9n * 5_000n);
  });

  it('refuses a forecast that never repays', () => {
    const result = forecastHoldback(terms, [0n]);
    assert.equal(result.ok ? '' : result.code, 'advance_forecast_never_repays');
    assert.equal(forecastHoldback(terms, []).ok, false);
  });
});

describe('solveDailyRate', () => {
  it('matches closed forms', () => {
    // One repayment of 1,120.00 after a year: (1 + r)^365 = 1.12.
    const yearly = new Array<bigint>(365).fill(0n);
    yearly[364] = 112_000n;
    const r = solveDailyRate(100_000n, yearly);
    assert.ok(Math.abs((1 + r) ** 365 - 1.12) < 1e-12, `${r}`);
    // Repaying exactly the amount: no interest.
    assert.equal(solveDailyRate(100_000n, [50_000n, 50_000n]), 0);
  });
});

describe('recogniseFee', () => {
  it('earns the fee day by day at the effective rate on the forecast stream, nothing left deferred', () => {
    const f = forecast(terms, [50_000n]);
    const days = recogniseFee(terms, f.dailyRate, f.daily);
    assert.equal(days.length, 23);
    assert.equal(
      days.reduce((s, d) => s + d.incomeMinor, 0n),
      12_000n,
    );
    assert.equal(days.at(-1)?.deferredFeeMinor, 0n);
    // The first day earns r × 1,000.00, rounded.
    assert.equal(days[0]?.incomeMinor, BigInt(Math.round(100_000 * f.dailyRate)));
    // Income falls as the carrying amount is repaid.
    assert.ok((days[1]?.incomeMinor ?? 0n) >= (days[20]?.incomeMinor ?? 0n));
  });

  it('recognises the whole fee at payoff, however early, late or lumpy the repayments', () => {
    const f = forecast(terms, [50_000n]);
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: 40_000n }), { minLength: 1, maxLength: 120 }),
        (stream) => {
          const days = recogniseFee(terms, f.dailyRate, stream);
          const repaid = days.reduce((s, d) => s + d.repaidMinor, 0n);
          const earned = days.reduce((s, d) => s + d.incomeMinor, 0n);
          for (const d of days) {
            assert.ok(
              d.incomeMinor >= 0n && d.deferredFeeMinor >= 0n,
              `day ${JSON.stringify(d, (_, v) => String(v))}`,
            );
            assert.ok(d.carryingMinor >= 0n, 'the carrying amount never goes below zero');
          }
          assert.equal(earned + (days.at(-1)?.deferredFeeMinor ?? 12_000n), 12_000n);
          if (repaid >= 112_000n) {
            assert.equal(days.at(-1)?.deferredFeeMinor, 0n, 'nothing deferred at payoff');
            assert.equal(earned, 12_000n);
          }
        },
      ),
    );
  });
});
