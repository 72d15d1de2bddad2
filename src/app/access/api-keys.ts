/**
 * API keys: issued by an operator for a role and the object it acts for, shown once, stored only as
 * a SHA-256 hash (the secret has 256 bits of entropy, so a slow password hash would add nothing),
 * revocable. The first operator key is created when an empty database first starts, or taken from
 * CAPSTAN_OPERATOR_KEY.
 */

import { assert } from '../../domain/assert.ts';
import type { Sha256Hex } from '../../domain/ledger/hash-chain.ts';
import { financierIdLengthMax, financierIdPattern } from '../../domain/products/postings.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { type Actor, cliActor, lockAuditedChanges, recordAudit } from '../audit/audit-log.ts';
import type { ApiKeyRecord, Clock, Entropy, ReadTransaction, Role, WriteTransaction } from '../ports.ts';

export const apiKeySecretBytes = 32;
/** A key supplied from outside (CAPSTAN_OPERATOR_KEY) must be at least this long. */
export const apiKeySecretLengthMin = 32;
export const apiKeySecretLengthMax = 128;
export const apiKeyNameLengthMax = 100;
const secretPrefixLength = 12;
const nanosecondsPerMillisecond = 1_000_000n;

const rolePrefix: Record<Role, string> = {
  operator: 'cap_op_',
  financier: 'cap_fin_',
  merchant: 'cap_mer_',
  platform: 'cap_plt_',
};

/** The kind of object each role acts for; operators act for the installation itself. */
export const boundObjectPrefix: Record<Role, string | null> = {
  operator: null,
  financier: 'fin_',
  merchant: 'mer_',
  platform: 'plt_',
};

export interface AccessContext {
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly sha256: Sha256Hex;
}

export interface IssuedKey {
  readonly key: ApiKeyRecord;
  /** Shown once, never stored. */
  readonly secret: string;
}

export type IssueKeyCode = 'object_id_required' | 'object_id_not_allowed' | 'object_id_invalid';

export interface IssueKeyInput {
  readonly role: Role;
  readonly objectId: string | null;
  readonly name: string;
}

const objectIdPattern = /^[a-z]{3}_[A-Za-z0-9_-]{1,60}$/;
const financierId = new RegExp(financierIdPattern);

export async function issueApiKey(
  tx: WriteTransaction,
  context: AccessContext,
  input: IssueKeyInput,
): Promise<Result<IssuedKey, IssueKeyCode>> {
  const expectedPrefix = boundObjectPrefix[input.role];
  if (expectedPrefix === null && input.objectId !== null) {
    return err('object_id_not_allowed', 'operator keys act for the installation, not for an object');
  }
  if (expectedPrefix !== null) {
    if (input.objectId === null)
      return err('object_id_required', `a ${input.role} key must name the ${input.role} it acts for`);
    if (!objectIdPattern.test(input.objectId) || !input.objectId.startsWith(expectedPrefix)) {
      return err('object_id_invalid', `a ${input.role} id looks like ${expectedPrefix}…`);
    }
    // A financier's pool accounts are named by its id: a longer one could never be funded.
    if (input.role === 'financier' && !financierId.test(input.objectId))
      return err(
        'object_id_invalid',
        `a financier id is fin_ and at most ${financierIdLengthMax - 4} more characters`,
      );
  }
  const secret = rolePrefix[input.role] + context.entropy.secret(apiKeySecretBytes);
  return ok(await storeKey(tx, context, input, secret));
}

async function storeKey(
  tx: WriteTransaction,
  context: AccessContext,
  input: IssueKeyInput,
  secret: string,
): Promise<IssuedKey> {
  const key = newKeyRecord(context, input, secret);
  await tx.apiKeys.insert(key, context.sha256(secret));
  return { key, secret };
}

function newKeyRecord(context: AccessContext, input: IssueKeyInput, secret: string): ApiKeyRecord {
  return {
    id: context.entropy.id('key'),
    role: input.role,
    objectId: input.objectId,
    name: input.name,
    secretPrefix: secret.slice(0, secretPrefixLength),
    createdAtMs: context.clock.nowNs() / nanosecondsPerMillisecond,
    revokedAtMs: null,
  };
}

export type RevokeKeyCode = 'api_key_not_found' | 'api_key_last_operator';

/** Revokes a key, in the audit log as `by`'s; a key revoked already is answered as it is. */
export async function revokeApiKey(
  tx: WriteTransaction,
  context: AccessContext,
  id: string,
  by: Actor,
): Promise<Result<ApiKeyRecord, RevokeKeyCode>> {
  // One revocation at a time: two of the last two operator keys at once each counted two active
  // and both went through on PostgreSQL, leaving none.
  await lockAuditedChanges(tx);
  const key = await tx.apiKeys.byId(id);
  if (key === undefined) return err('api_key_not_found', `no API key ${id}`);
  if (key.revokedAtMs !== null) return ok(key);
  // Revoking the last operator key would lock every operator out until someone edits the database.
  if (key.role === 'operator' && (await tx.apiKeys.countActive('operator')) <= 1n) {
    return err('api_key_last_operator', 'issue another operator key before revoking the last one');
  }
  const revokedAtMs = context.clock.nowNs() / nanosecondsPerMillisecond;
  await tx.apiKeys.revoke(id, revokedAtMs);
  await recordAudit(tx, by, 'api_key.revoked', id, {
    role: key.role,
    objectId: key.objectId,
    name: key.name,
  });
  return ok({ ...key, revokedAtMs });
}

/** The active key a presented secret belongs to, if any. */
export async function authenticate(
  tx: ReadTransaction,
  sha256: Sha256Hex,
  secret: string,
): Promise<ApiKeyRecord | undefined> {
  if (secret.length < apiKeySecretLengthMin || secret.length > apiKeySecretLengthMax) return undefined;
  const key = await tx.apiKeys.bySecretHash(sha256(secret));
  return key === undefined || key.revokedAtMs !== null ? undefined : key;
}

export type BootstrapOutcome =
  | { readonly kind: 'created'; readonly issued: IssuedKey }
  | { readonly kind: 'configured'; readonly key: ApiKeyRecord }
  | { readonly kind: 'existing' };

export type BootstrapCode = 'operator_key_too_short' | 'operator_key_too_long' | 'operator_key_revoked';

/**
 * Makes sure an operator can get in. With a configured secret (CAPSTAN_OPERATOR_KEY), that secret
 * is an operator key; otherwise, on a database with no operator key, one is created and its secret
 * returned to be printed once.
 */
export async function bootstrapOperatorKey(
  tx: WriteTransaction,
  context: AccessContext,
  configuredSecret: string | undefined,
): Promise<Result<BootstrapOutcome, BootstrapCode>> {
  if (configuredSecret !== undefined) {
    if (configuredSecret.length < apiKeySecretLengthMin) {
      return err(
        'operator_key_too_short',
        `CAPSTAN_OPERATOR_KEY must be at least ${apiKeySecretLengthMin} characters`,
      );
    }
    if (configuredSecret.length > apiKeySecretLengthMax) {
      return err(
        'operator_key_too_long',
        `CAPSTAN_OPERATOR_KEY must be at most ${apiKeySecretLengthMax} characters`,
      );
    }
    const secretHash = context.sha256(configuredSecret);
    const existing = await tx.apiKeys.bySecretHash(secretHash);
    if (existing === undefined) {
      // Servers started together on a fresh database (the replicas of one deployment) each
      // find no key and insert it: the first to commit registers it, the others take that one.
      const key = newKeyRecord(
        context,
        { role: 'operator', objectId: null, name: 'CAPSTAN_OPERATOR_KEY' },
        configuredSecret,
      );
      if (await tx.apiKeys.insertUnlessSecretKnown(key, secretHash)) {
        await auditIssued(tx, context, key);
        return ok({ kind: 'configured', key });
      }
    }
    const stored = existing ?? (await tx.apiKeys.bySecretHash(secretHash));
    assert(stored !== undefined, 'a key whose secret is known is stored');
    if (stored.revokedAtMs !== null)
      return err('operator_key_revoked', 'CAPSTAN_OPERATOR_KEY names a revoked key');
    return ok({ kind: 'configured', key: stored });
  }
  // Servers started together on an empty database each counted none and each made a key of its
  // own (two printed, on PostgreSQL): one counts at a time, the others find the first's key.
  await lockAuditedChanges(tx);
  if ((await tx.apiKeys.countActive('operator')) > 0n) return ok({ kind: 'existing' });
  const secret = rolePrefix.operator + context.entropy.secret(apiKeySecretBytes);
  const issued = await storeKey(tx, context, { role: 'operator', objectId: null, name: 'bootstrap' }, secret);
  await auditIssued(tx, context, issued.key);
  return ok({ kind: 'created', issued });
}

/** An operator key the command that starts Capstan (`serve`, `demo`) made, in the audit log. */
function auditIssued(tx: WriteTransaction, context: AccessContext, key: ApiKeyRecord): Promise<void> {
  return recordAudit(tx, cliActor(context), 'api_key.issued', key.id, {
    role: key.role,
    objectId: key.objectId,
    name: key.name,
  });
}
