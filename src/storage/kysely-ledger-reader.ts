/**
 * The ledger's read side, in portable SQL through Kysely: both backends run exactly this code. The
 * write side (src/storage/{sqlite,postgres}/…-ledger.ts) is per backend because it is the hot path.
 */
import { type Kysely, sql } from 'kysely';
import type {
  AccountFilter,
  ChainHead,
  LedgerReader,
  Page,
  SealedAccount,
  TrialBalanceRow,
} from '../app/ports.ts';
import type { Account, Balances, ChainedTransfer, Transfer } from '../domain/ledger/types.ts';
import { accountFromRow, sealedAccountFromRow, toBigInt, transferFromRow } from './rows.ts';
import type { Database } from './schema.ts';

export class KyselyLedgerReader implements LedgerReader {
  constructor(protected readonly db: Kysely<Database>) {}

  async head(): Promise<ChainHead> {
    const row = await this.db
      .selectFrom('ledger_chain')
      .selectAll()
      .where('id', '=', 1n)
      .executeTakeFirstOrThrow();
    return {
      lastHash: row.last_hash,
      transferCount: toBigInt(row.transfer_count),
      lastTimestamp: toBigInt(row.last_timestamp),
    };
  }

  async accountsByIds(ids: readonly string[]): Promise<Map<string, Account>> {
    const found = new Map<string, Account>();
    if (ids.length === 0) return found;
    const rows = await this.db
      .selectFrom('ledger_accounts')
      .selectAll()
      .where('id', 'in', [...ids])
      .execute();
    for (const row of rows) found.set(row.id, accountFromRow(row));
    return found;
  }

  async listAccounts(filter: AccountFilter, page: Page): Promise<Account[]> {
    let query = this.db.selectFrom('ledger_accounts').selectAll();
    if (filter.ledger !== undefined) query = query.where('ledger', '=', filter.ledger);
    if (filter.currency !== undefined) query = query.where('currency', '=', filter.currency);
    if (filter.code !== undefined) query = query.where('code', '=', filter.code);
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    const rows = await query.orderBy('id').limit(page.limit).execute();
    return rows.map(accountFromRow);
  }

  async balancesAsOf(accountId: string, timestampNs: bigint): Promise<Balances | null> {
    const [asDebit, asCredit] = await Promise.all([
      this.db
        .selectFrom('ledger_transfers')
        .select([
          'timestamp',
          'debit_debits_pending as debitsPending',
          'debit_debits_posted as debitsPosted',
          'debit_credits_pending as creditsPending',
          'debit_credits_posted as creditsPosted',
        ])
        .where('debit_account_id', '=', accountId)
        .where('timestamp', '<=', timestampNs)
        .orderBy('timestamp', 'desc')
        .limit(1)
        .executeTakeFirst(),
      this.db
        .selectFrom('ledger_transfers')
        .select([
          'timestamp',
          'credit_debits_pending as debitsPending',
          'credit_debits_posted as debitsPosted',
          'credit_credits_pending as creditsPending',
          'credit_credits_posted as creditsPosted',
        ])
        .where('credit_account_id', '=', accountId)
        .where('timestamp', '<=', timestampNs)
        .orderBy('timestamp', 'desc')
        .limit(1)
        .executeTakeFirst(),
    ]);
    const latest =
      asDebit === undefined
        ? asCredit
        : asCredit === undefined || toBigInt(asDebit.timestamp) > toBigInt(asCredit.timestamp)
          ? asDebit
          : asCredit;
    if (latest === undefined) return null;
    return {
      debitsPending: toBigInt(latest.debitsPending),
      debitsPosted: toBigInt(latest.debitsPosted),
      creditsPending: toBigInt(latest.creditsPending),
      creditsPosted: toBigInt(latest.creditsPosted),
    };
  }

  async transfer(id: string): Promise<ChainedTransfer | undefined> {
    const row = await this.db
      .selectFrom('ledger_transfers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : transferFromRow(row);
  }

  /**
   * Two index range scans (one per side) merged here, rather than one query with OR: an OR over
   * two columns makes both engines read every matching row before the LIMIT, which on a hot
   * account is millions of rows.
   */
  async entries(
    accountId: string,
    range: { readonly afterTimestamp: bigint; readonly atOrBeforeTimestamp: bigint },
    limit: number,
  ): Promise<Transfer[]> {
    const side = (column: 'debit_account_id' | 'credit_account_id') =>
      this.db
        .selectFrom('ledger_transfers')
        .selectAll()
        .where(column, '=', accountId)
        .where('timestamp', '>', range.afterTimestamp)
        .where('timestamp', '<=', range.atOrBeforeTimestamp)
        .orderBy('timestamp')
        .limit(limit)
        .execute();
    const [debits, credits] = await Promise.all([side('debit_account_id'), side('credit_account_id')]);
    return [...debits, ...credits]
      .map(transferFromRow)
      .sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0))
      .slice(0, limit);
  }

  async trialBalance(asOfNs: bigint | null): Promise<TrialBalanceRow[]> {
    const accounts = await this.db.selectFrom('ledger_accounts').selectAll().orderBy('timestamp').execute();
    const balances = new Map<string, Balances>();
    if (asOfNs === null) {
      for (const row of accounts) balances.set(row.id, accountFromRow(row));
    } else {
      for (const [id, value] of await this.balancesOfAllAsOf(asOfNs)) balances.set(id, value);
    }
    const groups = new Map<string, TrialBalanceRow>();
    for (const row of accounts) {
      if (asOfNs !== null && toBigInt(row.timestamp) > asOfNs) continue;
      const value = balances.get(row.id);
      const key = JSON.stringify([row.ledger, row.currency, row.code]);
      const group = groups.get(key) ?? {
        ledger: row.ledger,
        currency: row.currency,
        code: row.code,
        accountCount: 0n,
        debitsPending: 0n,
        debitsPosted: 0n,
        creditsPending: 0n,
        creditsPosted: 0n,
      };
      groups.set(key, {
        ...group,
        accountCount: group.accountCount + 1n,
        debitsPending: group.debitsPending + (value?.debitsPending ?? 0n),
        debitsPosted: group.debitsPosted + (value?.debitsPosted ?? 0n),
        creditsPending: group.creditsPending + (value?.creditsPending ?? 0n),
        creditsPosted: group.creditsPosted + (value?.creditsPosted ?? 0n),
      });
    }
    return [...groups.values()].sort((a, b) =>
      a.ledger !== b.ledger
        ? a.ledger < b.ledger
          ? -1
          : 1
        : a.currency !== b.currency
          ? a.currency < b.currency
            ? -1
            : 1
          : a.code < b.code
            ? -1
            : a.code > b.code
              ? 1
              : 0,
    );
  }

  /** Every account's totals after its last transfer at or before the instant (one scan, both sides). */
  private async balancesOfAllAsOf(asOfNs: bigint): Promise<Map<string, Balances>> {
    const result = await sql<{
      account_id: string;
      debits_pending: unknown;
      debits_posted: unknown;
      credits_pending: unknown;
      credits_posted: unknown;
    }>`
      select account_id, debits_pending, debits_posted, credits_pending, credits_posted from (
        select account_id, debits_pending, debits_posted, credits_pending, credits_posted,
               row_number() over (partition by account_id order by timestamp desc) as position
        from (
          select debit_account_id as account_id, timestamp, debit_debits_pending as debits_pending,
                 debit_debits_posted as debits_posted, debit_credits_pending as credits_pending,
                 debit_credits_posted as credits_posted
          from ledger_transfers where timestamp <= ${asOfNs}
          union all
          select credit_account_id as account_id, timestamp, credit_debits_pending, credit_debits_posted,
                 credit_credits_pending, credit_credits_posted
          from ledger_transfers where timestamp <= ${asOfNs}
        ) as sides
      ) as ranked
      where position = 1`.execute(this.db);
    const balances = new Map<string, Balances>();
    for (const row of result.rows) {
      balances.set(row.account_id, {
        debitsPending: toBigInt(row.debits_pending),
        debitsPosted: toBigInt(row.debits_posted),
        creditsPending: toBigInt(row.credits_pending),
        creditsPosted: toBigInt(row.credits_posted),
      });
    }
    return balances;
  }

  async sealedAccountsPage(afterTimestamp: bigint, limit: number): Promise<SealedAccount[]> {
    const rows = await this.db
      .selectFrom('ledger_accounts')
      .selectAll()
      .where('timestamp', '>', afterTimestamp)
      .orderBy('timestamp')
      .limit(limit)
      .execute();
    return rows.map(sealedAccountFromRow);
  }

  async transfersPage(afterTimestamp: bigint, limit: number): Promise<ChainedTransfer[]> {
    const rows = await this.db
      .selectFrom('ledger_transfers')
      .selectAll()
      .where('timestamp', '>', afterTimestamp)
      .orderBy('timestamp')
      .limit(limit)
      .execute();
    return rows.map(transferFromRow);
  }

  async dueExpirations(nowNs: bigint, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('ledger_pending_expiries')
      .select('pending_id')
      .where('expires_at', '<=', nowNs)
      .orderBy('expires_at')
      .orderBy('pending_id')
      .limit(limit)
      .execute();
    return rows.map((row) => row.pending_id);
  }

  async countAccounts(): Promise<bigint> {
    const row = await this.db
      .selectFrom('ledger_accounts')
      .select((eb) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow();
    return toBigInt(row.count);
  }
}
