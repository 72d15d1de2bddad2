/**
 * What every operation of the OpenAPI document shares, added once over what the routes declare:
 * every error is an RFC 9457 problem (`application/problem+json`, one `Problem` schema whose `code`
 * lists every code the API answers), so each operation documents its 4XX and 5XX answers as one;
 * and every POST that writes takes an `Idempotency-Key` (a preview, which writes nothing, says so
 * with `x-capstan-reads-only`). A body whose fields are all optional is not required, as the server
 * takes none as `{}` (a settings change, which must be sent, says so with `x-capstan-body-required`).
 */
import { idempotencyKeyLengthMax, idempotencyKeyPattern } from '../app/access/idempotency.ts';
import { statusByCode } from './status-codes.ts';
import { bodyMayBeLeftOut } from './validation.ts';

type Json = Record<string, unknown>;

const problemRef = { $ref: '#/components/responses/Problem' };
const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

const problemSchema = {
  type: 'object',
  description: 'RFC 9457 problem details: `code` is the machine code, `param` the field it is about',
  required: ['type', 'title', 'status', 'code', 'detail', 'request_id'],
  properties: {
    type: { type: 'string', description: '`/docs#error-<code>`: where the code is explained' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string', enum: Object.keys(statusByCode).sort() },
    detail: { type: 'string', description: 'what was wrong, for a person' },
    request_id: { type: 'string', description: 'the `Request-Id` header of the answer' },
    param: { type: 'string', description: 'the request field the problem is about' },
  },
};

const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: the first answer is stored with the write, in the same transaction, and a retry with the same key and request replays it (header `Idempotent-Replayed: true`); the same key with another request answers 409 idempotency_key_reused.',
  schema: {
    type: 'string',
    minLength: 1,
    maxLength: idempotencyKeyLengthMax,
    pattern: idempotencyKeyPattern.source,
  },
};

const idempotencyKeyRef = '#/components/parameters/IdempotencyKey';

/** What a `#/…` reference names in the document (followed through references), else the value itself. */
export function resolveRef(document: object, value: unknown): Json {
  const ref = (value as Json | null)?.['$ref'];
  if (typeof ref !== 'string' || !ref.startsWith('#/')) return value as Json;
  const named = ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, part) => (node as Json | undefined)?.[part], document);
  return named === undefined ? (value as Json) : resolveRef(document, named);
}

const methods = ['get', 'put', 'post', 'delete', 'patch'] as const;

const successWords: Readonly<Record<string, string>> = {
  '200': 'OK',
  '201': 'Created',
};

function withProblems(responses: Json): Json {
  const out: Json = {};
  for (const [status, response] of Object.entries(responses)) {
    const isError = /^[45]/.test(status);
    const description = (response as Json)['description'];
    if (isError) out[status] = { description: description ?? 'A problem', content: problemContent };
    // @fastify/swagger names every answer "Default Response"; a success says what it is.
    else if (description === 'Default Response')
      out[status] = { ...(response as Json), description: successWords[status] ?? 'Success' };
    else out[status] = response;
  }
  out['4XX'] ??= problemRef;
  out['5XX'] ??= problemRef;
  return out;
}

/** The document as @fastify/swagger built it, with the problems and idempotency every operation shares. */
export function completeOpenapiDocument<T extends object>(document: T): T {
  const doc = document as Json;
  const components = (doc['components'] ?? {}) as Json;
  doc['components'] = {
    ...components,
    schemas: { ...((components['schemas'] as Json | undefined) ?? {}), Problem: problemSchema },
    responses: {
      ...((components['responses'] as Json | undefined) ?? {}),
      Problem: {
        description: 'A problem (RFC 9457): the status and `code` say which',
        content: problemContent,
      },
    },
    parameters: {
      ...((components['parameters'] as Json | undefined) ?? {}),
      IdempotencyKey: idempotencyKey,
    },
  };
  for (const item of Object.values((doc['paths'] ?? {}) as Record<string, Json>)) {
    for (const method of methods) {
      const operation = item[method] as Json | undefined;
      if (operation === undefined) continue;
      operation['responses'] = withProblems((operation['responses'] ?? {}) as Json);
      const readsOnly = operation['x-capstan-reads-only'] === true;
      delete operation['x-capstan-reads-only'];
      const bodyRequired = operation['x-capstan-body-required'] === true;
      delete operation['x-capstan-body-required'];
      const requestBody = operation['requestBody'] as Json | undefined;
      const bodySchema = (
        (requestBody?.['content'] as Json | undefined)?.['application/json'] as Json | undefined
      )?.['schema'];
      if (requestBody !== undefined && !bodyRequired && bodySchema !== undefined)
        requestBody['required'] = !bodyMayBeLeftOut(bodySchema as Json);
      const parameters = (operation['parameters'] as Json[] | undefined) ?? [];
      if (method === 'post' && !readsOnly && !parameters.some((p) => p['$ref'] === idempotencyKeyRef))
        operation['parameters'] = [...parameters, { $ref: idempotencyKeyRef }];
    }
  }
  return document;
}
