/**
 * Letting go of history past its retention — finished webhook deliveries and outbox events,
 * answers kept under an Idempotency-Key — a batch a transaction, so pruning never holds the write
 * lock for long.
 */
import type { Store, WriteTransaction } from './ports.ts';

/** Rows let go of per transaction. */
export const pruneBatch = 5_000;

/** Runs `prune` (at most `limit` rows a call) a transaction at a time until a call lets go of fewer. */
export async function pruneInBatches(
  store: Store,
  prune: (tx: WriteTransaction, limit: number) => Promise<number>,
): Promise<number> {
  let total = 0;
  for (;;) {
    const count = await store.write((tx) => prune(tx, pruneBatch));
    total += count;
    if (count < pruneBatch) return total;
  }
}
