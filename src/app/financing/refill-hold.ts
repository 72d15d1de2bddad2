/**
 * An advance held for its refill. From the refill's acceptance until its payout is confirmed (the
 * refill pays the advance off from the money lent) or voided, the advance's collections are paused,
 * so that what pays it off stays what the acceptance told the platform to net from the payout:
 * a payout swept meanwhile would repay it twice — once from the payout, once from the refill the
 * platform paid out net of the payoff it was told. A direct repayment of the advance, or its
 * collections resumed, would do the same, and both are refused while the refill awaits its payout.
 */
import type { FacilityRow, ReadTransaction } from '../ports.ts';
import { fromTaggedJson } from '../risk/tagged-json.ts';
import type { StoredFacility } from './serviced.ts';

/** The refill whose payout is awaited to pay this advance off, or null. */
export async function refillAwaited(
  tx: ReadTransaction,
  facility: Pick<FacilityRow, 'id' | 'merchantId' | 'product'>,
): Promise<string | null> {
  if (facility.product !== 'advance') return null;
  for (const row of await tx.financing.facilitiesForMerchant(facility.merchantId)) {
    if (row.status !== 'disbursing' || row.product !== 'advance') continue;
    const stored = fromTaggedJson<StoredFacility>(row.stateJson);
    if (stored.phase === 'disbursing' && stored.offer.refillOf?.facilityId === facility.id) return row.id;
  }
  return null;
}

/** The reason the pause gives: the merchant and the platform read it in the advance's history. */
export function refillHoldReason(refillId: string): string {
  return `being paid off by refill ${refillId}, whose payout is awaited`;
}
