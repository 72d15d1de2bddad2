/**
 * The worker's scheduled daily cycle: once a day is closed — ended, and an hour past for its late
 * payouts to arrive (src/app/financing/day-close.ts) — run it (src/app/financing/eod.ts), catching
 * up any day missed while the worker was down. Checked on a timer; a check while a run is still
 * going does nothing, and one after the day is done costs a single read.
 */

import type { AppContext } from '../app-context.ts';
import { lastClosedDay } from '../financing/day-close.ts';
import { type EodDay, runEndOfDay } from '../financing/eod.ts';

export const dailyCycleCheckIntervalMs = 60_000;

export interface DailyCycleJob {
  /** Runs the days that have ended and not been run; answers them (none when up to date or busy). */
  tick(): Promise<EodDay[]>;
}

export function dailyCycleJob(app: AppContext): DailyCycleJob {
  let running = false;
  return {
    async tick() {
      if (running) return [];
      const yesterday = lastClosedDay(app.clock.nowNs());
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
