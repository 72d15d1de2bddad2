/**
 * The revolving credit line (MYbank style): a limit, draws against it, interest every day on the
 * drawn balance, repayment by sweep or direct payment — fees, then interest, then principal — and
 * repaid principal available to draw again.
 *
 * Daily interest is exact over any run of days: each day adds principal × rate to a numerator over
 * 10,000 × the day-count basis (365 for ACT/365F, 360 for ACT/360), whole minor units are accrued
 * and the fraction is carried to the next day. So n days at an unchanged balance accrue exactly
 * ⌊principal × rate × n / basis⌋, never a cent more or less than one computation for the period.
 */
import { minBigint } from '../../money/bigint-min.ts';
import { err, ok, type Result } from '../../result.ts';
import type { Amounts, Component } from '../waterfall.ts';
import { defaultComponentOrder } from '../waterfall.ts';

export type CreditLineDayCount = 'act_365f' | 'act_360';

export interface CreditLineTerms {
  readonly limitMinor: bigint;
  readonly currency: string;
  readonly annualRateBps: number;
  readonly dayCount: CreditLineDayCount;
}

export interface CreditLineBalance {
  readonly principalMinor: bigint;
  readonly interestMinor: bigint;
  readonly feesMinor: bigint;
  /** Interest not yet a whole minor unit, as a numerator over `accrualDenominator(terms)`. */
  readonly accrualCarry: bigint;
}

export const emptyBalance: CreditLineBalance = {
  principalMinor: 0n,
  interestMinor: 0n,
  feesMinor: 0n,
  accrualCarry: 0n,
};

export type CreditLineProblem = 'credit_line_terms_invalid' | 'credit_line_limit_exceeded' | 'amount_invalid';

export function checkCreditLineTerms(terms: CreditLineTerms): Result<CreditLineTerms, CreditLineProblem> {
  const problems: string[] = [];
  if (terms.limitMinor <= 0n) problems.push('limitMinor must be positive');
  if (!Number.isInteger(terms.annualRateBps) || terms.annualRateBps < 0 || terms.annualRateBps > 10_000)
    problems.push('annualRateBps must be a whole number from 0 to 10000');
  if (terms.dayCount !== 'act_365f' && terms.dayCount !== 'act_360')
    problems.push('dayCount must be act_365f or act_360');
  return problems.length === 0 ? ok(terms) : err('credit_line_terms_invalid', problems.join('; '));
}

export function accrualDenominator(terms: CreditLineTerms): bigint {
  return 10_000n * (terms.dayCount === 'act_360' ? 360n : 365n);
}

/** What may still be drawn: the limit less the principal drawn and not repaid. */
export function available(terms: CreditLineTerms, balance: CreditLineBalance): bigint {
  const room = terms.limitMinor - balance.principalMinor;
  return room > 0n ? room : 0n;
}

export function draw(
  terms: CreditLineTerms,
  balance: CreditLineBalance,
  amountMinor: bigint,
): Result<CreditLineBalance, CreditLineProblem> {
  if (amountMinor <= 0n) return err('amount_invalid', 'a draw must be positive');
  const room = available(terms, balance);
  if (amountMinor > room)
    return err('credit_line_limit_exceeded', `a draw of ${amountMinor} exceeds the ${room} available`);
  return ok({ ...balance, principalMinor: balance.principalMinor + amountMinor });
}

/** One day's interest on the drawn principal; the fraction of a minor unit carries over. */
export function accrueDay(
  terms: CreditLineTerms,
  balance: CreditLineBalance,
): { readonly balance: CreditLineBalance; readonly interestMinor: bigint } {
  const denominator = accrualDenominator(terms);
  const total = balance.accrualCarry + balance.principalMinor * BigInt(terms.annualRateBps);
  const interestMinor = total / denominator;
  return {
    balance: {
      ...balance,
      interestMinor: balance.interestMinor + interestMinor,
      accrualCarry: total % denominator,
    },
    interestMinor,
  };
}

export interface Repayment {
  readonly balance: CreditLineBalance;
  readonly applied: Amounts;
  /** What was paid beyond everything owed: to be returned, never kept. */
  readonly unappliedMinor: bigint;
}

/**
 * A payment applied in the given order (fees → interest → principal by default). A payment that
 * leaves nothing owed also drops the carried fraction of a minor unit: interest is charged in whole
 * minor units, rounded down, and a line paid off owes nothing — the fraction would otherwise be
 * charged on the next draw, for days the line was paid off.
 */
export function repay(
  balance: CreditLineBalance,
  amountMinor: bigint,
  order: readonly Component[] = defaultComponentOrder,
): Result<Repayment, CreditLineProblem> {
  if (amountMinor <= 0n) return err('amount_invalid', 'a repayment must be positive');
  const owed: Record<Component, bigint> = {
    fees: balance.feesMinor,
    interest: balance.interestMinor,
    principal: balance.principalMinor,
  };
  const applied: Record<Component, bigint> = { fees: 0n, interest: 0n, principal: 0n };
  let left = amountMinor;
  for (const component of order) {
    const part = minBigint(owed[component], left);
    applied[component] = part;
    owed[component] -= part;
    left -= part;
  }
  const paidOff = owed.fees === 0n && owed.interest === 0n && owed.principal === 0n;
  return ok({
    balance: {
      ...balance,
      feesMinor: owed.fees,
      interestMinor: owed.interest,
      principalMinor: owed.principal,
      accrualCarry: paidOff ? 0n : balance.accrualCarry,
    },
    applied,
    unappliedMinor: left,
  });
}

/** Everything owed now (the carried fraction of a minor unit is not owed until it is whole). */
export function owedMinor(balance: CreditLineBalance): bigint {
  return balance.principalMinor + balance.interestMinor + balance.feesMinor;
}
