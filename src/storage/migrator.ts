/**
 * Applies src/storage/migrations.ts in order. Portable on purpose: no advisory locks (distributed
 * PostgreSQL engines lack them). Each migration's row is inserted first, in the same transaction as
 * the migration: on PostgreSQL a second process racing for the same migration blocks on that row's
 * unique key until the first commits, then finds it applied; on SQLite the write transaction is
 * exclusive anyway.
 */
import type { Kysely, Transaction } from 'kysely';
import type { Backend } from '../app/ports.ts';
import { migrations } from './migrations.ts';
import { toBigInt } from './rows.ts';
import type { Database } from './schema.ts';

export type InTransaction = <T>(
  work: (db: Kysely<Database> | Transaction<Database>) => Promise<T>,
) => Promise<T>;

async function ensureMigrationsTable(db: Kysely<Database> | Transaction<Database>): Promise<void> {
  const create = () =>
    db.schema
      .createTable('capstan_migrations')
      .ifNotExists()
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('applied_at_ms', 'bigint', (c) => c.notNull())
      .execute();
  try {
    await create();
  } catch {
    // Two PostgreSQL processes creating the table at once: one loses on the catalog's unique
    // index even with IF NOT EXISTS. The second attempt finds the table.
    await create();
  }
}

/**
 * Refuses a database migrated by a later Capstan: a migration this version does not know means
 * tables or columns it does not know of either, and writing to them as if they were not there
 * (an upgrade rolled back, say) was done silently ("the database is up to date").
 */
function refuseUnknown(names: readonly string[]): void {
  const known = new Set(migrations.map((m) => m.name));
  const unknown = names.filter((name) => !known.has(name)).sort();
  if (unknown.length > 0)
    throw new Error(
      `it was migrated by a later version of Capstan (${unknown.join(', ')} unknown to this one): run that version`,
    );
}

export async function applyMigrations(
  db: Kysely<Database>,
  inTransaction: InTransaction,
  backend: Backend,
  nowMs: () => bigint,
  onApplied?: (name: string) => void,
): Promise<string[]> {
  // On SQLite inside the write transaction, whose lock the store waits for: the writer has no busy
  // wait of its own, so a CREATE met by another process's lock (a second process migrating a new
  // file) was refused at once. PostgreSQL creates it outside one, so that a lost race can retry.
  if (backend === 'sqlite') await inTransaction((trx) => ensureMigrationsTable(trx));
  else await ensureMigrationsTable(db);
  refuseUnknown((await db.selectFrom('capstan_migrations').select('name').execute()).map((row) => row.name));
  const applied: string[] = [];
  for (const migration of migrations) {
    const ran = await inTransaction(async (trx) => {
      const claimed = await trx
        .insertInto('capstan_migrations')
        .values({ name: migration.name, applied_at_ms: nowMs() })
        .onConflict((conflict) => conflict.column('name').doNothing())
        .executeTakeFirst();
      if (toBigInt(claimed.numInsertedOrUpdatedRows ?? 0n) === 0n) return false;
      await migration.up(trx, backend);
      return true;
    });
    if (ran) {
      applied.push(migration.name);
      onApplied?.(migration.name);
    }
  }
  return applied;
}

export async function pendingMigrationNames(db: Kysely<Database>): Promise<string[]> {
  const tables = await db.introspection.getTables();
  if (!tables.some((table) => table.name === 'capstan_migrations')) return migrations.map((m) => m.name);
  const rows = await db.selectFrom('capstan_migrations').select('name').execute();
  refuseUnknown(rows.map((row) => row.name));
  const done = new Set(rows.map((row) => row.name));
  return migrations.map((m) => m.name).filter((name) => !done.has(name));
}
