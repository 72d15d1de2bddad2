/**
 * Term-loan schedules in exact bigint minor units: level payment (equal instalments) and equal
 * principal, both on the declining balance.
 *
 * The rate per period is an exact fraction (numerator / denominator, bigint), never a float, so
 * interest = balance × rate is one bigint product divided once with a named rounding mode, and the
 * level payment is Excel's PMT computed exactly as a fraction and rounded once:
 *
 *   PMT = P·r / (1 − (1+r)^−n); with r = a/b, PMT = P·a·(a+b)^n / (b·((a+b)^n − b^n)).
 *
 * Level payment: every payment but the last is that rounded PMT; each period's interest is the
 * balance × rate rounded with `interestRounding`; principal = payment − interest; the last payment
 * is whatever clears the balance exactly (balance + its interest), so rounding never leaves a cent
 * owing or overpaid. Should a rounded-up payment clear the balance early, that row pays only what is
 * owed and the rows after it are zero.
 *
 * Equal principal: the principal is split into `periods` parts that sum exactly to it, each
 * principal / periods rounded down with the leftover minor units one each to the earliest periods
 * (what money.ts `allocate` does with equal ratios); interest is on the declining balance.
 *
 * Checks, in order: principal_not_positive, periods_out_of_range, rate_negative, amount_out_of_range.
 */
import { assert } from '../assert.ts';
import type { Decimal } from '../money/decimal.ts';
import { isAmountMinorInRange } from '../money/money.ts';
import { divideRounded, type RoundingMode } from '../money/rounding.ts';
import { err, ok, type Result } from '../result.ts';

/** A rate per period, exactly: numerator / denominator (0.01 is { 1n, 100n }). */
export type PeriodicRate = { readonly numerator: bigint; readonly denominator: bigint };

export type ScheduleRow = {
  /** 1-based. */
  readonly period: number;
  readonly paymentMinor: bigint;
  readonly interestMinor: bigint;
  readonly principalMinor: bigint;
  /** The balance after this period's payment. */
  readonly balanceMinor: bigint;
};

export type ScheduleResultCode =
  | 'principal_not_positive'
  | 'periods_out_of_range'
  | 'rate_negative'
  | 'amount_out_of_range';

/** 100 years of monthly payments, or 1,200 of any other period. */
export const schedulePeriodsMax = 1_200;

export function periodicRate(numerator: bigint, denominator: bigint): PeriodicRate {
  assert(denominator > 0n, 'periodicRate: the denominator must be positive');
  return { numerator, denominator };
}

/** 0.01 → 1/100, exactly. */
export function periodicRateFromDecimal(rate: Decimal): PeriodicRate {
  return periodicRate(rate.coefficient, 10n ** BigInt(rate.scale));
}

/** An annual nominal rate in basis points over so many periods a year: 1200 bps monthly is 1/100. */
export function periodicRateFromAnnualBasisPoints(
  annualBasisPoints: bigint,
  periodsPerYear: bigint,
): PeriodicRate {
  assert(periodsPerYear > 0n, 'periodicRateFromAnnualBasisPoints: periodsPerYear must be positive');
  return periodicRate(annualBasisPoints, 10_000n * periodsPerYear);
}

/** balance × rate, rounded once with the named mode. */
export function interestFor(balanceMinor: bigint, rate: PeriodicRate, mode: RoundingMode): bigint {
  return divideRounded(balanceMinor * rate.numerator, rate.denominator, mode);
}

function checkTerms(
  principalMinor: bigint,
  periods: number,
  rate: PeriodicRate,
): Result<null, ScheduleResultCode> {
  assert(rate.denominator > 0n, 'a periodic rate has a positive denominator');
  if (principalMinor <= 0n) return err('principal_not_positive');
  if (!isAmountMinorInRange(principalMinor)) return err('amount_out_of_range', 'principal');
  if (!Number.isSafeInteger(periods) || periods < 1 || periods > schedulePeriodsMax)
    return err('periods_out_of_range', `periods must be a whole number within 1..${schedulePeriodsMax}`);
  if (rate.numerator < 0n) return err('rate_negative');
  return ok(null);
}

/** Excel's PMT for a loan of `principalMinor` (as a positive amount), exact, rounded once. */
export function levelPaymentAmount(
  principalMinor: bigint,
  periods: number,
  rate: PeriodicRate,
  mode: RoundingMode,
): Result<bigint, ScheduleResultCode> {
  const checked = checkTerms(principalMinor, periods, rate);
  if (!checked.ok) return checked;
  const n = BigInt(periods);
  if (rate.numerator === 0n) return inRange(divideRounded(principalMinor, n, mode));
  const grown = (rate.numerator + rate.denominator) ** n;
  const base = rate.denominator ** n;
  return inRange(
    divideRounded(principalMinor * rate.numerator * grown, rate.denominator * (grown - base), mode),
  );
}

function inRange(amountMinor: bigint): Result<bigint, ScheduleResultCode> {
  return isAmountMinorInRange(amountMinor) ? ok(amountMinor) : err('amount_out_of_range');
}

export interface LevelPaymentTerms {
  readonly principalMinor: bigint;
  readonly periods: number;
  readonly rate: PeriodicRate;
  /** How PMT becomes whole minor units. */
  readonly paymentRounding: RoundingMode;
  /** How each period's balance × rate becomes whole minor units. */
  readonly interestRounding: RoundingMode;
}

export function levelPaymentSchedule(
  terms: LevelPaymentTerms,
): Result<readonly ScheduleRow[], ScheduleResultCode> {
  const payment = levelPaymentAmount(terms.principalMinor, terms.periods, terms.rate, terms.paymentRounding);
  if (!payment.ok) return payment;
  return buildRows(
    terms.principalMinor,
    terms.periods,
    terms.rate,
    terms.interestRounding,
    (balance, interest, isLast) =>
      isLast || payment.value > balance + interest ? balance + interest : payment.value,
  );
}

export interface EqualPrincipalTerms {
  readonly principalMinor: bigint;
  readonly periods: number;
  readonly rate: PeriodicRate;
  readonly interestRounding: RoundingMode;
}

/** The principal split into `periods` parts that sum exactly to it, leftovers to the earliest. */
export function equalPrincipalParts(principalMinor: bigint, periods: number): readonly bigint[] {
  assert(
    principalMinor >= 0n && Number.isSafeInteger(periods) && periods >= 1,
    'equalPrincipalParts: arguments',
  );
  const n = BigInt(periods);
  const part = principalMinor / n;
  const leftover = Number(principalMinor % n);
  return Array.from({ length: periods }, (_, index) => (index < leftover ? part + 1n : part));
}

export function equalPrincipalSchedule(
  terms: EqualPrincipalTerms,
): Result<readonly ScheduleRow[], ScheduleResultCode> {
  const checked = checkTerms(terms.principalMinor, terms.periods, terms.rate);
  if (!checked.ok) return checked;
  const parts = equalPrincipalParts(terms.principalMinor, terms.periods);
  let period = 0;
  return buildRows(
    terms.principalMinor,
    terms.periods,
    terms.rate,
    terms.interestRounding,
    (_balance, interest) => {
      period += 1;
      return parts[period - 1]! + interest;
    },
  );
}

/**
 * Walks the periods: interest on the opening balance, the payment the product decides, principal as
 * the difference. Asserts the physics: the balance never goes negative, ends at zero, and the
 * principal parts sum to the principal.
 */
function buildRows(
  principalMinor: bigint,
  periods: number,
  rate: PeriodicRate,
  interestRounding: RoundingMode,
  paymentFor: (balanceMinor: bigint, interestMinor: bigint, isLast: boolean) => bigint,
): Result<readonly ScheduleRow[], ScheduleResultCode> {
  const rows: ScheduleRow[] = [];
  let balance = principalMinor;
  let principalTotal = 0n;
  for (let period = 1; period <= periods; period += 1) {
    const interest = interestFor(balance, rate, interestRounding);
    const payment = paymentFor(balance, interest, period === periods);
    if (!isAmountMinorInRange(interest) || !isAmountMinorInRange(payment)) return err('amount_out_of_range');
    const principal = payment - interest;
    balance -= principal;
    principalTotal += principal;
    assert(balance >= 0n, `amortization: the balance went negative in period ${period}`);
    rows.push({
      period,
      paymentMinor: payment,
      interestMinor: interest,
      principalMinor: principal,
      balanceMinor: balance,
    });
  }
  assert(balance === 0n, 'amortization: the last payment must clear the balance');
  assert(principalTotal === principalMinor, 'amortization: principal parts must sum to the principal');
  return ok(rows);
}
