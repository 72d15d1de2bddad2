/**
 * `npm run report:feature-signal`: do the feature store's features carry signal about distress?
 * Simulates a marketplace (seeded), imports it into a throwaway SQLite store, and compares each
 * merchant that became distressed — its features 30 days before its distress date — with healthy
 * merchants' features on the same dates. Prints group means and medians as JSON (last line).
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simulateMarketplace } from '../bench/support/simulate.ts';
import { featuresView } from '../src/app/features/features-json.ts';
import { importRecords } from '../src/app/ingest/import-records.ts';
import { computeFeatures } from '../src/domain/features/features.ts';
import { addDays, calendarDate, toDayNumber } from '../src/domain/time/calendar-date.ts';
import { openImportFile } from '../src/ingest/formats/detect.ts';
import { parseRecord } from '../src/ingest/parse-record.ts';
import { cryptoEntropy, sha256Hex, systemClock } from '../src/main/system.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';

const merchants = Number(process.env['SIGNAL_MERCHANTS'] ?? 1000);
const days = Number(process.env['SIGNAL_DAYS'] ?? 365);
const leadDays = 30;
const numeric = [
  'growth_90d',
  'refund_rate_90d',
  'return_rate_90d',
  'cancellation_rate_90d',
  'on_time_delivery_rate_90d',
  'average_delivery_delay_days_90d',
  'rating_average_365d',
  'sales_volatility_90d',
  'days_since_last_sale',
] as const;

interface Truth {
  merchants: { merchant_id: string; distress: { distressed_on: string | null; mechanism: string } | null }[];
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((a, b) => a + b, 0) / Math.max(values.length, 1);
  return {
    n: values.length,
    mean: Number(mean.toFixed(4)),
    median: Number((sorted[Math.floor(sorted.length / 2)] ?? Number.NaN).toFixed(4)),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-signal-'));
  try {
    const file = join(dir, 'marketplace.ndjson');
    simulateMarketplace({ merchants, days, seed: 42, start: '2025-01-01', file });
    const truth = JSON.parse(readFileSync(`${file}.truth.json`, 'utf8')) as Truth;
    const store = new SqliteStore({ path: join(dir, 'store.sqlite') });
    await store.migrate();
    const app = { store, clock: systemClock, entropy: cryptoEntropy, sha256: sha256Hex };
    process.stderr.write('importing… ');
    const summary = await importRecords(app, parseRecord, openImportFile(file).records);
    process.stderr.write(`${summary.applied} events\n`);

    const firstScorable = toDayNumber(addDays(calendarDate('2025-01-01'), 120));
    const distressed = truth.merchants.flatMap((m) => {
      const on = m.distress?.distressed_on;
      if (on === null || on === undefined) return [];
      const asOf = toDayNumber(addDays(calendarDate(on), -leadDays));
      return asOf >= firstScorable
        ? [{ id: m.merchant_id, asOf, mechanism: m.distress?.mechanism ?? '' }]
        : [];
    });
    const healthy = truth.merchants.filter((m) => m.distress === null).map((m) => m.merchant_id);
    const groups: Record<'distressed' | 'healthy', Record<string, number[]>> = {
      distressed: {},
      healthy: {},
    };
    const add = (group: 'distressed' | 'healthy', view: Record<string, unknown>) => {
      for (const name of numeric) {
        const value = view[name];
        if (typeof value !== 'number') continue;
        const values = groups[group][name] ?? [];
        values.push(value);
        groups[group][name] = values;
      }
    };
    for (const [index, d] of distressed.entries()) {
      const features = await store.read(async (tx) =>
        computeFeatures(await tx.features.loadInputs(d.id, d.asOf)),
      );
      add('distressed', featuresView(features));
      // Healthy merchants seen on the same date: the comparison is not confounded by season.
      for (const id of healthy.slice((index * 5) % healthy.length, ((index * 5) % healthy.length) + 5)) {
        const view = await store.read(async (tx) =>
          computeFeatures(await tx.features.loadInputs(id, d.asOf)),
        );
        add('healthy', featuresView(view));
      }
    }
    await store.close();
    const report = Object.fromEntries(
      numeric.map((name) => [
        name,
        { distressed: stats(groups.distressed[name] ?? []), healthy: stats(groups.healthy[name] ?? []) },
      ]),
    );
    process.stdout.write(
      `${JSON.stringify({ report: 'feature-signal', merchants, days, leadDays, distressedScored: distressed.length, features: report })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
