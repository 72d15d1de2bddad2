/**
 * Refill offers on a revenue-based advance: once a merchant in good standing has repaid most of an
 * advance (by default 75% of what it repays in total, amount plus fee), a new advance may be
 * offered whose amount first pays the old one off; the merchant receives the rest.
 *
 * Progress is measured against the original total repayable only: the share repaid is
 * (total repayable − what is left of it) ÷ total repayable, rounded down to the basis point (so
 * rounding never makes a merchant eligible). Late fees are not the advance: paying them is never
 * progress, and one still owed does not hold progress back. A delinquent or
 * defaulted advance, or one whose collections are paused — or set to be paused on a later day: a
 * refill's acceptance pauses them itself until its payout (refill-hold.ts) — is not refilled.
 */
import { assert } from '../assert.ts';
import { divideRounded } from '../money/rounding.ts';
import { err, ok, type Result } from '../result.ts';
import { totalRepayable } from './advance/advance.ts';
import { type AdvanceFacility, advanceLeft, outstanding } from './advance/servicing.ts';
import { collectionsPausedOnOrAfter } from './collections-pause.ts';
import { servicedStates } from './lifecycle.ts';

export const refillRepaidShareBpsDefault = 7_500;

export type RefillIneligibility =
  | 'facility_not_active'
  | 'collections_paused'
  | 'repaid_share_below_threshold';

export interface RefillEligibility {
  readonly eligible: boolean;
  /** Share of the total repayable (amount + fee) repaid so far, basis points, rounded down. */
  readonly repaidShareBps: number;
  /** `eligible`, or the first rule broken, checked in the order of RefillIneligibility. */
  readonly reason: 'eligible' | RefillIneligibility;
}

/** The share of the advance's total repayable (amount + fee) repaid, in basis points, rounded down. */
export function repaidShareBps(facility: AdvanceFacility): number {
  const total = totalRepayable(facility.terms);
  assert(total > 0n, 'repaidShareBps: an advance repays something');
  // Late fees still owed are not the advance: they neither count as progress nor hold it back.
  const left = advanceLeft(facility);
  const repaid = left >= total ? 0n : total - left;
  return Number(divideRounded(repaid * 10_000n, total, 'down'));
}

/** Whether the advance may be refilled on `day`; `thresholdBps` of the total repayable must be repaid. */
export function refillEligibility(
  facility: AdvanceFacility,
  day: number,
  thresholdBps: number = refillRepaidShareBpsDefault,
): RefillEligibility {
  assert(
    Number.isInteger(thresholdBps) && thresholdBps >= 1 && thresholdBps <= 10_000,
    'refillEligibility: thresholdBps is a whole number from 1 to 10000',
  );
  const share = repaidShareBps(facility);
  const answer = (reason: RefillEligibility['reason']) => ({
    eligible: reason === 'eligible',
    repaidShareBps: share,
    reason,
  });
  if (facility.status !== 'active') return answer('facility_not_active');
  if (collectionsPausedOnOrAfter(facility, day)) return answer('collections_paused');
  if (share < thresholdBps) return answer('repaid_share_below_threshold');
  return answer('eligible');
}

export type RefillProblem = 'facility_not_serviced' | 'refill_amount_too_small';

/**
 * What a refill's payoff is made of, as its disclosure itemises it: what the previous advance still
 * owes of its principal, of its own fee and of late fees (together the payoff), and of its fee, the
 * part not yet earned.
 */
export interface RefillPayoffParts {
  readonly principalMinor: bigint;
  /** The previous advance's own fee, not yet repaid: the new advance's fee is charged on it too. */
  readonly feeMinor: bigint;
  readonly lateFeesMinor: bigint;
  /**
   * Of the previous advance's fee, the part not yet earned (its deferred fee, by its effective
   * rate): the fee is fixed, so paying off now still owes it all — this is what the merchant pays
   * for the time the previous advance will no longer run. Repaid or not.
   */
  readonly unearnedFeeMinor: bigint;
}

export interface RefillAmount {
  /** What pays the previous advance off: everything it still owes, fees and principal. */
  readonly payoffMinor: bigint;
  readonly payoff: RefillPayoffParts;
  /** What the merchant receives: the new advance less the payoff. */
  readonly netToMerchantMinor: bigint;
}

/**
 * How a new advance of `newLimitMinor` (its amount, in the previous advance's currency) is split:
 * the previous advance paid off first — its fee is fixed, so paying off early owes all of it — and
 * the rest to the merchant. Refused, in this order: `facility_not_serviced` when nothing is owed to pay off;
 * `refill_amount_too_small` unless the new amount exceeds the payoff.
 */
export function refillAmount(
  previousFacility: AdvanceFacility,
  newLimitMinor: bigint,
): Result<RefillAmount, RefillProblem> {
  if (!servicedStates.has(previousFacility.status))
    return err('facility_not_serviced', `an advance ${previousFacility.status} is not refilled`);
  const payoffMinor = outstanding(previousFacility);
  if (newLimitMinor <= payoffMinor)
    return err(
      'refill_amount_too_small',
      `a new advance of ${newLimitMinor} does not exceed the payoff of ${payoffMinor}`,
    );
  const netToMerchantMinor = newLimitMinor - payoffMinor;
  assert(payoffMinor + netToMerchantMinor === newLimitMinor, 'refillAmount: the parts make the whole');
  const payoff: RefillPayoffParts = {
    principalMinor: previousFacility.owed.principal,
    feeMinor: previousFacility.owed.fees - previousFacility.lateFeesOwedMinor,
    lateFeesMinor: previousFacility.lateFeesOwedMinor,
    unearnedFeeMinor: previousFacility.deferredFeeMinor,
  };
  return ok({ payoffMinor, payoff, netToMerchantMinor });
}
