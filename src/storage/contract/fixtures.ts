/**
 * Shared helpers of the storage contract suite: a ledger driven through the app's use cases on a
 * real store, with a hand-moved clock, and a byte-level snapshot of every table.
 */
import { createHash } from 'node:crypto';
import type { Harness } from '../../../test/support/backends.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import type { AppContext } from '../../app/app-context.ts';
import {
  type AccountResult,
  createAccounts,
  createTransfers,
  type TransferResult,
} from '../../app/ledger/ledger-writes.ts';
import type { Store } from '../../app/ports.ts';
import { AccountFlag, type AccountInput, type TransferInput } from '../../domain/ledger/types.ts';

import { sha256Hex } from '../../main/system.ts';

export const sha256 = sha256Hex;

let counter = 0;
function next(): number {
  counter += 1;
  return counter;
}

/** Deterministic ids and secrets, unique within a test process. */
export const testEntropy = {
  id: (prefix: string) => `${prefix}_test${String(next()).padStart(8, '0')}`,
  secret: (bytes: number) =>
    createHash('sha256')
      .update(`secret-${next()}`)
      .digest('base64url')
      .slice(0, Math.ceil((bytes * 4) / 3)),
};

export interface TestLedger {
  readonly app: AppContext;
  readonly clock: ManualClock;
  accounts(inputs: readonly AccountInput[]): Promise<AccountResult[]>;
  transfers(inputs: readonly TransferInput[]): Promise<TransferResult[]>;
  /** Opens USD accounts with the given ids; `constrained` ones may not go below zero. */
  open(
    ids: readonly string[],
    options?: { constrained?: boolean; currency?: string; ledger?: string },
  ): Promise<void>;
}

export function testLedger(store: Store, clock = new ManualClock()): TestLedger {
  const app: AppContext = { store, clock, entropy: testEntropy, sha256 };
  const ledger: TestLedger = {
    app,
    clock,
    accounts: (inputs) => store.write((tx) => createAccounts(tx, app, inputs)),
    transfers: (inputs) => store.write((tx) => createTransfers(tx, app, inputs)),
    async open(ids, options = {}) {
      const results = await ledger.accounts(
        ids.map((id) => ({
          id,
          ledger: options.ledger ?? 'test',
          currency: options.currency ?? 'USD',
          code: options.constrained ? 'merchant' : 'bank',
          flags: options.constrained ? AccountFlag.debitsMustNotExceedCredits : 0,
        })),
      );
      for (const r of results) if (r.result !== 'ok') throw new Error(`open ${r.id}: ${r.result}`);
    },
  };
  return ledger;
}

export function transfer(
  id: string,
  debitAccountId: string,
  creditAccountId: string,
  amount: bigint,
  extra: Partial<TransferInput> = {},
): TransferInput {
  return { id, debitAccountId, creditAccountId, amount, currency: 'USD', code: 'test', flags: 0, ...extra };
}

const snapshotTables = [
  ['ledger_accounts', 'timestamp'],
  ['ledger_transfers', 'timestamp'],
  ['ledger_pending_expiries', 'pending_id'],
  ['ledger_chain', 'id'],
  ['api_keys', 'id'],
  ['idempotency_keys', 'scope, key'],
] as const;

/** Every row of every table, as text: equal snapshots mean byte-identical state. */
export async function snapshot(harness: Harness): Promise<string> {
  const parts: string[] = [];
  for (const [table, order] of snapshotTables) {
    const rows = await harness.query(`select * from ${table} order by ${order}`);
    parts.push(
      table,
      JSON.stringify(rows, (_key, value) => (typeof value === 'bigint' ? `${value}n` : value)),
    );
  }
  return parts.join('\n');
}
