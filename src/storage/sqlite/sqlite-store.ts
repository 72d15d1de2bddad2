/**
 * The embedded default: one SQLite file under the data directory, opened with better-sqlite3 in WAL
 * mode with synchronous=FULL, so a committed transaction survives a power cut. Every integer comes
 * back as a bigint (safe integers). Write transactions start with BEGIN IMMEDIATE so that two
 * processes on the same file (a server and an import, say) queue on the lock instead of failing
 * halfway with SQLITE_BUSY; the wait is bounded (sqliteBusyTimeoutMs) and made from timers, so the
 * process goes on serving meanwhile (beginImmediate).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import {
  type ReadTransaction,
  type Store,
  StoreBusy,
  StoreFull,
  type WriteTransaction,
} from '../../app/ports.ts';
import { AccountCache } from '../account-cache.ts';
import { KyselyApiKeys, KyselyIdempotency } from '../kysely-access.ts';
import { KyselyWebhooks } from '../kysely-webhooks.ts';
import { LedgerBuckets } from '../ledger-buckets.ts';
import { applyMigrations, pendingMigrationNames } from '../migrator.ts';
import { Mutex } from '../mutex.ts';
import type { Database } from '../schema.ts';
import { SqliteFinancing } from './sqlite-financing.ts';
import { SqliteFeatures, SqliteInbox } from './sqlite-ingest.ts';
import { SqliteLedger } from './sqlite-ledger.ts';
import { SqliteRisk } from './sqlite-risk.ts';
import { preparedStatementCache } from './statement-cache.ts';

export const sqliteBusyTimeoutMs = 10_000;
/** A write waiting for another process's lock looks again after 1, 2, 4… ms, at most this far apart. */
export const sqliteBusyRetryDelayMsMax = 16;
export const sqlitePageBytes = 8_192;
/** The page cache per connection: 64 MiB keeps a busy ledger's indexes in memory. */
export const sqliteCacheKibibytes = 65_536;

/** Writes committed together at most, so one slow group cannot hold a crowd for long. */
export const groupCommitWritesMax = 256;

/**
 * A write refused because another process kept the file's write lock past the wait for it
 * (SQLITE_BUSY, or one of its extended codes: SQLITE_BUSY_RECOVERY, _SNAPSHOT, _TIMEOUT) is StoreBusy: nothing of it was written, and it may be sent again. One refused
 * because the disk is full (SQLITE_FULL) is StoreFull: nothing of it was written either.
 */
export function storeErrorOf(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY'))
    return new StoreBusy('another process kept the database locked past the wait for it', { cause: error });
  if (code === 'SQLITE_FULL')
    return new StoreFull('the disk holding the database is full: nothing of the work was written', {
      cause: error,
    });
  return error;
}

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
  /** How long a write waits for another process's write lock (sqliteBusyTimeoutMs; tests shorten it). */
  readonly busyTimeoutMs?: number;
}

export class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  readonly location: string;
  private readonly connection: Sqlite.Database;
  private readonly db: Kysely<Database>;
  private readonly mutex = new Mutex();
  private readonly nowMs: () => bigint;
  private readonly busyTimeoutMs: number;
  private transaction: (WriteTransaction & { ledger: SqliteLedger }) | undefined;
  private readonly pendingWrites: PendingWrite[] = [];
  private readonly readerConnection: Sqlite.Database;
  private readonly readerDb: Kysely<Database>;
  private readonly readerMutex = new Mutex();
  private readerTransaction: ReadTransaction | undefined;
  private draining = false;
  private readonly accountCache = new AccountCache();
  private readonly buckets: LedgerBuckets;
  private readonly readerControl: { readonly begin: Sqlite.Statement; readonly commit: Sqlite.Statement };
  /** Transaction control for group commit, compiled once: a group runs these for every write. */
  private readonly savepoints: {
    readonly begin: Sqlite.Statement;
    readonly commit: Sqlite.Statement;
    readonly savepoint: Sqlite.Statement;
    readonly release: Sqlite.Statement;
    readonly rollbackTo: Sqlite.Statement;
  };

  constructor(options: SqliteStoreOptions) {
    this.location = options.path;
    this.buckets = new LedgerBuckets(options.ledgerBucketShift);
    this.nowMs = options.nowMs ?? (() => BigInt(Date.now()));
    this.busyTimeoutMs = options.busyTimeoutMs ?? sqliteBusyTimeoutMs;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.connection = new Sqlite(options.path);
    this.connection.defaultSafeIntegers(true);
    // 8 KiB pages (only takes effect on a new, empty file). Measured on bench:servicing, where
    // a sweep's writes fall on random facility and account rows, each dirtying a whole page:
    // 2,779–2,888 settlements/s at 16 KiB, 3,444–3,495 at 8 KiB, 3,793 at 4 KiB. The daily cycle
    // took 12.3–13.0 s at 16 KiB, 13.0–13.3 s at 8 KiB and 18.4 s at 4 KiB, and bench:ledger's
    // batches did no worse at 8 KiB (34,000–37,000 transfers/s, against 26,000–34,000 at 16 KiB).
    this.connection.pragma(`page_size = ${sqlitePageBytes}`);
    this.connection.pragma('journal_mode = WAL');
    this.connection.pragma(`cache_size = -${sqliteCacheKibibytes}`);
    this.connection.pragma('synchronous = FULL');
    // No busy wait of SQLite's own on the writer: it sleeps in the calling thread, so a server whose
    // write waited on another process's lock (a `capstan eod` page, an import) answered nothing else
    // — no read, not /health — until the lock came free or the 10 s ran out. The write lock is
    // waited for by beginImmediate() instead, from timers; once it is held nothing else waits.
    this.connection.pragma('busy_timeout = 0');
    this.connection.pragma('foreign_keys = ON');
    this.db = new Kysely<Database>({
      dialect: new SqliteDialect({ database: preparedStatementCache(this.connection) }),
    });
    this.savepoints = {
      begin: this.connection.prepare('begin immediate'),
      commit: this.connection.prepare('commit'),
      savepoint: this.connection.prepare('savepoint grouped_write'),
      release: this.connection.prepare('release grouped_write'),
      rollbackTo: this.connection.prepare('rollback to grouped_write'),
    };
    // Reads get a connection of their own: in WAL mode a reader neither waits for nor blocks the
    // writer, so a read does not queue behind a group of writes (nor split the group). An
    // in-memory database is private to its connection, so it reads through the writer.
    if (options.path === ':memory:') {
      this.readerConnection = this.connection;
      this.readerDb = this.db;
    } else {
      this.readerConnection = new Sqlite(options.path);
      this.readerConnection.defaultSafeIntegers(true);
      this.readerConnection.pragma(`cache_size = -${sqliteCacheKibibytes}`);
      this.readerConnection.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
      this.readerConnection.pragma('query_only = ON');
      this.readerDb = new Kysely<Database>({
        dialect: new SqliteDialect({ database: preparedStatementCache(this.readerConnection) }),
      });
    }
    this.readerControl = {
      begin: this.readerConnection.prepare('begin'),
      commit: this.readerConnection.prepare('commit'),
    };
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
      risk: new SqliteRisk(this.db, this.connection),
      financing: new SqliteFinancing(this.db, this.connection),
      webhooks: new KyselyWebhooks(this.db),
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
        reject: (error) => reject(storeErrorOf(error)),
      });
      if (!this.draining) {
        // Start on the next turn of the event loop, not now: every request that arrived in this
        // turn then joins the same group (SQLite work is synchronous, so without this pause each
        // write would run — and fsync — alone before the next request is even read).
        this.draining = true;
        setImmediate(() => void this.drainWrites());
      }
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
    try {
      await this.beginImmediate(() => this.savepoints.begin.run());
    } catch (error) {
      // Another process held the write lock past the wait (SQLITE_BUSY): each write of the
      // group is refused, as a lone write is. Thrown from here it escaped drainWrites as an
      // unhandled rejection — the process exited — and the group's callers waited for ever.
      for (const item of group) item.reject(error);
      return;
    }
    for (const item of group) {
      this.savepoints.savepoint.run();
      try {
        const value = await item.work(this.tx());
        this.savepoints.release.run();
        outcomes.push({ ok: true, value });
      } catch (error) {
        if (!this.connection.inTransaction) {
          // SQLite rolled the whole transaction back itself (a full disk, an I/O error): nothing
          // of the group is written, the writes before this one included — each is refused with
          // this error. Rolling back to the savepoint, gone with it, threw out of the group: the
          // process died of the unhandled rejection, and the group's callers waited for ever.
          this.transaction?.ledger.endTransaction(false);
          for (const each of group) each.reject(error);
          return;
        }
        this.savepoints.rollbackTo.run();
        this.savepoints.release.run();
        this.transaction?.ledger.endTransaction(false);
        outcomes.push({ ok: false, error });
      }
    }
    try {
      this.savepoints.commit.run();
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
    if (this.readerConnection === this.connection) {
      return this.mutex.run(() => this.inTransaction('begin', () => work(this.tx())));
    }
    return this.readerMutex.run(async () => {
      this.readerControl.begin.run();
      try {
        return await work(this.readerTx());
      } finally {
        if (this.readerConnection.inTransaction) this.readerControl.commit.run();
      }
    });
  }

  private readerTx(): ReadTransaction {
    this.readerTransaction ??= {
      ledger: new SqliteLedger(this.readerDb, this.readerConnection, new AccountCache(), this.buckets),
      apiKeys: new KyselyApiKeys(this.readerDb),
      inbox: new SqliteInbox(this.readerDb, this.readerConnection),
      features: new SqliteFeatures(this.readerDb, this.readerConnection),
      risk: new SqliteRisk(this.readerDb, this.readerConnection),
      financing: new SqliteFinancing(this.readerDb, this.readerConnection),
      webhooks: new KyselyWebhooks(this.readerDb),
    };
    return this.readerTransaction;
  }

  /**
   * Takes the file's write lock, waiting up to busyTimeoutMs for another process's write to end
   * (then SQLITE_BUSY is thrown: StoreBusy); the event loop goes on between looks.
   */
  private async beginImmediate(begin: () => void): Promise<void> {
    const deadlineMs = Date.now() + this.busyTimeoutMs;
    for (let attempt = 0; ; attempt += 1) {
      try {
        begin();
        return;
      } catch (error) {
        const code = String((error as { code?: unknown } | null)?.code);
        if (!code.startsWith('SQLITE_BUSY') || Date.now() >= deadlineMs) throw error;
      }
      const delayMs = Math.min(2 ** Math.min(attempt, 4), sqliteBusyRetryDelayMsMax);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }

  private async inTransaction<T>(begin: 'begin' | 'begin immediate', work: () => Promise<T>): Promise<T> {
    if (begin === 'begin immediate') await this.beginImmediate(() => this.connection.exec(begin));
    else this.connection.exec(begin);
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
      // Its write lock is taken even when nothing is pending: another process holding the file
      // locked past the wait is StoreBusy here too, not SQLite's error with a stack trace.
      const applied = await applyMigrations(
        this.db,
        (work) => this.inTransaction('begin immediate', () => work(this.db)),
        'sqlite',
        this.nowMs,
        onApplied,
      ).catch((error: unknown) => {
        throw storeErrorOf(error);
      });
      this.transaction = undefined;
      this.readerTransaction = undefined;
      return applied;
    });
  }

  pendingMigrations(): Promise<string[]> {
    return this.mutex.run(() => pendingMigrationNames(this.db));
  }

  async close(): Promise<void> {
    await this.readerMutex.run(async () => {
      if (this.readerDb !== this.db) await this.readerDb.destroy();
    });
    await this.mutex.run(async () => {
      await this.db.destroy();
    });
  }
}
