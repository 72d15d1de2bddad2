/**
 * The bank invariant workload: several writers move money at once among a few accounts that may
 * not go below zero. Whatever the interleaving, the total stays constant, no account is overdrawn,
 * and every transfer a writer was told is `ok` is in the ledger exactly once.
 */
import { createAccounts, createTransfers } from '../../app/ledger/ledger-writes.ts';
import type { Store } from '../../app/ports.ts';
import { AccountFlag, TransferFlag, type TransferInput } from '../../domain/ledger/types.ts';
import { mulberry32 as prng } from '../../simulator/prng.ts';
import { sha256 } from './fixtures.ts';

export const bankAccounts = ['bank-0', 'bank-1', 'bank-2', 'bank-3', 'bank-4'] as const;
export const bankOpeningBalance = 1_000n;

const clock = { nowNs: () => BigInt(Date.now()) * 1_000_000n };
const entropy = {
  id: (prefix: string) => `${prefix}_${Math.random().toString(36).slice(2)}`,
  secret: () => 'unused',
};

export async function openBank(store: Store): Promise<void> {
  const app = { store, clock, entropy, sha256 };
  await store.write(async (tx) => {
    await createAccounts(tx, app, [
      { id: 'mint', ledger: 'bank', currency: 'USD', code: 'mint', flags: 0 },
      ...bankAccounts.map((id) => ({
        id,
        ledger: 'bank',
        currency: 'USD',
        code: 'customer',
        flags: AccountFlag.debitsMustNotExceedCredits,
      })),
    ]);
    await createTransfers(
      tx,
      app,
      bankAccounts.map((id) => ({
        id: `open-${id}`,
        debitAccountId: 'mint',
        creditAccountId: id,
        amount: bankOpeningBalance,
        currency: 'USD',
        code: 'open',
        flags: 0,
      })),
    );
  });
}

export interface WriterReport {
  readonly okTransfers: number;
  readonly rejected: number;
}

export async function runBankWriter(
  store: Store,
  writer: number,
  rounds: number,
  batchSize: number,
  seed: number,
): Promise<WriterReport> {
  const app = { store, clock, entropy, sha256 };
  const random = prng(seed + writer * 7919);
  const pick = () => bankAccounts[Math.floor(random() * bankAccounts.length)] as string;
  let okTransfers = 0;
  let rejected = 0;
  for (let round = 0; round < rounds; round += 1) {
    const batch: TransferInput[] = [];
    for (let i = 0; i < batchSize; i += 1) {
      const debit = pick();
      let credit = pick();
      while (credit === debit) credit = pick();
      const id = `w${writer}-r${round}-${i}`;
      const amount = BigInt(1 + Math.floor(random() * 400));
      const kind = random();
      if (kind < 0.2 && i + 1 < batchSize) {
        // A linked pair, out and back: all or nothing.
        batch.push({
          id,
          debitAccountId: debit,
          creditAccountId: credit,
          amount,
          currency: 'USD',
          code: 'move',
          flags: TransferFlag.linked,
        });
        batch.push({
          id: `${id}b`,
          debitAccountId: credit,
          creditAccountId: debit,
          amount,
          currency: 'USD',
          code: 'move',
          flags: 0,
        });
        i += 1;
      } else if (kind < 0.35) {
        batch.push({
          id,
          debitAccountId: debit,
          creditAccountId: credit,
          amount,
          currency: 'USD',
          code: 'hold',
          flags: TransferFlag.pending,
        });
        batch.push({
          id: `${id}p`,
          pendingId: id,
          flags: random() < 0.5 ? TransferFlag.postPending : TransferFlag.voidPending,
        });
        i += 1;
      } else {
        batch.push({
          id,
          debitAccountId: debit,
          creditAccountId: credit,
          amount,
          currency: 'USD',
          code: 'move',
          flags: 0,
        });
      }
    }
    const results = await store.write((tx) => createTransfers(tx, app, batch));
    for (const result of results) {
      if (result.result === 'ok') okTransfers += 1;
      else rejected += 1;
    }
  }
  return { okTransfers, rejected };
}
