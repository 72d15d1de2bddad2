/**
 * The storage contract on SQLite: a real database file in a temporary directory. And what group
 * commit does when another process holds the file's write lock longer than the busy timeout:
 * every write waiting is refused (StoreBusy, from SQLITE_BUSY), alone or in a group, and the store
 * goes on; and when the disk fills up under a group, which SQLite answers by rolling the whole
 * transaction back: every write of the group is refused, none said written, and the store goes on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { sqliteBackend } from '../../../test/support/backends.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import { createAccounts } from '../../app/ledger/ledger-writes.ts';
import { StoreBusy, StoreFull } from '../../app/ports.ts';
import { sha256, testEntropy } from '../contract/fixtures.ts';
import { describeStoreContract } from '../contract/store-contract.ts';
import { SqliteStore, storeErrorOf } from './sqlite-store.ts';

describeStoreContract(sqliteBackend);

describe("SQLite's errors as the store's", () => {
  it('takes every busy code, the extended ones too, as StoreBusy; a full disk as StoreFull; others as they are', () => {
    const sqliteError = (code: string) => Object.assign(new Error(code), { code });
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSY_TIMEOUT'])
      assert.ok(storeErrorOf(sqliteError(code)) instanceof StoreBusy, code);
    assert.ok(storeErrorOf(sqliteError('SQLITE_FULL')) instanceof StoreFull);
    const other = sqliteError('SQLITE_CONSTRAINT_UNIQUE');
    assert.equal(storeErrorOf(other), other);
  });
});

describe('SQLite writes while another process holds the write lock', () => {
  it('refuses each write of a group that cannot begin, and writes again once the lock is free', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-busy-'));
    const path = join(dir, 'capstan.sqlite');
    // A short wait stands in for the 10 s one: the other process (a long `capstan eod` page,
    // an import) keeps the lock past it either way.
    const store = new SqliteStore({ path, busyTimeoutMs: 50 });
    const other = new Sqlite(path);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await store.migrate();
      other.exec('begin immediate');
      const writes = await Promise.allSettled([1, 2, 3].map(() => store.write((tx) => tx.ledger.head())));
      const lone = await store.write((tx) => tx.ledger.head()).catch((error: unknown) => error);
      other.exec('commit');
      for (const write of writes) {
        assert.equal(write.status, 'rejected');
        assert.ok(write.reason instanceof StoreBusy, String(write.reason));
        assert.match(String((write.reason.cause as Error).message), /database is locked/);
      }
      assert.ok(lone instanceof StoreBusy, 'a lone write is refused alike');
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, [], 'nothing escaped as an unhandled rejection (which ends the process)');
      const again = await Promise.all([1, 2].map(() => store.write((tx) => tx.ledger.head())));
      assert.equal(again.length, 2);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a SQLite process whose write waits for another process's lock", () => {
  it('answers reads and runs its timers meanwhile, then writes once the lock is free', async () => {
    // SQLite's own busy wait sleeps in the calling thread: a server whose write waited on a
    // `capstan eod` page or an import answered nothing else — a read, /health — until the lock
    // came free or the 10 s ran out (a read sent 0.4 s into the wait was answered after 9.8 s).
    const dir = mkdtempSync(join(tmpdir(), 'capstan-wait-'));
    const path = join(dir, 'capstan.sqlite');
    const store = new SqliteStore({ path, busyTimeoutMs: 5_000 });
    const other = new Sqlite(path);
    try {
      await store.migrate();
      other.exec('begin immediate');
      const started = Date.now();
      const write = store.write((tx) => tx.ledger.head()).then(() => Date.now() - started);
      let waiting = true;
      void write.finally(() => {
        waiting = false;
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      const head = await store.read((tx) => tx.ledger.head());
      const readMs = Date.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.ok(waiting, 'the write is still waiting for the lock');
      other.exec('commit');
      const writtenMs = await write;
      assert.ok(head !== undefined);
      assert.ok(readMs < 250, `a read answered ${readMs} ms into the wait, not after it`);
      assert.ok(writtenMs >= 300, 'the write waited for the lock and then wrote');
    } finally {
      if (other.inTransaction) other.exec('commit');
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migrates a new file once the lock is free, not refused at its first statement', async () => {
    // The migrations table was created outside the waited-for BEGIN IMMEDIATE, with no busy wait
    // on the writer: a server and a worker started together on a new data directory, the second
    // was refused StoreBusy at once (1 start in 5 here) while the first migrated.
    const dir = mkdtempSync(join(tmpdir(), 'capstan-wait-'));
    const path = join(dir, 'capstan.sqlite');
    const other = new Sqlite(path);
    other.pragma('journal_mode = WAL');
    const store = new SqliteStore({ path, busyTimeoutMs: 5_000 });
    try {
      other.exec('begin immediate');
      const migrated = store.migrate();
      await new Promise((resolve) => setTimeout(resolve, 100));
      other.exec('commit');
      const applied = await migrated;
      assert.ok(applied.length > 0, 'every migration applied');
      assert.deepEqual(await store.pendingMigrations(), []);
    } finally {
      if (other.inTransaction) other.exec('commit');
      other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SQLite writes of a group when the disk fills up', () => {
  it('refuses every write of the group, says none written, and writes again once there is room', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-full-'));
    const store = new SqliteStore({ path: join(dir, 'capstan.sqlite') });
    const app = { store, clock: new ManualClock(), entropy: testEntropy, sha256 };
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const accounts = (prefix: string) =>
      Array.from({ length: 2_000 }, (_, i) => ({
        id: `${prefix}-${i}`,
        ledger: 'test',
        currency: 'USD',
        code: 'bank',
        flags: 0,
      }));
    try {
      await store.migrate();
      // A file that may grow by three pages stands in for a disk with that little room left.
      const pages = Number(store.rawConnection.pragma('page_count', { simple: true }));
      store.rawConnection.pragma(`max_page_count = ${pages + 3}`);
      const waited = Promise.allSettled(
        ['a', 'b', 'c'].map((prefix) => store.write((tx) => createAccounts(tx, app, accounts(prefix)))),
      );
      // Before, the group's savepoint, gone with the transaction, threw out of it: an unhandled
      // rejection (the process ends) and callers waiting for ever.
      const writes = await Promise.race([
        waited,
        new Promise<'waiting'>((resolve) => setTimeout(() => resolve('waiting'), 5_000)),
      ]);
      assert.notEqual(writes, 'waiting', 'every write of the group is answered');
      for (const write of writes as PromiseSettledResult<unknown>[]) {
        assert.equal(write.status, 'rejected');
        const { reason } = write as PromiseRejectedResult;
        assert.ok(reason instanceof StoreFull, String(reason));
        assert.match(String(reason.cause), /database or disk is full/);
      }
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, [], 'nothing escaped as an unhandled rejection');
      store.rawConnection.pragma('max_page_count = 1073741823');
      assert.deepEqual(
        await store.read((tx) => tx.ledger.listAccounts({}, { limit: 1 })),
        [],
        'none written',
      );
      const again = await store.write((tx) => createAccounts(tx, app, accounts('d')));
      assert.equal(again.length, 2_000);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
