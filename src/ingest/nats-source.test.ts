/**
 * `capstan worker`'s NATS source against a real nats-server with JetStream, on a real database:
 * every published event is applied once, a bad one is quarantined (and acked, not redelivered
 * forever), a duplicate is answered as such, and a batch whose transaction fails is nak'ed,
 * redelivered by JetStream and then applied exactly once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { backendsUnderTest, type Harness } from '../../test/support/backends.ts';
import { ManualClock } from '../../test/support/manual-clock.ts';
import { natsSkip, natsUrl } from '../../test/support/nats.ts';
import type { AppContext } from '../app/app-context.ts';
import type { Store } from '../app/ports.ts';
import { sha256, testEntropy } from '../storage/contract/fixtures.ts';
import { type BatchReport, startNatsWorker } from './nats-source.ts';

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
      const app: AppContext = {
        store: harness.store,
        clock: new ManualClock(),
        entropy: testEntropy,
        sha256,
      };
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
      const flaky: Store = {
        ...harness.store,
        backend: harness.store.backend,
        location: harness.store.location,
        write: (work) => {
          if (failuresLeft > 0) {
            failuresLeft -= 1;
            return Promise.reject(new Error('the database went away'));
          }
          return harness.store.write(work);
        },
        read: (work) => harness.store.read(work),
        migrate: () => harness.store.migrate(),
        pendingMigrations: () => harness.store.pendingMigrations(),
        close: () => harness.store.close(),
      };
      const app: AppContext = { store: flaky, clock: new ManualClock(), entropy: testEntropy, sha256 };
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
  });
}
