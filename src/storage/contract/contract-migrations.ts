/**
 * Contract: migrations apply once, in order, even when two processes start at the same moment, and
 * a migrated database reports nothing pending; a database with data is carried through a migration
 * that reshapes it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { BackendUnderTest, Harness } from '../../../test/support/backends.ts';
import { migrations } from '../migrations.ts';
import { inWorker } from './contract-concurrency.ts';

/**
 * A database of its own with the migrations before `name` applied, for a test to fill with the
 * data of that time and then `migrate()` through `name`.
 */
async function migratedUpTo(backend: BackendUnderTest, name: string) {
  const old = await backend.open();
  // biome-ignore lint/suspicious/noExplicitAny: the tables as they were before the migration.
  const db = new Kysely<any>({
    dialect:
      backend.name === 'sqlite'
        ? new SqliteDialect({ database: new Sqlite(old.location) })
        : new PostgresDialect({ pool: new pg.Pool({ connectionString: old.location, max: 1 }) }),
  });
  const at = migrations.findIndex((m) => m.name === name);
  for (const migration of migrations.slice(0, at)) await migration.up(db, backend.name);
  return {
    db,
    migrate: () => (migrations[at] as (typeof migrations)[number]).up(db, backend.name),
    async dispose() {
      await db.destroy();
      await old.dispose();
    },
  };
}

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

    it('carries offers and webhook history through 0010_offer_events: each offer its history, each outbox row its subject and time', async () => {
      const { db, dispose, migrate } = await migratedUpTo(backend, '0010_offer_events');
      try {
        const offer = (id: string, status: string, acceptedAtMs: number | null) =>
          sql`insert into offers values (${id}, 'mer_1', 'dec_1', 'advance', 'USD', 100000, ${status},
            20600, 20630, '{}', 1000, ${acceptedAtMs}, null, null)`.execute(db);
        await offer('off_open', 'open', null);
        await offer('off_taken', 'accepted', 5000);
        await offer('off_other', 'withdrawn', null);
        await offer('off_lapsed', 'expired', null);
        await sql`insert into facility_events values ('fac_1', 3, 20601, 'swept', '{}', 7000)`.execute(db);
        await sql`insert into outbox_events (facility_id, event_sequence, fanned_out) values ('fac_1', 3, 1)`.execute(
          db,
        );
        await sql`insert into webhook_deliveries (endpoint_id, outbox_sequence, facility_id, event_sequence,
          event_type, status, attempts, created_at_ms) values ('whe_1', 1, 'fac_1', 3, 'facility.swept', 'delivered', 1, 7500)`.execute(
          db,
        );
        await migrate();
        const history = await sql<{ offer_id: string; sequence: number; type: string; at_ms: bigint }>`
          select offer_id, sequence, type, at_ms from offer_events order by offer_id, sequence`.execute(db);
        assert.deepEqual(
          history.rows.map((r) => [r.offer_id, Number(r.sequence), r.type, Number(r.at_ms)]),
          [
            ['off_lapsed', 1, 'created', 1000],
            // At the end of its expiry day, 20,630.
            ['off_lapsed', 2, 'expired', 20_631 * 86_400_000],
            ['off_open', 1, 'created', 1000],
            ['off_other', 1, 'created', 1000],
            // When the alternative taken was accepted.
            ['off_other', 2, 'withdrawn', 5000],
            ['off_taken', 1, 'created', 1000],
            ['off_taken', 2, 'accepted', 5000],
          ],
        );
        const outbox = await sql<Record<string, unknown>>`
          select subject, subject_id, subject_sequence, recorded_at_ms from outbox_events`.execute(db);
        assert.deepEqual(
          outbox.rows.map((r) => [
            r['subject'],
            r['subject_id'],
            Number(r['subject_sequence']),
            Number(r['recorded_at_ms']),
          ]),
          [['facility', 'fac_1', 3, 7000]],
        );
        const deliveries = await sql<Record<string, unknown>>`
          select subject, subject_id, subject_sequence from webhook_deliveries`.execute(db);
        assert.deepEqual(
          deliveries.rows.map((r) => [r['subject'], r['subject_id'], Number(r['subject_sequence'])]),
          [['facility', 'fac_1', 3]],
        );
      } finally {
        await dispose();
      }
    });

    it('replaces the webhook event types never sent with facility.statement_issued in 0012, never leaving a list empty', async () => {
      const { db, dispose, migrate } = await migratedUpTo(backend, '0012_retired_webhook_event_types');
      try {
        const endpoint = (id: string, types: readonly string[]) =>
          sql`insert into webhook_endpoints (id, url, secret, event_types, description, status, created_at_ms, updated_at_ms)
            values (${id}, 'https://example.com/hook', 'whsec_x', ${JSON.stringify(types)}, '', 'enabled', 1, 1)`.execute(
            db,
          );
        await endpoint('whe_all', []);
        await endpoint('whe_swept', ['facility.swept']);
        await endpoint('whe_only_retired', ['facility.interest_charged', 'facility.fee_charged']);
        await endpoint('whe_mixed', ['facility.adjustment', 'facility.swept', 'facility.statement_issued']);
        await migrate();
        const rows = await sql<{ id: string; event_types: string }>`
          select id, event_types from webhook_endpoints order by id`.execute(db);
        assert.deepEqual(
          rows.rows.map((r) => [r.id, JSON.parse(r.event_types)]),
          [
            ['whe_all', []],
            ['whe_mixed', ['facility.statement_issued', 'facility.swept']],
            ['whe_only_retired', ['facility.statement_issued']],
            ['whe_swept', ['facility.swept']],
          ],
        );
      } finally {
        await dispose();
      }
    });

    it('drops the secrets answers stored under an Idempotency-Key kept, in 0015, leaving every other answer as sent', async () => {
      const { db, dispose, migrate } = await migratedUpTo(backend, '0015_idempotency_secrets');
      try {
        const stored = (key: string, body: string | null) =>
          sql`insert into idempotency_keys (scope, key, fingerprint, status_code, body, created_at_ms)
            values ('key_op', ${key}, 'f', ${body === null ? null : 200}, ${body}, 1)`.execute(db);
        const issued =
          '{"object":"api_key","id":"key_1","role":"operator","secret":"cap_op_plain","name":"ops"}';
        const endpoint =
          '{"object":"webhook_endpoint","id":"whe_1","secret":"whsec_plain","status":"enabled"}';
        const replayed = '{"object":"api_key","id":"key_2","secret":null}';
        const nested = '{"object":"list","data":[{"secret":"not the answer\'s own"}]}';
        await stored('issued', issued);
        await stored('endpoint', endpoint);
        await stored('replayed', replayed);
        await stored('nested', nested);
        await stored('in_progress', null);
        await migrate();
        const rows = await sql<{ key: string; body: string | null }>`
          select key, body from idempotency_keys order by key`.execute(db);
        assert.deepEqual(
          rows.rows.map((r) => [r.key, r.body]),
          [
            ['endpoint', '{"object":"webhook_endpoint","id":"whe_1","secret":null,"status":"enabled"}'],
            ['in_progress', null],
            ['issued', '{"object":"api_key","id":"key_1","role":"operator","secret":null,"name":"ops"}'],
            ['nested', nested],
            ['replayed', replayed],
          ],
        );
      } finally {
        await dispose();
      }
    });

    it('keeps every offer event through 0017 with no reason: what withdrew an offer before was not recorded', async () => {
      const { db, dispose, migrate } = await migratedUpTo(backend, '0017_offer_event_reasons');
      try {
        await sql`insert into offer_events (offer_id, sequence, type, at_ms)
          values ('off_1', 1, 'created', 1000), ('off_1', 2, 'withdrawn', 2000)`.execute(db);
        await migrate();
        await sql`insert into offer_events (offer_id, sequence, type, reason, at_ms)
          values ('off_2', 1, 'withdrawn', 'merchant_flagged', 3000)`.execute(db);
        const rows = await sql<{ offer_id: string; sequence: number; type: string; reason: string | null }>`
          select offer_id, sequence, type, reason from offer_events order by offer_id, sequence`.execute(db);
        assert.deepEqual(
          rows.rows.map((r) => [r.offer_id, Number(r.sequence), r.type, r.reason]),
          [
            ['off_1', 1, 'created', null],
            ['off_1', 2, 'withdrawn', null],
            ['off_2', 1, 'withdrawn', 'merchant_flagged'],
          ],
        );
      } finally {
        await dispose();
      }
    });

    it('starts the hash chain at the genesis hash', async () => {
      const head = await harness.store.read((tx) => tx.ledger.head());
      assert.equal(head.lastHash, '0'.repeat(64));
      assert.equal(head.transferCount, 0n);
    });
  });
}
