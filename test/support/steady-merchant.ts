/**
 * A merchant for decision tests, built as the feature store would load it: onboarded (KYB verified,
 * USD) `tenureDays` before the as-of day and selling the same every day since, with any other daily
 * counters given; and a `credit_assessment` consent for it.
 */
import type { Consent, DataSource } from '../../src/domain/consent/consent.ts';
import type { FeatureInputs } from '../../src/domain/features/features.ts';
import { type DailyCounters, emptyCounters } from '../../src/domain/features/projection.ts';

export interface SteadyMerchant {
  readonly merchantId: string;
  readonly asOfDay: number;
  readonly tenureDays: number;
  /** Added to every day from the day after onboarding to the as-of day. */
  readonly daily: Partial<DailyCounters>;
  /** USD unless given. */
  readonly currency?: string;
}

export function steadyMerchantInputs(merchant: SteadyMerchant): FeatureInputs {
  const { merchantId, asOfDay, tenureDays } = merchant;
  const currency = merchant.currency ?? 'USD';
  const onboardedDay = asOfDay - tenureDays;
  return {
    merchantId,
    asOfDay,
    daily: Array.from({ length: tenureDays }, (_, i) => ({
      merchantId,
      day: onboardedDay + 1 + i,
      currency,
      counters: { ...emptyCounters(), ...merchant.daily },
    })),
    firstActivityDay: onboardedDay + 1,
    lastSaleDay: asOfDay,
    profiles: [
      {
        kind: 'profile',
        merchantId,
        eventKey: 'test onboarded',
        timeNs: BigInt(onboardedDay) * 86_400_000_000_000n,
        day: onboardedDay,
        legalName: 'Steady Shop',
        country: 'US',
        currency,
        category: 'toys',
        kybStatus: 'verified',
      },
    ],
    buyers: [],
    invoices: [],
    purchaseOrders: [],
    receipts: [],
    inventory: [],
    attestations: [],
  };
}

/** Consent to a credit assessment on `sales` (and any other sources), valid for a year from the as-of day. */
export function creditConsent(
  merchantId: string,
  asOfDay: number,
  dataSources: readonly DataSource[] = ['sales'],
): Consent {
  return {
    id: `cns_${merchantId}`,
    merchantId,
    purpose: 'credit_assessment',
    dataSources: [...dataSources],
    grantedAtMs: BigInt(asOfDay) * 86_400_000n,
    expiresAtMs: BigInt(asOfDay + 365) * 86_400_000n,
    revokedAtMs: null,
  };
}
