/**
 * The simulated calendar: day indexes (0 = the start date), their dates, the platform's seasonal
 * demand per day, and RFC 3339 instants. Time inside the simulator is whole seconds since 00:00:00Z
 * of the start date (`at`); dates come from src/domain/time/calendar-date.ts, never from `Date`.
 */
import { assert } from '../domain/assert.ts';
import {
  addDays,
  type CalendarDate,
  calendarDateFromParts,
  dateParts,
  dayOfWeek,
  daysInMonth,
  toDayNumber,
} from '../domain/time/calendar-date.ts';
import { type SimulatorConfig, scheduleAheadDaysMax } from './config.ts';
import type { Prng } from './prng.ts';

export const secondsPerDay = 86_400;
export const secondsPerHour = 3_600;
const midMonthDay = 15;

export interface SimCalendar {
  readonly start: CalendarDate;
  readonly days: number;
  /** Platform-wide yearly demand level per day index (peaks included), around 1. */
  readonly yearly: Float64Array;
  /** Weekday demand level per day index. */
  readonly weekly: Float64Array;
  /** 'YYYY-MM-DD' of a day index (any index, also past the horizon). */
  dateText(dayIndex: number): CalendarDate;
  /** RFC 3339 UTC instant of `at` seconds after the start: '2025-03-01T14:03:09Z'. */
  instantText(at: number): string;
}

export function dayOf(at: number): number {
  return Math.floor(at / secondsPerDay);
}

/** A random second of `day` between the two hours (UTC), as `at`. */
export function daytime(rng: Prng, day: number, fromHour: number, toHour: number): number {
  return day * secondsPerDay + rng.int(fromHour * secondsPerHour, toHour * secondsPerHour - 1);
}

export function createCalendar(start: CalendarDate, days: number, config: SimulatorConfig): SimCalendar {
  assert(Number.isInteger(days) && days > 0, 'createCalendar: days must be a positive integer');
  // Packed tables, filled once: dates up to the furthest anything is scheduled or valid, and the
  // clock text of every second of a day. Lookups are then array reads on the hot path.
  const dateTable: CalendarDate[] = [];
  const dateTableLength = days + scheduleAheadDaysMax + config.green.validDays;
  for (let dayIndex = 0; dayIndex < dateTableLength; dayIndex += 1) dateTable.push(addDays(start, dayIndex));
  const dateText = (dayIndex: number): CalendarDate =>
    dayIndex >= 0 && dayIndex < dateTableLength ? dateTable[dayIndex]! : addDays(start, dayIndex);
  const clockTable = clockTexts();
  const yearly = new Float64Array(days);
  const weekly = new Float64Array(days);
  for (let dayIndex = 0; dayIndex < days; dayIndex += 1) {
    const date = dateText(dayIndex);
    yearly[dayIndex] = yearlyLevel(date, config.seasonality);
    weekly[dayIndex] = config.seasonality.weekly[dayOfWeek(date) - 1]!;
  }
  return {
    start,
    days,
    yearly,
    weekly,
    dateText,
    instantText: (at) => {
      const dayIndex = dayOf(at);
      return dateText(dayIndex) + clockTable[at - dayIndex * secondsPerDay]!;
    },
  };
}

let clockTextTable: readonly string[] | null = null;

/** 'T00:00:00Z' … 'T23:59:59Z', built once per process. */
function clockTexts(): readonly string[] {
  if (clockTextTable !== null) return clockTextTable;
  const texts: string[] = [];
  for (let second = 0; second < secondsPerDay; second += 1) {
    const hours = Math.floor(second / secondsPerHour);
    const minutes = Math.floor((second % secondsPerHour) / 60);
    texts.push(`T${two(hours)}:${two(minutes)}:${two(second % 60)}Z`);
  }
  clockTextTable = texts;
  return texts;
}

/**
 * The yearly pattern: monthly levels interpolated between mid-months, then the November peaks
 * (Singles' Day on 11 November, Black Friday and its weekend, Cyber Monday, which may fall on
 * 1 or 2 December) and the Christmas cut-off and lull (22–26 December).
 */
export function yearlyLevel(date: CalendarDate, seasonality: SimulatorConfig['seasonality']): number {
  const { year, month, day } = dateParts(date);
  const monthly = seasonality.monthly;
  const offset = (day - midMonthDay) / daysInMonth(year, month);
  const here = monthly[month - 1]!;
  const neighbour = offset >= 0 ? monthly[month % 12]! : monthly[(month + 10) % 12]!;
  let level = here + (neighbour - here) * Math.abs(offset);
  if (month === 11 && day === 11) level *= seasonality.singlesDay;
  if (month === 11 && (day === 10 || day === 12)) level *= 1 + (seasonality.singlesDay - 1) * 0.25;
  const sinceBlackFriday = toDayNumber(date) - blackFridayDayNumber(year);
  if (sinceBlackFriday === 0) level *= seasonality.blackFriday;
  if (sinceBlackFriday === 1 || sinceBlackFriday === 2) level *= 1 + (seasonality.blackFriday - 1) * 0.4;
  if (sinceBlackFriday === 3) level *= seasonality.cyberMonday;
  if (month === 12 && day >= 22 && day <= 26) level *= seasonality.christmas[day - 22]!;
  return level;
}

/** The day after the fourth Thursday of November. */
function blackFridayDayNumber(year: number): number {
  const novemberFirst = calendarDateFromParts(year, 11, 1);
  assert(novemberFirst.ok, 'blackFridayDayNumber: 1 November exists');
  const thursday = 4;
  const firstThursday = 1 + ((thursday - dayOfWeek(novemberFirst.value) + 7) % 7);
  return toDayNumber(novemberFirst.value) + firstThursday - 1 + 21 + 1;
}

function two(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}
