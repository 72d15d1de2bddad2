/**
 * The real world behind the ports: the system clock, cryptographic randomness and SHA-256. The
 * only place (with the adapters) where Capstan reads the time or draws random numbers.
 */
import { hash, randomBytes } from 'node:crypto';
import type { Clock, Entropy } from '../app/ports.ts';
import type { Sha256Hex } from '../domain/ledger/hash-chain.ts';

const nanosecondsPerMillisecond = 1_000_000n;
const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export const systemClock: Clock = {
  nowNs: () => BigInt(Date.now()) * nanosecondsPerMillisecond,
};

/** ULID-style: 48 bits of milliseconds then 80 random bits, Crockford base32, so ids sort by age. */
function sortableId(nowMs: number): string {
  let time = '';
  let remaining = nowMs;
  for (let i = 0; i < 10; i += 1) {
    time = (crockford[remaining % 32] as string) + time;
    remaining = Math.floor(remaining / 32);
  }
  const random = randomBytes(10);
  let bits = 0n;
  for (const byte of random) bits = (bits << 8n) | BigInt(byte);
  let tail = '';
  for (let i = 0; i < 16; i += 1) {
    tail = (crockford[Number(bits & 31n)] as string) + tail;
    bits >>= 5n;
  }
  return time + tail;
}

export const cryptoEntropy: Entropy = {
  id: (prefix) => `${prefix}_${sortableId(Date.now())}`,
  secret: (bytes) => randomBytes(bytes).toString('base64url'),
};

/** One-shot crypto.hash (Node 20.12+): about three times cheaper than createHash for short inputs. */
export const sha256Hex: Sha256Hex = (text) => hash('sha256', text, 'hex');
