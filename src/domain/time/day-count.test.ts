/**
 * Proves the day-count conventions against independent vectors: every "dayCount" row of
 * shared/vectors/finance-math.json (ACT/360 and ACT/365F day counts and year fractions to the digits
 * given; 30/360 Bond Basis, 30E/360 and 30/360 US day counts) is asserted exactly. Also proves the
 * conventions agree where no adjustment applies, and that interest is principal × rate × days / basis
 * rounded once with the named mode, against an exact rational reference.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AssertionError } from '../assert.ts';
import { currencyCodes } from '../money/currency.ts';
import { decimal, parseDecimal } from '../money/decimal.ts';
import { amountMinorMax, amountMinorMin, money, multiplyByRate } from '../money/money.ts';
import { divideRounded, roundingModes } from '../money/rounding.ts';
import { referenceDivideRounded } from '../money/rounding-reference.test-helper.ts';
import {
  addDays,
  type CalendarDate,
  calendarDate,
  dateParts,
  daysBetween,
  fromDayNumber,
} from './calendar-date.ts';
import {
  accrueInterest,
  type DayCountConvention,
  dayCount,
  dayCountConventions,
  daysPerYear,
  interestForYearFraction,
  isDayCountConvention,
  yearFraction,
} from './day-count.ts';

type ActRow = { start: string; end: string; days: number; act360: number; act365f: number };
type Thirty360Vectors = { columns: string[]; rows: (string | number)[][] };
type Vectors = { dayCount: { act: ActRow[]; thirty360: Thirty360Vectors } };

const vectorsUrl = new URL('../../../../shared/vectors/finance-math.json', import.meta.url);
const vectors = (JSON.parse(readFileSync(vectorsUrl, 'utf8')) as Vectors).dayCount;

/** The vector file's 30/360 column names, mapped to our convention names. */
const thirty360ColumnConvention: Record<string, DayCountConvention> = {
  bondBasis: '30_360_bond',
  eurobond30E: '30e_360',
  us: '30_360_us',
};

/** Asserts the exact fraction, rounded to the digits the vector prints, is the printed value. */
function assertFractionMatches(
  convention: DayCountConvention,
  start: CalendarDate,
  end: CalendarDate,
  printed: number,
) {
  const expected = parseDecimal(String(printed));
  assert.ok(expected.ok, `vector value ${printed} must be a plain decimal`);
  const fraction = yearFraction(convention, start, end);
  const rounded = divideRounded(
    fraction.numerator * 10n ** BigInt(expected.value.scale),
    fraction.denominator,
    'half_even',
  );
  assert.equal(rounded, expected.value.coefficient, `${convention} ${start}..${end}`);
}

describe('day counts against shared/vectors/finance-math.json', () => {
  it('matches every ACT/360 and ACT/365F row: days and year fraction', () => {
    assert.ok(vectors.act.length > 0);
    for (const row of vectors.act) {
      const start = calendarDate(row.start);
      const end = calendarDate(row.end);
      assert.equal(dayCount('act_360', start, end), row.days, `act_360 ${row.start}..${row.end}`);
      assert.equal(dayCount('act_365f', start, end), row.days, `act_365f ${row.start}..${row.end}`);
      assert.deepEqual(yearFraction('act_360', start, end), {
        numerator: BigInt(row.days),
        denominator: 360n,
      });
      assert.deepEqual(yearFraction('act_365f', start, end), {
        numerator: BigInt(row.days),
        denominator: 365n,
      });
      assertFractionMatches('act_360', start, end, row.act360);
      assertFractionMatches('act_365f', start, end, row.act365f);
    }
  });

  it('matches every 30/360 row in every column: Bond Basis, 30E/360 and US', () => {
    const { columns, rows } = vectors.thirty360;
    assert.deepEqual(columns.slice(0, 2), ['start', 'end']);
    const conventionColumns = columns.slice(2);
    assert.deepEqual([...conventionColumns].sort(), Object.keys(thirty360ColumnConvention).sort());
    assert.ok(rows.length > 0);
    let asserted = 0;
    for (const row of rows) {
      assert.equal(row.length, columns.length);
      const start = calendarDate(String(row[0]));
      const end = calendarDate(String(row[1]));
      for (const [offset, column] of conventionColumns.entries()) {
        const convention = thirty360ColumnConvention[column]!;
        const days = row[offset + 2];
        assert.equal(typeof days, 'number');
        assert.equal(dayCount(convention, start, end), days, `${convention} ${start}..${end}`);
        assert.deepEqual(yearFraction(convention, start, end), {
          numerator: BigInt(days!),
          denominator: 360n,
        });
        asserted += 1;
      }
    }
    assert.equal(asserted, rows.length * 3);
  });
});

const dateArb = fc.integer({ min: -200_000, max: 200_000 }).map((dayNumber) => fromDayNumber(dayNumber));
const periodArb = fc
  .tuple(dateArb, fc.integer({ min: 0, max: 4000 }))
  .map(([start, lengthDays]) => ({ start, end: addDays(start, lengthDays) }));

describe('day-count conventions', () => {
  it('are named for configuration and divide by their basis', () => {
    assert.deepEqual(dayCountConventions, ['act_360', 'act_365f', '30_360_us', '30e_360', '30_360_bond']);
    for (const convention of dayCountConventions) assert.ok(isDayCountConvention(convention));
    for (const name of ['ACT/360', 'act360', '30/360', '', 'constructor'])
      assert.equal(isDayCountConvention(name), false);
    assert.deepEqual(dayCountConventions.map(daysPerYear), [360, 365, 360, 360, 360]);
  });

  it('count zero for an empty period, and ACT counts actual days', () => {
    fc.assert(
      fc.property(periodArb, ({ start, end }) => {
        for (const convention of dayCountConventions) assert.equal(dayCount(convention, start, start), 0);
        assert.equal(dayCount('act_360', start, end), daysBetween(start, end));
        assert.equal(dayCount('act_365f', start, end), daysBetween(start, end));
      }),
    );
  });

  it('agree across the 30/360 family when neither date needs adjusting', () => {
    fc.assert(
      fc.property(periodArb, ({ start, end }) => {
        const a = dateParts(start);
        const b = dateParts(end);
        fc.pre(a.day <= 27 && b.day <= 27);
        const expected = 360 * (b.year - a.year) + 30 * (b.month - a.month) + (b.day - a.day);
        for (const convention of ['30_360_us', '30e_360', '30_360_bond'] as const) {
          assert.equal(dayCount(convention, start, end), expected, convention);
        }
      }),
    );
  });

  it('apply the month-end rules: a year is 360, the end of February moves only when the start is one too', () => {
    assert.equal(dayCount('30_360_us', calendarDate('2024-01-31'), calendarDate('2024-02-29')), 29);
    assert.equal(dayCount('30_360_us', calendarDate('2024-02-29'), calendarDate('2024-03-31')), 30);
    assert.equal(dayCount('30e_360', calendarDate('2024-01-31'), calendarDate('2024-03-31')), 60);
    assert.equal(dayCount('30_360_bond', calendarDate('2024-03-31'), calendarDate('2025-03-31')), 360);
    assert.equal(dayCount('30_360_us', calendarDate('2023-02-28'), calendarDate('2024-02-29')), 360);
  });

  it('treat a reversed period as a bug', () => {
    for (const convention of dayCountConventions) {
      assert.throws(
        () => dayCount(convention, calendarDate('2024-01-02'), calendarDate('2024-01-01')),
        AssertionError,
      );
    }
  });
});

describe('interest', () => {
  it('is principal × rate × days / basis, rounded once', () => {
    const usd = (amountMinor: bigint) => money(amountMinor, 'USD');
    const rate = decimal(5n, 2);
    const period = { start: calendarDate('2024-01-15'), end: calendarDate('2024-04-14') };
    assert.deepEqual(
      accrueInterest({
        principal: usd(1_000_000n),
        annualRate: rate,
        convention: 'act_360',
        ...period,
        rounding: 'half_even',
      }),
      { ok: true, value: usd(12_500n) },
    );
    // 10,000.00 × 0.05 × 90/365 = 123.2876… USD
    for (const [rounding, expected] of [
      ['half_even', 12_329n],
      ['down', 12_328n],
      ['up', 12_329n],
    ] as const) {
      assert.deepEqual(
        accrueInterest({
          principal: usd(1_000_000n),
          annualRate: rate,
          convention: 'act_365f',
          ...period,
          rounding,
        }),
        { ok: true, value: usd(expected) },
      );
    }
    assert.deepEqual(
      interestForYearFraction(
        usd(amountMinorMax),
        decimal(2n, 0),
        { numerator: 1n, denominator: 1n },
        'down',
      ),
      { ok: false, code: 'amount_out_of_range' },
    );
  });

  it('matches the exact rational reference for every convention and rounding mode', () => {
    const principalArb = fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n });
    const rateArb = fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.integer({ min: 0, max: 8 }))
      .map(([coefficient, scale]) => decimal(coefficient, scale));
    fc.assert(
      fc.property(
        fc.constantFrom(...currencyCodes),
        principalArb,
        rateArb,
        periodArb,
        fc.constantFrom(...dayCountConventions),
        fc.constantFrom(...roundingModes),
        (currency, principalMinor, annualRate, { start, end }, convention, rounding) => {
          const days = BigInt(dayCount(convention, start, end));
          const numerator = principalMinor * annualRate.coefficient * days;
          const denominator = 10n ** BigInt(annualRate.scale) * BigInt(daysPerYear(convention));
          const expected = referenceDivideRounded(numerator, denominator, rounding);
          const principal = money(principalMinor, currency);
          const result = accrueInterest({ principal, annualRate, convention, start, end, rounding });
          if (expected < amountMinorMin || expected > amountMinorMax) {
            assert.deepEqual(result, { ok: false, code: 'amount_out_of_range' });
          } else {
            assert.deepEqual(result, { ok: true, value: money(expected, currency) });
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('over one 30/360 year equals the principal multiplied by the rate', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.constantFrom(...roundingModes),
        (amountMinor, mode) => {
          const principal = money(amountMinor, 'EUR');
          const annualRate = decimal(4321n, 5);
          const start = calendarDate('2023-03-15');
          const end = calendarDate('2024-03-15');
          assert.deepEqual(
            accrueInterest({ principal, annualRate, convention: '30e_360', start, end, rounding: mode }),
            multiplyByRate(principal, annualRate, mode),
          );
        },
      ),
    );
  });
});
