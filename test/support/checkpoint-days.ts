/**
 * A ledger with days of history for the checkpoint tests, on a real store: transfers and a credit
 * decision on the first day, nothing on the second, transfers and two decisions on the third — and
 * a plain RFC 6962 Merkle root and checkpoint hash, written apart from src/domain, to check the
 * stored ones against.
 */
import { createHash } from 'node:crypto';
import type { AppContext } from '../../src/app/app-context.ts';
import type { SequencedTransfer, Store } from '../../src/app/ports.ts';
import { decideForMerchant } from '../../src/app/risk/decisions.ts';
import { chainTransfers, genesisHash } from '../../src/domain/ledger/hash-chain.ts';
import { sha256, type TestLedger, testLedger, transfer } from '../../src/storage/contract/fixtures.ts';
import type { Harness } from './backends.ts';
import { ManualClock } from './manual-clock.ts';

/** 2026-05-27. */
export const firstDay = 20_600;
export const dayNs = 86_400_000_000_000n;
const hourNs = 3_600_000_000_000n;

export function at(day: number, hours: number): bigint {
  return BigInt(day) * dayNs + BigInt(hours) * hourNs;
}

export interface CheckpointDays {
  readonly app: AppContext;
  readonly clock: ManualClock;
  readonly ledger: TestLedger;
}

/** Days `firstDay` … `firstDay + 2` written (or from `from`), the clock at 02:00 on the day after. */
export async function threeDays(store: Store, from = firstDay): Promise<CheckpointDays> {
  const firstDay = from;
  const clock = new ManualClock(at(firstDay, 9));
  const ledger = testLedger(store, clock);
  await ledger.open(['c-bank', 'c-shop']);
  for (let i = 0; i < 5; i += 1) {
    clock.advanceSeconds(60);
    await ledger.transfers([transfer(`c-1-${i}`, 'c-bank', 'c-shop', 100n + BigInt(i))]);
  }
  clock.set(at(firstDay, 15));
  await decideForMerchant(store, ledger.app, 'mer_c1');
  clock.set(at(firstDay + 2, 8));
  await ledger.transfers([
    transfer('c-3-0', 'c-bank', 'c-shop', 7n),
    transfer('c-3-1', 'c-shop', 'c-bank', 3n),
  ]);
  await decideForMerchant(store, ledger.app, 'mer_c1');
  clock.advanceSeconds(3_600);
  await ledger.transfers([transfer('c-3-2', 'c-bank', 'c-shop', 9n)]);
  await decideForMerchant(store, ledger.app, 'mer_c2');
  clock.set(at(firstDay + 3, 2));
  return { app: ledger.app, clock, ledger };
}

const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** RFC 6962 §2.1 read literally, over hex digests as leaves. */
export function independentRoot(digests: readonly string[]): string {
  const mth = (leaves: readonly Buffer[]): Buffer => {
    if (leaves.length === 0) return sha();
    if (leaves.length === 1) return sha(Buffer.from([0x00]), leaves[0] as Buffer);
    let k = 1;
    while (k * 2 < leaves.length) k *= 2;
    return sha(Buffer.from([0x01]), mth(leaves.slice(0, k)), mth(leaves.slice(k)));
  };
  return mth(digests.map((digest) => Buffer.from(digest, 'hex'))).toString('hex');
}

/** A checkpoint's hash from its API view, as docs/ledger.md says to compute it. */
export function independentCheckpointHash(view: {
  day: string;
  transfers: Record<string, unknown>;
  decisions: Record<string, unknown>;
  previous_hash: string;
}): string {
  const tree = (t: Record<string, unknown>) => [
    t['count'],
    t['first_sequence'],
    t['last_sequence'],
    t['root'],
    t['chain_hash'],
  ];
  const canonical = JSON.stringify([
    'capstan.checkpoint.v1',
    view.day,
    ...tree(view.transfers),
    ...tree(view.decisions),
    view.previous_hash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The chain hashes of the transfers stamped in [fromNs, toNs), by raw SQL, in sequence order. */
export async function storedTransferHashes(harness: Harness, fromNs: bigint, toNs: bigint) {
  const rows = await harness.query(
    `select sequence, hash from ledger_transfers where timestamp >= ${fromNs} and timestamp < ${toNs} order by sequence`,
  );
  return rows.map((row) => ({ sequence: Number(row['sequence']), hash: String(row['hash']) }));
}

/** The decisions' chain hashes by raw SQL, in sequence order. */
export async function storedDecisionHashes(harness: Harness) {
  const rows = await harness.query('select sequence, decided_at_ms, hash from decisions order by sequence');
  return rows.map((row) => ({
    sequence: Number(row['sequence']),
    decidedAtMs: BigInt(row['decided_at_ms'] as bigint),
    hash: String(row['hash']),
  }));
}

/**
 * What someone with write access to the database does to pass off a rewritten transfer: every chain
 * hash from the first transfer recomputed, and the chain head set to the new last one, so the
 * ledger's own chain verifies again.
 */
export async function remakeTransferChain(harness: Harness): Promise<void> {
  const stored = await harness.store.read((tx) => tx.ledger.transfersPage(-1n, 10_000));
  const chained = chainTransfers(sha256, genesisHash, stored);
  for (const [index, transfer] of chained.entries()) {
    const sequence = (stored[index] as SequencedTransfer).sequence;
    await harness.exec(`update ledger_transfers set hash = '${transfer.hash}' where sequence = ${sequence}`);
  }
  await harness.exec(`update ledger_chain set last_hash = '${chained.at(-1)?.hash}'`);
}
