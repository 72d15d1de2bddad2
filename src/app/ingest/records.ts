/**
 * What every ingestion path hands to the one inbox: a record as it arrived, with where it came
 * from, so that a bad one can be quarantined with its line and its original text.
 */
import type { CanonicalEvent } from '../../domain/events/catalog.ts';
import type { EventInstant, RecordProblem } from '../../domain/events/check-event.ts';

export interface SourceRecord {
  /** Where it came from: `file:orders.ndjson`, `http:req_…`, `nats:capstan.events#42`, `replay:qua_…`. */
  readonly origin: string;
  /** 1-based line (or row, or item) number within the origin; null when there is no such thing. */
  readonly line: number | null;
  /** The original text of the record, kept in the quarantine if it cannot be applied. */
  readonly raw: string;
  /**
   * The canonical event, when the format produced one (CSV rows, platform exports); absent when
   * `raw` is itself the event's JSON (NDJSON, HTTP). Either way it is validated the same way.
   */
  readonly value?: unknown;
  /** Set when the format itself could not make an event of the record (e.g. a CSV row with a bad column). */
  readonly problem?: { readonly code: string; readonly field: string | null; readonly detail: string };
}

/** A record after validation: the event with its instant, or the problem that stops it. */
export type ParsedRecord =
  | {
      readonly ok: true;
      readonly record: SourceRecord;
      readonly event: CanonicalEvent;
      readonly instant: EventInstant;
    }
  | {
      readonly ok: false;
      readonly record: SourceRecord;
      readonly problem: RecordProblem;
      readonly source: string | null;
      readonly eventId: string | null;
      readonly eventType: string | null;
    };

/** Validation is done at the edge (JSON Schemas); use cases receive it as a function. */
export type RecordParser = (record: SourceRecord) => ParsedRecord;
