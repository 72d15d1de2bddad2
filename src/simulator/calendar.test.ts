/**
 * Proves the simulated calendar: day indexes map to dates from the start, instants are RFC 3339
 * UTC, and the yearly pattern has its peaks on the right days — Singles' Day on 11 November, Black
 * Friday the day after the fourth Thursday of November, Cyber Monday three days later (even when
 * that is in December) — with the Christmas lull after.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calendarDate } from '../domain/time/calendar-date.ts';
import { createCalendar, yearlyLevel } from './calendar.ts';
import { defaultSimulatorConfig } from './config.ts';

const seasonality = defaultSimulatorConfig.seasonality;
const level = (date: string) => yearlyLevel(calendarDate(date), seasonality);

describe('simulated calendar', () => {
  it('names days and instants from the start date, in UTC', () => {
    const calendar = createCalendar(calendarDate('2024-02-28'), 10, defaultSimulatorConfig);
    assert.equal(calendar.dateText(1), '2024-02-29');
    assert.equal(calendar.dateText(2), '2024-03-01');
    assert.equal(calendar.instantText(86_400 + 3_600 * 13 + 60 * 5 + 9), '2024-02-29T13:05:09Z');
    assert.equal(calendar.instantText(0), '2024-02-28T00:00:00Z');
  });

  it("peaks on Singles' Day, Black Friday and Cyber Monday", () => {
    const ordinary = level('2025-11-05');
    assert.ok(level('2025-11-11') > 2 * ordinary);
    // Thanksgiving 2025 is 27 November: Black Friday 28 November, Cyber Monday 1 December.
    assert.ok(level('2025-11-28') > 2.5 * ordinary);
    assert.ok(level('2025-12-01') > 2 * level('2025-12-02'));
    // 2024: Thanksgiving 28 November, Black Friday 29 November, Cyber Monday 2 December.
    assert.ok(level('2024-11-29') > 2.5 * level('2024-11-22'));
    assert.ok(level('2024-12-02') > 2 * level('2024-12-03'));
  });

  it('lifts December, lulls at Christmas and dips in January', () => {
    assert.ok(level('2025-12-10') > 1.25);
    assert.ok(level('2025-12-25') < 0.8);
    assert.ok(level('2025-01-20') < 0.95);
    assert.ok(Math.abs(level('2025-05-15') - 1) < 0.05);
  });

  it('varies by weekday', () => {
    const calendar = createCalendar(calendarDate('2025-06-02'), 7, defaultSimulatorConfig);
    assert.deepEqual([...calendar.weekly], [...seasonality.weekly]);
  });
});
