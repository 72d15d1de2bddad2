/**
 * Turns simulated events into canonical CloudEvents 1.0 envelopes and NDJSON lines. Event ids are
 * given in output order: `evt_<seed>_<run>_<n>`, where <run> fingerprints the flags that shape the
 * output, so re-running the same command re-sends the same ids (the importer sees duplicates,
 * not new events) while a run with other flags never collides with it.
 */
import type { CanonicalEvent } from '../domain/events/catalog.ts';
import type { CalendarDate } from '../domain/time/calendar-date.ts';
import type { SimCalendar } from './calendar.ts';
import type { SimEvent } from './event-queue.ts';
import { hashText } from './prng.ts';

export interface RunIdentity {
  readonly merchants: number;
  readonly days: number;
  readonly seed: string;
  readonly start: CalendarDate;
}

/** Seven base-36 characters naming the run's shape. */
export function runFingerprint(run: RunIdentity): string {
  return hashText(`${run.seed}|${run.merchants}|${run.days}|${run.start}`).toString(36).padStart(7, '0');
}

export function eventIdPrefix(run: RunIdentity): string {
  return `evt_${run.seed}_${runFingerprint(run)}_`;
}

export function toEnvelope(
  event: SimEvent,
  id: string,
  source: string,
  calendar: SimCalendar,
): CanonicalEvent {
  return {
    specversion: '1.0',
    id,
    source,
    type: event.type,
    time: calendar.instantText(event.at),
    subject: event.subject,
    data: event.data,
  } as CanonicalEvent;
}

/**
 * One NDJSON line (with its newline). Written by hand around JSON.stringify of the data because
 * the envelope's own fields are ids, types and instants that never need escaping (their patterns
 * are checked when the run starts), and this is the hot path of a million-event run.
 */
export function formatEventLine(event: SimEvent, id: string, source: string, calendar: SimCalendar): string {
  return (
    `{"specversion":"1.0","id":"${id}","source":"${source}","type":"${event.type}",` +
    `"time":"${calendar.instantText(event.at)}","subject":"${event.subject}","data":${JSON.stringify(event.data)}}\n`
  );
}

/** Formats a day's events; `firstSequence` is the number of the first one (1-based over the run). */
export function formatDayLines(
  events: readonly SimEvent[],
  idPrefix: string,
  firstSequence: number,
  source: string,
  calendar: SimCalendar,
): string[] {
  const lines = new Array<string>(events.length);
  for (let index = 0; index < events.length; index += 1) {
    lines[index] = formatEventLine(events[index]!, idPrefix + (firstSequence + index), source, calendar);
  }
  return lines;
}
