/**
 * The hand-built array literals mean exactly what pg's own serialisation means: every tricky text
 * (quotes, backslashes, commas, braces, blanks, the word NULL, the empty string, non-ASCII) and
 * every int8 up to the 64-bit limits round-trips through a real PostgreSQL unchanged.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { postgresBackend } from '../../../test/support/backends.ts';
import { int8ArrayLiteral, textArrayLiteral } from './array-literal.ts';

describe('PostgreSQL array literals', () => {
  it('quotes every text element and spells null as NULL', () => {
    assert.equal(textArrayLiteral(['a', null, 'NULL', '', 'x"y\\z']), '{"a",NULL,"NULL","","x\\"y\\\\z"}');
    assert.equal(int8ArrayLiteral([1n, null, -9223372036854775807n]), '{1,NULL,-9223372036854775807}');
    assert.equal(textArrayLiteral([]), '{}');
  });

  it('round-trips through PostgreSQL', { skip: postgresBackend.skip }, async () => {
    const texts = [
      'plain',
      'with,comma',
      '{braces}',
      ' spaced ',
      'NULL',
      'null',
      '',
      'quote"inside',
      'back\\slash',
      'ünïcødé ✓',
      '\t\n',
      null,
    ];
    const numbers = [0n, 1n, -1n, 9223372036854775807n, -9223372036854775808n, null];
    const client = new pg.Client({ connectionString: process.env['CAPSTAN_TEST_DATABASE_URL'] });
    await client.connect();
    try {
      const result = await client.query<{ t: (string | null)[]; n: (string | null)[] }>(
        'select $1::text[] as t, $2::int8[]::text[] as n',
        [textArrayLiteral(texts), int8ArrayLiteral(numbers)],
      );
      assert.deepEqual(result.rows[0]?.t, texts);
      assert.deepEqual(
        result.rows[0]?.n,
        numbers.map((n) => (n === null ? null : n.toString())),
      );
    } finally {
      await client.end();
    }
  });
});
