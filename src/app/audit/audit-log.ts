/**
 * The audit log (DESIGN.md: every state change is in an audit log). Money, facilities, offers,
 * decisions and deliveries keep histories of their own; this is for what a key (or a command)
 * changes by its holder's word, which those histories do not say who made — settings, API keys,
 * merchant flags and consents, the champion model, webhook endpoints, the quarantine, a pool's
 * funding, a facility's collections paused or resumed and its payouts confirmed or voided — each
 * written in the transaction that makes the change: when, by which key, and what it changed. Only
 * a change is recorded: a request that changes nothing (a key revoked again, the settings in force
 * sent again) or is refused leaves no entry. What arrives as data (events, settlements, repayments)
 * and what the engine does by itself (the daily cycle) are not in it.
 */
import type { Clock, WriteTransaction } from '../ports.ts';
import { toTaggedJson } from '../risk/tagged-json.ts';

export const auditActions = [
  'settings.changed',
  'api_key.issued',
  'api_key.revoked',
  'merchant.flagged',
  'merchant.flag_cleared',
  'model.promoted',
  'model.retired',
  'webhook_endpoint.created',
  'webhook_endpoint.updated',
  'webhook_endpoint.disabled',
  'webhook_endpoint.secret_rotated',
  'webhook_endpoint.replayed',
  'merchant.consent_granted',
  'merchant.consent_revoked',
  'quarantine_entry.replayed',
  'quarantine_entry.discarded',
  'funding_pool.funded',
  'facility.collections_paused',
  'facility.collections_resumed',
  'facility.disbursement_confirmed',
  'facility.disbursement_voided',
  'facility.draw_confirmed',
  'facility.draw_voided',
] as const;

export type AuditAction = (typeof auditActions)[number];

/** Who made a change, and when: an API key's id (`key_…`), or `cli` for a command run without one. */
export interface Actor {
  readonly actor: string;
  readonly atMs: bigint;
}

/** A command run from the shell: no key, the store's own clock. */
export function cliActor(context: { readonly clock: Clock }): Actor {
  return { actor: 'cli', atMs: context.clock.nowNs() / 1_000_000n };
}

/**
 * Makes the operator changes that judge what they change by what they find run one at a time: on
 * PostgreSQL two at once (a DELETE sent again while the first runs, two operators) each found the
 * key unrevoked, the flag set, the endpoint enabled, the consent in force, the quarantined record
 * open, and each recorded the one change. Taken before that is read; it is the settings' lock (the
 * row a settings change bumps); SQLite writes one at a time.
 */
export async function lockAuditedChanges(tx: WriteTransaction): Promise<void> {
  await tx.risk.lockSettings();
}

/** Records a change of the subject named by the action's first part (`api_key.revoked`: an API key). */
export async function recordAudit(
  tx: WriteTransaction,
  by: Actor,
  action: AuditAction,
  subjectId: string,
  detail: Readonly<Record<string, unknown>>,
): Promise<void> {
  await tx.risk.appendAudit({
    atMs: by.atMs,
    actor: by.actor,
    action,
    subjectType: action.slice(0, action.indexOf('.')),
    subjectId,
    detailJson: toTaggedJson(detail),
  });
}
