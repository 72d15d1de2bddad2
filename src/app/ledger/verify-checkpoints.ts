/**
 * `capstan verify`, the checkpoints: every daily checkpoint, oldest first, recomputed from what is
 * stored in one read snapshot — its link to the day before's, its own hash, the Merkle root, range
 * and chain hash of the transfers stamped that day, and of the decisions it covers — naming the
 * first that does not hold. Run after the ledger's and the decision log's own chains have been
 * verified, so their links are known to be whole and in order here.
 */
import { decisionGenesisHash } from '../../domain/decisions/decision-chain.ts';
import {
  type CheckpointTree,
  CheckpointTreeBuilder,
  checkpointGenesisHash,
  checkpointHash,
  treeMismatch,
} from '../../domain/ledger/checkpoint.ts';
import { genesisHash, type Sha256Hex } from '../../domain/ledger/hash-chain.ts';
import type { VerifyFailure } from '../../domain/ledger/verify.ts';
import { formatCalendarDate, fromDayNumber } from '../../domain/time/calendar-date.ts';
import { nanosecondsPerDay } from '../../domain/time/instant.ts';
import { type ReadTransaction, type Store, type StoredCheckpoint, UnreadableLedgerRow } from '../ports.ts';
import { checkpointDecisionsPage, checkpointTransfersPage } from './checkpoints.ts';

/** Checkpoints read at a time. */
const checkpointsPage = 500;

export interface CheckpointsReport {
  readonly failure: VerifyFailure | null;
  /** Checkpoints found whole, oldest first: the first and the last of them. */
  readonly checked: number;
  readonly first: StoredCheckpoint | null;
  readonly last: StoredCheckpoint | null;
}

const dateOf = (day: number) => formatCalendarDate(fromDayNumber(day));

/** Where the checkpoints verified so far leave each chain. */
interface Position {
  readonly transfers: bigint;
  readonly decisions: bigint;
  readonly previous: StoredCheckpoint | null;
}

async function recomputedTransfers(
  tx: ReadTransaction,
  sha256: Sha256Hex,
  day: number,
  at: Position,
): Promise<CheckpointTree> {
  const tree = new CheckpointTreeBuilder(
    sha256,
    at.transfers,
    at.previous?.transfers.chainHash ?? genesisHash,
  );
  // Every transfer stamped before the day's end not covered by an earlier day: one stamped on the
  // day after its checkpoint, or on an earlier day, is counted here and breaks the root.
  const lastOfDay = await tx.ledger.lastSequenceBefore(BigInt(day + 1) * nanosecondsPerDay);
  while (tree.lastSequence < lastOfDay) {
    const links = await tx.ledger.chainLinks(tree.lastSequence, lastOfDay, checkpointTransfersPage);
    if (links.length === 0) break;
    tree.add(links);
  }
  return tree.finish();
}

/** The decisions the checkpoint says it covers, as stored: those after the day before's, through its last. */
async function recomputedDecisions(
  tx: ReadTransaction,
  sha256: Sha256Hex,
  stored: CheckpointTree,
  at: Position,
): Promise<CheckpointTree> {
  const tree = new CheckpointTreeBuilder(
    sha256,
    at.decisions,
    at.previous?.decisions.chainHash ?? decisionGenesisHash,
  );
  const through = stored.lastSequence ?? at.decisions;
  while (tree.lastSequence < through) {
    const links = await tx.risk.decisionLinks(tree.lastSequence, checkpointDecisionsPage);
    const covered = links.filter((link) => link.sequence <= through);
    tree.add(covered);
    if (covered.length < checkpointDecisionsPage) break;
  }
  return tree.finish();
}

async function checkOne(
  tx: ReadTransaction,
  sha256: Sha256Hex,
  checkpoint: StoredCheckpoint,
  at: Position,
): Promise<VerifyFailure | null> {
  const date = dateOf(checkpoint.day);
  const { previous } = at;
  if (previous !== null && checkpoint.day !== previous.day + 1) {
    return {
      rule: 'checkpoint_chain_broken',
      detail: `no checkpoint between ${dateOf(previous.day)} and ${date}: ${dateOf(previous.day + 1)}'s was removed`,
    };
  }
  const previousHash = previous?.hash ?? checkpointGenesisHash;
  if (checkpoint.previousHash !== previousHash) {
    return {
      rule: 'checkpoint_chain_broken',
      detail: `${date}: the checkpoint names ${checkpoint.previousHash} as the previous checkpoint's hash, but ${previous === null ? 'it is the first, whose previous is 64 zeros' : `${dateOf(previous.day)}'s is ${previousHash}`}`,
    };
  }
  const recomputedHash = checkpointHash(sha256, checkpoint);
  if (recomputedHash !== checkpoint.hash) {
    return {
      rule: 'checkpoint_hash_mismatch',
      detail: `${date}: the checkpoint's stored hash ${checkpoint.hash} does not match its contents, which hash to ${recomputedHash}: it was altered`,
    };
  }
  const transfers = await recomputedTransfers(tx, sha256, checkpoint.day, at);
  const transfersFailure = treeMismatch(checkpoint.day, 'transfers', checkpoint.transfers, transfers);
  if (transfersFailure !== null) return transfersFailure;
  const decisions = await recomputedDecisions(tx, sha256, checkpoint.decisions, at);
  return treeMismatch(checkpoint.day, 'decisions', checkpoint.decisions, decisions);
}

export async function verifyCheckpoints(store: Store, sha256: Sha256Hex): Promise<CheckpointsReport> {
  return store.read(async (tx) => {
    let at: Position = { transfers: 0n, decisions: 0n, previous: null };
    let first: StoredCheckpoint | null = null;
    let checked = 0;
    const report = (failure: VerifyFailure | null): CheckpointsReport => ({
      failure,
      checked,
      first,
      last: at.previous,
    });
    for (;;) {
      let page: StoredCheckpoint[];
      try {
        page = await tx.ledger.checkpoints({
          ...(at.previous === null ? {} : { afterDay: at.previous.day }),
          limit: checkpointsPage,
        });
      } catch (error) {
        if (error instanceof UnreadableLedgerRow)
          return report({ rule: 'row_unreadable', detail: error.message });
        throw error;
      }
      if (page.length === 0) return report(null);
      for (const checkpoint of page) {
        const failure = await checkOne(tx, sha256, checkpoint, at);
        if (failure !== null) return report(failure);
        at = {
          transfers: checkpoint.transfers.lastSequence ?? at.transfers,
          decisions: checkpoint.decisions.lastSequence ?? at.decisions,
          previous: checkpoint,
        };
        first ??= checkpoint;
        checked += 1;
      }
    }
  });
}
