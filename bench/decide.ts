/**
 * `npm run bench:decide`: credit decisions per second, in process and over HTTP. It simulates a
 * marketplace, imports it into SQLite, records consents, trains a scorecard on the marketplace's
 * history and makes it the champion; then decides for every merchant in batches (in process), and
 * has 64 concurrent HTTP connections ask a real `capstan serve` on 127.0.0.1 for decisions
 * (BENCH_HTTP_REQUESTS, 10,000 by default, measured after BENCH_HTTP_WARM_UP, 2,000, under the
 * same load: steady state, not JIT compilation). The
 * machine's baseline, measured in the same run, is one SQLite write transaction per decision with
 * nothing else in it. The last line is the JSON report.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import type { AppContext } from '../src/app/app-context.ts';
import { importRecords } from '../src/app/ingest/import-records.ts';
import { grantConsent } from '../src/app/risk/consents.ts';
import { decisionCacheOf } from '../src/app/risk/decision-cache.ts';
import { currentModels, gatherInputs, storeDecisions } from '../src/app/risk/decisions.ts';
import { buildHistoryDataset, distressFromGroundTruth } from '../src/app/risk/history-dataset.ts';
import { registerModel } from '../src/app/risk/models.ts';
import { defaultDecisionSettings } from '../src/domain/decisions/settings.ts';
import { trainModel } from '../src/domain/risk/model.ts';
import { calendarDate, toDayNumber } from '../src/domain/time/calendar-date.ts';
import { openImportFile } from '../src/ingest/formats/detect.ts';
import { parseRecord } from '../src/ingest/parse-record.ts';
import { cryptoEntropy, sha256Hex } from '../src/main/system.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import { simulateMarketplace } from './support/simulate.ts';

const merchants = Number(process.env['BENCH_MERCHANTS'] ?? 300);
const days = 365;
const connections = 64;
const httpRequests = Number(process.env['BENCH_HTTP_REQUESTS'] ?? 10_000);
/** Requests under the full concurrent load before measuring: JIT, caches and group commit settle. */
const httpWarmUpRequests = Number(process.env['BENCH_HTTP_WARM_UP'] ?? 2_000);
const bin = new URL('../bin/capstan.js', import.meta.url).pathname;
const asOf = '2025-12-31';
const asOfDay = toDayNumber(calendarDate(asOf));
const clock = { nowNs: () => BigInt(asOfDay + 1) * 86_400_000_000_000n };

interface Result {
  path: 'in-process' | 'in-process-cold' | 'http' | 'baseline_write';
  decisions: number;
  decisionsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Number((sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0).toFixed(3));
}

async function prepare(dir: string): Promise<{ app: AppContext; ids: string[] }> {
  const file = join(dir, 'marketplace.ndjson');
  simulateMarketplace({ merchants, days, seed: 7, start: '2025-01-01', file });
  const store = new SqliteStore({ path: join(dir, 'capstan.sqlite') });
  await store.migrate();
  const app: AppContext = { store, clock, entropy: cryptoEntropy, sha256: sha256Hex };
  await importRecords(app, parseRecord, openImportFile(file).records);
  const ids: string[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.read((tx) =>
      tx.features.listMerchants(after === undefined ? { limit: 1_000 } : { after, limit: 1_000 }),
    );
    if (page.length === 0) break;
    ids.push(...page);
    after = page[page.length - 1];
  }
  const expiresAtMs = clock.nowNs() / 1_000_000n + 365n * 86_400_000n;
  await store.write(async (tx) => {
    for (const id of ids)
      await grantConsent(tx, app, id, {
        purpose: 'credit_assessment',
        dataSources: ['sales', 'settlements', 'fulfilment', 'reviews'],
        expiresAtMs,
      });
  });
  const truth = distressFromGroundTruth(JSON.parse(readFileSync(`${file}.truth.json`, 'utf8')), (date) =>
    toDayNumber(calendarDate(date)),
  );
  const built = await buildHistoryDataset(
    store,
    {
      firstObservationDay: toDayNumber(calendarDate('2025-03-01')),
      lastObservationDay: asOfDay - 60,
      stepDays: 30,
      horizonDays: 60,
    },
    truth,
    defaultDecisionSettings,
  );
  const { model } = trainModel(built.dataset, { algorithm: 'scorecard', testFraction: 0.3, seed: 1 });
  await store.write((tx) =>
    registerModel(tx, app, {
      artifact: model,
      algorithm: 'scorecard',
      metrics: {},
      training: { bench: true },
      status: 'champion',
    }),
  );
  return { app, ids };
}

/**
 * Decisions for every merchant, `rounds` times, in batches as `capstan decide --all` makes them.
 * The first round reads every merchant's features from the store (cold); later rounds find them
 * in the decision cache, as decisions for active merchants do.
 */
async function inProcess(
  app: AppContext,
  ids: readonly string[],
  rounds: number,
  path: Result['path'],
): Promise<Result> {
  const perDecision: number[] = [];
  const batch = 200;
  const nowMs = clock.nowNs() / 1_000_000n;
  const cache = decisionCacheOf(app.store);
  const started = performance.now();
  let decided = 0;
  for (let round = 0; round < rounds; round += 1) {
    for (let start = 0; start < ids.length; start += batch) {
      const slice = ids.slice(start, start + batch);
      const t = performance.now();
      const prepared = await app.store.read(async (tx) => {
        const models = await currentModels(tx, cache);
        const out = [];
        for (const id of slice)
          out.push({ inputs: await gatherInputs(tx, id, asOfDay, nowMs, cache), models });
        return out;
      });
      await app.store.write((tx) => storeDecisions(tx, app, prepared));
      const each = (performance.now() - t) / slice.length;
      for (let i = 0; i < slice.length; i += 1) perDecision.push(each);
      decided += slice.length;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    path,
    decisions: decided,
    decisionsPerSecond: Math.round(decided / seconds),
    p50Ms: percentile(perDecision, 50),
    p99Ms: percentile(perDecision, 99),
  };
}

/** The storage's own limit for this shape of work: one tiny write transaction per decision. */
async function baselineWrites(app: AppContext): Promise<Result> {
  const latencies: number[] = [];
  const count = 2_000;
  const started = performance.now();
  for (let i = 0; i < count; i += 1) {
    const t = performance.now();
    await app.store.write((tx) => tx.risk.putSetting('bench_baseline', String(i), BigInt(i)));
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  return {
    path: 'baseline_write',
    decisions: count,
    decisionsPerSecond: Math.round(count / seconds),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

function serve(dir: string, key: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const profile = process.env['BENCH_SERVER_CPU_PROF'];
    const nodeFlags = profile ? ['--cpu-prof', '--cpu-prof-dir', profile] : [];
    const child = spawn(process.execPath, [...nodeFlags, bin, 'serve', '--port', '0', '--data-dir', dir], {
      env: { ...process.env, CAPSTAN_OPERATOR_KEY: key, CAPSTAN_LOG_LEVEL: 'warn', DATABASE_URL: '' },
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening on (http:\/\/\S+) /.exec(output);
      if (match) resolve({ child, url: match[1] as string });
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${output}`)));
  });
}

async function overHttp(dir: string, ids: readonly string[]): Promise<Result> {
  const key = `cap_op_${randomBytes(24).toString('base64url')}`;
  const { child, url } = await serve(dir, key);
  try {
    const headers = { authorization: `Bearer ${key}` };
    // Warm-up, not measured: one decision per merchant fills the server's decision cache.
    for (const id of ids) {
      const response = await fetch(`${url}/v1/merchants/${id}/decisions?as_of=${asOf}`, {
        method: 'POST',
        headers,
      });
      await response.arrayBuffer();
    }
    // The load generator shares this machine's two cores with the server, so it uses node:http
    // with a keep-alive agent of exactly 64 sockets: several times cheaper per request than fetch.
    const agent = new Agent({ keepAlive: true, maxSockets: connections });
    const target = new URL(url);
    const post = (id: string) =>
      new Promise<number>((resolve, reject) => {
        const request = httpRequest(
          {
            agent,
            host: target.hostname,
            port: target.port,
            method: 'POST',
            path: `/v1/merchants/${id}/decisions?as_of=${asOf}`,
            headers,
          },
          (response) => {
            response.on('data', () => {});
            response.on('end', () => resolve(response.statusCode ?? 0));
            response.on('error', reject);
          },
        );
        request.on('error', reject);
        request.end();
      });
    const load = async (requests: number) => {
      const latencies: number[] = [];
      let next = 0;
      const worker = async () => {
        while (next < requests) {
          const id = ids[next % ids.length] as string;
          next += 1;
          const t = performance.now();
          const status = await post(id);
          if (status !== 200) throw new Error(`HTTP ${status}`);
          latencies.push(performance.now() - t);
        }
      };
      const started = performance.now();
      await Promise.all(Array.from({ length: connections }, worker));
      return { latencies, seconds: (performance.now() - started) / 1000 };
    };
    await load(httpWarmUpRequests);
    const { latencies, seconds } = await load(httpRequests);
    agent.destroy();
    return {
      path: 'http',
      decisions: latencies.length,
      decisionsPerSecond: Math.round(latencies.length / seconds),
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
    };
  } finally {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-decide-'));
  try {
    process.stderr.write(
      `preparing ${merchants} merchants × ${days} days (simulate, import, consent, train)…\n`,
    );
    const { app, ids } = await prepare(dir);
    const results: Result[] = [];
    for (const [label, run] of [
      ['in-process, cold (features read from the store)', () => inProcess(app, ids, 1, 'in-process-cold')],
      ['in-process, warm (decision cache)', () => inProcess(app, ids, 10, 'in-process')],
      ['baseline write', () => baselineWrites(app)],
    ] as const) {
      process.stderr.write(`${label}… `);
      const result = await run();
      process.stderr.write(`${result.decisionsPerSecond}/s, p99 ${result.p99Ms} ms\n`);
      results.push(result);
    }
    await app.store.close();
    process.stderr.write(`http, ${connections} connections… `);
    const http = await overHttp(dir, ids);
    process.stderr.write(`${http.decisionsPerSecond}/s, p50 ${http.p50Ms} ms, p99 ${http.p99Ms} ms\n`);
    results.push(http);
    const machine = {
      cpus: availableParallelism(),
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    };
    process.stdout.write(`${JSON.stringify({ benchmark: 'decide', machine, merchants, results })}\n`);
  } finally {
    if (process.env['BENCH_KEEP'] === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
