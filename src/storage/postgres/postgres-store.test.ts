/**
 * The storage contract on PostgreSQL: a real server (CAPSTAN_TEST_DATABASE_URL), a fresh database
 * with a random name per suite, dropped afterwards. Skipped with a message when no server is
 * configured; an error under CI=true. And the store survives its idle connections being
 * terminated under it (a server restart, or a database dropped right after close()), and the
 * connection of a transaction in progress terminated (the write fails StoreUnavailable, the
 * process lives on), and a server gone silent (the work waiting on it fails within a bound); a
 * write that loses every attempt to writes racing it is refused StoreBusy.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { type Harness, postgresBackend } from '../../../test/support/backends.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import type { AppContext } from '../../app/app-context.ts';
import { createAccounts } from '../../app/ledger/ledger-writes.ts';
import { StoreBusy, StoreUnavailable, WriteConflict } from '../../app/ports.ts';
import { sha256, testEntropy } from '../contract/fixtures.ts';
import { describeStoreContract } from '../contract/store-contract.ts';
import { PostgresStore, writeAttemptsMax } from './postgres-store.ts';

describeStoreContract(postgresBackend);

describe('a PostgreSQL store whose idle connections are terminated', { skip: postgresBackend.skip }, () => {
  let harness: Harness;
  before(async () => {
    harness = await postgresBackend.open();
    await harness.store.migrate();
  });
  after(async () => harness?.dispose());

  it('survives: the pool drops the dead connections and the next query opens a fresh one', async () => {
    const store = harness.store as PostgresStore;
    // Two connections, both idle in the pool afterwards.
    await Promise.all([store.pool.query('select pg_sleep(0.05)'), store.pool.query('select pg_sleep(0.05)')]);
    assert.ok(store.pool.idleCount >= 1);
    const errors: unknown[] = [];
    const onUncaught = (error: unknown) => errors.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const [{ terminated }] = (await harness.query(
        `select count(pg_terminate_backend(pid))::int as terminated from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid()`,
      )) as [{ terminated: number }];
      assert.ok(terminated >= 1, 'the idle connections were terminated');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const count = await store.read((tx) => tx.ledger.listAccounts({}, { limit: 1 }));
      assert.deepEqual(count, []);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    assert.deepEqual(errors, []);
  });
});

describe('a PostgreSQL transaction whose connection is terminated', { skip: postgresBackend.skip }, () => {
  let harness: Harness;
  before(async () => {
    harness = await postgresBackend.open();
    await harness.store.migrate();
  });
  after(async () => harness?.dispose());

  it('fails that write alone: no crash of the process, nothing written, the next write succeeds', async () => {
    const app: AppContext = { store: harness.store, clock: new ManualClock(), entropy: testEntropy, sha256 };
    const errors: unknown[] = [];
    const onUncaught = (error: unknown) => errors.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const failed = await harness.store
        .write(async (tx) => {
          const opened = await createAccounts(tx, app, [
            { id: 'cash', ledger: 'test', currency: 'USD', code: 'bank', flags: 0 },
          ]);
          assert.equal(opened[0]?.result, 'ok');
          // The server ends this connection while the transaction holds it (a restart, a failover).
          await harness.query(
            `select pg_terminate_backend(pid) from pg_stat_activity
             where datname = current_database() and pid <> pg_backend_pid() and state like 'idle in transaction%'`,
          );
          await new Promise((resolve) => setTimeout(resolve, 200));
          return tx.ledger.listAccounts({}, { limit: 1 });
        })
        .catch((error: unknown) => error);
      assert.ok(failed instanceof StoreUnavailable, `the write fails, unavailable: ${String(failed)}`);
      // Before, pg emitted the lost connection as 'error' on a client checked out of the pool,
      // which nothing listened to: an uncaught exception that ended the process.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.deepEqual(await harness.store.read((tx) => tx.ledger.listAccounts({}, { limit: 1 })), []);
      const again = await harness.store.write((tx) =>
        createAccounts(tx, app, [{ id: 'cash', ledger: 'test', currency: 'USD', code: 'bank', flags: 0 }]),
      );
      assert.equal(again[0]?.result, 'ok');
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    assert.deepEqual(errors, []);
  });
});

/**
 * A TCP relay to the test server's PostgreSQL on 127.0.0.1 that can go silent: it keeps every
 * connection open and forwards nothing, as a hung server or a network dropping packets does.
 */
async function silenceableRelay(
  target: URL,
): Promise<{ port: number; silent: boolean; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const relay = {
    port: 0,
    silent: false,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (data) => void (relay.silent || upstream.write(data)));
    upstream.on('data', (data) => void (relay.silent || client.write(data)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  relay.port = (server.address() as { port: number }).port;
  return relay;
}

describe('a PostgreSQL server that stops answering', { skip: postgresBackend.skip }, () => {
  let harness: Harness;
  before(async () => {
    harness = await postgresBackend.open();
    await harness.store.migrate();
  });
  after(async () => harness?.dispose());

  // The timeout: without a bound in the store the write would wait for ever.
  it('fails the work waiting on it StoreUnavailable past the silence bound, and works again once it answers', {
    timeout: 30_000,
  }, async () => {
    const relay = await silenceableRelay(new URL(harness.location));
    const url = new URL(harness.location);
    url.port = String(relay.port);
    // Short bounds stand in for postgresConnectMsMax and postgresSilenceMsMax.
    const store = new PostgresStore({
      connectionString: url.toString(),
      silenceMsMax: 400,
      connectMsMax: 400,
    });
    const app: AppContext = { store, clock: new ManualClock(), entropy: testEntropy, sha256 };
    try {
      const started = performance.now();
      const failed = await store
        .write(async (tx) => {
          await createAccounts(tx, app, [
            { id: 'cash', ledger: 'test', currency: 'USD', code: 'bank', flags: 0 },
          ]);
          relay.silent = true;
          return tx.ledger.listAccounts({}, { limit: 1 });
        })
        .catch((error: unknown) => error);
      // Before, the write waited forever: pg has no bound of its own, and neither had the pool.
      assert.ok(failed instanceof StoreUnavailable, String(failed));
      assert.ok(performance.now() - started < 5_000, 'it fails within the bound, not after minutes');
      // Work that would wait for a connection while it is silent fails within the connect bound.
      const waiting = await store.read((tx) => tx.ledger.head()).catch((error: unknown) => error);
      assert.ok(waiting instanceof StoreUnavailable, String(waiting));
      relay.silent = false;
      assert.deepEqual(
        await harness.store.read((tx) => tx.ledger.listAccounts({}, { limit: 1 })),
        [],
        'nothing of the failed write was committed',
      );
      const again = await store.write((tx) =>
        createAccounts(tx, app, [{ id: 'cash', ledger: 'test', currency: 'USD', code: 'bank', flags: 0 }]),
      );
      assert.equal(again[0]?.result, 'ok', 'the store works again once the server answers');
    } finally {
      await store.close();
      await relay.close();
    }
  });
});

describe('a PostgreSQL migration that runs long', { skip: postgresBackend.skip }, () => {
  let harness: Harness;
  before(async () => {
    harness = await postgresBackend.open();
    await harness.store.migrate();
  });
  after(async () => harness?.dispose());

  it('is not cut short by the silence bound: an index over a large table may take minutes', async () => {
    // The last migration to run again, kept waiting past the bound by a lock on the table it reads.
    await harness.exec("delete from capstan_migrations where name = '0015_idempotency_secrets'");
    const locker = new pg.Client({ connectionString: harness.location });
    await locker.connect();
    const store = new PostgresStore({ connectionString: harness.location, silenceMsMax: 200 });
    try {
      await locker.query('begin');
      await locker.query('lock table idempotency_keys in access exclusive mode');
      const released = new Promise((resolve) => setTimeout(resolve, 800)).then(() => locker.query('commit'));
      // Before, its socket was closed after 200 ms of silence and the migration failed StoreUnavailable.
      assert.deepEqual(await store.migrate(), ['0015_idempotency_secrets']);
      await released;
      // The bound is back for everything else.
      await locker.query('begin');
      await locker.query('lock table idempotency_keys in access exclusive mode');
      const waiting = store
        .write((tx) => tx.idempotency.claim('s', 'k', 'f', 0n))
        .catch((error: unknown) => error);
      assert.ok((await waiting) instanceof StoreUnavailable);
      await locker.query('commit');
    } finally {
      await store.close();
      await locker.end();
    }
  });
});

describe('a PostgreSQL write that loses every attempt', { skip: postgresBackend.skip }, () => {
  let harness: Harness;
  before(async () => {
    harness = await postgresBackend.open();
    await harness.store.migrate();
  });
  after(async () => harness?.dispose());

  it('is refused StoreBusy after writeAttemptsMax, what it lost to as the cause; another error at once', async () => {
    let attempts = 0;
    const lost = await harness.store
      .write(async () => {
        attempts += 1;
        throw new WriteConflict('a facility changed while it was being serviced');
      })
      .catch((error: unknown) => error);
    assert.ok(lost instanceof StoreBusy, String(lost));
    assert.ok(lost.cause instanceof WriteConflict);
    assert.equal(attempts, writeAttemptsMax);
    attempts = 0;
    const failed = await harness.store
      .write(async () => {
        attempts += 1;
        throw new Error('not a race');
      })
      .catch((error: unknown) => error);
    assert.ok(!(failed instanceof StoreBusy));
    assert.equal(attempts, 1, 'an error no retry mends is not retried');
  });
});
