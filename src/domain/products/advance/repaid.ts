/**
 * What an advance has repaid, kept in constant space: the total by the end of the last day the
 * advance was taken through, and each later day's repayments on their own (normally none or
 * today's). The minimum-payment checks ask what was repaid by a day and the fee recognition what
 * was repaid on it, and both only ever ask about days from the last one taken through onwards —
 * so the full list of every repayment, which grew with every payout and was read and rewritten
 * with it, is not needed.
 *
 * A repayment dated on or before the last day taken through (a settlement that arrived late) is
 * added to the total: the days already ended are not looked at again.
 */
import type { Repayment } from './minimum-payments.ts';

export interface RepaidSoFar {
  /** The last day the advance was taken through (its end of day); before the first, the day before disbursement. */
  readonly throughDay: number;
  /** Repaid in total on days up to and including `throughDay`, and late repayments dated before it. */
  readonly minor: bigint;
  /** Repaid on each day after `throughDay`, one entry a day, in day order. */
  readonly after: readonly Repayment[];
}

/** Nothing repaid yet, for an advance disbursed on `disbursedDay`. */
export function nothingRepaid(disbursedDay: number): RepaidSoFar {
  return { throughDay: disbursedDay - 1, minor: 0n, after: [] };
}

/** Repaid by the end of `day` (for a day before `throughDay`: by the end of `throughDay`). */
export function repaidBy(repaid: RepaidSoFar, day: number): bigint {
  let sum = repaid.minor;
  for (const r of repaid.after) if (r.day <= day) sum += r.amountMinor;
  return sum;
}

/** Repaid on `day`, a day after `throughDay` (on or before it: nothing is told apart, so 0). */
export function repaidOn(repaid: RepaidSoFar, day: number): bigint {
  return repaid.after.find((r) => r.day === day)?.amountMinor ?? 0n;
}

/** A repayment of `amountMinor` on `day` recorded. */
export function withRepayment(repaid: RepaidSoFar, day: number, amountMinor: bigint): RepaidSoFar {
  if (amountMinor === 0n) return repaid;
  if (day <= repaid.throughDay) return { ...repaid, minor: repaid.minor + amountMinor };
  const after = repaid.after.filter((r) => r.day !== day);
  after.push({ day, amountMinor: amountMinor + repaidOn(repaid, day) });
  after.sort((a, b) => a.day - b.day);
  return { ...repaid, after };
}

/** `day` ended: its repayments, and any before it, go into the total. */
export function repaidThrough(repaid: RepaidSoFar, day: number): RepaidSoFar {
  if (day <= repaid.throughDay) return repaid;
  let minor = repaid.minor;
  const after: Repayment[] = [];
  for (const r of repaid.after) {
    if (r.day <= day) minor += r.amountMinor;
    else after.push(r);
  }
  return { throughDay: day, minor, after };
}

/**
 * An advance stored before repayments were kept this way carried every repayment in a list; read
 * back, it is summed through the last day the daily cycle took the facility through.
 */
export function repaidFromList(list: readonly Repayment[], throughDay: number): RepaidSoFar {
  let repaid: RepaidSoFar = { throughDay, minor: 0n, after: [] };
  for (const r of list) repaid = withRepayment(repaid, r.day, r.amountMinor);
  return repaid;
}
