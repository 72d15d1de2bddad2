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

/** The newest active consent for the purpose that names every one of `sources`, or null. */
function newestCovering(
  consents: readonly Consent[],
  purpose: ConsentPurpose,
  sources: readonly DataSource[],
  nowMs: bigint,
): Consent | null {
  let chosen: Consent | null = null;
  for (const consent of consents) {
    if (consent.purpose !== purpose || !isActive(consent, nowMs)) continue;
    if (!sources.every((source) => consent.dataSources.includes(source))) continue;
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

/**
 * The consent a decision relies on: the active one for the purpose that covers the required data,
 * the most recently granted if several.
 */
export function consentFor(
  consents: readonly Consent[],
  purpose: ConsentPurpose,
  nowMs: bigint,
): Consent | null {
  return newestCovering(consents, purpose, requiredDataSources, nowMs);
}

export type OfferConsentCode = 'consent_missing' | 'consent_lapsed';

/**
 * The consent a decision's offers rest on now: the one the decision relied on (`reliedOnId`) while
 * it is active; else the newest active one of its purpose naming every data source it named — the
 * merchant still lets Capstan use all the data the offers were worked out from. None at all is
 * `consent_missing`; only narrower ones (a `sustainability` the green discount was priced from, say,
 * no longer among them) `consent_lapsed`. A decision that names no consent (or one not found)
 * needs only an active consent.
 */
export function consentForOffers(
  consents: readonly Consent[],
  reliedOnId: string | null,
  nowMs: bigint,
): Result<Consent, OfferConsentCode> {
  const current = consentFor(consents, 'credit_assessment', nowMs);
  if (current === null) return err('consent_missing', 'the merchant has no active consent to rely on');
  const reliedOn = consents.find((consent) => consent.id === reliedOnId);
  if (reliedOn === undefined || isActive(reliedOn, nowMs)) return ok(reliedOn ?? current);
  const covering = newestCovering(consents, reliedOn.purpose, reliedOn.dataSources, nowMs);
  if (covering !== null) return ok(covering);
  return err(
    'consent_lapsed',
    `the offers were worked out from the merchant's ${reliedOn.dataSources.join(', ')} under consent ${reliedOn.id}, since ${reliedOn.revokedAtMs === null ? 'expired' : 'revoked'}, and no active consent names all of them: a new decision works from what the merchant lets Capstan use now`,
  );
}
