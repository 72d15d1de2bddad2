import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import { preparedStatementCache } from './statement-cache.ts';

describe('preparedStatementCache', () => {
  const open = () => {
    const connection = new Sqlite(':memory:');
    connection.exec('create table t (n integer); insert into t values (1), (2), (3)');
    return connection;
  };

  it('hands back the same compiled statement for the same SQL', () => {
    const cache = preparedStatementCache(open());
    assert.equal(cache.prepare('select n from t'), cache.prepare('select n from t'));
  });

  it('gives a fresh statement while the cached one is still being iterated', () => {
    const cache = preparedStatementCache(open());
    const outer = cache.prepare('select n from t order by n');
    const seen: number[] = [];
    for (const row of outer.iterate([]) as Iterable<{ n: number }>) {
      const inner = cache.prepare('select n from t order by n');
      assert.notEqual(inner, outer);
      seen.push(row.n, (inner.all([]) as { n: number }[]).length);
    }
    assert.deepEqual(seen, [1, 3, 2, 3, 3, 3]);
  });

  it('evicts the least recently used statement beyond its capacity', () => {
    const cache = preparedStatementCache(open(), 2);
    const a = cache.prepare('select 1');
    const b = cache.prepare('select 2');
    assert.equal(cache.prepare('select 1'), a); // now 'select 2' is the oldest
    cache.prepare('select 3');
    assert.equal(cache.prepare('select 1'), a);
    assert.notEqual(cache.prepare('select 2'), b);
  });
});
