/** `capstan quarantine list|show|replay|discard`: the records that could not be applied, and their fate. */
import { readFileSync } from 'node:fs';
import { discardQuarantined, replayQuarantined } from '../app/ingest/quarantine.ts';
import type { QuarantineStatus } from '../app/ports.ts';
import type { CliDeps, StorageFlags } from './program.ts';

export async function quarantineListCommand(
  deps: CliDeps,
  flags: StorageFlags & { status?: string; limit?: string },
) {
  const app = await deps.openApp(deps.loadConfig(flags));
  try {
    const status = (flags.status ?? 'open') === 'all' ? null : ((flags.status ?? 'open') as QuarantineStatus);
    const limit = Number(flags.limit ?? 50);
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
  const app = await deps.openApp(deps.loadConfig(flags));
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

export async function quarantineReplayCommand(
  deps: CliDeps,
  id: string,
  flags: StorageFlags & { file?: string },
) {
  const app = await deps.openApp(deps.loadConfig(flags));
  try {
    const corrected = flags.file === undefined ? undefined : readFileSync(flags.file, 'utf8').trim();
    const { parse } = await deps.loadIngest();
    const result = await app.store.write((tx) => replayQuarantined(tx, { ...app, parse }, id, corrected));
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
  const app = await deps.openApp(deps.loadConfig(flags));
  try {
    const result = await app.store.write((tx) => discardQuarantined(tx, app, id, flags.reason));
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
