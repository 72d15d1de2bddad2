/**
 * Proves `capstan simulate` end to end: it writes the NDJSON file and the ground truth beside it,
 * byte-identical for the same flags; with --to it streams the same bytes to POST /v1/events in
 * batches (NDJSON content type, bearer key, one Idempotency-Key per batch that a retry keeps),
 * retries a 503 and stops at once on a 400; bad flags are usage errors (exit code 2). The server
 * is a tiny node:http listener on 127.0.0.1 started by the test.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, afterEach, before, describe, it } from 'node:test';
import { type SimulateFlags, simulateCommand } from '../cli/simulate.ts';

interface Captured {
  readonly stream: NodeJS.WriteStream;
  text(): string;
}

function captureStream(): Captured {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString('utf8');
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

async function runCommand(flags: SimulateFlags) {
  const out = captureStream();
  const err = captureStream();
  await simulateCommand({ out: out.stream, err: err.stream }, flags);
  return { out: out.text(), err: err.text(), exitCode: process.exitCode };
}

interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

describe('capstan simulate', () => {
  let directory = '';
  const savedKey = process.env['CAPSTAN_KEY'];

  before(async () => {
    directory = await mkdtemp(join(tmpdir(), 'capstan-simulate-'));
    delete process.env['CAPSTAN_KEY'];
  });
  after(async () => {
    await rm(directory, { recursive: true, force: true });
    if (savedKey !== undefined) process.env['CAPSTAN_KEY'] = savedKey;
  });
  afterEach(() => {
    process.exitCode = undefined;
  });

  const small = { merchants: '20', days: '45', seed: '77', start: '2025-10-01' } as const;

  it('writes the events and the ground truth, the same bytes every time', async () => {
    const first = join(directory, 'first.ndjson');
    const second = join(directory, 'second.ndjson');
    const result = await runCommand({ ...small, out: first });
    await runCommand({ ...small, out: second });
    assert.equal(result.exitCode, undefined, result.err);
    const [a, b] = await Promise.all([readFile(first), readFile(second)]);
    assert.ok(a.length > 10_000);
    assert.ok(a.equals(b), 'same flags, same bytes');
    const truth = JSON.parse(await readFile(`${first}.truth.json`, 'utf8'));
    assert.equal(truth.format, 'capstan.simulator.truth/1');
    assert.equal(truth.merchants.length, 20);
    assert.equal(truth.start, '2025-10-01');
    assert.deepEqual(await readFile(`${second}.truth.json`), await readFile(`${first}.truth.json`));
    const lines = a.toString('utf8').trimEnd().split('\n').length;
    assert.match(result.out, new RegExp(`${lines.toLocaleString('en-US')} events`));
    assert.match(result.out, /order\.placed/);
    assert.match(result.err, /simulated 45 days/);
  });

  it('writes the ground truth where --truth says', async () => {
    const truthPath = join(directory, 'elsewhere.json');
    await runCommand({ ...small, days: '5', out: join(directory, 'third.ndjson'), truth: truthPath });
    assert.equal(JSON.parse(await readFile(truthPath, 'utf8')).days, 5);
  });

  describe('--to URL', () => {
    const received: ReceivedRequest[] = [];
    let respond: (request: ReceivedRequest, attempt: number, response: ServerResponse) => void = () => {};
    const server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        const entry = {
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body,
        };
        received.push(entry);
        const attempt = received.filter(
          (other) => other.headers['idempotency-key'] === request.headers['idempotency-key'],
        ).length;
        respond(entry, attempt, response);
      });
    });
    let url = '';

    before(async () => {
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    after(() => server.close());
    afterEach(() => {
      received.length = 0;
    });

    const applyAll = (request: ReceivedRequest, response: ServerResponse) => {
      const count = request.body.trimEnd().split('\n').length;
      const results = Array.from({ length: count }, (_, line) => ({ line: line + 1, status: 'applied' }));
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ object: 'event_batch_result', results }));
    };

    it('streams the same bytes in batches, retrying a failed batch under the same key', async () => {
      respond = (request, attempt, response) => {
        if (String(request.headers['idempotency-key']).endsWith('_2') && attempt === 1) {
          response.writeHead(503, { 'retry-after': '0' });
          response.end('{"title":"busy"}');
          return;
        }
        applyAll(request, response);
      };
      const file = join(directory, 'streamed.ndjson');
      const result = await runCommand({
        ...small,
        out: file,
        to: url,
        key: 'sk_test_simulator',
        batchSize: '700',
      });
      assert.equal(result.exitCode, undefined, result.err);
      const accepted = received.filter((_, index) => index !== 1);
      assert.equal(received[1]!.headers['idempotency-key'], received[2]!.headers['idempotency-key']);
      for (const request of received) {
        assert.equal(request.method, 'POST');
        assert.equal(request.url, '/v1/events');
        assert.equal(request.headers['content-type'], 'application/x-ndjson');
        assert.equal(request.headers['authorization'], 'Bearer sk_test_simulator');
        assert.ok(request.body.trimEnd().split('\n').length <= 700);
      }
      const keys = accepted.map((request) => request.headers['idempotency-key']);
      assert.equal(new Set(keys).size, keys.length, 'one key per batch');
      assert.equal(accepted.map((request) => request.body).join(''), await readFile(file, 'utf8'));
      assert.match(result.err, /batch 2 failed \(HTTP 503/);
      const events = (await readFile(file, 'utf8')).trimEnd().split('\n').length;
      assert.match(result.out, new RegExp(`applied ${events.toLocaleString('en-US')}`));
      assert.match(result.out, /\(1 retries\)/);
    });

    it('stops at once when the server refuses a batch', async () => {
      respond = (_request, _attempt, response) => {
        response.writeHead(400, { 'content-type': 'application/problem+json' });
        response.end('{"code":"batch_too_large"}');
      };
      const result = await runCommand({ ...small, to: url, key: 'sk_test_simulator' });
      assert.equal(result.exitCode, 1);
      assert.equal(received.length, 1);
      assert.match(result.err, /batch 1 refused: HTTP 400/);
    });
  });

  it('answers bad flags with a usage error', async () => {
    const cases: [SimulateFlags, RegExp][] = [
      [{ ...small }, /--out FILE/],
      [{ ...small, merchants: '0', out: join(directory, 'x.ndjson') }, /--merchants/],
      [{ ...small, days: 'ten', out: join(directory, 'x.ndjson') }, /--days/],
      [{ ...small, seed: 'no spaces', out: join(directory, 'x.ndjson') }, /--seed/],
      [{ ...small, start: '2025-02-30', out: join(directory, 'x.ndjson') }, /--start/],
      [{ ...small, batchSize: '50000', to: 'http://127.0.0.1:9', key: 'k' }, /--batch-size/],
      [{ ...small, to: 'ftp://example.com', key: 'k' }, /--to must be/],
      [{ ...small, to: 'http://127.0.0.1:9' }, /API key/],
    ];
    for (const [flags, message] of cases) {
      const result = await runCommand(flags);
      assert.equal(result.exitCode, 2, JSON.stringify(flags));
      assert.match(result.err, message);
      process.exitCode = undefined;
    }
  });
});
