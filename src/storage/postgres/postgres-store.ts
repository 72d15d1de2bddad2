/**
 * PostgreSQL (15+), selected by DATABASE_URL. A pg pool behind Kysely; int8 is parsed to bigint for
 * this pool only (not pg's global parser), so amounts never pass through a float. Writes run at
 * READ COMMITTED; the ledger serialises itself on its chain-head row. A write that loses a
 * serialization or deadlock race is retried a bounded number of times — it holds only database
 * work (no network call inside a transaction), so running it again is safe.
 */
import { Socket } from 'node:net';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import {
  type ReadTransaction,
  type Store,
  StoreBusy,
  StoreFull,
  StoreUnavailable,
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
/** How long a query waits for a connection: a new one to open, or one of the pool's to come free. */
export const postgresConnectMsMax = 10_000;
/**
 * How long a connection may stay silent before it is taken for dead and closed. A server that
 * hangs, or a network that drops packets without a reset, would otherwise hold a request (or the
 * daily cycle) forever. PostgreSQL says nothing while it runs a statement, so this is also the
 * longest any one statement may take; Capstan's are bounded pages, far shorter. Migrations are the
 * exception — an index built over a large table may take minutes — and run without the bound.
 */
export const postgresSilenceMsMax = 60_000;
/** Errors of node's sockets that mean the server cannot be reached or the connection was lost. */
const connectionErrnoCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
/** pg's own words for a connection it lost or could not get (it gives them no code). */
const connectionErrorMessages = [
  'Connection terminated',
  'Client has encountered a connection error',
  'timeout exceeded when trying to connect',
  'the database answered nothing',
];

/**
 * Whether an error means the database was unreachable or the connection lost: a socket error, pg's
 * words for a lost connection, or PostgreSQL's connection exceptions (class 08) and shutdowns.
 */
export function isConnectionLoss(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (connectionErrnoCodes.has(code) || code.startsWith('08')) return true;
    if (code === '57P01' || code === '57P02' || code === '57P03') return true;
  }
  return connectionErrorMessages.some((words) => error.message.startsWith(words));
}

export interface PostgresStoreOptions {
  readonly connectionString: string;
  readonly poolConnectionsMax?: number;
  readonly nowMs?: () => bigint;
  /** Transfers per per-account index bucket, as a power of two; fixed for a database's life. */
  readonly ledgerBucketShift?: bigint;
  /** postgresConnectMsMax unless given (tests shorten it). */
  readonly connectMsMax?: number;
  /** postgresSilenceMsMax unless given (tests shorten it). */
  readonly silenceMsMax?: number;
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
  private readonly silenceMs: number;
  /** The pool's open sockets, their silence bound lifted while migrations run. */
  private readonly sockets = new Set<Socket>();
  private migrating = 0;

  constructor(options: PostgresStoreOptions) {
    this.location = describeLocation(options.connectionString);
    this.buckets = new LedgerBuckets(options.ledgerBucketShift);
    this.nowMs = options.nowMs ?? (() => BigInt(Date.now()));
    this.silenceMs = options.silenceMsMax ?? postgresSilenceMsMax;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.poolConnectionsMax ?? postgresPoolConnectionsMax,
      connectionTimeoutMillis: options.connectMsMax ?? postgresConnectMsMax,
      keepAlive: true,
      // Each connection's socket closes itself after the silence bound; pg then fails whatever
      // waited on it (the 'error' listener below keeps that from crashing the process).
      stream: () => {
        const socket = new Socket();
        this.sockets.add(socket);
        socket.once('close', () => this.sockets.delete(socket));
        socket.on('timeout', () =>
          socket.destroy(new Error(`the database answered nothing for ${this.silenceMs / 1_000} s`)),
        );
        socket.setTimeout(this.migrating > 0 ? 0 : this.silenceMs);
        return socket;
      },
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
        // Not retried: a connection lost on COMMIT may have committed, and the caller is the one
        // that knows whether sending it again is safe (every HTTP write is idempotent).
        if (isConnectionLoss(error)) throw unavailable(error);
        if (isDiskFull(error)) throw full(error);
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

  async read<T>(work: (tx: ReadTransaction) => Promise<T>): Promise<T> {
    try {
      return await this.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute((trx) => work(this.tx(trx)));
    } catch (error) {
      if (isConnectionLoss(error)) throw unavailable(error);
      throw isDiskFull(error) ? full(error) : error;
    }
  }

  async migrate(onApplied?: (name: string) => void): Promise<string[]> {
    const bound = (silenceMs: number) => {
      for (const socket of this.sockets) socket.setTimeout(silenceMs);
    };
    this.migrating += 1;
    bound(0);
    try {
      return await applyMigrations(
        this.db,
        (work) => this.db.transaction().execute((trx) => work(trx)),
        'postgres',
        this.nowMs,
        onApplied,
      );
    } finally {
      this.migrating -= 1;
      if (this.migrating === 0) bound(this.silenceMs);
    }
  }

  pendingMigrations(): Promise<string[]> {
    return pendingMigrationNames(this.db);
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/**
 * PostgreSQL's disk_full (53100): the server could not extend a table, an index, its WAL or a
 * temporary file. The transaction rolled back, so nothing of it was written; it may be sent again
 * once there is room.
 */
export function isDiskFull(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '53100';
}

function full(error: unknown): StoreFull {
  return new StoreFull('the disk holding the database is full: nothing of the work was written', {
    cause: error,
  });
}

function unavailable(error: unknown): StoreUnavailable {
  const reason = error instanceof Error ? error.message : String(error);
  return new StoreUnavailable(`the database could not be reached or stopped answering (${reason})`, {
    cause: error,
  });
}
