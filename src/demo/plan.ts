/**
 * The demo's calendar and size, from its flags: a warm-up history and then the lending year, both
 * in simulated days that end on the last day given — yesterday by default, so that the API served
 * afterwards on the real clock sees a book whose every day has been closed. Checks, in order:
 * merchants_invalid, days_invalid, warm_up_days_invalid, seed_invalid, end_invalid.
 */
import { err, ok, type Result } from '../domain/result.ts';
import {
  type CalendarDate,
  dayNumberMin,
  fromDayNumber,
  parseCalendarDate,
  toDayNumber,
} from '../domain/time/calendar-date.ts';
import { daysMax, merchantsMax } from '../simulator/config.ts';
import { seedPattern } from '../simulator/simulation.ts';

export const demoDefaults = { merchants: 500, days: 365, warmUpDays: 180, seed: 'demo' } as const;
/** Enough for the policy's 90 days of tenure and a history to learn distress from. */
export const warmUpDaysMin = 120;
export const lendingDaysMin = 1;

export interface DemoFlags {
  readonly merchants?: string;
  readonly days?: string;
  readonly warmUpDays?: string;
  readonly seed?: string;
  readonly end?: string;
}

export interface DemoPlan {
  readonly merchants: number;
  readonly seed: string;
  readonly warmUpDays: number;
  readonly lendingDays: number;
  /** Everything simulated: warm-up and lending. */
  readonly days: number;
  readonly start: CalendarDate;
  /** Day numbers of the first simulated day and the last (the last lending day). */
  readonly firstDay: number;
  readonly lastDay: number;
}

export type DemoPlanCode =
  | 'merchants_invalid'
  | 'days_invalid'
  | 'warm_up_days_invalid'
  | 'seed_invalid'
  | 'end_invalid';

function wholeNumber(text: string | undefined, fallback: number, min: number, max: number): number | null {
  if (text === undefined) return fallback;
  const digits = text.replace(/[_,]/g, '');
  if (!/^[0-9]{1,9}$/.test(digits)) return null;
  const value = Number(digits);
  return value >= min && value <= max ? value : null;
}

/** `today` is the real clock's day number: the demo ends before it. */
export function planDemo(flags: DemoFlags, today: number): Result<DemoPlan, DemoPlanCode> {
  const merchants = wholeNumber(flags.merchants, demoDefaults.merchants, 1, merchantsMax);
  if (merchants === null)
    return err('merchants_invalid', `--merchants must be a whole number from 1 to ${merchantsMax}`);
  const warmUpMax = daysMax - lendingDaysMin;
  const lendingDays = wholeNumber(flags.days, demoDefaults.days, lendingDaysMin, daysMax - warmUpDaysMin);
  if (lendingDays === null)
    return err(
      'days_invalid',
      `--days must be a whole number from ${lendingDaysMin} to ${daysMax - warmUpDaysMin}`,
    );
  const warmUpDays = wholeNumber(flags.warmUpDays, demoDefaults.warmUpDays, warmUpDaysMin, warmUpMax);
  if (warmUpDays === null || warmUpDays + lendingDays > daysMax)
    return err(
      'warm_up_days_invalid',
      `--warm-up-days must be a whole number from ${warmUpDaysMin}, with --days at most ${daysMax} in all`,
    );
  const seed = flags.seed ?? demoDefaults.seed;
  if (!seedPattern.test(seed)) return err('seed_invalid', '--seed must be 1 to 32 letters or digits');
  let lastDay = today - 1;
  if (flags.end !== undefined) {
    const end = parseCalendarDate(flags.end);
    if (!end.ok || toDayNumber(end.value) > today - 1)
      return err('end_invalid', '--end must be a date, YYYY-MM-DD, yesterday or earlier');
    lastDay = toDayNumber(end.value);
  }
  const days = warmUpDays + lendingDays;
  const firstDay = lastDay - days + 1;
  if (firstDay < dayNumberMin)
    return err('end_invalid', `--end must leave its ${days} days of history and lending after 0001-01-01`);
  return ok({
    merchants,
    seed,
    warmUpDays,
    lendingDays,
    days,
    start: fromDayNumber(firstDay),
    firstDay,
    lastDay,
  });
}
