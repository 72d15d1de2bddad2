/**
 * Proves the seeded PRNG and the stratified splits: the same seed gives the same sequence and the
 * same split, a different seed a different one; every row lands in exactly one part; each part's
 * bad count is within one row of its share (property-tested with fast-check).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Label } from './model.ts';
import { createRandom } from './random.ts';
import { groupedStratifiedSplit, stratifiedFolds, stratifiedSplit } from './split.ts';

describe('createRandom', () => {
  it('is reproducible from its seed, and seeds differ', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const c = createRandom(43);
    const first = Array.from({ length: 5 }, () => a.nextUint32());
    assert.deepEqual(
      first,
      Array.from({ length: 5 }, () => b.nextUint32()),
    );
    assert.notDeepEqual(
      first,
      Array.from({ length: 5 }, () => c.nextUint32()),
    );
    assert.notDeepEqual(
      Array.from({ length: 3 }, () => createRandom(2 ** 40).nextUint32()),
      Array.from({ length: 3 }, () => createRandom(0).nextUint32()),
    );
  });

  it('draws floats in [0, 1) and integers in [0, bound) roughly uniformly', () => {
    const random = createRandom(7);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i += 1) {
      const value = random.nextFloat();
      assert.ok(value >= 0 && value < 1);
      const bucket = random.nextInt(10);
      counts[bucket] = (counts[bucket] ?? 0) + 1;
    }
    for (const count of counts) assert.ok(Math.abs(count - 10_000) < 500, `${count}`);
  });
});

const targets = fc.array(fc.constantFrom<Label>(0, 1), { minLength: 2, maxLength: 300 });

describe('stratifiedSplit', () => {
  it('keeps every row once and each class within one row of its share', () => {
    fc.assert(
      fc.property(
        targets,
        fc.double({ min: 0.05, max: 0.9, noNaN: true }),
        fc.integer(),
        (target, fraction, seed) => {
          const split = stratifiedSplit(target, fraction, createRandom(seed));
          assert.deepEqual(
            [...split.train, ...split.test].sort((a, b) => a - b),
            target.map((_, i) => i),
          );
          for (const label of [0, 1] as const) {
            const members = target.filter((value) => value === label).length;
            const inTest = split.test.filter((row) => target[row] === label).length;
            if (members >= 2) assert.ok(inTest >= 1 && inTest <= members - 1);
            assert.ok(Math.abs(inTest - members * fraction) <= 1, `${inTest} of ${members} at ${fraction}`);
          }
        },
      ),
    );
  });

  it('is the same split for the same seed and a different one for another seed', () => {
    const target = Array.from({ length: 100 }, (_, i): Label => (i % 3 === 0 ? 1 : 0));
    assert.deepEqual(
      stratifiedSplit(target, 0.3, createRandom(1)),
      stratifiedSplit(target, 0.3, createRandom(1)),
    );
    assert.notDeepEqual(
      stratifiedSplit(target, 0.3, createRandom(1)),
      stratifiedSplit(target, 0.3, createRandom(2)),
    );
  });
});

describe('stratifiedFolds', () => {
  it('deals disjoint folds that cover the rows, with bad counts within one of each other', () => {
    fc.assert(
      fc.property(targets, fc.integer({ min: 2, max: 10 }), fc.integer(), (target, folds, seed) => {
        const rows = target.map((_, i) => i).filter((i) => i % 4 !== 0);
        const parts = stratifiedFolds(target, rows, folds, createRandom(seed));
        assert.equal(parts.length, folds);
        assert.deepEqual(
          parts.flat().sort((a, b) => a - b),
          rows,
        );
        const bads = parts.map((part) => part.filter((row) => target[row] === 1).length);
        assert.ok(Math.max(...bads) - Math.min(...bads) <= 1);
      }),
    );
  });
});

describe('groupedStratifiedSplit', () => {
  it('keeps every group on one side, covers every row, and holds out about the fraction of each kind of group', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.boolean()), { minLength: 2, maxLength: 300 }),
        fc.integer(),
        (rows, seed) => {
          const groups = rows.map(([group]) => `g${group}`);
          const target = rows.map(([, bad]): Label => (bad ? 1 : 0));
          const split = groupedStratifiedSplit(target, groups, 0.3, createRandom(seed));
          assert.deepEqual(
            [...split.train, ...split.test].sort((a, b) => a - b),
            rows.map((_, i) => i),
          );
          const testGroups = new Set(split.test.map((row) => groups[row]));
          for (const row of split.train)
            assert.ok(!testGroups.has(groups[row]), `group ${groups[row]} on both sides`);
          const badGroups = new Set(groups.filter((_, row) => target[row] === 1));
          const allGroups = new Set(groups);
          for (const [kind, members] of [
            ['bad', [...badGroups]],
            ['good', [...allGroups].filter((g) => !badGroups.has(g))],
          ] as const) {
            const held = members.filter((g) => testGroups.has(g)).length;
            const expected =
              members.length >= 2
                ? Math.min(members.length - 1, Math.max(1, Math.round(members.length * 0.3)))
                : Math.round(members.length * 0.3);
            assert.equal(held, expected, `${kind} groups held out`);
          }
        },
      ),
    );
  });

  it('does not depend on the order the rows came in, only on the seed', () => {
    const groups = Array.from({ length: 120 }, (_, i) => `m${i % 40}`);
    const target = groups.map((g): Label => (Number(g.slice(1)) % 5 === 0 ? 1 : 0));
    const first = groupedStratifiedSplit(target, groups, 0.25, createRandom(7));
    const heldGroups = (split: { test: readonly number[] }, gs: readonly string[]) =>
      [...new Set(split.test.map((row) => gs[row]))].sort();
    const reversedGroups = [...groups].reverse();
    const reversed = groupedStratifiedSplit([...target].reverse(), reversedGroups, 0.25, createRandom(7));
    assert.deepEqual(heldGroups(first, groups), heldGroups(reversed, reversedGroups));
    assert.notDeepEqual(
      heldGroups(first, groups),
      heldGroups(groupedStratifiedSplit(target, groups, 0.25, createRandom(8)), groups),
    );
  });
});
