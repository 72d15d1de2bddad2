/**
 * Webhook endpoints (operators): register one (its signing secret shown in that response only),
 * list and read them, disable one, see its deliveries, and replay the events since a moment. The
 * use cases are in src/app/webhooks/endpoints.ts; delivery in src/app/webhooks/dispatch.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../app/app-context.ts';
import { recordAudit } from '../../app/audit/audit-log.ts';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../../app/ports.ts';
import {
  createEndpoint,
  disableEndpoint,
  type EndpointChangeProblem,
  type EndpointProblem,
  previousSecretHoursMax,
  replayEndpoint,
  rotateEndpointSecret,
  updateEndpoint,
} from '../../app/webhooks/endpoints.ts';
import { eventTypes, webhookAttemptsMax } from '../../domain/webhooks/delivery.ts';
import {
  access,
  actorOf,
  jsonReply,
  ListQuery,
  listQuery,
  listReply,
  listSchema,
  ProblemSchema,
  pageAsked,
  problemReply,
  ShownSecret,
  secretReply,
  send,
  write,
} from '../plumbing.ts';
import { ProblemError } from '../problem.ts';
import { isoFromMs } from '../views.ts';

const Endpoint = Type.Object({
  object: Type.Literal('webhook_endpoint'),
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String(), { description: 'the event types sent to it; empty for all' }),
  description: Type.String(),
  status: Type.Union([Type.Literal('enabled'), Type.Literal('disabled')]),
  previous_secret_expires_at: Type.Union([Type.String(), Type.Null()], {
    description: 'until when the secret before the last rotation still signs (beside the current one)',
  }),
  failing_since: Type.Union([Type.String(), Type.Null()], {
    description: 'since when every attempt to it has failed; after 5 days it is disabled',
  }),
  disabled_reason: Type.Union([Type.String(), Type.Null()], {
    description: 'why Capstan disabled it (null when an operator did, or it is enabled)',
  }),
  created_at: Type.String(),
  updated_at: Type.String(),
});

const Delivery = Type.Object({
  object: Type.Literal('webhook_delivery'),
  id: Type.String({ description: 'the message id: webhook-id on every attempt' }),
  sequence: Type.String({ description: 'the event’s place in the outbox, for paging' }),
  event_type: Type.String(),
  facility_id: Type.Union([Type.String(), Type.Null()], { description: 'a facility event’s facility' }),
  offer_id: Type.Union([Type.String(), Type.Null()], { description: 'an offer event’s offer' }),
  checkpoint_id: Type.Union([Type.String(), Type.Null()], {
    description: 'a ledger checkpoint event’s checkpoint (`lcp_<day>`)',
  }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  next_attempt_at: Type.Union([Type.String(), Type.Null()]),
  last_attempt_at: Type.Union([Type.String(), Type.Null()]),
  last_response_status: Type.Union([Type.Integer(), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
});

const CreateBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2_048, description: 'http or https' }),
    events: Type.Optional(
      Type.Array(Type.String({ maxLength: 64 }), {
        maxItems: eventTypes.length,
        description: 'event types to send (absent or empty: all)',
      }),
    ),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

/** Outbox sequences are signed 64-bit integers, as both stores keep them. */
const outboxSequenceMax = 2n ** 63n - 1n;

const ReplayBody = Type.Object(
  {
    since: Type.String({ format: 'date-time', description: 'events recorded at or after this instant' }),
    starting_after: Type.Optional(
      Type.String({ pattern: '^[0-9]{1,19}$', description: 'a previous replay’s last_sequence, to go on' }),
    ),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

type EndpointRefusal = EndpointProblem | EndpointChangeProblem;

const instant = (ms: bigint | null) => (ms === null ? null : isoFromMs(ms));

function endpointView(endpoint: WebhookEndpointRow) {
  return {
    object: 'webhook_endpoint',
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.eventTypes,
    description: endpoint.description,
    status: endpoint.status,
    previous_secret_expires_at: instant(endpoint.previousSecretExpiresAtMs),
    failing_since: instant(endpoint.failingSinceMs),
    disabled_reason: endpoint.disabledReason,
    created_at: isoFromMs(endpoint.createdAtMs),
    updated_at: isoFromMs(endpoint.updatedAtMs),
  };
}

function deliveryView(delivery: WebhookDeliveryRow) {
  return {
    object: 'webhook_delivery',
    id: `${delivery.subjectId}:${delivery.subjectSequence}`,
    sequence: String(delivery.outboxSequence),
    event_type: delivery.eventType,
    facility_id: delivery.subject === 'facility' ? delivery.subjectId : null,
    offer_id: delivery.subject === 'offer' ? delivery.subjectId : null,
    checkpoint_id: delivery.subject === 'ledger' ? delivery.subjectId : null,
    status: delivery.status,
    attempts: delivery.attempts,
    next_attempt_at: delivery.status === 'pending' ? instant(delivery.nextAttemptAtMs) : null,
    last_attempt_at: instant(delivery.lastAttemptAtMs),
    last_response_status: delivery.lastResponseStatus,
    last_error: delivery.lastError,
    created_at: isoFromMs(delivery.createdAtMs),
  };
}

/** The endpoint with its new secret: the one answer that shows it. */
const withSecret = (endpoint: WebhookEndpointRow) => ({ ...endpointView(endpoint), secret: endpoint.secret });

/** An endpoint use case's refusal as a problem, naming the field it was about. */
function endpointProblem(
  request: FastifyRequest,
  result: { readonly code: EndpointRefusal; readonly detail?: string },
  id = '',
) {
  const param: Partial<Record<EndpointRefusal, string>> = {
    webhook_url_invalid: 'url',
    webhook_event_type_unknown: 'events',
  };
  const said: Partial<Record<EndpointRefusal, string>> = {
    webhook_endpoint_not_found: `no webhook endpoint ${id}`,
    webhook_endpoint_disabled: `webhook endpoint ${id} is disabled`,
  };
  const detail = result.detail ?? said[result.code] ?? result.code;
  return problemReply(request, result.code, detail, param[result.code]);
}

const signing =
  'Each event is POSTed as JSON `{"type", "timestamp", "data"}` with the Standard Webhooks headers `webhook-id` (the event’s id, the same on every attempt and replay), `webhook-timestamp` and `webhook-signature` (`v1,` + base64 HMAC-SHA256 of `id.timestamp.body` keyed by the secret’s bytes): verify it with any Standard Webhooks library.';

export function webhookRoutes(app: AppContext): FastifyPluginAsyncTypebox {
  return async (server) => {
    const endpointOf = async (id: string) => {
      const endpoint = await app.store.read((tx) => tx.webhooks.endpoint(id));
      if (endpoint === undefined)
        throw new ProblemError('webhook_endpoint_not_found', `no webhook endpoint ${id}`);
      return endpoint;
    };

    server.post(
      '/v1/webhook_endpoints',
      access(['operator'], {
        summary: 'Register a webhook endpoint',
        description: `Facility and offer events are sent to \`url\` from now on — every type, or those in \`events\` (${eventTypes.join(', ')}). The signing \`secret\` (\`whsec_…\`) is in this response only. ${signing} A 2xx answer within 10 seconds delivers an event; otherwise it is tried again after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h (${webhookAttemptsMax} attempts), then marked failed.`,
        tags: ['webhooks'],
        body: CreateBody,
        response: {
          200: Type.Intersect([Endpoint, Type.Object({ secret: ShownSecret })]),
          400: ProblemSchema,
        },
      }),
      async (request, reply) =>
        write(app, request, reply, async (tx) => {
          const created = await createEndpoint(
            tx,
            app,
            {
              url: request.body.url,
              eventTypes: request.body.events ?? [],
              description: request.body.description ?? '',
            },
            actorOf(app, request),
          );
          if (!created.ok) return endpointProblem(request, created);
          return secretReply(200, withSecret(created.value));
        }),
    );

    server.get(
      '/v1/webhook_endpoints',
      access(['operator'], {
        summary: 'List webhook endpoints',
        tags: ['webhooks'],
        querystring: ListQuery,
        response: { 200: listSchema(Endpoint) },
      }),
      async (request, reply) => {
        const rows = await app.store.read((tx) => tx.webhooks.endpoints(pageAsked(request.query)));
        return send(reply, listReply(request.url, rows, request.query.limit, endpointView));
      },
    );

    server.get(
      '/v1/webhook_endpoints/:id',
      access(['operator'], {
        summary: 'Retrieve a webhook endpoint',
        tags: ['webhooks'],
        params: IdParams,
        response: { 200: Endpoint, 404: ProblemSchema },
      }),
      async (request, reply) =>
        send(reply, jsonReply(200, endpointView(await endpointOf(request.params.id)))),
    );

    server.post(
      '/v1/webhook_endpoints/:id',
      access(['operator'], {
        summary: 'Update a webhook endpoint',
        description:
          'Any of `url`, `events` (empty: every type), `description` and `status` (`enabled`, `disabled`); what is left out stays. Disabled, it is sent nothing more (deliveries pending fail unsent); enabled again, it gets the events recorded from then on — a replay sends those recorded in between.',
        tags: ['webhooks'],
        params: IdParams,
        body: Type.Object(
          {
            url: Type.Optional(CreateBody.properties.url),
            events: Type.Optional(CreateBody.properties.events),
            description: Type.Optional(Type.String({ maxLength: 200 })),
            status: Type.Optional(Type.Union([Type.Literal('enabled'), Type.Literal('disabled')])),
          },
          { additionalProperties: false },
        ),
        response: { 200: Endpoint, 400: ProblemSchema, 404: ProblemSchema },
      }),
      async (request, reply) =>
        write(app, request, reply, async (tx) => {
          const { url, events, description, status } = request.body ?? {};
          const updated = await updateEndpoint(
            tx,
            app,
            request.params.id,
            {
              ...(url === undefined ? {} : { url }),
              ...(events === undefined ? {} : { eventTypes: events }),
              ...(description === undefined ? {} : { description }),
              ...(status === undefined ? {} : { status }),
            },
            actorOf(app, request),
          );
          if (!updated.ok) return endpointProblem(request, updated, request.params.id);
          return jsonReply(200, endpointView(updated.value));
        }),
    );

    server.delete(
      '/v1/webhook_endpoints/:id',
      access(['operator'], {
        summary: 'Disable a webhook endpoint',
        description:
          'Nothing more is sent to it; deliveries still pending fail unsent. Disabling a disabled endpoint answers it again.',
        tags: ['webhooks'],
        params: IdParams,
        response: { 200: Endpoint, 404: ProblemSchema },
      }),
      async (request, reply) => {
        const result = await app.store.write((tx) =>
          disableEndpoint(tx, app, request.params.id, actorOf(app, request)),
        );
        if (!result.ok) return send(reply, endpointProblem(request, result, request.params.id));
        return send(reply, jsonReply(200, endpointView(result.value)));
      },
    );

    server.post(
      '/v1/webhook_endpoints/:id/rotate_secret',
      access(['operator'], {
        summary: "Rotate an endpoint's signing secret",
        description: `A new \`secret\`, in this response only. The one it replaces goes on signing beside it — each message then carries both signatures in \`webhook-signature\`, space-separated — for \`previous_valid_hours\` (default 24, at most ${previousSecretHoursMax}; 0 stops it at once), so the receiver can move to the new secret without refusing a message in between.`,
        tags: ['webhooks'],
        params: IdParams,
        body: Type.Optional(
          Type.Object(
            {
              // No schema default (the handler's): one would fill `{}` in, making it another
              // request than no body under an Idempotency-Key.
              previous_valid_hours: Type.Optional(
                Type.Integer({ minimum: 0, maximum: previousSecretHoursMax }),
              ),
            },
            { additionalProperties: false },
          ),
        ),
        response: {
          200: Type.Intersect([Endpoint, Type.Object({ secret: ShownSecret })]),
          404: ProblemSchema,
          409: ProblemSchema,
        },
      }),
      async (request, reply) =>
        write(app, request, reply, async (tx) => {
          const hours = request.body?.previous_valid_hours ?? 24;
          const rotated = await rotateEndpointSecret(
            tx,
            app,
            request.params.id,
            hours,
            actorOf(app, request),
          );
          if (!rotated.ok) return endpointProblem(request, rotated, request.params.id);
          return secretReply(200, withSecret(rotated.value));
        }),
    );

    server.get(
      '/v1/webhook_endpoints/:id/deliveries',
      access(['operator'], {
        summary: "An endpoint's deliveries, newest event first",
        description:
          'Each event sent (or to be sent) to the endpoint: its status, attempts, the last answer or error and when it is tried next. `starting_after` is the `sequence` of the previous page’s last delivery; `status` filters.',
        tags: ['webhooks'],
        params: IdParams,
        querystring: listQuery({
          status: Type.Optional(
            Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
          ),
        }),
        response: { 200: listSchema(Delivery), 400: ProblemSchema, 404: ProblemSchema },
      }),
      async (request, reply) => {
        const endpoint = await endpointOf(request.params.id);
        const { limit, starting_after: after, status } = request.query;
        if (after !== undefined && !/^[0-9]{1,19}$/.test(after))
          throw new ProblemError(
            'parameter_invalid',
            'starting_after is a delivery’s sequence',
            'starting_after',
          );
        const rows = await app.store.read((tx) =>
          tx.webhooks.deliveries(endpoint.id, {
            limit: limit + 1,
            ...(after === undefined ? {} : { beforeSequence: BigInt(after) }),
            ...(status === undefined ? {} : { status }),
          }),
        );
        return send(reply, listReply(request.url, rows, limit, deliveryView));
      },
    );

    server.post(
      '/v1/webhook_endpoints/:id/replay',
      access(['operator'], {
        summary: 'Send the events since a moment again',
        description:
          'Every event recorded at or after `since` that the endpoint takes is delivered again, due at once, whatever became of it before (same id: a receiver that kept it can drop it). At most 10,000 events are looked at per call: when `has_more`, call again with `starting_after` set to the answer’s `last_sequence`.',
        tags: ['webhooks'],
        params: IdParams,
        body: ReplayBody,
        response: {
          200: Type.Object({
            object: Type.Literal('webhook_replay'),
            endpoint_id: Type.String(),
            deliveries: Type.Integer(),
            has_more: Type.Boolean(),
            last_sequence: Type.Union([Type.String(), Type.Null()]),
          }),
          400: ProblemSchema,
          404: ProblemSchema,
          409: ProblemSchema,
        },
      }),
      async (request, reply) => {
        // The schema's date-time takes a leap second (23:59:60Z) and an offset of hours alone
        // (+05), which Date.parse cannot read: BigInt(NaN) threw, a 500.
        const sinceMs = Date.parse(request.body.since);
        if (Number.isNaN(sinceMs))
          throw new ProblemError(
            'parameter_invalid',
            'since must be an RFC 3339 date-time such as 2026-11-25T10:30:00Z, without a leap second and with an offset of hours and minutes (+02:00)',
            'since',
          );
        // Nineteen digits may be past the largest sequence, which the stores could not bind: a 500.
        const after = BigInt(request.body.starting_after ?? '0');
        if (after > outboxSequenceMax)
          throw new ProblemError(
            'parameter_invalid',
            `starting_after is past the largest sequence there can be, ${outboxSequenceMax}`,
            'starting_after',
          );
        return write(app, request, reply, async (tx) => {
          const replayed = await replayEndpoint(tx, app, request.params.id, BigInt(sinceMs), after);
          if (!replayed.ok) return endpointProblem(request, replayed, request.params.id);
          // A replay that found nothing to send again requeued nothing: no change to record.
          if (replayed.value.deliveries > 0)
            await recordAudit(tx, actorOf(app, request), 'webhook_endpoint.replayed', request.params.id, {
              since: request.body.since,
              startingAfter: String(after),
              deliveries: replayed.value.deliveries,
            });
          return jsonReply(200, {
            object: 'webhook_replay',
            endpoint_id: request.params.id,
            deliveries: replayed.value.deliveries,
            has_more: replayed.value.hasMore,
            last_sequence: replayed.value.lastSequence === null ? null : String(replayed.value.lastSequence),
          });
        });
      },
    );
  };
}
