/**
 * The API's conventions, over a real HTTP server on 127.0.0.1 and a real database (SQLite, and
 * PostgreSQL when configured): health and OpenAPI are public; everything else needs a bearer key
 * of a role the route allows; every error is an RFC 9457 problem with a code, a detail, the
 * request id and the bad parameter; an Idempotency-Key replays or refuses; lists paginate; bodies
 * are bounded and strictly validated.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { backendsUnderTest } from '../../test/support/backends.ts';
import { startTestServer, type TestServer, testOperatorKey } from '../../test/support/http.ts';
import { type SqliteStore, sqliteBusyTimeoutMs } from '../storage/sqlite/sqlite-store.ts';
import { pathParameterLengthMax, requestBodyBytesMax, requestJsonDepthMax } from './limits.ts';

/**
 * Writes `raw` on a connection of its own, without ending it, and reads everything the server sends
 * until the server closes it (the request must ask it to): a half-closed connection may be closed
 * before a slower answer is sent.
 */
function exchangeUntilClosed(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(raw));
    socket.on('data', (chunk: Buffer) => void chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

for (const backend of backendsUnderTest) {
  describe(`API conventions on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    before(async () => {
      api = await startTestServer(backend);
    });
    after(async () => api?.close());

    it('answers /health without a key, checking the database', async () => {
      const response = await api.request('GET', '/health', { key: null });
      assert.equal(response.status, 200);
      assert.deepEqual(response.json, { status: 'ok', version: 'test', backend: backend.name });
      assert.match(response.headers.get('request-id') ?? '', /^req_/);
    });

    it('serves an OpenAPI 3.1 document: every operation says which roles may call it, its answers, its problems and its Idempotency-Key', async () => {
      const response = await api.request('GET', '/openapi.json', { key: null });
      assert.equal(response.status, 200);
      assert.equal(response.json.openapi, '3.1.0');
      const operations = Object.entries(
        response.json.paths as Record<string, Record<string, Record<string, unknown>>>,
      ).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
      assert.ok(operations.some((o) => o.path === '/v1/ledger/transfers' && o.method === 'post'));
      for (const { path, op } of operations)
        assert.ok(Array.isArray(op['x-capstan-roles']), `${path} declares no roles`);
      // Every error is a problem; every POST but the preview takes an Idempotency-Key.
      const idempotencyKey = { $ref: '#/components/parameters/IdempotencyKey' };
      for (const { path, method, op } of operations) {
        const responses = op['responses'] as Record<string, unknown>;
        assert.deepEqual(responses['4XX'], { $ref: '#/components/responses/Problem' }, `${method} ${path}`);
        assert.deepEqual(responses['5XX'], { $ref: '#/components/responses/Problem' }, `${method} ${path}`);
        const takesKey = ((op['parameters'] ?? []) as unknown[]).some(
          (p) => JSON.stringify(p) === JSON.stringify(idempotencyKey),
        );
        assert.equal(
          takesKey,
          method === 'post' && path !== '/v1/settlements/preview',
          `${method} ${path} Idempotency-Key`,
        );
      }
      const { components } = response.json;
      assert.equal(components.parameters.IdempotencyKey.in, 'header');
      assert.ok(components.schemas.Problem.properties.code.enum.includes('settlement_reused'));
      assert.deepEqual(Object.keys(components.responses.Problem.content), ['application/problem+json']);
      // A draw answers 201 when made, 200 when the same draw is asked again; both described.
      const draws = response.json.paths['/v1/facilities/{id}/draws'].post.responses;
      for (const status of ['200', '201'])
        assert.equal(
          draws[status].content['application/json'].schema.properties.object.enum[0],
          'draw',
          status,
        );
      // Financing answers are described, not left as a bare "Default Response".
      for (const [path, method] of [
        ['/v1/offers/{id}/accept', 'post'],
        ['/v1/settlements/commit', 'post'],
        ['/v1/facilities/{id}', 'get'],
        ['/v1/portfolio/summary', 'get'],
        ['/v1/merchants/{id}/statement', 'get'],
      ] as const)
        assert.ok(
          response.json.paths[path][method].responses['200'].content['application/json'].schema,
          path,
        );
      // A body whose fields are all optional may be left out, as the server takes none as `{}`;
      // a settings change is the body, so it is required, as are bodies with required fields.
      const bodyRequired = (path: string, method: string) =>
        response.json.paths[path][method].requestBody.required;
      for (const [path, method] of [
        ['/v1/merchants/{id}/decisions', 'post'],
        ['/v1/offers/{id}/accept', 'post'],
        ['/v1/disbursements/{facility_id}/confirm', 'post'],
        ['/v1/quarantine/{id}/replay', 'post'],
        ['/v1/webhook_endpoints/{id}/rotate_secret', 'post'],
      ] as const)
        assert.equal(bodyRequired(path, method), false, `${method} ${path} body`);
      for (const [path, method] of [
        ['/v1/settings/sweeping', 'put'],
        ['/v1/ledger/transfers', 'post'],
        ['/v1/quarantine/{id}/discard', 'post'],
      ] as const)
        assert.equal(bodyRequired(path, method), true, `${method} ${path} body`);
      const docs = await api.request('GET', '/docs', { key: null });
      assert.equal(docs.status, 200);
      assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
      assert.match(docs.text, /id="error-idempotency_key_reused"/);
      assert.match(docs.text, /\/v1\/ledger\/transfers/);
    });

    it('refuses a missing, malformed, unknown or wrong-role key with a problem', async () => {
      const missing = await api.request('GET', '/v1/ledger/accounts', { key: null });
      assert.equal(missing.status, 401);
      assert.match(missing.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(missing.json.code, 'api_key_missing');
      assert.equal(missing.json.request_id, missing.headers.get('request-id'));
      assert.equal(missing.json.status, 401);
      assert.equal(missing.json.type, '/docs#error-api_key_missing');
      const malformed = await api.request('GET', '/v1/ledger/accounts', {
        key: null,
        headers: { authorization: 'Basic abc' },
      });
      assert.equal(malformed.json.code, 'api_key_invalid');
      const unknown = await api.request('GET', '/v1/ledger/accounts', {
        key: 'cap_op_not-a-real-key-000000000000000000',
      });
      assert.equal(unknown.status, 401);
      assert.equal(unknown.json.code, 'api_key_invalid');
      const merchant = await api.request('POST', '/v1/api_keys', {
        body: { role: 'merchant', object_id: 'mer_shop1' },
      });
      assert.equal(merchant.status, 200);
      const forbidden = await api.request('GET', '/v1/ledger/accounts', { key: merchant.json.secret });
      assert.equal(forbidden.status, 403);
      assert.equal(forbidden.json.code, 'role_not_allowed');
    });

    it('issues a key shown once, lists keys page by page, and revokes a key at once', async () => {
      const issued = await api.request('POST', '/v1/api_keys', {
        body: { role: 'platform', object_id: 'plt_acme', name: 'Acme feed' },
      });
      assert.equal(issued.status, 200);
      assert.match(issued.json.secret, /^cap_plt_/);
      assert.equal(issued.json.object_id, 'plt_acme');
      const read = await api.request('GET', `/v1/api_keys/${issued.json.id}`);
      assert.equal(read.status, 200);
      assert.equal(read.json.secret, undefined, 'the secret is shown only when issued');
      assert.equal(read.json.secret_prefix, issued.json.secret.slice(0, 12));

      const seen: string[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < 10; page += 1) {
        const query = cursor === undefined ? '?limit=1' : `?limit=1&starting_after=${cursor}`;
        const list = await api.request('GET', `/v1/api_keys${query}`);
        assert.equal(list.status, 200);
        assert.equal(list.json.object, 'list');
        assert.equal(list.json.url, '/v1/api_keys');
        seen.push(...list.json.data.map((k: { id: string }) => k.id));
        if (!list.json.has_more) break;
        cursor = list.json.data[0].id;
      }
      assert.ok(seen.length >= 3);
      assert.deepEqual(seen, [...new Set(seen)].sort(), 'each key once, in id order');

      const revoked = await api.request('DELETE', `/v1/api_keys/${issued.json.id}`);
      assert.equal(revoked.status, 200);
      assert.notEqual(revoked.json.revoked_at, null);
      const stillOut = await api.request('GET', '/v1/ledger/accounts', { key: issued.json.secret });
      assert.equal(stillOut.json.code, 'api_key_invalid');
      const missing = await api.request('DELETE', '/v1/api_keys/key_missing');
      assert.equal(missing.status, 404);
      assert.equal(missing.json.code, 'api_key_not_found');
      const bad = await api.request('POST', '/v1/api_keys', {
        body: { role: 'merchant', object_id: 'plt_wrong' },
      });
      assert.equal(bad.status, 400);
      assert.equal(bad.json.code, 'object_id_invalid');
      assert.equal(bad.json.param, 'object_id');
      // A financier's pool accounts are named by its id: one too long for them is refused a key.
      const longFinancier = await api.request('POST', '/v1/api_keys', {
        body: { role: 'financier', object_id: `fin_${'x'.repeat(37)}` },
      });
      assert.deepEqual([longFinancier.status, longFinancier.json.code], [400, 'object_id_invalid']);
      const longest = await api.request('POST', '/v1/api_keys', {
        body: { role: 'financier', object_id: `fin_${'x'.repeat(36)}` },
      });
      assert.equal(longest.status, 200, longest.text);
    });

    it('replays a POST with the same Idempotency-Key and body, and refuses the key for another body', async () => {
      const body = { role: 'financier', object_id: 'fin_bank1' };
      const headers = { 'idempotency-key': 'issue-fin-bank1' };
      const first = await api.request('POST', '/v1/api_keys', { body, headers });
      const second = await api.request('POST', '/v1/api_keys', {
        body: { object_id: 'fin_bank1', role: 'financier' },
        headers,
      });
      assert.equal(first.status, 200);
      assert.equal(second.status, 200);
      // Replayed as stored — but a secret is shown once: no secret is kept with a stored answer
      // (the replay is the stored body, as it is), so a retry that lost the first revokes and asks again.
      assert.match(first.json.secret, /^cap_fin_/);
      assert.equal(second.text, JSON.stringify({ ...first.json, secret: null }));
      assert.equal(second.headers.get('idempotent-replayed'), 'true');
      const other = await api.request('POST', '/v1/api_keys', {
        body: { ...body, object_id: 'fin_bank2' },
        headers,
      });
      assert.equal(other.status, 409);
      assert.equal(other.json.code, 'idempotency_key_reused');
      const keys = await api.request('GET', '/v1/api_keys?limit=100');
      assert.equal(
        keys.json.data.filter((k: { object_id: string }) => k.object_id === 'fin_bank1').length,
        1,
      );
      const tooLong = await api.request('POST', '/v1/api_keys', {
        body,
        headers: { 'idempotency-key': 'x'.repeat(256) },
      });
      assert.equal(tooLong.json.code, 'idempotency_key_invalid');
    });

    it('stores no 400 under an Idempotency-Key, whichever check refused the request: the corrected one runs under it', async () => {
      const headers = { 'idempotency-key': 'fund-once' };
      const body = { financier_id: 'fin_conv', currency: 'USD', amount: '0', reference: 'fund-once' };
      // The schema takes "0"; the funding's own check refuses it.
      const zero = await api.request('POST', '/v1/funding_pools', { body, headers });
      assert.deepEqual([zero.status, zero.json.code], [400, 'amount_invalid'], zero.text);
      const corrected = await api.request('POST', '/v1/funding_pools', {
        body: { ...body, amount: '500' },
        headers,
      });
      assert.equal(corrected.status, 200, corrected.text);
      assert.equal(corrected.json.available, '500');
      assert.equal(corrected.headers.get('idempotent-replayed'), null);
      const again = await api.request('POST', '/v1/funding_pools', { body, headers });
      assert.equal(again.json.code, 'idempotency_key_reused', 'the key is the corrected request’s now');
    });

    it('names the bad field of an invalid body, and rejects unknown fields rather than dropping them', async () => {
      const transfers = [
        { id: 'ok-1', amount: '1' },
        { id: 'bad', amount: 12 },
      ];
      const invalid = await api.request('POST', '/v1/ledger/transfers', { body: { transfers } });
      assert.equal(invalid.status, 400);
      assert.equal(invalid.json.code, 'parameter_invalid');
      assert.equal(invalid.json.param, 'transfers[1].amount');
      const unknown = await api.request('POST', '/v1/ledger/transfers', {
        body: { transfers: [{ id: 'x', colour: 'red' }] },
      });
      assert.equal(unknown.json.code, 'parameter_unknown');
      assert.equal(unknown.json.param, 'transfers[0].colour');
      const missing = await api.request('POST', '/v1/ledger/accounts', { body: { ledger: 'l', code: 'c' } });
      assert.equal(missing.json.code, 'parameter_missing');
      assert.equal(missing.json.param, 'currency');
      const query = await api.request('GET', '/v1/api_keys?limit=1000');
      assert.equal(query.json.code, 'parameter_invalid');
      assert.equal(query.json.param, 'limit');
      // An empty body sent as JSON is no body: a route that needs one says so, as for none at all.
      const empty = await api.request('POST', '/v1/api_keys', { rawBody: '' });
      const none = await api.request('POST', '/v1/api_keys');
      assert.deepEqual([empty.status, empty.json.code, empty.json.param], [400, 'parameter_invalid', 'body']);
      assert.equal(empty.json.detail, none.json.detail);
      const json = await api.request('POST', '/v1/api_keys', { rawBody: '{"role":' });
      assert.equal(json.status, 400);
      assert.equal(json.json.code, 'request_body_invalid_json');
      const media = await api.request('POST', '/v1/api_keys', {
        rawBody: 'role=merchant',
        headers: { 'content-type': 'text/plain' },
      });
      assert.equal(media.status, 415);
      assert.equal(media.json.code, 'unsupported_media_type');
    });

    it('bounds the request body', async () => {
      const huge = `{"transfers":[${'{"id":"x"},'.repeat(Math.ceil(requestBodyBytesMax / 10))}{"id":"y"}]}`;
      const response = await api.request('POST', '/v1/ledger/transfers', { rawBody: huge });
      assert.equal(response.status, 413);
      assert.equal(response.json.code, 'request_body_too_large');
    });

    it('bounds how deep a JSON body nests: deeper is a problem, not a server error', async () => {
      const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
      // Once a 500: the events route and the quarantine's replay write such a body back out as
      // JSON, and serialising a few thousand levels ran out of stack.
      const deep = nested(requestJsonDepthMax * 100);
      for (const [path, type, body] of [
        ['/v1/events', 'application/json', `{"data":${deep}}`],
        ['/v1/events', 'application/cloudevents+json', `{"data":${deep}}`],
        ['/v1/events', 'application/cloudevents-batch+json', `[${deep}]`],
        ['/v1/quarantine/qua_none/replay', 'application/json', `{"event":${deep}}`],
      ] as const) {
        const response = await api.request('POST', path, {
          rawBody: body,
          headers: { 'content-type': type, 'idempotency-key': `deep-${type}` },
        });
        assert.equal(response.status, 400, `${path} ${type}: ${response.text}`);
        assert.deepEqual([response.json.code, response.json.param], ['parameter_invalid', 'body']);
      }
      // Brackets inside a string do not nest; a body at the bound is read as any other.
      const atBound = `{"id":"[[[[","data":${nested(requestJsonDepthMax - 1)}}`;
      const read = await api.request('POST', '/v1/events', { rawBody: atBound });
      assert.equal(read.status, 200, read.text);
      assert.equal(read.json.quarantined, 1);
    });

    it('refuses a NUL character in a URL or a JSON body, on every database alike', async () => {
      // Once a 500 on PostgreSQL, whose text holds no NUL: every lookup by such an id or filter,
      // and every write of such a name, failed in the database (SQLite answered 404 or stored it).
      for (const path of [
        '/v1/facilities/fac_a%00b',
        '/v1/ledger/accounts/a%00',
        '/v1/api_keys?starting_after=key_%00',
        '/v1/merchants/mer_a%00/features',
      ]) {
        const response = await api.request('GET', path);
        assert.equal(response.status, 400, `${path}: ${response.text}`);
        assert.equal(response.json.code, 'parameter_invalid', path);
      }
      for (const [path, body] of [
        ['/v1/api_keys', { role: 'operator', name: 'ops\u0000' }],
        ['/v1/webhook_endpoints', { url: 'https://example.com/hooks', description: 'a\u0000b' }],
        ['/v1/merchants/mer_a/flags', { flag: 'fraud', reason: '\u0000' }],
      ] as const) {
        const response = await api.request('POST', path, { body });
        assert.equal(response.status, 400, `${path}: ${response.text}`);
        assert.deepEqual([response.json.code, response.json.param], ['parameter_invalid', 'body'], path);
      }
      // An escaped backslash before u0000 is text, not a NUL.
      const named = await api.request('POST', '/v1/api_keys', {
        body: { role: 'operator', name: 'C:\\u0000' },
      });
      assert.equal(named.status, 200, named.text);
      assert.equal(named.json.name, 'C:\\u0000');
    });

    it('answers an unknown route with a problem', async () => {
      const response = await api.request('GET', '/v1/nothing-here');
      assert.equal(response.status, 404);
      assert.equal(response.json.code, 'route_not_found');
    });

    it('answers a path with an empty id, as a trailing slash leaves it, as no route', async () => {
      for (const [method, path] of [
        ['GET', '/v1/decisions/'],
        ['POST', '/v1/webhook_endpoints/'],
        ['GET', '/v1/merchants//offers'],
      ] as const) {
        const response = await api.request(method, path, method === 'POST' ? { body: {} } : {});
        assert.equal(response.status, 404, `${method} ${path}`);
        assert.equal(response.json.code, 'route_not_found', `${method} ${path}: ${response.text}`);
      }
    });

    it("answers a message Node's HTTP parser refuses with a problem, then closes the connection", async () => {
      const { hostname, port } = new URL(api.url);
      /** Writes `raw` on a connection of its own and reads everything the server sends until it closes it. */
      const exchange = (raw: string) =>
        new Promise<string>((resolve, reject) => {
          const chunks: Buffer[] = [];
          const socket = connect({ host: hostname, port: Number(port) }, () => socket.end(raw));
          socket.on('data', (chunk: Buffer) => void chunks.push(chunk));
          socket.on('error', reject);
          socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
        });
      const cases = [
        {
          raw: 'GET /health HTTP/1.1\r\nHost: x\r\nnot a header\r\n\r\n',
          status: 400,
          code: 'request_malformed',
        },
        {
          raw: `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'y'.repeat(20_000)}\r\n\r\n`,
          status: 431,
          code: 'request_headers_too_large',
        },
      ];
      for (const { raw, status, code } of cases) {
        const answer = await exchange(raw);
        const [head = '', body = ''] = answer.split('\r\n\r\n');
        assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), code);
        assert.match(head, /\r\ncontent-type: application\/problem\+json/i, code);
        const parsed = JSON.parse(body);
        assert.equal(parsed.status, status, code);
        assert.equal(parsed.code, code);
        assert.match(parsed.request_id, /^req_/);
        assert.match(head, new RegExp(`\r\nrequest-id: ${parsed.request_id}\r\n`, 'i'));
        assert.match(head, /\r\nx-content-type-options: nosniff\r\n/i, code);
      }
    });

    it('answers an HTTP/1.1 request without a Host header with a problem, and takes HTTP/1.0 without one', async () => {
      const exchange = (raw: string) => exchangeUntilClosed(api.url, raw);
      // Node answered it 400 with no body, no Content-Type and no request id.
      const [head = '', body = ''] = (
        await exchange('GET /health HTTP/1.1\r\nConnection: close\r\n\r\n')
      ).split('\r\n\r\n');
      assert.match(head, /^HTTP\/1\.1 400 /);
      assert.match(head, /\r\ncontent-type: application\/problem\+json/i);
      const parsed = JSON.parse(body);
      assert.deepEqual([parsed.status, parsed.code], [400, 'request_malformed']);
      assert.match(head, new RegExp(`\r\nrequest-id: ${parsed.request_id}\r\n`, 'i'));
      const older = await exchange('GET /health HTTP/1.0\r\n\r\n');
      assert.match(older, /^HTTP\/1\.1 200 /);
    });

    it('reads a request line naming the whole URL as its path: one Idempotency-Key, one answer, its own list url', async () => {
      const exchange = (raw: string) => exchangeUntilClosed(api.url, raw);
      const body = '{"role":"operator"}';
      const issue = (target: string) =>
        exchange(
          `POST ${target} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${testOperatorKey}\r\nConnection: close\r\n` +
            `Idempotency-Key: absolute-form-1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
      const answer = (raw: string) => {
        const [head = '', text = ''] = raw.split('\r\n\r\n');
        return { status: Number(head.split(' ')[1]), json: JSON.parse(text) };
      };
      const first = answer(await issue('http://elsewhere.example/v1/api_keys'));
      assert.equal(first.status, 200, JSON.stringify(first.json));
      // Sent again by its path, the same request: the same key, not 409 idempotency_key_reused.
      const again = answer(await issue('/v1/api_keys'));
      assert.equal(again.status, 200, JSON.stringify(again.json));
      assert.equal(again.json.id, first.json.id);
      const listed = answer(
        await exchange(
          `GET http://elsewhere.example/v1/api_keys?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${testOperatorKey}\r\nConnection: close\r\n\r\n`,
        ),
      );
      assert.equal(listed.status, 200);
      assert.equal(listed.json.url, '/v1/api_keys');
    });

    it('answers an Expect header other than 100-continue with a problem, and closes the connection', async () => {
      const exchange = (raw: string) => exchangeUntilClosed(api.url, raw);
      const keysBefore = (await api.request('GET', '/v1/api_keys?limit=100')).json.data.length;
      // Node answered it 417 with no body, no Content-Type and no request id.
      const body = '{"role":"operator"}';
      const [head = '', text = ''] = (
        await exchange(
          `POST /v1/api_keys HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${testOperatorKey}\r\n` +
            `Content-Type: application/json\r\nExpect: 200-ok\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        )
      ).split('\r\n\r\n');
      assert.match(head, /^HTTP\/1\.1 417 /);
      assert.match(head, /\r\ncontent-type: application\/problem\+json/i);
      const parsed = JSON.parse(text);
      assert.deepEqual(
        [parsed.status, parsed.code, parsed.title],
        [417, 'expectation_failed', 'Expectation Failed'],
      );
      assert.match(head, new RegExp(`\r\nrequest-id: ${parsed.request_id}\r\n`, 'i'));
      assert.match(head, /\r\nx-content-type-options: nosniff\r\n/i);
      const keysAfter = (await api.request('GET', '/v1/api_keys?limit=100')).json.data.length;
      assert.equal(keysAfter, keysBefore, 'no key was issued');
    });

    it('tells a browser not to guess the type of any answer: pages, JSON, a statement as CSV, problems', async () => {
      // The statement's CSV download and the /docs page were sent without it.
      const onboarded = await api.request('POST', '/v1/events', {
        body: {
          specversion: '1.0',
          id: 'nosniff-1',
          source: 'plt_nosniff',
          type: 'merchant.onboarded',
          time: '2026-09-01T09:00:00Z',
          subject: 'mer_nosniff',
          data: {
            legal_name: '<script>alert(1)</script>',
            country: 'GB',
            currency: 'GBP',
            category: 'sports_outdoors',
            kyb_status: 'verified',
          },
        },
      });
      assert.equal(onboarded.json.applied, 1, onboarded.text);
      const answers = [
        await api.request('GET', '/docs', { key: null }),
        await api.request('GET', '/openapi.json', { key: null }),
        await api.request('GET', '/health', { key: null }),
        await api.request(
          'GET',
          '/v1/merchants/mer_nosniff/statement?from=2026-09-01&to=2026-09-21&format=csv',
        ),
        await api.request('GET', '/v1/merchants/mer_nosniff/statement?from=2026-09-01&to=2026-09-21'),
        await api.request('GET', '/v1/quarantine', { key: null }),
        await api.request('GET', '/v1/no_such_route'),
        await api.request('GET', '/v1/facilities/abc%'),
      ];
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200, 200, 200, 200, 401, 404, 400],
      );
      assert.match(answers[3]?.headers.get('content-type') ?? '', /^text\/csv/);
      for (const answer of answers)
        assert.equal(answer.headers.get('x-content-type-options'), 'nosniff', answer.text.slice(0, 80));
    });

    it('answers a path it cannot decode, or a path parameter longer than the router takes, with a problem', async () => {
      const long = 'x'.repeat(pathParameterLengthMax + 1);
      for (const path of ['/v1/facilities/abc%', '/v1/facilities/%E0%A4%A', `/v1/facilities/${long}`]) {
        const response = await api.request('GET', path);
        assert.equal(response.status, 400, path);
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/, path);
        assert.equal(response.json.code, 'parameter_invalid', path);
        assert.match(response.json.request_id, /^req_/, path);
        assert.equal(response.headers.get('request-id'), response.json.request_id, path);
        // Nothing of the framework under the API: its error codes are not ours to answer.
        assert.doesNotMatch(response.text, /FST_ERR/, path);
      }
    });

    // A lock another process holds past the wait is SQLite's; PostgreSQL's losing writes are the
    // store's own test (postgres-store.test.ts).
    if (backend.name === 'sqlite')
      it('answers a write another process keeps the database from with 503 database_busy, to be sent again', async () => {
        const store = api.harness.store as SqliteStore;
        const other = new Sqlite(api.harness.location);
        // A short wait stands in for the 10 s one: the other process (a long `capstan eod` page, an
        // import) keeps the write lock past it either way.
        store.rawConnection.pragma('busy_timeout = 50');
        try {
          other.exec('begin immediate');
          const issue = () => api.request('POST', '/v1/api_keys', { body: { role: 'operator' } });
          const busy = await issue();
          assert.equal(busy.status, 503, busy.text);
          assert.match(busy.headers.get('content-type') ?? '', /^application\/problem\+json/);
          assert.equal(busy.json.code, 'database_busy');
          assert.equal(busy.headers.get('retry-after'), '1');
          assert.match(busy.json.request_id, /^req_/);
          other.exec('commit');
          assert.equal((await issue()).status, 200, 'sent again once the lock is free, it is made');
        } finally {
          if (other.inTransaction) other.exec('rollback');
          other.close();
          store.rawConnection.pragma(`busy_timeout = ${sqliteBusyTimeoutMs}`);
        }
      });

    // A full disk, as SQLite's embedded file meets it: a file that may not grow stands in for it.
    if (backend.name === 'sqlite')
      it('answers a write the disk has no room for with 507 database_full, to be sent again once there is', async () => {
        const store = api.harness.store as SqliteStore;
        const pages = Number(store.rawConnection.pragma('page_count', { simple: true }));
        store.rawConnection.pragma(`max_page_count = ${pages}`);
        try {
          const issue = () => api.request('POST', '/v1/api_keys', { body: { role: 'operator' } });
          let full = await issue();
          // Keys fit in the pages' free room for a while; the first that needs a new page is refused.
          for (let sent = 1; full.status === 200 && sent < 500; sent += 1) full = await issue();
          assert.equal(full.status, 507, full.text);
          assert.match(full.headers.get('content-type') ?? '', /^application\/problem\+json/);
          assert.equal(full.json.code, 'database_full');
          assert.match(full.json.request_id, /^req_/);
          store.rawConnection.pragma('max_page_count = 1073741823');
          assert.equal((await issue()).status, 200, 'sent again once there is room, it is made');
        } finally {
          store.rawConnection.pragma('max_page_count = 1073741823');
        }
      });

    // PostgreSQL's full disk (53100, 'could not extend file … No space left on device'), raised
    // where the row would be written, as the server raises it.
    if (backend.name === 'postgres')
      it('answers a write PostgreSQL has no disk room for with 507 database_full, to be sent again once there is', async () => {
        await api.harness.exec(
          `create function capstan_test_disk_full() returns trigger language plpgsql as $$
           begin raise exception 'could not extend file: No space left on device' using errcode = 'disk_full'; end $$`,
        );
        await api.harness.exec(
          'create trigger capstan_test_disk_full before insert on api_keys for each row execute function capstan_test_disk_full()',
        );
        const issue = () => api.request('POST', '/v1/api_keys', { body: { role: 'operator' } });
        try {
          const full = await issue();
          assert.equal(full.status, 507, full.text);
          assert.match(full.headers.get('content-type') ?? '', /^application\/problem\+json/);
          assert.equal(full.json.code, 'database_full');
          assert.match(full.json.request_id, /^req_/);
        } finally {
          await api.harness.exec('drop trigger capstan_test_disk_full on api_keys');
          await api.harness.exec('drop function capstan_test_disk_full()');
        }
        assert.equal((await issue()).status, 200, 'sent again once there is room, it is made');
      });

    // Losing the database mid-request is PostgreSQL's (a server restart, a failover, a network cut).
    if (backend.name === 'postgres')
      it('answers a request whose database connection is lost with 503 database_unavailable, to be sent again', async () => {
        // The request's transaction waits on a lock held elsewhere, and its connection is ended
        // there, as a server restarting ends every connection.
        await api.harness.exec('begin');
        await api.harness.exec('lock table api_keys in access exclusive mode');
        try {
          const issue = () => api.request('POST', '/v1/api_keys', { body: { role: 'operator' } });
          const pending = issue();
          for (let waited = 0; ; waited += 1) {
            const [{ ended }] = (await api.harness.query(
              `select count(pg_terminate_backend(pid))::int as ended from pg_stat_activity
               where datname = current_database() and wait_event_type = 'Lock'`,
            )) as [{ ended: number }];
            if (ended > 0) break;
            assert.ok(waited < 200, 'the request waits on the lock');
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          const lost = await pending;
          // Before: 500 internal_error, as if Capstan had a bug, with no word that it may be sent again.
          assert.equal(lost.status, 503, lost.text);
          assert.equal(lost.json.code, 'database_unavailable');
          assert.equal(lost.headers.get('retry-after'), '1');
          await api.harness.exec('rollback');
          assert.equal((await issue()).status, 200, 'sent again once the database answers, it is made');
        } finally {
          await api.harness.exec('rollback');
        }
      });
  });
}
