/**
 * Signing as Standard Webhooks specifies it, checked against the specification's own example (the
 * reference libraries' "sign function works" test), and a message sent to a real HTTP server on
 * loopback: its headers verify, an error status is answered as one, and a server that does not
 * answer in time is an error, not a hang. The receiver's check docs/api.md shows verifies what
 * Capstan signs, and nothing else.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { httpWebhookTransport, webhookSignature } from './webhook-transport.ts';

describe('webhook signatures', () => {
  it('match the Standard Webhooks reference example', () => {
    assert.equal(
      webhookSignature(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330n,
        '{"test": 2432232314}',
      ),
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    );
  });

  it("are verified by the receiver's check in docs/api.md, as pasted: both of a rotation's, and no tampering", async () => {
    const docs = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    const snippet = /```js\n(import \{ createHmac[\s\S]*?function verified[\s\S]*?)```/.exec(docs)?.[1];
    assert.ok(snippet, 'docs/api.md shows the check');
    const dir = mkdtempSync(join(tmpdir(), 'capstan-verify-'));
    try {
      const file = join(dir, 'verify.mjs');
      writeFileSync(file, `${snippet}\nexport { verified };\n`);
      const { verified } = (await import(pathToFileURL(file).href)) as {
        verified: (secret: string, headers: Record<string, string>, body: string, now?: number) => boolean;
      };
      const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
      const previous = `whsec_${Buffer.from('the secret before the rotation').toString('base64')}`;
      const at = 1_784_160_000;
      const body = '{"type":"offer.created"}';
      const headers = (signature: string, id = 'off_1:1', timestamp = at) => ({
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signature,
      });
      const signed = (key: string) => webhookSignature(key, 'off_1:1', BigInt(at), body);
      assert.equal(verified(secret, headers(`${signed(previous)} ${signed(secret)}`), body, at + 10), true);
      assert.equal(verified(previous, headers(`${signed(previous)} ${signed(secret)}`), body, at), true);
      assert.equal(verified(secret, headers(signed(secret)), `${body} `, at), false, 'another body');
      assert.equal(verified(secret, headers(signed(secret), 'off_1:2'), body, at), false, 'another id');
      assert.equal(verified(secret, headers(signed(previous)), body, at), false, 'another secret');
      assert.equal(verified(secret, headers(signed(secret)), body, at + 301), false, 'too old');
      // The specification's own example.
      assert.equal(
        verified(
          secret,
          headers(
            'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
            'msg_p5jXN8AQM9LWM0D4loKWxJek',
            1614265330,
          ),
          '{"test": 2432232314}',
          1614265330,
        ),
        true,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('sending a webhook over HTTP', () => {
  it('POSTs the body with the three headers, and answers the status', async (t) => {
    const received: { headers: IncomingMessage['headers']; body: string }[] = [];
    let status = 204;
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
    const transport = httpWebhookTransport('capstan-test');
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const endpoint = { url, secrets: [secret] };
    const message = { id: 'fac_1:1', type: 'facility.swept', body: '{"type":"facility.swept"}' };

    assert.deepEqual(await transport.send(endpoint, message, 1_614_265_330_123n), { status: 204 });
    const [first] = received;
    assert.ok(first);
    assert.equal(first.body, message.body);
    assert.equal(first.headers['content-type'], 'application/json');
    assert.equal(first.headers['webhook-id'], 'fac_1:1');
    assert.equal(first.headers['webhook-timestamp'], '1614265330');
    assert.equal(
      first.headers['webhook-signature'],
      webhookSignature(secret, 'fac_1:1', 1614265330n, message.body),
    );

    status = 503;
    assert.deepEqual(await transport.send(endpoint, message, 1_614_265_331_000n), { status: 503 });

    // Two secrets (one rotated out, still signing): two signatures, space-separated, in that order.
    const rotated = 'whsec_dGhpcyBpcyBhIHJvdGF0ZWQgc2VjcmV0IQ==';
    await transport.send({ url, secrets: [rotated, secret] }, message, 1_614_265_332_000n);
    assert.equal(
      received.at(-1)?.headers['webhook-signature'],
      [rotated, secret].map((s) => webhookSignature(s, 'fac_1:1', 1614265332n, message.body)).join(' '),
    );
  });

  it('gives up on a server that does not answer in time, and on one that is not there', async (t) => {
    const server = createServer(() => {});
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      server.closeAllConnections();
      server.close();
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const slow = await httpWebhookTransport('capstan-test', 200).send(
      { url, secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] },
      { id: 'fac_1:1', type: 'facility.swept', body: '{}' },
      0n,
    );
    assert.ok('error' in slow && /timeout|abort/i.test(slow.error), JSON.stringify(slow));

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const gone = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const refused = await httpWebhookTransport('capstan-test').send(
      { url: gone, secrets: ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'] },
      { id: 'fac_1:1', type: 'facility.swept', body: '{}' },
      0n,
    );
    assert.ok('error' in refused && refused.error.includes('ECONNREFUSED'), JSON.stringify(refused));
  });
});
