/**
 * `capstan verify`: recomputes the whole ledger from its transfers inside one read snapshot — the
 * hash chain, every recorded total, every account's totals and seal, the balance constraints and
 * the trial balance — and names the first inconsistency.
 */
import type { Sha256Hex } from '../../domain/ledger/hash-chain.ts';
import { LedgerVerifier, type VerifyFailure } from '../../domain/ledger/verify.ts';
import { nanosecondsPerDay } from '../../domain/time/instant.ts';
import { type ChainHead, type Store, UnreadableChainHead, UnreadableLedgerRow } from '../ports.ts';

export const verifyPageSize = 2_000;

export interface VerifyReport {
  readonly failure: VerifyFailure | null;
  readonly accountsChecked: number;
  readonly transfersChecked: number;
  /** Null only when the head itself could not be read (the failure says why). */
  readonly head: ChainHead | null;
}

export type VerifyProgress = (transfersChecked: number, transfersTotal: number) => void;

export async function verifyLedger(
  store: Store,
  sha256: Sha256Hex,
  onProgress?: VerifyProgress,
): Promise<VerifyReport> {
  return store.read(async (tx) => {
    const head = await chainHead(tx.ledger.head());
    if (!('lastHash' in head)) return { failure: head, accountsChecked: 0, transfersChecked: 0, head: null };
    const total = Number(head.transferCount);
    const verifier = new LedgerVerifier(sha256);
    const report = (failure: VerifyFailure | null): VerifyReport => ({
      failure,
      accountsChecked: verifier.accountCount,
      transfersChecked: verifier.transfersChecked,
      head,
    });
    for (let after = -1n; ; ) {
      const page = await readable(() => tx.ledger.sealedAccountsPage(after, verifyPageSize));
      if (!Array.isArray(page)) return report(page);
      if (page.length === 0) break;
      const failure = verifier.addAccounts(page);
      if (failure !== null) return report(failure);
      after = (page[page.length - 1] as (typeof page)[number]).account.timestamp;
    }
    if (BigInt(verifier.accountCount) !== head.accountCount) {
      return report({
        rule: 'account_count_mismatch',
        detail: `the chain head counts ${head.accountCount} accounts opened but ${verifier.accountCount} are stored`,
      });
    }
    let expectedSequence = 1n;
    for (let after = -1n; ; ) {
      const page = await readable(() => tx.ledger.transfersPage(after, verifyPageSize));
      if (!Array.isArray(page)) return report(page);
      if (page.length === 0) break;
      const failure = verifier.addTransfers(page);
      if (failure !== null) return report(failure);
      // Storage numbers transfers 1, 2, 3, … in ledger order; the per-account indexes rely on it.
      for (const transfer of page) {
        if (transfer.sequence !== expectedSequence) {
          return report({
            rule: 'sequence_mismatch',
            detail: `transfer ${transfer.id} is stored as number ${transfer.sequence}, expected ${expectedSequence}`,
          });
        }
        expectedSequence += 1n;
      }
      after = (page[page.length - 1] as (typeof page)[number]).timestamp;
      onProgress?.(verifier.transfersChecked, total);
    }
    const lastCheckpoint = await readable(async () => {
      const last = await tx.ledger.lastCheckpoint();
      return last === undefined ? [] : [last];
    });
    if (!Array.isArray(lastCheckpoint)) return report(lastCheckpoint);
    const closedDay = lastCheckpoint[0]?.day;
    const closedThroughNs = closedDay === undefined ? null : BigInt(closedDay + 1) * nanosecondsPerDay - 1n;
    const finished = verifier.finish(head, closedThroughNs);
    if (finished !== null) return report(finished);
    const misfiled = await tx.ledger.countMisfiledTransfers();
    if (misfiled > 0n) {
      return report({
        rule: 'index_bucket_mismatch',
        detail: `${misfiled} transfer(s) are filed under the wrong bucket of the per-account index`,
      });
    }
    for (let after = ''; ; ) {
      const page = await tx.ledger.pendingExpiriesPage(after, verifyPageSize);
      if (page.length === 0) break;
      const failure = verifier.addPendingExpiries(page);
      if (failure !== null) return report(failure);
      after = (page[page.length - 1] as (typeof page)[number]).pendingId;
    }
    const unindexed = verifier.finishPendingExpiries();
    if (unindexed !== null) return report(unindexed);
    return report(null);
  });
}

/** The chain head, or the failure saying it is missing or cannot be read back. */
async function chainHead(read: Promise<ChainHead>): Promise<ChainHead | VerifyFailure> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof UnreadableChainHead) return { rule: 'chain_head_unreadable', detail: error.message };
    throw error;
  }
}

/** A page of rows, or the failure naming the first row that cannot even be read back. */
async function readable<T>(read: () => Promise<T[]>): Promise<T[] | VerifyFailure> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof UnreadableLedgerRow) return { rule: 'row_unreadable', detail: error.message };
    throw error;
  }
}
