/**
 * Contract: an account's history read across many index buckets. With buckets of four transfers,
 * balances as of every instant and statements paged in every size agree with what was posted —
 * including accounts that were idle for many buckets, and accounts opened late.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BackendUnderTest, Harness } from '../../../test/support/backends.ts';
import { getAccount, listEntries } from '../../app/ledger/ledger-reads.ts';
import { verifyLedger } from '../../app/ledger/verify-ledger.ts';
import type { Balances } from '../../domain/ledger/types.ts';
import { mulberry32 as prng } from '../../simulator/prng.ts';
import { sha256, testLedger, transfer } from './fixtures.ts';

export function historyContract(backend: BackendUnderTest): void {
  describe(`account history across index buckets on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    before(async () => {
      harness = await backend.open({ ledgerBucketShift: 2n });
      await harness.store.migrate();
    });
    after(async () => harness?.dispose());

    it('answers balances as of every instant and pages statements exactly', async () => {
      const ledger = testLedger(harness.store);
      const ids = ['h-a', 'h-b', 'h-c', 'h-d'];
      await ledger.open(ids);
      const random = prng(7);
      const expected = new Map<string, { timestamp: bigint; id: string; after: Balances }[]>();
      const post = async (id: string, debit: string, credit: string) => {
        ledger.clock.advanceSeconds(1);
        const [result] = await ledger.transfers([
          transfer(id, debit, credit, BigInt(1 + Math.floor(random() * 100))),
        ]);
        assert.equal(result?.result, 'ok');
        const stored = await harness.store.read((tx) => tx.ledger.transfer(id));
        assert.ok(stored !== undefined);
        for (const [account, after] of [
          [debit, stored.debitAccountAfter],
          [credit, stored.creditAccountAfter],
        ] as const) {
          expected.set(account, [
            ...(expected.get(account) ?? []),
            { timestamp: stored.timestamp, id, after },
          ]);
        }
      };
      for (let i = 0; i < 40; i += 1) {
        const debit = ids[Math.floor(random() * 3)] as string; // h-d stays idle for now
        let credit = ids[Math.floor(random() * 3)] as string;
        if (credit === debit) credit = ids[(ids.indexOf(debit) + 1) % 3] as string;
        await post(`h-${i}`, debit, credit);
      }
      await post('h-idle-1', 'h-d', 'h-a');
      await ledger.open(['h-late']);
      for (let i = 40; i < 50; i += 1) await post(`h-${i}`, 'h-b', i % 2 === 0 ? 'h-late' : 'h-c');
      await post('h-idle-2', 'h-a', 'h-d');

      const head = await harness.store.read((tx) => tx.ledger.head());
      for (const account of [...ids, 'h-late']) {
        const history = expected.get(account) ?? [];
        for (const [index, entry] of history.entries()) {
          for (const instant of [entry.timestamp, entry.timestamp + 1n]) {
            const view = await harness.store.read((tx) => getAccount(tx, account, instant));
            assert.ok(view.ok);
            assert.deepEqual(view.value.balances, entry.after, `${account} as of entry ${index}`);
          }
          const before = await harness.store.read((tx) =>
            tx.ledger.balancesAsOf(account, entry.timestamp - 1n),
          );
          const previous = history[index - 1];
          assert.deepEqual(
            before,
            previous === undefined ? null : previous.after,
            `${account} just before entry ${index}`,
          );
        }
        for (const pageSize of [1, 3, 7, 100]) {
          const seen: string[] = [];
          let cursor: string | undefined;
          for (let guard = 0; guard < 200; guard += 1) {
            const page = await harness.store.read((tx) =>
              listEntries(tx, account, { startingAfter: cursor, limit: pageSize, asOfNs: null }),
            );
            assert.ok(page.ok);
            seen.push(...page.value.entries.map((e) => e.transfer.id));
            if (!page.value.hasMore) break;
            cursor = page.value.entries[page.value.entries.length - 1]?.transfer.id;
          }
          assert.deepEqual(
            seen,
            history.map((e) => e.id),
            `${account} statement in pages of ${pageSize}`,
          );
        }
      }
      assert.ok(head.transferCount > 40n, 'the history spans many buckets of four');
      assert.equal((await verifyLedger(harness.store, sha256)).failure, null);
    });

    it('catches a transfer filed under the wrong bucket', async () => {
      await harness.exec(`update ledger_transfers set bucket = bucket + 1 where id = 'h-7'`);
      assert.equal((await verifyLedger(harness.store, sha256)).failure?.rule, 'index_bucket_mismatch');
      await harness.exec(`update ledger_transfers set bucket = bucket - 1 where id = 'h-7'`);
      assert.equal((await verifyLedger(harness.store, sha256)).failure, null);
    });
  });
}
