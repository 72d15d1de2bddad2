/**
 * Instants in query parameters (`as_of`): an RFC 3339 date-time with up to nanosecond precision
 * and an offset (`2026-11-25T10:30:00.5Z`, `2026-11-25T12:30:00+02:00`), or a calendar date meaning
 * the end of that day in UTC (its last nanosecond), which is what "balance as of 2026-11-25" means
 * on a statement. Parsed exactly into nanoseconds since the Unix epoch: no Date, no float.
 */
import { parseCalendarDate, toDayNumber } from './calendar-date.ts';

const nanosecondsPerSecond = 1_000_000_000n;
const nanosecondsPerDay = 86_400n * nanosecondsPerSecond;
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
  const day = instantNs >= 0n ? instantNs / nanosecondsPerDay : (instantNs - nanosecondsPerDay + 1n) / nanosecondsPerDay;
  return Number(day);
}
