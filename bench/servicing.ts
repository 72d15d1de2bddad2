/**
 * `npm run bench:servicing`: servicing a book of BENCH_FACILITIES (100,000) active facilities — most
 * of them advances, BENCH_TERM_LOAN_SHARE (15%) term loans, each term loan beside an advance of the
 * same merchant — on SQLite, and on PostgreSQL when DATABASE_URL is set:
 *
 * - **sweep**: every merchant's settlement.paid payout of the day, in write transactions of
 *   BENCH_SWEEP_BATCH (2,000) settlements — an ingest batch — with real payouts, so holdbacks and
 *   instalments are deducted, posted to the ledger and written to the facilities: by one
 *   `sweepSettlements` call a transaction (`sweep`, as ingestion sweeps a batch's payouts), and,
 *   alternating with it until BENCH_ONE_CALL_EACH (20,000) are done, by one `sweepSettlement` call
 *   a settlement (`sweep_one_call_each`, as `POST /v1/settlements/commit` sweeps one payout a
 *   request). Settlements per second.
 * - **eod**: the daily cycle (`runEndOfDay`) for that day over the whole book, pages of
 *   BENCH_EOD_PAGE_SIZE (the product's default): fee recognised, interest booked, minimums checked,
 *   every facility's balances asserted against its ledger accounts. Seconds.
 *
 * The book is seeded directly, not through offers and acceptance, but honestly (servicing-book.ts):
 * every facility's ledger accounts opened and its disbursement reserved and posted through the
 * real ledger, its state what `confirmDisbursement` stores, taken through up to
 * BENCH_HISTORY_DAYS_MAX (120) days of payouts and daily cycles by the product's own servicing
 * code, so a state is what one of its age is (an advance's 1.0 KB, a term loan's 2.5 KB with its
 * schedule, on average); the daily cycle's
 * check of every facility against its ledger accounts proves the seeding honest. On PostgreSQL the
 * load is followed by ANALYZE. (The history's facility events and sweep records are not seeded:
 * they would only deepen two indexes.)
 *
 * The machine's baseline, measured in the same run (servicing-baseline.ts): bare SQL doing what
 * each operation must at least do to the facility rows, events and sweep records, no ledger.
 * Progress goes to stderr; the last line of output is the JSON report.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { AppContext } from '../src/app/app-context.ts';
import { eodPageSizeDefault, runEndOfDay } from '../src/app/financing/eod.ts';
import { type Settlement, sweepSettlement, sweepSettlements } from '../src/app/financing/sweep.ts';
import type { Store } from '../src/app/ports.ts';
import { cryptoEntropy, sha256Hex } from '../src/main/system.ts';
import { PostgresStore } from '../src/storage/postgres/postgres-store.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import { type BaselineResult, postgresBaseline, sqliteBaseline } from './servicing-baseline.ts';
import {
  buildTemplates,
  chunk,
  measuredDay,
  seedBook,
  settlementsOf,
  type Templates,
} from './servicing-book.ts';

const facilityCount = Number(process.env['BENCH_FACILITIES'] ?? 100_000);
const termLoanShare = Number(process.env['BENCH_TERM_LOAN_SHARE'] ?? 0.15);
const historyDaysMax = Number(process.env['BENCH_HISTORY_DAYS_MAX'] ?? 120);
const sweepBatch = Number(process.env['BENCH_SWEEP_BATCH'] ?? 2_000);
/** Of the day's settlements, at most this many are swept one call each (on PostgreSQL that is slow). */
const oneCallEachMax = Number(process.env['BENCH_ONE_CALL_EACH'] ?? 20_000);
const eodPageSize = Number(process.env['BENCH_EOD_PAGE_SIZE'] ?? eodPageSizeDefault);
const targets = { sweepSettlementsPerSecond: 20_000, eodSeconds: 30 };
const shape = { day: measuredDay, sweepBatch, pageSize: eodPageSize };

const dayNs = 86_400_000_000_000n;

/**
 * The day's payouts in transactions of `sweepBatch`, alternately swept one `sweepSettlement` call
 * each (as the commit endpoint does) and by one `sweepSettlements` call per transaction (as
 * ingestion does) — the two paths measured under the same conditions, on the same book — until
 * `oneCallEachMax` have been swept one call each; the rest by `sweepSettlements`.
 */
async function sweepAll(app: AppContext, settlements: readonly Settlement[]) {
  const paths = {
    batch: { settlements: 0, deductions: 0, seconds: 0 },
    perCall: { settlements: 0, deductions: 0, seconds: 0 },
  };
  for (const [index, batch] of chunk(settlements, sweepBatch).entries()) {
    const path = index % 2 === 1 && paths.perCall.settlements < oneCallEachMax ? paths.perCall : paths.batch;
    const started = performance.now();
    const results = await app.store.write(async (tx) => {
      if (path === paths.batch) return sweepSettlements(tx, app, batch);
      const each = [];
      for (const settlement of batch) each.push(await sweepSettlement(tx, app, settlement));
      return each;
    });
    path.seconds += (performance.now() - started) / 1000;
    path.settlements += batch.length;
    for (const swept of results) {
      if (!swept.ok || swept.value.replayed) throw new Error('a settlement was not swept');
      path.deductions += swept.value.waterfall.deductions.filter((d) => d.total > 0n).length;
    }
  }
  return paths;
}

async function endOfDay(app: AppContext) {
  const started = performance.now();
  const run = await runEndOfDay(app, measuredDay, { pageSize: eodPageSize });
  const seconds = (performance.now() - started) / 1000;
  if (!run.ok) throw new Error(`eod: ${run.code}`);
  const [day] = run.value;
  if (run.value.length !== 1 || day === undefined || day.facilities !== facilityCount)
    throw new Error(`eod took ${day?.facilities} facilities through the day, not ${facilityCount}`);
  return { seconds, postings: day.postings, events: day.events };
}

// ---------------------------------------------------------------------------------------------
// Backends and the run

interface Backend {
  readonly name: 'sqlite' | 'postgresql';
  open(): Promise<{
    store: Store;
    /** After the bulk load, what a database is given after one. */
    loaded(): Promise<void>;
    baseline(settlements: readonly Settlement[]): Promise<BaselineResult>;
    dispose(): Promise<void>;
  }>;
}

const sqlite: Backend = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-'));
    const store = new SqliteStore({ path: join(dir, 'servicing.sqlite') });
    await store.migrate();
    return {
      store,
      loaded: async () => {},
      baseline: async (settlements) => sqliteBaseline(store.rawConnection, settlements, shape),
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function postgres(adminUrl: string): Backend {
  return {
    name: 'postgresql',
    async open() {
      const name = `capstan_bench_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
      const store = new PostgresStore({ connectionString: url });
      await store.migrate();
      return {
        store,
        // Statistics, as PostgreSQL's documentation advises after a bulk load (a running system's
        // autovacuum analyzes within a minute): without them the planner scanned whole tables.
        loaded: async () => void (await store.pool.query('analyze')),
        baseline: (settlements) => postgresBaseline(store.pool, settlements, shape),
        async dispose() {
          await store.close();
          const cleanup = new pg.Client({ connectionString: adminUrl });
          await cleanup.connect();
          await cleanup.query(`drop database if exists ${name} with (force)`);
          await cleanup.end();
        },
      };
    },
  };
}

async function measure(backend: Backend, templates: Templates) {
  const { store, loaded, baseline, dispose } = await backend.open();
  try {
    // The clock stands at the end of the measured day while its payouts come, then at midnight
    // after it: the day has ended, and its cycle may run.
    let now = BigInt(measuredDay + 1) * dayNs - 1n;
    const app: AppContext = { store, clock: { nowNs: () => now }, entropy: cryptoEntropy, sha256: sha256Hex };
    let started = performance.now();
    process.stderr.write(`${backend.name}: seeding ${facilityCount} facilities…\n`);
    const merchants = await seedBook(app, templates, { facilities: facilityCount, termLoanShare });
    await loaded();
    process.stderr.write(
      `${backend.name}: seeded in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    const settlements = settlementsOf(merchants);
    process.stderr.write(
      `${backend.name} sweep: ${settlements.length} settlements in batches of ${sweepBatch}… `,
    );
    const sweep = await sweepAll(app, settlements);
    const perSecond = (path: { settlements: number; seconds: number }) =>
      Math.round(path.settlements / path.seconds);
    process.stderr.write(
      `${perSecond(sweep.batch)}/s in batch, ${perSecond(sweep.perCall)}/s one call each (${sweep.batch.deductions + sweep.perCall.deductions} deductions)\n`,
    );
    now = BigInt(measuredDay + 1) * dayNs;
    process.stderr.write(`${backend.name} eod: ${facilityCount} facilities in pages of ${eodPageSize}… `);
    const eod = await endOfDay(app);
    process.stderr.write(`${eod.seconds.toFixed(2)} s (${eod.postings} postings, ${eod.events} events)\n`);
    started = performance.now();
    const bare = await baseline(settlements);
    process.stderr.write(
      `${backend.name} bare SQL: sweep ${bare.sweepSettlementsPerSecond}/s, eod ${bare.eodSeconds} s (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
    );
    const results = [
      ...(
        [
          ['sweep', sweep.batch],
          ['sweep_one_call_each', sweep.perCall],
        ] as const
      ).map(([operation, path]) => ({
        backend: backend.name,
        operation,
        settlementsPerSecond: perSecond(path),
        settlements: path.settlements,
        deductions: path.deductions,
        settlementsPerTransaction: sweepBatch,
        seconds: Number(path.seconds.toFixed(3)),
        ...(backend.name === 'sqlite' ? { target: targets.sweepSettlementsPerSecond } : {}),
      })),
      {
        backend: backend.name,
        operation: 'eod',
        facilities: facilityCount,
        seconds: Number(eod.seconds.toFixed(3)),
        pageSize: eodPageSize,
        postings: eod.postings,
        events: eod.events,
        ...(backend.name === 'sqlite' ? { target: targets.eodSeconds } : {}),
      },
    ];
    return { results, baseline: bare };
  } finally {
    await dispose();
  }
}

async function main(): Promise<void> {
  const backends: Backend[] = [sqlite];
  const databaseUrl = process.env['DATABASE_URL'];
  if (databaseUrl) backends.push(postgres(databaseUrl));
  else process.stderr.write('DATABASE_URL is not set: PostgreSQL is not measured\n');
  const templates = buildTemplates(historyDaysMax);
  process.stderr.write(
    `templates: ${templates.advances.length} advances, ${templates.termLoans.length} term loans, up to ${historyDaysMax} days old\n`,
  );
  const results: unknown[] = [];
  const baseline: Record<string, BaselineResult> = {};
  for (const backend of backends) {
    const measured = await measure(backend, templates);
    results.push(...measured.results);
    baseline[backend.name] = measured.baseline;
  }
  const machine = {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify({ benchmark: 'servicing', results, baseline, machine })}\n`);
}

await main();
