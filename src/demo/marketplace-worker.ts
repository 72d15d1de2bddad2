/**
 * The simulated platform's own thread (marketplace-feed.ts starts it): it steps the simulation a
 * day at a time and posts each day as the NDJSON text `capstan simulate` would write — the same
 * lines, the same event ids — with where its payouts are and which merchants became distressed
 * that day. It runs ahead of the engine by the days the feed asks for, never further, so the days
 * in flight stay bounded.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { assert } from '../domain/assert.ts';
import type { CalendarDate } from '../domain/time/calendar-date.ts';
import { eventIdPrefix, formatDayLines } from '../simulator/ndjson.ts';
import { createSimulation } from '../simulator/simulation.ts';

export const payoutEventType = 'settlement.paid';

export interface MarketplaceWorkerData {
  readonly merchants: number;
  readonly days: number;
  readonly seed: string;
  readonly start: CalendarDate;
}

/** The feed asks for `days` more days. */
export interface PullMessage {
  readonly days: number;
}

/** A simulated day's events, as the thread sends them and the feed hands them on. */
export interface DayEvents {
  readonly date: CalendarDate;
  /** The day's events, in time order, one NDJSON line each, every line ending in a newline. */
  readonly ndjson: string;
  readonly events: number;
  /** The 1-based number over the run of the day's first event (its event id ends in it). */
  readonly firstLine: number;
  /** Positions within the day of its payouts (settlement.paid), ascending. */
  readonly payouts: readonly number[];
  /** The merchant paid out by each of those payouts. */
  readonly payoutMerchants: readonly string[];
}

export interface DayMessage extends DayEvents {
  /** 0-based over the run. */
  readonly dayIndex: number;
  /** Merchants that became distressed on this day: id and day index. */
  readonly distressed: readonly (readonly [string, number])[];
  /** Milliseconds the simulator spent on the day. */
  readonly simulatorMs: number;
}

async function run(port: NonNullable<typeof parentPort>, options: MarketplaceWorkerData): Promise<void> {
  let credit = 0;
  let wake: (() => void) | null = null;
  port.on('message', (message: PullMessage) => {
    assert(Number.isInteger(message.days) && message.days > 0, 'the feed pulls whole days');
    credit += message.days;
    wake?.();
    wake = null;
  });
  const simulation = createSimulation(options);
  const { calendar, config } = simulation.context;
  const idPrefix = eventIdPrefix(options);
  const reported = new Set<number>();
  let written = 0;
  const steps = simulation.days();
  for (let dayIndex = 0; dayIndex < options.days; dayIndex += 1) {
    while (credit === 0) await new Promise<void>((resolve) => (wake = resolve));
    credit -= 1;
    const started = performance.now();
    const step = steps.next();
    assert(!step.done && step.value.dayIndex === dayIndex, 'the simulation steps one day at a time');
    const { events, date } = step.value;
    const lines = formatDayLines(events, idPrefix, written + 1, config.platformId, calendar);
    const payouts: number[] = [];
    const payoutMerchants: string[] = [];
    events.forEach((event, index) => {
      if (event.type !== payoutEventType) return;
      payouts.push(index);
      payoutMerchants.push(event.subject);
    });
    const distressed: [string, number][] = [];
    for (const merchant of simulation.merchants)
      if (merchant.distressedDay !== null && !reported.has(merchant.profile.index)) {
        reported.add(merchant.profile.index);
        distressed.push([merchant.profile.id, merchant.distressedDay]);
      }
    const day: DayMessage = {
      dayIndex,
      date,
      ndjson: lines.join(''),
      events: lines.length,
      firstLine: written + 1,
      payouts,
      payoutMerchants,
      distressed,
      simulatorMs: performance.now() - started,
    };
    written += lines.length;
    port.postMessage(day);
  }
  port.close();
}

assert(parentPort !== null, 'marketplace-worker.ts runs in a worker thread');
await run(parentPort, workerData as MarketplaceWorkerData);
