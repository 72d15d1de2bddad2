/** Runs small simulations for the tests, in memory, exactly as the command formats them. */
import { calendarDate } from '../domain/time/calendar-date.ts';
import { defaultSimulatorConfig } from './config.ts';
import type { SimEvent } from './event-queue.ts';
import { buildGroundTruth, type GroundTruth } from './ground-truth.ts';
import { eventIdPrefix, formatDayLines } from './ndjson.ts';
import { createSimulation, type Simulation } from './simulation.ts';

export interface SimulatedRun {
  readonly simulation: Simulation;
  readonly events: SimEvent[];
  readonly dayOfEvent: number[];
  readonly ndjson: string;
  readonly truth: GroundTruth;
}

export function simulateRun(
  merchants: number,
  days: number,
  seed: string,
  start = '2025-01-01',
): SimulatedRun {
  const options = { merchants, days, seed, start: calendarDate(start) };
  const simulation = createSimulation(options);
  const prefix = eventIdPrefix(options);
  const events: SimEvent[] = [];
  const dayOfEvent: number[] = [];
  const chunks: string[] = [];
  for (const day of simulation.days()) {
    const lines = formatDayLines(
      day.events,
      prefix,
      events.length + 1,
      defaultSimulatorConfig.platformId,
      simulation.context.calendar,
    );
    chunks.push(lines.join(''));
    for (const event of day.events) {
      events.push(event);
      dayOfEvent.push(day.dayIndex);
    }
  }
  return { simulation, events, dayOfEvent, ndjson: chunks.join(''), truth: buildGroundTruth(simulation) };
}
