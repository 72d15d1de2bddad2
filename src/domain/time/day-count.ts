/**
 * Day-count conventions: how many days of interest a period earns and what fraction of a year that
 * is. Year fractions are exact rationals (days / days-per-year, both bigint), so interest is computed
 * as principal × rate × days / basis in one bigint product and rounded once, with a named mode.
 *
 * Conventions, by the name used in configuration and terms:
 * - 'act_360'     Actual/360: actual days / 360 (money markets, most trade-finance discounting).
 * - 'act_365f'    Actual/365 Fixed: actual days / 365, leap years included.
 * - '30_360_us'   30/360 US (SIA): 30-day months with the end-of-February rules, / 360.
 * - '30e_360'     30E/360 (Eurobond basis, ISDA 2006 4.16(g)): every 31st counts as the 30th, / 360.
 * - '30_360_bond' 30/360 Bond Basis (ISDA 2006 4.16(f)): the 31st of the end month counts as the 30th
 *                 only when the start day is the 30th or 31st, / 360.
 *
 * The 30/360 family counts 360 × (Y2 − Y1) + 30 × (M2 − M1) + (D2 − D1) after adjusting D1 and D2;
 * the conventions differ only in those adjustments. A period is start (inclusive) to end (exclusive)
 * with start <= end; a reversed period is a bug in the caller and fails an assertion.
 */
import { assert, unreachable } from '../assert.ts';
import type { Decimal } from '../money/decimal.ts';
import { type AmountRangeCode, type Money, moneyOf } from '../money/money.ts';
import { divideRounded, type RoundingMode } from '../money/rounding.ts';
import { err, ok, type Result } from '../result.ts';
import {
  type CalendarDate,
  compareCalendarDates,
  type DateParts,
  dateParts,
  daysBetween,
  isEndOfMonth,
} from './calendar-date.ts';

export type DayCountConvention = 'act_360' | 'act_365f' | '30_360_us' | '30e_360' | '30_360_bond';

export const dayCountConventions: readonly DayCountConvention[] = [
  'act_360',
  'act_365f',
  '30_360_us',
  '30e_360',
  '30_360_bond',
];

/** An exact, unreduced ratio: { numerator: 182n, denominator: 360n } for 182 days ACT/360. */
export type YearFraction = { readonly numerator: bigint; readonly denominator: bigint };

export function isDayCountConvention(name: string): name is DayCountConvention {
  return (dayCountConventions as readonly string[]).includes(name);
}

/** Days in the year the convention divides by. */
export function daysPerYear(convention: DayCountConvention): number {
  switch (convention) {
    case 'act_365f':
      return 365;
    case 'act_360':
    case '30_360_us':
    case '30e_360':
    case '30_360_bond':
      return 360;
    default:
      return unreachable(convention, 'daysPerYear: unknown day-count convention');
  }
}

/** Days of interest from start to end under the convention (the numerator of the year fraction). */
export function dayCount(convention: DayCountConvention, start: CalendarDate, end: CalendarDate): number {
  assert(compareCalendarDates(start, end) <= 0, 'dayCount: start must not be after end');
  switch (convention) {
    case 'act_360':
    case 'act_365f':
      return daysBetween(start, end);
    case '30_360_us':
      return thirty360Us(start, end);
    case '30e_360':
      return thirtyE360(start, end);
    case '30_360_bond':
      return thirty360Bond(start, end);
    default:
      return unreachable(convention, 'dayCount: unknown day-count convention');
  }
}

export function yearFraction(
  convention: DayCountConvention,
  start: CalendarDate,
  end: CalendarDate,
): YearFraction {
  return {
    numerator: BigInt(dayCount(convention, start, end)),
    denominator: BigInt(daysPerYear(convention)),
  };
}

/**
 * principal × annualRate × fraction, rounded once to minor units with the named mode. The whole
 * product is one bigint numerator over one bigint denominator, so no intermediate rounding happens:
 * 10,000.00 USD at 0.05 for 90/360 is exactly 125.00 USD.
 */
export function interestForYearFraction(
  principal: Money,
  annualRate: Decimal,
  fraction: YearFraction,
  mode: RoundingMode,
): Result<Money, AmountRangeCode> {
  assert(fraction.denominator > 0n, 'interestForYearFraction: denominator must be positive');
  const numerator = principal.amountMinor * annualRate.coefficient * fraction.numerator;
  const denominator = 10n ** BigInt(annualRate.scale) * fraction.denominator;
  const interestMinor = divideRounded(numerator, denominator, mode);
  const interest = moneyOf(interestMinor, principal.currency);
  if (!interest.ok) {
    // The currency came from a valid Money, so only the range can fail.
    assert(interest.code === 'amount_out_of_range', 'interestForYearFraction: unexpected failure');
    return err('amount_out_of_range');
  }
  return ok(interest.value);
}

export type AccrualPeriod = {
  readonly principal: Money;
  readonly annualRate: Decimal;
  readonly convention: DayCountConvention;
  readonly start: CalendarDate;
  readonly end: CalendarDate;
  readonly rounding: RoundingMode;
};

/** Interest on `principal` at `annualRate` from start to end under the convention. */
export function accrueInterest(period: AccrualPeriod): Result<Money, AmountRangeCode> {
  const fraction = yearFraction(period.convention, period.start, period.end);
  return interestForYearFraction(period.principal, period.annualRate, fraction, period.rounding);
}

type Thirty360Days = {
  readonly start: DateParts;
  readonly end: DateParts;
  readonly day1: number;
  readonly day2: number;
};

function thirty360Days({ start, end, day1, day2 }: Thirty360Days): number {
  return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (day2 - day1);
}

/**
 * SIA rules, in this order: (1) start and end both the last day of February: D2 = 30; (2) start the
 * last day of February: D1 = 30; (3) D2 = 31 and D1 (as adjusted) 30 or 31: D2 = 30; (4) D1 = 31:
 * D1 = 30. So 2007-02-28 → 2007-08-31 is 180 days, where Bond Basis says 183.
 */
function thirty360Us(startDate: CalendarDate, endDate: CalendarDate): number {
  const start = dateParts(startDate);
  const end = dateParts(endDate);
  const startIsLastOfFebruary = start.month === 2 && isEndOfMonth(startDate);
  const endIsLastOfFebruary = end.month === 2 && isEndOfMonth(endDate);
  let day1 = start.day;
  let day2 = end.day;
  if (startIsLastOfFebruary && endIsLastOfFebruary) day2 = 30;
  if (startIsLastOfFebruary) day1 = 30;
  if (day2 === 31 && day1 >= 30) day2 = 30;
  if (day1 === 31) day1 = 30;
  return thirty360Days({ start, end, day1, day2 });
}

/** 30E/360: D1 = 31 → 30 and D2 = 31 → 30, nothing else (February is not adjusted). */
function thirtyE360(startDate: CalendarDate, endDate: CalendarDate): number {
  const start = dateParts(startDate);
  const end = dateParts(endDate);
  return thirty360Days({ start, end, day1: Math.min(start.day, 30), day2: Math.min(end.day, 30) });
}

/** Bond Basis: D1 = 31 → 30; D2 = 31 → 30 only when D1 (as adjusted) is 30. */
function thirty360Bond(startDate: CalendarDate, endDate: CalendarDate): number {
  const start = dateParts(startDate);
  const end = dateParts(endDate);
  const day1 = Math.min(start.day, 30);
  const day2 = end.day === 31 && day1 === 30 ? 30 : end.day;
  return thirty360Days({ start, end, day1, day2 });
}
