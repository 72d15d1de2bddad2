/**
 * CSV of canonical events, one event type per file, for platforms that export spreadsheets.
 *
 * The type is `options.eventType` or, failing that, the file name: the last two dot-separated parts
 * before `.csv` name it, so `order.placed.csv`, `orders.order.placed.csv` and
 * `2026-03.shipment.delivered.csv` all work (every type is `<noun>.<verb>`, one dot).
 *
 * The first record is a header naming the columns, in any order: the envelope's `id`, `source`,
 * `time` and `subject`, then that type's data fields by their JSON names (`order_id`, `amount`…).
 * `source` and `subject` may be left out when the options give them (a file from one platform about
 * one merchant). Amounts are integer minor units, as in the JSON ('1234' is 12.34 USD); integer
 * fields (`quantity`, `rating`) become JSON numbers; an empty optional cell is omitted. The nested
 * `items` of order.placed cannot be written as columns and is not supported: send such orders as
 * NDJSON.
 *
 * Whole-file errors throw, naming the column: an unknown or duplicate column, a missing required
 * one, a bad header. A bad row is a record with a `problem` and the row's raw text:
 * `field_count_mismatch`, `field_required` (an empty cell in a required column), `integer_invalid`,
 * or the CSV reader's own codes. A good row is a record whose `value` is the envelope
 * (`specversion: "1.0"` added) and whose `raw` is the row as written.
 */
import { type EventType, eventTypes, isEventType } from '../../domain/events/catalog.ts';
import { eventDataSchemas } from '../event-schemas.ts';
import type { SourceRecord } from '../source-record.ts';
import { type CsvOptions, type CsvRecord, readCsv } from './csv.ts';
import type { ByteSource } from './lines.ts';

export interface CsvEventsOptions extends CsvOptions {
  /** Overrides the type named by the file name. */
  readonly eventType?: EventType;
  /** The file's name (or path), from which the type is read when `eventType` is absent. */
  readonly fileName?: string;
  /** Default `source` (plt_…) for rows of a file without a `source` column or with an empty cell. */
  readonly source?: string;
  /** Default `subject` (mer_…), likewise. */
  readonly subject?: string;
}

type EnvelopeColumn = 'id' | 'source' | 'time' | 'subject';
const envelopeColumns: readonly EnvelopeColumn[] = ['id', 'source', 'time', 'subject'];

/** The columns a type's CSV may have, from its JSON Schema, in the schema's order. */
export interface CsvColumns {
  readonly required: readonly string[];
  readonly optional: readonly string[];
  readonly integer: ReadonlySet<string>;
  /** Fields that exist in the JSON but cannot be columns (arrays, like order.placed `items`). */
  readonly nested: readonly string[];
}

interface PropertySchema {
  readonly type?: string;
}

export function csvColumnsOf(type: EventType): CsvColumns {
  const schema = eventDataSchemas[type] as unknown as {
    properties: Record<string, PropertySchema>;
    required?: readonly string[];
  };
  const requiredData = new Set(schema.required ?? []);
  const required: string[] = [...envelopeColumns];
  const optional: string[] = [];
  const integer = new Set<string>();
  const nested: string[] = [];
  for (const [name, property] of Object.entries(schema.properties)) {
    if (property.type === 'array' || property.type === 'object') {
      nested.push(name);
      continue;
    }
    if (property.type === 'integer') integer.add(name);
    (requiredData.has(name) ? required : optional).push(name);
  }
  return { required, optional, integer, nested };
}

/** `orders.order.placed.csv` → 'order.placed'; null when the name does not end in a type. */
export function eventTypeFromFileName(fileName: string): EventType | null {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  const match = /(?:^|\.)([a-z_]+\.[a-z_]+)\.csv$/i.exec(base);
  const candidate = match?.[1]?.toLowerCase();
  return candidate !== undefined && isEventType(candidate) ? candidate : null;
}

function resolveEventType(origin: string, options: CsvEventsOptions): EventType {
  if (options.eventType !== undefined) return options.eventType;
  const name = options.fileName ?? origin.replace(/^file:/, '');
  const type = eventTypeFromFileName(name);
  if (type === null) {
    throw new Error(
      `${origin}: cannot tell which event type the CSV holds; name the file <type>.csv ` +
        `(e.g. order.placed.csv, orders.order.placed.csv) or pass the type. Types: ${eventTypes.join(', ')}`,
    );
  }
  return type;
}

interface Layout {
  readonly type: EventType;
  readonly header: readonly string[];
  readonly columns: CsvColumns;
}

function checkHeader(origin: string, record: CsvRecord, type: EventType, options: CsvEventsOptions): Layout {
  const where = `${origin} line ${record.line}`;
  if (record.problem !== undefined) throw new Error(`${where}: bad header row: ${record.problem.detail}`);
  const columns = csvColumnsOf(type);
  const known = new Set([...columns.required, ...columns.optional]);
  const header = record.fields.map((name) => name.trim());
  const seen = new Set<string>();
  for (const name of header) {
    if (columns.nested.includes(name)) {
      throw new Error(
        `${where}: column "${name}": the nested ${name} of ${type} is not supported in CSV; send such events as NDJSON`,
      );
    }
    if (!known.has(name)) {
      throw new Error(`${where}: unknown column "${name}" for ${type}; columns: ${[...known].join(', ')}`);
    }
    if (seen.has(name)) throw new Error(`${where}: column "${name}" appears twice`);
    seen.add(name);
  }
  for (const name of columns.required) {
    const defaulted = (name === 'source' || name === 'subject') && options[name] !== undefined;
    if (!seen.has(name) && !defaulted) {
      throw new Error(`${where}: required column "${name}" is missing for ${type}`);
    }
  }
  return { type, header, columns };
}

type RowResult = { ok: true; value: object } | { ok: false; code: string; field: string; detail: string };

function rowToEnvelope(layout: Layout, fields: readonly string[], options: CsvEventsOptions): RowResult {
  const cells = new Map<string, string>();
  layout.header.forEach((name, index) => {
    cells.set(name, fields[index] ?? '');
  });
  const envelope: Record<string, string> = {};
  for (const name of envelopeColumns) {
    const cell = cells.get(name) ?? '';
    const value = cell !== '' ? cell : name === 'source' || name === 'subject' ? (options[name] ?? '') : '';
    if (value === '') return { ok: false, code: 'field_required', field: name, detail: `"${name}" is empty` };
    envelope[name] = value;
  }
  const data: Record<string, string | number> = {};
  for (const name of [...layout.columns.required, ...layout.columns.optional]) {
    if (envelopeColumns.includes(name as EnvelopeColumn)) continue;
    const cell = cells.get(name) ?? '';
    if (cell === '') {
      if (!layout.columns.optional.includes(name)) {
        return { ok: false, code: 'field_required', field: name, detail: `"${name}" is empty` };
      }
      continue;
    }
    if (!layout.columns.integer.has(name)) {
      data[name] = cell;
      continue;
    }
    const number = /^-?(?:0|[1-9][0-9]*)$/.test(cell) ? Number(cell) : Number.NaN;
    if (!Number.isSafeInteger(number)) {
      return {
        ok: false,
        code: 'integer_invalid',
        field: name,
        detail: `"${name}" is not an integer: ${cell}`,
      };
    }
    data[name] = number;
  }
  const { id, source, time, subject } = envelope;
  return { ok: true, value: { specversion: '1.0', id, source, type: layout.type, time, subject, data } };
}

export async function* readCsvEvents(
  input: ByteSource,
  origin: string,
  options: CsvEventsOptions = {},
): AsyncGenerator<SourceRecord> {
  const type = resolveEventType(origin, options);
  let layout: Layout | null = null;
  for await (const record of readCsv(input, options)) {
    const { line, raw } = record;
    if (layout === null) {
      layout = checkHeader(origin, record, type, options);
      continue;
    }
    if (record.problem !== undefined) {
      yield { origin, line, raw, problem: record.problem };
      continue;
    }
    if (record.fields.length !== layout.header.length) {
      const detail = `expected ${layout.header.length} fields as in the header, found ${record.fields.length}`;
      yield { origin, line, raw, problem: { code: 'field_count_mismatch', field: null, detail } };
      continue;
    }
    const result = rowToEnvelope(layout, record.fields, options);
    yield result.ok
      ? { origin, line, raw, value: result.value }
      : { origin, line, raw, problem: { code: result.code, field: result.field, detail: result.detail } };
  }
  if (layout === null) throw new Error(`${origin}: the file is empty; expected a header row`);
}
