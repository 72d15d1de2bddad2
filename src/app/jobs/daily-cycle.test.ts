/**
 * The worker's daily-cycle job on a real store: the first tick runs the day that has just ended,
 * a second the same day does nothing, and after two more days have passed one tick catches both up.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import { sha256, testEntropy } from '../../storage/contract/fixtures.ts';
import type { AppContext } from '../app-context.ts';
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
      (app.clock as ManualClock).set(BigInt(today + 2) * dayNs + 1n);
      assert.deepEqual(
        (await job.tick()).map((d) => d.day),
        ['2026-05-27', '2026-05-28'],
      );
    });
  });
}
