/**
 * Daily checkpoints (docs/ledger.md, "Daily checkpoints"): the daily cycle closes each ended UTC
 * day with a checkpoint — the Merkle roots of the transfers stamped that day and of the decisions
 * chained with it, chained to the day before's — oldest first, catching up days missed, one day a
 * transaction, so a crash loses at most the day in flight and a second run finds the days done.
 *
 * A checkpointed day is complete for good. A transfer is stamped max(last timestamp + 1, now) under
 * the ledger's head lock, and the checkpoint is made under that lock too: it sees every transfer
 * of the day committed before it, and if the ledger has not yet stamped anything after the day it
 * moves the head's last timestamp to the day's last nanosecond, so every transfer written after it
 * — by any process, whatever its clock says — is stamped on a later day.
 */
import { assert } from '../../domain/assert.ts';
import { decisionGenesisHash } from '../../domain/decisions/decision-chain.ts';
import {
  type CheckpointContent,
  CheckpointTreeBuilder,
  checkpointGenesisHash,
  checkpointHash,
} from '../../domain/ledger/checkpoint.ts';
import { genesisHash, type Sha256Hex } from '../../domain/ledger/hash-chain.ts';
import { formatCalendarDate, fromDayNumber } from '../../domain/time/calendar-date.ts';
import { dayNumberOfInstant, nanosecondsPerDay } from '../../domain/time/instant.ts';
import type { AppContext } from '../app-context.ts';
import type { Clock, ReadTransaction, StoredCheckpoint, WriteTransaction } from '../ports.ts';

/** A run checkpoints at most this many days; the next run carries on (a first run on years of ledger). */
export const checkpointDaysPerRunMax = 3_660;
/** Transfers' links read at a time while a day is hashed (two columns each). */
export const checkpointTransfersPage = 10_000;
/** Decisions' links read at a time: a page may run past the day, so a smaller one. */
export const checkpointDecisionsPage = 1_000;

const nanosecondsPerMillisecond = 1_000_000n;

export interface CheckpointContext {
  readonly clock: Clock;
  readonly sha256: Sha256Hex;
}

/** The first day to checkpoint: the first transfer's or the first decision's, whichever is earlier. */
async function firstDay(tx: ReadTransaction): Promise<number | null> {
  const transferNs = await tx.ledger.firstTransferTimestamp();
  const [decision] = await tx.risk.decisionLinks(0n, 1);
  const days = [
    ...(transferNs === null ? [] : [dayNumberOfInstant(transferNs)]),
    ...(decision === undefined ? [] : [dayNumberOfInstant(decision.decidedAtMs * nanosecondsPerMillisecond)]),
  ];
  return days.length === 0 ? null : Math.min(...days);
}

/** The day the next checkpoint is for (null while nothing has been written), whatever `throughDay`. */
async function nextDay(tx: ReadTransaction): Promise<number | null> {
  const last = await tx.ledger.lastCheckpoint();
  return last === undefined ? firstDay(tx) : last.day + 1;
}

/** Whether a day through `throughDay` is still to be checkpointed: a read, so an idle check costs no write. */
export async function checkpointDue(tx: ReadTransaction, throughDay: number): Promise<boolean> {
  const day = await nextDay(tx);
  return day !== null && day <= throughDay;
}

/**
 * Makes the next day's checkpoint, if it is through `throughDay`, in this transaction; answers it,
 * or null when none is due (another process made it first, say).
 */
export async function checkpointNextDay(
  tx: WriteTransaction,
  context: CheckpointContext,
  throughDay: number,
): Promise<StoredCheckpoint | null> {
  // The head's lock first, as every ledger write takes it: the day's transfers are all in, none
  // comes while it is hashed, and a second maker waits here and then finds the day done.
  const head = await tx.ledger.lockHead();
  const last = await tx.ledger.lastCheckpoint();
  const day = last === undefined ? await firstDay(tx) : last.day + 1;
  if (day === null || day > throughDay) return null;
  const nowNs = context.clock.nowNs();
  assert(
    day < dayNumberOfInstant(nowNs),
    `checkpoint: ${formatCalendarDate(fromDayNumber(day))} has not ended`,
  );
  const dayStartNs = BigInt(day) * nanosecondsPerDay;
  const dayEndNs = dayStartNs + nanosecondsPerDay;
  const through = await tx.ledger.checkpointedThrough();
  // Nothing is ever stamped on a checkpointed day after its checkpoint (see above): a transfer
  // that was is tampering, or a bug, and the day before's root no longer holds (capstan verify).
  const before = await tx.ledger.lastSequenceBefore(dayStartNs);
  assert(
    before === through.transfers,
    `checkpoint: transfers up to #${before} are stamped before ${formatCalendarDate(fromDayNumber(day))}, but the checkpoints cover #${through.transfers}: run capstan verify`,
  );

  const transfers = new CheckpointTreeBuilder(
    context.sha256,
    through.transfers,
    last?.transfers.chainHash ?? genesisHash,
  );
  const lastOfDay = await tx.ledger.lastSequenceBefore(dayEndNs);
  while (transfers.lastSequence < lastOfDay) {
    const links = await tx.ledger.chainLinks(transfers.lastSequence, lastOfDay, checkpointTransfersPage);
    assert(links.length > 0, `checkpoint: transfers #${transfers.lastSequence + 1n}–#${lastOfDay} not read`);
    transfers.add(links);
  }

  // Decisions are not stamped by the ledger's clock: a day covers the ones chained after the
  // previous checkpoint's, up to the first decided after the day's end.
  const decisions = new CheckpointTreeBuilder(
    context.sha256,
    through.decisions,
    last?.decisions.chainHash ?? decisionGenesisHash,
  );
  const dayEndMs = dayEndNs / nanosecondsPerMillisecond;
  for (;;) {
    const links = await tx.risk.decisionLinks(decisions.lastSequence, checkpointDecisionsPage);
    const endOfDay = links.findIndex((link) => link.decidedAtMs >= dayEndMs);
    decisions.add(endOfDay === -1 ? links : links.slice(0, endOfDay));
    if (endOfDay !== -1 || links.length < checkpointDecisionsPage) break;
  }

  const content: CheckpointContent = {
    day,
    transfers: transfers.finish(),
    decisions: decisions.finish(),
    previousHash: last?.hash ?? checkpointGenesisHash,
  };
  const checkpoint: StoredCheckpoint = {
    ...content,
    hash: checkpointHash(context.sha256, content),
    createdAtMs: nowNs / nanosecondsPerMillisecond,
  };
  await tx.ledger.insertCheckpoint(checkpoint);
  if (head.lastTimestamp < dayEndNs - 1n) await tx.ledger.setHead({ ...head, lastTimestamp: dayEndNs - 1n });
  return checkpoint;
}

/**
 * Checkpoints every day through `throughDay` (a day that has ended) not yet checkpointed, oldest
 * first, each in its own transaction; answers the checkpoints made (none when up to date).
 */
export async function checkpointClosedDays(
  app: AppContext,
  throughDay: number,
  onCheckpoint?: (checkpoint: StoredCheckpoint) => void,
): Promise<StoredCheckpoint[]> {
  if (!(await app.store.read((tx) => checkpointDue(tx, throughDay)))) return [];
  const made: StoredCheckpoint[] = [];
  for (let days = 0; days < checkpointDaysPerRunMax; days += 1) {
    const checkpoint = await app.store.write((tx) => checkpointNextDay(tx, app, throughDay));
    if (checkpoint === null) break;
    made.push(checkpoint);
    onCheckpoint?.(checkpoint);
  }
  return made;
}
