/**
 * The worker's daily-cycle job on a real store: the first tick past the cut-off runs the day that
 * has just ended, a second the same day does nothing, a tick before the next cut-off leaves that
 * day open, and days later one tick catches up; a first run mistyped
 * years back does not wedge the cycle.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import { sha256, testEntropy } from '../../storage/contract/fixtures.ts';
import type { AppContext } from '../app-context.ts';
import { runEndOfDay } from '../financing/eod.ts';
import { dailyCycleJob } from './daily-cycle.ts';

const dayNs = 86_400_000_000_000n;
const today = 20_600;

for (const backend of backendsUnderTest) {
  describe(`daily-cycle job on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
      app = {
        store: harness.store,
        clock: new ManualClock(BigInt(today) * dayNs + 3_600n * 1_000_000_000n),
        entropy: testEntropy,
        sha256,
      };
    });
    after(async () => harness?.dispose());

    it('runs each ended day once, catching up days missed', async () => {
      const job = dailyCycleJob(app);
      assert.deepEqual(
        (await job.tick()).map((d) => d.day),
        ['2026-05-26'],
      );
      assert.deepEqual(await job.tick(), []);
      // Half an hour after midnight: the day just ended waits for its cut-off (an hour).
      (app.clock as ManualClock).set(BigInt(today + 1) * dayNs + 1_800n * 1_000_000_000n);
      assert.deepEqual(await job.tick(), []);
      // Three days on: caught up — with no facility to serve, straight to the last ended day (days
      // with facilities are each run in order: eod.test.ts).
      (app.clock as ManualClock).set(BigInt(today + 3) * dayNs + 3_600n * 1_000_000_000n);
      assert.deepEqual(
        (await job.tick()).map((d) => d.day),
        ['2026-05-29'],
      );
    });

    it('starts a catch-up where there is something to serve: a first run years back does not wedge it', async () => {
      const other = await backend.open();
      try {
        await other.store.migrate();
        const fresh = { ...app, store: other.store };
        // Mistyped: 4,000 days back, more than one run may catch up.
        assert.ok((await runEndOfDay(fresh, today - 4_000)).ok);
        const days = await dailyCycleJob(fresh).tick();
        assert.deepEqual(
          days.map((d) => d.day),
          ['2026-05-29'],
          'no facility to serve: only the last ended day runs',
        );
      } finally {
        await other.dispose();
      }
    });
  });
}
