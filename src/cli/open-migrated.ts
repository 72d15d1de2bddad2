/**
 * Opens the database for a command that works on what it holds (features, models, consents,
 * decisions) and so does not migrate it: a mistyped --data-dir is said, not made into an empty
 * database, and a database not yet migrated is told to be, not answered with "no such table".
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppContext } from '../app/app-context.ts';
import { sqliteFileName } from '../storage/sqlite-file.ts';
import type { CliDeps, StorageFlags } from './program.ts';
import { UsageError } from './usage-error.ts';

export async function openMigratedApp(deps: CliDeps, flags: StorageFlags): Promise<AppContext> {
  const config = deps.loadConfig(flags);
  const file = join(config.dataDir, sqliteFileName);
  if (config.databaseUrl === undefined && !existsSync(file))
    throw new UsageError(`no database at ${file}: give the --data-dir it is in (or --database-url)`);
  const app = await deps.openApp(config);
  let pending: string[];
  try {
    pending = await app.store.pendingMigrations();
  } catch (error) {
    await app.store.close();
    throw error;
  }
  if (pending.length > 0) {
    await app.store.close();
    throw new UsageError(
      `the database is not migrated (${pending.join(', ')} pending): run \`capstan migrate\` first`,
    );
  }
  return app;
}
