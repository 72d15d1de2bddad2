import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextAttemptAtMs, subscribed, webhookAttemptsMax } from './delivery.ts';

describe('webhook retries', () => {
  it('tries eight times over about 27½ hours, then stops', () => {
    const failedAt = 1_000_000n;
    const waits = [];
    for (let attempts = 1; attempts < webhookAttemptsMax; attempts += 1)
      waits.push(Number(((nextAttemptAtMs(attempts, failedAt) as bigint) - failedAt) / 1000n));
    // 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
    assert.deepEqual(waits, [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000]);
    assert.equal(webhookAttemptsMax, 8);
    // 99,305 s: 27 h 35 min after the first attempt, the last.
    assert.equal(
      waits.reduce((a, b) => a + b, 0),
      99_305,
    );
    assert.equal(nextAttemptAtMs(webhookAttemptsMax, failedAt), null);
  });

  it('delivers every type to an endpoint that names none, and only the named ones otherwise', () => {
    assert.equal(subscribed([], 'facility.swept'), true);
    assert.equal(subscribed(['facility.status_changed'], 'facility.swept'), false);
    assert.equal(subscribed(['facility.status_changed'], 'facility.status_changed'), true);
  });
});
