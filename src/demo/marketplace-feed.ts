/**
 * The simulated marketplace as the demo feeds it in: one simulated day at a time, each day's
 * events as the NDJSON records `capstan import` would read from `capstan simulate`'s file (the same
 * lines, the same event ids), so they go through the same validation and the same inbox. Between
 * days the simulation can say which merchants have become distressed so far — what the platform
 * itself would know by then, never what happens later.
 */
import type { SourceRecord } from '../app/ingest/records.ts';
import { type CalendarDate, toDayNumber } from '../domain/time/calendar-date.ts';
import { eventIdPrefix, formatDayLines } from '../simulator/ndjson.ts';
import { createSimulation, type Simulation } from '../simulator/simulation.ts';

export interface FeedDay {
  /** The day's number (days since 1970-01-01). */
  readonly day: number;
  readonly date: CalendarDate;
  /** In time order. */
  readonly records: readonly SourceRecord[];
  /** Each record's event type. */
  readonly types: readonly string[];
}

export interface MarketplaceFeed {
  readonly simulation: Simulation;
  /** The days in order; iterate once. */
  days(): Generator<FeedDay, void, void>;
  /** Merchants distressed on or before `throughDay` (a day number), with the day they became so. */
  distressedThrough(throughDay: number): Map<string, number>;
  /** Milliseconds spent inside the simulator so far (the rest of the demo's time is the engine's). */
  simulatorMs(): number;
}

export function createMarketplaceFeed(options: {
  readonly merchants: number;
  readonly days: number;
  readonly seed: string;
  readonly start: CalendarDate;
}): MarketplaceFeed {
  const simulation = createSimulation(options);
  const { calendar, config } = simulation.context;
  const idPrefix = eventIdPrefix(options);
  const firstDay = toDayNumber(options.start);
  const origin = `demo:${options.seed}`;
  let spentMs = 0;
  return {
    simulation,
    *days() {
      let written = 0;
      const steps = simulation.days();
      for (;;) {
        const started = performance.now();
        const step = steps.next();
        if (step.done) return;
        const lines = formatDayLines(step.value.events, idPrefix, written + 1, config.platformId, calendar);
        const records = lines.map((raw, index) => ({ origin, line: written + index + 1, raw }));
        written += lines.length;
        spentMs += performance.now() - started;
        const types = step.value.events.map((event) => event.type);
        yield { day: firstDay + step.value.dayIndex, date: step.value.date, records, types };
      }
    },
    distressedThrough(throughDay) {
      const known = new Map<string, number>();
      for (const merchant of simulation.merchants) {
        const { distressedDay } = merchant;
        if (distressedDay !== null && firstDay + distressedDay <= throughDay)
          known.set(merchant.profile.id, firstDay + distressedDay);
      }
      return known;
    },
    simulatorMs: () => spentMs,
  };
}
