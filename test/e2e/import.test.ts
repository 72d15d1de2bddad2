/**
 * `capstan import` as a user runs it, as child processes on a real SQLite file: a file with
 * corrupted lines imports its good records and quarantines each bad one with its line and reason;
 * importing it again changes nothing; and an import killed (SIGKILL) in the middle and then run
 * again ends exactly where an uninterrupted import does — same events, same quarantine, same
 * features — nothing lost, nothing applied twice.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import pg from 'pg';
import { postgresBackend } from '../support/backends.ts';
import { generateActivity } from '../support/events.ts';

const bin = new URL('../../bin/capstan.js', import.meta.url).pathname;
const env = { ...process.env, CAPSTAN_LOG_LEVEL: 'warn', DATABASE_URL: '' };

function run(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function counts(dataDir: string) {
  const db = new Sqlite(join(dataDir, 'capstan.sqlite'), { readonly: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      events: one('select count(*) as n from inbox_events'),
      quarantine: one('select count(*) as n from quarantine'),
      daily: JSON.stringify(
        db.prepare('select * from feature_daily order by merchant_id, day, currency').all(),
      ),
      facts: one('select count(*) as n from feature_facts') + one('select count(*) as n from feature_orders'),
    };
  } finally {
    db.close();
  }
}

function features(dataDir: string, merchant: string): string {
  const result = run(['features', merchant, '--as-of', '2026-06-30', '--data-dir', dataDir]);
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

describe('capstan import', () => {
  let dir: string;
  let file: string;
  const bad = 3;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'capstan-import-'));
    const lines = generateActivity(12, 240, 99).map((event) => JSON.stringify(event));
    lines.splice(100, 0, '{"specversion":"1.0","id":"broken"'); // truncated
    lines.splice(
      5000,
      0,
      JSON.stringify({
        specversion: '1.0',
        id: 'neg',
        source: 'plt_test',
        type: 'order.placed',
        time: '2026-02-01T10:00:00Z',
        subject: 'mer_gen1',
        data: { order_id: 'x', buyer_id: 'y', amount: '-1', currency: 'USD' },
      }),
    );
    lines.splice(
      9000,
      0,
      JSON.stringify({
        specversion: '1.0',
        id: 'cur',
        source: 'plt_test',
        type: 'order.placed',
        time: '2026-02-01T10:00:00Z',
        subject: 'mer_gen1',
        data: { order_id: 'x', buyer_id: 'y', amount: '100', currency: 'XXX' },
      }),
    );
    file = join(dir, 'activity.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('imports the good records, quarantines each bad one with its line, and changes nothing the second time', () => {
    const dataDir = join(dir, 'clean');
    const first = run(['import', file, '--data-dir', dataDir]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`${bad} quarantined`));
    assert.match(first.stdout, /field_invalid ×1/);
    assert.match(first.stdout, /currency_unknown ×1/);
    assert.match(first.stderr, /importing .*activity\.ndjson \(ndjson\)/);
    const listed = run(['quarantine', 'list', '--data-dir', dataDir]);
    assert.match(listed.stdout, /json_invalid/);
    assert.match(listed.stdout, /activity\.ndjson:101/);
    const before = counts(dataDir);
    const featuresBefore = features(dataDir, 'mer_gen3');
    const second = run(['import', file, '--data-dir', dataDir]);
    assert.equal(second.status, 0, second.stderr);
    assert.match(second.stdout, /0 applied/);
    assert.deepEqual(counts(dataDir), before);
    assert.equal(features(dataDir, 'mer_gen3'), featuresBefore);
  });

  it('refuses a quarantine list, replay or discard called wrongly, as a usage error, and changes nothing', () => {
    const dataDir = join(dir, 'clean');
    const listed = run(['quarantine', 'list', '--data-dir', dataDir]);
    const id = /qua_[0-9A-Z]+/.exec(listed.stdout)?.[0];
    assert.ok(id, listed.stdout);
    for (const [flags, message] of [
      [['--limit', 'abc'], /--limit must be a whole number from 1 to 10000/],
      [['--limit', '0'], /--limit must be a whole number from 1 to 10000/],
      [['--status', 'opne'], /--status must be one of open, replayed, discarded, all, not opne/],
    ] as const) {
      const refused = run(['quarantine', 'list', ...flags, '--data-dir', dataDir]);
      assert.equal(refused.status, 2, `${flags.join(' ')}: ${refused.stderr}`);
      assert.match(refused.stderr, message);
    }
    const missing = join(dir, 'no-such-event.json');
    const replayed = run(['quarantine', 'replay', id, '--file', missing, '--data-dir', dataDir]);
    assert.equal(replayed.status, 2, replayed.stderr);
    assert.match(replayed.stderr, /^capstan: cannot read the corrected event .*no-such-event\.json: ENOENT/);
    const discarded = run(['quarantine', 'discard', id, '--reason', '', '--data-dir', dataDir]);
    assert.equal(discarded.status, 2, discarded.stderr);
    assert.match(discarded.stderr, /--reason must be 1 to 500 characters/);
    assert.equal(run(['quarantine', 'list', '--data-dir', dataDir]).stdout, listed.stdout, 'still open');
  });

  it('refuses a --batch-size that is not a whole number from 1 to 10000 before reading anything', () => {
    for (const size of ['abc', '0', '-3', '2.5', '10001']) {
      const dataDir = join(dir, `batch-size-${size}`);
      const refused = run(['import', file, '--data-dir', dataDir, '--batch-size', size]);
      assert.equal(refused.status, 2, `--batch-size ${size}: ${refused.stderr}`);
      assert.match(refused.stderr, /--batch-size must be a whole number from 1 to 10000/);
      assert.equal(existsSync(join(dataDir, 'capstan.sqlite')), false, 'nothing imported');
    }
  });

  it('refuses a file it cannot import before the database is opened, importing none of those named before it', () => {
    const dataDir = join(dir, 'refused-file');
    for (const args of [
      [file, join(dir, 'no-such.ndjson')],
      [file, '--type', 'order.placed'],
      [file, join(dir, 'export.json')],
    ]) {
      writeFileSync(join(dir, 'export.json'), '{"products":[]}');
      const refused = run(['import', ...args, '--data-dir', dataDir]);
      assert.equal(refused.status, 1, refused.stderr);
      assert.match(refused.stderr, /^import failed: /m);
      assert.equal(existsSync(join(dataDir, 'capstan.sqlite')), false, `no database made: ${args.join(' ')}`);
    }
  });

  it('resumes an import killed in the middle without losing or duplicating anything', async () => {
    const reference = counts(join(dir, 'clean'));
    const dataDir = join(dir, 'crashed');
    const child: ChildProcess = spawn(
      process.execPath,
      [bin, 'import', file, '--data-dir', dataDir, '--batch-size', '500'],
      { env },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Kill it once some batches, but not all, have committed.
    for (let attempt = 0; attempt < 600; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      let events = 0;
      try {
        events = counts(dataDir).events;
      } catch {
        continue;
      }
      if (events >= 1_500) break;
    }
    child.kill('SIGKILL');
    await exited;
    const partial = counts(dataDir).events;
    assert.ok(
      partial > 0 && partial < reference.events,
      `killed mid-way (${partial} of ${reference.events})`,
    );
    const resumed = run(['import', file, '--data-dir', dataDir]);
    assert.equal(resumed.status, 0, resumed.stderr);
    const after = counts(dataDir);
    assert.equal(after.events, reference.events);
    assert.equal(after.quarantine, reference.quarantine);
    assert.equal(after.facts, reference.facts);
    assert.equal(after.daily, reference.daily);
    assert.equal(features(dataDir, 'mer_gen7'), features(join(dir, 'clean'), 'mer_gen7'));
  });
});

async function postgresCounts(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const one = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]?.n ?? 0);
    return {
      events: await one('select count(*) as n from inbox_events'),
      quarantine: await one('select count(*) as n from quarantine'),
      daily: JSON.stringify(
        (await client.query('select * from feature_daily order by merchant_id, day, currency')).rows,
      ),
    };
  } catch {
    return { events: 0, quarantine: 0, daily: '' };
  } finally {
    await client.end();
  }
}

describe('capstan import on PostgreSQL', { skip: postgresBackend.skip }, () => {
  it('resumes an import killed in the middle without losing or duplicating anything', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-import-pg-'));
    const reference = await postgresBackend.open();
    const crashed = await postgresBackend.open();
    try {
      const file = join(dir, 'activity.ndjson');
      writeFileSync(
        file,
        `${generateActivity(8, 200, 7)
          .map((e) => JSON.stringify(e))
          .join('\n')}\n{"truncated":\n`,
      );
      const clean = run(['import', file, '--database-url', reference.location]);
      assert.equal(clean.status, 0, clean.stderr);
      const expected = await postgresCounts(reference.location);
      const child = spawn(
        process.execPath,
        [bin, 'import', file, '--database-url', crashed.location, '--batch-size', '300'],
        { env },
      );
      const exited = new Promise((resolve) => child.once('exit', resolve));
      for (let attempt = 0; attempt < 600; attempt += 1) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        if ((await postgresCounts(crashed.location)).events >= 900) break;
      }
      child.kill('SIGKILL');
      await exited;
      const partial = (await postgresCounts(crashed.location)).events;
      assert.ok(
        partial > 0 && partial < expected.events,
        `killed mid-way (${partial} of ${expected.events})`,
      );
      const resumed = run(['import', file, '--database-url', crashed.location]);
      assert.equal(resumed.status, 0, resumed.stderr);
      assert.deepEqual(await postgresCounts(crashed.location), expected);
    } finally {
      await reference.dispose();
      await crashed.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
