/**
 * The demo's clock: simulated time that the demo moves forward as it walks the days, so every
 * use case (ingestion, decisions, acceptance, the daily cycle) runs as it would have on that day.
 * It never goes back: the ledger's timestamps and every `…_at` column stay in order.
 */
import type { Clock } from '../app/ports.ts';
import { assert } from '../domain/assert.ts';

const nanosecondsPerSecond = 1_000_000_000n;
export const secondsPerDay = 86_400;

export class DemoClock implements Clock {
  private now: bigint;

  constructor(day: number) {
    this.now = BigInt(day) * BigInt(secondsPerDay) * nanosecondsPerSecond;
  }

  nowNs(): bigint {
    return this.now;
  }

  /** Moves to `secondOfDay` seconds into day number `day` (UTC); at or after where it is. */
  moveTo(day: number, secondOfDay: number): void {
    assert(Number.isInteger(secondOfDay) && secondOfDay >= 0 && secondOfDay < secondsPerDay, 'second of day');
    const next = (BigInt(day) * BigInt(secondsPerDay) + BigInt(secondOfDay)) * nanosecondsPerSecond;
    assert(next >= this.now, 'the demo clock never goes back');
    this.now = next;
  }
}
