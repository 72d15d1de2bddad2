/** Consent use cases: grant, revoke, list. A merchant manages its own; operators may read and revoke. */
import { type Consent, validateGrant } from '../../domain/consent/consent.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import type { Clock, Entropy, ReadTransaction, WriteTransaction } from '../ports.ts';

const nanosecondsPerMillisecond = 1_000_000n;

export interface ConsentContext {
  readonly clock: Clock;
  readonly entropy: Entropy;
}

export async function grantConsent(
  tx: WriteTransaction,
  context: ConsentContext,
  merchantId: string,
  input: { purpose: string; dataSources: readonly string[]; expiresAtMs: bigint },
): Promise<Result<Consent, string>> {
  const nowMs = context.clock.nowNs() / nanosecondsPerMillisecond;
  const valid = validateGrant(input, nowMs);
  if (!valid.ok) return valid;
  const consent: Consent = {
    id: context.entropy.id('cns'),
    merchantId,
    purpose: valid.value.purpose,
    dataSources: valid.value.dataSources,
    grantedAtMs: nowMs,
    expiresAtMs: input.expiresAtMs,
    revokedAtMs: null,
  };
  await tx.risk.insertConsent(consent);
  return ok(consent);
}

export async function revokeConsent(
  tx: WriteTransaction,
  context: ConsentContext,
  merchantId: string,
  consentId: string,
): Promise<Result<Consent, 'consent_not_found'>> {
  const consent = await tx.risk.consent(consentId);
  if (consent === undefined || consent.merchantId !== merchantId)
    return err('consent_not_found', `no consent ${consentId} for ${merchantId}`);
  if (consent.revokedAtMs !== null) return ok(consent);
  const atMs = context.clock.nowNs() / nanosecondsPerMillisecond;
  await tx.risk.revokeConsent(consentId, atMs);
  return ok({ ...consent, revokedAtMs: atMs });
}

export function listConsents(tx: ReadTransaction, merchantId: string): Promise<Consent[]> {
  return tx.risk.consents(merchantId);
}
