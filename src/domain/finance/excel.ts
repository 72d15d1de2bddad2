/**
 * Excel's financial functions PMT, IPMT, PPMT, CUMIPMT, RATE, XNPV and XIRR, with Excel's argument
 * names, semantics and sign convention: money paid out is negative, money received positive, so a
 * loan of 10,000 received (pv = 10000) has a negative payment. `type` is 0 when payments fall at
 * the end of each period (the default), 1 at the beginning.
 *
 * These are analytic helpers on floats, for quoting, checking and solving rates. They never produce
 * an amount that is booked: a schedule (amortization.ts) recomputes payment and interest in exact
 * bigint minor units with a named rounding mode, and tests check that the two agree to the cent.
 *
 * Where Excel answers #NUM! or #VALUE! for arguments no caller should send (nper <= 0, per out of
 * range, a type other than 0 or 1, arrays of different lengths), these assert: that is a bug in the
 * caller. Where the answer may legitimately not exist (RATE and XIRR find no root), they return a
 * Result with a code. RATE and XIRR use Newton's method from the guess, as Excel does, and fall back
 * to a bracketed search (root-finding.ts) where Excel would give up.
 *
 * Formulas follow Excel's documentation and the open implementation in LibreOffice Calc
 * (ScInterpreter::ScGetPMT, ScGetFV, ScGetIpmt), which matches Excel to the last digit.
 */
import { assert } from '../assert.ts';
import { err, ok, type Result } from '../result.ts';
import { type CalendarDate, toDayNumber } from '../time/calendar-date.ts';
import { type RootResultCode, solveFromGuess } from './root-finding.ts';

export type PaymentTiming = 0 | 1;

/** XNPV and XIRR count days over a 365-day year, as Excel does. */
const daysPerYearXirr = 365;
/** Excel's default guess for RATE and XIRR. */
const defaultGuess = 0.1;
/** A rate must stay above -100% per period; above this many times 100% it is not a rate any more. */
const ratePerPeriodMax = 1e6;
/** Longest cash-flow list XNPV and XIRR accept. */
export const cashFlowsMax = 100_000;

/**
 * (1 + rate)^periods and (1 + rate)^periods − 1 through log1p and exp/expm1: `**` with a whole
 * exponent squares repeatedly and loses ~100 ulp by 216 periods, which shows in the 12th digit of a
 * payment; this stays within a few ulp for any rate and term.
 */
function compound(rate: number, periods: number): number {
  return Math.exp(periods * Math.log1p(rate));
}

function compoundMinusOne(rate: number, periods: number): number {
  return Math.expm1(periods * Math.log1p(rate));
}

function assertTiming(type: number): asserts type is PaymentTiming {
  assert(type === 0 || type === 1, 'type must be 0 (end of period) or 1 (beginning)');
}

function assertPeriods(nper: number): void {
  assert(Number.isFinite(nper) && nper > 0, 'nper must be a positive number');
}

function assertRate(rate: number): void {
  assert(Number.isFinite(rate) && rate > -1, 'rate must be a finite number above -1');
}

export interface PmtArgs {
  readonly rate: number;
  readonly nper: number;
  readonly pv: number;
  readonly fv?: number;
  readonly type?: PaymentTiming;
}

/** PMT: the level payment per period that takes pv to fv in nper periods at rate. */
export function pmt({ rate, nper, pv, fv = 0, type = 0 }: PmtArgs): number {
  assertRate(rate);
  assertPeriods(nper);
  assertTiming(type);
  if (rate === 0) return -(pv + fv) / nper;
  return -(rate * (pv * compound(rate, nper) + fv)) / ((1 + rate * type) * compoundMinusOne(rate, nper));
}

/** FV: the balance after nper periods of payment pmt on pv (Excel's FV, used by IPMT). */
export function fv({
  rate,
  nper,
  pmt: payment,
  pv,
  type = 0,
}: {
  readonly rate: number;
  readonly nper: number;
  readonly pmt: number;
  readonly pv: number;
  readonly type?: PaymentTiming;
}): number {
  assertRate(rate);
  assertTiming(type);
  if (rate === 0) return -(pv + payment * nper);
  return -(pv * compound(rate, nper) + (payment * (1 + rate * type) * compoundMinusOne(rate, nper)) / rate);
}

export interface PeriodArgs extends PmtArgs {
  /** The period asked about, 1..nper. */
  readonly per: number;
}

function assertPer(per: number, nper: number): void {
  assert(Number.isInteger(per) && per >= 1 && per <= nper, 'per must be a whole number within 1..nper');
}

/** IPMT: the interest part of payment number `per`. */
export function ipmt({ rate, per, nper, pv, fv: future = 0, type = 0 }: PeriodArgs): number {
  assertPer(per, nper);
  const payment = pmt({ rate, nper, pv, fv: future, type });
  if (per === 1) return type === 1 ? 0 : -pv * rate;
  // The balance just before payment `per` earns this period's interest; with payments in advance
  // the payment made at the start of the period is taken off first.
  const balance =
    type === 1
      ? fv({ rate, nper: per - 2, pmt: payment, pv, type: 1 }) - payment
      : fv({ rate, nper: per - 1, pmt: payment, pv, type: 0 });
  return balance * rate;
}

/** PPMT: the principal part of payment number `per` (PMT − IPMT). */
export function ppmt(args: PeriodArgs): number {
  const { rate, nper, pv, fv: future = 0, type = 0 } = args;
  return pmt({ rate, nper, pv, fv: future, type }) - ipmt(args);
}

export interface CumulativeArgs {
  readonly rate: number;
  readonly nper: number;
  readonly pv: number;
  /** First and last period summed, 1-based and inclusive. */
  readonly start: number;
  readonly end: number;
  readonly type: PaymentTiming;
}

/**
 * CUMIPMT: the interest paid from period `start` to period `end`. Excel takes no fv here and, unlike
 * IPMT, wants rate > 0, pv > 0 and type given; anything else is #NUM! in Excel and an assertion here.
 */
export function cumipmt({ rate, nper, pv, start, end, type }: CumulativeArgs): number {
  assert(rate > 0 && pv > 0, 'CUMIPMT needs rate > 0 and pv > 0');
  assert(Number.isInteger(nper) && nper > 0, 'CUMIPMT needs a whole positive nper');
  assert(Number.isInteger(start) && Number.isInteger(end), 'CUMIPMT needs whole start and end');
  assert(start >= 1 && start <= end && end <= nper, 'CUMIPMT needs 1 <= start <= end <= nper');
  let total = 0;
  for (let per = start; per <= end; per += 1) total += ipmt({ rate, per, nper, pv, type });
  return total;
}

export interface RateArgs {
  readonly nper: number;
  readonly pmt: number;
  readonly pv: number;
  readonly fv?: number;
  readonly type?: PaymentTiming;
  readonly guess?: number;
}

/**
 * RATE: the rate per period at which nper payments of pmt take pv to fv. Solves
 * pv·(1+r)^n + pmt·(1+r·type)·((1+r)^n − 1)/r + fv = 0 for r > −1.
 */
export function rate({
  nper,
  pmt: payment,
  pv,
  fv: future = 0,
  type = 0,
  guess = defaultGuess,
}: RateArgs): Result<number, RootResultCode> {
  assertPeriods(nper);
  assertTiming(type);
  assert(Number.isFinite(payment) && Number.isFinite(pv) && Number.isFinite(future), 'RATE: finite amounts');
  const objective = (r: number) => {
    if (r === 0) {
      // The limits at r = 0 of the function and its derivative.
      return {
        value: pv + payment * nper + future,
        slope: pv * nper + payment * (type * nper + (nper * (nper - 1)) / 2),
      };
    }
    const growth = compound(r, nper);
    const growthSlope = (nper * growth) / (1 + r);
    const annuity = compoundMinusOne(r, nper) / r;
    const annuitySlope = (growthSlope - annuity) / r;
    return {
      value: pv * growth + payment * (1 + r * type) * annuity + future,
      slope: pv * growthSlope + payment * (type * annuity + (1 + r * type) * annuitySlope),
    };
  };
  const solved = solveFromGuess(objective, guess, { lower: -1, upper: ratePerPeriodMax });
  return solved.ok ? solved : err(solved.code, `RATE: ${solved.detail ?? 'no rate solves the equation'}`);
}

export interface CashFlowArgs {
  readonly values: readonly number[];
  readonly dates: readonly CalendarDate[];
}

export type CashFlowResultCode = 'cash_flows_need_both_signs' | 'date_before_first_date';

function yearsFromFirst(dates: readonly CalendarDate[]): Result<number[], CashFlowResultCode> {
  const first = toDayNumber(dates[0]!);
  const years: number[] = [];
  for (const date of dates) {
    const days = toDayNumber(date) - first;
    if (days < 0) return err('date_before_first_date', `${date} is before the first date ${dates[0]}`);
    years.push(days / daysPerYearXirr);
  }
  return ok(years);
}

function assertCashFlows(values: readonly number[], dates: readonly CalendarDate[]): void {
  assert(values.length === dates.length, 'values and dates must have the same length');
  assert(values.length >= 1 && values.length <= cashFlowsMax, `1..${cashFlowsMax} cash flows`);
  assert(
    values.every((value) => Number.isFinite(value)),
    'cash flows must be finite numbers',
  );
}

/**
 * XNPV: Σ values[i] / (1 + rate)^((dates[i] − dates[0]) / 365). As in Excel the first date is the
 * origin, and a date before it is refused.
 */
export function xnpv({
  rate: annualRate,
  values,
  dates,
}: CashFlowArgs & { readonly rate: number }): Result<number, 'date_before_first_date'> {
  assertRate(annualRate);
  assertCashFlows(values, dates);
  const years = yearsFromFirst(dates);
  if (!years.ok) return err('date_before_first_date', years.detail);
  let total = 0;
  for (const [index, value] of values.entries()) total += value / compound(annualRate, years.value[index]!);
  return ok(total);
}

/**
 * XIRR: the annual rate r > −1 at which the XNPV of the cash flows is zero. As in Excel, the flows
 * need at least one positive and one negative value.
 */
export function xirr({
  values,
  dates,
  guess = defaultGuess,
}: CashFlowArgs & { readonly guess?: number }): Result<number, CashFlowResultCode | RootResultCode> {
  assertCashFlows(values, dates);
  if (!(values.some((value) => value > 0) && values.some((value) => value < 0)))
    return err('cash_flows_need_both_signs', 'XIRR needs at least one positive and one negative value');
  const years = yearsFromFirst(dates);
  if (!years.ok) return years;
  const objective = (r: number) => {
    let value = 0;
    let slope = 0;
    for (const [index, amount] of values.entries()) {
      const exponent = years.value[index]!;
      const discounted = amount / compound(r, exponent);
      value += discounted;
      slope -= (exponent * discounted) / (1 + r);
    }
    return { value, slope };
  };
  return solveFromGuess(objective, guess, { lower: -1, upper: ratePerPeriodMax });
}
