/**
 * `capstan worker`'s NATS source against a real nats-server with JetStream, on a real database:
 * every published event is applied once, a bad one is quarantined (and acked, not redelivered
 * forever), a duplicate is answered as such, a batch whose transaction fails is nak'ed,
 * redelivered by JetStream and then applied exactly once, a consumer made with a delivery limit
 * has it lifted, a fetch NATS fails is told from a batch that failed, a consumer deleted under the
 * worker is made again, and the worker consumes
 * again after NATS was gone longer than nats.js's reconnect attempts, and stops while NATS is gone —
 * and, stopped while a batch is applied, waits for it and acks it.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type AddressInfo, connect as connectSocket, createServer, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { backendsUnderTest, type Harness } from '../../test/support/backends.ts';
import { ManualClock } from '../../test/support/manual-clock.ts';
import { natsSkip, natsUrl } from '../../test/support/nats.ts';
import type { AppContext } from '../app/app-context.ts';
import type { Store } from '../app/ports.ts';
import { sha256, testEntropy } from '../storage/contract/fixtures.ts';
import { type BatchReport, natsDrainMsMax, startNatsWorker } from './nats-source.ts';

function orderEvent(i: number, amount = 1000 + i) {
  return JSON.stringify({
    specversion: '1.0',
    id: `nats-${i}`,
    source: 'plt_nats',
    type: 'order.placed',
    time: `2026-03-${String(1 + (i % 28)).padStart(2, '0')}T12:00:00Z`,
    subject: `mer_n${i % 3}`,
    data: { order_id: `o${i}`, buyer_id: `b${i % 5}`, amount: String(amount), currency: 'USD' },
  });
}

/** An app on `store`, on a clock of the test's. */
function appOn(store: Store): AppContext {
  return { store, clock: new ManualClock(), entropy: testEntropy, sha256 };
}

/** `store` with its writes made by `write` (failing, or held), all else as it is. */
function withWrite(store: Store, write: Store['write']): Store {
  return {
    backend: store.backend,
    location: store.location,
    write,
    read: (work) => store.read(work),
    migrate: () => store.migrate(),
    pendingMigrations: () => store.pendingMigrations(),
    close: () => store.close(),
  };
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

for (const backend of backendsUnderTest) {
  describe(`NATS JetStream worker on ${backend.name}`, { skip: natsSkip ?? backend.skip }, () => {
    let harness: Harness;
    let nc: NatsConnection;
    const stream = `CAPSTAN_TEST_${randomBytes(4).toString('hex').toUpperCase()}`;
    const subject = `capstan.test.${stream.toLowerCase()}`;
    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
      nc = await connect({ servers: natsUrl });
    });
    after(async () => {
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
      await nc?.close();
      await harness?.dispose();
    });

    it('applies each event once, quarantines a bad one, and answers a duplicate', async () => {
      const app = appOn(harness.store);
      const reports: BatchReport[] = [];
      const worker = await startNatsWorker(
        app,
        { url: natsUrl, stream, subjects: [`${subject}.>`], durable: 'capstan-test' },
        { onBatch: (report) => reports.push(report) },
      );
      const js = jetstream(nc);
      for (let i = 0; i < 40; i += 1) await js.publish(`${subject}.orders`, orderEvent(i));
      await js.publish(`${subject}.orders`, '{"not": "an event"}');
      await js.publish(`${subject}.orders`, orderEvent(7));
      const outcomes = () => reports.flatMap((r) => r.outcomes);
      await waitFor(() => outcomes().length >= 42, 20_000, '42 outcomes');
      await worker.stop();
      const statuses = outcomes().map((o) => o.status);
      assert.equal(statuses.filter((s) => s === 'applied').length, 40);
      assert.equal(statuses.filter((s) => s === 'duplicate').length, 1);
      assert.equal(statuses.filter((s) => s === 'quarantined').length, 1);
      assert.equal(await harness.store.read((tx) => tx.inbox.countEvents()), 40n);
      assert.equal(await harness.store.read((tx) => tx.inbox.countQuarantine('open')), 1n);
      const info = await (await jetstreamManager(nc)).consumers.info(stream, 'capstan-test');
      assert.equal(info.num_ack_pending, 0, 'every message was acked');
      assert.equal(info.num_pending, 0);
    });

    it('redelivers a batch whose transaction failed, and applies it once', async () => {
      let failuresLeft = 1;
      const flaky = withWrite(harness.store, (work) => {
        if (failuresLeft > 0) {
          failuresLeft -= 1;
          return Promise.reject(new Error('the database went away'));
        }
        return harness.store.write(work);
      });
      const app = appOn(flaky);
      const errors: unknown[] = [];
      const reports: BatchReport[] = [];
      const worker = await startNatsWorker(
        app,
        {
          url: natsUrl,
          stream,
          subjects: [`${subject}.>`],
          durable: 'capstan-redelivery',
          retryDelayMs: 200,
        },
        { onBatch: (report) => reports.push(report), onError: (error) => errors.push(error) },
      );
      const js = jetstream(nc);
      for (let i = 100; i < 110; i += 1) await js.publish(`${subject}.orders`, orderEvent(i));
      // The new durable consumer starts from the beginning of the stream: 42 old messages + 10 new.
      await waitFor(() => reports.flatMap((r) => r.outcomes).length >= 52, 20_000, 'redelivery');
      await worker.stop();
      assert.equal(errors.length, 1, 'the first batch failed once');
      assert.equal(
        await harness.store.read((tx) => tx.inbox.countEvents()),
        50n,
        '40 earlier + 10 new, none twice',
      );
      const applied = reports.flatMap((r) => r.outcomes).filter((o) => o.status === 'applied').length;
      assert.equal(applied, 10);
    });

    it('lifts the delivery limit of a consumer made with one, so no failing batch is dropped at it', async () => {
      // As the worker made its consumer before redelivery became unlimited: 20 deliveries at most,
      // after which JetStream stops delivering a message that was neither applied nor quarantined.
      const manager = await jetstreamManager(nc);
      await manager.consumers.add(stream, {
        durable_name: 'capstan-limited',
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: 30_000_000_000,
        max_deliver: 20,
      });
      const app = appOn(harness.store);
      const worker = await startNatsWorker(app, {
        url: natsUrl,
        stream,
        subjects: [`${subject}.>`],
        durable: 'capstan-limited',
      });
      await worker.stop();
      const info = await manager.consumers.info(stream, 'capstan-limited');
      assert.equal(info.config.max_deliver, -1, 'delivered until applied or quarantined');
      assert.equal(info.config.ack_policy, AckPolicy.Explicit, 'the rest of its settings left alone');
    });

    it('tells a fetch NATS failed from a batch that failed, and makes its consumer again where it went missing', async () => {
      const app = appOn(harness.store);
      const reports: BatchReport[] = [];
      const batchErrors: unknown[] = [];
      const fetches: unknown[] = [];
      const worker = await startNatsWorker(
        app,
        {
          url: natsUrl,
          stream,
          subjects: [`${subject}.>`],
          durable: 'capstan-fetch-fails',
          retryDelayMs: 50,
        },
        {
          onBatch: (report) => reports.push(report),
          onError: (error) => batchErrors.push(error),
          onFetch: (error) => fetches.push(error),
        },
      );
      try {
        await waitFor(() => fetches.includes(null), 10_000, 'a fetch answered');
        // The consumer deleted from under it: every fetch fails, as with NATS unreachable.
        await (await jetstreamManager(nc)).consumers.delete(stream, 'capstan-fetch-fails');
        await waitFor(() => fetches.some((e) => e !== null), 10_000, 'a fetch failed');
        assert.deepEqual(batchErrors, [], 'no batch failed: there was none');
        // Made again where it went missing, it consumes on: an event published now is applied.
        await jetstream(nc).publish(`${subject}.orders`, orderEvent(700));
        await waitFor(
          () => reports.flatMap((r) => r.outcomes).some((o) => o.status === 'applied' && o.id === 'nats-700'),
          15_000,
          'the event published after the consumer was deleted',
        );
      } finally {
        await worker.stop();
      }
    });

    it('reconnects to NATS after an outage longer than its reconnect attempts, and consumes again', async () => {
      const proxy = await natsProxy(natsUrl);
      const app = appOn(harness.store);
      const reports: BatchReport[] = [];
      const worker = await startNatsWorker(
        app,
        {
          url: proxy.url,
          stream,
          subjects: [`${subject}.>`],
          durable: 'capstan-outage',
          // Attempts 50 ms apart: nats.js's 10 attempts are used up well within the outage.
          reconnectWaitMs: 50,
          retryDelayMs: 50,
        },
        { onBatch: (report) => reports.push(report) },
      );
      try {
        const applied = () => reports.flatMap((r) => r.outcomes).length;
        await waitFor(() => applied() > 0, 20_000, 'the stream so far');
        const before = await harness.store.read((tx) => tx.inbox.countEvents());
        await proxy.cut();
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        await proxy.restore();
        await jetstream(nc).publish(`${subject}.orders`, orderEvent(500));
        await waitFor(
          () => reports.flatMap((r) => r.outcomes).some((o) => o.status === 'applied' && o.id === 'nats-500'),
          10_000,
          'the event published after the outage',
        );
        assert.equal(await harness.store.read((tx) => tx.inbox.countEvents()), before + 1n);
      } finally {
        await worker.stop();
        await proxy.close();
      }
    });

    it('stops while NATS is gone, within a bound, though it would reconnect for as long as it takes', async () => {
      const proxy = await natsProxy(natsUrl);
      const app = appOn(harness.store);
      const worker = await startNatsWorker(app, {
        url: proxy.url,
        stream,
        subjects: [`${subject}.>`],
        durable: 'capstan-stop-in-outage',
        retryDelayMs: 50,
      });
      try {
        await proxy.cut();
        await new Promise((resolve) => setTimeout(resolve, 500));
        const started = Date.now();
        const stopped = await Promise.race([
          worker.stop().then(() => true),
          new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 3 * natsDrainMsMax)),
        ]);
        assert.ok(stopped, 'stop() returned while NATS was gone');
        assert.ok(Date.now() - started <= 2 * natsDrainMsMax + 1_000);
      } finally {
        await proxy.close();
      }
    });

    it('stopped while a batch is being applied for longer than the bound, acks it once committed and stops cleanly', async () => {
      // The batch's transaction held until released: a large batch, a slow database.
      let entered = false;
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const slow = withWrite(harness.store, async (work) => {
        entered = true;
        await held;
        return harness.store.write(work);
      });
      const app = appOn(slow);
      const reports: BatchReport[] = [];
      const errors: unknown[] = [];
      const worker = await startNatsWorker(
        app,
        { url: natsUrl, stream, subjects: [`${subject}.>`], durable: 'capstan-stop-in-batch' },
        { onBatch: (report) => reports.push(report), onError: (error) => errors.push(error) },
      );
      await jetstream(nc).publish(`${subject}.orders`, orderEvent(600));
      await waitFor(() => entered, 10_000, 'a batch being applied');
      const stopped = worker.stop();
      await new Promise((resolve) => setTimeout(resolve, natsDrainMsMax + 500));
      release();
      await stopped;
      assert.deepEqual(errors, [], 'the batch committed: none failed');
      assert.equal(reports.length, 1, 'the batch was applied');
      const info = await (await jetstreamManager(nc)).consumers.info(stream, 'capstan-stop-in-batch');
      assert.equal(info.num_ack_pending, 0, 'its messages were acked, not left to be redelivered');
    });
  });
}

/**
 * A TCP proxy on loopback to the NATS server at `target`, which can be cut — every connection
 * closed, new ones refused — and restored on the same port: NATS gone away for a while.
 */
async function natsProxy(target: string) {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const server = connectSocket(Number(upstream.port || 4222), upstream.hostname);
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        server.destroy();
      });
    }
    client.pipe(server);
    server.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `nats://127.0.0.1:${port}`,
    async cut() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    async restore() {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A server on loopback that takes connections and answers as `greet` says: nothing at all (a load
 * balancer with nothing behind it), or a NATS greeting and PONGs but never a JetStream reply.
 */
async function fakeServer(greet: 'silent' | 'nats_without_jetstream') {
  const sockets: Socket[] = [];
  const closed: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('close', () => void closed.push(socket));
    socket.on('error', () => undefined);
    if (greet === 'silent') return;
    socket.write(
      `INFO ${JSON.stringify({ server_id: 'fake', version: '2.10.0', proto: 1, headers: true, max_payload: 1_048_576 })}\r\n`,
    );
    socket.on('data', (chunk: Buffer) => {
      for (const _ of chunk.toString().matchAll(/^PING\r$/gm)) socket.write('PONG\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `nats://127.0.0.1:${port}`,
    sockets,
    closed,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('NATS that does not answer as it should', () => {
  const app = { store: {} as Store, clock: new ManualClock(), entropy: testEntropy, sha256 } as AppContext;
  const options = { stream: 'CAPSTAN_X', subjects: ['capstan.x.>'], durable: 'capstan-x' };

  it('fails an attempt on a server that never answers and leaves no socket open behind it', async () => {
    const fake = await fakeServer('silent');
    try {
      await assert.rejects(
        startNatsWorker(app, { ...options, url: fake.url, connectTimeoutMs: 300 }),
        /timeout/i,
      );
      assert.equal(fake.sockets.length, 1);
      await waitFor(() => fake.closed.length === 1, 5_000, 'the attempt to close its socket');
    } finally {
      await fake.close();
    }
  });

  it('closes the connection to a server without JetStream when the consumer cannot be made', async () => {
    const fake = await fakeServer('nats_without_jetstream');
    try {
      await assert.rejects(startNatsWorker(app, { ...options, url: fake.url, connectTimeoutMs: 2_000 }));
      assert.equal(fake.sockets.length, 1, 'connected once');
      await waitFor(() => fake.closed.length === 1, 5_000, 'the connection to close');
    } finally {
      await fake.close();
    }
  });
});
