/**
 * Contract: migrations apply once, in order, even when two processes start at the same moment, and
 * a migrated database reports nothing pending.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BackendUnderTest, Harness } from '../../../test/support/backends.ts';
import { migrations } from '../migrations.ts';
import { inWorker } from './contract-concurrency.ts';

export function migrationsContract(backend: BackendUnderTest): void {
  describe(`migrations on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    before(async () => {
      harness = await backend.open();
    });
    after(async () => harness?.dispose());

    it('reports every migration pending on an empty database', async () => {
      assert.deepEqual(
        await harness.store.pendingMigrations(),
        migrations.map((m) => m.name),
      );
    });

    it('applies each migration exactly once when two stores migrate at once', async () => {
      // SQLite waits for its lock by sleeping the thread, so the second migrator is a thread of its own.
      const [a, b] = await Promise.all([
        harness.store.migrate(),
        backend.name === 'postgres'
          ? harness.openAnother().migrate()
          : inWorker<{ applied: string[] }>({ task: 'migrate', path: harness.location }).then(
              (r) => r.applied,
            ),
      ]);
      assert.deepEqual([...a, ...b].sort(), migrations.map((m) => m.name).sort());
      assert.deepEqual(await harness.store.pendingMigrations(), []);
      assert.deepEqual(await harness.store.migrate(), []);
      const rows = await harness.query('select name from capstan_migrations order by name');
      assert.deepEqual(
        rows.map((r) => r['name']),
        migrations.map((m) => m.name),
      );
    });

    it('starts the hash chain at the genesis hash', async () => {
      const head = await harness.store.read((tx) => tx.ledger.head());
      assert.equal(head.lastHash, '0'.repeat(64));
      assert.equal(head.transferCount, 0n);
    });
  });
}
