/**
 * docs/api.md's table of error codes is the one a client reads: it lists every code the server
 * answers (src/http/status-codes.ts), each under the status it is answered with, and no other; and
 * every such status has a problem title of its own.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { statusByCode, titleByStatus } from '../../src/http/status-codes.ts';

const apiDoc = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');

/** The table's rows: status → the codes listed for it. */
function documented(): Map<number, Set<string>> {
  const start = apiDoc.indexOf('| status | codes |');
  assert.ok(start >= 0, 'docs/api.md has the table of codes');
  const rows = new Map<number, Set<string>>();
  for (const line of apiDoc.slice(start, apiDoc.indexOf('\n\n', start)).split('\n')) {
    const row = /^\| (\d{3}) \| (.*) \|$/.exec(line);
    if (row === null) continue;
    rows.set(
      Number(row[1]),
      new Set([...(row[2] ?? '').matchAll(/`([a-z_]+)`/g)].map((m) => m[1] as string)),
    );
  }
  return rows;
}

describe('the error codes docs/api.md lists', () => {
  it('are every code the server answers, each under its status', () => {
    const rows = documented();
    const listed = [...rows.entries()].flatMap(([status, codes]) => [...codes].map((code) => [code, status]));
    const answered = Object.entries(statusByCode).map(([code, status]) => [code, status]);
    assert.deepEqual(
      listed.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      answered.sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
  });
});

describe("a problem's title", () => {
  it("is the status's own reason phrase for every status a code is answered with", () => {
    // 507 database_full was titled 'Error', the fallback, where it is 'Insufficient Storage'.
    const untitled = [...new Set(Object.values(statusByCode))].filter((status) => !(status in titleByStatus));
    assert.deepEqual(untitled, []);
  });
});
