/**
 * `npm run bench:ingest`: events per second into the inbox and the feature store. It simulates a
 * marketplace (`capstan simulate`), then imports the file on SQLite (and on PostgreSQL when
 * DATABASE_URL is set) and sends it to a real HTTP server on 127.0.0.1 as NDJSON batches. The
 * machine's baseline, measured in the same run, is reading and validating the same file with no
 * storage at all. The last line of output is the JSON report.
 */

import { randomBytes } from 'node:crypto';
import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { bootstrapOperatorKey } from '../src/app/access/api-keys.ts';
import type { AppContext } from '../src/app/app-context.ts';
import { importRecords } from '../src/app/ingest/import-records.ts';
import type { Store } from '../src/app/ports.ts';
import { buildServer } from '../src/http/server.ts';
import { openImportFile } from '../src/ingest/formats/detect.ts';
import { parseRecord } from '../src/ingest/parse-record.ts';
import { cryptoEntropy, sha256Hex, systemClock } from '../src/main/system.ts';
import { PostgresStore } from '../src/storage/postgres/postgres-store.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import { simulateMarketplace } from './support/simulate.ts';

const merchants = Number(process.env['BENCH_MERCHANTS'] ?? 300);
const days = Number(process.env['BENCH_DAYS'] ?? 365);
const httpBatchEvents = 5_000;

interface Result {
  backend: 'sqlite' | 'postgres' | 'none';
  path: 'file' | 'http' | 'parse_only';
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

function appOf(store: Store): AppContext {
  return { store, clock: systemClock, entropy: cryptoEntropy, sha256: sha256Hex };
}

async function* lines(file: string): AsyncGenerator<string> {
  for await (const line of createInterface({
    input: createReadStream(file),
    crlfDelay: Number.POSITIVE_INFINITY,
  })) {
    if (line !== '') yield line;
  }
}

async function parseOnly(file: string): Promise<Result> {
  const started = performance.now();
  let events = 0;
  for await (const raw of lines(file)) {
    if (!parseRecord({ origin: 'bench', line: null, raw }).ok)
      throw new Error('the simulated file has an invalid event');
    events += 1;
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    backend: 'none',
    path: 'parse_only',
    events,
    seconds: round(seconds),
    eventsPerSecond: Math.round(events / seconds),
  };
}

async function importFile(store: Store, backend: Result['backend'], file: string): Promise<Result> {
  await store.migrate();
  const source = openImportFile(file);
  const started = performance.now();
  const summary = await importRecords(appOf(store), parseRecord, source.records);
  const seconds = (performance.now() - started) / 1000;
  if (summary.quarantined > 0) throw new Error(`${summary.quarantined} simulated events were quarantined`);
  return {
    backend,
    path: 'file',
    events: summary.records,
    seconds: round(seconds),
    eventsPerSecond: Math.round(summary.records / seconds),
  };
}

async function viaHttp(store: Store, file: string): Promise<Result> {
  await store.migrate();
  const app = appOf(store);
  const key = `cap_op_${randomBytes(24).toString('base64url')}`;
  await store.write((tx) => bootstrapOperatorKey(tx, app, key));
  const server = await buildServer({ app, version: 'bench', logger: false });
  await server.listen({ host: '127.0.0.1', port: 0 });
  const address = server.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/v1/events`;
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' };
  let batch: string[] = [];
  let events = 0;
  const send = async () => {
    const response = await fetch(url, { method: 'POST', headers, body: batch.join('\n') });
    const body = (await response.json()) as { applied?: number };
    if (response.status !== 200 || body.applied !== batch.length)
      throw new Error(`HTTP batch failed: ${response.status}`);
    events += batch.length;
    batch = [];
  };
  const started = performance.now();
  for await (const line of lines(file)) {
    batch.push(line);
    if (batch.length >= httpBatchEvents) await send();
  }
  if (batch.length > 0) await send();
  const seconds = (performance.now() - started) / 1000;
  await server.close();
  return {
    backend: store.backend,
    path: 'http',
    events,
    seconds: round(seconds),
    eventsPerSecond: Math.round(events / seconds),
  };
}

function round(value: number): number {
  return Number(value.toFixed(3));
}

async function withPostgres<T>(adminUrl: string, work: (store: Store) => Promise<T>): Promise<T> {
  const name = `capstan_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const store = new PostgresStore({
    connectionString: Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString(),
  });
  try {
    return await work(store);
  } finally {
    await store.close();
    const cleanup = new pg.Client({ connectionString: adminUrl });
    await cleanup.connect();
    await cleanup.query(`drop database if exists ${name} with (force)`);
    await cleanup.end();
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-ingest-'));
  try {
    const file = join(dir, 'marketplace.ndjson');
    process.stderr.write(`simulating ${merchants} merchants × ${days} days… `);
    simulateMarketplace({ merchants, days, seed: 42, start: '2025-01-01', file });
    process.stderr.write(`${(statSync(file).size / 2 ** 20).toFixed(0)} MiB\n`);
    const results: Result[] = [];
    const step = async (label: string, run: () => Promise<Result>) => {
      process.stderr.write(`${label}… `);
      const result = await run();
      process.stderr.write(`${result.events} events, ${result.eventsPerSecond}/s\n`);
      results.push(result);
    };
    await step('parse and validate only (baseline)', () => parseOnly(file));
    await step('sqlite file import', async () => {
      const store = new SqliteStore({ path: join(dir, 'file.sqlite') });
      try {
        return await importFile(store, 'sqlite', file);
      } finally {
        await store.close();
      }
    });
    await step('sqlite HTTP NDJSON', async () => {
      const store = new SqliteStore({ path: join(dir, 'http.sqlite') });
      try {
        return await viaHttp(store, file);
      } finally {
        await store.close();
      }
    });
    const databaseUrl = process.env['DATABASE_URL'];
    if (databaseUrl) {
      await step('postgres file import', () =>
        withPostgres(databaseUrl, (store) => importFile(store, 'postgres', file)),
      );
      await step('postgres HTTP NDJSON', () => withPostgres(databaseUrl, (store) => viaHttp(store, file)));
    } else {
      process.stderr.write('DATABASE_URL is not set: PostgreSQL is not measured\n');
    }
    const machine = {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify({ benchmark: 'ingest', machine, merchants, days, results })}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
