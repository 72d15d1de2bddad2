/**
 * The benchmark's baseline: the rows the ledger wrote, inserted again into an empty copy of the
 * schema as bare SQL — the same transfer rows, the same account balance updates, transactions of
 * the same size — with nothing in between: no look-ups, no rules, no hashing. That is as fast as
 * the storage itself goes for this work.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { SequencedTransfer, Store } from '../src/app/ports.ts';
import type { Account, Balances, ChainedTransfer } from '../src/domain/ledger/types.ts';
import { LedgerBuckets } from '../src/storage/ledger-buckets.ts';
import { int8ArrayLiteral, textArrayLiteral } from '../src/storage/postgres/array-literal.ts';
import { transferColumns, transferValues } from '../src/storage/rows.ts';

const buckets = new LedgerBuckets();

export interface BaselineTarget {
  /** Replays the store's transfers in calls of `batchSize`; answers the seconds it took. */
  replay(source: Store, batchSize: number): Promise<number>;
}

const pageSize = 10_000;

async function readBack(source: Store): Promise<{ accounts: Account[]; transfers: SequencedTransfer[] }> {
  return source.read(async (tx) => {
    const accounts: Account[] = [];
    for (let after = -1n; ; ) {
      const page = await tx.ledger.sealedAccountsPage(after, pageSize);
      if (page.length === 0) break;
      accounts.push(...page.map((sealed) => sealed.account));
      after = page[page.length - 1]?.account.timestamp as bigint;
    }
    const transfers: SequencedTransfer[] = [];
    for (let after = -1n; ; ) {
      const page = await tx.ledger.transfersPage(after, pageSize);
      if (page.length === 0) break;
      transfers.push(...page);
      after = page[page.length - 1]?.timestamp as bigint;
    }
    return { accounts, transfers };
  });
}

/** Each account's totals after the last transfer of the batch that touched it. */
function finalBalances(batch: readonly ChainedTransfer[]): Map<string, Balances> {
  const balances = new Map<string, Balances>();
  for (const transfer of batch) {
    balances.set(transfer.debitAccountId, transfer.debitAccountAfter);
    balances.set(transfer.creditAccountId, transfer.creditAccountAfter);
  }
  return balances;
}

function batches<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export function sqliteBaseline(db: BetterSqlite3.Database): BaselineTarget {
  return {
    async replay(source, batchSize) {
      const { accounts, transfers } = await readBack(source);
      const insertAccount = db.prepare(
        `insert into ledger_accounts (timestamp, id, ledger, currency, code, flags, metadata, debits_pending, debits_posted, credits_pending, credits_posted, seal)
         values (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, 0, '')`,
      );
      db.transaction(() => {
        for (const a of accounts)
          insertAccount.run(a.timestamp, a.id, a.ledger, a.currency, a.code, a.flags, a.metadata);
      })();
      const insertTransfer = db.prepare(
        `insert into ledger_transfers (${transferColumns.join(', ')}) values (${transferColumns.map(() => '?').join(', ')})`,
      );
      const updateAccount = db.prepare(
        'update ledger_accounts set debits_pending = ?, debits_posted = ?, credits_pending = ?, credits_posted = ? where id = ?',
      );
      const started = performance.now();
      for (const batch of batches(transfers, batchSize)) {
        db.exec('begin immediate');
        for (const transfer of batch)
          insertTransfer.run(...transferValues(transfer, transfer.sequence, buckets));
        for (const [id, b] of finalBalances(batch))
          updateAccount.run(b.debitsPending, b.debitsPosted, b.creditsPending, b.creditsPosted, id);
        db.exec('commit');
      }
      return (performance.now() - started) / 1000;
    },
  };
}

export function postgresBaseline(pool: pg.Pool): BaselineTarget {
  return {
    async replay(source, batchSize) {
      const { accounts, transfers } = await readBack(source);
      const client = await pool.connect();
      try {
        await client.query(
          `insert into ledger_accounts (timestamp, id, ledger, currency, code, flags, debits_pending, debits_posted, credits_pending, credits_posted, seal)
           select t, i, l, c, k, f, 0, 0, 0, 0, '' from unnest($1::int8[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[]) as u(t, i, l, c, k, f)`,
          [
            accounts.map((a) => a.timestamp),
            accounts.map((a) => a.id),
            accounts.map((a) => a.ledger),
            accounts.map((a) => a.currency),
            accounts.map((a) => a.code),
            accounts.map((a) => a.flags),
          ],
        );
        const isText = (column: string) =>
          /^(id|debit_account_id|credit_account_id|currency|ledger|code|pending_id|metadata|hash)$/.test(
            column,
          );
        const insertSql = `insert into ledger_transfers (${transferColumns.join(', ')}) select * from unnest(${transferColumns
          .map((column, i) => `$${i + 1}::${isText(column) ? 'text' : 'int8'}[]`)
          .join(', ')})`;
        const started = performance.now();
        for (const batch of batches(transfers, batchSize)) {
          const rows = batch.map((transfer) => transferValues(transfer, transfer.sequence, buckets));
          const columns = transferColumns.map((name, column) =>
            isText(name)
              ? textArrayLiteral(rows.map((row) => row[column] as string | null))
              : int8ArrayLiteral(rows.map((row) => row[column] as bigint | null)),
          );
          const balances = [...finalBalances(batch)];
          await client.query('begin');
          await client.query(insertSql, columns);
          await client.query(
            `update ledger_accounts as a set debits_pending = u.dp, debits_posted = u.dpo, credits_pending = u.cp, credits_posted = u.cpo
             from unnest($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::int8[]) as u(id, dp, dpo, cp, cpo) where a.id = u.id`,
            [
              textArrayLiteral(balances.map(([id]) => id)),
              int8ArrayLiteral(balances.map(([, b]) => b.debitsPending)),
              int8ArrayLiteral(balances.map(([, b]) => b.debitsPosted)),
              int8ArrayLiteral(balances.map(([, b]) => b.creditsPending)),
              int8ArrayLiteral(balances.map(([, b]) => b.creditsPosted)),
            ],
          );
          await client.query('commit');
        }
        return (performance.now() - started) / 1000;
      } finally {
        client.release();
      }
    },
  };
}
