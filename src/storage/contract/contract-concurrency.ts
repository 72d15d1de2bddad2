/**
 * Contract: the bank invariant under concurrency. Several writers, each with its own connection
 * (PostgreSQL: its own pool; SQLite: its own thread), move money at once among accounts that may
 * not be overdrawn. Afterwards the total is unchanged, no account is overdrawn, every `ok` a
 * writer saw is in the ledger exactly once, and `verify` recomputes the same balances.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { BackendUnderTest, Harness } from '../../../test/support/backends.ts';
import { verifyLedger } from '../../app/ledger/verify-ledger.ts';
import {
  bankAccounts,
  bankOpeningBalance,
  openBank,
  runBankWriter,
  type WriterReport,
} from './bank-workload.ts';
import { sha256 } from './fixtures.ts';

const writers = 4;
const rounds = 20;
const batchSize = 25;
const seed = Number(process.env['CAPSTAN_TEST_SEED'] ?? 20261125);

export function inWorker<T>(data: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./sqlite-bank-worker-entry.js', import.meta.url), {
      workerData: data,
    });
    let answer: T | undefined;
    worker.once('message', (message: T) => {
      answer = message;
    });
    worker.once('error', reject);
    worker.once('exit', (code) =>
      code === 0 && answer !== undefined ? resolve(answer) : reject(new Error(`worker exited ${code}`)),
    );
  });
}

export function concurrencyContract(backend: BackendUnderTest): void {
  describe(`concurrent writers on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
      await openBank(harness.store);
    });
    after(async () => harness?.dispose());

    it(`keeps the bank invariant with ${writers} writers at once (seed ${seed})`, async () => {
      const reports: WriterReport[] = await Promise.all(
        Array.from({ length: writers }, (_, writer) =>
          backend.name === 'postgres'
            ? runBankWriter(harness.openAnother(), writer, rounds, batchSize, seed)
            : inWorker<WriterReport>({
                task: 'bank',
                path: harness.location,
                writer,
                rounds,
                batchSize,
                seed,
              }),
        ),
      );
      const okTotal = reports.reduce((sum, r) => sum + r.okTransfers, 0);
      assert.ok(okTotal > writers * rounds, 'the workload must actually move money');
      assert.ok(
        reports.some((r) => r.rejected > 0),
        'the workload must also hit the overdraft rule',
      );

      const accounts = await harness.store.read((tx) => tx.ledger.accountsByIds([...bankAccounts]));
      let total = 0n;
      for (const id of bankAccounts) {
        const account = accounts.get(id);
        assert.ok(account !== undefined);
        assert.ok(account.debitsPosted + account.debitsPending <= account.creditsPosted, `${id} overdrawn`);
        assert.equal(account.debitsPending, 0n, `${id}: every reservation was posted or voided`);
        total += account.creditsPosted - account.debitsPosted;
      }
      assert.equal(total, bankOpeningBalance * BigInt(bankAccounts.length), 'money was created or destroyed');
      const head = await harness.store.read((tx) => tx.ledger.head());
      assert.equal(
        head.transferCount,
        BigInt(bankAccounts.length + okTotal),
        'a transfer answered ok is missing or doubled',
      );
      const report = await verifyLedger(harness.store, sha256);
      assert.equal(report.failure, null, JSON.stringify(report.failure));
    });
  });
}
