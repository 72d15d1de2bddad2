/**
 * Mapping between stored rows and the domain's types, shared by both backends. Reading back asserts
 * what writing promised: integer columns arrive as bigint, balances are never negative.
 */

import {
  type ChainHead,
  type DecisionChainHead,
  type SealedAccount,
  type SequencedTransfer,
  UnreadableChainHead,
  UnreadableLedgerRow,
} from '../app/ports.ts';
import { assert } from '../domain/assert.ts';
import type { Account, Balances, ChainedTransfer } from '../domain/ledger/types.ts';
import type { LedgerBuckets } from './ledger-buckets.ts';
import type { LedgerAccountsTable, LedgerTransfersTable } from './schema.ts';

/** pg answers SUM and COUNT as text or number; SQLite as bigint. One place turns them into bigint. */
export function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    assert(Number.isSafeInteger(value), `expected an integer from the database, got ${value}`);
    return BigInt(value);
  }
  if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) return BigInt(value);
  throw new Error(`expected an integer from the database, got ${String(value)}`);
}

export function toSafeNumber(value: unknown): number {
  const big = toBigInt(value);
  assert(
    big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER),
    'integer out of range',
  );
  return Number(big);
}

export function accountFromRow(row: LedgerAccountsTable): Account {
  const account = accountFromRowUnchecked(row);
  assertBalances(account, `account ${row.id}`);
  return account;
}

/**
 * The row as stored, with no assertion on its totals: verify reads accounts this way, because a
 * total tampered below zero is what it is there to report (account_totals_mismatch), not to fail on.
 */
function accountFromRowUnchecked(row: LedgerAccountsTable): Account {
  return {
    id: row.id,
    ledger: row.ledger,
    currency: row.currency,
    code: row.code,
    flags: toSafeNumber(row.flags),
    metadata: row.metadata,
    timestamp: toBigInt(row.timestamp),
    debitsPending: toBigInt(row.debits_pending),
    debitsPosted: toBigInt(row.debits_posted),
    creditsPending: toBigInt(row.credits_pending),
    creditsPosted: toBigInt(row.credits_posted),
  };
}

/** For verify: a row it cannot read is reported by its id, not a crash without one. */
export function sealedAccountFromRow(row: LedgerAccountsTable): SealedAccount {
  return readingRow('ledger_accounts', row.id, () => ({
    account: accountFromRowUnchecked(row),
    seal: row.seal,
  }));
}

function readingRow<T>(table: 'ledger_accounts' | 'ledger_transfers', id: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new UnreadableLedgerRow(table, id, error instanceof Error ? error.message : String(error));
  }
}

/** A head row's columns as any driver answers them: checked as they are read. */
type HeadRow = Readonly<Record<string, unknown>> | undefined;

function readingHead<T>(
  table: 'ledger_chain' | 'decision_chain',
  row: HeadRow,
  read: (row: Readonly<Record<string, unknown>>) => T,
): T {
  if (row === undefined)
    throw new UnreadableChainHead(
      table,
      'its one row is missing: the database is not migrated, or the row was deleted',
    );
  try {
    return read(row);
  } catch (error) {
    throw new UnreadableChainHead(table, error instanceof Error ? error.message : String(error));
  }
}

function hashText(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected the last hash as text, got ${String(value)}`);
  return value;
}

/** The ledger's chain head from the one row of `ledger_chain` (undefined: none). */
export function ledgerHeadFromRow(row: HeadRow): ChainHead {
  return readingHead('ledger_chain', row, (r) => ({
    lastHash: hashText(r['last_hash']),
    transferCount: toBigInt(r['transfer_count']),
    accountCount: toBigInt(r['account_count']),
    lastTimestamp: toBigInt(r['last_timestamp']),
  }));
}

/** The decision log's chain head from the one row of `decision_chain` (undefined: none). */
export function decisionHeadFromRow(row: HeadRow): DecisionChainHead {
  return readingHead('decision_chain', row, (r) => ({
    lastHash: hashText(r['last_hash']),
    count: toBigInt(r['decision_count']),
  }));
}

export function accountToRow(sealed: SealedAccount): LedgerAccountsTable {
  const { account, seal } = sealed;
  return {
    timestamp: account.timestamp,
    id: account.id,
    ledger: account.ledger,
    currency: account.currency,
    code: account.code,
    flags: BigInt(account.flags),
    metadata: account.metadata,
    debits_pending: account.debitsPending,
    debits_posted: account.debitsPosted,
    credits_pending: account.creditsPending,
    credits_posted: account.creditsPosted,
    seal,
  };
}

export function transferFromRow(row: LedgerTransfersTable): ChainedTransfer {
  return {
    id: row.id,
    debitAccountId: row.debit_account_id,
    creditAccountId: row.credit_account_id,
    amount: toBigInt(row.amount),
    currency: row.currency,
    ledger: row.ledger,
    code: row.code,
    flags: toSafeNumber(row.flags),
    pendingId: row.pending_id,
    timeoutSeconds: toSafeNumber(row.timeout_seconds),
    expiresAt: row.expires_at === null ? null : toBigInt(row.expires_at),
    metadata: row.metadata,
    timestamp: toBigInt(row.timestamp),
    debitAccountAfter: {
      debitsPending: toBigInt(row.debit_debits_pending),
      debitsPosted: toBigInt(row.debit_debits_posted),
      creditsPending: toBigInt(row.debit_credits_pending),
      creditsPosted: toBigInt(row.debit_credits_posted),
    },
    creditAccountAfter: {
      debitsPending: toBigInt(row.credit_debits_pending),
      debitsPosted: toBigInt(row.credit_debits_posted),
      creditsPending: toBigInt(row.credit_credits_pending),
      creditsPosted: toBigInt(row.credit_credits_posted),
    },
    hash: row.hash,
  };
}

/** For verify: as sealedAccountFromRow, a row it cannot read is reported by its id. */
export function sequencedTransferFromRow(row: LedgerTransfersTable): SequencedTransfer {
  return readingRow('ledger_transfers', row.id, () => ({
    ...transferFromRow(row),
    sequence: toBigInt(row.sequence),
  }));
}

/** Column order of ledger_transfers as the hot paths insert it; transferValues() follows it. */
export const transferColumns = [
  'sequence',
  'bucket',
  'timestamp',
  'id',
  'debit_account_id',
  'credit_account_id',
  'amount',
  'currency',
  'ledger',
  'code',
  'flags',
  'pending_id',
  'timeout_seconds',
  'expires_at',
  'metadata',
  'debit_debits_pending',
  'debit_debits_posted',
  'debit_credits_pending',
  'debit_credits_posted',
  'credit_debits_pending',
  'credit_debits_posted',
  'credit_credits_pending',
  'credit_credits_posted',
  'hash',
] as const satisfies readonly (keyof LedgerTransfersTable)[];

export type TransferValue = bigint | string | null;

export function transferValues(
  transfer: ChainedTransfer,
  sequence: bigint,
  buckets: LedgerBuckets,
): TransferValue[] {
  const debit = transfer.debitAccountAfter;
  const credit = transfer.creditAccountAfter;
  return [
    sequence,
    buckets.of(sequence),
    transfer.timestamp,
    transfer.id,
    transfer.debitAccountId,
    transfer.creditAccountId,
    transfer.amount,
    transfer.currency,
    transfer.ledger,
    transfer.code,
    BigInt(transfer.flags),
    transfer.pendingId,
    BigInt(transfer.timeoutSeconds),
    transfer.expiresAt,
    transfer.metadata,
    debit.debitsPending,
    debit.debitsPosted,
    debit.creditsPending,
    debit.creditsPosted,
    credit.debitsPending,
    credit.debitsPosted,
    credit.creditsPending,
    credit.creditsPosted,
    transfer.hash,
  ];
}

function assertBalances(balances: Balances, what: string): void {
  assert(
    balances.debitsPending >= 0n &&
      balances.debitsPosted >= 0n &&
      balances.creditsPending >= 0n &&
      balances.creditsPosted >= 0n,
    `${what}: stored totals must not be negative`,
  );
}
