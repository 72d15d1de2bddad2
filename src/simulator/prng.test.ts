/**
 * Proves the seeded generator is reproducible and its distributions have the moments the model
 * relies on: the same seed and stream repeat, other streams differ, uniforms stay in range, and
 * Poisson, lognormal, geometric and weighted draws have the right means over many draws.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cumulativeWeights, hashText, Prng } from './prng.ts';

const draws = 20_000;

function mean(sample: () => number): number {
  let total = 0;
  for (let draw = 0; draw < draws; draw += 1) total += sample();
  return total / draws;
}

describe('Prng', () => {
  it('repeats for the same seed and stream, and differs across streams and seeds', () => {
    const sequence = (seed: string, stream: number) => {
      const rng = new Prng(hashText(seed), stream);
      return Array.from({ length: 8 }, () => rng.nextUint32());
    };
    assert.deepEqual(sequence('42', 1), sequence('42', 1));
    assert.notDeepEqual(sequence('42', 1), sequence('42', 2));
    assert.notDeepEqual(sequence('42', 1), sequence('43', 1));
  });

  it('keeps floats in [0, 1) and integers within their bounds', () => {
    const rng = new Prng(hashText('bounds'), 0);
    for (let draw = 0; draw < draws; draw += 1) {
      const value = rng.float();
      assert.ok(value >= 0 && value < 1);
      const integer = rng.int(3, 7);
      assert.ok(Number.isInteger(integer) && integer >= 3 && integer <= 7);
    }
  });

  it('draws Poisson, lognormal and geometric values with the right centre', () => {
    const rng = new Prng(hashText('moments'), 0);
    assert.ok(Math.abs(mean(() => rng.poisson(0.4)) - 0.4) < 0.03);
    assert.ok(Math.abs(mean(() => rng.poisson(120)) - 120) < 1);
    assert.ok(Math.abs(mean(() => rng.geometric(2)) - 2) < 0.1);
    const lognormals = Array.from({ length: draws }, () => rng.lognormal(5, 1)).sort((a, b) => a - b);
    assert.ok(Math.abs(lognormals[draws / 2]! - 5) < 0.3, 'median of a lognormal is its median');
    assert.ok(Math.abs(mean(() => rng.normal())) < 0.03);
  });

  it('draws weighted indexes in proportion to their weights', () => {
    const rng = new Prng(hashText('weights'), 0);
    const table = cumulativeWeights([1, 0, 3]);
    const counts = [0, 0, 0];
    for (let draw = 0; draw < draws; draw += 1) counts[rng.weighted(table)]! += 1;
    assert.equal(counts[1], 0);
    assert.ok(Math.abs(counts[2]! / draws - 0.75) < 0.02);
  });
});
