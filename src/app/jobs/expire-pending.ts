/**
 * The expiry sweep: records the expiry of pending transfers whose timeout has passed, so their
 * reservations are released even when no other transfer arrives to do it on the way. Reads first
 * and takes the write lock only when something is due; each write expires at most
 * expirationsPerBatchMax and the sweep repeats until nothing is left.
 */
import { expirationsPerBatchMax } from '../../domain/ledger/limits.ts';
import type { AppContext } from '../app-context.ts';
import { expirePendingTransfers } from '../ledger/ledger-writes.ts';

/** Bounds one sweep: at most this many batches, then the next tick carries on. */
export const expirySweepBatchesMax = 64;

export async function sweepExpiredPendingTransfers(app: AppContext): Promise<number> {
  let expired = 0;
  for (let batch = 0; batch < expirySweepBatchesMax; batch += 1) {
    const due = await app.store.read((tx) => tx.ledger.dueExpirations(app.clock.nowNs(), 1));
    if (due.length === 0) break;
    const count = await app.store.write((tx) => expirePendingTransfers(tx, app));
    expired += count;
    if (count < expirationsPerBatchMax) break;
  }
  return expired;
}
