/**
 * The demo's calendar: warm-up and lending end yesterday (or on --end, never later), and bad flags
 * are refused in a fixed order with a code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calendarDate, toDayNumber } from '../domain/time/calendar-date.ts';
import { planDemo } from './plan.ts';

const today = toDayNumber(calendarDate('2026-12-05'));

describe('demo plan', () => {
  it('by default: 500 merchants, 180 days of history and 365 of lending, ending yesterday', () => {
    const plan = planDemo({}, today);
    assert.ok(plan.ok);
    assert.equal(plan.value.merchants, 500);
    assert.equal(plan.value.days, 545);
    assert.equal(plan.value.lastDay, today - 1);
    assert.equal(plan.value.firstDay, today - 545);
    assert.equal(plan.value.start, '2025-06-08');
  });

  it('ends on --end when it is yesterday or earlier', () => {
    const plan = planDemo({ end: '2026-06-30', days: '40', warmUpDays: '120', merchants: '1,000' }, today);
    assert.ok(plan.ok);
    assert.equal(plan.value.lastDay, toDayNumber(calendarDate('2026-06-30')));
    assert.equal(plan.value.start, '2026-01-22');
    assert.equal(plan.value.merchants, 1_000);
    assert.equal(planDemo({ end: '2026-12-05' }, today).ok, false);
  });

  it('refuses bad flags, first bad first', () => {
    const code = (flags: Parameters<typeof planDemo>[0]) => {
      const plan = planDemo(flags, today);
      return plan.ok ? 'ok' : plan.code;
    };
    assert.equal(code({ merchants: '0', days: 'x' }), 'merchants_invalid');
    assert.equal(code({ days: '0' }), 'days_invalid');
    assert.equal(code({ warmUpDays: '30' }), 'warm_up_days_invalid');
    assert.equal(code({ days: '3000', warmUpDays: '700' }), 'warm_up_days_invalid');
    assert.equal(code({ seed: 'no spaces' }), 'seed_invalid');
    assert.equal(code({ end: '2026-02-30' }), 'end_invalid');
    // Its warm-up and lending would begin before the calendar's first day (0001-01-01).
    assert.equal(code({ end: '0001-03-01' }), 'end_invalid');
    assert.equal(code({ end: '0002-12-31', days: '1', warmUpDays: '120' }), 'ok');
  });
});
