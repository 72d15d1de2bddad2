/**
 * Proves apr.ts computes the annual percentage rate by the actuarial method of Regulation Z,
 * Appendix J (12 CFR 1026) for the shared vector and every worked example of Appendix J (c) — all
 * seventeen, (c)(1)(i) to (c)(6)(ii) — to the two decimals the regulation prints, from advances and
 * payments on calendar dates, both with the unit-period the example names and with the unit-period
 * determined by (b)(4).
 *
 * Sources. Appendix J prints (c)'s examples and the equations of (b)(8)–(b)(9) as images, so their
 * inputs here come from transcriptions of the GPO and eCFR pages (amounts, counts, dates where the
 * example gives them, and the full unit-periods t and fractions f it states). Where an example gives
 * a term or t and f but its dates could not be read, the dates below are chosen to produce exactly
 * that term, t and f under (b)(5); each such test says so. The equation then sees the same numbers
 * the regulation's example does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { CashFlowOnDate } from './apr.ts';
import { aprOf, daysAfter, everyDays, everyMonths, on, semimonthly } from './cash-flows.test-helper.ts';
import type { UnitPeriodName } from './unit-period.ts';

/**
 * The example's APR with the unit-period it names, and again with none given: (b)(4) must arrive at
 * the same unit-period and so the same rate.
 */
function assertExample(
  advances: readonly CashFlowOnDate[],
  payments: readonly CashFlowOnDate[],
  unitPeriod: UnitPeriodName | 'term',
  expected: string,
) {
  if (unitPeriod !== 'term') {
    const given = aprOf({ advances, payments, unitPeriod });
    assert.equal(
      given.aprPercentText,
      expected,
      `APR with the ${unitPeriod} unit-period (${given.aprPercent})`,
    );
  }
  const determined = aprOf({ advances, payments });
  assert.equal(determined.unitPeriod, unitPeriod, 'the unit-period (b)(4) determines');
  assert.equal(
    determined.aprPercentText,
    expected,
    `APR with the determined unit-period (${determined.aprPercent})`,
  );
  return determined;
}

type AprVector = {
  case: string;
  advance: string;
  advanceDate: string;
  payments: { count: number; amount: string; first: string; every: string };
  unitPeriod: string;
  expectAprPercent: number;
};

describe('APR against shared/vectors/finance-math.json', () => {
  const vectorsUrl = new URL('../../../../shared/vectors/finance-math.json', import.meta.url);
  const vectors = (JSON.parse(readFileSync(vectorsUrl, 'utf8')) as { aprRegZ: AprVector[] }).aprRegZ;

  for (const vector of vectors) {
    it(`${vector.case}: ${vector.expectAprPercent}%`, () => {
      assert.equal(vector.payments.every, '1 month', 'this test reads monthly payment vectors');
      assert.equal(vector.unitPeriod, 'month');
      const payments = everyMonths(vector.payments.first, vector.payments.count, vector.payments.amount);
      const apr = assertExample(
        [on(vector.advanceDate, vector.advance)],
        payments,
        'monthly',
        vector.expectAprPercent.toFixed(2),
      );
      assert.equal(apr.unitPeriodsPerYear.numerator / apr.unitPeriodsPerYear.denominator, 12);
    });
  }
});

describe('Appendix J (c)(1): single advance, with or without an odd first period, otherwise regular', () => {
  it('(c)(1)(i) monthly payments, regular first period: 5,000.00 on 1978-01-10, 24 × 230.00 from 1978-02-10 → 9.69%', () => {
    assertExample([on('1978-01-10', '5000.00')], everyMonths('1978-02-10', 24, '230.00'), 'monthly', '9.69');
  });

  it('(c)(1)(ii) monthly payments, long first period: 6,000.00 on 1978-02-10, 36 × 200.00 from 1978-04-01 (t = 1, f = 19/30) → 11.82%', () => {
    assertExample([on('1978-02-10', '6000.00')], everyMonths('1978-04-01', 36, '200.00'), 'monthly', '11.82');
  });

  it('(c)(1)(iii) semimonthly payments, short first period: 5,000.00 on 1978-02-23, 24 × 219.17 on the 1st and 16th from 1978-03-01 (f = 6/15) → 10.34%', () => {
    // The example gives the first payment date and the fraction 6/15; payments on the 1st and the
    // 16th keep every payment's fraction at 6/15 under (b)(5)(iii), which the example's single f
    // requires (payments on the 15th would make it 5/15 for every second payment).
    assertExample(
      [on('1978-02-23', '5000.00')],
      semimonthly('1978-03-01', '1978-03-16', 24, '219.17'),
      'semimonthly',
      '10.34',
    );
  });

  it('(c)(1)(iv) quarterly payments, long first period: 10,000.00 on 1978-05-23, 40 × 385.00 from 1978-10-01 (t = 1, f = 39/90) → 8.97%', () => {
    assertExample(
      [on('1978-05-23', '10000.00')],
      everyMonths('1978-10-01', 40, '385.00', 3),
      'quarterly',
      '8.97',
    );
  });

  it('(c)(1)(v) weekly payments, long first period: 500.00 on 1978-03-20, 30 × 17.60 from 1978-04-21 (t = 4, f = 4/7) → 14.96%', () => {
    assertExample([on('1978-03-20', '500.00')], everyDays('1978-04-21', 30, '17.60', 7), 'weekly', '14.96');
  });
});

describe('Appendix J (c)(2): single advance, odd first payment, with or without an odd first period', () => {
  it('(c)(2)(i) monthly payments, regular first period, irregular first payment: 5,000.00 on 1978-01-10, 250.00 on 1978-02-10, 23 × 230.00 → 10.08%', () => {
    assertExample(
      [on('1978-01-10', '5000.00')],
      [on('1978-02-10', '250.00'), ...everyMonths('1978-03-10', 23, '230.00')],
      'monthly',
      '10.08',
    );
  });

  it('(c)(2)(ii) payments every 4 weeks, long first period, irregular first payment: 400.00 on 1978-03-18, 39.50 on 1978-04-20, 11 × 38.31 from 1978-05-18 (f = 5/28) → 28.50%', () => {
    assertExample(
      [on('1978-03-18', '400.00')],
      [on('1978-04-20', '39.50'), ...everyDays('1978-05-18', 11, '38.31', 28)],
      '4-weekly',
      '28.50',
    );
  });
});

describe('Appendix J (c)(3): single advance, odd final payment, with or without an odd first period', () => {
  it('(c)(3)(i) monthly payments, regular first period, irregular final payment: 5,000.00 on 1978-01-10, 23 × 230.00 from 1978-02-10, 280.00 on 1980-01-10 → 10.50%', () => {
    assertExample(
      [on('1978-01-10', '5000.00')],
      [...everyMonths('1978-02-10', 23, '230.00'), on('1980-01-10', '280.00')],
      'monthly',
      '10.50',
    );
  });

  it('(c)(3)(ii) payments every 2 weeks, short first period, irregular final payment: 200.00 on 1978-04-03, 19 × 9.50 from 1978-04-11, 30.00 (f = 8/14) → 12.22%', () => {
    assertExample(
      [on('1978-04-03', '200.00')],
      [...everyDays('1978-04-11', 19, '9.50', 14), ...daysAfter('1978-04-11', [14 * 19], '30.00')],
      'biweekly',
      '12.22',
    );
  });
});

describe('Appendix J (c)(4): single advance, odd first and final payments, with or without an odd first period', () => {
  it('(c)(4)(i) monthly payments, regular first period, irregular first and final payments: 5,000.00, 250.00, 22 × 230.00, 280.00 → 10.90%', () => {
    assertExample(
      [on('1978-01-10', '5000.00')],
      [on('1978-02-10', '250.00'), ...everyMonths('1978-03-10', 22, '230.00'), on('1980-01-10', '280.00')],
      'monthly',
      '10.90',
    );
  });

  it('(c)(4)(ii) payments every 2 months, short first period, irregular first and final payments: 8,000.00 on 1978-01-10, 449.36 on 1978-03-01, 18 × 465.00, 200.00 (f = 52/60) → 7.30%', () => {
    // f = 52/60 is (b)(5)(iii) at work: one full month back from 1 March to 1 February, counted as
    // 30 days, plus the 22 days from 10 January; the actual 50 days would give 50/60 and 7.33%.
    assertExample(
      [on('1978-01-10', '8000.00')],
      [on('1978-03-01', '449.36'), ...everyMonths('1978-05-01', 18, '465.00', 2), on('1981-05-01', '200.00')],
      'bimonthly',
      '7.30',
    );
  });
});

describe('Appendix J (c)(5): single advance, single payment', () => {
  it('(c)(5)(i) term of less than a year, measured in days: 1,000.00 on 1978-01-03, 1,080.00 on 1978-09-15 (255 days, w = 365/255) → 11.45%', () => {
    const apr = assertExample([on('1978-01-03', '1000.00')], [on('1978-09-15', '1080.00')], 'term', '11.45');
    assert.deepEqual(apr.unitPeriodsPerYear, { numerator: 365, denominator: 255 });
  });

  it('(c)(5)(ii) term of 6 months: 1,000.00 repaid by 1,044.00 (w = 2) → 8.80%', () => {
    // The example states the term (6 months, unit-period = the term, w = 2); the dates are chosen
    // to make exactly 6 months.
    assertExample([on('1978-01-03', '1000.00')], [on('1978-07-03', '1044.00')], 'semiannual', '8.80');
  });

  it('(c)(5)(iii) term of 18 months: 1,000.00 repaid by 1,135.19 (unit-period a year, t = 1, f = 6/12) → 8.76%', () => {
    // The example states t = 1 and f = 6/12 ((b)(5)(v), whole months); the dates are chosen to make
    // exactly 18 months.
    assertExample([on('1978-01-03', '1000.00')], [on('1979-07-03', '1135.19')], 'yearly', '8.76');
  });

  it('(c)(5)(iv) term of 2 years: 1,000.00 repaid by 1,240.00 (unit-period a year, t = 2) → 11.36%', () => {
    // The dates are chosen to make exactly 2 years, as the example states.
    assertExample([on('1978-01-03', '1000.00')], [on('1980-01-03', '1240.00')], 'yearly', '11.36');
  });

  it('(c)(5)(i) and (ii) with the single payment written as principal and interest on one day, or the advance in two lines: still 11.45% and 8.80%', () => {
    // One payment is what falls due on a date, however many lines it is written in: (b)(4)(ii)
    // still makes the term the unit-period (it answered 422, (b)(4)(i) averaging the one period to
    // 36 and 26 weeks).
    const apr = assertExample(
      [on('1978-01-03', '1000.00')],
      [on('1978-09-15', '1000.00'), on('1978-09-15', '80.00')],
      'term',
      '11.45',
    );
    assert.deepEqual(apr.unitPeriodsPerYear, { numerator: 365, denominator: 255 });
    assertExample(
      [on('1978-01-03', '600.00'), on('1978-01-03', '400.00')],
      [on('1978-09-15', '1080.00')],
      'term',
      '11.45',
    );
    assertExample(
      [on('1978-01-03', '1000.00')],
      [on('1978-07-03', '1000.00'), on('1978-07-03', '44.00')],
      'semiannual',
      '8.80',
    );
  });
});

describe('Appendix J (c)(6): complex single advance transactions', () => {
  it('(c)(6)(i) payments every 4 weeks with skipped payments: 2,135.00, 24 × 100.00 in four series (f = 26/28 and 12/28) → 12.00%', () => {
    // The example states each series' count, first full unit-periods t and fraction f: 9 payments
    // from t = 0, f = 26/28; 6 from t = 10, f = 12/28; 6 from t = 16, f = 26/28; 3 from t = 23,
    // f = 12/28. The dates below (from an advance on 1978-01-10) put every payment at exactly
    // 28·t + 28·f days, which is what (b)(5)(iv) counts; the two-week skips make every gap between
    // the series six weeks.
    const series = (t: number, fraction: number, count: number) =>
      Array.from({ length: count }, (_, k) => 28 * (t + k) + fraction);
    const offsets = [...series(0, 26, 9), ...series(10, 12, 6), ...series(16, 26, 6), ...series(23, 12, 3)];
    assertExample(
      [on('1978-01-10', '2135.00')],
      daysAfter('1978-01-10', offsets, '100.00'),
      '4-weekly',
      '12.00',
    );
  });

  it('(c)(6)(ii) monthly payments, skipped payments plus single payments: 7,350.00, 3 × 1,000.00, 2,000.00, 3 × 750.00, 1,000.00 (f = 12/30, last 29/30) → 10.22%', () => {
    // The example states t and f for each payment: 1,000.00 at t = 6, 7, 8 and 2,000.00 at t = 12,
    // 750.00 at t = 18, 19, 20, all with f = 12/30, and 1,000.00 at t = 22 with f = 29/30. An advance
    // on 1978-01-20 and payments on the 1st (12 days from 20 January to 1 February) give exactly
    // these under (b)(5)(ii); the last payment, on 1979-12-18, is 22 months and 29 days away.
    assertExample(
      [on('1978-01-20', '7350.00')],
      [
        ...everyMonths('1978-08-01', 3, '1000.00'),
        on('1979-02-01', '2000.00'),
        ...everyMonths('1979-08-01', 3, '750.00'),
        on('1979-12-18', '1000.00'),
      ],
      'monthly',
      '10.22',
    );
  });
});
