/**
 * Instants in query parameters (`as_of`): an RFC 3339 date-time with up to nanosecond precision
 * and an offset (`2026-11-25T10:30:00.5Z`, `2026-11-25T12:30:00+02:00`), or a calendar date meaning
 * the end of that day in UTC (its last nanosecond), which is what "balance as of 2026-11-25" means
 * on a statement. Parsed exactly into nanoseconds since the Unix epoch: no Date, no float.
 */
import { parseCalendarDate, toDayNumber } from './calendar-date.ts';

const nanosecondsPerSecond = 1_000_000_000n;
export const nanosecondsPerDay = 86_400n * nanosecondsPerSecond;
/**
 * Instants are stored as signed 64-bit nanoseconds since the Unix epoch (an event's time, a ledger
 * timestamp): 1677-09-21T00:12:43.145224192Z through 2262-04-11T23:47:16.854775807Z.
 */
export const instantNsMin = -(2n ** 63n);
export const instantNsMax = 2n ** 63n - 1n;

export const storableInstant = (instantNs: bigint) => instantNs >= instantNsMin && instantNs <= instantNsMax;
const dateTimePattern =
  /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

export function parseInstantNs(text: string): bigint | null {
  const plainDate = parseCalendarDate(text);
  if (plainDate.ok) return BigInt(toDayNumber(plainDate.value) + 1) * nanosecondsPerDay - 1n;
  const match = dateTimePattern.exec(text);
  if (match === null) return null;
  const [, datePart, hours, minutes, seconds, fraction, zulu, sign, offsetHours, offsetMinutes] = match;
  const date = parseCalendarDate(datePart as string);
  if (!date.ok) return null;
  const h = Number(hours);
  const m = Number(minutes);
  const s = Number(seconds);
  if (h > 23 || m > 59 || s > 59) return null;
  let offsetSeconds = 0;
  if (zulu === undefined) {
    const oh = Number(offsetHours);
    const om = Number(offsetMinutes);
    if (oh > 23 || om > 59) return null;
    offsetSeconds = (sign === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const fractionNs = BigInt((fraction ?? '').padEnd(9, '0'));
  const secondsOfDay = BigInt(h * 3600 + m * 60 + s - offsetSeconds);
  return (
    BigInt(toDayNumber(date.value)) * nanosecondsPerDay + secondsOfDay * nanosecondsPerSecond + fractionNs
  );
}

/** The UTC calendar day (days since 1970-01-01) an instant falls on. */
export function dayNumberOfInstant(instantNs: bigint): number {
  const day =
    instantNs >= 0n
      ? instantNs / nanosecondsPerDay
      : (instantNs - nanosecondsPerDay + 1n) / nanosecondsPerDay;
  return Number(day);
}

function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i += 1) {
    const code = text.charCodeAt(i) - 48;
    if (code < 0 || code > 9) return -1;
    value = value * 10 + code;
  }
  return value;
}

/** Days from 1970-01-01 to a valid proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

const monthDays = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export interface DateTimeInstant {
  readonly timeNs: bigint;
  /** The UTC calendar day, as days since 1970-01-01. */
  readonly day: number;
}

/**
 * An RFC 3339 date-time (a bare date is not one). The common `YYYY-MM-DDTHH:MM:SSZ` is read by a
 * fast path without regular expressions — events arrive by the hundred thousand — and anything
 * else by parseInstantNs; both give the same instant.
 */
export function parseDateTime(text: string): DateTimeInstant | null {
  if (
    text.length === 20 &&
    text.charCodeAt(19) === 90 /* Z */ &&
    text.charCodeAt(4) === 45 &&
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(10) === 84 /* T */ &&
    text.charCodeAt(13) === 58 &&
    text.charCodeAt(16) === 58
  ) {
    const year = digits(text, 0, 4);
    const month = digits(text, 5, 2);
    const day = digits(text, 8, 2);
    const hours = digits(text, 11, 2);
    const minutes = digits(text, 14, 2);
    const seconds = digits(text, 17, 2);
    if (
      year < 1 ||
      month < 1 ||
      month > 12 ||
      day < 1 ||
      hours < 0 ||
      hours > 23 ||
      minutes < 0 ||
      minutes > 59 ||
      seconds < 0 ||
      seconds > 59
    ) {
      return null;
    }
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    if (day > (month === 2 && leap ? 29 : (monthDays[month - 1] as number))) return null;
    const dayNumber = daysFromCivil(year, month, day);
    return {
      timeNs: BigInt(dayNumber * 86_400 + hours * 3_600 + minutes * 60 + seconds) * nanosecondsPerSecond,
      day: dayNumber,
    };
  }
  if (!text.includes('T') && !text.includes('t')) return null;
  const timeNs = parseInstantNs(text);
  return timeNs === null ? null : { timeNs, day: dayNumberOfInstant(timeNs) };
}
