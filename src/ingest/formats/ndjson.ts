/**
 * NDJSON (JSON Lines) import: one canonical event's JSON per line, exactly what `POST /events`
 * takes one at a time. Each non-empty line becomes a SourceRecord whose `raw` is the line itself
 * (no `value`: the inbox parses and validates it like an HTTP body), with its 1-based line number.
 *
 * Streaming and bounded: lines end in '\n' or '\r\n', the last may lack one, a UTF-8 BOM is
 * dropped, blank lines are skipped (their numbers still count), and a line longer than
 * `ndjsonLineBytesMax` becomes a record with problem `line_too_long` and the line's first bytes as
 * `raw` — the rest is read past, never held. Progress: pass `onBytes`, called with the size of every
 * chunk read (sum them for bytes read so far).
 */
import type { SourceRecord } from '../source-record.ts';
import { type ByteSource, lineBytesMaxDefault, type OnBytes, readLines } from './lines.ts';

/** One event's JSON is far smaller; a longer line is not an event we can take. */
export const ndjsonLineBytesMax = lineBytesMaxDefault;

export interface NdjsonOptions {
  /** Called with the byte size of each chunk as it is read. */
  readonly onBytes?: OnBytes;
  /** Defaults to ndjsonLineBytesMax; tests lower it. */
  readonly lineBytesMax?: number;
}

export async function* readNdjson(
  stream: ByteSource,
  origin: string,
  options: NdjsonOptions = {},
): AsyncGenerator<SourceRecord> {
  const lineOptions = {
    lineBytesMax: options.lineBytesMax ?? ndjsonLineBytesMax,
    ...(options.onBytes === undefined ? {} : { onBytes: options.onBytes }),
  };
  for await (const { line, text, problem } of readLines(stream, lineOptions)) {
    if (problem !== undefined) {
      yield { origin, line, raw: text, problem };
    } else if (text.trim() !== '') {
      yield { origin, line, raw: text };
    }
  }
}
