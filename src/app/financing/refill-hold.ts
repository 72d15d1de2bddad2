/**
 * An advance held for its refill. From the refill's acceptance until its payout is confirmed (the
 * refill pays the advance off from the money lent) or voided, the advance's collections are paused,
 * so that what pays it off stays what the acceptance told the platform to net from the payout:
 * a payout swept meanwhile would repay it twice — once from the payout, once from the refill the
 * platform paid out net of the payoff it was told. A direct repayment of the advance, or its
 * collections resumed, would do the same, and both are refused while the refill awaits its payout.
 * So is a payout dated before the acceptance and swept after it (one sent late, past midnight):
 * the pause does not cover its day, so the sweep leaves the advance out by its hold.
 */
import type { FacilityRow, ReadTransaction } from '../ports.ts';
import { fromTaggedJson } from '../risk/tagged-json.ts';
import type { StoredFacility } from './serviced.ts';

/**
 * The advances among a merchant's facilities (`rows`) held for a refill, each with the refill whose
 * payout is awaited to pay it off. A refill accepted before holds were kept (no payoff held) holds
 * nothing: its advance was not paused, and its payout pays off whatever it owes then.
 */
export function advancesHeld(rows: readonly FacilityRow[]): Map<string, string> {
  const held = new Map<string, string>();
  for (const row of rows) {
    if (row.status !== 'disbursing' || row.product !== 'advance') continue;
    const stored = fromTaggedJson<StoredFacility>(row.stateJson);
    if (stored.phase !== 'disbursing' || stored.refillPayoffMinor === undefined) continue;
    const advanceId = stored.offer.refillOf?.facilityId;
    if (advanceId !== undefined) held.set(advanceId, row.id);
  }
  return held;
}

/** The refill whose payout is awaited to pay this advance off, or null. */
export async function refillAwaited(
  tx: ReadTransaction,
  facility: Pick<FacilityRow, 'id' | 'merchantId' | 'product'>,
): Promise<string | null> {
  if (facility.product !== 'advance') return null;
  const held = advancesHeld(await tx.financing.facilitiesForMerchant(facility.merchantId));
  return held.get(facility.id) ?? null;
}

/** The reason the pause gives: the merchant and the platform read it in the advance's history. */
export function refillHoldReason(refillId: string): string {
  return `being paid off by refill ${refillId}, whose payout is awaited`;
}
