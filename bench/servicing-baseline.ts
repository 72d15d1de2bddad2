/**
 * bench:servicing's baseline: what the sweep and the daily cycle must at least do, as bare SQL on
 * a copy of the facility rows, in the same run. The daily cycle: a page read, one UPDATE of each
 * facility's JSON row and one INSERT of an event, a transaction a page. The sweep: the merchant's
 * facilities read, each UPDATEd, an event and a sweep record INSERTed, a transaction a batch — no
 * ledger (bench:ledger measures that against its own baseline).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { Settlement } from '../src/app/financing/sweep.ts';
import { int8ArrayLiteral, textArrayLiteral } from '../src/storage/postgres/array-literal.ts';
import { chunk } from './servicing-book.ts';

/** The measured run's shape: its day, settlements per sweep transaction, facilities per page. */
export interface Shape {
  readonly day: number;
  readonly sweepBatch: number;
  readonly pageSize: number;
}

export interface BaselineResult {
  readonly eodSeconds: number;
  readonly sweepSettlementsPerSecond: number;
}

const baselineTables = [
  'create table bench_facilities (id text primary key, merchant_id text not null, state text not null, version bigint not null)',
  'create index bench_facilities_by_merchant on bench_facilities (merchant_id, id)',
  'create table bench_events (facility_id text not null, sequence integer not null, day integer not null, type text not null, detail text not null, at_ms bigint not null, primary key (facility_id, sequence))',
  'create table bench_sweeps (settlement_key text primary key, merchant_id text not null, day integer not null, split text not null)',
  'insert into bench_facilities select id, merchant_id, state, version from facilities',
];

export function sqliteBaseline(
  db: BetterSqlite3.Database,
  settlements: readonly Settlement[],
  { day, sweepBatch, pageSize }: Shape,
): BaselineResult {
  for (const statement of baselineTables) db.exec(statement);
  const page = db.prepare<[string, number], { id: string; state: string; version: bigint }>(
    'select id, state, version from bench_facilities where id > ? order by id limit ?',
  );
  const byMerchant = db.prepare<[string], { id: string; state: string; version: bigint }>(
    'select id, state, version from bench_facilities where merchant_id = ? order by id',
  );
  const update = db.prepare(
    'update bench_facilities set state = ?, version = ? where id = ? and version = ?',
  );
  const insertEvent = db.prepare('insert into bench_events values (?, ?, ?, ?, ?, ?)');
  const insertSweep = db.prepare('insert into bench_sweeps values (?, ?, ?, ?)');
  let started = performance.now();
  for (const batch of chunk(settlements, sweepBatch)) {
    db.exec('begin immediate');
    for (const s of batch) {
      for (const row of byMerchant.all(s.merchantId)) {
        update.run(row.state, row.version + 1n, row.id, row.version);
        insertEvent.run(row.id, 1, s.day, 'swept', '{}', 0);
      }
      insertSweep.run(s.settlementKey, s.merchantId, s.day, '{}');
    }
    db.exec('commit');
  }
  const sweepSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  for (let after = ''; ; ) {
    db.exec('begin immediate');
    const rows = page.all(after, pageSize);
    for (const row of rows) {
      update.run(row.state, row.version + 1n, row.id, row.version);
      insertEvent.run(row.id, 2, day, 'serviced', '{}', 0);
    }
    db.exec('commit');
    if (rows.length < pageSize) break;
    after = (rows.at(-1) as { id: string }).id;
  }
  const eodSeconds = (performance.now() - started) / 1000;
  return {
    eodSeconds: Number(eodSeconds.toFixed(3)),
    sweepSettlementsPerSecond: Math.round(settlements.length / sweepSeconds),
  };
}

export async function postgresBaseline(
  pool: pg.Pool,
  settlements: readonly Settlement[],
  { day, sweepBatch, pageSize }: Shape,
): Promise<BaselineResult> {
  const client = await pool.connect();
  try {
    for (const statement of baselineTables) await client.query(statement);
    await client.query('analyze bench_facilities');
    type Row = { id: string; merchant_id: string; state: string; version: bigint };
    const write = async (rows: readonly Row[], sequence: number, day: number) => {
      await client.query(
        `update bench_facilities as f set state = u.state, version = u.version + 1
         from unnest($1::text[], $2::text[], $3::int8[]) as u(id, state, version) where f.id = u.id and f.version = u.version`,
        [
          textArrayLiteral(rows.map((r) => r.id)),
          textArrayLiteral(rows.map((r) => r.state)),
          int8ArrayLiteral(rows.map((r) => r.version)),
        ],
      );
      await client.query(
        `insert into bench_events select id, ${sequence}, ${day}, 'serviced', '{}', 0 from unnest($1::text[]) as u(id)`,
        [textArrayLiteral(rows.map((r) => r.id))],
      );
    };
    let started = performance.now();
    for (const batch of chunk(settlements, sweepBatch)) {
      await client.query('begin');
      const rows = await client.query<Row>(
        'select id, merchant_id, state, version from bench_facilities where merchant_id = any($1::text[]) order by id',
        [textArrayLiteral(batch.map((s) => s.merchantId))],
      );
      await write(rows.rows, 1, day);
      await client.query(
        `insert into bench_sweeps select k, m, ${day}, '{}' from unnest($1::text[], $2::text[]) as u(k, m)`,
        [
          textArrayLiteral(batch.map((s) => s.settlementKey)),
          textArrayLiteral(batch.map((s) => s.merchantId)),
        ],
      );
      await client.query('commit');
    }
    const sweepSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    for (let after = ''; ; ) {
      await client.query('begin');
      const rows = await client.query<Row>(
        'select id, merchant_id, state, version from bench_facilities where id > $1 order by id limit $2',
        [after, pageSize],
      );
      await write(rows.rows, 2, day);
      await client.query('commit');
      if (rows.rows.length < pageSize) break;
      after = (rows.rows.at(-1) as Row).id;
    }
    const eodSeconds = (performance.now() - started) / 1000;
    return {
      eodSeconds: Number(eodSeconds.toFixed(3)),
      sweepSettlementsPerSecond: Math.round(settlements.length / sweepSeconds),
    };
  } finally {
    client.release();
  }
}
