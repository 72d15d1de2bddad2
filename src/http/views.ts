/**
 * The JSON shapes the API answers: snake_case fields, amounts and ledger timestamps as integer
 * strings, instants as RFC 3339 text.
 */

import type { Entry } from '../app/ledger/ledger-reads.ts';
import type { ApiKeyRecord, StoredCheckpoint } from '../app/ports.ts';
import { type CheckpointTree, checkpointId, checkpointNumber } from '../domain/ledger/checkpoint.ts';
import {
  type Account,
  accountFlagNames,
  type Balances,
  hasFlag,
  type Transfer,
  TransferFlag,
  transferFlagNames,
} from '../domain/ledger/types.ts';
import { formatCalendarDate, fromDayNumber } from '../domain/time/calendar-date.ts';

const nanosecondsPerMillisecond = 1_000_000n;

export function isoFromNs(timestampNs: bigint): string {
  return new Date(Number(timestampNs / nanosecondsPerMillisecond)).toISOString();
}

export function isoFromMs(timestampMs: bigint): string {
  return new Date(Number(timestampMs)).toISOString();
}

function flagNames(flags: number, table: Record<string, number>): string[] {
  return Object.entries(table)
    .filter(([, bit]) => hasFlag(flags, bit))
    .map(([name]) => name);
}

function balancesView(balances: Balances) {
  return {
    debits_pending: balances.debitsPending.toString(),
    debits_posted: balances.debitsPosted.toString(),
    credits_pending: balances.creditsPending.toString(),
    credits_posted: balances.creditsPosted.toString(),
  };
}

export function accountView(account: Account, balances: Balances = account, asOfNs: bigint | null = null) {
  return {
    object: 'ledger_account',
    id: account.id,
    ledger: account.ledger,
    currency: account.currency,
    code: account.code,
    flags: flagNames(account.flags, accountFlagNames),
    metadata: account.metadata === null ? null : (JSON.parse(account.metadata) as Record<string, string>),
    ...balancesView(balances),
    ...(asOfNs === null ? {} : { as_of: isoFromNs(asOfNs), as_of_timestamp: asOfNs.toString() }),
    created_at: isoFromNs(account.timestamp),
    timestamp: account.timestamp.toString(),
  };
}

export function transferView(transfer: Transfer) {
  const flags = flagNames(transfer.flags, transferFlagNames);
  if (hasFlag(transfer.flags, TransferFlag.expiry)) flags.push('expiry');
  return {
    object: 'ledger_transfer',
    id: transfer.id,
    debit_account_id: transfer.debitAccountId,
    credit_account_id: transfer.creditAccountId,
    amount: transfer.amount.toString(),
    currency: transfer.currency,
    ledger: transfer.ledger,
    code: transfer.code,
    flags,
    pending_id: transfer.pendingId,
    timeout_seconds: transfer.timeoutSeconds,
    expires_at: transfer.expiresAt === null ? null : isoFromNs(transfer.expiresAt),
    metadata: transfer.metadata === null ? null : (JSON.parse(transfer.metadata) as Record<string, string>),
    created_at: isoFromNs(transfer.timestamp),
    timestamp: transfer.timestamp.toString(),
  };
}

export function entryView(entry: Entry) {
  return {
    object: 'ledger_entry',
    id: entry.transfer.id,
    side: entry.side,
    balances_after: balancesView(entry.balancesAfter),
    transfer: transferView(entry.transfer),
  };
}

export function apiKeyView(key: ApiKeyRecord) {
  return {
    object: 'api_key',
    id: key.id,
    role: key.role,
    object_id: key.objectId,
    name: key.name,
    secret_prefix: key.secretPrefix,
    created_at: isoFromMs(key.createdAtMs),
    revoked_at: key.revokedAtMs === null ? null : isoFromMs(key.revokedAtMs),
  };
}

function checkpointTreeView(tree: CheckpointTree) {
  return {
    count: checkpointNumber(tree.count),
    first_sequence: tree.firstSequence === null ? null : checkpointNumber(tree.firstSequence),
    last_sequence: tree.lastSequence === null ? null : checkpointNumber(tree.lastSequence),
    root: tree.root,
    chain_hash: tree.chainHash,
  };
}

/** A day's checkpoint: every field its hash covers (domain/ledger/checkpoint.ts), as the hash covers it. */
export function checkpointView(checkpoint: StoredCheckpoint) {
  return {
    object: 'ledger_checkpoint',
    id: checkpointId(checkpoint.day),
    day: formatCalendarDate(fromDayNumber(checkpoint.day)),
    transfers: checkpointTreeView(checkpoint.transfers),
    decisions: checkpointTreeView(checkpoint.decisions),
    previous_hash: checkpoint.previousHash,
    hash: checkpoint.hash,
    created_at: isoFromMs(checkpoint.createdAtMs),
  };
}
