/**
 * An advance's minimum payments, checked on any day: what has fallen due, what is overdue, how
 * many days past due, and whether the merchant is on pace.
 *
 * Periods run from the disbursement day: period k ends on day disbursed + k × periodDays. By the
 * end of period k the merchant must have repaid, in total, k minimum payments (never more than the
 * total repayable); on the maximum term's last day, everything. Repayments count first-in
 * first-out against what fell due earliest, so with R(t) what has fallen due by day t and C(t) what
 * has been repaid:
 *
 * - overdue = max(0, R(t) − C(t));
 * - the oldest unpaid due day is the first period end whose cumulative requirement exceeds C(t),
 *   and days past due count from it;
 * - **breach**: something is overdue; **near breach**: nothing overdue, but repayments in the
 *   current period are behind a share (default 80%) of the pro-rata minimum a payout cycle ago —
 *   the early warning platforms send before a payment is missed. The pace allows a week (half a
 *   period, if shorter) before it asks anything: most platforms pay out weekly, and a merchant
 *   whose next payout is days away is not behind (measured today, every merchant not paid out the
 *   day after its advance was warned on its first day).
 */
import { divideRounded } from '../../money/rounding.ts';
import { type AdvanceTerms, minimumPerPeriod, totalRepayable } from './advance.ts';

export interface Repayment {
  readonly day: number;
  readonly amountMinor: bigint;
}

export interface MinimumPaymentStatus {
  /** Repayable amount that has fallen due by the day. */
  readonly dueMinor: bigint;
  readonly repaidMinor: bigint;
  readonly overdueMinor: bigint;
  /** The day the oldest unpaid amount fell due, or null with nothing overdue. */
  readonly oldestDueDay: number | null;
  readonly daysPastDue: number;
  readonly breach: boolean;
  readonly nearBreach: boolean;
}

export const nearBreachShareBpsDefault = 8_000;
/** Days of a period the pace allows before it asks anything: a week of payouts (at most half the period). */
export const nearBreachLagDays = 7;

/** What must have been repaid by the end of `day` under the minimum payments and maximum term. */
export function requiredBy(terms: AdvanceTerms, disbursedDay: number, day: number): bigint {
  const total = totalRepayable(terms);
  if (terms.maxTermDays !== null && day >= disbursedDay + terms.maxTermDays) return total;
  const minimum = minimumPerPeriod(terms);
  if (minimum === null || terms.minimumPayment === null) return 0n;
  const periods = Math.floor((day - disbursedDay) / terms.minimumPayment.periodDays);
  const required = minimum * BigInt(Math.max(0, periods));
  return required < total ? required : total;
}

/** The first day on which what has fallen due exceeds `repaid`, or null if none has yet. */
function firstDayDueExceeds(
  terms: AdvanceTerms,
  disbursedDay: number,
  day: number,
  repaid: bigint,
): number | null {
  const period = terms.minimumPayment?.periodDays ?? null;
  const candidates: number[] = [];
  if (period !== null) for (let end = disbursedDay + period; end <= day; end += period) candidates.push(end);
  if (terms.maxTermDays !== null && disbursedDay + terms.maxTermDays <= day)
    candidates.push(disbursedDay + terms.maxTermDays);
  candidates.sort((a, b) => a - b);
  for (const end of candidates) if (requiredBy(terms, disbursedDay, end) > repaid) return end;
  return null;
}

export function minimumPaymentStatus(
  terms: AdvanceTerms,
  disbursedDay: number,
  day: number,
  repayments: readonly Repayment[],
  nearBreachShareBps = nearBreachShareBpsDefault,
): MinimumPaymentStatus {
  const repaid = repayments.filter((r) => r.day <= day).reduce((sum, r) => sum + r.amountMinor, 0n);
  const due = requiredBy(terms, disbursedDay, day);
  const overdue = due > repaid ? due - repaid : 0n;
  const oldestDueDay = overdue > 0n ? firstDayDueExceeds(terms, disbursedDay, day, repaid) : null;
  let nearBreach = false;
  const minimum = minimumPerPeriod(terms);
  if (overdue === 0n && minimum !== null && terms.minimumPayment !== null && repaid < totalRepayable(terms)) {
    const periodDays = terms.minimumPayment.periodDays;
    const lag = Math.min(nearBreachLagDays, Math.floor(periodDays / 2));
    const elapsed = Math.max(0, ((day - disbursedDay) % periodDays) - lag);
    const pace = divideRounded(
      minimum * BigInt(elapsed) * BigInt(nearBreachShareBps),
      BigInt(periodDays) * 10_000n,
      'down',
    );
    nearBreach = repaid < due + pace;
  }
  return {
    dueMinor: due,
    repaidMinor: repaid,
    overdueMinor: overdue,
    oldestDueDay,
    daysPastDue: oldestDueDay === null ? 0 : day - oldestDueDay,
    breach: overdue > 0n,
    nearBreach,
  };
}
