/**
 * Contract: a seeded simulation of random transfer sequences on a real store. After every batch:
 * debits equal credits per currency, pending and posted; no constrained account is overdrawn; a
 * batch that was wholly rejected left every table byte-identical; the posted totals moved by
 * exactly the transfers answered `ok` (so a retried id never posts twice). At the end `verify`
 * recomputes everything. The seed is printed on failure; CAPSTAN_TEST_SEED replays one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BackendUnderTest, Harness } from '../../../test/support/backends.ts';
import { trialBalance } from '../../app/ledger/ledger-reads.ts';
import { verifyLedger } from '../../app/ledger/verify-ledger.ts';
import { violatesConstraint } from '../../domain/ledger/balance-rules.ts';
import { TransferFlag, type TransferInput } from '../../domain/ledger/types.ts';
import { mulberry32 as prng } from '../../simulator/prng.ts';
import { sha256, snapshot, testLedger } from './fixtures.ts';

const batches = 60;
const accountsPerCurrency = ['a', 'b', 'c', 'd'];
const currencies = ['USD', 'EUR'];

export function simulationContract(backend: BackendUnderTest): void {
  const seed = Number(process.env['CAPSTAN_TEST_SEED'] ?? Date.now() % 1_000_000);
  describe(`seeded transfer simulation on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
    });
    after(async () => harness?.dispose());

    it(`holds the ledger's invariants after every batch (seed ${seed})`, async (t) => {
      t.diagnostic(`seed ${seed} (replay with CAPSTAN_TEST_SEED=${seed})`);
      const random = prng(seed);
      const ledger = testLedger(harness.store);
      const ids: string[] = [];
      for (const currency of currencies) {
        const constrained = accountsPerCurrency.slice(0, 2).map((name) => `${currency}-${name}`);
        const free = accountsPerCurrency.slice(2).map((name) => `${currency}-${name}`);
        await ledger.open(constrained, { constrained: true, currency });
        await ledger.open(free, { currency });
        ids.push(...constrained, ...free);
      }
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
      const used: TransferInput[] = [];
      const pendings: string[] = [];
      let serial = 0;
      const nextId = () => {
        serial += 1;
        return `s${serial}`;
      };

      const randomTransfer = (): TransferInput => {
        const roll = random();
        if (roll < 0.1 && used.length > 0) return pick(used); // a retry of an earlier transfer
        if (roll < 0.2 && pendings.length > 0) {
          const flags = random() < 0.5 ? TransferFlag.postPending : TransferFlag.voidPending;
          return { id: nextId(), pendingId: pick(pendings), flags };
        }
        const debit = pick(ids);
        const sameCurrency = ids.filter((id) => id.slice(0, 3) === debit.slice(0, 3));
        const credit = random() < 0.05 ? pick(ids) : pick(sameCurrency);
        const amount = random() < 0.05 ? 0n : BigInt(1 + Math.floor(random() * 500));
        const pending = random() < 0.2;
        const input: TransferInput = {
          id: nextId(),
          debitAccountId: debit,
          creditAccountId: credit,
          amount,
          currency: debit.slice(0, 3),
          code: 'sim',
          flags: (pending ? TransferFlag.pending : 0) | (random() < 0.15 ? TransferFlag.linked : 0),
          ...(pending && random() < 0.5 ? { timeoutSeconds: 1 + Math.floor(random() * 5) } : {}),
        };
        if (pending) pendings.push(input.id);
        return input;
      };

      for (let batch = 0; batch < batches; batch += 1) {
        ledger.clock.advanceSeconds(Math.floor(random() * 3));
        const inputs = Array.from({ length: 1 + Math.floor(random() * 12) }, randomTransfer);
        const before = await snapshot(harness);
        const postedBefore = await totalPosted(harness);
        const results = await ledger.transfers(inputs);
        used.push(...inputs.filter((_, i) => results[i]?.result === 'ok'));
        const context = `seed ${seed}, batch ${batch}: ${JSON.stringify(results.map((r) => r.result))}`;
        const headAfter = await harness.store.read((tx) => tx.ledger.head());
        if (
          results.every((r) => r.result !== 'ok') &&
          headAfter.transferCount === BigInt(countTransfers(before))
        ) {
          assert.equal(await snapshot(harness), before, `a rejected batch changed state (${context})`);
        }
        const okPlainAmount = inputs
          .filter((input, i) => results[i]?.result === 'ok' && input.flags === 0)
          .reduce((sum, input) => sum + (input.amount ?? 0n), 0n);
        const postedAfter = await totalPosted(harness);
        assert.ok(
          postedAfter - postedBefore >= okPlainAmount,
          `posted totals moved less than the ok transfers (${context})`,
        );
        const balance = await harness.store.read((tx) => trialBalance(tx, null));
        for (const [currency, sum] of balance.totals) {
          assert.equal(
            sum.debitsPosted,
            sum.creditsPosted,
            `${currency} posted debits ≠ credits (${context})`,
          );
          assert.equal(
            sum.debitsPending,
            sum.creditsPending,
            `${currency} pending debits ≠ credits (${context})`,
          );
        }
        const accounts = await harness.store.read((tx) => tx.ledger.accountsByIds(ids));
        for (const account of accounts.values())
          assert.ok(!violatesConstraint(account), `${account.id} broke its constraint (${context})`);
      }
      const report = await verifyLedger(harness.store, sha256);
      assert.equal(report.failure, null, `seed ${seed}: ${JSON.stringify(report.failure)}`);
      assert.ok(
        report.transfersChecked > batches,
        `seed ${seed}: the simulation posted too little to mean anything`,
      );
    });
  });
}

function countTransfers(snapshotText: string): number {
  const lines = snapshotText.split('\n');
  const index = lines.indexOf('ledger_transfers');
  return (JSON.parse(lines[index + 1] as string) as unknown[]).length;
}

async function totalPosted(harness: Harness): Promise<bigint> {
  const rows = await harness.query('select debits_posted from ledger_accounts');
  return rows.reduce((sum: bigint, row) => sum + BigInt(String(row['debits_posted'])), 0n);
}
