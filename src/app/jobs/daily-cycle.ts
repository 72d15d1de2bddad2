/**
 * The worker's scheduled daily cycle: once a day has ended and its cut-off has passed, run it
 * (src/app/financing/eod.ts), catching up any day missed while the worker was down. The cut-off
 * (an hour after midnight UTC by default) gives the day's payouts time to arrive: a settlement
 * sent at 23:59 and read at 00:02 still counts for its day, not as a late payment. Checked on a
 * timer; a check while a run is still going does nothing, and one after the day is done costs a
 * single read.
 */

import { dayNumberOfInstant } from '../../domain/time/instant.ts';
import type { AppContext } from '../app-context.ts';
import { type EodDay, runEndOfDay } from '../financing/eod.ts';

export const dailyCycleCheckIntervalMs = 60_000;
/** How long after midnight (UTC) a day is closed, by default: one hour. */
export const dailyCycleCutoffSecondsDefault = 3_600;
const nanosecondsPerSecond = 1_000_000_000n;

export interface DailyCycleJob {
  /** Runs the days that have ended and not been run; answers them (none when up to date or busy). */
  tick(): Promise<EodDay[]>;
}

export function dailyCycleJob(
  app: AppContext,
  cutoffSeconds: number = dailyCycleCutoffSecondsDefault,
): DailyCycleJob {
  let running = false;
  return {
    async tick() {
      if (running) return [];
      // The last day whose cut-off has passed.
      const yesterday =
        dayNumberOfInstant(app.clock.nowNs() - BigInt(cutoffSeconds) * nanosecondsPerSecond) - 1;
      const last = await app.store.read((tx) => tx.financing.lastEodRun());
      if (last !== undefined && last.status === 'done' && last.day >= yesterday) return [];
      running = true;
      try {
        const run = await runEndOfDay(app, yesterday);
        if (!run.ok) throw new Error(`the daily cycle refused ${yesterday}: ${run.detail ?? run.code}`);
        return run.value;
      } finally {
        running = false;
      }
    },
  };
}
