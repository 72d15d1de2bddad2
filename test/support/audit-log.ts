/** What the audit log's tests ask of a test server: its entries, and a request made with a key. */
import assert from 'node:assert/strict';
import type { RequestOptions, TestServer } from './http.ts';

/** The entries `GET /v1/audit_log{query}` answers (the query starts with `?`), up to 100, newest first. */
export async function auditEntries(api: TestServer, query: string) {
  const answer = await api.request('GET', `/v1/audit_log${query}&limit=100`);
  assert.equal(answer.status, 200, answer.text);
  // biome-ignore lint/suspicious/noExplicitAny: audit entries as answered.
  return answer.json.data as any[];
}

/** A request sent with `key`, its body and, given one, an Idempotency-Key. */
export function sentWith(key: string, body?: unknown, idempotencyKey?: string): RequestOptions {
  return {
    key,
    body,
    ...(idempotencyKey === undefined ? {} : { headers: { 'idempotency-key': idempotencyKey } }),
  };
}
