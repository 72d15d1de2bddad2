/** API keys: issue (shown once), list, read and revoke. Operators only. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { apiKeyNameLengthMax, issueApiKey, revokeApiKey } from '../../app/access/api-keys.ts';
import type { AppContext } from '../../app/app-context.ts';
import { recordAudit } from '../../app/audit/audit-log.ts';
import {
  access,
  actorOf,
  jsonReply,
  ListQuery,
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
import { apiKeyView } from '../views.ts';

export const ApiKeySchema = Type.Object({
  object: Type.Literal('api_key'),
  id: Type.String(),
  role: Type.String(),
  object_id: Type.Union([Type.String(), Type.Null()]),
  name: Type.String(),
  secret_prefix: Type.String({ description: 'the first characters of the secret, to recognise it' }),
  created_at: Type.String(),
  revoked_at: Type.Union([Type.String(), Type.Null()]),
});

const IssueBody = Type.Object(
  {
    role: Type.Union([
      Type.Literal('operator'),
      Type.Literal('financier'),
      Type.Literal('merchant'),
      Type.Literal('platform'),
    ]),
    object_id: Type.Optional(
      Type.String({
        maxLength: 64,
        description: 'the platform (plt_…), financier (fin_…) or merchant (mer_…) the key acts for',
      }),
    ),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: apiKeyNameLengthMax })),
  },
  { additionalProperties: false },
);

const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export function apiKeyRoutes(app: AppContext): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.post(
      '/v1/api_keys',
      access(['operator'], {
        summary: 'Issue an API key',
        description:
          'Issues a key for a role, bound to the object it acts for. The secret is in this response only; Capstan keeps a hash.',
        tags: ['api keys'],
        body: IssueBody,
        response: {
          200: Type.Intersect([ApiKeySchema, Type.Object({ secret: ShownSecret })]),
          400: ProblemSchema,
        },
      }),
      async (request, reply) =>
        write(app, request, reply, async (tx) => {
          const issued = await issueApiKey(tx, app, {
            role: request.body.role,
            objectId: request.body.object_id ?? null,
            name: request.body.name ?? `${request.body.role} key`,
          });
          if (!issued.ok)
            return problemReply(request, issued.code, issued.detail ?? issued.code, 'object_id');
          const { key } = issued.value;
          await recordAudit(tx, actorOf(app, request), 'api_key.issued', key.id, {
            role: key.role,
            objectId: key.objectId,
            name: key.name,
          });
          return secretReply(200, { ...apiKeyView(issued.value.key), secret: issued.value.secret });
        }),
    );

    server.get(
      '/v1/api_keys',
      access(['operator'], {
        summary: 'List API keys',
        tags: ['api keys'],
        querystring: ListQuery,
        response: { 200: listSchema(ApiKeySchema) },
      }),
      async (request, reply) => {
        const keys = await app.store.read((tx) => tx.apiKeys.list(pageAsked(request.query)));
        return send(reply, listReply(request.url, keys, request.query.limit, apiKeyView));
      },
    );

    server.get(
      '/v1/api_keys/:id',
      access(['operator'], {
        summary: 'Retrieve an API key',
        tags: ['api keys'],
        params: IdParams,
        response: { 200: ApiKeySchema, 404: ProblemSchema },
      }),
      async (request, reply) => {
        const key = await app.store.read((tx) => tx.apiKeys.byId(request.params.id));
        if (key === undefined) throw new ProblemError('api_key_not_found', `no API key ${request.params.id}`);
        return send(reply, jsonReply(200, apiKeyView(key)));
      },
    );

    server.delete(
      '/v1/api_keys/:id',
      access(['operator'], {
        summary: 'Revoke an API key',
        description:
          'The key stops working at once. Revoking a revoked key answers it again. The last operator key cannot be revoked.',
        tags: ['api keys'],
        params: IdParams,
        response: { 200: ApiKeySchema, 404: ProblemSchema, 409: ProblemSchema },
      }),
      async (request, reply) => {
        const result = await app.store.write((tx) =>
          revokeApiKey(tx, app, request.params.id, actorOf(app, request)),
        );
        if (!result.ok) return send(reply, problemReply(request, result.code, result.detail ?? result.code));
        return send(reply, jsonReply(200, apiKeyView(result.value)));
      },
    );
  };
}
