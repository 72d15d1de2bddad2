/**
 * The simulate command's run flags, parsed from text into a checked run: checks, in order,
 * merchants_invalid, days_invalid, seed_invalid, start_invalid, batch_size_invalid. Defaults are
 * fixed values, never today's date, so a command without flags is reproducible too.
 */
import { err, ok, type Result } from '../domain/result.ts';
import { type CalendarDate, parseCalendarDate } from '../domain/time/calendar-date.ts';
import { daysMax, merchantsMax } from './config.ts';
import { batchEventsDefault, batchEventsMax } from './delivery.ts';
import { seedPattern } from './simulation.ts';

export const simulationDefaults = {
  merchants: 100,
  days: 365,
  seed: '1',
  start: '2025-01-01',
} as const;

export interface RunFlags {
  readonly merchants?: string;
  readonly days?: string;
  readonly seed?: string;
  readonly start?: string;
  readonly batchSize?: string;
}

export interface RunSettings {
  readonly merchants: number;
  readonly days: number;
  readonly seed: string;
  readonly start: CalendarDate;
  readonly batchSize: number;
}

export type RunFlagsCode =
  | 'merchants_invalid'
  | 'days_invalid'
  | 'seed_invalid'
  | 'start_invalid'
  | 'batch_size_invalid';

export function parseRunFlags(flags: RunFlags): Result<RunSettings, RunFlagsCode> {
  const merchants = parseCount(flags.merchants, simulationDefaults.merchants, merchantsMax);
  if (merchants === null)
    return err('merchants_invalid', `--merchants must be an integer from 1 to ${merchantsMax}`);
  const days = parseCount(flags.days, simulationDefaults.days, daysMax);
  if (days === null) return err('days_invalid', `--days must be an integer from 1 to ${daysMax}`);
  const seed = flags.seed ?? simulationDefaults.seed;
  if (!seedPattern.test(seed)) return err('seed_invalid', '--seed must be 1 to 32 letters or digits');
  const start = parseCalendarDate(flags.start ?? simulationDefaults.start);
  if (!start.ok) return err('start_invalid', '--start must be a date, YYYY-MM-DD');
  const batchSize = parseCount(flags.batchSize, batchEventsDefault, batchEventsMax);
  if (batchSize === null) {
    return err('batch_size_invalid', `--batch-size must be an integer from 1 to ${batchEventsMax}`);
  }
  return ok({ merchants, days, seed, start: start.value, batchSize });
}

/** Plain decimal digits (underscores and commas allowed as separators: 1_000, 1,000). */
function parseCount(text: string | undefined, fallback: number, max: number): number | null {
  if (text === undefined) return fallback;
  const digits = text.replace(/[_,]/g, '');
  if (!/^[0-9]{1,9}$/.test(digits)) return null;
  const value = Number(digits);
  return value >= 1 && value <= max ? value : null;
}
