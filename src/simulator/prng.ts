/**
 * The simulator's only source of randomness: a seeded sfc32 generator (Chris Doty-Humphrey's Small
 * Fast Counter, 128 bits of state, passes PractRand) and the few distributions the model needs.
 * Nothing here reads the clock or Math.random, so a seed fixes every draw.
 *
 * Each merchant draws from its own stream (`streamPrng(seed, stream)`), so a merchant's behaviour
 * does not depend on how many draws its neighbours made, and the order in which merchants are
 * stepped within a day cannot change the output.
 */
import { assert } from '../domain/assert.ts';

const twoTo32 = 4_294_967_296;
/** Draws thrown away after seeding so that nearby seeds diverge at once. */
const warmUpDraws = 15;
/** Above this mean a Poisson draw uses the normal approximation (error far below the model's noise). */
const poissonExactMeanMax = 30;

/**
 * A smaller seeded generator (mulberry32, 32 bits of state) for tests and benchmarks that want a
 * quick reproducible stream of numbers in [0, 1) rather than the simulator's distributions.
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / twoTo32;
  };
}

/** FNV-1a over the UTF-16 code units of the text, finished with murmur3's fmix32. */
export function hashText(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return fmix32(hash >>> 0);
}

function fmix32(value: number): number {
  let h = value;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export class Prng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seedHash: number, stream: number) {
    assert(Number.isInteger(seedHash) && Number.isInteger(stream), 'Prng: seed and stream must be integers');
    this.a = fmix32((seedHash ^ 0x9e3779b9) >>> 0);
    this.b = fmix32((stream + 0x7f4a7c15) >>> 0);
    this.c = fmix32((seedHash + Math.imul(stream, 0x85ebca6b)) >>> 0);
    this.d = 1;
    for (let draw = 0; draw < warmUpDraws; draw += 1) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.nextUint32() / twoTo32;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.float();
  }

  /** Uniform integer in [low, high], both inclusive. */
  int(low: number, high: number): number {
    return low + Math.floor(this.float() * (high - low + 1));
  }

  chance(probability: number): boolean {
    return this.float() < probability;
  }

  /** Standard normal (Box–Muller, one value per call). */
  normal(): number {
    const u1 = 1 - this.float();
    const u2 = this.float();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Lognormal with the given median and log-scale standard deviation. */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Poisson count with the given mean: Knuth's product method, normal approximation above 30. */
  poisson(mean: number): number {
    if (mean <= 0) return 0;
    if (mean > poissonExactMeanMax) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.float();
    while (product > limit) {
      count += 1;
      product *= this.float();
    }
    return count;
  }

  /** Number of failures before the first success when the mean is `mean` (0, 1, 2, …). */
  geometric(mean: number): number {
    if (mean <= 0) return 0;
    const p = 1 / (1 + mean);
    return Math.floor(Math.log(1 - this.float()) / Math.log(1 - p));
  }

  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'Prng.pick: no items');
    return items[Math.floor(this.float() * items.length)]!;
  }

  /** Index drawn in proportion to weights given as a cumulative table (last entry = total). */
  weighted(cumulative: ArrayLike<number>): number {
    const total = cumulative[cumulative.length - 1]!;
    const target = this.float() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (cumulative[middle]! > target) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}

/** A cumulative table for Prng.weighted. */
export function cumulativeWeights(weights: readonly number[]): Float64Array {
  assert(weights.length > 0, 'cumulativeWeights: no weights');
  const table = new Float64Array(weights.length);
  let total = 0;
  for (const [index, weight] of weights.entries()) {
    assert(weight >= 0, 'cumulativeWeights: weights must not be negative');
    total += weight;
    table[index] = total;
  }
  assert(total > 0, 'cumulativeWeights: weights must not all be zero');
  return table;
}

export function streamPrng(seedHash: number, stream: number): Prng {
  return new Prng(seedHash, stream);
}
