/** Health, the OpenAPI document and the API docs page: public, no key needed. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../app/app-context.ts';
import { renderDocsPage } from '../docs-page.ts';
import { access, jsonReply, ProblemSchema, problemReply, send } from '../plumbing.ts';

/** The document's own outline; what is in it is OpenAPI 3.1's to define. */
const OpenapiDocumentSchema = Type.Object(
  {
    openapi: Type.Literal('3.1.0'),
    info: Type.Object({ title: Type.String(), version: Type.String(), description: Type.String() }),
    components: Type.Record(Type.String(), Type.Unknown()),
    paths: Type.Record(Type.String(), Type.Unknown(), { description: 'every operation of the API' }),
    security: Type.Array(Type.Record(Type.String(), Type.Array(Type.String()))),
  },
  { description: 'This API, as an OpenAPI 3.1 document' },
);

export function systemRoutes(app: AppContext, version: string): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.get(
      '/health',
      access('public', {
        summary: 'Is the engine up and its database reachable?',
        tags: ['system'],
        response: {
          200: Type.Object({ status: Type.Literal('ok'), version: Type.String(), backend: Type.String() }),
          503: ProblemSchema,
        },
      }),
      async (request, reply) => {
        try {
          await app.store.read((tx) => tx.ledger.head());
        } catch (error) {
          request.log.error({ err: error }, 'health check: database unreachable');
          return send(reply, problemReply(request, 'service_unavailable', 'the database is unreachable'));
        }
        return send(reply, jsonReply(200, { status: 'ok', version, backend: app.store.backend }));
      },
    );
    server.get(
      '/openapi.json',
      access('public', {
        summary: 'This API as an OpenAPI 3.1 document',
        tags: ['system'],
        response: { 200: OpenapiDocumentSchema },
      }),
      async (_request, reply) => send(reply, jsonReply(200, server.swagger())),
    );
    server.get(
      '/docs',
      access('public', {
        summary: 'This API, as a page to read',
        tags: ['system'],
        response: {
          200: { description: 'The API docs page', content: { 'text/html': { schema: Type.String() } } },
        },
      }),
      async (_request, reply) =>
        reply
          .type('text/html; charset=utf-8')
          .send(renderDocsPage(server.swagger() as unknown as Record<string, unknown>)),
    );
  };
}
