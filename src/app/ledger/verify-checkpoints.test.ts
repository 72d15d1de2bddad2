/**
 * `capstan verify` and the daily checkpoints, on real stores: every checkpoint recomputed from what
 * is stored. A transfer rewritten on a checkpointed day — its chain and the chain head remade, so
 * the ledger's own chain holds — is named by its day with both roots; a checkpoint altered, one
 * removed, or one no longer following the day before's, each by its own rule. And checkpoints held
 * outside the database: a file of them (as the API lists them, or as the webhooks send them) is
 * read, checked whole, and matched against the database's — which catches the forgery that remakes
 * the chain, the head and the checkpoints too, by the day whose root someone else still holds.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import {
  type CheckpointDays,
  firstDay,
  remakeTransferChain,
  threeDays,
} from '../../../test/support/checkpoint-days.ts';
import { checkpointHash } from '../../domain/ledger/checkpoint.ts';
import { checkpointView } from '../../http/views.ts';
import { sha256 } from '../../storage/contract/fixtures.ts';
import { runEndOfDay } from '../financing/eod.ts';
import { heldCheckpointsOf, verifyCheckpointAnchors } from './checkpoint-anchors.ts';
import { checkpointClosedDays } from './checkpoints.ts';
import { verifyCheckpoints } from './verify-checkpoints.ts';
import { verifyLedger } from './verify-ledger.ts';

for (const backend of backendsUnderTest) {
  describe(`verify and the daily checkpoints on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let days: CheckpointDays;
    const failure = async () => (await verifyCheckpoints(harness.store, sha256)).failure;
    /** The checkpoints as the API lists them, one a line, as an operator exports them. */
    const exported = async () =>
      (await harness.store.read((tx) => tx.ledger.checkpoints({ limit: 100 })))
        .map((c) => JSON.stringify(checkpointView(c)))
        .join('\n');
    /** Sets columns of a day's checkpoint, its hash recomputed when `rehash`; answers how to undo it. */
    const alterCheckpoint = async (day: number, set: string, rehash: boolean) => {
      const [row] = await harness.query(`select * from ledger_checkpoints where day = ${day}`);
      await harness.exec(`update ledger_checkpoints set ${set} where day = ${day}`);
      if (rehash) {
        const altered = await harness.store.read((tx) => tx.ledger.checkpoint(day));
        assert.ok(altered !== undefined);
        await harness.exec(
          `update ledger_checkpoints set hash = '${checkpointHash(sha256, altered)}' where day = ${day}`,
        );
      }
      return async () => {
        const columns = Object.entries(row ?? {}).filter(([column]) => column !== 'day');
        const values = columns.map(
          ([column, value]) => `${column} = ${value === null ? 'null' : `'${value}'`}`,
        );
        await harness.exec(`update ledger_checkpoints set ${values.join(', ')} where day = ${day}`);
      };
    };

    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
      days = await threeDays(harness.store);
      assert.ok((await runEndOfDay(days.app, firstDay + 2)).ok);
    });
    after(async () => harness?.dispose());

    it('passes on honest checkpoints, and on none', async () => {
      const report = await verifyCheckpoints(harness.store, sha256);
      assert.equal(report.failure, null);
      assert.equal(report.checked, 3);
      assert.deepEqual([report.first?.day, report.last?.day], [firstDay, firstDay + 2]);
      const empty = await backend.open();
      try {
        await empty.store.migrate();
        assert.deepEqual(await verifyCheckpoints(empty.store, sha256), {
          failure: null,
          checked: 0,
          first: null,
          last: null,
        });
      } finally {
        await empty.dispose();
      }
    });

    it("names the day of a transfer rewritten after its checkpoint, though the ledger's chain was remade", async () => {
      const [original] = await harness.query(
        `select metadata, hash from ledger_transfers where id = 'c-1-2'`,
      );
      const held = (await harness.store.read((tx) => tx.ledger.checkpoint(firstDay)))?.transfers.root;
      await harness.exec(
        `update ledger_transfers set metadata = '{"paid_to":"elsewhere"}' where id = 'c-1-2'`,
      );
      await remakeTransferChain(harness);
      try {
        assert.equal((await verifyLedger(harness.store, sha256)).failure, null, "the ledger's chain holds");
        const found = await failure();
        assert.equal(found?.rule, 'checkpoint_root_mismatch');
        assert.match(
          found?.detail ?? '',
          new RegExp(
            `^2026-05-27: the transfers root held is ${held} but the transfers stored for the day hash to [0-9a-f]{64}: `,
          ),
        );
      } finally {
        await harness.exec(
          `update ledger_transfers set metadata = ${original?.['metadata'] === null ? 'null' : `'${original?.['metadata']}'`} where id = 'c-1-2'`,
        );
        await remakeTransferChain(harness);
      }
      assert.equal(await failure(), null);
    });

    it('names a checkpoint altered, rehashed or not, and one that no longer follows the day before', async () => {
      const cases = [
        // Its root changed alone: its own hash no longer matches.
        [
          firstDay + 2,
          `transfers_root = '${'ab'.repeat(32)}'`,
          false,
          'checkpoint_hash_mismatch',
          /^2026-05-29: /,
        ],
        // Rehashed too: the day's transfers no longer give that root.
        [
          firstDay + 2,
          `transfers_root = '${'ab'.repeat(32)}'`,
          true,
          'checkpoint_root_mismatch',
          /^2026-05-29: /,
        ],
        // Claiming a decision of the next day's.
        [
          firstDay,
          'decision_last_sequence = 2, decision_count = 2',
          true,
          'checkpoint_root_mismatch',
          /decisions/,
        ],
        // Pointing elsewhere than the day before's.
        [
          firstDay + 1,
          `previous_hash = '${'cd'.repeat(32)}'`,
          true,
          'checkpoint_chain_broken',
          /^2026-05-28: /,
        ],
      ] as const;
      for (const [day, set, rehash, rule, detail] of cases) {
        const undo = await alterCheckpoint(day, set, rehash);
        try {
          const found = await failure();
          assert.equal(found?.rule, rule, set);
          assert.match(found?.detail ?? '', detail, set);
        } finally {
          await undo();
        }
        assert.equal(await failure(), null, `undone: ${set}`);
      }
      const [middle] = await harness.query(`select * from ledger_checkpoints where day = ${firstDay + 1}`);
      await harness.exec(`delete from ledger_checkpoints where day = ${firstDay + 1}`);
      try {
        const found = await failure();
        assert.equal(found?.rule, 'checkpoint_chain_broken');
        assert.match(found?.detail ?? '', /no checkpoint between 2026-05-27 and 2026-05-29/);
      } finally {
        const columns = Object.keys(middle ?? {});
        const values = columns.map((c) => (middle?.[c] === null ? 'null' : `'${middle?.[c]}'`));
        await harness.exec(
          `insert into ledger_checkpoints (${columns.join(', ')}) values (${values.join(', ')})`,
        );
      }
      assert.equal(await failure(), null);
    });

    it('reads checkpoints held outside as exported or as sent, and refuses a file it cannot use', async () => {
      const text = await exported();
      const held = heldCheckpointsOf(text, sha256);
      assert.ok(held.ok);
      assert.deepEqual(
        held.value.map((c) => c.day),
        [firstDay, firstDay + 1, firstDay + 2],
      );
      const lines = text.split('\n').map((line) => JSON.parse(line) as unknown);
      // A page of the list, and a receiver's log of webhook messages (other types passed over).
      const page = JSON.stringify({
        object: 'list',
        url: '/v1/ledger/checkpoints',
        data: lines,
        has_more: false,
      });
      const messages = [
        JSON.stringify({ type: 'offer.created', timestamp: '2026-05-27T00:00:00.000Z', data: {} }),
        ...lines.map((data) => JSON.stringify({ type: 'ledger.checkpoint.created', timestamp: 'x', data })),
      ].join('\n');
      for (const form of [page, messages]) assert.deepEqual(heldCheckpointsOf(form, sha256), held);
      assert.deepEqual((await verifyCheckpointAnchors(harness.store, held.value)).failure, null);

      const damaged = text.replace(/"count":5/, '"count":6');
      for (const [bad, reason] of [
        ['', /no checkpoints/],
        ['{"object":"ledger_account"}', /not a checkpoint/],
        ['{"object":"ledger_checkpoint","day":"2026-02-30"}', /day is not a date/],
        [damaged, /2026-05-27 does not hash to its own hash/],
        [`${text}\nnot json`, /line 4: neither the file nor this line is JSON/],
      ] as const) {
        const refused = heldCheckpointsOf(bad, sha256);
        assert.equal(refused.ok, false, bad.slice(0, 40));
        assert.match(refused.ok ? '' : (refused.detail ?? ''), reason);
      }
    });

    it('catches a forgery that remade the chain, the head and the checkpoints, by a root held outside', async () => {
      const fresh = await backend.open();
      try {
        await fresh.store.migrate();
        const forged = await threeDays(fresh.store);
        assert.ok((await runEndOfDay(forged.app, firstDay + 2)).ok);
        const exportedBefore = (await fresh.store.read((tx) => tx.ledger.checkpoints({ limit: 100 })))
          .map((c) => JSON.stringify(checkpointView(c)))
          .join('\n');
        const held = heldCheckpointsOf(exportedBefore, sha256);
        assert.ok(held.ok);
        const heldRoot = held.value[0]?.transfers.root;

        // The day's transfer rewritten, every chain hash after it, the head, and every checkpoint
        // made again by Capstan's own code from the rewritten ledger.
        await fresh.exec(
          `update ledger_transfers set metadata = '{"paid_to":"elsewhere"}' where id = 'c-1-2'`,
        );
        await remakeTransferChain(fresh);
        await fresh.exec('delete from ledger_checkpoints');
        assert.equal((await checkpointClosedDays(forged.app, firstDay + 2)).length, 3);
        assert.equal((await verifyLedger(fresh.store, sha256)).failure, null);
        assert.equal((await verifyCheckpoints(fresh.store, sha256)).failure, null, 'consistent inside');

        const found = (await verifyCheckpointAnchors(fresh.store, held.value)).failure;
        assert.equal(found?.rule, 'checkpoint_anchor_mismatch');
        const remade = (await fresh.store.read((tx) => tx.ledger.checkpoint(firstDay)))?.transfers.root;
        assert.notEqual(remade, heldRoot);
        assert.equal(
          found?.detail,
          `2026-05-27: the database's transfers root is ${remade} but the one held outside is ${heldRoot}: the day's transfers were rewritten`,
        );

        // The checkpoints taken away instead: the one held is missing.
        await fresh.exec('delete from ledger_checkpoints');
        const missing = (await verifyCheckpointAnchors(fresh.store, held.value)).failure;
        assert.equal(missing?.rule, 'checkpoint_anchor_mismatch');
        assert.match(
          missing?.detail ?? '',
          /^2026-05-27: a checkpoint is held outside .* the database has none/,
        );
      } finally {
        await fresh.dispose();
      }
    });
  });
}
