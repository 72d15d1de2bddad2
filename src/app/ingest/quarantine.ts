/**
 * The quarantine's use cases: replay an entry (as it was, or as corrected) through the same inbox,
 * or discard it with a reason. A replay that still fails leaves the entry open and says why.
 *
 * A replay runs under the scope of the record's sender, not of the operator replaying it: a
 * platform's event refused as another platform's (`source_not_allowed`, or about a merchant of
 * another platform) is refused again, so a replay never lets one platform take over another's
 * merchant. An operator who means to apply such an event sends it itself (POST /v1/events).
 *
 * Each resolution goes in the audit log as its maker's (the operator's key, or `cli`): the entry
 * says when it was resolved and how, not by whom.
 */

import type { RecordProblem } from '../../domain/events/check-event.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { type Actor, lockAuditedChanges, recordAudit } from '../audit/audit-log.ts';
import type { QuarantineEntry, WriteTransaction } from '../ports.ts';
import { type IngestContext, type IngestOptions, ingestBatch, type RecordOutcome } from './ingest.ts';
import type { ParsedRecord, RecordParser } from './records.ts';

const nanosecondsPerMillisecond = 1_000_000n;
/** Why an entry was discarded: kept with it, in words. */
export const quarantineDiscardReasonLengthMax = 500;

/** Refusals of a platform key's scope: only a platform's key is ever refused so. */
const scopeRefusals: ReadonlySet<string> = new Set(['source_not_allowed', 'merchant_of_another_platform']);

export type ReplayCode = 'quarantine_entry_not_found' | 'quarantine_entry_not_open' | 'replay_failed';

export interface ReplayOutcome {
  readonly entry: QuarantineEntry;
  readonly outcome: RecordOutcome;
}

/** Replays an open entry (as it was, or `corrected`); in the audit log as `by`'s when it went through. */
export async function replayQuarantined(
  tx: WriteTransaction,
  context: IngestContext & { readonly parse: RecordParser },
  id: string,
  corrected: string | undefined,
  by: Actor,
): Promise<Result<ReplayOutcome, ReplayCode> & { problem?: RecordProblem }> {
  // Two replays at once (a retry while the first runs) each found the entry open: one at a time,
  // the second finds it replayed and is refused, so the one replay is recorded once.
  await lockAuditedChanges(tx);
  const entry = await tx.inbox.quarantined(id);
  if (entry === undefined) return err('quarantine_entry_not_found', `no quarantine entry ${id}`);
  if (entry.status !== 'open') return err('quarantine_entry_not_open', `entry ${id} is ${entry.status}`);
  const parsed = context.parse({ origin: `replay:${id}`, line: entry.line, raw: corrected ?? entry.raw });
  const scope = replayScope(entry, parsed);
  if (!scope.ok)
    return {
      ...err('replay_failed', `${scope.problem.code}: ${scope.problem.detail}`),
      problem: scope.problem,
    };
  const [outcome] = await ingestBatch(tx, context, [parsed], { ...scope.options, quarantineFailures: false });
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
  await recordAudit(tx, by, 'quarantine_entry.replayed', id, {
    corrected: corrected !== undefined,
    result: outcome.status,
    source: outcome.source,
    eventId: outcome.id,
  });
  return ok({ entry: { ...entry, status: 'replayed', resolution, resolvedAtMs: atMs }, outcome });
}

/**
 * The scope a replay runs under: its sender's — a platform's key's own platform, or an operator's
 * trust. An entry filed before senders were recorded (migration 0014) says only where the record
 * came from: a file, the worker or the demo are an operator's; over HTTP it may have been a
 * platform's key, so a scope refusal stays refused (the key is not known), and any other record is
 * replayed as its own platform's key would send it (the source the entry read, or else the
 * record's), never as the operator's.
 */
function replayScope(
  entry: QuarantineEntry,
  parsed: ParsedRecord,
): { ok: true; options: IngestOptions } | { ok: false; problem: RecordProblem } {
  if (entry.sender?.role === 'platform')
    return { ok: true, options: { allowedSource: entry.sender.platform } };
  if (entry.sender?.role === 'operator' || !entry.origin.startsWith('http:'))
    return { ok: true, options: {} };
  if (scopeRefusals.has(entry.code))
    return {
      ok: false,
      problem: {
        code: entry.code,
        field: entry.field,
        detail: `${entry.detail} (filed before the sending key's platform was recorded: send the event with POST /v1/events to apply it)`,
      },
    };
  const source = entry.source ?? (parsed.ok ? parsed.event.source : undefined);
  return { ok: true, options: source === undefined ? {} : { allowedSource: source } };
}

/** Discards an open entry, saying why; in the audit log as `by`'s. */
export async function discardQuarantined(
  tx: WriteTransaction,
  context: IngestContext,
  id: string,
  reason: string,
  by: Actor,
): Promise<Result<QuarantineEntry, 'quarantine_entry_not_found' | 'quarantine_entry_not_open'>> {
  await lockAuditedChanges(tx);
  const entry = await tx.inbox.quarantined(id);
  if (entry === undefined) return err('quarantine_entry_not_found', `no quarantine entry ${id}`);
  if (entry.status !== 'open') return err('quarantine_entry_not_open', `entry ${id} is ${entry.status}`);
  const atMs = context.clock.nowNs() / nanosecondsPerMillisecond;
  const resolution = `discarded: ${reason}`;
  await tx.inbox.resolveQuarantined(id, 'discarded', resolution, atMs);
  await recordAudit(tx, by, 'quarantine_entry.discarded', id, { reason });
  return ok({ ...entry, status: 'discarded', resolution, resolvedAtMs: atMs });
}
