/**
 * The sales forecast: flat history forecasts flat; a weekly pattern is carried forward weekday by
 * weekday; with a year of history the yearly pattern lifts the months that were strong last year
 * (a November peak) relative to the months the current level was measured in. A young merchant is
 * forecast from the days it existed: the zeros that pad its 365-day series before its first day
 * neither dilute its level nor become a month "it sold nothing in".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AssertionError } from '../assert.ts';
import { calendarDate, dateParts, dayOfWeek, fromDayNumber, toDayNumber } from '../time/calendar-date.ts';
import { forecastSales, monthOf, observedSalesDays, weekdayOf } from './forecast.ts';

const asOf = toDayNumber(calendarDate('2026-09-30'));

function history(sales: (day: number) => number, days = 365): number[] {
  return Array.from({ length: days }, (_, i) => sales(asOf - i));
}

/** A merchant `observedDays` old, as `dailySalesSeries` gives it: 365 days, zeros before its first. */
function youngHistory(sales: (day: number) => number, observedDays: number, asOfDay = asOf): number[] {
  return Array.from({ length: 365 }, (_, i) => (i < observedDays ? sales(asOfDay - i) : 0));
}

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const weekendHeavy = (day: number) => (dayOfWeek(fromDayNumber(day)) >= 6 ? 3000 : 1000);

describe('forecastSales', () => {
  it('forecasts a flat history flat, and nothing for no sales', () => {
    const flat = forecastSales(
      history(() => 1000),
      asOf,
      90,
      365,
    );
    assert.ok(Math.abs(flat.averageDaily - 1000) < 1e-6);
    assert.ok(Math.abs(flat.next30Days - 30_000) < 1e-6);
    assert.equal(
      forecastSales(
        history(() => 0),
        asOf,
        30,
        365,
      ).averageDaily,
      0,
    );
  });

  it('carries the weekly pattern forward', () => {
    const forecast = forecastSales(history(weekendHeavy, 120), asOf, 14, 120);
    forecast.daily.forEach((value, index) => {
      const expected = weekendHeavy(asOf + index + 1);
      assert.ok(Math.abs(value - expected) < 1, `day ${index + 1}: ${value} vs ${expected}`);
    });
  });

  it('lifts November from last year, relative to the level measured in August and September', () => {
    const seasonal = (day: number) => (dateParts(fromDayNumber(day)).month === 11 ? 3000 : 1000);
    const forecast = forecastSales(history(seasonal), asOf, 61, 365);
    assert.equal(forecast.seasonal, true);
    const october = forecast.daily.slice(0, 31);
    const november = forecast.daily.slice(31, 61);
    assert.ok(Math.abs(mean(october) - 1000) < 1, `October ${mean(october)}`);
    assert.ok(Math.abs(mean(november) - 3000) < 1, `November ${mean(november)}`);
  });
});

describe('forecastSales for a merchant younger than its 365-day series', () => {
  it('forecasts 1,000 a day for a merchant that sold 1,000 a day for its 100 days', () => {
    // The reported case: as of 2026-06-25 the padded series forecast 4,502 for 30 days, 25 a day.
    const asOfDay = toDayNumber(calendarDate('2026-06-25'));
    const observedDays = observedSalesDays(99, 365);
    assert.equal(observedDays, 100);
    const forecast = forecastSales(
      youngHistory(() => 1000, observedDays, asOfDay),
      asOfDay,
      180,
      observedDays,
    );
    assert.equal(forecast.seasonal, false, 'no yearly pattern from 100 days');
    // A constant history has a flat weekly pattern; 1% is far inside any weekday's swing.
    assert.ok(Math.abs(forecast.next30Days - 30_000) < 300, `30 days: ${forecast.next30Days}`);
    assert.ok(Math.abs(forecast.averageDaily - 1000) < 10, `daily: ${forecast.averageDaily}`);
  });

  it('gives no calendar month a factor of 0 for the months before a 200-day-old merchant existed', () => {
    const forecast = forecastSales(youngHistory(weekendHeavy, 200), asOf, 365, 200);
    assert.equal(forecast.seasonal, false);
    const byMonth = new Map<number, number[]>();
    forecast.daily.forEach((value, index) => {
      const month = monthOf(asOf + index + 1);
      byMonth.set(month, [...(byMonth.get(month) ?? []), value]);
    });
    assert.equal(byMonth.size, 12);
    // Weekends 3,000 and weekdays 1,000: every month averages between the two, none near 0.
    for (const [month, values] of byMonth) {
      assert.ok(mean(values) > 1000 && mean(values) < 3000, `month ${month}: ${mean(values)}`);
    }
    forecast.daily.forEach((value, index) => {
      const expected = weekendHeavy(asOf + index + 1);
      assert.ok(Math.abs(value - expected) < 1, `day ${index + 1}: ${value} vs ${expected}`);
    });
  });

  it('carries the weekly pattern of the whole weeks a 30-day-old merchant has', () => {
    const forecast = forecastSales(youngHistory(weekendHeavy, 30), asOf, 14, 30);
    forecast.daily.forEach((value, index) => {
      const expected = weekendHeavy(asOf + index + 1);
      assert.ok(Math.abs(value - expected) < 1, `day ${index + 1}: ${value} vs ${expected}`);
    });
  });

  it('uses the days a merchant younger than a week has, and forecasts nothing from no days', () => {
    const threeDays = forecastSales(
      youngHistory(() => 1000, 3),
      asOf,
      30,
      3,
    );
    assert.ok(threeDays.daily.every((value) => Math.abs(value - 1000) < 1e-9));
    const none = forecastSales(
      youngHistory(() => 1000, 0),
      asOf,
      30,
      0,
    );
    assert.equal(none.averageDaily, 0);
    assert.equal(none.next30Days, 0);
    assert.ok(none.daily.every((value) => value === 0));
  });

  it('keeps the yearly pattern of a merchant older than a year (a November peak)', () => {
    const seasonal = (day: number) => (dateParts(fromDayNumber(day)).month === 11 ? 3000 : 1000);
    const observedDays = observedSalesDays(700, 365);
    assert.equal(observedDays, 365);
    const forecast = forecastSales(history(seasonal), asOf, 61, observedDays);
    assert.equal(forecast.seasonal, true);
    assert.ok(Math.abs(mean(forecast.daily.slice(0, 31)) - 1000) < 1, 'October');
    assert.ok(Math.abs(mean(forecast.daily.slice(31, 61)) - 3000) < 1, 'November');
  });

  it('applies no yearly pattern one day short of a year', () => {
    const seasonal = (day: number) => (dateParts(fromDayNumber(day)).month === 11 ? 3000 : 1000);
    const forecast = forecastSales(youngHistory(seasonal, 364), asOf, 61, 364);
    assert.equal(forecast.seasonal, false);
    assert.ok(Math.abs(mean(forecast.daily.slice(31, 61)) - 1000) < 1, 'November as the level');
  });

  it('refuses an observed span longer than the history', () => {
    assert.throws(() => forecastSales([1000, 1000], asOf, 30, 3), AssertionError);
    assert.throws(() => forecastSales([1000, 1000], asOf, 30, -1), AssertionError);
  });
});

describe('observedSalesDays', () => {
  it('counts the first day and the as-of day, within the series', () => {
    assert.equal(observedSalesDays(0, 365), 1, 'onboarded on the as-of day');
    assert.equal(observedSalesDays(99, 365), 100);
    assert.equal(observedSalesDays(364, 365), 365);
    assert.equal(observedSalesDays(5_000, 365), 365);
    assert.equal(observedSalesDays(-3, 365), 0, 'a first day after the as-of day: nothing observed');
    assert.equal(observedSalesDays(null, 365), 365, 'no first day: no activity, the whole (zero) series');
  });
});

describe('forecast calendar arithmetic', () => {
  it('agrees with the calendar on weekdays and months, every day from 1900 to 2200', () => {
    for (
      let day = toDayNumber(calendarDate('1900-01-01'));
      day < toDayNumber(calendarDate('2200-01-01'));
      day += 1
    ) {
      const date = fromDayNumber(day);
      assert.equal(weekdayOf(day), dayOfWeek(date));
      assert.equal(monthOf(day), dateParts(date).month);
    }
  });
});
