/**
 * Daily checkpoints made by the daily cycle, on real stores: one per day from the first day with a
 * transfer or a decision, each holding the RFC 6962 root of its transfers' chain hashes and of the
 * decisions it covers — equal to a root computed apart, by raw SQL and a literal reading of the
 * RFC — an empty day's too; chained to the day before; made once however often the cycle runs,
 * caught up when it missed days, and made again after a run that died mid-day. A checkpointed day
 * is closed: a transfer written after it with a clock still on that day is stamped the next day.
 * Each checkpoint sends a `ledger.checkpoint.created` event, and the API lists them.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import {
  at,
  type CheckpointDays,
  dayNs,
  firstDay,
  independentCheckpointHash,
  independentRoot,
  storedDecisionHashes,
  storedTransferHashes,
  threeDays,
} from '../../../test/support/checkpoint-days.ts';
import { checkpointView } from '../../http/views.ts';
import { eventRenderers } from '../../http/views-financing.ts';
import { httpWebhookTransport } from '../../main/webhook-transport.ts';
import { transfer } from '../../storage/contract/fixtures.ts';
import { cliActor } from '../audit/audit-log.ts';
import { runEndOfDay } from '../financing/eod.ts';
import { dailyCycleJob } from '../jobs/daily-cycle.ts';
import { dispatchWebhooks } from '../webhooks/dispatch.ts';
import { createEndpoint } from '../webhooks/endpoints.ts';
import { checkpointClosedDays, checkpointNextDay } from './checkpoints.ts';
import { verifyLedger } from './verify-ledger.ts';

const emptyRoot = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const zeros = '0'.repeat(64);

for (const backend of backendsUnderTest) {
  describe(`daily checkpoints on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let days: CheckpointDays;
    const views = async () =>
      (await harness.store.read((tx) => tx.ledger.checkpoints({ limit: 100 }))).map(checkpointView);
    /** Every row checkpoints touch: equal snapshots, nothing changed. */
    const snapshot = async () =>
      JSON.stringify(
        [
          await harness.query('select * from ledger_checkpoints order by day'),
          await harness.query('select * from ledger_chain'),
          await harness.query(`select subject, subject_id from outbox_events order by sequence`),
        ],
        (_key, value) => (typeof value === 'bigint' ? value.toString() : value),
      );
    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
      days = await threeDays(harness.store);
    });
    after(async () => harness?.dispose());

    it('the daily cycle checkpoints each closed day, from the first with a transfer, an empty day too', async () => {
      const made: string[] = [];
      const run = await runEndOfDay(days.app, firstDay + 2, {
        onCheckpoint: (c) => made.push(checkpointView(c).day),
      });
      assert.ok(run.ok);
      assert.deepEqual(made, ['2026-05-27', '2026-05-28', '2026-05-29']);
      const [one, two, three] = (await views()) as [
        ReturnType<typeof checkpointView>,
        ReturnType<typeof checkpointView>,
        ReturnType<typeof checkpointView>,
      ];

      const dayOne = await storedTransferHashes(harness, at(firstDay, 0), at(firstDay + 1, 0));
      assert.equal(dayOne.length, 5);
      assert.deepEqual(one.transfers, {
        count: 5,
        first_sequence: 1,
        last_sequence: 5,
        root: independentRoot(dayOne.map((t) => t.hash)),
        chain_hash: dayOne[4]?.hash,
      });
      const decisions = await storedDecisionHashes(harness);
      assert.equal(decisions.length, 3);
      assert.deepEqual(one.decisions, {
        count: 1,
        first_sequence: 1,
        last_sequence: 1,
        root: independentRoot([decisions[0]?.hash as string]),
        chain_hash: decisions[0]?.hash,
      });
      assert.equal(one.previous_hash, zeros, 'the first checkpoint follows 64 zeros');

      // Nothing on the second day: an empty tree, the chains where the day before left them.
      assert.deepEqual(two.transfers, {
        count: 0,
        first_sequence: null,
        last_sequence: null,
        root: emptyRoot,
        chain_hash: one.transfers.chain_hash,
      });
      assert.equal(two.decisions.count, 0);
      assert.equal(two.decisions.chain_hash, one.decisions.chain_hash);

      const dayThree = await storedTransferHashes(harness, at(firstDay + 2, 0), at(firstDay + 3, 0));
      assert.deepEqual(
        dayThree.map((t) => t.sequence),
        [6, 7, 8],
      );
      assert.equal(three.transfers.root, independentRoot(dayThree.map((t) => t.hash)));
      assert.deepEqual([three.transfers.first_sequence, three.transfers.last_sequence], [6, 8]);
      assert.equal(three.decisions.root, independentRoot(decisions.slice(1).map((d) => d.hash)));
      assert.deepEqual([three.decisions.first_sequence, three.decisions.last_sequence], [2, 3]);

      for (const [index, view] of [one, two, three].entries()) {
        assert.equal(view.hash, independentCheckpointHash(view), `${view.day}'s hash as documented`);
        if (index > 0) assert.equal(view.previous_hash, [one, two][index - 1]?.hash, `${view.day} chains on`);
      }
    });

    it('running the cycle again changes nothing', async () => {
      const before = await snapshot();
      const again = await runEndOfDay(days.app, firstDay + 2);
      assert.ok(again.ok);
      assert.deepEqual(
        await harness.store.write((tx) => checkpointNextDay(tx, days.app, firstDay + 2)),
        null,
      );
      assert.equal(await snapshot(), before);
    });

    it('closes a checkpointed day: a transfer written later by a clock still on it is stamped the next day', async () => {
      // Nothing has been stamped after the third day yet: the checkpoint moved the head's last
      // timestamp to the day's last nanosecond, and verify holds it there.
      const [head] = await harness.query('select last_timestamp from ledger_chain');
      assert.equal(BigInt(head?.['last_timestamp'] as bigint), BigInt(firstDay + 3) * dayNs - 1n);
      assert.equal((await verifyLedger(harness.store, days.app.sha256)).failure, null);
      await harness.exec(
        'update ledger_chain set last_timestamp = (select max(timestamp) from ledger_transfers)',
      );
      const reopened = (await verifyLedger(harness.store, days.app.sha256)).failure;
      assert.equal(reopened?.rule, 'chain_head_mismatch');
      assert.match(reopened?.detail ?? '', /the last checkpointed day ends at \d+/);
      await harness.exec(`update ledger_chain set last_timestamp = ${BigInt(firstDay + 3) * dayNs - 1n}`);
      // A writer whose clock is still on the day.
      days.clock.set(at(firstDay + 2, 23));
      const [result] = await days.ledger.transfers([transfer('c-late', 'c-bank', 'c-shop', 1n)]);
      assert.equal(result?.result, 'ok');
      assert.equal(result?.timestamp, BigInt(firstDay + 3) * dayNs, 'the first nanosecond after the day');
      assert.equal((await verifyLedger(harness.store, days.app.sha256)).failure, null);
      days.clock.set(at(firstDay + 3, 2));
    });

    it('catches up the days missed, and makes again a day whose run died before it committed', async () => {
      days.clock.set(at(firstDay + 6, 2));
      // A run that dies on the fourth day, mid-transaction: nothing of it stays.
      const before = await snapshot();
      await assert.rejects(
        harness.store.write(async (tx) => {
          assert.ok((await checkpointNextDay(tx, days.app, firstDay + 5)) !== null);
          throw new Error('the process died');
        }),
        /the process died/,
      );
      assert.equal(await snapshot(), before);
      // The worker's job, three days late: every missed day checkpointed, in order, once (no
      // facility to serve: only the last ended day's cycle runs).
      assert.deepEqual(
        (await dailyCycleJob(days.app).tick()).map((d) => d.day),
        ['2026-06-01'],
      );
      assert.deepEqual(
        (await views()).map((v) => [v.day, v.transfers.count]),
        [
          ['2026-05-27', 5],
          ['2026-05-28', 0],
          ['2026-05-29', 3],
          ['2026-05-30', 1],
          ['2026-05-31', 0],
          ['2026-06-01', 0],
        ],
      );
      const afterTick = await snapshot();
      assert.deepEqual(await dailyCycleJob(days.app).tick(), []);
      assert.equal(await snapshot(), afterTick, 'a second tick the same day makes nothing');
      assert.deepEqual(await checkpointClosedDays(days.app, firstDay + 5), []);
    });

    it('sends ledger.checkpoint.created for each checkpoint, the checkpoint as the API shows it', async () => {
      const received: { headers: Record<string, unknown>; body: string }[] = [];
      const server = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => (body += chunk));
        request.on('end', () => {
          received.push({ headers: request.headers, body });
          response.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
        // Registered before the next checkpoint: it is sent that one (older ones by a replay).
        days.clock.set(at(firstDay + 6, 3));
        const made = await harness.store.write((tx) =>
          createEndpoint(
            tx,
            days.app,
            { url, eventTypes: ['ledger.checkpoint.created'], description: 'anchors' },
            cliActor(days.app),
          ),
        );
        assert.ok(made.ok);
        days.clock.set(at(firstDay + 7, 2));
        const [made7] = await checkpointClosedDays(days.app, firstDay + 6);
        assert.ok(made7 !== undefined);
        await dispatchWebhooks(days.app, httpWebhookTransport('capstan-test'), eventRenderers);
        assert.equal(received.length, 1);
        const message = JSON.parse(received[0]?.body ?? '') as { type: string; data: unknown };
        assert.equal(received[0]?.headers['webhook-id'], 'lcp_2026-06-02:1');
        assert.equal(message.type, 'ledger.checkpoint.created');
        assert.deepEqual(message.data, checkpointView(made7));
      } finally {
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });
}
