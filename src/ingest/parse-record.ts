/**
 * The one validation every ingestion path runs (HTTP, files, NATS, quarantine replay): JSON, then
 * the type's JSON Schema (no coercion, unknown fields rejected), then the domain's semantic checks.
 * A bad record comes back with a problem naming the field and the reason, and with whatever could
 * be read of its identity, for the quarantine.
 */
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { ParsedRecord, RecordParser, SourceRecord } from '../app/ingest/records.ts';
import { type CanonicalEvent, type EventType, eventTypes, isEventType } from '../domain/events/catalog.ts';
import { checkEvent, isRecordProblem, type RecordProblem } from '../domain/events/check-event.ts';
import { envelopeSchema } from './event-schemas.ts';

const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;
const ajv = new Ajv({
  allErrors: false,
  coerceTypes: false,
  useDefaults: false,
  removeAdditional: false,
  strict: false,
});
addFormats(ajv);
const validators = new Map<EventType, ValidateFunction>(
  eventTypes.map((type) => [type, ajv.compile(envelopeSchema(type))]),
);

function fail(record: SourceRecord, problem: RecordProblem, value?: unknown): ParsedRecord {
  const object = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const text = (key: string) =>
    typeof object[key] === 'string' ? (object[key] as string).slice(0, 200) : null;
  return { ok: false, record, problem, source: text('source'), eventId: text('id'), eventType: text('type') };
}

function pointerToField(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((segment) => (/^[0-9]+$/.test(segment) ? `[${segment}]` : `.${segment}`))
    .join('')
    .replace(/^\./, '');
}

function describe(error: ErrorObject): RecordProblem {
  const base = pointerToField(error.instancePath);
  const join = (name: string) => (base === '' ? name : `${base}.${name}`);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const field = join(String(params['missingProperty']));
    return { code: 'field_missing', field, detail: `${field} is required` };
  }
  if (error.keyword === 'additionalProperties') {
    const field = join(String(params['additionalProperty']));
    return { code: 'field_unknown', field, detail: `${field} is not a field of this event type` };
  }
  const field = base === '' ? null : base;
  return { code: 'field_invalid', field, detail: `${field ?? 'the event'} ${error.message ?? 'is invalid'}` };
}

export const parseRecord: RecordParser = (record: SourceRecord): ParsedRecord => {
  if (record.problem !== undefined) return fail(record, record.problem);
  let value = record.value;
  if (value === undefined) {
    try {
      value = JSON.parse(record.raw);
    } catch (error) {
      return fail(record, {
        code: 'json_invalid',
        field: null,
        detail: `not valid JSON: ${(error as Error).message}`,
      });
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(record, { code: 'json_invalid', field: null, detail: 'an event is a JSON object' }, value);
  }
  const type = (value as Record<string, unknown>)['type'];
  if (typeof type !== 'string' || !isEventType(type)) {
    return fail(
      record,
      { code: 'type_unknown', field: 'type', detail: `type must be one of ${eventTypes.join(', ')}` },
      value,
    );
  }
  const validate = validators.get(type) as ValidateFunction;
  if (!validate(value))
    return fail(record, describe((validate.errors as ErrorObject[])[0] as ErrorObject), value);
  const event = value as CanonicalEvent;
  const checked = checkEvent(event);
  if (isRecordProblem(checked)) return fail(record, checked, value);
  return { ok: true, record, event, instant: checked };
};
