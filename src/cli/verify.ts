/**
 * `capstan verify [--checkpoints FILE]`: recomputes the ledger and checks the hash chains (the
 * ledger's, the decision log's), then every daily checkpoint against what is stored, then — given a
 * file of checkpoints held outside the database — the database's checkpoints against those, then
 * each facility against its ledger accounts. Prints the first broken link and exits 1, or a summary
 * and exits 0; exits 2 when the database is not there or not migrated, or the file cannot be used.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { verifyFacilities } from '../app/financing/books-agree.ts';
import {
  type HeldCheckpoint,
  heldCheckpointsOf,
  verifyCheckpointAnchors,
} from '../app/ledger/checkpoint-anchors.ts';
import { verifyCheckpoints } from '../app/ledger/verify-checkpoints.ts';
import { verifyLedger } from '../app/ledger/verify-ledger.ts';
import { UnreadableChainHead } from '../app/ports.ts';
import { verifyDecisionChain } from '../app/risk/decisions.ts';
import type { Sha256Hex } from '../domain/ledger/hash-chain.ts';
import { formatCalendarDate, fromDayNumber } from '../domain/time/calendar-date.ts';
import { sqliteFileName } from '../storage/sqlite-file.ts';
import type { CliDeps, StorageFlags } from './program.ts';
import { createProgress } from './progress.ts';
import { UsageError } from './usage-error.ts';

/** A checkpoints file is read whole: at most this big (a century of days is about 30 MB). */
export const checkpointsFileBytesMax = 256 * 1024 * 1024;

/** The text of the checkpoints file, read before the database is opened: one it cannot read is said first. */
function readCheckpointsFile(path: string): string {
  try {
    if (statSync(path).size > checkpointsFileBytesMax)
      throw new Error(`larger than ${checkpointsFileBytesMax / 1024 / 1024} MB`);
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--checkpoints ${path}: ${(error as Error).message}`);
  }
}

function heldIn(path: string, text: string, sha256: Sha256Hex): HeldCheckpoint[] {
  const held = heldCheckpointsOf(text, sha256);
  if (!held.ok) throw new UsageError(`--checkpoints ${path}: ${held.code}: ${held.detail ?? ''}`);
  return held.value;
}

const dateOf = (day: number) => formatCalendarDate(fromDayNumber(day));

export async function verifyCommand(
  deps: CliDeps,
  flags: StorageFlags & { checkpoints?: string },
): Promise<void> {
  const heldText =
    flags.checkpoints === undefined
      ? null
      : { path: flags.checkpoints, text: readCheckpointsFile(flags.checkpoints) };
  const config = deps.loadConfig(flags);
  // Verifying reads: a mistyped --data-dir is said, not made into an empty database.
  const file = join(config.dataDir, sqliteFileName);
  if (config.databaseUrl === undefined && !existsSync(file)) {
    deps.err.write(`no database at ${file}: give the --data-dir it is in (or --database-url)\n`);
    process.exitCode = 2;
    return;
  }
  const app = await deps.openApp(config);
  try {
    const held = heldText === null ? null : heldIn(heldText.path, heldText.text, app.sha256);
    const pending = await app.store.pendingMigrations();
    if (pending.length > 0) {
      deps.err.write(
        `the database is not migrated (${pending.join(', ')} pending): run \`capstan migrate\` first\n`,
      );
      process.exitCode = 2;
      return;
    }
    // An unreadable head is verify's first finding (verifyLedger names it): no total to show then.
    const total = await app.store
      .read((tx) => tx.ledger.head())
      .then(
        (head) => Number(head.transferCount),
        (error: unknown) => {
          if (error instanceof UnreadableChainHead) return 0;
          throw error;
        },
      );
    const progress = createProgress('verifying transfers', total, deps.err);
    const report = await verifyLedger(app.store, app.sha256, (done) => progress.update(done));
    progress.finish();
    if (report.failure !== null) {
      deps.err.write(`VERIFY FAILED [${report.failure.rule}] ${report.failure.detail}\n`);
      process.exitCode = 1;
      return;
    }
    deps.out.write(
      `ledger verified: ${report.accountsChecked} accounts, ${report.transfersChecked} transfers; ` +
        `hash chain intact (head ${report.head?.lastHash.slice(0, 16)}…), balances recomputed, trial balance nets to zero\n`,
    );
    const decisions = await verifyDecisionChain(app.store, app.sha256);
    if (decisions.failure !== null) {
      deps.err.write(`VERIFY FAILED [${decisions.failure.rule}] ${decisions.failure.detail}\n`);
      process.exitCode = 1;
      return;
    }
    deps.out.write(`decision log verified: ${decisions.checked} decisions, hash chain intact\n`);
    const checkpoints = await verifyCheckpoints(app.store, app.sha256);
    if (checkpoints.failure !== null) {
      deps.err.write(`VERIFY FAILED [${checkpoints.failure.rule}] ${checkpoints.failure.detail}\n`);
      process.exitCode = 1;
      return;
    }
    deps.out.write(
      checkpoints.first === null || checkpoints.last === null
        ? 'checkpoints verified: none made yet (the daily cycle makes one for each closed day)\n'
        : `checkpoints verified: ${checkpoints.checked} days, ${dateOf(checkpoints.first.day)} through ${dateOf(checkpoints.last.day)}; ` +
            `roots recomputed, chain intact (last ${checkpoints.last.hash.slice(0, 16)}…)\n`,
    );
    if (held !== null) {
      const anchors = await verifyCheckpointAnchors(app.store, held);
      if (anchors.failure !== null) {
        deps.err.write(`VERIFY FAILED [${anchors.failure.rule}] ${anchors.failure.detail}\n`);
        process.exitCode = 1;
        return;
      }
      const [first, last] = [held[0], held.at(-1)] as [HeldCheckpoint, HeldCheckpoint];
      deps.out.write(
        `checkpoints held outside match: ${anchors.checked} in ${flags.checkpoints}, ${dateOf(first.day)} through ${dateOf(last.day)}\n`,
      );
    }
    const facilities = await verifyFacilities(app.store);
    if (facilities.failure !== null) {
      deps.err.write(`VERIFY FAILED [${facilities.failure.rule}] ${facilities.failure.detail}\n`);
      process.exitCode = 1;
      return;
    }
    deps.out.write(
      `facilities verified: ${facilities.checked} facilities owe what their ledger accounts hold\n`,
    );
  } finally {
    await app.store.close();
  }
}
