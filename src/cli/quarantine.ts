/**
 * `capstan quarantine list|show|replay|discard`: the records that could not be applied, and their
 * fate. They work on what the database holds, so they open it without migrating it (as `features`
 * does): a mistyped --data-dir made an empty database there and a database not migrated crashed
 * with a stack trace ("no such table").
 */
import { readFileSync } from 'node:fs';
import { cliActor } from '../app/audit/audit-log.ts';
import { ingestBatchRecordsMax } from '../app/ingest/ingest.ts';
import {
  discardQuarantined,
  quarantineDiscardReasonLengthMax,
  replayQuarantined,
} from '../app/ingest/quarantine.ts';
import type { QuarantineStatus } from '../app/ports.ts';
import { openMigratedApp } from './open-migrated.ts';
import type { CliDeps, StorageFlags } from './program.ts';
import { UsageError } from './usage-error.ts';

const listStatuses = ['open', 'replayed', 'discarded', 'all'] as const;

/**
 * `--status` and `--limit` of `quarantine list`, checked before the database is opened: a limit
 * that was not a number failed the query with a stack trace, a mistyped status listed nothing as
 * if nothing were quarantined. At most one batch's worth of records (ingestBatchRecordsMax).
 */
function listFlagsOf(flags: { status?: string; limit?: string }) {
  const status = flags.status ?? 'open';
  if (!(listStatuses as readonly string[]).includes(status))
    throw new UsageError(`--status must be one of ${listStatuses.join(', ')}, not ${status}`);
  const limit = Number(flags.limit ?? 50);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > ingestBatchRecordsMax)
    throw new UsageError(`--limit must be a whole number from 1 to ${ingestBatchRecordsMax}`);
  return { status: status === 'all' ? null : (status as QuarantineStatus), limit };
}

export async function quarantineListCommand(
  deps: CliDeps,
  flags: StorageFlags & { status?: string; limit?: string },
) {
  const { status, limit } = listFlagsOf(flags);
  const app = await openMigratedApp(deps, flags);
  try {
    const entries = await app.store.read((tx) => tx.inbox.listQuarantine(status, { limit }));
    const total = await app.store.read((tx) => tx.inbox.countQuarantine(status));
    for (const e of entries) {
      const where = e.line === null ? e.origin : `${e.origin}:${e.line}`;
      deps.out.write(
        `${e.id}  ${e.status.padEnd(9)} ${e.code.padEnd(26)} ${(e.field ?? '-').padEnd(18)} ${where}\n    ${e.detail}\n`,
      );
    }
    deps.out.write(`${entries.length} of ${total} ${status ?? 'all'} entr${total === 1n ? 'y' : 'ies'}\n`);
  } finally {
    await app.store.close();
  }
}

export async function quarantineShowCommand(deps: CliDeps, id: string, flags: StorageFlags) {
  const app = await openMigratedApp(deps, flags);
  try {
    const entry = await app.store.read((tx) => tx.inbox.quarantined(id));
    if (entry === undefined) {
      deps.err.write(`no quarantine entry ${id}\n`);
      process.exitCode = 1;
      return;
    }
    deps.out.write(
      `${JSON.stringify({ ...entry, firstSeenMs: String(entry.firstSeenMs), lastSeenMs: String(entry.lastSeenMs), seenCount: String(entry.seenCount), resolvedAtMs: entry.resolvedAtMs === null ? null : String(entry.resolvedAtMs) }, null, 2)}\n`,
    );
  } finally {
    await app.store.close();
  }
}

/** The corrected event of `replay --file`: a file that cannot be read is a usage error, not a crash. */
function correctedEvent(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    throw new UsageError(`cannot read the corrected event ${path}: ${(error as Error).message}`);
  }
}

export async function quarantineReplayCommand(
  deps: CliDeps,
  id: string,
  flags: StorageFlags & { file?: string },
) {
  const corrected = flags.file === undefined ? undefined : correctedEvent(flags.file);
  const app = await openMigratedApp(deps, flags);
  try {
    const { parse } = await deps.loadIngest();
    const result = await app.store.write((tx) =>
      replayQuarantined(tx, { ...app, parse }, id, corrected, cliActor(app)),
    );
    if (!result.ok) {
      deps.err.write(`replay of ${id} failed: ${result.detail ?? result.code}\n`);
      process.exitCode = 1;
      return;
    }
    deps.out.write(`${id}: ${result.value.entry.resolution}\n`);
  } finally {
    await app.store.close();
  }
}

export async function quarantineDiscardCommand(
  deps: CliDeps,
  id: string,
  flags: StorageFlags & { reason: string },
) {
  // As POST /v1/quarantine/{id}/discard takes it: a discard says why.
  if (flags.reason.length === 0 || flags.reason.length > quarantineDiscardReasonLengthMax)
    throw new UsageError(`--reason must be 1 to ${quarantineDiscardReasonLengthMax} characters`);
  const app = await openMigratedApp(deps, flags);
  try {
    const result = await app.store.write((tx) =>
      discardQuarantined(tx, app, id, flags.reason, cliActor(app)),
    );
    if (!result.ok) {
      deps.err.write(`${result.detail ?? result.code}\n`);
      process.exitCode = 1;
      return;
    }
    deps.out.write(`${id}: ${result.value.resolution}\n`);
  } finally {
    await app.store.close();
  }
}
