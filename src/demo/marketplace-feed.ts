/**
 * The simulated marketplace as the demo feeds it in: one simulated day at a time, each day's
 * events as the NDJSON lines `capstan import` would read from `capstan simulate`'s file (the same
 * lines, the same event ids), so they go through the same validation and the same inbox. Between
 * days the feed can say which merchants have become distressed so far — what the platform itself
 * would know by then, never what happens later.
 *
 * The simulation runs in a thread of its own (marketplace-worker.ts), as a platform runs beside the
 * engine rather than inside it, a bounded number of days ahead. A day stays one NDJSON string until
 * its records are sent: the days a bulk export holds are a few large strings, not a hundred
 * thousand small objects that the garbage collector would copy over and over while they wait.
 */
import { Worker } from 'node:worker_threads';
import type { SourceRecord } from '../app/ingest/records.ts';
import { assert } from '../domain/assert.ts';
import { toDayNumber } from '../domain/time/calendar-date.ts';
import type { DayEvents, DayMessage, MarketplaceWorkerData, PullMessage } from './marketplace-worker.ts';

/**
 * Days the simulation may run ahead of the engine, about 0.8 MB of text each at 500 merchants: enough
 * to simulate on while the engine applies an export, so that it seldom waits for a day afterwards.
 */
export const simulatedDaysAheadMax = 32;

export interface FeedDay extends DayEvents {
  /** The day's number (days since 1970-01-01). */
  readonly day: number;
  /** Where the records say they came from. */
  readonly origin: string;
}

export interface MarketplaceFeed {
  /** The days in order; iterate once. */
  days(): AsyncGenerator<FeedDay, void, void>;
  /** Merchants distressed on or before `throughDay` (a day number), with the day they became so. */
  distressedThrough(throughDay: number): Map<string, number>;
  /** Milliseconds the simulator spent on the days fed so far, in its own thread. */
  simulatorMs(): number;
  /** Milliseconds the engine waited for a day the simulator had not finished yet. */
  waitedMs(): number;
  /** Stops the simulation's thread (at the end, or when the demo stops early). */
  close(): Promise<void>;
}

/**
 * A day's events as source records, numbered by line over the run: those at `positions` (ascending
 * positions within the day), or with `except`, all the others.
 */
export function dayRecords(
  day: FeedDay,
  positions: readonly number[] | { readonly except: readonly number[] },
): SourceRecord[] {
  const lines = day.ndjson.split('\n');
  assert(lines.length === day.events + 1 && lines[day.events] === '', 'one event per line');
  const record = (index: number): SourceRecord => ({
    origin: day.origin,
    line: day.firstLine + index,
    raw: lines[index] as string,
  });
  if (Array.isArray(positions)) return positions.map(record);
  const { except } = positions as { readonly except: readonly number[] };
  const records: SourceRecord[] = [];
  let skip = 0;
  for (let index = 0; index < day.events; index += 1) {
    if (except[skip] === index) {
      skip += 1;
      continue;
    }
    records.push(record(index));
  }
  assert(skip === except.length, 'the positions left out are ascending positions of the day');
  return records;
}

export function createMarketplaceFeed(options: MarketplaceWorkerData): MarketplaceFeed {
  const firstDay = toDayNumber(options.start);
  const origin = `demo:${options.seed}`;
  const data: MarketplaceWorkerData = {
    merchants: options.merchants,
    days: options.days,
    seed: options.seed,
    start: options.start,
  };
  const worker = new Worker(new URL('./marketplace-worker-entry.js', import.meta.url), { workerData: data });
  const arrived: DayMessage[] = [];
  let failure: Error | null = null;
  let closing = false;
  let notify: (() => void) | null = null;
  const wake = () => {
    notify?.();
    notify = null;
  };
  worker.on('message', (day: DayMessage) => {
    arrived.push(day);
    wake();
  });
  worker.on('error', (error) => {
    failure = error;
    wake();
  });
  worker.on('exit', (code) => {
    if (code !== 0 && !closing) failure ??= new Error(`the simulation's thread stopped with code ${code}`);
    wake();
  });
  const pull = (days: number) => worker.postMessage({ days } satisfies PullMessage);
  pull(Math.min(simulatedDaysAheadMax, options.days));
  const distressed = new Map<string, number>();
  let spentMs = 0;
  let waitedMs = 0;
  return {
    async *days() {
      for (let index = 0; index < options.days; index += 1) {
        if (arrived.length === 0) {
          const started = performance.now();
          while (arrived.length === 0 && failure === null)
            await new Promise<void>((resolve) => (notify = resolve));
          waitedMs += performance.now() - started;
        }
        if (failure !== null) throw failure;
        const message = arrived.shift() as DayMessage;
        assert(message.dayIndex === index, 'the simulation sends its days in order');
        if (index + simulatedDaysAheadMax < options.days) pull(1);
        spentMs += message.simulatorMs;
        for (const [merchantId, dayIndex] of message.distressed)
          distressed.set(merchantId, firstDay + dayIndex);
        yield {
          day: firstDay + index,
          date: message.date,
          ndjson: message.ndjson,
          events: message.events,
          firstLine: message.firstLine,
          payouts: message.payouts,
          payoutMerchants: message.payoutMerchants,
          origin,
        };
      }
    },
    distressedThrough(throughDay) {
      const known = new Map<string, number>();
      for (const [merchantId, day] of distressed) if (day <= throughDay) known.set(merchantId, day);
      return known;
    },
    simulatorMs: () => spentMs,
    waitedMs: () => waitedMs,
    async close() {
      closing = true;
      await worker.terminate();
    },
  };
}
