/**
 * The real world behind the ports: the system clock, cryptographic randomness and SHA-256. The
 * only place (with the adapters) where Capstan reads the time or draws random numbers.
 */
import { hash, randomBytes, randomFillSync } from 'node:crypto';
import type { Clock, Entropy } from '../app/ports.ts';
import type { Sha256Hex } from '../domain/ledger/hash-chain.ts';

const nanosecondsPerMillisecond = 1_000_000n;
const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const systemClock: Clock = {
  nowNs: () => BigInt(Date.now()) * nanosecondsPerMillisecond,
};

/**
 * Random bytes for ids come from a pool refilled 4 KiB at a time: one call into the CSPRNG per
 * 409 ids instead of one per id, which under load was a measurable share of a request's time.
 */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

function poolBytes(count: number): number {
  if (poolOffset + count > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += count;
  return start;
}

/** Eight Crockford base32 characters from the 40 bits at pool[start, start + 5). */
function base32Of40Bits(start: number): string {
  // 40 bits fit exactly in a double, so plain arithmetic is exact here.
  let bits = pool.readUIntBE(start, 5);
  let out = '';
  for (let i = 0; i < 8; i += 1) {
    out = (crockford[bits % 32] as string) + out;
    bits = Math.floor(bits / 32);
  }
  return out;
}

/** ULID-style: 48 bits of milliseconds then 80 random bits, Crockford base32, so ids sort by age. */
function sortableId(nowMs: number): string {
  let time = '';
  let remaining = nowMs;
  for (let i = 0; i < 10; i += 1) {
    time = (crockford[remaining % 32] as string) + time;
    remaining = Math.floor(remaining / 32);
  }
  const start = poolBytes(10);
  return time + base32Of40Bits(start) + base32Of40Bits(start + 5);
}

export const cryptoEntropy: Entropy = {
  id: (prefix) => `${prefix}_${sortableId(Date.now())}`,
  secret: (bytes) => randomBytes(bytes).toString('base64url'),
};

/** One-shot crypto.hash (Node 20.12+): about three times cheaper than createHash for short inputs. */
export const sha256Hex: Sha256Hex = (data) => hash('sha256', data, 'hex');
