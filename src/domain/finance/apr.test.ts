/**
 * Proves apr.ts behaves as an APR must beyond the regulation's examples: a schedule built by
 * amortization.ts at a known rate has that rate as its APR (within what rounding its amounts to
 * minor units can move it), level or equal-principal, monthly to weekly, with one advance or several
 * (the general equation of Appendix J (b)(8)); the order flows are given in does not matter; the
 * percent is stated to two decimals half up; and each refusal comes with its code, in the documented
 * order. The Appendix J examples themselves are in apr-appendix-j.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  addDays,
  addMonths,
  type CalendarDate,
  calendarDate,
  fromDayNumber,
  toDayNumber,
} from '../time/calendar-date.ts';
import {
  equalPrincipalSchedule,
  levelPaymentSchedule,
  periodicRateFromAnnualBasisPoints,
  type ScheduleRow,
} from './amortization.ts';
import { type AprInput, annualPercentageRate, percentText } from './apr.ts';
import { aprOf, everyDays, everyMonths, on } from './cash-flows.test-helper.ts';

type ScheduleUnit = 'monthly' | 'quarterly' | 'weekly' | 'biweekly';

/** Payment dates of a schedule: every unit-period from the advance, the first one period after it. */
function paymentDates(advance: CalendarDate, unit: ScheduleUnit, count: number): CalendarDate[] {
  const months = { monthly: 1, quarterly: 3, weekly: 0, biweekly: 0 }[unit];
  const days = { monthly: 0, quarterly: 0, weekly: 7, biweekly: 14 }[unit];
  return Array.from({ length: count }, (_, k) =>
    months > 0 ? addMonths(advance, months * (k + 1)) : addDays(advance, days * (k + 1)),
  );
}

const perYear = { monthly: 12n, quarterly: 4n, weekly: 52n, biweekly: 26n } as const;

/**
 * How far the APR of a schedule in whole minor units may sit from its nominal rate: each period's
 * interest is rounded by at most one minor unit, which moves that period's rate by at most
 * 1 / balance, so the APR moves by at most w × 100 / (the smallest balance that earns interest).
 */
function roundingAllowance(rows: readonly ScheduleRow[], principalMinor: bigint, w: bigint): number {
  const openings = [principalMinor, ...rows.map((row) => row.balanceMinor)].filter((balance) => balance > 0n);
  let smallest = openings[0]!;
  for (const balance of openings) if (balance < smallest) smallest = balance;
  return (Number(w) * 100) / Number(smallest);
}

describe('APR of schedules built at a known rate (amortization.ts)', () => {
  const scheduleArb = fc.record({
    principalMinor: fc.bigInt({ min: 100_000n, max: 10n ** 10n }),
    periods: fc.integer({ min: 2, max: 120 }),
    annualBasisPoints: fc.bigInt({ min: 1n, max: 3_600n }),
    advanceDay: fc.integer({
      min: toDayNumber(calendarDate('1990-01-01')),
      max: toDayNumber(calendarDate('2060-12-31')),
    }),
    unit: fc.constantFrom('monthly', 'quarterly', 'weekly', 'biweekly' as const),
    equalPrincipal: fc.boolean(),
  });

  it('has the rate the schedule was built at, within the rounding of its amounts, and the same unit-period', () => {
    fc.assert(
      fc.property(
        scheduleArb,
        ({ principalMinor, periods, annualBasisPoints, advanceDay, unit, equalPrincipal }) => {
          const rate = periodicRateFromAnnualBasisPoints(annualBasisPoints, perYear[unit]);
          const built = equalPrincipal
            ? equalPrincipalSchedule({ principalMinor, periods, rate, interestRounding: 'half_even' })
            : levelPaymentSchedule({
                principalMinor,
                periods,
                rate,
                paymentRounding: 'half_up',
                interestRounding: 'half_up',
              });
          assert.ok(built.ok);
          const advance = fromDayNumber(advanceDay);
          const dates = paymentDates(advance, unit, periods);
          const payments = built.value
            .filter((row) => row.paymentMinor > 0n)
            .map((row) => ({ amountMinor: row.paymentMinor, date: dates[row.period - 1]! }));
          const apr = aprOf({ advances: [{ amountMinor: principalMinor, date: advance }], payments });
          assert.equal(apr.unitPeriod, unit);
          const nominal = Number(annualBasisPoints) / 100;
          const allowance = roundingAllowance(built.value, principalMinor, perYear[unit]);
          assert.ok(
            Math.abs(apr.aprPercent - nominal) <= allowance,
            `${apr.aprPercent} vs ${nominal} ± ${allowance}`,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('states 12.00% for 100,000.00 at 12% repaid monthly over 36 months', () => {
    const rate = periodicRateFromAnnualBasisPoints(1_200n, 12n);
    const built = levelPaymentSchedule({
      principalMinor: 10_000_000n,
      periods: 36,
      rate,
      paymentRounding: 'half_up',
      interestRounding: 'half_up',
    });
    assert.ok(built.ok);
    const advance = calendarDate('2024-01-31');
    const dates = paymentDates(advance, 'monthly', 36);
    const apr = aprOf({
      advances: [{ amountMinor: 10_000_000n, date: advance }],
      payments: built.value.map((row) => ({ amountMinor: row.paymentMinor, date: dates[row.period - 1]! })),
    });
    assert.equal(apr.aprPercentText, '12.00');
    assert.equal(apr.financeChargeMinor, apr.totalOfPaymentsMinor - 10_000_000n);
  });

  it('solves the general equation with several advances: draws at 0, 2 and 5 months repaid monthly at a known rate', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3_000 }),
        fc.array(fc.bigInt({ min: 10_000n, max: 10n ** 9n }), { minLength: 3, maxLength: 3 }),
        fc.integer({ min: 6, max: 60 }),
        (basisPoints, draws, count) => {
          // Payments from month 6 on, sized so that (b)(8) holds exactly at i = bps / 12 / 10,000
          // (all flows on month boundaries, so every f is 0); then rounded to minor units.
          const i = basisPoints / 12 / 10_000;
          const drawMonths = [0, 2, 5];
          const owedAtStart = draws.reduce(
            (sum, draw, k) => sum + Number(draw) / (1 + i) ** drawMonths[k]!,
            0,
          );
          let annuity = 0;
          for (let k = 0; k < count; k += 1) annuity += 1 / (1 + i) ** (6 + k);
          const paymentMinor = BigInt(Math.round(owedAtStart / annuity));
          const start = calendarDate('2025-03-15');
          const apr = aprOf({
            advances: draws.map((draw, k) => ({ amountMinor: draw, date: addMonths(start, drawMonths[k]!) })),
            payments: Array.from({ length: count }, (_, k) => ({
              amountMinor: paymentMinor,
              date: addMonths(start, 6 + k),
            })),
            unitPeriod: 'monthly',
          });
          // Rounding the payment by half a minor unit moves i by at most (0.5 / payment) divided by
          // how much later the payments fall than the draws on average (over a month: every payment
          // comes after the last draw), so the APR by at most 12 × 100 × 0.5 / payment points.
          const allowance = 600 / Number(paymentMinor);
          assert.ok(
            Math.abs(apr.aprPercent - basisPoints / 100) <= allowance,
            `${apr.aprPercent} vs ${basisPoints / 100}`,
          );
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('APR refusals and edge cases', () => {
  const advance = [on('2024-01-15', '1000.00')];

  it('answers the checks in order: no advances, no payments, amounts not positive, a payment before the term', () => {
    const code = (input: AprInput) => {
      const result = annualPercentageRate(input);
      return result.ok ? 'ok' : result.code;
    };
    assert.equal(code({ advances: [], payments: [] }), 'advances_empty');
    assert.equal(code({ advances: advance, payments: [] }), 'payments_empty');
    assert.equal(code({ advances: advance, payments: [on('2024-02-15', '0.00')] }), 'amount_not_positive');
    assert.equal(
      code({ advances: advance, payments: [on('2024-01-14', '1100.00')] }),
      'payment_before_term_start',
    );
    assert.equal(code({ advances: advance, payments: [on('2024-01-15', '1100.00')] }), 'apr_not_found');
  });

  it('solves a payment on the first day when an advance comes later: only flows all on one day have no rate', () => {
    // 1,000.00 advanced on 1 January and 1,000.00 on 1 February, one payment on 1 January. (b)(8)
    // with a monthly unit-period (the one period, between the advances, is a month):
    // 1000 + 1000 / (1 + i) = P, so i = 1000 / (P − 1000) − 1: 1/9 for 1,900.00 (133.33%), −1/11
    // for 2,100.00 (−109.09%), and no i at all for 1,000.00 (1000 / (1 + i) never reaches 0).
    const draws = [on('2024-01-01', '1000.00'), on('2024-02-01', '1000.00')];
    const above = aprOf({ advances: draws, payments: [on('2024-01-01', '1900.00')] });
    assert.equal(above.unitPeriod, 'monthly');
    assert.equal(above.aprPercentText, '133.33');
    assert.ok(Math.abs(above.unitPeriodRate - 1 / 9) < 1e-12, String(above.unitPeriodRate));
    const beyond = aprOf({ advances: draws, payments: [on('2024-01-01', '2100.00')] });
    assert.equal(beyond.aprPercentText, '-109.09');
    const none = annualPercentageRate({ advances: draws, payments: [on('2024-01-01', '1000.00')] });
    assert.ok(!none.ok);
    assert.equal(none.code, 'apr_not_found');
    assert.doesNotMatch(none.detail ?? '', /day the term starts/);
    const allOnOneDay = annualPercentageRate({
      advances: [on('2024-01-01', '1000.00'), on('2024-01-01', '1000.00')],
      payments: [on('2024-01-01', '2100.00')],
    });
    assert.equal(allOnOneDay.ok ? 'ok' : allOnOneDay.code, 'apr_not_found');
  });

  it('discloses a series on the 30th from an advance on the 31st with one fraction for every payment: 9.74%', () => {
    // 5,000.00 on 31 January 2023, 24 × 230.00 on the 30th from 28 February. Every payment is
    // t = k − 1 full months and f = 28/30 after the advance ((b)(3)(iv), (b)(5)(ii)); solved
    // independently, 5000 = Σ 230 / ((1 + 28/30·i)(1 + i)^(k−1)) gives i × 12 = 9.739320%. Reading
    // the month ends of 30-day months (and February) as last day to last day from 31 January put
    // those payments a month later and answered 9.72%.
    const payments = Array.from({ length: 24 }, (_, k) => ({
      amountMinor: 23_000n,
      date: addMonths(calendarDate('2023-01-30'), k + 1),
    }));
    const apr = aprOf({ advances: [on('2023-01-31', '5000.00')], payments });
    assert.equal(apr.unitPeriod, 'monthly');
    assert.equal(apr.aprPercentText, '9.74');
    assert.ok(Math.abs(apr.aprPercent - 9.73932) < 1e-5, String(apr.aprPercent));
  });

  it('keeps a series on the 28th or the 30th on its day when one payment falls on a later day: 18.86%, 16.92%', () => {
    // 10,000.00 on 28 January 2025; 2,600.00 on 28 February, 28 March, 28 April and, the last,
    // 31 May. 28 February is one month after 28 January ((b)(3)(iv): the same date of another
    // month): t = 1, 2, 3 and 4 + 3/30; solved independently, 18.861634%. The month ends of the
    // list were read as the largest day any payment used, the 31st, so 28 February counted back to
    // 31 January: 1 month and 3 days, 18.67%.
    const twentyEighth = aprOf({
      advances: [on('2025-01-28', '10000.00')],
      payments: [...everyMonths('2025-02-28', 3, '2600.00'), on('2025-05-31', '2600.00')],
    });
    assert.equal(twentyEighth.unitPeriod, 'monthly');
    assert.equal(twentyEighth.aprPercentText, '18.86');
    assert.ok(Math.abs(twentyEighth.aprPercent - 18.861634) < 1e-5, String(twentyEighth.aprPercent));
    // 10,000.00 on 30 January 2025; 1,750.00 on the 30th (28 February, 30 March, …, 30 June) and a
    // last one on 31 July: whole months to the 30th, 6 months and 1 day to 31 July, 16.918293%, as
    // with the last payment on 30 July the rest are unchanged (16.94%). The 31st made 28 February,
    // 30 April and 30 June count back to 31 January, a day short of their months: 16.84%.
    const thirtieth = (last: string) =>
      aprOf({
        advances: [on('2025-01-30', '10000.00')],
        payments: [...everyMonths('2025-01-30', 6, '1750.00').slice(1), on(last, '1750.00')],
      });
    assert.equal(thirtieth('2025-07-31').aprPercentText, '16.92');
    assert.ok(Math.abs(thirtieth('2025-07-31').aprPercent - 16.918293) < 1e-5);
    assert.equal(thirtieth('2025-07-30').aprPercentText, '16.94');
  });

  it('answers a negative APR when the payments come to less than the advance', () => {
    const apr = aprOf({ advances: advance, payments: everyMonths('2024-02-15', 12, '80.00') });
    assert.ok(apr.aprPercent < 0);
    assert.equal(apr.financeChargeMinor, -4_000n);
  });

  it('answers 0.00% when the payments come to exactly the advance', () => {
    const apr = aprOf({ advances: advance, payments: everyMonths('2024-02-15', 4, '250.00') });
    assert.equal(apr.aprPercentText, '0.00');
  });

  it('refuses a unit-period Capstan does not name: (b)(4) makes payments every 5 weeks a 5-week unit-period', () => {
    const result = annualPercentageRate({
      advances: advance,
      payments: everyDays('2024-02-19', 6, '180.00', 35),
    });
    assert.equal(result.ok ? 'ok' : result.code, 'unit_period_unsupported');
    const named = aprOf({
      advances: advance,
      payments: everyDays('2024-02-19', 6, '180.00', 35),
      unitPeriod: 'weekly',
    });
    assert.ok(named.aprPercent > 0);
  });

  it('takes the order of the flows as given: the same flows shuffled give the same APR', () => {
    const payments = everyMonths('2024-02-15', 12, '90.00');
    const forward = aprOf({ advances: advance, payments });
    const backward = aprOf({ advances: advance, payments: [...payments].reverse() });
    assert.equal(backward.aprPercent, forward.aprPercent);
  });

  it('states the percent to two decimals, half up', () => {
    assert.equal(percentText(9.685708), '9.69');
    assert.equal(percentText(9.684999), '9.68');
    assert.equal(percentText(12.005), '12.01');
    assert.equal(percentText(-0.125), '-0.13');
    assert.equal(percentText(1234.5), '1234.50');
  });
});
