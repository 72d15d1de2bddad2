/**
 * `capstan verify`: recomputes the ledger and checks the hash chains (the ledger's, the decision
 * log's), then each facility against its ledger accounts. Prints the first broken link and exits 1,
 * or a summary and exits 0.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { verifyFacilities } from '../app/financing/books-agree.ts';
import { verifyLedger } from '../app/ledger/verify-ledger.ts';
import { UnreadableChainHead } from '../app/ports.ts';
import { verifyDecisionChain } from '../app/risk/decisions.ts';
import { sqliteFileName } from '../storage/sqlite-file.ts';
import type { CliDeps, StorageFlags } from './program.ts';
import { createProgress } from './progress.ts';

export async function verifyCommand(deps: CliDeps, flags: StorageFlags): Promise<void> {
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
