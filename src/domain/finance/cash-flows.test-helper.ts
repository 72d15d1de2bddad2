/**
 * Advances and payments on dates for the APR tests: amounts in major-unit text ('230.00'), series
 * every so many months or days, and the APR of an input that must have one.
 */
import assert from 'node:assert/strict';
import { parseMoney } from '../money/money.ts';
import { addDays, addMonths, calendarDate } from '../time/calendar-date.ts';
import { type AprInput, annualPercentageRate, type CashFlowOnDate } from './apr.ts';

export const usd = (text: string): bigint => {
  const parsed = parseMoney(text, 'USD');
  assert.ok(parsed.ok, text);
  return parsed.value.amountMinor;
};
export const on = (date: string, amount: string): CashFlowOnDate => ({
  amountMinor: usd(amount),
  date: calendarDate(date),
});

/** `count` payments of `amount`, `months` apart, the first on `first`. */
export function everyMonths(first: string, count: number, amount: string, months = 1): CashFlowOnDate[] {
  return Array.from({ length: count }, (_, k) => ({
    amountMinor: usd(amount),
    date: addMonths(calendarDate(first), months * k),
  }));
}

/** `count` payments of `amount`, `days` apart, the first on `first`. */
export function everyDays(first: string, count: number, amount: string, days: number): CashFlowOnDate[] {
  return Array.from({ length: count }, (_, k) => ({
    amountMinor: usd(amount),
    date: addDays(calendarDate(first), days * k),
  }));
}

/** Semimonthly on two days of the month, alternating, the first on `first`. */
export function semimonthly(first: string, second: string, count: number, amount: string): CashFlowOnDate[] {
  return Array.from({ length: count }, (_, k) => ({
    amountMinor: usd(amount),
    date: addMonths(calendarDate(k % 2 === 0 ? first : second), Math.floor(k / 2)),
  }));
}

/** Payments `days` days after the advance, for examples stated in unit-periods of days. */
export function daysAfter(advance: string, offsets: readonly number[], amount: string): CashFlowOnDate[] {
  return offsets.map((days) => ({ amountMinor: usd(amount), date: addDays(calendarDate(advance), days) }));
}

export function aprOf(input: AprInput) {
  const result = annualPercentageRate(input);
  assert.ok(result.ok, result.ok ? '' : `${result.code}: ${result.detail ?? ''}`);
  return result.value;
}
