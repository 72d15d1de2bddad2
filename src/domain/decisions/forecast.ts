/**
 * A merchant's sales forecast from its own daily history: the recent level (the last 8 weeks),
 * shaped by its weekly pattern (the last 12 weeks, per weekday) and, with a year of history, by its
 * yearly pattern (each calendar month against the year's average, relative to the months the level
 * was measured in). Estimates, so plain numbers; the limit turns them into minor units with a
 * named rounding.
 */
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

export interface SalesForecast {
  /** Forecast sales for each of the next `days` days, starting the day after asOf. */
  readonly daily: readonly number[];
  readonly averageDaily: number;
  readonly next30Days: number;
  /** Whether a yearly pattern was applied (a full year of history). */
  readonly seasonal: boolean;
}

/** `history[i]` is the sales of day asOfDay − i (i = 0 is the as-of day), for up to 365 days. */
export function forecastSales(history: readonly number[], asOfDay: number, days: number): SalesForecast {
  const at = (i: number) => history[i] ?? 0;
  const mean = (from: number, count: number) => {
    let sum = 0;
    for (let i = from; i < from + count; i += 1) sum += at(i);
    return sum / count;
  };
  const level = mean(0, forecastLevelDays);
  const weeklyMean = mean(0, forecastWeeklyDays);
  const weekday = new Array<number>(8).fill(1);
  if (weeklyMean > 0) {
    const sums = new Array<number>(8).fill(0);
    for (let i = 0; i < forecastWeeklyDays; i += 1) {
      const w = weekdayOf(asOfDay - i);
      sums[w] = (sums[w] as number) + at(i);
    }
    for (let w = 1; w <= 7; w += 1) weekday[w] = (sums[w] as number) / (forecastWeeklyDays / 7) / weeklyMean;
  }
  const seasonal = history.length >= 365 && mean(0, 365) > 0;
  const monthly = new Array<number>(13).fill(1);
  if (seasonal) {
    const sums = new Array<number>(13).fill(0);
    const counts = new Array<number>(13).fill(0);
    for (let i = 0; i < 365; i += 1) {
      const month = monthOf(asOfDay - i);
      sums[month] = (sums[month] as number) + at(i);
      counts[month] = (counts[month] as number) + 1;
    }
    const yearly = mean(0, 365);
    for (let m = 1; m <= 12; m += 1)
      monthly[m] = (counts[m] as number) > 0 ? (sums[m] as number) / (counts[m] as number) / yearly : 1;
  }
  // The level was measured over the last 8 weeks: divide out their average seasonal weight.
  let levelWeight = 0;
  for (let i = 0; i < forecastLevelDays; i += 1) levelWeight += monthly[monthOf(asOfDay - i)] as number;
  levelWeight /= forecastLevelDays;
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
