/**
 * `capstan demo` as a newcomer runs it, small, as a child process on a temporary data directory: it
 * simulates a marketplace, lends to it, prints a portfolio summary with money lent and collected
 * and the tables by product, grade and financier, then serves the API on that data with the key it
 * printed, each answer as its own /openapi.json describes it — and the ledger and the decision log
 * it leaves behind verify. Flags it cannot use exit 2, and a directory it did not make is never
 * emptied.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { webhookSignature } from '../../src/main/webhook-transport.ts';
import { OpenapiConformance } from '../support/openapi-conformance.ts';

const bin = new URL('../../bin/capstan.js', import.meta.url).pathname;
const env = { ...process.env, CAPSTAN_LOG_LEVEL: 'warn', DATABASE_URL: '', CAPSTAN_OPERATOR_KEY: '' };
/** A fixed last day keeps the run the same whatever day the test runs on. */
const demoFlags = ['--merchants', '150', '--days', '40', '--seed', '7', '--end', '2026-06-30', '--port', '0'];

/** Runs the demo until it serves; answers its output so far and the child, still running. */
function startDemo(
  dataDir: string,
): Promise<{ child: ChildProcess; stdout: () => string; stderr: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'demo', ...demoFlags, '--data-dir', dataDir], { env });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (/Listening on http:\/\/\S+/.test(stdout))
        resolve({ child, stdout: () => stdout, stderr: () => stderr });
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('exit', (code) =>
      reject(new Error(`demo exited ${code} before serving:\n${stdout}\n${stderr}`)),
    );
  });
}

/** The figures of a table row: its label, then the cells (money with separators, rates). */
function row(stdout: string, currencyHeader: string, label: string): string[] {
  const section = stdout.slice(stdout.indexOf(currencyHeader));
  const line = section.split('\n').find((l) => l.trim().startsWith(`${label} `));
  assert.ok(line !== undefined, `no "${label}" row under ${currencyHeader} in:\n${stdout}`);
  return line.trim().split(/\s{2,}/);
}

const amount = (cell: string | undefined) => Number((cell ?? '').replaceAll(',', ''));

// biome-ignore lint/suspicious/noExplicitAny: the test reads the API's JSON.
type Call = (method: string, path: string, options?: { body?: unknown; key?: string | null }) => Promise<any>;

/**
 * A client of the demo's server (the printed key unless told otherwise) that answers a call's JSON
 * once its status is 200 and the answer is as the server's own /openapi.json describes it
 * (test/support/openapi-conformance.ts), the document itself included.
 */
async function demoClient(url: string, key: string): Promise<Call> {
  const served = await fetch(`${url}/openapi.json`);
  const text = await served.text();
  const conformance = new OpenapiConformance(JSON.parse(text));
  const conforms = (method: string, path: string, response: Response, body: string) => {
    const differs = conformance.checkResponse(method, path, response, body);
    assert.equal(differs, null, `the answer differs from /openapi.json: ${differs}`);
    assert.equal(response.status, 200, `${method} ${path}: ${body}`);
  };
  conforms('GET', '/openapi.json', served, text);
  return async (method, path, options = {}) => {
    const caller = options.key === undefined ? key : options.key;
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        ...(caller === null ? {} : { authorization: `Bearer ${caller}` }),
        ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const body = await response.text();
    conforms(method, path, response, body);
    return JSON.parse(body);
  };
}

/**
 * A receiver on loopback registered as a webhook endpoint for disbursements on the demo's server,
 * the demo's events replayed to it; answers what it was sent once the server has delivered them all
 * (waiting up to 20 s), and how many the server lists as delivered.
 */
async function webhooksFrom(call: Call) {
  const received: { headers: IncomingHttpHeaders; body: string }[] = [];
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  try {
    const port = (receiver.address() as AddressInfo).port;
    const endpoint = await call('POST', '/v1/webhook_endpoints', {
      body: { url: `http://127.0.0.1:${port}/hooks`, events: ['facility.disbursed'] },
    });
    const replay = await call('POST', `/v1/webhook_endpoints/${endpoint.id}/replay`, {
      body: { since: '2000-01-01T00:00:00Z' },
    });
    assert.ok(replay.deliveries > 0 && replay.has_more === false, JSON.stringify(replay));
    for (let waited = 0; received.length < replay.deliveries && waited < 20_000; waited += 100)
      await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(received.length, replay.deliveries, 'every replayed disbursement delivered');
    // The server records the answers once the round's last one is in: wait for that too.
    const expected = Math.min(received.length, 100);
    const delivered = () =>
      call('GET', `/v1/webhook_endpoints/${endpoint.id}/deliveries?status=delivered&limit=100`);
    let listed = await delivered();
    for (let waited = 0; listed.data.length < expected && waited < 10_000; waited += 100) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      listed = await delivered();
    }
    return {
      received,
      secret: endpoint.secret as string,
      deliveredListed: Math.min(listed.data.length, 100),
    };
  } finally {
    receiver.close();
  }
}

describe('capstan demo', () => {
  let dir: string;
  let dataDir: string;
  let output = '';
  let url = '';
  let key = '';
  let exitCode: number | null = null;
  let hooked: Awaited<ReturnType<typeof webhooksFrom>> | undefined;
  let apiPortfolio: unknown;
  let statementMerchant = '';
  let apiStatementCsv = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'capstan-demo-'));
    dataDir = join(dir, 'demo');
    const demo = await startDemo(dataDir);
    output = demo.stdout();
    url = /Listening on (http:\/\/\S+)/.exec(output)?.[1] ?? '';
    key = /(cap_op_[A-Za-z0-9_-]+)/.exec(output)?.[1] ?? '';
    const call = await demoClient(url, key);
    assert.equal((await call('GET', '/health', { key: null })).status, 'ok');
    // The printed key opens the API.
    await call('GET', '/v1/ledger/trial_balance');
    hooked = await webhooksFrom(call);
    // What the API answers, for `capstan report` to be compared with once the demo is stopped.
    apiPortfolio = await call('GET', '/v1/portfolio/summary');
    statementMerchant = JSON.parse(hooked.received[0]?.body ?? '{}').data.merchant_id;
    const csv = await fetch(
      `${url}/v1/merchants/${statementMerchant}/statement?from=2026-05-22&to=2026-06-30&format=csv`,
      { headers: { authorization: `Bearer ${key}` } },
    );
    assert.equal(csv.status, 200);
    apiStatementCsv = await csv.text();
    demo.child.removeAllListeners('exit');
    const exited = new Promise<number | null>((resolve) => demo.child.once('exit', resolve));
    demo.child.kill('SIGINT');
    exitCode = await exited;
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lends and collects, and prints the portfolio by product, grade and financier', () => {
    assert.match(
      output,
      /150 merchants \(seed 7\): 180 days of history from 2025-11-23, then 40 days of lending from 2026-05-22 to 2026-06-30/,
    );
    assert.match(output, /accepted and paid out/);
    const usd = 'USD: ';
    const total = row(output, usd, 'total');
    const [, facilities, originated, , collected] = total;
    assert.ok(Number(facilities) > 0, `facilities in ${total.join(' | ')}`);
    assert.ok(amount(originated) > 0, `originated in ${total.join(' | ')}`);
    assert.ok(amount(collected) > 0, `collected in ${total.join(' | ')}`);
    for (const heading of ['by product', 'by grade', 'by financier'])
      assert.match(output, new RegExp(`\\n\\s+${heading}\\n`));
    assert.ok(amount(row(output, usd, 'advance')[2]) > 0, 'advances were originated');
    assert.match(output, /yield: fee and interest income/);
    assert.match(output, /time: [0-9.]+ s in all/);
  });

  it('sends its events to a webhook endpoint registered on it, signed, once they are replayed', () => {
    assert.ok(hooked);
    assert.ok(hooked.received.length > 0, 'the server delivered the replayed events');
    for (const message of hooked.received) {
      assert.equal(
        message.headers['webhook-signature'],
        webhookSignature(
          hooked.secret,
          String(message.headers['webhook-id']),
          BigInt(String(message.headers['webhook-timestamp'])),
          message.body,
        ),
      );
      const body = JSON.parse(message.body);
      assert.equal(body.type, 'facility.disbursed');
      assert.equal(body.data.id, message.headers['webhook-id']);
    }
    assert.equal(hooked.deliveredListed, hooked.received.length);
  });

  it('serves until Ctrl-C, and leaves books that verify', () => {
    assert.equal(exitCode, 0);
    const verify = spawnSync(process.execPath, [bin, 'verify', '--data-dir', dataDir], {
      env,
      encoding: 'utf8',
    });
    assert.equal(verify.status, 0, `${verify.stdout}\n${verify.stderr}`);
    assert.match(verify.stdout, /ledger verified: .*trial balance nets to zero/);
    assert.match(verify.stdout, /decision log verified/);
    assert.match(
      verify.stdout,
      /facilities verified: [1-9][0-9]* facilities owe what their ledger accounts hold/,
    );
  });

  it('leaves books `capstan report` reads from the shell as the demo printed them and the API answered', () => {
    const report = (...args: string[]) => {
      const ran = spawnSync(process.execPath, [bin, 'report', ...args, '--data-dir', dataDir], {
        env,
        encoding: 'utf8',
      });
      assert.equal(ran.status, 0, `${ran.stdout}\n${ran.stderr}`);
      return ran.stdout;
    };
    // The tables are the demo's own, line for line, for every currency it printed.
    const tables = report('portfolio');
    const printed = output.slice(output.indexOf('USD: '), output.indexOf('\n\n', output.indexOf('USD: ')));
    assert.ok(printed.includes('by financier'), printed);
    assert.ok(tables.includes(printed), `the USD table as the demo printed it:\n${printed}\n---\n${tables}`);
    assert.match(tables, /yield: fee and interest income/);
    assert.deepEqual(JSON.parse(report('portfolio', '--json')), apiPortfolio);
    const funded = JSON.parse(report('portfolio', '--json', '--financier', 'fin_demo_bank'));
    assert.equal(funded.financier_id, 'fin_demo_bank');
    assert.equal(
      report('statement', statementMerchant, '--from', '2026-05-22', '--to', '2026-06-30'),
      apiStatementCsv,
    );
    const statement = JSON.parse(
      report(
        'statement',
        statementMerchant,
        '--from',
        '2026-05-22',
        '--to',
        '2026-06-30',
        '--format',
        'json',
      ),
    );
    assert.equal(statement.merchant_id, statementMerchant);
    // A mistyped id is said, not answered with an empty statement.
    const unknown = spawnSync(
      process.execPath,
      [bin, 'report', 'statement', 'mer_nosuch', '--from', '2026-05-22', '--data-dir', dataDir],
      { env, encoding: 'utf8' },
    );
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /^capstan: no merchant mer_nosuch/);
  });

  it('refuses flags it cannot use, and a directory it did not make', () => {
    const bad = spawnSync(process.execPath, [bin, 'demo', '--merchants', '0', '--no-serve'], {
      env,
      encoding: 'utf8',
    });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--merchants must be a whole number/);
    const future = spawnSync(process.execPath, [bin, 'demo', '--end', '2999-01-01', '--no-serve'], {
      env,
      encoding: 'utf8',
    });
    assert.equal(future.status, 2);
    assert.match(future.stderr, /--end must be .* yesterday or earlier/);
    const theirs = join(dir, 'theirs');
    mkdirSync(theirs);
    writeFileSync(join(theirs, 'notes.txt'), 'keep me');
    const refused = spawnSync(process.execPath, [bin, 'demo', '--data-dir', theirs, '--no-serve'], {
      env,
      encoding: 'utf8',
    });
    assert.equal(refused.status, 2);
    assert.match(refused.stderr, /not empty and was not made by capstan demo/);
    assert.ok(existsSync(join(theirs, 'notes.txt')));
  });
});
