/**
 * A seeded fuzz over every operation of the server's own OpenAPI document, on a real server and
 * store: requests built from each operation's parameters and body schema, leaning on the edges —
 * the longest digit strings a pattern takes, date-times the schema takes that few parsers read
 * (a leap second, an offset of hours alone), leap days, the ends of the calendar, currencies of
 * 0 and 3 decimals, long and unicode text — and then one field or parameter broken. No answer may
 * be a 5xx, and every answer must be as the document describes it (test/support/http.ts checks
 * each one). A failure names the seed and the request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../test/support/backends.ts';
import { startTestServer, type TestServer } from '../../test/support/http.ts';
import { mulberry32 } from '../simulator/prng.ts';
import { resolveRef } from './openapi-document.ts';

type Json = Record<string, unknown>;

const seed = Number(process.env['CAPSTAN_FUZZ_SEED'] ?? 20260715);
const requestsPerOperation = 6;

const edgeText = [
  '0',
  '1',
  '-1',
  '999999999999999999999',
  '9223372036854775808',
  '2024-02-29',
  '2023-02-29',
  '0001-01-01',
  '9999-12-31',
  '2026-06-30T23:59:60Z',
  '2026-07-15T00:00:00+05',
  '=1+1',
  'a,"b"\r\nc',
  'é💩\u202e',
  'x'.repeat(300),
];
const edgeValues: unknown[] = [null, true, 0, -1, 1.5, 1e308, [], {}, ...edgeText];

class Requests {
  constructor(
    private readonly random: () => number,
    private readonly document: Json,
    private readonly ids: readonly string[],
  ) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  /** A value the schema takes, leaning on its edges. */
  value(schemaIn: unknown, depth = 0): unknown {
    const schema = resolveRef(this.document, schemaIn) ?? {};
    if (Array.isArray(schema['enum'])) return this.pick(schema['enum'] as unknown[]);
    if (schema['const'] !== undefined) return schema['const'];
    const branches = (schema['anyOf'] ?? schema['oneOf']) as unknown[] | undefined;
    if (Array.isArray(branches)) return this.value(this.pick(branches), depth + 1);
    switch (schema['type']) {
      case 'object':
        return this.object(schema, depth);
      case 'array': {
        const count = Math.min(Number(schema['minItems'] ?? 0) + Math.floor(this.random() * 3), 3);
        return Array.from({ length: count }, () => this.value(schema['items'] ?? {}, depth + 1));
      }
      case 'integer':
        return this.pick([schema['minimum'] ?? -1, schema['maximum'] ?? 2 ** 53, 1]);
      case 'boolean':
        return this.random() < 0.5;
      case 'null':
        return null;
      case 'string':
        return this.text(schema);
      default:
        return this.pick(edgeValues);
    }
  }

  private object(schema: Json, depth: number): Json {
    const required = new Set((schema['required'] as string[] | undefined) ?? []);
    const out: Json = {};
    if (depth > 5) return out;
    for (const [name, property] of Object.entries((schema['properties'] ?? {}) as Json))
      if (required.has(name) || this.random() < 0.6) out[name] = this.value(property, depth + 1);
    return out;
  }

  private text(schema: Json): string {
    const pattern = typeof schema['pattern'] === 'string' ? schema['pattern'] : '';
    const description = String(schema['description'] ?? '');
    const digits = /\[0-9\]\{[01],(\d+)\}|\\d\{[01],(\d+)\}/.exec(pattern);
    if (digits !== null && this.random() < 0.5) return '9'.repeat(Number(digits[1] ?? digits[2]) + 1);
    if (schema['format'] === 'date-time' || description.includes('RFC 3339'))
      return this.pick([
        '2026-06-30T23:59:60Z',
        '2026-07-15T00:00:00+05',
        '0001-01-01T00:00:00Z',
        '9999-12-31T23:59:59.999999999Z',
        '2024-02-29T12:00:00+14:00',
      ]);
    if (pattern.includes('{4}-') || description.includes('YYYY-MM-DD'))
      return this.pick(['2024-02-29', '2023-02-29', '0001-01-01', '9999-12-31', '2026-07-15']);
    if (pattern.includes('[A-Z]{3}') || description.includes('ISO 4217'))
      return this.pick(['USD', 'JPY', 'KWD', 'XXX']);
    if (pattern.startsWith('^mer_')) return this.pick(['mer_a', `mer_${'z'.repeat(60)}`]);
    if (pattern.startsWith('^fin_')) return this.pick(['fin_a', `fin_${'z'.repeat(36)}`]);
    if (this.random() < 0.3) return this.pick(this.ids);
    const length = Number(schema['maxLength'] ?? 40);
    return this.pick(['a', 'é', '💩', '=', ',']).repeat(Math.max(1, Math.min(length, 300)));
  }

  /** The value with one field broken: left out, of another type, or one it does not name added. */
  broken(value: unknown): unknown {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return this.pick(edgeValues);
    const copy: Json = { ...(value as Json) };
    const names = Object.keys(copy);
    const name = this.pick(names.length === 0 ? ['extra'] : names);
    const roll = this.random();
    if (roll < 0.3) delete copy[name];
    else if (roll < 0.5) copy['extra_field'] = 1;
    else copy[name] = this.broken(copy[name]);
    return copy;
  }
}

interface Operation {
  readonly method: string;
  readonly template: string;
  readonly operation: Json;
}

for (const backend of backendsUnderTest) {
  describe(`a seeded fuzz of every operation on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    before(async () => {
      api = await startTestServer(backend);
    });
    after(async () => api?.close());

    it('answers no request with a 5xx, and every answer as the document describes it', async () => {
      const document = (await api.request('GET', '/openapi.json', { key: null })).json as Json;
      // A few objects the ids may name, so some requests get past their lookups.
      const endpoint = await api.request('POST', '/v1/webhook_endpoints', {
        body: { url: 'https://platform.example/hooks' },
      });
      await api.request('POST', '/v1/ledger/accounts', {
        body: { id: 'fuzz-cash', ledger: 'fuzz', currency: 'KWD', code: 'cash' },
      });
      const ids = [endpoint.json.id as string, 'fuzz-cash', 'mer_a', 'fin_a', 'plt_a'];
      const requests = new Requests(mulberry32(seed), document, ids);
      const operations: Operation[] = Object.entries(document['paths'] as Record<string, Json>).flatMap(
        ([template, item]) =>
          Object.entries(item).map(([method, operation]) => ({
            method: method.toUpperCase(),
            template,
            operation: operation as Json,
          })),
      );
      for (const { method, template, operation } of operations)
        for (let sent = 0; sent < requestsPerOperation; sent += 1) {
          const broken = sent % 2 === 1;
          const parameters = ((operation['parameters'] ?? []) as unknown[]).map((p) =>
            resolveRef(document, p),
          );
          const query = new URLSearchParams();
          let path = template;
          for (const parameter of parameters) {
            const value = String(requests.value(parameter['schema']));
            if (parameter['in'] === 'path')
              path = path.replace(`{${String(parameter['name'])}}`, encodeURIComponent(value || 'x'));
            else if (parameter['in'] === 'query' && (parameter['required'] === true || sent % 3 === 0))
              query.append(String(parameter['name']), value);
          }
          if (broken && sent % 3 === 1)
            query.append(requests.pick(['limit', 'extra']), requests.pick(edgeText));
          const schema = (
            ((operation['requestBody'] as Json | undefined)?.['content'] as Json | undefined)?.[
              'application/json'
            ] as Json | undefined
          )?.['schema'];
          let body = schema === undefined ? undefined : requests.value(schema);
          if (broken && body !== undefined) body = requests.broken(body);
          const url = query.size === 0 ? path : `${path}?${query}`;
          const what = `seed ${seed}: ${method} ${url} ${JSON.stringify(body)?.slice(0, 400) ?? ''}`;
          let status: number;
          try {
            status = (await api.request(method, url, body === undefined ? {} : { body })).status;
          } catch (error) {
            throw new Error(`${what}: ${(error as Error).message}`);
          }
          assert.ok(status < 500, `${what} answered ${status}`);
        }
    });
  });
}
