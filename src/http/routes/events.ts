/**
 * Events in over HTTP (platforms), the quarantine (operators) and merchant features. One event as
 * JSON, or a batch as NDJSON (one event per line) or as a CloudEvents JSON batch; every record gets
 * its own result, in order; bad records are quarantined with their reason, never dropped.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../app/app-context.ts';
import { featuresView } from '../../app/features/features-json.ts';
import { merchantFeatures } from '../../app/features/merchant-features.ts';
import { ingestBatch, ingestBatchRecordsMax, type RecordOutcome } from '../../app/ingest/ingest.ts';
import {
  discardQuarantined,
  quarantineDiscardReasonLengthMax,
  replayQuarantined,
} from '../../app/ingest/quarantine.ts';
import type { SourceRecord } from '../../app/ingest/records.ts';
import type { QuarantineStatus } from '../../app/ports.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';
import { dayNumberOfInstant } from '../../domain/time/instant.ts';
import { merchantIdPattern } from '../../ingest/event-schemas.ts';
import { parseRecord } from '../../ingest/parse-record.ts';
import { jsonBodyProblem } from '../json-body-problem.ts';
import {
  access,
  actorOf,
  dayParam,
  jsonReply,
  listQuery,
  listReply,
  listSchema,
  ProblemSchema,
  pageAsked,
  principalOf,
  problemReply,
  send,
  write,
} from '../plumbing.ts';
import { ProblemError } from '../problem.ts';
import { MerchantFeaturesSchema } from '../schemas-risk.ts';
import { quarantineView } from '../views-ingest.ts';

export const ndjsonContentType = 'application/x-ndjson';

const RecordResult = Type.Object({
  line: Type.Union([Type.Integer(), Type.Null()]),
  status: Type.Union([Type.Literal('applied'), Type.Literal('duplicate'), Type.Literal('quarantined')]),
  source: Type.Union([Type.String(), Type.Null()]),
  id: Type.Union([Type.String(), Type.Null()]),
  quarantine_id: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  code: Type.Optional(Type.String()),
  field: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  detail: Type.Optional(Type.String()),
});

const BatchResult = Type.Object({
  object: Type.Literal('event_batch_result'),
  received: Type.Integer(),
  applied: Type.Integer(),
  duplicates: Type.Integer(),
  quarantined: Type.Integer(),
  results: Type.Array(RecordResult),
});

const QuarantineEntry = Type.Object({
  object: Type.Literal('quarantine_entry'),
  id: Type.String(),
  status: Type.String(),
  code: Type.String(),
  field: Type.Union([Type.String(), Type.Null()]),
  detail: Type.String(),
  origin: Type.String(),
  line: Type.Union([Type.Integer(), Type.Null()]),
  source: Type.Union([Type.String(), Type.Null()]),
  event_id: Type.Union([Type.String(), Type.Null()]),
  event_type: Type.Union([Type.String(), Type.Null()]),
  raw: Type.String(),
  seen_count: Type.Integer(),
  first_seen_at: Type.String(),
  last_seen_at: Type.String(),
  resolved_at: Type.Union([Type.String(), Type.Null()]),
  resolution: Type.Union([Type.String(), Type.Null()]),
  sender_role: Type.Union([Type.Literal('operator'), Type.Literal('platform'), Type.Null()], {
    description:
      "Who sent the record: a platform's key (`sender_platform` names its platform) or an operator (its key, an import, the worker); null for an entry filed before senders were recorded. A replay runs under the sender's scope.",
  }),
  sender_platform: Type.Union([Type.String(), Type.Null()]),
});

/**
 * The body as records: NDJSON lines, or JSON — one event (an object) or an array of them, and a
 * CloudEvents batch an array only. A JSON body of another kind is refused whole: a JSON string (an
 * event encoded twice, say) was once split into lines and read as NDJSON.
 */
function recordsOf(request: FastifyRequest): SourceRecord[] {
  const origin = `http:${request.id}`;
  const body = request.body;
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const batchOnly = type === 'application/cloudevents-batch+json';
  if (type !== ndjsonContentType && (batchOnly ? !Array.isArray(body) : !isJsonContainer(body)))
    throw new ProblemError(
      'request_malformed',
      batchOnly
        ? 'a CloudEvents batch (application/cloudevents-batch+json) is a JSON array of events; send one event as application/cloudevents+json'
        : `the body is ${describeJson(body)}: send one event as a JSON object, several as a JSON array or as NDJSON (${ndjsonContentType})`,
      'body',
    );
  if (typeof body === 'string') {
    const records: SourceRecord[] = [];
    // A UTF-8 byte-order mark (Windows tools write one) is dropped, as the file reader drops it.
    body
      .replace(/^\uFEFF/, '')
      .split('\n')
      .forEach((line, index) => {
        const raw = line.endsWith('\r') ? line.slice(0, -1) : line;
        if (raw.trim() !== '') records.push({ origin, line: index + 1, raw });
      });
    return records;
  }
  if (Array.isArray(body))
    return body.map((value, index) => ({ origin, line: index + 1, raw: JSON.stringify(value), value }));
  return [{ origin, line: null, raw: JSON.stringify(body), value: body }];
}

function isJsonContainer(body: unknown): boolean {
  return body !== null && typeof body === 'object';
}

function describeJson(body: unknown): string {
  if (typeof body === 'string') return 'a JSON string, not an event (an event encoded twice?)';
  return `JSON ${body === null ? 'null' : typeof body}, not an event`;
}

function resultView(outcome: RecordOutcome) {
  if (outcome.status !== 'quarantined')
    return { line: outcome.line, status: outcome.status, source: outcome.source, id: outcome.id };
  return {
    line: outcome.line,
    status: outcome.status,
    source: outcome.source,
    id: outcome.id,
    quarantine_id: outcome.quarantineId,
    code: outcome.problem.code,
    field: outcome.problem.field,
    detail: outcome.problem.detail,
  };
}

/**
 * The day features are asked as of: not after today, as a decision's `as_of` — features as of a day
 * to come are today's, presented as that day's.
 */
function asOfDay(text: string | undefined, today: number): number | null {
  if (text === undefined) return null;
  const day = dayParam(text, 'as_of');
  if (day > today)
    throw new ProblemError(
      'parameter_invalid',
      `as_of must not be after today (${fromDayNumber(today)}, UTC)`,
      'as_of',
    );
  return day;
}

export function eventRoutes(app: AppContext): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.addContentTypeParser(ndjsonContentType, { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );
    server.addContentTypeParser(
      ['application/cloudevents+json', 'application/cloudevents-batch+json'],
      { parseAs: 'string' },
      (_request, body, done) => {
        const refused = jsonBodyProblem(body as string);
        if (refused !== null) {
          done(refused, undefined);
          return;
        }
        try {
          done(null, JSON.parse(body as string));
        } catch {
          const error = new Error('invalid JSON') as Error & { statusCode: number; code: string };
          error.statusCode = 400;
          error.code = 'FST_ERR_CTP_INVALID_JSON_BODY';
          done(error, undefined);
        }
      },
    );

    server.post(
      '/v1/events',
      access(['platform', 'operator'], {
        summary: 'Send events',
        description: `One CloudEvent as JSON (or a JSON array of them), a batch as NDJSON (\`${ndjsonContentType}\`, one event per line) or as a CloudEvents JSON batch (\`application/cloudevents-batch+json\`, an array), up to ${ingestBatchRecordsMax} per request; JSON that is neither an event nor an array of events (a string — an event encoded twice —, a number, null; a single object sent as a CloudEvents batch) is refused whole, 400 request_malformed. Answers one result per record, in order: \`applied\`, \`duplicate\` (the same source and id seen before with the same body) or \`quarantined\` with the reason (bad record, or the same id with another body). A platform key may send events of its own platform only.`,
        tags: ['events'],
        response: { 200: BatchResult, 400: ProblemSchema },
      }),
      async (request, reply) => {
        const records = recordsOf(request);
        if (records.length === 0)
          throw new ProblemError('parameter_missing', 'the body holds no events', 'body');
        if (records.length > ingestBatchRecordsMax) {
          throw new ProblemError(
            'batch_too_large',
            `send at most ${ingestBatchRecordsMax} events per request`,
            'body',
          );
        }
        const principal = principalOf(request);
        const allowedSource = principal.role === 'platform' ? (principal.objectId ?? undefined) : undefined;
        const parsed = records.map(parseRecord);
        return write(app, request, reply, async (tx) => {
          const outcomes = await ingestBatch(tx, app, parsed, { allowedSource });
          const count = (status: RecordOutcome['status']) =>
            outcomes.filter((o) => o.status === status).length;
          return jsonReply(200, {
            object: 'event_batch_result',
            received: outcomes.length,
            applied: count('applied'),
            duplicates: count('duplicate'),
            quarantined: count('quarantined'),
            results: outcomes.map(resultView),
          });
        });
      },
    );

    server.get(
      '/v1/quarantine',
      access(['operator'], {
        summary: 'List quarantined records',
        tags: ['events'],
        querystring: listQuery({
          status: Type.Optional(
            Type.Union([Type.Literal('open'), Type.Literal('replayed'), Type.Literal('discarded')]),
          ),
        }),
        response: { 200: listSchema(QuarantineEntry) },
      }),
      async (request, reply) => {
        const status = (request.query.status ?? null) as QuarantineStatus | null;
        const entries = await app.store.read((tx) =>
          tx.inbox.listQuarantine(status, pageAsked(request.query)),
        );
        return send(reply, listReply(request.url, entries, request.query.limit, quarantineView));
      },
    );

    server.get(
      '/v1/quarantine/:id',
      access(['operator'], {
        summary: 'Retrieve a quarantined record',
        tags: ['events'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 200: QuarantineEntry, 404: ProblemSchema },
      }),
      async (request, reply) => {
        const entry = await app.store.read((tx) => tx.inbox.quarantined(request.params.id));
        if (entry === undefined)
          throw new ProblemError('quarantine_entry_not_found', `no quarantine entry ${request.params.id}`);
        return send(reply, jsonReply(200, quarantineView(entry)));
      },
    );

    server.post(
      '/v1/quarantine/:id/replay',
      access(['operator'], {
        summary: 'Replay a quarantined record, as it was or corrected',
        description:
          "Runs the record (or `event`, a corrected version of it) through the inbox again, under the scope of the key that sent it: a platform key's record is refused again as it was sent (`source_not_allowed`, `merchant_of_another_platform`); to apply such an event, an operator sends it with POST /v1/events. On success the entry is marked replayed; otherwise it stays open and the answer says why.",
        tags: ['events'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        body: Type.Optional(
          Type.Object({ event: Type.Optional(Type.Unknown()) }, { additionalProperties: false }),
        ),
        response: {
          200: Type.Object({ entry: QuarantineEntry, result: RecordResult }),
          404: ProblemSchema,
          409: ProblemSchema,
          422: ProblemSchema,
        },
      }),
      async (request, reply) =>
        write(app, request, reply, async (tx) => {
          const corrected =
            request.body?.event === undefined ? undefined : JSON.stringify(request.body.event);
          const result = await replayQuarantined(
            tx,
            { ...app, parse: parseRecord },
            request.params.id,
            corrected,
            actorOf(app, request),
          );
          if (!result.ok) {
            const field = result.problem?.field ?? undefined;
            return problemReply(
              request,
              result.code,
              result.detail ?? result.code,
              field === undefined ? undefined : `event.${field}`,
            );
          }
          return jsonReply(200, {
            entry: quarantineView(result.value.entry),
            result: resultView(result.value.outcome),
          });
        }),
    );

    server.post(
      '/v1/quarantine/:id/discard',
      access(['operator'], {
        summary: 'Discard a quarantined record, with a reason',
        tags: ['events'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: quarantineDiscardReasonLengthMax }) },
          { additionalProperties: false },
        ),
        response: { 200: QuarantineEntry, 404: ProblemSchema, 409: ProblemSchema },
      }),
      async (request, reply) =>
        write(app, request, reply, async (tx) => {
          const result = await discardQuarantined(
            tx,
            app,
            request.params.id,
            request.body.reason,
            actorOf(app, request),
          );
          if (!result.ok) return problemReply(request, result.code, result.detail ?? result.code);
          return jsonReply(200, quarantineView(result.value));
        }),
    );

    server.get(
      '/v1/merchants/:id/features',
      access(['operator', 'merchant'], {
        summary: "A merchant's features as of a date",
        description:
          'Point in time: computed only from events whose `time` is on or before the end of `as_of` (UTC), which is not after today (400 parameter_invalid, as a decision refuses one). A merchant key may read its own features only.',
        tags: ['merchants'],
        params: Type.Object({ id: Type.String({ pattern: merchantIdPattern }) }),
        querystring: Type.Object(
          {
            as_of: Type.Optional(
              Type.String({ description: 'YYYY-MM-DD, not after today; default today (UTC)' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: MerchantFeaturesSchema, 404: ProblemSchema },
      }),
      async (request, reply) => {
        const principal = principalOf(request);
        if (principal.role === 'merchant' && principal.objectId !== request.params.id) {
          throw new ProblemError('merchant_not_found', `no merchant ${request.params.id} for this key`);
        }
        const day = asOfDay(request.query.as_of, dayNumberOfInstant(app.clock.nowNs()));
        const result = await app.store.read((tx) => merchantFeatures(tx, app.clock, request.params.id, day));
        if (!result.ok) throw new ProblemError(result.code, result.detail ?? result.code);
        return send(reply, jsonReply(200, featuresView(result.value)));
      },
    );
  };
}
