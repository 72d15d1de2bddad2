/**
 * Time in unit-periods, as Regulation Z Appendix J (12 CFR 1026, Appendix J) measures it for the
 * actuarial APR: which unit-period a transaction has ((b)(4)), and how many full unit-periods plus
 * what fraction of one lie between the start of the term and a payment or advance ((b)(5)).
 *
 * (b)(3)(iv): all months are equal; full months run from a date to the same date of another month;
 * a series on the last day of each month runs month end to month end; a series on the 29th or 30th
 * uses the last day of February when there is no such date. Counting is always backward from the
 * later date. From one month end to another, months run last day to last day (31 August to
 * 30 November is 3 months); otherwise a date on the last day of its month is read as the day of the
 * month its list's series (the payments', or the advances') is on: 30 April in a month-end series
 * counts back to 31 March, 28 February in a series on the 30th counts back to 30 January, and in a
 * series on the 28th to 28 January whatever day a last payment falls on.
 *
 * (b)(5), per unit-period:
 * - (ii) month: full months measured back from the later date; the remaining days / 30.
 * - (iii) semimonth, and multiples of a month under a year: 30 × the full months measured back plus
 *   the remaining days, divided by 15 (semimonth) or 30 × the months per unit-period.
 * - (iv) day, week, multiple of a week: the actual days divided by the days per unit-period.
 * - (v) year: full years (12 months each) measured back; the remaining whole months / 12, or, when
 *   the rest is not a whole number of months, the remaining days / 365.
 * Unit-periods per year: 365 (day), 52 / weeks, 24 (semimonth), 12 / months.
 *
 * (b)(4): the unit-period is the common period (one occurring more than once) that occurs most
 * often, the smaller of equally frequent ones, or, with no common period, the average of all periods
 * rounded to the nearest standard interval (day, week, semimonth, month, or a multiple of a week or
 * month up to a year; a midpoint rounds to the smaller). A single advance repaid by a single payment
 * (the advances on one date, the payments on another, however many lines they are written in) has
 * the term as its unit-period, but never more than a year ((b)(4)(ii), (b)(5)(vi)–(vii)).
 */
import { assert, unreachable } from '../assert.ts';
import { err, ok, type Result } from '../result.ts';
import {
  type CalendarDate,
  calendarDateFromParts,
  compareCalendarDates,
  dateParts,
  daysBetween,
  daysInMonth,
  isEndOfMonth,
} from '../time/calendar-date.ts';

export const unitPeriodNames = [
  'daily',
  'weekly',
  'biweekly',
  '4-weekly',
  'semimonthly',
  'monthly',
  'bimonthly',
  'quarterly',
  'semiannual',
  'yearly',
] as const;

export type UnitPeriodName = (typeof unitPeriodNames)[number];

export function isUnitPeriodName(name: string): name is UnitPeriodName {
  return (unitPeriodNames as readonly string[]).includes(name);
}

/** How (b)(5) counts one unit-period. */
type Counting =
  | { readonly rule: 'days'; readonly days: number }
  | { readonly rule: 'month' }
  | { readonly rule: 'thirty_day_months'; readonly days: number }
  | { readonly rule: 'year' };

const unitPeriods: Record<UnitPeriodName, { readonly counting: Counting; readonly perYear: number }> = {
  daily: { counting: { rule: 'days', days: 1 }, perYear: 365 },
  weekly: { counting: { rule: 'days', days: 7 }, perYear: 52 },
  biweekly: { counting: { rule: 'days', days: 14 }, perYear: 26 },
  '4-weekly': { counting: { rule: 'days', days: 28 }, perYear: 13 },
  semimonthly: { counting: { rule: 'thirty_day_months', days: 15 }, perYear: 24 },
  monthly: { counting: { rule: 'month' }, perYear: 12 },
  bimonthly: { counting: { rule: 'thirty_day_months', days: 60 }, perYear: 6 },
  quarterly: { counting: { rule: 'thirty_day_months', days: 90 }, perYear: 4 },
  semiannual: { counting: { rule: 'thirty_day_months', days: 180 }, perYear: 2 },
  yearly: { counting: { rule: 'year' }, perYear: 1 },
};

export function unitPeriodsPerYear(name: UnitPeriodName): number {
  return unitPeriods[name].perYear;
}

/** A time from the start of the term: `fullPeriods` + fractionNumerator / fractionDenominator. */
export type UnitPeriodTime = {
  readonly fullPeriods: number;
  readonly fractionNumerator: number;
  readonly fractionDenominator: number;
};

const daysPerThirtyDayMonth = 30;
const lastDayOfAnyMonth = 31;
const daysPerYearAppendixJ = 365;
const monthsPerYear = 12;

/**
 * The day of the month `later` stands for when months are counted back from it to `earlier`
 * ((b)(3)(iv)): its own day, unless it is the last day of its month; then the last day of every
 * month when its list is a series of month ends and `earlier` is a month end too (last day to last
 * day), otherwise the day its list's series is on when that is later (a series on the 30th, or the
 * 31st: seriesDayOfMonth). A series on the 30th stays on the 30th: its 30 April counts back to
 * 30 March even from an advance on 31 January.
 */
export function monthAnchorDay(
  earlier: CalendarDate,
  later: CalendarDate,
  seriesDayOfList: number,
  listIsMonthEnds: boolean,
): number {
  const { day } = dateParts(later);
  if (!isEndOfMonth(later)) return day;
  return listIsMonthEnds && isEndOfMonth(earlier) ? lastDayOfAnyMonth : Math.max(day, seriesDayOfList);
}

/**
 * The day of the month, from the 28th to the 31st, a list's month ends stand for: the one the most
 * of its dates can be on (a date on that day, or the last day of a shorter month), the earlier of
 * equally many; 1 when no date can. A series on the 30th is on the 30th (28 February stands for it),
 * one on the last day of each month on the 31st, and one date on a later day (a last payment on
 * 31 May after payments on the 28th) does not move the series: it is not the largest day any date
 * uses.
 */
export function seriesDayOfMonth(dates: readonly CalendarDate[]): number {
  const distinct = [...new Set(dates)];
  let seriesDay = 1;
  let seriesCount = 0;
  for (let day = 28; day <= lastDayOfAnyMonth; day += 1) {
    const count = distinct.filter((date) => {
      const own = dateParts(date).day;
      return own === day || (own < day && isEndOfMonth(date));
    }).length;
    if (count > seriesCount) {
      seriesDay = day;
      seriesCount = count;
    }
  }
  return seriesDay;
}

/** Whether every date of a list is the last day of its month: a series on month ends. */
export function allMonthEnds(dates: readonly CalendarDate[]): boolean {
  return dates.every(isEndOfMonth);
}

/** `months` months before `date`, on `anchorDay` or the last day of a shorter month. */
export function monthsBefore(date: CalendarDate, months: number, anchorDay: number): CalendarDate {
  assert(Number.isSafeInteger(months) && months >= 0, 'monthsBefore: months must be a whole number >= 0');
  const { year, month } = dateParts(date);
  const index = year * monthsPerYear + (month - 1) - months;
  const targetYear = Math.floor(index / monthsPerYear);
  const targetMonth = index - targetYear * monthsPerYear + 1;
  const result = calendarDateFromParts(
    targetYear,
    targetMonth,
    Math.min(anchorDay, daysInMonth(targetYear, targetMonth)),
  );
  assert(result.ok, 'monthsBefore: computed an invalid date');
  return result.value;
}

/**
 * Full months measured back from `later` that stay on or after `start`, and the days left between
 * `start` and the date so reached.
 */
export function fullMonthsBack(
  start: CalendarDate,
  later: CalendarDate,
  anchorDay: number,
): { readonly months: number; readonly remainingDays: number } {
  assert(compareCalendarDates(start, later) <= 0, 'fullMonthsBack: start must not be after the later date');
  const from = dateParts(start);
  const to = dateParts(later);
  let months = Math.max(0, (to.year - from.year) * monthsPerYear + (to.month - from.month));
  while (months > 0 && compareCalendarDates(monthsBefore(later, months, anchorDay), start) < 0) months -= 1;
  while (compareCalendarDates(monthsBefore(later, months + 1, anchorDay), start) >= 0) months += 1;
  return { months, remainingDays: daysBetween(start, monthsBefore(later, months, anchorDay)) };
}

/** (b)(5): the time from `start` to `later` in unit-periods of `name`. */
export function unitPeriodTime(
  start: CalendarDate,
  later: CalendarDate,
  name: UnitPeriodName,
  anchorDay: number,
): UnitPeriodTime {
  const counting = unitPeriods[name].counting;
  switch (counting.rule) {
    case 'days': {
      const days = daysBetween(start, later);
      assert(days >= 0, 'unitPeriodTime: start must not be after the later date');
      return split(days, counting.days);
    }
    case 'month': {
      const back = fullMonthsBack(start, later, anchorDay);
      return {
        fullPeriods: back.months,
        fractionNumerator: back.remainingDays,
        fractionDenominator: daysPerThirtyDayMonth,
      };
    }
    case 'thirty_day_months': {
      const back = fullMonthsBack(start, later, anchorDay);
      return split(daysPerThirtyDayMonth * back.months + back.remainingDays, counting.days);
    }
    case 'year': {
      const back = fullMonthsBack(start, later, anchorDay);
      const years = Math.floor(back.months / monthsPerYear);
      if (back.remainingDays === 0)
        return {
          fullPeriods: years,
          fractionNumerator: back.months - years * monthsPerYear,
          fractionDenominator: monthsPerYear,
        };
      const days = daysBetween(start, monthsBefore(later, years * monthsPerYear, anchorDay));
      return { fullPeriods: years, fractionNumerator: days, fractionDenominator: daysPerYearAppendixJ };
    }
    default:
      return unreachable(counting, 'unitPeriodTime: unknown counting rule');
  }
}

function split(days: number, daysPerUnit: number): UnitPeriodTime {
  return {
    fullPeriods: Math.floor(days / daysPerUnit),
    fractionNumerator: days % daysPerUnit,
    fractionDenominator: daysPerUnit,
  };
}

/**
 * The standard intervals of (b)(3)(iii), as keys: 'day', 'week:k' (k = 1..52), 'semimonth',
 * 'month:k' (k = 1..12). `nominalDays` orders them (a month is 365/12 days, a semimonth half that).
 */
type StandardInterval = { readonly key: string; readonly nominalDays: number };

const standardIntervals: readonly StandardInterval[] = [
  { key: 'day', nominalDays: 1 },
  { key: 'semimonth', nominalDays: daysPerYearAppendixJ / 24 },
  ...Array.from({ length: 52 }, (_, index) => ({ key: `week:${index + 1}`, nominalDays: 7 * (index + 1) })),
  ...Array.from({ length: 12 }, (_, index) => ({
    key: `month:${index + 1}`,
    nominalDays: (daysPerYearAppendixJ * (index + 1)) / monthsPerYear,
  })),
];

const nominalDaysByKey = new Map(standardIntervals.map((interval) => [interval.key, interval.nominalDays]));

const supportedByKey: Record<string, UnitPeriodName> = {
  day: 'daily',
  'week:1': 'weekly',
  'week:2': 'biweekly',
  'week:4': '4-weekly',
  semimonth: 'semimonthly',
  'month:1': 'monthly',
  'month:2': 'bimonthly',
  'month:3': 'quarterly',
  'month:6': 'semiannual',
  'month:12': 'yearly',
};

function describeKey(key: string): string {
  const [kind, count] = key.split(':');
  return count === undefined ? `1 ${kind}` : `${count} ${kind}${count === '1' ? '' : 's'}`;
}

/** Half a month, give or take the length of the months around it (1st–16th, 16th–1st, 15th–end). */
const semimonthDaysMin = 13;
const semimonthDaysMax = 17;

/**
 * The periods of one chain of dates (the start of the term, then the payments; or the advances),
 * each as the keys of the standard intervals it is: none, or one, or two where the calendar makes one
 * period both (14 days that are also half of a month, 28 days that are also February). A period of
 * 13–17 days is a semimonth when it and a neighbour together make exactly one month. Counting a
 * period for each interval it is lets the schedule as a whole decide: a fortnightly series that
 * crosses February stays fortnightly, a series on the 1st and 15th stays semimonthly.
 */
function classifyChain(chain: readonly CalendarDate[], seriesDay: number, monthEnds: boolean): string[][] {
  const days = chain.slice(1).map((date, index) => daysBetween(chain[index]!, date));
  const spansOneMonth = (from: number, to: number) => {
    const back = fullMonthsBack(
      chain[from]!,
      chain[to]!,
      monthAnchorDay(chain[from]!, chain[to]!, seriesDay, monthEnds),
    );
    return back.months === 1 && back.remainingDays === 0;
  };
  const halfMonth = (index: number) =>
    index >= 0 && index < days.length && days[index]! >= semimonthDaysMin && days[index]! <= semimonthDaysMax;
  return days.map((length, index) => {
    const keys: string[] = [];
    const later = chain[index + 1]!;
    const back = fullMonthsBack(
      chain[index]!,
      later,
      monthAnchorDay(chain[index]!, later, seriesDay, monthEnds),
    );
    if (back.remainingDays === 0 && back.months >= 1 && back.months <= monthsPerYear)
      keys.push(`month:${back.months}`);
    if (
      halfMonth(index) &&
      ((halfMonth(index - 1) && spansOneMonth(index - 1, index + 1)) ||
        (halfMonth(index + 1) && spansOneMonth(index, index + 2)))
    )
      keys.push('semimonth');
    if (length % 7 === 0 && length >= 7 && length <= 7 * 52) keys.push(`week:${length / 7}`);
    if (length === 1) keys.push('day');
    return keys;
  });
}

export type UnitPeriodChoice =
  | { readonly kind: 'named'; readonly name: UnitPeriodName }
  /** A single advance and a single payment within a year: the term is the unit-period. */
  | {
      readonly kind: 'term';
      readonly unitPeriodsPerYearNumerator: number;
      readonly unitPeriodsPerYearDenominator: number;
    };

export type UnitPeriodResultCode = 'unit_period_unsupported';

/**
 * (b)(4) for a transaction that starts its term on `termStart`, with `advanceDates` and
 * `paymentDates` sorted oldest first.
 */
export function determineUnitPeriod(
  termStart: CalendarDate,
  advanceDates: readonly CalendarDate[],
  paymentDates: readonly CalendarDate[],
): Result<UnitPeriodChoice, UnitPeriodResultCode> {
  assert(advanceDates.length >= 1 && paymentDates.length >= 1, 'determineUnitPeriod: advances and payments');
  // A single advance and a single payment are counted by date, not by line: principal and interest
  // due on one day are one payment, and splitting it must not change the unit-period or the APR.
  const onOneDate = (dates: readonly CalendarDate[]) => dates.every((date) => date === dates[0]);
  if (onOneDate(advanceDates) && onOneDate(paymentDates))
    return ok(singlePaymentUnitPeriod(termStart, paymentDates[0]!));

  const periods: string[][] = [];
  const lengths: number[] = [];
  for (const dates of [advanceDates, paymentDates]) {
    // (b)(3)(i): a period also runs from the start of the term to the first advance or payment.
    const chain = [termStart, ...dates].filter((date, index, all) => index === 0 || date !== all[index - 1]);
    periods.push(...classifyChain(chain, seriesDayOfMonth(dates), allMonthEnds(dates)));
    lengths.push(...chain.slice(1).map((date, index) => daysBetween(chain[index]!, date)));
  }
  // The periods each standard interval covers, by their position.
  const covered = new Map<string, string>();
  for (const [index, keys] of periods.entries())
    for (const key of keys) covered.set(key, `${covered.get(key) ?? ''}${index},`);
  const countOf = (key: string) => covered.get(key)!.split(',').length - 1;
  let chosen: string | null = null;
  for (const key of covered.keys()) {
    if (countOf(key) < 2) continue;
    if (chosen === null || prefer(key, chosen, countOf, covered)) chosen = key;
  }
  if (chosen === null && lengths.length > 0) {
    const average = lengths.reduce((total, length) => total + length, 0) / lengths.length;
    chosen = nearestStandardInterval(average);
  }
  assert(chosen !== null, 'determineUnitPeriod: a transaction has at least one period');
  const name = supportedByKey[chosen];
  if (name === undefined)
    return err(
      'unit_period_unsupported',
      `Appendix J (b)(4) makes the unit-period ${describeKey(chosen)}; name one of ${unitPeriodNames.join(', ')}`,
    );
  return ok({ kind: 'named', name });
}

/**
 * Whether `key` beats `incumbent`: more periods; or, for equally many, when both readings cover the
 * very same periods and one of them is in months (91 days from 31 August to 30 November are 3 months
 * and 13 weeks), the months — that is one period read two ways, not two common periods, and payments
 * on the same date of the month are meant by the month; otherwise (b)(4)(i)(A): the smaller (so two
 * fortnights that happen to make up February stay two fortnights).
 */
function prefer(
  key: string,
  incumbent: string,
  countOf: (key: string) => number,
  covered: ReadonlyMap<string, string>,
): boolean {
  if (countOf(key) !== countOf(incumbent)) return countOf(key) > countOf(incumbent);
  const inMonths = (candidate: string) => candidate.startsWith('month:');
  if (covered.get(key) === covered.get(incumbent) && inMonths(key) !== inMonths(incumbent))
    return inMonths(key);
  return nominalDaysByKey.get(key)! < nominalDaysByKey.get(incumbent)!;
}

function nearestStandardInterval(averageDays: number): string {
  let nearest = standardIntervals[0]!;
  for (const interval of standardIntervals) {
    const distance = Math.abs(interval.nominalDays - averageDays);
    const nearestDistance = Math.abs(nearest.nominalDays - averageDays);
    if (
      distance < nearestDistance ||
      (distance === nearestDistance && interval.nominalDays < nearest.nominalDays)
    )
      nearest = interval;
  }
  return nearest.key;
}

/**
 * (b)(4)(ii), (b)(5)(v)–(vii): the term is the unit-period, up to a year. A term of whole months
 * has 12 / months unit-periods a year (the ten named ones keep their names); any other term under a
 * year has 365 / days; a longer term is counted in years.
 */
function singlePaymentUnitPeriod(termStart: CalendarDate, payment: CalendarDate): UnitPeriodChoice {
  const back = fullMonthsBack(
    termStart,
    payment,
    monthAnchorDay(termStart, payment, dateParts(payment).day, allMonthEnds([payment])),
  );
  if (back.months > monthsPerYear || (back.months === monthsPerYear && back.remainingDays > 0))
    return { kind: 'named', name: 'yearly' };
  if (back.remainingDays === 0) {
    const named = supportedByKey[`month:${back.months}`];
    if (named !== undefined) return { kind: 'named', name: named };
    return {
      kind: 'term',
      unitPeriodsPerYearNumerator: monthsPerYear,
      unitPeriodsPerYearDenominator: back.months,
    };
  }
  return {
    kind: 'term',
    unitPeriodsPerYearNumerator: daysPerYearAppendixJ,
    unitPeriodsPerYearDenominator: daysBetween(termStart, payment),
  };
}
