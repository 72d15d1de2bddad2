/**
 * The sales forecast: flat history forecasts flat; a weekly pattern is carried forward weekday by
 * weekday; with a year of history the yearly pattern lifts the months that were strong last year
 * (a November peak) relative to the months the current level was measured in.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calendarDate, dateParts, dayOfWeek, fromDayNumber, toDayNumber } from '../time/calendar-date.ts';
import { forecastSales, monthOf, weekdayOf } from './forecast.ts';

const asOf = toDayNumber(calendarDate('2026-09-30'));

function history(sales: (day: number) => number, days = 365): number[] {
  return Array.from({ length: days }, (_, i) => sales(asOf - i));
}

describe('forecastSales', () => {
  it('forecasts a flat history flat, and nothing for no sales', () => {
    const flat = forecastSales(
      history(() => 1000),
      asOf,
      90,
    );
    assert.ok(Math.abs(flat.averageDaily - 1000) < 1e-6);
    assert.ok(Math.abs(flat.next30Days - 30_000) < 1e-6);
    assert.equal(
      forecastSales(
        history(() => 0),
        asOf,
        30,
      ).averageDaily,
      0,
    );
  });

  it('carries the weekly pattern forward', () => {
    const weekendHeavy = (day: number) => (dayOfWeek(fromDayNumber(day)) >= 6 ? 3000 : 1000);
    const forecast = forecastSales(history(weekendHeavy, 120), asOf, 14);
    forecast.daily.forEach((value, index) => {
      const expected = weekendHeavy(asOf + index + 1);
      assert.ok(Math.abs(value - expected) < 1, `day ${index + 1}: ${value} vs ${expected}`);
    });
  });

  it('lifts November from last year, relative to the level measured in August and September', () => {
    const seasonal = (day: number) => (dateParts(fromDayNumber(day)).month === 11 ? 3000 : 1000);
    const forecast = forecastSales(history(seasonal), asOf, 61);
    assert.equal(forecast.seasonal, true);
    const october = forecast.daily.slice(0, 31);
    const november = forecast.daily.slice(31, 61);
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    assert.ok(Math.abs(mean(october) - 1000) < 1, `October ${mean(october)}`);
    assert.ok(Math.abs(mean(november) - 3000) < 1, `November ${mean(november)}`);
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
