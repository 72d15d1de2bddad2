/**
 * Consent use cases: grant, revoke, list. A merchant manages its own; operators may read and revoke,
 * and record grants given through the platform (`capstan consent grant`). A consent keeps when it
 * was given and revoked; who gave or revoked it — the merchant's key, an operator's, a command — is
 * in the audit log, under the merchant.
 */
import { type Consent, validateGrant } from '../../domain/consent/consent.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { type Actor, lockAuditedChanges, recordAudit } from '../audit/audit-log.ts';
import { withdrawOffersWithoutConsent } from '../financing/origination.ts';
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

/** A consent granted, in the audit log as `by`'s: grantConsent's caller records it (a grant always changes). */
export function recordConsentGranted(tx: WriteTransaction, by: Actor, consent: Consent): Promise<void> {
  return recordAudit(tx, by, 'merchant.consent_granted', consent.merchantId, {
    consentId: consent.id,
    purpose: consent.purpose,
    dataSources: consent.dataSources,
    expiresAt: new Date(Number(consent.expiresAtMs)).toISOString(),
  });
}

/**
 * Revokes a consent: no decision relies on it from now on, and the merchant's open offers worked
 * out under it (with no other active consent naming the same data) are withdrawn in the same
 * transaction, `consent_revoked` — the merchant is not shown offers computed from data it withdrew.
 * Revoking it again changes nothing. In the audit log as `by`'s.
 */
export async function revokeConsent(
  tx: WriteTransaction,
  context: ConsentContext,
  merchantId: string,
  consentId: string,
  by: Actor,
): Promise<Result<Consent, 'consent_not_found'>> {
  // Two revocations at once (a DELETE retried while the first runs) each found it in force.
  await lockAuditedChanges(tx);
  const consent = await tx.risk.consent(consentId);
  if (consent === undefined || consent.merchantId !== merchantId)
    return err('consent_not_found', `no consent ${consentId} for ${merchantId}`);
  if (consent.revokedAtMs !== null) return ok(consent);
  const atMs = context.clock.nowNs() / nanosecondsPerMillisecond;
  await tx.risk.revokeConsent(consentId, atMs);
  await recordAudit(tx, by, 'merchant.consent_revoked', merchantId, {
    consentId,
    purpose: consent.purpose,
  });
  await withdrawOffersWithoutConsent(tx, context, merchantId);
  return ok({ ...consent, revokedAtMs: atMs });
}

export function listConsents(tx: ReadTransaction, merchantId: string): Promise<Consent[]> {
  return tx.risk.consents(merchantId);
}
