/**
 * A calendar date with no time zone and no time of day: the due date of an invoice, the value date
 * of a disbursement. It is the ISO 8601 text 'YYYY-MM-DD' itself, validated and branded, because that
 * is how a date crosses JSON, SQL and logs, and because validated ISO dates sort as strings in
 * chronological order. Arithmetic goes through the day number: days since 1970-01-01 in the
 * proleptic Gregorian calendar (1970-01-01 is 0, 1969-12-31 is -1), computed with integer arithmetic
 * only; `Date` is never used, so neither the host's time zone nor its clock can leak in.
 *
 * Years are limited to 0001..9999 (four digits, no year zero). Parsing outside that is `date_invalid`;
 * arithmetic that would leave it is a bug in the caller (terms are bounded long before that) and
 * fails an assertion.
 */
import { assert } from '../assert.ts';
import { err, ok, type Result } from '../result.ts';

export type CalendarDate = string & { readonly calendarDateBrand: 'CalendarDate' };

export type DateParts = { readonly year: number; readonly month: number; readonly day: number };

/** ISO weekday: 1 is Monday, 7 is Sunday. */
export type DayOfWeek = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export const calendarYearMin = 1;
export const calendarYearMax = 9999;

const monthsPerYear = 12;
const daysPer400Years = 146_097;
/** Day number of 0000-03-01, the start of the shifted (March-first) calendar used below. */
const dayNumberOfEraStart = -719_468;
const millisecondsPerDay = 86_400_000;
const datePattern = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

/** Days in February are handled by daysInMonth; index 0 is January. */
const daysInMonthCommonYear = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

export function isLeapYear(year: number): boolean {
  assert(Number.isInteger(year), 'isLeapYear: year must be an integer');
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  assert(Number.isInteger(month) && month >= 1 && month <= monthsPerYear, 'daysInMonth: month must be 1..12');
  if (month === 2 && isLeapYear(year)) return 29;
  return daysInMonthCommonYear[month - 1]!;
}

/**
 * Accepts exactly 'YYYY-MM-DD' naming a day that exists: '2024-02-29' yes; '2023-02-29',
 * '2024-13-01', '2024-04-31', '0000-01-01', '2024-1-5', '2024-01-05T00:00Z' and ' 2024-01-05' no.
 */
export function parseCalendarDate(text: string): Result<CalendarDate, 'date_invalid'> {
  const match = datePattern.exec(text);
  if (match === null) return err('date_invalid', 'expected YYYY-MM-DD');
  return calendarDateFromParts(Number(match[1]), Number(match[2]), Number(match[3]));
}

export function calendarDateFromParts(
  year: number,
  month: number,
  day: number,
): Result<CalendarDate, 'date_invalid'> {
  if (!Number.isInteger(year) || year < calendarYearMin || year > calendarYearMax) {
    return err('date_invalid', `year must be ${calendarYearMin}..${calendarYearMax}`);
  }
  if (!Number.isInteger(month) || month < 1 || month > monthsPerYear) {
    return err('date_invalid', 'month must be 01..12');
  }
  if (!Number.isInteger(day) || day < 1 || day > daysInMonth(year, month)) {
    return err('date_invalid', `day must be 01..${daysInMonth(year, month)} in ${year}-${pad(month, 2)}`);
  }
  return ok(`${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}` as CalendarDate);
}

/** For dates known to be valid (literals, values read back); asserts it. */
export function calendarDate(text: string): CalendarDate {
  const parsed = parseCalendarDate(text);
  assert(parsed.ok, `calendarDate: not a valid date: ${text.slice(0, 40)}`);
  return parsed.value;
}

export function formatCalendarDate(date: CalendarDate): string {
  dateParts(date);
  return date;
}

/** The digits of `text` from `start` to `end` as a number; -1 where one is not a digit 0–9. */
function digitsAt(text: string, start: number, end: number): number {
  let value = 0;
  for (let i = start; i < end; i += 1) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A date's year, month and day. Read character by character, not by `datePattern`: the APR and
 * the schedules take dates apart thousands of times an offer, and the regular expression was most
 * of an offer's time.
 */
export function dateParts(date: CalendarDate): DateParts {
  const year = date.length === 10 && date[4] === '-' && date[7] === '-' ? digitsAt(date, 0, 4) : -1;
  const month = year < 0 ? -1 : digitsAt(date, 5, 7);
  const day = month < 0 ? -1 : digitsAt(date, 8, 10);
  assert(day >= 0, 'CalendarDate must be YYYY-MM-DD');
  const parts = { year, month, day };
  assert(
    parts.year >= calendarYearMin && parts.day >= 1 && parts.day <= daysInMonth(parts.year, parts.month),
    'CalendarDate must name a day that exists',
  );
  return parts;
}

/**
 * Days since 1970-01-01. The year is shifted to start on 1 March so the leap day is the last day of
 * the shifted year, and whole 400-year eras (146,097 days) are counted first (H. Hinnant,
 * "chrono-compatible low-level date algorithms").
 */
export function toDayNumber(date: CalendarDate): number {
  const { year, month, day } = dateParts(date);
  const shiftedYear = month <= 2 ? year - 1 : year;
  const era = Math.floor(shiftedYear / 400);
  const yearOfEra = shiftedYear - era * 400;
  const shiftedMonth = month > 2 ? month - 3 : month + 9;
  const dayOfYear = Math.floor((153 * shiftedMonth + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * daysPer400Years + dayOfEra + dayNumberOfEraStart;
}

export function fromDayNumber(dayNumber: number): CalendarDate {
  assert(
    Number.isInteger(dayNumber) && dayNumber >= dayNumberMin && dayNumber <= dayNumberMax,
    `fromDayNumber: day number must be an integer within ${dayNumberMin}..${dayNumberMax}`,
  );
  const shifted = dayNumber - dayNumberOfEraStart;
  const era = Math.floor(shifted / daysPer400Years);
  const dayOfEra = shifted - era * daysPer400Years;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const date = calendarDateFromParts(year, month, day);
  assert(date.ok, 'fromDayNumber: computed an invalid date');
  return date.value;
}

// Declared after the functions they call: both are evaluated at module load, once.
export const dayNumberMin = toDayNumber(calendarDate('0001-01-01'));
export const dayNumberMax = toDayNumber(calendarDate('9999-12-31'));
assert(toDayNumber(calendarDate('1970-01-01')) === 0, 'calendar-date: 1970-01-01 must be day 0');

/**
 * The UTC calendar date of an instant given as milliseconds since the Unix epoch. The instant is an
 * argument: the domain never reads the clock.
 */
export function calendarDateFromEpochMs(epochMs: number): CalendarDate {
  assert(Number.isSafeInteger(epochMs), 'calendarDateFromEpochMs: epochMs must be a safe integer');
  return fromDayNumber(Math.floor(epochMs / millisecondsPerDay));
}

/** `days` may be negative. */
export function addDays(date: CalendarDate, days: number): CalendarDate {
  assert(Number.isSafeInteger(days), 'addDays: days must be a safe integer');
  return fromDayNumber(toDayNumber(date) + days);
}

/**
 * Same day of the month, `months` later (or earlier when negative), clamped to the last day of a
 * shorter month: 2024-01-31 + 1 month is 2024-02-29, 2023-01-31 + 1 month is 2023-02-28. Clamping
 * is not sticky: 2023-02-28 + 1 month is 2023-03-28, so a monthly schedule derives each date from
 * its anchor (addMonths(anchor, n)) rather than from the previous date.
 */
export function addMonths(date: CalendarDate, months: number): CalendarDate {
  assert(Number.isSafeInteger(months), 'addMonths: months must be a safe integer');
  const { year, month, day } = dateParts(date);
  const monthIndex = year * monthsPerYear + (month - 1) + months;
  const targetYear = Math.floor(monthIndex / monthsPerYear);
  const targetMonth = monthIndex - targetYear * monthsPerYear + 1;
  assert(
    targetYear >= calendarYearMin && targetYear <= calendarYearMax,
    `addMonths: result year must be within ${calendarYearMin}..${calendarYearMax}`,
  );
  const clampedDay = Math.min(day, daysInMonth(targetYear, targetMonth));
  const result = calendarDateFromParts(targetYear, targetMonth, clampedDay);
  assert(result.ok, 'addMonths: computed an invalid date');
  return result.value;
}

/** end - start in days: positive when end is later, zero for the same date. */
export function daysBetween(start: CalendarDate, end: CalendarDate): number {
  return toDayNumber(end) - toDayNumber(start);
}

export function compareCalendarDates(a: CalendarDate, b: CalendarDate): -1 | 0 | 1 {
  const difference = daysBetween(b, a);
  if (difference < 0) return -1;
  if (difference > 0) return 1;
  return 0;
}

export function isEndOfMonth(date: CalendarDate): boolean {
  const { year, month, day } = dateParts(date);
  return day === daysInMonth(year, month);
}

/** ISO weekday, 1 = Monday .. 7 = Sunday; 1970-01-01 (day 0) was a Thursday. */
export function dayOfWeek(date: CalendarDate): DayOfWeek {
  const thursday = 4;
  const weekday = (((toDayNumber(date) + thursday - 1) % 7) + 7) % 7;
  return (weekday + 1) as DayOfWeek;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
