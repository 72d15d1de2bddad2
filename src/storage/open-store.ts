/**
 * Chooses the storage adapter: PostgreSQL when a database URL is given, else the embedded SQLite
 * file under the data directory.
 */
import { join } from 'node:path';
import type { Store } from '../app/ports.ts';
import { PostgresStore } from './postgres/postgres-store.ts';
import { SqliteStore } from './sqlite/sqlite-store.ts';
import { sqliteFileName } from './sqlite-file.ts';

export interface StoreConfig {
  readonly databaseUrl?: string | undefined;
  readonly dataDir: string;
}

export function openStore(config: StoreConfig): Store {
  if (config.databaseUrl !== undefined && config.databaseUrl !== '') {
    return new PostgresStore({ connectionString: config.databaseUrl });
  }
  return new SqliteStore({ path: join(config.dataDir, sqliteFileName) });
}
