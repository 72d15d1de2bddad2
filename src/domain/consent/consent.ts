/**
 * Purpose-bound, revocable consent: a merchant lets Capstan use named kinds of its data for one
 * purpose until an expiry. No consent, no scoring — and a decision uses only the data its consent
 * names (features from other sources are treated as missing).
 */
import { err, ok, type Result } from '../result.ts';

export const consentPurposes = ['credit_assessment'] as const;
export type ConsentPurpose = (typeof consentPurposes)[number];

/** The kinds of data a merchant can consent to, each feeding a group of features. */
export const dataSources = [
  'sales',
  'settlements',
  'fulfilment',
  'reviews',
  'inventory',
  'receivables',
  'sustainability',
] as const;
export type DataSource = (typeof dataSources)[number];

/** Scoring needs at least the merchant's sales. */
export const requiredDataSources: readonly DataSource[] = ['sales'];

export const consentDurationDaysMax = 3 * 366;
const millisecondsPerDay = 86_400_000n;

export interface Consent {
  readonly id: string;
  readonly merchantId: string;
  readonly purpose: ConsentPurpose;
  readonly dataSources: readonly DataSource[];
  readonly grantedAtMs: bigint;
  readonly expiresAtMs: bigint;
  readonly revokedAtMs: bigint | null;
}

export type GrantCode =
  | 'purpose_unknown'
  | 'data_sources_invalid'
  | 'expiry_not_in_future'
  | 'expiry_too_far';

export interface GrantInput {
  readonly purpose: string;
  readonly dataSources: readonly string[];
  readonly expiresAtMs: bigint;
}

export function validateGrant(
  input: GrantInput,
  nowMs: bigint,
): Result<{ purpose: ConsentPurpose; dataSources: DataSource[] }, GrantCode> {
  if (!(consentPurposes as readonly string[]).includes(input.purpose)) {
    return err('purpose_unknown', `purpose must be one of ${consentPurposes.join(', ')}`);
  }
  const unknown = input.dataSources.filter((source) => !(dataSources as readonly string[]).includes(source));
  if (input.dataSources.length === 0 || unknown.length > 0) {
    return err('data_sources_invalid', `data_sources must name some of ${dataSources.join(', ')}`);
  }
  if (input.expiresAtMs <= nowMs) return err('expiry_not_in_future', 'expires_at must be in the future');
  if (input.expiresAtMs > nowMs + BigInt(consentDurationDaysMax) * millisecondsPerDay) {
    return err('expiry_too_far', `consent lasts at most ${consentDurationDaysMax} days`);
  }
  return ok({
    purpose: input.purpose as ConsentPurpose,
    dataSources: [...new Set(input.dataSources as DataSource[])].sort(),
  });
}

export function isActive(consent: Consent, nowMs: bigint): boolean {
  return consent.revokedAtMs === null && consent.expiresAtMs > nowMs && consent.grantedAtMs <= nowMs;
}

/**
 * The consent a decision relies on: the active one for the purpose that covers the required data,
 * the most recently granted if several.
 */
export function consentFor(
  consents: readonly Consent[],
  purpose: ConsentPurpose,
  nowMs: bigint,
): Consent | null {
  let chosen: Consent | null = null;
  for (const consent of consents) {
    if (consent.purpose !== purpose || !isActive(consent, nowMs)) continue;
    if (!requiredDataSources.every((source) => consent.dataSources.includes(source))) continue;
    if (
      chosen === null ||
      consent.grantedAtMs > chosen.grantedAtMs ||
      (consent.grantedAtMs === chosen.grantedAtMs && consent.id > chosen.id)
    ) {
      chosen = consent;
    }
  }
  return chosen;
}
