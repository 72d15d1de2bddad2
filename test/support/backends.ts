/**
 * The storage backends every contract and end-to-end test runs on: SQLite always (a file in a fresh
 * temporary directory), PostgreSQL when CAPSTAN_TEST_DATABASE_URL names a server to create
 * throwaway databases on. Each harness gets its own database with a random name, dropped at the
 * end, so runs never see each other's data. Under CI=true a missing PostgreSQL is an error, not a
 * skip.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Backend, Store } from '../../src/app/ports.ts';
import { PostgresStore } from '../../src/storage/postgres/postgres-store.ts';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';

export const postgresUrlVariable = 'CAPSTAN_TEST_DATABASE_URL';

export interface Harness {
  readonly backend: Backend;
  /** A connection string (PostgreSQL) or file path (SQLite) for more stores on the same database. */
  readonly location: string;
  readonly store: Store;
  /** Another store on the same database (its own connection or pool). */
  openAnother(): Store;
  /** Raw SQL on a separate connection, for tampering and for snapshots. */
  query(sql: string): Promise<Record<string, unknown>[]>;
  exec(sql: string): Promise<void>;
  dispose(): Promise<void>;
}

export interface HarnessOptions {
  /** Transfers per per-account index bucket as a power of two (small to cross many buckets). */
  readonly ledgerBucketShift?: bigint;
}

export interface BackendUnderTest {
  readonly name: Backend;
  /** Why the backend is skipped, or undefined when it runs. */
  readonly skip: string | undefined;
  open(options?: HarnessOptions): Promise<Harness>;
}

export const sqliteBackend: BackendUnderTest = {
  name: 'sqlite',
  skip: undefined,
  async open(options = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-test-'));
    const path = join(dir, 'capstan.sqlite');
    const store = new SqliteStore({ path, ...options });
    const extra: SqliteStore[] = [];
    const raw = new SqliteStore({ path, ...options });
    return {
      backend: 'sqlite',
      location: path,
      store,
      openAnother() {
        const another = new SqliteStore({ path, ...options });
        extra.push(another);
        return another;
      },
      async query(sql) {
        return raw.rawConnection.prepare(sql).all() as Record<string, unknown>[];
      },
      async exec(sql) {
        raw.rawConnection.exec(sql);
      },
      async dispose() {
        for (const s of [store, raw, ...extra]) await s.close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function postgresSkipReason(): string | undefined {
  if (process.env[postgresUrlVariable]) return undefined;
  if (process.env['CI'] === 'true') {
    throw new Error(
      `CI=true but ${postgresUrlVariable} is not set: the PostgreSQL suite must run in CI (.ci/run sets it)`,
    );
  }
  return `PostgreSQL tests skipped: set ${postgresUrlVariable}=postgres://user@127.0.0.1:5432/postgres to run them`;
}

export const postgresBackend: BackendUnderTest = {
  name: 'postgres',
  skip: postgresSkipReason(),
  async open(options = {}) {
    const adminUrl = process.env[postgresUrlVariable] as string;
    const name = `capstan_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const location = url.toString();
    const store = new PostgresStore({ connectionString: location, ...options });
    const raw = new pg.Client({ connectionString: location });
    await raw.connect();
    const extra: PostgresStore[] = [];
    return {
      backend: 'postgres',
      location,
      store,
      openAnother() {
        const another = new PostgresStore({ connectionString: location, ...options });
        extra.push(another);
        return another;
      },
      async query(sql) {
        return (await raw.query(sql)).rows as Record<string, unknown>[];
      },
      async exec(sql) {
        await raw.query(sql);
      },
      async dispose() {
        for (const s of [store, ...extra]) await s.close().catch(() => undefined);
        await raw.end().catch(() => undefined);
        const cleanup = new pg.Client({ connectionString: adminUrl });
        await cleanup.connect();
        await cleanup.query(`drop database if exists ${name} with (force)`);
        await cleanup.end();
      },
    };
  },
};

export const backendsUnderTest: readonly BackendUnderTest[] = [sqliteBackend, postgresBackend];
