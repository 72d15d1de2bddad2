/**
 * The conventions every route shares: which roles may call it (declared on the route, checked
 * before anything else), replies sent as exact JSON text, problems, idempotent writes and list
 * envelopes.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type TProperties, type TSchema, Type } from 'typebox';
import { authenticate } from '../app/access/api-keys.ts';
import {
  idempotencyKeyLengthMax,
  idempotencyKeyPattern,
  type Reply,
  runIdempotent,
} from '../app/access/idempotency.ts';
import type { AppContext } from '../app/app-context.ts';
import type { Actor } from '../app/audit/audit-log.ts';
import type { ApiKeyRecord, Role, WriteTransaction } from '../app/ports.ts';
import { parseCalendarDate, toDayNumber } from '../domain/time/calendar-date.ts';
import { ProblemError, problem, problemContentType } from './problem.ts';
import type { ProblemCode } from './status-codes.ts';

export type RouteRoles = readonly Role[] | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    roles?: RouteRoles;
  }
  interface FastifyRequest {
    principal: ApiKeyRecord | null;
  }
}

export const jsonContentType = 'application/json; charset=utf-8';
export const pageLimitMax = 100;
export const pageLimitDefault = 10;

/**
 * Route options with the roles that may call it, also written into the OpenAPI operation so the
 * docs say who may call what.
 */
export function access<S extends Record<string, unknown>>(roles: RouteRoles, schema: S) {
  const who = roles === 'public' ? 'Public: no API key needed.' : `Roles: ${roles.join(', ')}.`;
  const description = typeof schema['description'] === 'string' ? `${schema['description']}\n\n${who}` : who;
  return {
    schema: {
      ...schema,
      description,
      'x-capstan-roles': roles === 'public' ? [] : [...roles],
      ...(roles === 'public' ? { security: [] } : {}),
    },
    config: { roles },
  };
}

/** onRequest: authenticate the bearer key and check the route's roles. */
export function authenticationHook(app: AppContext) {
  return async (request: FastifyRequest): Promise<void> => {
    request.principal = null;
    const roles = request.routeOptions.config.roles;
    if (roles === undefined || roles === 'public') return;
    const header = request.headers.authorization;
    if (header === undefined || header === '') {
      throw new ProblemError('api_key_missing', 'send your API key as `Authorization: Bearer <key>`');
    }
    const match = /^Bearer +(\S+)\s*$/i.exec(header);
    if (match === null)
      throw new ProblemError('api_key_invalid', 'the Authorization header must be `Bearer <key>`');
    const secret = match[1] as string;
    const key = await app.store.read((tx) => authenticate(tx, app.sha256, secret));
    if (key === undefined) throw new ProblemError('api_key_invalid', 'the API key is unknown or revoked');
    if (!roles.includes(key.role)) {
      throw new ProblemError(
        'role_not_allowed',
        `this endpoint is for ${roles.join(', ')} keys; yours is ${key.role}`,
      );
    }
    request.principal = key;
  };
}

/** Who makes a change the audit log records, and when: the request's key, now. */
export function actorOf(app: Pick<AppContext, 'clock'>, request: FastifyRequest): Actor {
  return { actor: principalOf(request).id, atMs: app.clock.nowNs() / 1_000_000n };
}

export function principalOf(request: FastifyRequest): ApiKeyRecord {
  if (request.principal === null) throw new Error('route declared public but reads the principal');
  return request.principal;
}

export function jsonReply(statusCode: number, body: unknown): Reply {
  return { statusCode, body: JSON.stringify(body) };
}

/**
 * An answer that shows a secret, once: replayed under its Idempotency-Key it shows `secret` null,
 * so no secret is kept with the stored answer (an API key's is kept only as a hash; a webhook
 * endpoint's signing secret only in the endpoint, and not once rotated out).
 */
export function secretReply<T extends { readonly secret: string }>(statusCode: number, body: T): Reply {
  return { statusCode, body: JSON.stringify(body), stored: JSON.stringify({ ...body, secret: null }) };
}

/** A secret in an answer: `null` when the answer is a replay (secretReply). */
export const ShownSecret = Type.Union([Type.String(), Type.Null()], {
  description:
    'shown in this answer only: null when it is replayed under its Idempotency-Key (no secret is kept with a stored answer; if the first answer was lost, revoke or rotate and ask again)',
});

export function problemReply(
  request: FastifyRequest,
  code: ProblemCode,
  detail: string,
  param?: string,
): Reply {
  const body = problem(code, detail, request.id, param);
  return { statusCode: body.status, body: JSON.stringify(body) };
}

export function send(reply: FastifyReply, result: Reply): FastifyReply {
  return reply
    .code(result.statusCode)
    .type(result.statusCode >= 400 ? problemContentType : jsonContentType)
    .send(result.body);
}

/** Sorted keys at every level, so two bodies that mean the same fingerprint the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A body left out and one sent empty are the same request, as a route whose fields are all optional
 * takes them: both fingerprint as no body, so a retry that sends `{}` where the first sent nothing
 * (or the reverse) is replayed, not refused as another request.
 */
function fingerprintedBody(body: unknown): unknown {
  const empty =
    typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0;
  return body === undefined || empty ? null : body;
}

/**
 * Runs a write in one transaction; with an Idempotency-Key header, the key, the work and the stored
 * response commit together, and a retry replays the response (marked `Idempotent-Replayed: true`).
 */
export async function write(
  app: AppContext,
  request: FastifyRequest,
  reply: FastifyReply,
  work: (tx: WriteTransaction) => Promise<Reply>,
): Promise<FastifyReply> {
  const header = request.headers['idempotency-key'];
  let idempotency = null;
  if (header !== undefined) {
    const key = Array.isArray(header) ? header.join(',') : header;
    if (key.length === 0 || key.length > idempotencyKeyLengthMax || !idempotencyKeyPattern.test(key)) {
      throw new ProblemError(
        'idempotency_key_invalid',
        `Idempotency-Key must be 1 to ${idempotencyKeyLengthMax} printable ASCII characters`,
      );
    }
    const fingerprint = app.sha256(
      canonicalJson([request.method, request.url, fingerprintedBody(request.body)]),
    );
    idempotency = { scope: principalOf(request).id, key, fingerprint };
  }
  const outcome = await runIdempotent(app.store, app.clock, idempotency, work);
  switch (outcome.kind) {
    case 'executed':
      return send(reply, outcome.reply);
    case 'replayed':
      reply.header('idempotent-replayed', 'true');
      return send(reply, outcome.reply);
    case 'key_reused':
      throw new ProblemError(
        'idempotency_key_reused',
        'this Idempotency-Key was used with a different request; use a new key for a new request',
      );
    case 'in_progress':
      throw new ProblemError(
        'idempotency_request_in_progress',
        'a request with this Idempotency-Key is still running',
      );
  }
}

const listQueryProperties = {
  limit: Type.Integer({ minimum: 1, maximum: pageLimitMax, default: pageLimitDefault }),
  starting_after: Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, description: 'id of the last item of the previous page' }),
  ),
};

/** Query parameters of a list: `limit`, `starting_after` and the list's own filters; nothing else. */
export function listQuery<P extends TProperties>(filters: P) {
  return Type.Object({ ...listQueryProperties, ...filters }, { additionalProperties: false });
}

export const ListQuery = listQuery({});

/** The body of a command that takes none: none, or `{}`; any field is refused as unknown. */
/** A YYYY-MM-DD parameter or field as a day number; one the calendar does not have is 400 parameter_invalid. */
export function dayParam(text: string, param: string): number {
  const date = parseCalendarDate(text);
  if (!date.ok) throw new ProblemError('parameter_invalid', `${param} must be a date, YYYY-MM-DD`, param);
  return toDayNumber(date.value);
}

export const NoBody = Type.Optional(Type.Object({}, { additionalProperties: false }));

export function listEnvelope(url: string, data: unknown[], hasMore: boolean) {
  return { object: 'list', url: url.split('?')[0], data, has_more: hasMore };
}

/** What a list asks its repository for: one more than `limit` (so `has_more` is known), after `starting_after`. */
export function pageAsked(query: { readonly limit: number; readonly starting_after?: string | undefined }) {
  const limit = query.limit + 1;
  return query.starting_after === undefined ? { limit } : { after: query.starting_after, limit };
}

/** A list's answer from the page `pageAsked` fetched: the first `limit` rows as `view` shows them. */
export function listReply<T>(
  url: string,
  rows: readonly T[],
  limit: number,
  view: (row: T) => unknown,
): Reply {
  return jsonReply(200, listEnvelope(url, rows.slice(0, limit).map(view), rows.length > limit));
}

export function listSchema(item: TSchema) {
  return Type.Object({
    object: Type.Literal('list'),
    url: Type.String(),
    data: Type.Array(item),
    has_more: Type.Boolean(),
  });
}

export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String(),
    detail: Type.String(),
    request_id: Type.String(),
    param: Type.Optional(Type.String()),
  },
  { description: 'RFC 9457 problem details' },
);
