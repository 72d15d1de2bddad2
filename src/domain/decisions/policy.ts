/**
 * The knock-outs a decision checks before any model, in this order; the first that applies
 * declines with its code. Each names the rule in plain words for the merchant.
 */
import type { MerchantFeatures } from '../features/features.ts';
import type { DecisionSettings } from './settings.ts';

export const knockOutCodes = [
  'consent_missing',
  'kyb_not_verified',
  'tenure_below_minimum',
  'insufficient_sales_history',
  'fraud_flag',
  'facility_in_arrears',
  'leverage_cap_reached',
] as const;

export type KnockOutCode = (typeof knockOutCodes)[number];

export interface Reason {
  readonly code: string;
  /** For the merchant: plain words about its business or the rule. */
  readonly description: string;
  readonly source: 'policy' | 'model' | 'limit';
  /** For an analyst, on model reasons: the feature's value, its band and what it cost. */
  readonly detail?: string;
}

/** A facility of the merchant's it is behind on: past due, defaulted, or written off. */
export interface FacilityInArrears {
  readonly facilityId: string;
  readonly status: 'delinquent' | 'defaulted' | 'written_off';
}

export interface PolicyInputs {
  readonly hasConsent: boolean;
  readonly features: MerchantFeatures;
  readonly fraudFlagged: boolean;
  /** The merchant's facilities it is behind on: none is lent more while any is. */
  readonly arrears: readonly FacilityInArrears[];
  /** Room left under the leverage cap, minor units per day; zero or less means none. */
  readonly debtServiceRoomDailyMinor: bigint;
  /** What the merchant's facilities already take per day: no room without any is too few sales. */
  readonly existingDebtServiceDailyMinor: bigint;
}

export function knockOut(inputs: PolicyInputs, settings: DecisionSettings): Reason | null {
  const f = inputs.features;
  if (!inputs.hasConsent) {
    return {
      code: 'consent_missing',
      description: 'The merchant has not given active consent to use its sales data for a credit assessment.',
      source: 'policy',
    };
  }
  if (f.profile?.kybStatus !== 'verified') {
    return {
      code: 'kyb_not_verified',
      description: "The merchant's business identity (KYB) is not verified.",
      source: 'policy',
    };
  }
  if (f.tenureDays === null || f.tenureDays < settings.minTenureDays) {
    return {
      code: 'tenure_below_minimum',
      description: `The merchant has sold on the platform for fewer than ${settings.minTenureDays} days.`,
      source: 'policy',
    };
  }
  if (f.orders90d < settings.minOrders90d || f.gmv90d <= 0n) {
    return {
      code: 'insufficient_sales_history',
      description: `Fewer than ${settings.minOrders90d} orders in the last 90 days.`,
      source: 'policy',
    };
  }
  if (inputs.fraudFlagged) {
    return {
      code: 'fraud_flag',
      description: 'The merchant is flagged for suspected fraud.',
      source: 'policy',
    };
  }
  const behind = inputs.arrears[0];
  if (behind !== undefined) {
    const how = { delinquent: 'is past due', defaulted: 'has defaulted', written_off: 'was written off' };
    return {
      code: 'facility_in_arrears',
      description: `The merchant is behind on financing it already has: facility ${behind.facilityId} ${how[behind.status]}.`,
      source: 'policy',
    };
  }
  if (inputs.debtServiceRoomDailyMinor <= 0n && inputs.existingDebtServiceDailyMinor <= 0n) {
    return {
      code: 'insufficient_sales_history',
      description: 'The forecast of recent sales is too low to repay any financing.',
      source: 'policy',
    };
  }
  if (inputs.debtServiceRoomDailyMinor <= 0n) {
    return {
      code: 'leverage_cap_reached',
      description: "The merchant's existing repayments already take the most of its forecast sales we allow.",
      source: 'policy',
    };
  }
  return null;
}

/**
 * Whether the merchant's own data lets it through the knock-outs, consent, fraud flags and other
 * facilities aside: the population a model is asked about. A model learns from this population
 * only, since it will never score a merchant outside it.
 */
export function passesDataKnockOuts(features: MerchantFeatures, settings: DecisionSettings): boolean {
  return (
    knockOut(
      {
        hasConsent: true,
        features,
        fraudFlagged: false,
        arrears: [],
        debtServiceRoomDailyMinor: 1n,
        existingDebtServiceDailyMinor: 0n,
      },
      settings,
    ) === null
  );
}
