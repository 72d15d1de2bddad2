/**
 * A merchant's sales forecast from its own daily history: the recent level (the last 8 weeks),
 * shaped by its weekly pattern (the last 12 weeks, per weekday) and, with a year of history, by its
 * yearly pattern (each calendar month against the year's average, relative to the months the level
 * was measured in). Estimates, so plain numbers; the limit turns them into minor units with a
 * named rounding.
 *
 * Only the days the merchant existed count: the sales series is a fixed 365 days padded with zeros
 * before the merchant's first day, and those zeros are not sales it failed to make. A younger
 * merchant's level and weekly pattern use the whole weeks it has (fewer than 8 and 12 weeks), and
 * the yearly pattern needs 365 observed days — measured over padding it would forecast nothing for
 * every calendar month before the merchant's first day (a 5-month-old merchant got a limit of 0).
 */
import { assert } from '../assert.ts';

/** ISO weekday (1 = Monday … 7 = Sunday) of a day number; 1970-01-01 was a Thursday. */
export function weekdayOf(dayNumber: number): number {
  return ((((dayNumber + 3) % 7) + 7) % 7) + 1;
}

/** Calendar month (1–12) of a day number, by arithmetic (Howard Hinnant's civil_from_days). */
export function monthOf(dayNumber: number): number {
  const z = dayNumber + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor(
    (dayOfEra -
      Math.floor(dayOfEra / 1_460) +
      Math.floor(dayOfEra / 36_524) -
      Math.floor(dayOfEra / 146_096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthPrime = Math.floor((5 * dayOfYear + 2) / 153);
  return monthPrime < 10 ? monthPrime + 3 : monthPrime - 9;
}

export const forecastLevelDays = 56;
export const forecastWeeklyDays = 84;
export const forecastYearDays = 365;
const daysPerWeek = 7;

/**
 * How many days of a `historyDays`-long series (index 0 = the as-of day) the merchant existed,
 * from its tenure (as-of day − first day, so the first day and the as-of day both count). Without
 * a first day there is no activity at all, so the whole series (all zeros) is taken as observed.
 */
export function observedSalesDays(tenureDays: number | null, historyDays: number): number {
  assert(Number.isInteger(historyDays) && historyDays >= 0, 'observedSalesDays: historyDays');
  if (tenureDays === null) return historyDays;
  assert(Number.isInteger(tenureDays), 'observedSalesDays: tenureDays is whole days');
  return Math.min(historyDays, Math.max(0, tenureDays + 1));
}

export interface SalesForecast {
  /** Forecast sales for each of the next `days` days, starting the day after asOf. */
  readonly daily: readonly number[];
  readonly averageDaily: number;
  readonly next30Days: number;
  /** Whether a yearly pattern was applied (a full year of observed history). */
  readonly seasonal: boolean;
}

/**
 * The most recent whole weeks of `observedDays`, up to `windowDays` (a whole number of weeks), so
 * every weekday is counted equally; a merchant younger than a week uses the days it has.
 */
function windowOf(windowDays: number, observedDays: number): number {
  if (observedDays < daysPerWeek) return observedDays;
  return Math.min(windowDays, observedDays - (observedDays % daysPerWeek));
}

/**
 * `history[i]` is the sales of day asOfDay − i (i = 0 is the as-of day), for up to 365 days, of
 * which the first `observedDays` are days the merchant existed (see `observedSalesDays`).
 */
export function forecastSales(
  history: readonly number[],
  asOfDay: number,
  days: number,
  observedDays: number,
): SalesForecast {
  assert(
    Number.isInteger(observedDays) && observedDays >= 0 && observedDays <= history.length,
    'forecastSales: observedDays is within the history',
  );
  const at = (i: number) => history[i] ?? 0;
  const mean = (from: number, count: number) => {
    if (count === 0) return 0;
    let sum = 0;
    for (let i = from; i < from + count; i += 1) sum += at(i);
    return sum / count;
  };
  const levelDays = windowOf(forecastLevelDays, observedDays);
  const level = mean(0, levelDays);
  // Fewer than a week observed: no weekday can be compared with the others.
  const weeklyDays = observedDays < daysPerWeek ? 0 : windowOf(forecastWeeklyDays, observedDays);
  const weeklyMean = mean(0, weeklyDays);
  const weekday = new Array<number>(8).fill(1);
  if (weeklyMean > 0) {
    const sums = new Array<number>(8).fill(0);
    for (let i = 0; i < weeklyDays; i += 1) {
      const w = weekdayOf(asOfDay - i);
      sums[w] = (sums[w] as number) + at(i);
    }
    for (let w = 1; w <= 7; w += 1)
      weekday[w] = (sums[w] as number) / (weeklyDays / daysPerWeek) / weeklyMean;
  }
  const seasonal = observedDays >= forecastYearDays && mean(0, forecastYearDays) > 0;
  const monthly = new Array<number>(13).fill(1);
  if (seasonal) {
    const sums = new Array<number>(13).fill(0);
    const counts = new Array<number>(13).fill(0);
    for (let i = 0; i < forecastYearDays; i += 1) {
      const month = monthOf(asOfDay - i);
      sums[month] = (sums[month] as number) + at(i);
      counts[month] = (counts[month] as number) + 1;
    }
    const yearly = mean(0, forecastYearDays);
    for (let m = 1; m <= 12; m += 1)
      monthly[m] = (counts[m] as number) > 0 ? (sums[m] as number) / (counts[m] as number) / yearly : 1;
  }
  // The level was measured over its window: divide out that window's average seasonal weight.
  let levelWeight = 0;
  for (let i = 0; i < levelDays; i += 1) levelWeight += monthly[monthOf(asOfDay - i)] as number;
  levelWeight = levelDays > 0 ? levelWeight / levelDays : 0;
  const base = levelWeight > 0 ? level / levelWeight : level;
  const daily: number[] = [];
  for (let d = 1; d <= days; d += 1) {
    const day = asOfDay + d;
    daily.push(Math.max(0, base * (weekday[weekdayOf(day)] as number) * (monthly[monthOf(day)] as number)));
  }
  const total = daily.reduce((a, b) => a + b, 0);
  return {
    daily,
    averageDaily: days > 0 ? total / days : 0,
    next30Days: daily.slice(0, 30).reduce((a, b) => a + b, 0),
    seasonal,
  };
}
