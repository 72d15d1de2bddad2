/**
 * A facility's running totals for reporting — money originated, collected, earned, written off and
 * recovered, and principal-days for the yield — kept beside its servicing state and moved by the
 * very postings that move the ledger, so the two cannot tell different stories: every financing
 * posting names what it is in its transfer code (src/domain/products/postings.ts), and the code
 * says which total it moves.
 */
import type { TransferInput } from '../ledger/types.ts';

export interface FacilityTally {
  readonly originatedMinor: bigint;
  /** Repayments received, every component, from sweeps and direct payments. */
  readonly collectedMinor: bigint;
  /** Fee income recognised (deferred fee earned, late fees), less fees reversed at write-off. */
  readonly feeIncomeMinor: bigint;
  /** Interest booked, less interest reversed at write-off. */
  readonly interestIncomeMinor: bigint;
  /** Principal booked as a credit loss, net of fees collected ahead of being earned. */
  readonly writtenOffPrincipalMinor: bigint;
  readonly recoveredMinor: bigint;
  /**
   * Σ over the days lent of the principal outstanding at the day's end: the payout's own day (an
   * advance's or a term loan's, counted at its payout; a line's draw day, by the daily cycle) and
   * every day served after it.
   */
  readonly principalDaysMinor: bigint;
}

export const emptyTally: FacilityTally = {
  originatedMinor: 0n,
  collectedMinor: 0n,
  feeIncomeMinor: 0n,
  interestIncomeMinor: 0n,
  writtenOffPrincipalMinor: 0n,
  recoveredMinor: 0n,
  principalDaysMinor: 0n,
};

type Moves = Partial<Record<keyof FacilityTally, 1n | -1n>>;

/** What each financing transfer code does to the totals; codes not listed move none. */
const movesByCode: Readonly<Record<string, Moves>> = {
  repayment_fees: { collectedMinor: 1n },
  repayment_interest: { collectedMinor: 1n },
  repayment_principal: { collectedMinor: 1n },
  fee_recognition: { feeIncomeMinor: 1n },
  late_fee: { feeIncomeMinor: 1n },
  write_off_fees: { feeIncomeMinor: -1n },
  interest_accrual: { interestIncomeMinor: 1n },
  write_off_interest: { interestIncomeMinor: -1n },
  write_off: { writtenOffPrincipalMinor: 1n },
  write_off_fee_collected_ahead: { writtenOffPrincipalMinor: -1n },
  recovery: { recoveredMinor: 1n },
};

/** The totals after `postings` (transfers without an amount, like a post of a pending one, move none). */
export function tallyPostings(tally: FacilityTally, postings: readonly TransferInput[]): FacilityTally {
  const next: Record<keyof FacilityTally, bigint> = { ...tally };
  for (const posting of postings) {
    const moves = posting.code === undefined ? undefined : movesByCode[posting.code];
    if (moves === undefined || posting.amount === undefined) continue;
    for (const [key, sign] of Object.entries(moves) as [keyof FacilityTally, bigint][])
      next[key] += sign * posting.amount;
  }
  return next;
}
