/**
 * The `capstan` command as a user runs it, as real child processes: `serve` migrates an empty data
 * directory, prints the first operator key once and where it listens, answers HTTP and stops on
 * SIGTERM; `migrate` is idempotent; `verify` passes on an honest ledger and exits 1 naming the
 * broken rule once a row has been tampered with; configuration errors are clear.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { migrations } from '../../src/storage/migrations.ts';
import { postgresBackend } from '../support/backends.ts';

const bin = new URL('../../bin/capstan.js', import.meta.url).pathname;

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    env: { ...process.env, CAPSTAN_LOG_LEVEL: 'warn', DATABASE_URL: '', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Runs `capstan` with `args`, reads the first chunk it prints, then closes the pipe, as `head`
 * does after its lines; answers its exit code and what it said on stderr.
 */
async function readFirstThenClose(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], {
    env: { ...process.env, CAPSTAN_LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await new Promise<void>((done) => child.stdout?.once('data', () => done()));
  child.stdout?.destroy();
  const code = await new Promise<number | null>((done) => child.once('exit', done));
  return { code, stderr };
}

interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  readonly key: string | undefined;
  readonly stdout: string;
}

function serve(dataDir: string, env: Record<string, string> = {}): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data-dir', dataDir], {
      env: { ...process.env, CAPSTAN_LOG_LEVEL: 'warn', DATABASE_URL: '', CAPSTAN_OPERATOR_KEY: '', ...env },
    });
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${stdout}`)), 30_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const listening = /Listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (listening !== null) {
        clearTimeout(timer);
        resolve({ child, url: listening[1] as string, key: /^\s+(cap_op_\S+)$/m.exec(stdout)?.[1], stdout });
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited ${code}:\n${stdout}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

/** `capstan worker` on a fresh data directory, told to consume from NATS on `port` of 127.0.0.1. */
function startWorker(dataDir: string, port: number) {
  const child = spawn(
    process.execPath,
    [bin, 'worker', '--data-dir', dataDir, '--nats-url', `nats://127.0.0.1:${port}`],
    { env: { ...process.env, CAPSTAN_LOG_LEVEL: 'warn', DATABASE_URL: '' } },
  );
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  /** Waits (30 s at most) until what the worker has said so far meets `condition`. */
  const until = async (condition: (said: typeof output) => boolean) => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !condition(output))
      await new Promise((resolve) => setTimeout(resolve, 100));
  };
  return { child, output, exited, until };
}

describe('the capstan command on SQLite', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'capstan-cli-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints its commands', () => {
    const help = run(['--help']);
    assert.equal(help.status, 0);
    for (const command of ['serve', 'migrate', 'verify'])
      assert.match(help.stdout, new RegExp(`\\b${command}\\b`));
  });

  it('serves an empty data directory: migrates, prints the operator key once, answers HTTP, stops on SIGTERM', async () => {
    const first = await serve(dataDir);
    assert.match(first.stdout, /applied migration 0001_ledger/);
    assert.ok(first.key !== undefined, 'the first start prints an operator key');
    const health = await fetch(`${first.url}/health`);
    assert.equal(health.status, 200);
    const headers = { authorization: `Bearer ${first.key}`, 'content-type': 'application/json' };
    for (const id of ['cli-a', 'cli-b']) {
      const opened = await fetch(`${first.url}/v1/ledger/accounts`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ id, ledger: 'cli', currency: 'USD', code: 'test' }),
      });
      assert.equal(opened.status, 200);
    }
    const transfers = Array.from({ length: 20 }, (_, i) => ({
      id: `cli-t${i}`,
      debit_account_id: 'cli-a',
      credit_account_id: 'cli-b',
      amount: String(100 + i),
      currency: 'USD',
      code: 'test',
    }));
    const posted = await fetch(`${first.url}/v1/ledger/transfers`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ transfers }),
    });
    assert.equal(posted.status, 200);
    assert.equal(await stop(first.child), 0);

    const second = await serve(dataDir);
    assert.equal(second.key, undefined, 'the key is printed only on the first start');
    assert.doesNotMatch(second.stdout, /applied migration/);
    assert.equal(await stop(second.child), 0);
  });

  it('says so plainly when the port is in use or the host unknown, for serve and before a demo simulates anything', async () => {
    const busy = createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    const port = String((busy.address() as AddressInfo).port);
    try {
      const served = run(['serve', '--port', port, '--data-dir', dataDir]);
      assert.equal(served.status, 2, served.stderr);
      assert.match(served.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: the port is in use`));
      assert.doesNotMatch(served.stderr, /Warning/, 'no deprecation warning from the framework');
      assert.doesNotMatch(served.stderr, /\n\s+at /, 'no stack trace');
      const typo = run(['serve', '--host', 'no-such-host.invalid', '--port', '0', '--data-dir', dataDir]);
      assert.equal(typo.status, 2, typo.stderr);
      assert.match(
        typo.stderr,
        /cannot listen on no-such-host\.invalid:0 \(ENOTFOUND\): pass another --host/,
      );
      assert.doesNotMatch(typo.stderr, /\n\s+at /, 'no stack trace');
      const demoDir = join(dataDir, 'demo');
      const demo = run(['demo', '--port', port, '--data-dir', demoDir]);
      assert.equal(demo.status, 2, demo.stderr);
      assert.match(demo.stderr, /the port is in use .* pass --port, or --no-serve/);
      assert.doesNotMatch(demo.stdout, /Capstan .* demo/, 'nothing simulated');
    } finally {
      busy.close();
    }
  });

  it('verifies nothing at a mistyped data directory, and makes none; refuses a daily cycle of a day not ended as a usage error', () => {
    const typo = join(dataDir, 'no-such-dir');
    const verified = run(['verify', '--data-dir', typo]);
    assert.equal(verified.status, 2, verified.stderr);
    assert.match(verified.stderr, /no database at .*no-such-dir\/capstan\.sqlite/);
    assert.equal(existsSync(typo), false, 'no directory made');
    const today = new Date().toISOString().slice(0, 10);
    const eod = run(['eod', '--date', today, '--data-dir', dataDir]);
    assert.equal(eod.status, 2, eod.stderr);
    assert.match(eod.stderr, /eod_date_invalid/);
  });

  it('exits 2 on a mistyped flag, command or missing option, as on every other usage error; 0 on --help', () => {
    const flag = run(['eod', '--dat', '2026-01-01', '--data-dir', dataDir]);
    assert.equal(flag.status, 2, flag.stderr);
    assert.match(flag.stderr, /unknown option '--dat'/);
    const command = run(['nosuch']);
    assert.equal(command.status, 2, command.stderr);
    assert.match(command.stderr, /unknown command 'nosuch'/);
    const missing = run(['quarantine', 'discard', 'qua_1', '--data-dir', dataDir]);
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /required option '--reason <text>'/);
    for (const asked of [['help', 'eod'], ['eod', '--help'], ['--version']])
      assert.equal(run(asked).status, 0, asked.join(' '));
  });

  it('says in one line, without a stack trace, when the database cannot be opened or reached', () => {
    const file = join(dataDir, 'a-file');
    writeFileSync(file, '');
    const notDir = run(['migrate', '--data-dir', file]);
    assert.equal(notDir.status, 1, notDir.stderr);
    assert.match(notDir.stderr, /^capstan: cannot open the database at .*a-file\/capstan\.sqlite: EEXIST/);
    const demo = run(['demo', '--no-serve', '--data-dir', join(file, 'demo')]);
    assert.equal(demo.status, 2, demo.stderr);
    assert.match(demo.stderr, /^capstan: cannot make .*a-file\/demo .*give another --data-dir/);
    const refused = run(['eod', '--database-url', 'postgres://postgres@127.0.0.1:1/capstan']);
    assert.equal(refused.status, 1, refused.stderr);
    assert.match(
      refused.stderr,
      /^capstan: cannot open the database at postgres:\/\/postgres@127\.0\.0\.1:1\/capstan: connect ECONNREFUSED/,
    );
    const malformed = run(['verify', '--database-url', 'postgres://[oops']);
    assert.equal(malformed.status, 2, malformed.stderr);
    assert.match(malformed.stderr, /DATABASE_URL is not a valid postgres:\/\/ URL/);
    for (const result of [notDir, demo, refused, malformed]) {
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });

  it('says in one line, without a stack trace, that the database is busy when another process holds it locked', () => {
    const locked = join(dataDir, 'locked');
    assert.equal(run(['migrate', '--data-dir', locked]).status, 0);
    // A sqlite3 shell left in a transaction, say: the write lock held past the 10 s wait.
    const other = new Sqlite(join(locked, 'capstan.sqlite'));
    try {
      other.exec('begin exclusive');
      const busy = run(['eod', '--date', '2026-01-10', '--data-dir', locked]);
      // Before: SQLite's `database is locked` with a stack trace, from the migration check.
      assert.equal(busy.status, 1, busy.stderr);
      assert.match(busy.stderr, /^capstan: the database is busy: .* run the command again/);
      assert.doesNotMatch(busy.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(busy.stderr.trim().split('\n').length, 1, busy.stderr);
    } finally {
      if (other.inTransaction) other.exec('rollback');
      other.close();
    }
    assert.equal(run(['eod', '--date', '2026-01-10', '--data-dir', locked]).status, 0, 'run again, it runs');
  });

  it('works on the quarantine only of a database that exists: a mistyped --data-dir is said, and made into none', () => {
    const typo = join(dataDir, 'quarantine-typo');
    for (const args of [
      ['list'],
      ['show', 'qua_1'],
      ['replay', 'qua_1'],
      ['discard', 'qua_1', '--reason', 'x'],
    ]) {
      const result = run(['quarantine', ...args, '--data-dir', typo]);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, /^capstan: no database at .*quarantine-typo\/capstan\.sqlite/);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.equal(existsSync(typo), false, `no database made by quarantine ${args[0]}`);
    }
  });

  it('refuses, in one line, a database migrated by a later version of Capstan, and leaves it as it was', () => {
    const later = join(dataDir, 'later');
    assert.equal(run(['migrate', '--data-dir', later]).status, 0);
    const db = new Sqlite(join(later, 'capstan.sqlite'));
    try {
      db.prepare("insert into capstan_migrations values ('9999_from_the_future', 0)").run();
    } finally {
      db.close();
    }
    for (const command of ['migrate', 'eod', 'verify', 'quarantine list']) {
      const result = run([...command.split(' '), '--data-dir', later]);
      assert.equal(result.status, 1, `${command}: ${result.stdout}${result.stderr}`);
      assert.match(
        result.stderr,
        /^capstan: cannot open the database at .*: it was migrated by a later version of Capstan \(9999_from_the_future unknown to this one\)/,
      );
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
    const check = new Sqlite(join(later, 'capstan.sqlite'), { readonly: true });
    try {
      assert.deepEqual(
        check.prepare('select count(*) as n from eod_runs').get(),
        { n: 0 },
        'no daily cycle run',
      );
    } finally {
      check.close();
    }
  });

  it('says, of a day before the daily cycle first ran, how far it has run rather than that the day was run', () => {
    const cycled = join(dataDir, 'cycled');
    assert.equal(run(['eod', '--date', '2026-01-10', '--data-dir', cycled]).status, 0);
    const mistyped = run(['eod', '--date', '2025-01-10', '--data-dir', cycled]);
    assert.equal(mistyped.status, 0, mistyped.stderr);
    assert.match(mistyped.stdout, /^nothing to do: the daily cycle has run through 2026-01-10\n/);
  });

  it('refuses a mistyped --date or --page-size of capstan eod naming the flag, before making a database', () => {
    const typo = join(dataDir, 'eod-typo');
    for (const [flag, value] of [
      ['--date', '2026-02-30'],
      ['--page-size', '0'],
      ['--page-size', 'ten'],
      ['--page-size', '4001'],
    ] as const) {
      const eod = run(['eod', flag, value, '--data-dir', typo]);
      assert.equal(eod.status, 2, eod.stderr);
      assert.match(eod.stderr, new RegExp(`^capstan: ${flag} must be`));
      assert.equal(existsSync(typo), false, `no database made for ${flag} ${value}`);
    }
    const notEnded = run(['eod', '--date', '2062-12-06', '--data-dir', typo]);
    assert.equal(notEnded.status, 2, notEnded.stderr);
    assert.match(
      notEnded.stderr,
      /^capstan: eod_date_invalid: the daily cycle runs for days that have ended/,
    );
    assert.equal(existsSync(typo), false, 'no database made for a day not ended');
  });

  it('refuses a bad --days or --sources of capstan consent grant naming the flag, before making a database', () => {
    const typo = join(dataDir, 'consent-typo');
    for (const [args, said] of [
      [['--all', '--days', 'abc'], /^capstan: --days must be a whole number from 1 to 1098/],
      [['--all', '--days', '-5'], /^capstan: --days must be/],
      [['--all', '--sources', 'sales,bogus'], /^capstan: --sources must be a comma-separated list of sales/],
      [[], /^capstan: name merchants or pass --all/],
      [['mer_1', 'nosuch'], /^capstan: not a merchant id \(mer_ .*\): nosuch$/m],
    ] as const) {
      const granted = run(['consent', 'grant', ...args, '--data-dir', typo]);
      assert.equal(granted.status, 2, granted.stderr);
      assert.match(granted.stderr, said);
      assert.doesNotMatch(granted.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(existsSync(typo), false, `no database made for ${args.join(' ')}`);
    }
    const decided = run(['decide', 'mer 1', '--data-dir', typo]);
    assert.equal(decided.status, 2, decided.stderr);
    assert.match(decided.stderr, /^capstan: not a merchant id \(mer_ .*\): mer 1$/m);
  });

  it('refuses capstan report flags it cannot use, naming them, before making a database', () => {
    const typo = join(dataDir, 'report-typo');
    for (const [args, said] of [
      [['statement', 'mer_1'], /^capstan: --from is required: the first day, YYYY-MM-DD$/m],
      [['statement', 'mer_1', '--from', '2026-13-01'], /^capstan: --from must be a date, YYYY-MM-DD$/m],
      [
        ['statement', 'mer_1', '--from', '2026-06-02', '--to', '2026-06-01'],
        /^capstan: --to must not be before --from$/m,
      ],
      [
        ['statement', 'mer_1', '--from', '2026-06-01', '--format', 'xml'],
        /^capstan: --format must be csv or json$/m,
      ],
      [['statement', 'nosuch', '--from', '2026-06-01'], /^capstan: not a merchant id \(mer_ .*\): nosuch$/m],
      [['portfolio', '--financier', 'bank'], /^capstan: --financier must be a financier id/m],
      // As GET /v1/portfolio/summary?financier_id= takes it: fin_ and at most 36 characters (no
      // financier can have a longer id); the command took up to 60 and answered it had lent nothing.
      [
        ['portfolio', '--financier', `fin_${'x'.repeat(37)}`],
        /^capstan: --financier must be a financier id \(fin_ then 1 to 36 letters, digits, _ or -\)$/m,
      ],
      [['portfolio'], /^capstan: no database at .*report-typo.*: give the --data-dir it is in/m],
    ] as const) {
      const reported = run(['report', ...args, '--data-dir', typo]);
      assert.equal(reported.status, 2, reported.stderr);
      assert.match(reported.stderr, said);
      assert.equal(existsSync(typo), false, `no database made for ${args.join(' ')}`);
    }
  });

  it('refuses capstan features as of a day to come or for a malformed merchant id, before making a database', () => {
    // As GET /v1/merchants/{id}/features and capstan decide refuse them: both were looked up (a far
    // --as-of answered today's features dated then).
    const typo = join(dataDir, 'features-typo');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    for (const [args, said] of [
      [
        ['mer_1', '--as-of', '9999-12-31'],
        /^capstan: --as-of must not be after today \(\d{4}-\d{2}-\d{2}, UTC\)$/m,
      ],
      [['mer_1', '--as-of', tomorrow], /^capstan: --as-of must not be after today/],
      [['mer_1', '--as-of', '2025-02-30'], /^capstan: --as-of must be a date, YYYY-MM-DD$/m],
      [['mer 1'], /^capstan: not a merchant id \(mer_ .*\): mer 1$/m],
      [['acme'], /^capstan: not a merchant id \(mer_ .*\): acme$/m],
    ] as const) {
      const features = run(['features', ...args, '--data-dir', typo]);
      assert.equal(features.status, 2, features.stderr);
      assert.match(features.stderr, said);
      assert.doesNotMatch(features.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(existsSync(typo), false, `no database made for ${args.join(' ')}`);
    }
  });

  it('features, model, consent and decide say a mistyped --data-dir or an unmigrated database, and make none', () => {
    const typo = join(dataDir, 'risk-typo');
    const bare = join(dataDir, 'bare');
    mkdirSync(bare);
    writeFileSync(join(bare, 'capstan.sqlite'), '');
    for (const args of [
      ['features', 'mer_1'],
      ['model', 'list'],
      ['model', 'promote', 'mdl_1'],
      ['consent', 'grant', '--all'],
      ['decide', '--all'],
    ]) {
      const missing = run([...args, '--data-dir', typo]);
      assert.equal(missing.status, 2, missing.stderr);
      assert.match(missing.stderr, /^capstan: no database at .*risk-typo\/capstan\.sqlite/);
      assert.equal(existsSync(typo), false, `no directory made by ${args.join(' ')}`);
      const unmigrated = run([...args, '--data-dir', bare]);
      assert.equal(unmigrated.status, 2, unmigrated.stderr);
      assert.match(
        unmigrated.stderr,
        /^capstan: the database is not migrated \(0001_ledger, .*run `capstan migrate` first/,
      );
      assert.doesNotMatch(unmigrated.stderr, /\n\s+at /, 'no stack trace');
    }
    const asOf = run(['decide', '--all', '--as-of', '2025-02-30', '--data-dir', bare]);
    assert.equal(asOf.status, 2, asOf.stderr);
    assert.match(asOf.stderr, /^capstan: --as-of must be YYYY-MM-DD/);
  });

  it('stops quietly when the command reading its events stops (simulate --out - | head)', async () => {
    const { code, stderr } = await readFirstThenClose([
      'simulate',
      '--merchants',
      '20',
      '--days',
      '60',
      '--out',
      '-',
    ]);
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /simulate failed|EPIPE/);
  });

  it('finishes its work when the command reading what it prints stops (migrate | head -1)', async () => {
    const piped = join(dataDir, 'piped');
    // The first line read, the pipe is closed, as head -1 does: the migrations still all apply.
    const { code, stderr } = await readFirstThenClose(['migrate', '--data-dir', piped]);
    assert.equal(code, 0, stderr);
    assert.doesNotMatch(stderr, /EPIPE/);
    const again = run(['migrate', '--data-dir', piped]);
    assert.match(again.stdout, /0 pending migration\(s\)/, again.stdout);
  });

  it('runs the daily cycle while NATS cannot be reached, says so once, and stops on SIGTERM', async () => {
    // A port nothing listens on: taken, then let go.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const fresh = mkdtempSync(join(tmpdir(), 'capstan-worker-'));
    try {
      const worker = startWorker(fresh, port);
      // Past its first retry (every 5 s), still running.
      await worker.until(
        ({ stdout, stderr }) => /daily cycle \d{4}-\d{2}-\d{2}: /.test(stdout) && stderr !== '',
      );
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      const { stdout, stderr } = worker.output;
      assert.equal(worker.child.exitCode, null, `the worker keeps running:\n${stdout}\n${stderr}`);
      assert.match(stdout, /daily cycle \d{4}-\d{2}-\d{2}: 0 facilities serviced/);
      assert.match(stderr, new RegExp(`^cannot consume from NATS at nats://127.0.0.1:${port} \\(`));
      assert.equal(stderr.split('cannot consume').length - 1, 1, 'said once, not at every retry');
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
      worker.child.kill('SIGTERM');
      assert.deepEqual(await worker.exited, { code: 0, signal: null });
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('runs the daily cycle while NATS accepts and never answers, and stops on SIGTERM meanwhile', async () => {
    // A server that takes the connection and says nothing: the attempt hangs until its timeout.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    const fresh = mkdtempSync(join(tmpdir(), 'capstan-worker-'));
    try {
      const worker = startWorker(fresh, port);
      await worker.until(
        ({ stdout }) => /daily cycle \d{4}-\d{2}-\d{2}: /.test(stdout) && sockets.length > 0,
      );
      assert.match(worker.output.stdout, /daily cycle \d{4}-\d{2}-\d{2}: 0 facilities serviced/);
      assert.equal(sockets.length, 1, 'the worker is connecting to NATS');
      worker.child.kill('SIGTERM');
      // Stopped in order (not killed by the signal), once the hanging attempt gives up.
      assert.deepEqual(await worker.exited, { code: 0, signal: null });
      assert.match(worker.output.stdout, /SIGTERM: stopping/);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
      rmSync(fresh, { recursive: true, force: true });
    }
  });

  it('migrates idempotently', () => {
    const again = run(['migrate', '--data-dir', dataDir]);
    assert.equal(again.status, 0);
    assert.match(again.stdout, /up to date/);
  });

  it('verifies an honest ledger, and exits 1 naming the rule once a row is tampered with', () => {
    const honest = run(['verify', '--data-dir', dataDir]);
    assert.equal(honest.status, 0, honest.stderr);
    assert.match(honest.stdout, /ledger verified: 2 accounts, 20 transfers/);
    assert.match(honest.stderr, /verifying transfers/);

    const db = new Sqlite(join(dataDir, 'capstan.sqlite'));
    db.prepare(`update ledger_transfers set amount = 1 where id = 'cli-t5'`).run();
    db.close();
    const tampered = run(['verify', '--data-dir', dataDir]);
    assert.equal(tampered.status, 1);
    assert.match(tampered.stderr, /VERIFY FAILED \[hash_mismatch\] transfer cli-t5/);
  });

  it('uses CAPSTAN_OPERATOR_KEY instead of printing a new key, and refuses one that is too short', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'capstan-cli-'));
    try {
      const key = 'cap_op_configured-by-the-deployment-000001';
      const served = await serve(fresh, { CAPSTAN_OPERATOR_KEY: key });
      assert.equal(served.key, undefined);
      const keys = await fetch(`${served.url}/v1/api_keys`, { headers: { authorization: `Bearer ${key}` } });
      assert.equal(keys.status, 200);
      assert.equal(await stop(served.child), 0);
      const short = run(['serve', '--port', '0', '--data-dir', fresh], { CAPSTAN_OPERATOR_KEY: 'short' });
      assert.equal(short.status, 1);
      assert.match(short.stderr, /CAPSTAN_OPERATOR_KEY must be at least 32 characters/);
      const badPort = run(['migrate', '--data-dir', fresh], { PORT: 'eighty' });
      assert.equal(badPort.status, 2);
      assert.match(badPort.stderr, /PORT must be/);
      const badFlag = run(['serve', '--port', '-1', '--data-dir', fresh]);
      assert.equal(badFlag.status, 2, badFlag.stderr);
      assert.match(badFlag.stderr, /^configuration error: --port must be 0–65535, got "-1"/);
    } finally {
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});

describe('the capstan command on PostgreSQL', { skip: postgresBackend.skip }, () => {
  it('tells to migrate a database not migrated, for quarantine list and show, and leaves it so', async () => {
    const harness = await postgresBackend.open();
    try {
      for (const args of [['list'], ['show', 'qua_1']]) {
        const result = run(['quarantine', ...args, '--database-url', harness.location]);
        assert.equal(result.status, 2, result.stderr);
        assert.match(
          result.stderr,
          /^capstan: the database is not migrated \(0001_ledger, .* pending\): run `capstan migrate` first$/m,
        );
        assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      }
      assert.deepEqual(
        await harness.query("select table_name from information_schema.tables where table_schema = 'public'"),
        [],
      );
    } finally {
      await harness.dispose();
    }
  });

  it('migrates and verifies a database given by --database-url', async () => {
    const harness = await postgresBackend.open();
    try {
      const migrated = run(['migrate', '--database-url', harness.location]);
      assert.equal(migrated.status, 0, migrated.stderr);
      assert.match(migrated.stdout, new RegExp(`applied ${migrations.length} migration\\(s\\)`));
      const verified = run(['verify'], { DATABASE_URL: harness.location });
      assert.equal(verified.status, 0, verified.stderr);
      assert.match(verified.stdout, /ledger verified: 0 accounts, 0 transfers/);
    } finally {
      await harness.dispose();
    }
  });
});
