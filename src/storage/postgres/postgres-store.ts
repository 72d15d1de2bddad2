/**
 * PostgreSQL (15+), selected by DATABASE_URL. A pg pool behind Kysely; int8 is parsed to bigint for
 * this pool only (not pg's global parser), so amounts never pass through a float. Writes run at
 * READ COMMITTED; the ledger serialises itself on its chain-head row. A write that loses a
 * serialization or deadlock race is retried a bounded number of times — it holds only database
 * work (no network call inside a transaction), so running it again is safe.
 */
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import {
  type ReadTransaction,
  type Store,
  StoreBusy,
  WriteConflict,
  type WriteTransaction,
} from '../../app/ports.ts';
import { AccountCache } from '../account-cache.ts';
import { KyselyApiKeys, KyselyIdempotency } from '../kysely-access.ts';
import { KyselyRisk } from '../kysely-risk.ts';
import { KyselyWebhooks } from '../kysely-webhooks.ts';
import { LedgerBuckets } from '../ledger-buckets.ts';
import { applyMigrations, pendingMigrationNames } from '../migrator.ts';
import type { Database } from '../schema.ts';
import { PostgresFinancing } from './postgres-financing.ts';
import { PostgresFeatures, PostgresInbox } from './postgres-ingest.ts';
import { PostgresLedger } from './postgres-ledger.ts';

export const postgresPoolConnectionsMax = 10;
export const writeAttemptsMax = 5;
/** The longest pause before a retry, times the attempt (jittered: a uniform share of it). */
const retryPauseMsMax = 20;
const int8Oid = 20;
const retryableCodes = new Set(['40001', '40P01']);

export interface PostgresStoreOptions {
  readonly connectionString: string;
  readonly poolConnectionsMax?: number;
  readonly nowMs?: () => bigint;
  /** Transfers per per-account index bucket, as a power of two; fixed for a database's life. */
  readonly ledgerBucketShift?: bigint;
}

function describeLocation(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    url.password = '';
    return url.toString();
  } catch {
    return 'postgresql (unparseable DATABASE_URL)';
  }
}

export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  readonly location: string;
  readonly pool: pg.Pool;
  private readonly db: Kysely<Database>;
  private readonly nowMs: () => bigint;

  constructor(options: PostgresStoreOptions) {
    this.location = describeLocation(options.connectionString);
    this.buckets = new LedgerBuckets(options.ledgerBucketShift);
    this.nowMs = options.nowMs ?? (() => BigInt(Date.now()));
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolConnectionsMax ?? postgresPoolConnectionsMax,
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === int8Oid
            ? (value: string) => BigInt(value)
            : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    // An idle connection can die under the pool (a server restart, a failover, an administrator
    // terminating it — also just after close(): pool.end() resolves before the sockets have shut,
    // so dropping the database right after terminates them). pg then emits 'error' on the pool;
    // without a listener that event crashes the process. Nothing is lost: no work was running on
    // an idle client, and the pool opens a fresh connection for the next query.
    this.pool.on('error', () => {});
    // A connection lost while a transaction holds it (the server restarted, the network cut) is
    // emitted as 'error' on that client too, and the pool listens only to its idle clients: with
    // no listener there, the event crashed the whole process (`serve` with every request in
    // flight, `eod` with a stack trace). The query waiting on the connection fails with the error
    // all the same, so the transaction rolls back and its caller is told; the pool drops the
    // broken client when it is released.
    this.pool.on('connect', (client) => client.on('error', () => {}));
    this.db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: this.pool }) });
  }

  private readonly accountCache = new AccountCache();
  private readonly buckets: LedgerBuckets;

  private tx(trx: Transaction<Database>): WriteTransaction {
    return {
      ledger: new PostgresLedger(trx, this.accountCache, this.buckets),
      apiKeys: new KyselyApiKeys(trx),
      idempotency: new KyselyIdempotency(trx),
      inbox: new PostgresInbox(trx),
      features: new PostgresFeatures(trx),
      risk: new KyselyRisk(trx, 'postgres'),
      financing: new PostgresFinancing(trx),
      webhooks: new KyselyWebhooks(trx),
    };
  }

  async write<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.db.transaction().execute((trx) => work(this.tx(trx)));
      } catch (error) {
        this.accountCache.forget();
        const code = (error as { code?: unknown }).code;
        const retryable =
          error instanceof WriteConflict || (typeof code === 'string' && retryableCodes.has(code));
        if (!retryable) throw error;
        if (attempt >= writeAttemptsMax)
          throw new StoreBusy(`the write lost ${writeAttemptsMax} attempts to writes racing it`, {
            cause: error,
          });
        // A moment's pause, longer each time and never the same for two losers, so the writes they
        // raced (a stream of sweeps under a page of the daily cycle) can commit first.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * retryPauseMsMax * attempt));
      }
    }
  }

  read<T>(work: (tx: ReadTransaction) => Promise<T>): Promise<T> {
    return this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute((trx) => work(this.tx(trx)));
  }

  migrate(onApplied?: (name: string) => void): Promise<string[]> {
    return applyMigrations(
      this.db,
      (work) => this.db.transaction().execute((trx) => work(trx)),
      'postgres',
      this.nowMs,
      onApplied,
    );
  }

  pendingMigrations(): Promise<string[]> {
    return pendingMigrationNames(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
