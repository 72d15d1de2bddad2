/**
 * Contract: `verify` passes on an honest ledger and names the broken rule when a row is tampered
 * with directly in the database: an altered amount breaks the hash chain, an altered balance no
 * longer adds up, an altered account flag breaks the account's seal, a removed transfer breaks the
 * chain head.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BackendUnderTest, Harness } from '../../../test/support/backends.ts';
import { verifyLedger } from '../../app/ledger/verify-ledger.ts';
import { TransferFlag } from '../../domain/ledger/types.ts';
import { sha256, testLedger, transfer } from './fixtures.ts';

export function verifyContract(backend: BackendUnderTest): void {
  describe(`verify on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    const failure = async () => (await verifyLedger(harness.store, sha256)).failure;
    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
      const ledger = testLedger(harness.store);
      await ledger.open(['v-bank', 'v-other']);
      await ledger.open(['v-mer'], { constrained: true });
      for (let i = 0; i < 30; i += 1) {
        ledger.clock.advanceSeconds(1);
        await ledger.transfers([
          transfer(`v-in-${i}`, 'v-bank', 'v-mer', 100n),
          transfer(`v-hold-${i}`, 'v-mer', 'v-other', 30n, { flags: TransferFlag.pending }),
          { id: `v-post-${i}`, pendingId: `v-hold-${i}`, amount: 20n, flags: TransferFlag.postPending },
        ]);
      }
    });
    after(async () => harness?.dispose());

    it('passes on an honest ledger and counts what it checked', async () => {
      const report = await verifyLedger(harness.store, sha256);
      assert.equal(report.failure, null);
      assert.equal(report.transfersChecked, 90);
      assert.equal(report.accountsChecked, 3);
    });

    it('catches an altered transfer amount as a broken hash link', async () => {
      await harness.exec(`update ledger_transfers set amount = amount + 1 where id = 'v-in-7'`);
      const found = await failure();
      assert.equal(found?.rule, 'hash_mismatch');
      assert.match(found?.detail ?? '', /v-in-7/);
      await harness.exec(`update ledger_transfers set amount = amount - 1 where id = 'v-in-7'`);
      assert.equal(await failure(), null);
    });

    it('catches an altered account balance', async () => {
      await harness.exec(
        `update ledger_accounts set credits_posted = credits_posted + 500 where id = 'v-mer'`,
      );
      const found = await failure();
      assert.equal(found?.rule, 'account_totals_mismatch');
      assert.match(found?.detail ?? '', /v-mer/);
      await harness.exec(
        `update ledger_accounts set credits_posted = credits_posted - 500 where id = 'v-mer'`,
      );
      assert.equal(await failure(), null);
    });

    it('names an account total set below zero instead of failing on it', async () => {
      // Reading the row back asserts totals are never negative; verify must report, not crash.
      await harness.exec(`update ledger_accounts set debits_posted = -100 where id = 'v-bank'`);
      try {
        const found = await failure();
        assert.equal(found?.rule, 'account_totals_mismatch');
        assert.match(found?.detail ?? '', /v-bank: stored totals \(debits posted -100/);
      } finally {
        await harness.exec(`update ledger_accounts set debits_posted = 3000 where id = 'v-bank'`);
      }
      assert.equal(await failure(), null);
    });

    it('names a row holding a number no honest write leaves, instead of failing on it', async () => {
      // 2^53 + 1 is a valid int8 but no flags value the ledger reads as a number.
      for (const [table, id] of [
        ['ledger_accounts', 'v-mer'],
        ['ledger_transfers', 'v-hold-3'],
      ] as const) {
        const [row] = await harness.query(`select flags from ${table} where id = '${id}'`);
        await harness.exec(`update ${table} set flags = 9007199254740993 where id = '${id}'`);
        try {
          const found = await failure();
          assert.equal(found?.rule, 'row_unreadable', table);
          assert.match(found?.detail ?? '', new RegExp(`${table} row ${id}: `));
        } finally {
          await harness.exec(`update ${table} set flags = ${row?.['flags']} where id = '${id}'`);
        }
      }
      assert.equal(await failure(), null);
    });

    it("catches an altered account flag through the account's seal", async () => {
      await harness.exec(`update ledger_accounts set flags = 0 where id = 'v-mer'`);
      assert.equal((await failure())?.rule, 'account_seal_mismatch');
      await harness.exec(`update ledger_accounts set flags = 1 where id = 'v-mer'`);
      assert.equal(await failure(), null);
    });

    it("catches a chain head whose last timestamp is not the ledger's last", async () => {
      // New timestamps start after the head's: moved back, they would collide with or fall before
      // stored ones; moved forward, they run towards the end of what a timestamp can hold.
      for (const change of ['- 1', '+ 1000000000']) {
        await harness.exec(`update ledger_chain set last_timestamp = last_timestamp ${change}`);
        try {
          const found = await failure();
          assert.equal(found?.rule, 'chain_head_mismatch', change);
          assert.match(found?.detail ?? '', /last timestamp/);
        } finally {
          await harness.exec(
            `update ledger_chain set last_timestamp = (select max(timestamp) from ledger_transfers)`,
          );
        }
      }
      assert.equal(await failure(), null);
    });

    it('names a chain head row deleted, or holding text for a count, instead of failing on it', async () => {
      // Every write reads the head; a verify that threw on it would hide the tampering it is for.
      const [head] = await harness.query('select * from ledger_chain');
      const restore = async () => {
        await harness.exec('delete from ledger_chain');
        await harness.exec(
          `insert into ledger_chain (id, last_hash, transfer_count, account_count, last_timestamp) values (1, '${head?.['last_hash']}', ${head?.['transfer_count']}, ${head?.['account_count']}, ${head?.['last_timestamp']})`,
        );
      };
      const tampering = [
        ['delete from ledger_chain', /^ledger_chain: its one row is missing/],
        // Only SQLite lets a bigint column hold text.
        ...(backend.name === 'sqlite'
          ? ([["update ledger_chain set transfer_count = 'ninety'", /^ledger_chain: .*ninety/]] as const)
          : []),
      ] as const;
      for (const [statement, detail] of tampering) {
        await harness.exec(statement);
        try {
          const report = await verifyLedger(harness.store, sha256);
          assert.equal(report.failure?.rule, 'chain_head_unreadable', statement);
          assert.match(report.failure?.detail ?? '', detail);
        } finally {
          await restore();
        }
      }
      assert.equal(await failure(), null);
    });

    it('catches a transfer removed from the middle and one removed from the end', async () => {
      const rows = await harness.query(`select * from ledger_transfers where id = 'v-in-10'`);
      assert.equal(rows.length, 1);
      await harness.exec(`delete from ledger_transfers where id = 'v-in-10'`);
      assert.equal((await failure())?.rule, 'hash_mismatch');
      await harness.exec(
        `delete from ledger_transfers where timestamp > (select timestamp from ledger_transfers where id = 'v-post-9')`,
      );
      // The chain is intact up to v-post-9, but the head still counts the removed tail.
      assert.equal((await failure())?.rule, 'transfer_count_mismatch');
    });

    it('catches an expiry index that no longer lists exactly the open pending transfers with a timeout', async () => {
      // The index drives expiry: a row missing keeps a reservation forever; a row too many makes
      // every later transfer batch fail. Neither shows in the hash chain, so verify reads the index.
      const fresh = await backend.open();
      try {
        await fresh.store.migrate();
        const ledger = testLedger(fresh.store);
        await ledger.open(['x-bank', 'x-other']);
        const hold = (id: string, timeoutSeconds: number) =>
          transfer(id, 'x-bank', 'x-other', 10n, { flags: TransferFlag.pending, timeoutSeconds });
        await ledger.transfers([hold('x-open', 3600), hold('x-posted', 3600), hold('x-expiring', 1)]);
        await ledger.transfers([hold('x-forever', 0)]);
        await ledger.transfers([{ id: 'x-post', pendingId: 'x-posted', flags: TransferFlag.postPending }]);
        ledger.clock.advanceSeconds(2);
        await ledger.transfers([transfer('x-later', 'x-bank', 'x-other', 1n)]);
        const check = async () => (await verifyLedger(fresh.store, sha256)).failure;
        assert.equal(await check(), null);
        const [row] = await fresh.query(`select * from ledger_pending_expiries where pending_id = 'x-open'`);
        assert.ok(row !== undefined);

        await fresh.exec(`delete from ledger_pending_expiries where pending_id = 'x-open'`);
        let found = await check();
        assert.equal(found?.rule, 'expiry_index_mismatch');
        assert.match(found?.detail ?? '', /x-open/);
        await fresh.exec(
          `insert into ledger_pending_expiries (pending_id, expires_at) values ('x-open', ${row['expires_at']})`,
        );
        assert.equal(await check(), null);

        for (const [pendingId, expiresAt] of [
          ['x-posted', String(row['expires_at'])],
          ['x-expiring', String(row['expires_at'])],
          ['x-forever', String(row['expires_at'])],
          ['x-later', '1'],
        ] as const) {
          await fresh.exec(
            `insert into ledger_pending_expiries (pending_id, expires_at) values ('${pendingId}', ${expiresAt})`,
          );
          found = await check();
          assert.equal(found?.rule, 'expiry_index_mismatch', pendingId);
          assert.match(found?.detail ?? '', new RegExp(pendingId));
          await fresh.exec(`delete from ledger_pending_expiries where pending_id = '${pendingId}'`);
        }

        await fresh.exec(
          `update ledger_pending_expiries set expires_at = expires_at + 1 where pending_id = 'x-open'`,
        );
        found = await check();
        assert.equal(found?.rule, 'expiry_index_mismatch');
        assert.match(found?.detail ?? '', /x-open/);
      } finally {
        await fresh.dispose();
      }
    });

    it('catches an account removed from the books, even one that never moved money', async () => {
      const fresh = await backend.open();
      try {
        await fresh.store.migrate();
        await testLedger(fresh.store).open(['v-idle', 'v-busy']);
        assert.equal((await verifyLedger(fresh.store, sha256)).failure, null);
        await fresh.exec(`delete from ledger_accounts where id = 'v-idle'`);
        assert.equal((await verifyLedger(fresh.store, sha256)).failure?.rule, 'account_count_mismatch');
      } finally {
        await fresh.dispose();
      }
    });
  });
}
