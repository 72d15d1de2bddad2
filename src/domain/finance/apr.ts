/**
 * The annual percentage rate by the actuarial method of US Regulation Z, Appendix J (12 CFR 1026,
 * Appendix J), for one or more advances and one or more payments on calendar dates.
 *
 * The general equation of (b)(8): the unit-period rate i makes the advances and the payments equal
 * in value at the start of the term,
 *
 *   Σ A_k / ((1 + e_k·i)(1 + i)^q_k)  =  Σ P_j / ((1 + f_j·i)(1 + i)^t_j)
 *
 * where q_k, t_j are the full unit-periods and e_k, f_j the fraction of one from the start of the
 * term to each advance and payment, counted as (b)(5) prescribes (unit-period.ts). The fraction earns
 * simple interest, (1 + f·i), as (b)(6) says; only whole unit-periods compound. The APR is
 * i × unit-periods per year ((b)(1)), stated to two decimals.
 *
 * The term starts on the first advance's date ((b)(2): consummation, taken to be the first advance).
 * The unit-period is the caller's, or determined by (b)(4) when none is given.
 *
 * Solving: the equation's two sides are equal at i = 0 only when payments equal advances; otherwise
 * the root is searched from 0 in the direction the finance charge points (up when payments exceed
 * advances) until the sign changes, then found by Newton's method safeguarded by bisection
 * (root-finding.ts), so the answer is deterministic and exists whenever a sign change does. With a
 * single advance the equation has exactly one root; with several, the one nearest 0 on that side is
 * answered, or, when that side has none (an advance drawn after the payments), the other side's.
 *
 * Checks, in order: advances_empty, payments_empty, advances_too_many, payments_too_many,
 * amount_not_positive, payment_before_term_start, unit_period_unsupported, apr_not_found.
 */
import { assert } from '../assert.ts';
import { formatDecimal, parseDecimal } from '../money/decimal.ts';
import { isAmountMinorInRange } from '../money/money.ts';
import { divideRounded } from '../money/rounding.ts';
import { err, ok, type Result } from '../result.ts';
import { type CalendarDate, compareCalendarDates } from '../time/calendar-date.ts';
import { solveInBracket } from './root-finding.ts';
import {
  allMonthEnds,
  determineUnitPeriod,
  monthAnchorDay,
  seriesDayOfMonth,
  type UnitPeriodChoice,
  type UnitPeriodName,
  type UnitPeriodTime,
  unitPeriodsPerYear,
  unitPeriodTime,
} from './unit-period.ts';

/** One advance or payment: a positive amount in minor units on a date. */
export type CashFlowOnDate = { readonly amountMinor: bigint; readonly date: CalendarDate };

export interface AprInput {
  readonly advances: readonly CashFlowOnDate[];
  readonly payments: readonly CashFlowOnDate[];
  /** Omitted: determined by Appendix J (b)(4). */
  readonly unitPeriod?: UnitPeriodName;
}

export interface Apr {
  /** The APR in percent, unrounded (9.687…). */
  readonly aprPercent: number;
  /** The APR in percent, two decimals, half up ("9.69"). */
  readonly aprPercentText: string;
  /** i, the rate per unit-period. */
  readonly unitPeriodRate: number;
  /** 'term': a single advance and payment whose term (under a year) is the unit-period. */
  readonly unitPeriod: UnitPeriodName | 'term';
  /** Unit-periods per year as an exact fraction (12/1; 365/255 for a 255-day term). */
  readonly unitPeriodsPerYear: { readonly numerator: number; readonly denominator: number };
  readonly unitPeriodDetermined: boolean;
  readonly termStart: CalendarDate;
  readonly amountFinancedMinor: bigint;
  readonly totalOfPaymentsMinor: bigint;
  readonly financeChargeMinor: bigint;
}

export type AprResultCode =
  | 'advances_empty'
  | 'payments_empty'
  | 'advances_too_many'
  | 'payments_too_many'
  | 'amount_not_positive'
  | 'payment_before_term_start'
  | 'unit_period_unsupported'
  | 'apr_not_found';

/** A construction draw schedule, not a ledger: hundreds of advances at most. */
export const aprAdvancesMax = 500;
/** Ten years of daily payments. */
export const aprPaymentsMax = 3_660;
/** The search stops at this rate per unit-period (100,000%): past it there is no APR to disclose. */
export const unitPeriodRateMax = 1_000;
/** The first probe above (or below) zero when bracketing the root; each next probe doubles it. */
const firstProbe = 1e-4;
const probesMax = 64;
/** Digits of the unrounded percent kept before rounding to two decimals, half up. */
const percentDigitsBeforeRounding = 10;
const percentDigitsShown = 2;

type TimedFlow = { readonly amount: number; readonly full: number; readonly fraction: number };

export function annualPercentageRate(input: AprInput): Result<Apr, AprResultCode> {
  const checked = checkInput(input);
  if (!checked.ok) return checked;
  const advances = sortedByDate(input.advances);
  const payments = sortedByDate(input.payments);
  const termStart = advances[0]!.date;
  for (const [index, payment] of payments.entries()) {
    if (compareCalendarDates(payment.date, termStart) < 0)
      return err(
        'payment_before_term_start',
        `payments[${index}] is due before the first advance (${termStart})`,
      );
  }
  // Only when every flow is at time 0 does no rate move the equation: an advance drawn later is
  // discounted like a payment, so payments on the first day alone can still have a rate.
  const onTermStart = (flow: CashFlowOnDate) => flow.date === termStart;
  if (payments.every(onTermStart) && advances.every(onTermStart))
    return err(
      'apr_not_found',
      'every advance and payment is on the day the term starts: no rate moves the equation',
    );

  let choice: UnitPeriodChoice;
  if (input.unitPeriod !== undefined) choice = { kind: 'named', name: input.unitPeriod };
  else {
    const determined = determineUnitPeriod(
      termStart,
      advances.map((flow) => flow.date),
      payments.map((flow) => flow.date),
    );
    if (!determined.ok) return determined;
    choice = determined.value;
  }

  const amountFinancedMinor = total(advances);
  const totalOfPaymentsMinor = total(payments);
  // Amounts enter the float equation relative to the amount financed, so both sides are near 1.
  const scale = Number(amountFinancedMinor);
  const timed = (flows: readonly CashFlowOnDate[]): TimedFlow[] => {
    const dates = flows.map((flow) => flow.date);
    const seriesDay = seriesDayOfMonth(dates);
    const monthEnds = allMonthEnds(dates);
    return flows.map((flow) => {
      const time = timeOf(termStart, flow.date, choice, seriesDay, monthEnds);
      return {
        amount: Number(flow.amountMinor) / scale,
        full: time.fullPeriods,
        fraction: time.fractionNumerator / time.fractionDenominator,
      };
    });
  };
  const timedAdvances = timed(advances);
  const timedPayments = timed(payments);
  const solved = solveUnitPeriodRate(timedAdvances, timedPayments);
  if (!solved.ok) return solved;

  const perYear =
    choice.kind === 'named'
      ? { numerator: unitPeriodsPerYear(choice.name), denominator: 1 }
      : { numerator: choice.unitPeriodsPerYearNumerator, denominator: choice.unitPeriodsPerYearDenominator };
  const aprPercent = (solved.value * perYear.numerator * 100) / perYear.denominator;
  return ok({
    aprPercent,
    aprPercentText: percentText(aprPercent),
    unitPeriodRate: solved.value,
    unitPeriod: choice.kind === 'named' ? choice.name : 'term',
    unitPeriodsPerYear: perYear,
    unitPeriodDetermined: input.unitPeriod === undefined,
    termStart,
    amountFinancedMinor,
    totalOfPaymentsMinor,
    financeChargeMinor: totalOfPaymentsMinor - amountFinancedMinor,
  });
}

function checkInput(input: AprInput): Result<null, AprResultCode> {
  if (input.advances.length === 0) return err('advances_empty');
  if (input.payments.length === 0) return err('payments_empty');
  if (input.advances.length > aprAdvancesMax) return err('advances_too_many', `at most ${aprAdvancesMax}`);
  if (input.payments.length > aprPaymentsMax) return err('payments_too_many', `at most ${aprPaymentsMax}`);
  for (const [list, flows] of [
    ['advances', input.advances],
    ['payments', input.payments],
  ] as const) {
    for (const [index, flow] of flows.entries()) {
      if (flow.amountMinor <= 0n || !isAmountMinorInRange(flow.amountMinor))
        return err('amount_not_positive', `${list}[${index}].amount must be a positive amount`);
    }
  }
  return ok(null);
}

/** Oldest first; flows on the same date keep their order. */
function sortedByDate(flows: readonly CashFlowOnDate[]): CashFlowOnDate[] {
  return [...flows].sort((a, b) => compareCalendarDates(a.date, b.date));
}

function total(flows: readonly CashFlowOnDate[]): bigint {
  return flows.reduce((sum, flow) => sum + flow.amountMinor, 0n);
}

function timeOf(
  termStart: CalendarDate,
  date: CalendarDate,
  choice: UnitPeriodChoice,
  seriesDay: number,
  monthEnds: boolean,
): UnitPeriodTime {
  if (choice.kind === 'term') {
    // The term is one unit-period: the advance is at 0, the payment at 1 ((b)(5)(vi)–(vii)).
    const atStart = date === termStart;
    return { fullPeriods: atStart ? 0 : 1, fractionNumerator: 0, fractionDenominator: 1 };
  }
  return unitPeriodTime(termStart, date, choice.name, monthAnchorDay(termStart, date, seriesDay, monthEnds));
}

/** Present value at the start of the term of each flow, and its derivative in i. */
function presentValue(flows: readonly TimedFlow[], rate: number): { value: number; slope: number } {
  let value = 0;
  let slope = 0;
  const logGrowth = Math.log1p(rate);
  for (const flow of flows) {
    const simple = 1 + flow.fraction * rate;
    const discounted = flow.amount / (simple * Math.exp(flow.full * logGrowth));
    value += discounted;
    slope -= discounted * (flow.fraction / simple + flow.full / (1 + rate));
  }
  return { value, slope };
}

/** i solving (b)(8): the advances' value minus the payments' value is zero. */
function solveUnitPeriodRate(
  advances: readonly TimedFlow[],
  payments: readonly TimedFlow[],
): Result<number, 'apr_not_found'> {
  const objective = (rate: number) => {
    const advanced = presentValue(advances, rate);
    const paid = presentValue(payments, rate);
    return { value: advanced.value - paid.value, slope: advanced.slope - paid.slope };
  };
  // Every factor (1 + f·i) must stay positive; f may reach 1 or a little more (31 days / 30).
  const largestFraction = Math.max(1, ...advances.map((f) => f.fraction), ...payments.map((f) => f.fraction));
  const lowest = -1 / largestFraction;
  const atZero = objective(0).value;
  if (atZero === 0) return ok(0);
  // Payments above the advances: the rate is positive, and the difference rises with it. Not so
  // when an advance comes after payments (a draw after a payment on the first day): the difference
  // may fall with the rate, and the root lie the other way, which is then searched too.
  const upward = atZero < 0;
  return (
    searchFromZero(objective, atZero, upward, lowest) ??
    searchFromZero(objective, atZero, !upward, lowest) ??
    err(
      'apr_not_found',
      `no rate from -100% to ${unitPeriodRateMax * 100}% per unit-period makes the payments worth the advances`,
    )
  );
}

/** The root nearest 0 on one side of it, or null when the difference keeps its sign on that side. */
function searchFromZero(
  objective: (rate: number) => { value: number; slope: number },
  atZero: number,
  upward: boolean,
  lowest: number,
): Result<number, 'apr_not_found'> | null {
  let inner = 0;
  for (let probe = 0; probe < probesMax; probe += 1) {
    const distance = firstProbe * 2 ** probe;
    const outer = upward ? Math.min(distance, unitPeriodRateMax) : Math.max(-distance, (inner + lowest) / 2);
    const value = objective(outer).value;
    if (Number.isFinite(value) && Math.sign(value) !== Math.sign(atZero)) {
      const solved = upward
        ? solveInBracket(objective, inner, outer)
        : solveInBracket(objective, outer, inner);
      if (!solved.ok) return err('apr_not_found', solved.detail);
      assert(Number.isFinite(solved.value) && solved.value > lowest, 'apr: the rate must lie in its domain');
      return ok(solved.value);
    }
    if (upward && outer >= unitPeriodRateMax) break;
    inner = outer;
  }
  return null;
}

/** Two decimals, half up, from the percent kept to ten digits. */
export function percentText(percent: number): string {
  assert(Number.isFinite(percent), 'percentText: a finite percent');
  const kept = parseDecimal(percent.toFixed(percentDigitsBeforeRounding));
  assert(kept.ok, 'percentText: toFixed writes a plain decimal');
  const shown = divideRounded(
    kept.value.coefficient,
    10n ** BigInt(percentDigitsBeforeRounding - percentDigitsShown),
    'half_up',
  );
  return formatDecimal({ coefficient: shown, scale: percentDigitsShown });
}
