/**
 * The worker's scheduled daily cycle: once a day is closed — ended, and an hour past for its late
 * payouts to arrive (src/app/financing/day-close.ts) — run it (src/app/financing/eod.ts), catching
 * up any day missed while the worker was down, and checkpoint the ledger through it. Checked on a
 * timer; a check while a run is still going does nothing, and one after the day is done (served
 * and checkpointed) costs a single read.
 */

import type { AppContext } from '../app-context.ts';
import { lastClosedDay } from '../financing/day-close.ts';
import { type EodDay, type EodOptions, runEndOfDay } from '../financing/eod.ts';
import { checkpointDue } from '../ledger/checkpoints.ts';

export const dailyCycleCheckIntervalMs = 60_000;

export interface DailyCycleJob {
  /** Runs the days that have ended and not been run; answers them (none when up to date or busy). */
  tick(): Promise<EodDay[]>;
}

export function dailyCycleJob(
  app: AppContext,
  options: Pick<EodOptions, 'onCheckpoint'> = {},
): DailyCycleJob {
  let running = false;
  return {
    async tick() {
      if (running) return [];
      const yesterday = lastClosedDay(app.clock.nowNs());
      const [last, checkpointsDue] = await app.store.read(
        async (tx) => [await tx.financing.lastEodRun(), await checkpointDue(tx, yesterday)] as const,
      );
      if (last !== undefined && last.status === 'done' && last.day >= yesterday && !checkpointsDue) return [];
      running = true;
      try {
        const run = await runEndOfDay(app, yesterday, options);
        if (!run.ok) throw new Error(`the daily cycle refused ${yesterday}: ${run.detail ?? run.code}`);
        return run.value;
      } finally {
        running = false;
      }
    },
  };
}
