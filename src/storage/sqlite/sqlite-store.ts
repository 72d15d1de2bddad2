/**
 * The embedded default: one SQLite file under the data directory, opened with better-sqlite3 in WAL
 * mode with synchronous=FULL, so a committed transaction survives a power cut. Every integer comes
 * back as a bigint (safe integers). Write transactions start with BEGIN IMMEDIATE so that two
 * processes on the same file (a server and an import, say) queue on the lock instead of failing
 * halfway with SQLITE_BUSY; busy_timeout bounds the wait.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { ReadTransaction, Store, WriteTransaction } from '../../app/ports.ts';
import { AccountCache } from '../account-cache.ts';
import { KyselyApiKeys, KyselyIdempotency } from '../kysely-access.ts';
import { LedgerBuckets } from '../ledger-buckets.ts';
import { applyMigrations, pendingMigrationNames } from '../migrator.ts';
import { Mutex } from '../mutex.ts';
import type { Database } from '../schema.ts';
import { SqliteFeatures, SqliteInbox } from './sqlite-ingest.ts';
import { SqliteLedger } from './sqlite-ledger.ts';

export const sqliteBusyTimeoutMs = 10_000;
export const sqlitePageBytes = 16_384;
/** The page cache per connection: 64 MiB keeps a busy ledger's indexes in memory. */
export const sqliteCacheKibibytes = 65_536;

/** Writes committed together at most, so one slow group cannot hold a crowd for long. */
export const groupCommitWritesMax = 256;

interface PendingWrite {
  readonly work: (tx: WriteTransaction) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for a private in-memory database. */
  readonly path: string;
  readonly nowMs?: () => bigint;
  /** Transfers per per-account index bucket, as a power of two; fixed for a database's life. */
  readonly ledgerBucketShift?: bigint;
}

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly location: string;
  private readonly connection: Sqlite.Database;
  private readonly db: Kysely<Database>;
  private readonly mutex = new Mutex();
  private readonly nowMs: () => bigint;
  private transaction: (WriteTransaction & { ledger: SqliteLedger }) | undefined;
  private readonly pendingWrites: PendingWrite[] = [];
  private draining = false;
  private readonly accountCache = new AccountCache();
  private readonly buckets: LedgerBuckets;

  constructor(options: SqliteStoreOptions) {
    this.location = options.path;
    this.buckets = new LedgerBuckets(options.ledgerBucketShift);
    this.nowMs = options.nowMs ?? (() => BigInt(Date.now()));
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.connection = new Sqlite(options.path);
    this.connection.defaultSafeIntegers(true);
    // 16 KiB pages (only takes effect on a new, empty file): a batch's random index inserts dirty
    // fewer, fuller pages, so each commit writes less to the WAL. Measured in bench/ledger.ts.
    this.connection.pragma(`page_size = ${sqlitePageBytes}`);
    this.connection.pragma('journal_mode = WAL');
    this.connection.pragma(`cache_size = -${sqliteCacheKibibytes}`);
    this.connection.pragma('synchronous = FULL');
    this.connection.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
    this.connection.pragma('foreign_keys = ON');
    this.db = new Kysely<Database>({ dialect: new SqliteDialect({ database: this.connection }) });
  }

  /** The underlying connection, for the benchmark's bare-SQL baseline and for tamper tests. */
  get rawConnection(): Sqlite.Database {
    return this.connection;
  }

  private tx(): WriteTransaction & { ledger: SqliteLedger } {
    // Statements are prepared once, after migration, and reused by every transaction: the mutex
    // guarantees only one transaction uses them at a time.
    this.transaction ??= {
      ledger: new SqliteLedger(this.db, this.connection, this.accountCache, this.buckets),
      apiKeys: new KyselyApiKeys(this.db),
      idempotency: new KyselyIdempotency(this.db),
      inbox: new SqliteInbox(this.db, this.connection),
      features: new SqliteFeatures(this.db, this.connection),
    };
    return this.transaction as WriteTransaction & { ledger: SqliteLedger };
  }

  /**
   * Group commit: writes that arrive while another is running wait together and then run one after
   * another inside one transaction, each in its own savepoint (so each still commits or rolls back
   * alone), with one COMMIT — one fsync — for the group. Under concurrent load this is what keeps
   * latency flat; a lone write is a transaction of its own as before.
   */
  write<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pendingWrites.push({
        work: work as PendingWrite['work'],
        resolve: resolve as PendingWrite['resolve'],
        reject,
      });
      if (!this.draining) void this.drainWrites();
    });
  }

  private async drainWrites(): Promise<void> {
    this.draining = true;
    try {
      while (this.pendingWrites.length > 0) {
        const group = this.pendingWrites.splice(0, groupCommitWritesMax);
        await this.mutex.run(() => this.runGroup(group));
      }
    } finally {
      this.draining = false;
    }
  }

  private async runGroup(group: readonly PendingWrite[]): Promise<void> {
    if (group.length === 1) {
      const [only] = group as [PendingWrite];
      await this.inTransaction('begin immediate', () => only.work(this.tx())).then(only.resolve, only.reject);
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    this.connection.exec('begin immediate');
    for (const item of group) {
      this.connection.exec('savepoint grouped_write');
      try {
        const value = await item.work(this.tx());
        this.connection.exec('release grouped_write');
        outcomes.push({ ok: true, value });
      } catch (error) {
        this.connection.exec('rollback to grouped_write');
        this.connection.exec('release grouped_write');
        this.transaction?.ledger.endTransaction(false);
        outcomes.push({ ok: false, error });
      }
    }
    try {
      this.connection.exec('commit');
      this.transaction?.ledger.endTransaction(true);
    } catch (error) {
      if (this.connection.inTransaction) this.connection.exec('rollback');
      this.transaction?.ledger.endTransaction(false);
      for (const item of group) item.reject(error);
      return;
    }
    group.forEach((item, index) => {
      const outcome = outcomes[index] as (typeof outcomes)[number];
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }

  read<T>(work: (tx: ReadTransaction) => Promise<T>): Promise<T> {
    return this.mutex.run(() => this.inTransaction('begin', () => work(this.tx())));
  }

  private async inTransaction<T>(begin: string, work: () => Promise<T>): Promise<T> {
    this.connection.exec(begin);
    let committed = false;
    try {
      const result = await work();
      this.connection.exec('commit');
      committed = true;
      return result;
    } catch (error) {
      if (this.connection.inTransaction) this.connection.exec('rollback');
      throw error;
    } finally {
      this.transaction?.ledger.endTransaction(committed);
    }
  }

  migrate(onApplied?: (name: string) => void): Promise<string[]> {
    return this.mutex.run(async () => {
      const applied = await applyMigrations(
        this.db,
        (work) => this.inTransaction('begin immediate', () => work(this.db)),
        'sqlite',
        this.nowMs,
        onApplied,
      );
      this.transaction = undefined;
      return applied;
    });
  }

  pendingMigrations(): Promise<string[]> {
    return this.mutex.run(() => pendingMigrationNames(this.db));
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => {
      await this.db.destroy();
    });
  }
}
