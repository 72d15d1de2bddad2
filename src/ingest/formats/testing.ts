/**
 * Test support for the format tests: the canonical JSON Schemas compiled with ajv (as the inbox
 * will), fixture paths, collecting an async stream, and feeding text in awkward chunk sizes so
 * every reader is proved not to depend on where a chunk happens to end.
 */
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { type EventType, eventTypes, isEventType } from '../../domain/events/catalog.ts';
import { envelopeSchema } from '../event-schemas.ts';
import type { SourceRecord } from '../source-record.ts';

// ajv and ajv-formats are CommonJS with a default export; under NodeNext it sits on `.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validators = new Map(eventTypes.map((type) => [type, ajv.compile(envelopeSchema(type))]));

/** Null when `value` is a valid canonical event; otherwise what ajv says is wrong. */
export function schemaErrors(value: unknown): string | null {
  const type = (value as { type?: unknown } | null)?.type;
  if (typeof type !== 'string' || !isEventType(type)) return `unknown type ${String(type)}`;
  const validate = validators.get(type as EventType);
  if (validate === undefined) return `no schema for ${type}`;
  return validate(value) ? null : ajv.errorsText(validate.errors);
}

export function fixturePath(name: string): string {
  return fileURLToPath(new URL(`../../../test/fixtures/formats/${name}`, import.meta.url));
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** The bytes of `input` in chunks of `size` bytes — splitting UTF-8 characters and CRLFs. */
export async function* chunked(input: string | Buffer, size: number): AsyncGenerator<Buffer> {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

export interface EventShape {
  readonly id: string;
  readonly type: string;
  readonly time: string;
  readonly data: Readonly<Record<string, unknown>>;
}

/** The event of records[index]; fails the test when there is none. */
export function eventAt(records: readonly SourceRecord[], index: number): EventShape {
  const value = records[index]?.value;
  if (value === undefined) throw new Error(`no event at record ${index}`);
  return value as EventShape;
}
