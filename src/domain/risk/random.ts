/**
 * The one source of randomness the risk domain uses: a seeded PRNG, so that every split, fold and
 * model is reproducible from its seed. xoshiro128** (Blackman & Vigna), seeded through splitmix32
 * from the integer seed; 32-bit state words, so everything stays in exact integer arithmetic.
 */
import { assert } from '../assert.ts';

export interface Random {
  /** A uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** A uniform float in [0, 1). */
  nextFloat(): number;
  /** A uniform integer in [0, bound). */
  nextInt(bound: number): number;
}

function splitmix32(state: { value: number }): number {
  state.value = (state.value + 0x9e3779b9) | 0;
  let z = state.value;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export function createRandom(seed: number): Random {
  assert(Number.isSafeInteger(seed), 'seed must be a safe integer');
  // Both halves of the seed feed the state so that seeds differing only above 2^32 differ.
  const mixer = { value: (seed | 0) ^ Math.imul(Math.floor(seed / 2 ** 32) | 0, 0x27d4eb2d) };
  const s = [splitmix32(mixer), splitmix32(mixer), splitmix32(mixer), splitmix32(mixer)];
  if (!s.some((word) => word !== 0)) s[0] = 1;
  const nextUint32 = (): number => {
    const [s0, s1, s2, s3] = s as [number, number, number, number];
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    const n2 = s2 ^ s0;
    const n3 = s3 ^ s1;
    s[1] = s1 ^ n2;
    s[0] = s0 ^ n3;
    s[2] = n2 ^ t;
    s[3] = rotl(n3, 11);
    return result;
  };
  return {
    nextUint32,
    nextFloat: () => nextUint32() / 2 ** 32,
    nextInt(bound) {
      assert(Number.isSafeInteger(bound) && bound > 0 && bound <= 2 ** 32, 'bound in (0, 2^32]');
      // Rejection sampling: no modulo bias.
      const limit = 2 ** 32 - (2 ** 32 % bound);
      for (;;) {
        const value = nextUint32();
        if (value < limit) return value % bound;
      }
    },
  };
}

/** Fisher–Yates, in place. */
export function shuffleInPlace<T>(items: T[], random: Random): void {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = random.nextInt(i + 1);
    const held = items[i] as T;
    items[i] = items[j] as T;
    items[j] = held;
  }
}
