/** A merchant's features as of a date (default: today, from the clock). */
import { computeFeatures, type MerchantFeatures } from '../../domain/features/features.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { dayNumberOfInstant } from '../../domain/time/instant.ts';
import type { Clock, ReadTransaction } from '../ports.ts';

export async function merchantFeatures(
  tx: ReadTransaction,
  clock: Clock,
  merchantId: string,
  asOfDay: number | null,
): Promise<Result<MerchantFeatures, 'merchant_not_found'>> {
  const day = asOfDay ?? dayNumberOfInstant(clock.nowNs());
  const inputs = await tx.features.loadInputs(merchantId, day);
  if (inputs.daily.length === 0 && inputs.profiles.length === 0 && inputs.firstActivityDay === null) {
    return err('merchant_not_found', `no events for merchant ${merchantId} on or before that date`);
  }
  return ok(computeFeatures(inputs));
}
