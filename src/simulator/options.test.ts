/**
 * Proves the simulate flags are parsed into a checked run with fixed defaults and one code per
 * broken rule, and the delivery rules: per-batch Idempotency-Keys that depend only on the run and
 * the batch, which answers are retried, and bounded backoff that honours Retry-After.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calendarDate } from '../domain/time/calendar-date.ts';
import {
  batchEventsMax,
  batchIdempotencyKey,
  isRetryableStatus,
  retryDelayMaxMs,
  retryDelayMs,
} from './delivery.ts';
import { runFingerprint } from './ndjson.ts';
import { parseRunFlags } from './options.ts';

describe('simulate flags', () => {
  it('has fixed defaults, never today', () => {
    assert.deepEqual(parseRunFlags({}), {
      ok: true,
      value: { merchants: 100, days: 365, seed: '1', start: '2025-01-01', batchSize: 5_000 },
    });
  });

  it('reads counts with separators and refuses what is not a count in range', () => {
    const parsed = parseRunFlags({ merchants: '1_000', days: '365', batchSize: '10,000' });
    assert.ok(parsed.ok && parsed.value.merchants === 1_000 && parsed.value.batchSize === 10_000);
    const codes = [
      parseRunFlags({ merchants: '0' }),
      parseRunFlags({ merchants: '-5' }),
      parseRunFlags({ days: '1.5' }),
      parseRunFlags({ seed: 'a b' }),
      parseRunFlags({ seed: 'x'.repeat(33) }),
      parseRunFlags({ start: '2025-13-01' }),
      parseRunFlags({ batchSize: String(batchEventsMax + 1) }),
    ].map((result) => (result.ok ? 'ok' : result.code));
    assert.deepEqual(codes, [
      'merchants_invalid',
      'merchants_invalid',
      'days_invalid',
      'seed_invalid',
      'seed_invalid',
      'start_invalid',
      'batch_size_invalid',
    ]);
  });
});

describe('delivery rules', () => {
  const run = { merchants: 10, days: 30, seed: '42', start: calendarDate('2025-01-01') };

  it('derives one Idempotency-Key per run and batch', () => {
    const fingerprint = runFingerprint(run);
    assert.equal(
      batchIdempotencyKey(fingerprint, '42', 5_000, 3),
      batchIdempotencyKey(fingerprint, '42', 5_000, 3),
    );
    assert.notEqual(
      batchIdempotencyKey(fingerprint, '42', 5_000, 3),
      batchIdempotencyKey(fingerprint, '42', 5_000, 4),
    );
    assert.notEqual(fingerprint, runFingerprint({ ...run, days: 31 }));
    assert.match(batchIdempotencyKey(fingerprint, '42', 5_000, 3), /^[\x21-\x7e]{1,255}$/);
  });

  it('retries only what may succeed later', () => {
    assert.deepEqual([200, 400, 401, 408, 409, 413, 425, 429, 500, 503].map(isRetryableStatus), [
      false,
      false,
      false,
      true,
      false,
      false,
      true,
      true,
      true,
      true,
    ]);
  });

  it('backs off exponentially within bounds, or as Retry-After says', () => {
    const delays = [1, 2, 3, 4, 5, 10].map((attempt) => retryDelayMs(attempt, 'key', null));
    assert.ok(delays[0]! >= 180 && delays[0]! <= 320);
    assert.ok(delays[3]! > delays[0]! * 4);
    assert.ok(delays.every((delay) => delay <= retryDelayMaxMs * 1.25));
    assert.equal(retryDelayMs(1, 'key', '2'), 2_000);
    assert.equal(retryDelayMs(1, 'key', '99999'), retryDelayMaxMs);
  });
});
