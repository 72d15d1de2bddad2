/**
 * The SQLite feature store reads a merchant's inputs through its own prepared statements; this
 * proves they are exactly what the portable reader (kysely-features.ts, the one PostgreSQL uses)
 * reads from the same database: the same rows, in the same order, as the same objects key for key
 * — for every merchant of a simulated marketplace, as of days before, during and after its
 * activity, and for a counter past 2^53, which is read exactly.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import type { AppContext } from '../../app/app-context.ts';
import { ingestBatch } from '../../app/ingest/ingest.ts';
import { emptyCounters } from '../../domain/features/projection.ts';
import { calendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';
import { parseRecord } from '../../ingest/parse-record.ts';
import { eventIdPrefix, formatDayLines } from '../../simulator/ndjson.ts';
import { createSimulation } from '../../simulator/simulation.ts';
import { sha256, testEntropy } from '../contract/fixtures.ts';
import { KyselyFeatureReader } from '../kysely-features.ts';
import type { Database } from '../schema.ts';
import { SqliteStore } from './sqlite-store.ts';

const run = { merchants: 30, days: 200, seed: 'sqlitefeatures', start: calendarDate('2026-01-01') };
const firstDay = toDayNumber(run.start);

/** Key order and bigint-ness both show. */
function exactly(value: unknown): string {
  return JSON.stringify(value, (_, item) => (typeof item === 'bigint' ? `${item}n` : item));
}

describe('SQLite feature inputs', () => {
  let dir: string;
  let store: SqliteStore;
  let portable: Kysely<Database>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capstan-sqlite-features-'));
    store = new SqliteStore({ path: join(dir, 'capstan.sqlite') });
    await store.migrate();
    const app: AppContext = { store, clock: new ManualClock(), entropy: testEntropy, sha256 };
    const simulation = createSimulation(run);
    const { calendar, config } = simulation.context;
    let line = 1;
    for (const day of simulation.days()) {
      const lines = formatDayLines(day.events, eventIdPrefix(run), line, config.platformId, calendar);
      const parsed = lines.map((raw, index) => parseRecord({ origin: 'test', line: line + index, raw }));
      line += lines.length;
      await store.write((tx) => ingestBatch(tx, app, parsed));
    }
    const huge = { ...emptyCounters(), gmv: 2n ** 60n + 7n, orders: 1n };
    await store.write((tx) =>
      tx.features.apply([{ merchantId: 'mer_huge', day: firstDay + 5, currency: 'USD', counters: huge }], []),
    );
    const connection = new Sqlite(join(dir, 'capstan.sqlite'), { readonly: true });
    connection.defaultSafeIntegers(true);
    portable = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) });
  });

  after(async () => {
    await portable.destroy();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are what the portable reader reads, for every merchant and as-of day', async () => {
    const reader = new KyselyFeatureReader(portable);
    const merchants = Array.from({ length: run.merchants }, (_, index) => `mer_${run.seed}_${index + 1}`);
    let rows = 0;
    for (const merchantId of [...merchants, 'mer_huge', 'mer_nobody'])
      for (const asOfDay of [
        firstDay - 1,
        firstDay + 20,
        firstDay + 120,
        firstDay + run.days - 1,
        firstDay + 600,
      ]) {
        const expected = await reader.loadInputs(merchantId, asOfDay);
        const actual = await store.read((tx) => tx.features.loadInputs(merchantId, asOfDay));
        assert.deepStrictEqual(actual, expected, `${merchantId} as of ${asOfDay}`);
        assert.equal(exactly(actual), exactly(expected), `${merchantId} as of ${asOfDay}, key for key`);
        rows += actual.daily.length + actual.buyers.length + actual.inventory.length + actual.receipts.length;
      }
    assert.ok(rows > 10_000, `the marketplace gives rows to compare (${rows})`);
    const huge = await store.read((tx) => tx.features.loadInputs('mer_huge', firstDay + 5));
    assert.equal(huge.daily[0]?.counters.gmv, 2n ** 60n + 7n);
  });
});
