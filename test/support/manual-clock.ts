/** A clock the test moves by hand, starting at a fixed instant. */
import type { Clock } from '../../src/app/ports.ts';

export const nanosecondsPerSecond = 1_000_000_000n;

export class ManualClock implements Clock {
  constructor(private now: bigint = 1_790_000_000n * nanosecondsPerSecond) {}

  nowNs(): bigint {
    return this.now;
  }

  advanceSeconds(seconds: number): void {
    this.now += BigInt(seconds) * nanosecondsPerSecond;
  }

  set(nowNs: bigint): void {
    this.now = nowNs;
  }
}
