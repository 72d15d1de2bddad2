/**
 * The ledger's write path on PostgreSQL: set-based statements that take whole arrays (`= any($1)`,
 * `unnest(...)`), so a batch of thousands of transfers costs a handful of round trips. Writers are
 * serialised by the row lock on the chain head (`for update`), which every ledger write takes first:
 * one lock, one order, no deadlocks, and every balance read after it is the latest committed one
 * (READ COMMITTED takes a fresh snapshot per statement).
 */
import { CompiledQuery, type Kysely, sql } from 'kysely';
import type { ChainHead, LedgerRepository, SealedAccount, StoredCheckpoint } from '../../app/ports.ts';
import type { Account, ChainedTransfer, Transfer } from '../../domain/ledger/types.ts';
import type { AccountCache } from '../account-cache.ts';
import { insertCheckpointRow } from '../kysely-checkpoints.ts';
import { KyselyLedgerReader } from '../kysely-ledger-reader.ts';
import type { LedgerBuckets } from '../ledger-buckets.ts';
import {
  accountFromRow,
  accountToRow,
  ledgerHeadFromRow,
  type TransferValue,
  toBigInt,
  transferColumns,
  transferFromRow,
  transferValues,
} from '../rows.ts';
import type { Database, LedgerAccountsTable, LedgerTransfersTable } from '../schema.ts';
import { int8ArrayLiteral, textArrayLiteral } from './array-literal.ts';

/** The PostgreSQL array type of each ledger_transfers column, for unnest(). */
const transferColumnTypes: Record<(typeof transferColumns)[number], 'text' | 'int8'> = {
  sequence: 'int8',
  bucket: 'int8',
  timestamp: 'int8',
  id: 'text',
  debit_account_id: 'text',
  credit_account_id: 'text',
  amount: 'int8',
  currency: 'text',
  ledger: 'text',
  code: 'text',
  flags: 'int8',
  pending_id: 'text',
  timeout_seconds: 'int8',
  expires_at: 'int8',
  metadata: 'text',
  debit_debits_pending: 'int8',
  debit_debits_posted: 'int8',
  debit_credits_pending: 'int8',
  debit_credits_posted: 'int8',
  credit_debits_pending: 'int8',
  credit_debits_posted: 'int8',
  credit_credits_pending: 'int8',
  credit_credits_posted: 'int8',
  hash: 'text',
};

const insertTransfersSql = `insert into ledger_transfers (${transferColumns.join(', ')})
  select * from unnest(${transferColumns.map((column, index) => `$${index + 1}::${transferColumnTypes[column]}[]`).join(', ')})`;

export class PostgresLedger extends KyselyLedgerReader implements LedgerRepository {
  /** One instance per transaction: true once lockHead found the shared cache current. */
  private cacheUsable = false;

  constructor(
    db: Kysely<Database>,
    private readonly cache: AccountCache,
    buckets: LedgerBuckets,
  ) {
    super(db, buckets);
  }

  async lockHead(): Promise<ChainHead> {
    const result = await sql<Record<string, unknown>>`
      select last_hash, transfer_count, account_count, last_timestamp from ledger_chain where id = 1 for update`.execute(
      this.db,
    );
    const head = ledgerHeadFromRow(result.rows[0]);
    this.cache.validate(head);
    this.cacheUsable = true;
    return head;
  }

  async setHead(head: ChainHead): Promise<void> {
    await this.db
      .updateTable('ledger_chain')
      .set({
        last_hash: head.lastHash,
        transfer_count: head.transferCount,
        account_count: head.accountCount,
        last_timestamp: head.lastTimestamp,
      })
      .where('id', '=', 1n)
      .execute();
    this.cache.wrote(head);
  }

  async transfersByIds(ids: readonly string[]): Promise<Map<string, Transfer>> {
    const found = new Map<string, Transfer>();
    if (ids.length === 0) return found;
    const result = await sql<LedgerTransfersTable>`
      select * from ledger_transfers where id = any(${textArrayLiteral(ids)}::text[])`.execute(this.db);
    for (const row of result.rows) found.set(row.id, transferFromRow(row));
    return found;
  }

  async resolutionsOf(pendingIds: readonly string[]): Promise<Map<string, Transfer>> {
    const found = new Map<string, Transfer>();
    if (pendingIds.length === 0) return found;
    const result = await sql<LedgerTransfersTable>`
      select * from ledger_transfers where pending_id = any(${textArrayLiteral(pendingIds)}::text[])`.execute(
      this.db,
    );
    for (const row of result.rows) found.set(row.pending_id as string, transferFromRow(row));
    return found;
  }

  override async accountsByIds(ids: readonly string[]): Promise<Map<string, Account>> {
    const found = new Map<string, Account>();
    const missing: string[] = [];
    for (const id of ids) {
      const cached = this.cacheUsable ? this.cache.get(id) : undefined;
      if (cached === undefined) missing.push(id);
      else found.set(id, cached);
    }
    if (missing.length === 0) return found;
    // any($1) rather than `in (…)`: one parameter however many ids, and one plan.
    const result = await sql<LedgerAccountsTable>`
      select * from ledger_accounts where id = any(${textArrayLiteral(missing)}::text[])`.execute(this.db);
    for (const row of result.rows) {
      const account = accountFromRow(row);
      found.set(row.id, account);
      if (this.cacheUsable) this.cache.put(account);
    }
    return found;
  }

  /** unnest, not a multi-row VALUES: a full batch would pass PostgreSQL's 65,535-parameter limit. */
  async insertAccounts(accounts: readonly SealedAccount[]): Promise<void> {
    if (accounts.length === 0) return;
    const rows = accounts.map(accountToRow);
    const text = (key: 'id' | 'ledger' | 'currency' | 'code' | 'metadata' | 'seal') =>
      textArrayLiteral(rows.map((row) => row[key]));
    const int8 = (
      key: 'timestamp' | 'flags' | 'debits_pending' | 'debits_posted' | 'credits_pending' | 'credits_posted',
    ) => int8ArrayLiteral(rows.map((row) => row[key]));
    await sql`insert into ledger_accounts (timestamp, id, ledger, currency, code, flags, metadata,
        debits_pending, debits_posted, credits_pending, credits_posted, seal)
      select * from unnest(${int8('timestamp')}::int8[], ${text('id')}::text[], ${text('ledger')}::text[],
        ${text('currency')}::text[], ${text('code')}::text[], ${int8('flags')}::int8[], ${text('metadata')}::text[],
        ${int8('debits_pending')}::int8[], ${int8('debits_posted')}::int8[], ${int8('credits_pending')}::int8[],
        ${int8('credits_posted')}::int8[], ${text('seal')}::text[])`.execute(this.db);
    if (this.cacheUsable) for (const sealed of accounts) this.cache.put(sealed.account);
  }

  async appendTransfers(
    transfers: readonly ChainedTransfer[],
    accounts: readonly Account[],
    firstSequence: bigint,
  ): Promise<void> {
    if (transfers.length > 0) {
      const rows = transfers.map((transfer, index) =>
        transferValues(transfer, firstSequence + BigInt(index), this.buckets),
      );
      const parameters = transferColumns.map((column, index) => {
        const values = rows.map((row) => row[index] as TransferValue);
        return transferColumnTypes[column] === 'text'
          ? textArrayLiteral(values as (string | null)[])
          : int8ArrayLiteral(values as (bigint | null)[]);
      });
      await this.executeRaw(insertTransfersSql, parameters);
      const expiring = transfers.filter((transfer) => transfer.expiresAt !== null);
      if (expiring.length > 0) {
        await sql`insert into ledger_pending_expiries (pending_id, expires_at)
          select * from unnest(${textArrayLiteral(expiring.map((t) => t.id))}::text[],
            ${int8ArrayLiteral(expiring.map((t) => t.expiresAt))}::int8[])`.execute(this.db);
      }
      const resolved = transfers.flatMap((transfer) =>
        transfer.pendingId === null ? [] : [transfer.pendingId],
      );
      if (resolved.length > 0) {
        await sql`delete from ledger_pending_expiries where pending_id = any(${textArrayLiteral(resolved)}::text[])`.execute(
          this.db,
        );
      }
    }
    if (accounts.length > 0) {
      const result = await sql`
        update ledger_accounts as a set
          debits_pending = u.debits_pending, debits_posted = u.debits_posted,
          credits_pending = u.credits_pending, credits_posted = u.credits_posted
        from unnest(
          ${textArrayLiteral(accounts.map((a) => a.id))}::text[],
          ${int8ArrayLiteral(accounts.map((a) => a.debitsPending))}::int8[],
          ${int8ArrayLiteral(accounts.map((a) => a.debitsPosted))}::int8[],
          ${int8ArrayLiteral(accounts.map((a) => a.creditsPending))}::int8[],
          ${int8ArrayLiteral(accounts.map((a) => a.creditsPosted))}::int8[]
        ) as u(id, debits_pending, debits_posted, credits_pending, credits_posted)
        where a.id = u.id`.execute(this.db);
      if (toBigInt(result.numAffectedRows ?? 0n) !== BigInt(accounts.length)) {
        throw new Error('a ledger account vanished during a write');
      }
      if (this.cacheUsable) for (const account of accounts) this.cache.put(account);
    }
  }

  private async executeRaw(text: string, parameters: readonly unknown[]): Promise<void> {
    await this.db.executeQuery(CompiledQuery.raw(text, [...parameters]));
  }

  async insertCheckpoint(checkpoint: StoredCheckpoint): Promise<void> {
    await insertCheckpointRow(this.db, checkpoint);
  }
}
