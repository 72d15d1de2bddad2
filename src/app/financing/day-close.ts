/**
 * When a day is closed: an hour after it ends (midnight UTC). Money dated a day may still arrive
 * just after it — a settlement sent at 23:59 and read at 00:02 — and counts for that day, so the
 * daily cycle judges a day (its minimums checked, days past due counted, a late fee charged) only
 * once its cut-off has passed: the worker's, and `capstan eod` without a date; and money in (a
 * payout, a repayment) serves first only the closed days before it (serviced.ts `caughtUpBefore`),
 * never judging a day still open. `capstan eod --date D` may close an ended day sooner, on an
 * operator's word that its money is in.
 */
import { dayNumberOfInstant } from '../../domain/time/instant.ts';

export const dayCloseCutoffSeconds = 3_600;

/** The last day whose cut-off has passed at `nowNs` (a day number); with no cut-off, the last ended. */
export function lastClosedDay(nowNs: bigint, cutoffSeconds: number = dayCloseCutoffSeconds): number {
  return dayNumberOfInstant(nowNs - BigInt(cutoffSeconds) * 1_000_000_000n) - 1;
}
