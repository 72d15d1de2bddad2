/**
 * Proves amortization.ts builds term-loan schedules in exact minor units: the "amortization" table of
 * ../shared/vectors/finance-math.json to the cent, row by row; the level payment is Excel's PMT
 * rounded once; every row's interest is the balance × rate rounded with the named mode; the last
 * payment clears the balance; principal parts sum to the principal; equal-principal parts differ by
 * at most one minor unit; and bad terms answer codes instead of schedules.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseDecimal } from '../money/decimal.ts';
import { formatMoney, money, parseMoney } from '../money/money.ts';
import { divideRounded, roundingModes } from '../money/rounding.ts';
import {
  equalPrincipalSchedule,
  interestFor,
  levelPaymentAmount,
  levelPaymentSchedule,
  periodicRate,
  periodicRateFromAnnualBasisPoints,
  periodicRateFromDecimal,
  type ScheduleRow,
} from './amortization.ts';
import { pmt } from './excel.ts';

type AmortizationVector = {
  principal: string;
  periods: number;
  ratePerPeriod: number;
  payment: string;
  rows: [string, string, string, string][];
  columns: string[];
};

const vectorsUrl = new URL('../../../../shared/vectors/finance-math.json', import.meta.url);
const vector = (JSON.parse(readFileSync(vectorsUrl, 'utf8')) as { amortization: AmortizationVector })
  .amortization;

const usd = (text: string) => {
  const parsed = parseMoney(text, 'USD');
  assert.ok(parsed.ok, text);
  return parsed.value.amountMinor;
};

function unwrap<T>(result: { ok: true; value: T } | { ok: false; code: string }): T {
  assert.ok(result.ok, result.ok ? '' : result.code);
  return result.value;
}

describe('level-payment schedule against shared/vectors/finance-math.json', () => {
  // The vector's rate is a JSON number; its decimal text (0.01) is the exact rate it means.
  const rateText = parseDecimal(String(vector.ratePerPeriod));
  assert.ok(rateText.ok);
  const rate = periodicRateFromDecimal(rateText.value);
  const rows = unwrap(
    levelPaymentSchedule({
      principalMinor: usd(vector.principal),
      periods: vector.periods,
      rate,
      // The vector: "Payment = PMT rounded to cents", "interest = round(balance x 0.01, 2) half-up".
      paymentRounding: 'half_up',
      interestRounding: 'half_up',
    }),
  );

  it('has the columns this test reads', () => {
    assert.deepEqual(vector.columns, ['payment', 'interest', 'principal', 'balance']);
  });

  it('pays PMT rounded to the cent', () => {
    const payment = unwrap(levelPaymentAmount(usd(vector.principal), vector.periods, rate, 'half_up'));
    assert.equal(payment, usd(vector.payment));
  });

  it('reproduces every row to the cent', () => {
    assert.equal(rows.length, vector.rows.length);
    for (const [index, [payment, interest, principal, balance]] of vector.rows.entries()) {
      const row = rows[index]!;
      const shown = (amountMinor: bigint) => formatMoney(money(amountMinor, 'USD'));
      assert.deepEqual(
        [
          shown(row.paymentMinor),
          shown(row.interestMinor),
          shown(row.principalMinor),
          shown(row.balanceMinor),
        ],
        [payment, interest, principal, balance],
        `row ${index + 1}`,
      );
    }
  });
});

const modeArb = fc.constantFrom(...roundingModes);
// Terms over which an unpaid balance grows at most 10,000-fold. Past that PMT is the interest to
// within a fraction of a minor unit (35% a half-year for 259 half-years: PMT − interest ≈ 1e-18 of
// the principal), a payment rounded down no longer covers the interest, and the shortfall compounds
// until it leaves the amount range: the schedule then answers amount_out_of_range, as it should.
const termsArb = fc
  .record({
    principalMinor: fc.bigInt({ min: 1n, max: 10n ** 12n }),
    periods: fc.integer({ min: 1, max: 360 }),
    annualBasisPoints: fc.bigInt({ min: 0n, max: 3_600n }),
    periodsPerYear: fc.constantFrom(1n, 2n, 4n, 12n, 24n, 26n, 52n),
    paymentRounding: modeArb,
    interestRounding: modeArb,
  })
  .filter(
    ({ periods, annualBasisPoints, periodsPerYear }) =>
      (1 + Number(annualBasisPoints) / 10_000 / Number(periodsPerYear)) ** periods <= 10_000,
  );

function assertPhysics(rows: readonly ScheduleRow[], principalMinor: bigint, periods: number) {
  assert.equal(rows.length, periods);
  assert.equal(rows.at(-1)!.balanceMinor, 0n, 'the last payment clears the balance');
  assert.equal(
    rows.reduce((total, row) => total + row.principalMinor, 0n),
    principalMinor,
    'principal parts sum to the principal',
  );
  let opening = principalMinor;
  for (const row of rows) {
    assert.equal(row.paymentMinor, row.interestMinor + row.principalMinor);
    assert.equal(row.balanceMinor, opening - row.principalMinor);
    assert.ok(row.balanceMinor >= 0n);
    opening = row.balanceMinor;
  }
}

describe('level-payment schedules', () => {
  it('keep the physics for any terms and rounding modes: interest on the balance, last payment clears', () => {
    fc.assert(
      fc.property(termsArb, (terms) => {
        const rate = periodicRateFromAnnualBasisPoints(terms.annualBasisPoints, terms.periodsPerYear);
        const rows = unwrap(levelPaymentSchedule({ ...terms, rate }));
        assertPhysics(rows, terms.principalMinor, terms.periods);
        const payment = unwrap(
          levelPaymentAmount(terms.principalMinor, terms.periods, rate, terms.paymentRounding),
        );
        let opening = terms.principalMinor;
        for (const row of rows) {
          assert.equal(row.interestMinor, interestFor(opening, rate, terms.interestRounding));
          if (row.period < terms.periods && row.balanceMinor > 0n) assert.equal(row.paymentMinor, payment);
          opening = row.balanceMinor;
        }
      }),
      { numRuns: 200 },
    );
  });

  it("pays Excel's PMT, computed exactly and rounded once", () => {
    fc.assert(
      fc.property(termsArb, (terms) => {
        const rate = periodicRateFromAnnualBasisPoints(terms.annualBasisPoints, terms.periodsPerYear);
        const exact = unwrap(levelPaymentAmount(terms.principalMinor, terms.periods, rate, 'half_even'));
        const excel = -pmt({
          rate: Number(rate.numerator) / Number(rate.denominator),
          nper: terms.periods,
          pv: Number(terms.principalMinor),
        });
        // Excel's float PMT and the exact fraction agree to well within one minor unit.
        assert.ok(Math.abs(Number(exact) - excel) <= 0.5 + 1e-9 * excel, `${exact} vs ${excel}`);
      }),
      { numRuns: 200 },
    );
  });

  it('divides the principal evenly at a zero rate', () => {
    const rows = unwrap(
      levelPaymentSchedule({
        principalMinor: 100_000n,
        periods: 3,
        rate: periodicRate(0n, 1n),
        paymentRounding: 'half_up',
        interestRounding: 'half_up',
      }),
    );
    assert.deepEqual(
      rows.map((row) => [row.paymentMinor, row.interestMinor]),
      [
        [33_333n, 0n],
        [33_333n, 0n],
        [33_334n, 0n],
      ],
    );
  });

  it('stops paying once a rounded-up payment has cleared the balance', () => {
    // 0.03 over 12 periods at 1%: PMT is 0.0027, rounded up to 0.01; three payments clear it.
    const rows = unwrap(
      levelPaymentSchedule({
        principalMinor: 3n,
        periods: 12,
        rate: periodicRate(1n, 100n),
        paymentRounding: 'up',
        interestRounding: 'half_up',
      }),
    );
    assertPhysics(rows, 3n, 12);
    assert.deepEqual(
      rows.map((row) => row.paymentMinor),
      [1n, 1n, 1n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
    );
  });

  it('answers a code for terms it cannot schedule, in the documented order', () => {
    const rate = periodicRate(1n, 100n);
    const base = {
      principalMinor: 1000n,
      periods: 12,
      rate,
      paymentRounding: 'half_up',
      interestRounding: 'half_up',
    } as const;
    const code = (result: { ok: boolean; code?: string }) => (result.ok ? 'ok' : result.code);
    assert.equal(
      code(levelPaymentSchedule({ ...base, principalMinor: 0n, periods: 0 })),
      'principal_not_positive',
    );
    assert.equal(
      code(levelPaymentSchedule({ ...base, periods: 0, rate: periodicRate(-1n, 100n) })),
      'periods_out_of_range',
    );
    assert.equal(code(levelPaymentSchedule({ ...base, periods: 1_201 })), 'periods_out_of_range');
    assert.equal(code(levelPaymentSchedule({ ...base, rate: periodicRate(-1n, 100n) })), 'rate_negative');
    assert.equal(code(levelPaymentSchedule({ ...base, principalMinor: 2n ** 63n })), 'amount_out_of_range');
  });

  it('answers amount_out_of_range when a payment rounded below the interest lets the shortfall compound', () => {
    // 35.46% a year paid half-yearly over 259 half-years: PMT exceeds the interest by ~1e-18 of the
    // principal, so rounding it down leaves the interest unpaid, and the unpaid part grows 1.18-fold
    // for 129 years.
    const terms = {
      principalMinor: 743_901_191_634n,
      periods: 259,
      rate: periodicRateFromAnnualBasisPoints(3_546n, 2n),
      paymentRounding: 'floor',
      interestRounding: 'half_even',
    } as const;
    const result = levelPaymentSchedule(terms);
    assert.equal(result.ok ? 'ok' : result.code, 'amount_out_of_range');
    assert.ok(unwrap(levelPaymentSchedule({ ...terms, paymentRounding: 'ceiling' })).length === 259);
  });
});

describe('equal-principal schedules', () => {
  it('repays 1,000.00 over 3 periods at 1% as 333.34 + 333.33 + 333.33 with interest on the balance', () => {
    const rows = unwrap(
      equalPrincipalSchedule({
        principalMinor: 100_000n,
        periods: 3,
        rate: periodicRate(1n, 100n),
        interestRounding: 'half_up',
      }),
    );
    assert.deepEqual(
      rows.map((row) => [row.principalMinor, row.interestMinor, row.paymentMinor, row.balanceMinor]),
      [
        [33_334n, 1_000n, 34_334n, 66_666n],
        [33_333n, 667n, 34_000n, 33_333n],
        [33_333n, 333n, 33_666n, 0n],
      ],
    );
  });

  it('keep the physics, and parts differ by at most one minor unit, larger first', () => {
    fc.assert(
      fc.property(termsArb, (terms) => {
        const rate = periodicRateFromAnnualBasisPoints(terms.annualBasisPoints, terms.periodsPerYear);
        const rows = unwrap(equalPrincipalSchedule({ ...terms, rate }));
        assertPhysics(rows, terms.principalMinor, terms.periods);
        const parts = rows.map((row) => row.principalMinor);
        const share = divideRounded(terms.principalMinor, BigInt(terms.periods), 'floor');
        for (const [index, part] of parts.entries()) {
          assert.ok(part === share || part === share + 1n);
          if (index > 0) assert.ok(part <= parts[index - 1]!);
        }
      }),
      { numRuns: 200 },
    );
  });
});
