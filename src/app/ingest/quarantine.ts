/**
 * The quarantine's use cases: replay an entry (as it was, or as corrected) through the same inbox,
 * or discard it with a reason. A replay that still fails leaves the entry open and says why.
 */

import type { RecordProblem } from '../../domain/events/check-event.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import type { QuarantineEntry, WriteTransaction } from '../ports.ts';
import { type IngestContext, ingestBatch, type RecordOutcome } from './ingest.ts';
import type { RecordParser } from './records.ts';

const nanosecondsPerMillisecond = 1_000_000n;
/** Why an entry was discarded: kept with it, in words. */
export const quarantineDiscardReasonLengthMax = 500;

export type ReplayCode = 'quarantine_entry_not_found' | 'quarantine_entry_not_open' | 'replay_failed';

export interface ReplayOutcome {
  readonly entry: QuarantineEntry;
  readonly outcome: RecordOutcome;
}

export async function replayQuarantined(
  tx: WriteTransaction,
  context: IngestContext & { readonly parse: RecordParser },
  id: string,
  corrected: string | undefined,
): Promise<Result<ReplayOutcome, ReplayCode> & { problem?: RecordProblem }> {
  const entry = await tx.inbox.quarantined(id);
  if (entry === undefined) return err('quarantine_entry_not_found', `no quarantine entry ${id}`);
  if (entry.status !== 'open') return err('quarantine_entry_not_open', `entry ${id} is ${entry.status}`);
  const parsed = context.parse({ origin: `replay:${id}`, line: entry.line, raw: corrected ?? entry.raw });
  const [outcome] = await ingestBatch(tx, context, [parsed], { quarantineFailures: false });
  if (outcome === undefined) throw new Error('replay produced no outcome');
  if (outcome.status === 'quarantined') {
    return {
      ...err('replay_failed', `${outcome.problem.code}: ${outcome.problem.detail}`),
      problem: outcome.problem,
    };
  }
  const resolution =
    outcome.status === 'applied'
      ? `applied as ${outcome.source} ${outcome.id}`
      : `already received as ${outcome.source} ${outcome.id}`;
  const atMs = context.clock.nowNs() / nanosecondsPerMillisecond;
  await tx.inbox.resolveQuarantined(id, 'replayed', resolution, atMs);
  return ok({ entry: { ...entry, status: 'replayed', resolution, resolvedAtMs: atMs }, outcome });
}

export async function discardQuarantined(
  tx: WriteTransaction,
  context: IngestContext,
  id: string,
  reason: string,
): Promise<Result<QuarantineEntry, 'quarantine_entry_not_found' | 'quarantine_entry_not_open'>> {
  const entry = await tx.inbox.quarantined(id);
  if (entry === undefined) return err('quarantine_entry_not_found', `no quarantine entry ${id}`);
  if (entry.status !== 'open') return err('quarantine_entry_not_open', `entry ${id} is ${entry.status}`);
  const atMs = context.clock.nowNs() / nanosecondsPerMillisecond;
  const resolution = `discarded: ${reason}`;
  await tx.inbox.resolveQuarantined(id, 'discarded', resolution, atMs);
  return ok({ ...entry, status: 'discarded', resolution, resolvedAtMs: atMs });
}
