/** `capstan migrate`: applies pending migrations and says which. */
import type { CliDeps, StorageFlags } from './program.ts';

export async function migrateCommand(deps: CliDeps, flags: StorageFlags): Promise<void> {
  const config = deps.loadConfig(flags);
  const app = await deps.openApp(config);
  try {
    const pending = await app.store.pendingMigrations();
    deps.out.write(`${app.store.backend} at ${app.store.location}: ${pending.length} pending migration(s)\n`);
    let index = 0;
    const applied = await app.store.migrate((name) => {
      index += 1;
      deps.out.write(`  [${index}/${pending.length}] applied ${name}\n`);
    });
    deps.out.write(
      applied.length === 0 ? 'the database is up to date\n' : `applied ${applied.length} migration(s)\n`,
    );
  } finally {
    await app.store.close();
  }
}
