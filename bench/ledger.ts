/**
 * `npm run bench:ledger`: transfers per second through the whole ledger write path (lock, look-ups,
 * the pure state machine, the hash chain, the writes, one transaction per call) on SQLite, and on
 * PostgreSQL when DATABASE_URL is set — full batches and single transfers, spread over many accounts
 * and all on one hot account. The baseline is the same rows inserted and the same balances updated
 * as bare SQL, in transactions of the same size, in the same run: the ratio says how close the
 * ledger runs to the storage's own limit. The last line of output is the JSON report.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createAccounts, createTransfers } from '../src/app/ledger/ledger-writes.ts';
import type { Store } from '../src/app/ports.ts';
import { transfersPerBatchMax } from '../src/domain/ledger/limits.ts';
import type { TransferInput } from '../src/domain/ledger/types.ts';
import { cryptoEntropy, sha256Hex, systemClock } from '../src/main/system.ts';
import { mulberry32 as prng } from '../src/simulator/prng.ts';
import { PostgresStore } from '../src/storage/postgres/postgres-store.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import { type BaselineTarget, postgresBaseline, sqliteBaseline } from './ledger-baseline.ts';

const accountCount = 10_000;
const scale = Number(process.env['BENCH_SCALE'] ?? 1);
const plan = {
  sqlite: { batchTransfers: Math.round(245_700 * scale), singleTransfers: Math.round(2_000 * scale) },
  postgres: { batchTransfers: Math.round(163_800 * scale), singleTransfers: Math.round(1_000 * scale) },
};

interface Result {
  backend: 'sqlite' | 'postgres';
  mode: 'batch' | 'batch_hot_account' | 'single';
  transfers: number;
  seconds: number;
  transfersPerSecond: number;
  baselinePerSecond: number;
  ratioToBaseline: number;
}

interface Backend {
  readonly name: 'sqlite' | 'postgres';
  open(): Promise<{ store: Store; baseline: BaselineTarget; dispose(): Promise<void> }>;
}

const sqlite: Backend = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-'));
    const store = new SqliteStore({ path: join(dir, 'ledger.sqlite') });
    await store.migrate();
    const baselineStore = new SqliteStore({ path: join(dir, 'baseline.sqlite') });
    await baselineStore.migrate();
    return {
      store,
      baseline: sqliteBaseline(baselineStore.rawConnection),
      async dispose() {
        await store.close();
        await baselineStore.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function postgres(adminUrl: string): Backend {
  return {
    name: 'postgres',
    async open() {
      const names = [0, 1].map(() => `capstan_bench_${randomBytes(5).toString('hex')}`);
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      for (const name of names) await admin.query(`create database ${name}`);
      await admin.end();
      const urlOf = (name: string) => Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
      const store = new PostgresStore({ connectionString: urlOf(names[0] as string) });
      await store.migrate();
      const baselineStore = new PostgresStore({ connectionString: urlOf(names[1] as string) });
      await baselineStore.migrate();
      return {
        store,
        baseline: postgresBaseline(baselineStore.pool),
        async dispose() {
          await store.close();
          await baselineStore.close();
          const cleanup = new pg.Client({ connectionString: adminUrl });
          await cleanup.connect();
          for (const name of names) await cleanup.query(`drop database if exists ${name} with (force)`);
          await cleanup.end();
        },
      };
    },
  };
}

/** Ids grow with time, as ULIDs or UUIDv7 do (the kind of id TigerBeetle also recommends). */
function makeTransfers(prefix: string, count: number, hot: boolean, random: () => number): TransferInput[] {
  return Array.from({ length: count }, (_, i) => {
    const debit = hot ? 0 : Math.floor(random() * accountCount);
    let credit = 1 + Math.floor(random() * (accountCount - 1));
    if (credit === debit) credit = (credit + 1) % accountCount;
    return {
      id: `${prefix}-${String(i).padStart(10, '0')}`,
      debitAccountId: `acc-${debit}`,
      creditAccountId: `acc-${credit}`,
      amount: BigInt(1 + Math.floor(random() * 100_000)),
      currency: 'USD',
      code: 'bench',
      flags: 0,
    };
  });
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

async function runMode(
  backend: Backend,
  mode: Result['mode'],
  count: number,
  batchSize: number,
): Promise<Result> {
  const { store, baseline, dispose } = await backend.open();
  try {
    const app = { store, clock: systemClock, entropy: cryptoEntropy, sha256: sha256Hex };
    for (const ids of chunk(
      Array.from({ length: accountCount }, (_, i) => `acc-${i}`),
      transfersPerBatchMax,
    )) {
      await store.write((tx) =>
        createAccounts(
          tx,
          app,
          ids.map((id) => ({ id, ledger: 'bench', currency: 'USD', code: 'bench', flags: 0 })),
        ),
      );
    }
    const batches = chunk(makeTransfers(mode, count, mode === 'batch_hot_account', prng(count)), batchSize);
    const started = performance.now();
    for (const batch of batches) {
      const results = await store.write((tx) => createTransfers(tx, app, batch));
      if (results.some((r) => r.result !== 'ok'))
        throw new Error(`bench transfer rejected: ${results.find((r) => r.result !== 'ok')?.result}`);
    }
    const seconds = (performance.now() - started) / 1000;
    const baselineSeconds = await baseline.replay(store, batchSize);
    const transfersPerSecond = Math.round(count / seconds);
    const baselinePerSecond = Math.round(count / baselineSeconds);
    return {
      backend: backend.name,
      mode,
      transfers: count,
      seconds: Number(seconds.toFixed(3)),
      transfersPerSecond,
      baselinePerSecond,
      ratioToBaseline: Number((transfersPerSecond / baselinePerSecond).toFixed(3)),
    };
  } finally {
    await dispose();
  }
}

async function main(): Promise<void> {
  const backends: Backend[] = [sqlite];
  const databaseUrl = process.env['DATABASE_URL'];
  if (databaseUrl) backends.push(postgres(databaseUrl));
  else process.stderr.write('DATABASE_URL is not set: PostgreSQL is not measured\n');
  const results: Result[] = [];
  for (const backend of backends) {
    const counts = plan[backend.name];
    for (const [mode, count, size] of [
      ['batch', counts.batchTransfers, transfersPerBatchMax],
      ['batch_hot_account', counts.batchTransfers, transfersPerBatchMax],
      ['single', counts.singleTransfers, 1],
    ] as const) {
      process.stderr.write(`${backend.name} ${mode}: ${count} transfers in calls of ${size}… `);
      const result = await runMode(backend, mode, count, size);
      process.stderr.write(`${result.transfersPerSecond}/s (bare SQL ${result.baselinePerSecond}/s)\n`);
      results.push(result);
    }
  }
  const machine = {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify({ benchmark: 'ledger', machine, results })}\n`);
}

await main();
