import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely's SQLite driver prepares every query afresh. Compiling SQL is a visible share of a short
 * request, and the same few hundred statements come back all the time, so this hands the driver a
 * connection whose prepare() reuses compiled statements (least recently used beyond the capacity).
 * A statement still being iterated (a streamed query) is busy and cannot be re-entered: such a
 * call gets a fresh statement instead.
 */
export function preparedStatementCache(connection: BetterSqlite3.Database, capacity = 512): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => connection.close(),
    prepare(sql: string): SqliteStatement {
      const cached = statements.get(sql);
      if (cached !== undefined) {
        if (cached.busy) return connection.prepare(sql);
        // Re-insert so the map's order stays least recently used first.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = connection.prepare(sql);
      if (statements.size >= capacity) {
        const oldest = statements.keys().next();
        if (oldest.done !== true) statements.delete(oldest.value);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}
