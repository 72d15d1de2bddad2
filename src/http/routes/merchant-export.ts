/**
 * GET /v1/merchants/{id}/export: everything Capstan holds about a merchant, as one JSON document
 * (src/http/merchant-export-document.ts), for an operator answering a subject-access or portability
 * request, or the merchant itself.
 *
 * The document is read in one read transaction, so it is one consistent snapshot, and written to a
 * temporary file as it is read; only then, the transaction over, is the file sent. A client reading
 * slowly then holds a file open, not the transaction — on SQLite every read of the process takes
 * turns on one connection, and a transaction kept open for as long as a slow download would hold up
 * every other request's, its authentication included — and the server never holds the whole
 * document in memory.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../app/app-context.ts';
import { merchantHeld } from '../../app/privacy/merchant-export.ts';
import { merchantIdPattern } from '../../ingest/event-schemas.ts';
import { MerchantExportSchema, merchantExportDocument } from '../merchant-export-document.ts';
import { actFor } from '../merchant-scope.ts';
import { access, jsonContentType, ProblemSchema, principalOf } from '../plumbing.ts';
import { ProblemError } from '../problem.ts';

export function merchantExportRoutes(app: AppContext): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.get(
      '/v1/merchants/:id/export',
      access(['operator', 'merchant'], {
        summary: 'Everything Capstan holds about a merchant, as one JSON document',
        description:
          "For a subject-access or data-portability request: the platforms it belongs to, its profile as ingested, consents, flags, API keys, features, the feature store's daily sums, every event accepted about it, its decisions with their inputs, offers with their disclosures and acceptances, facilities with their schedules, balances, whole histories and statement lines, the payouts swept, and the audit log's entries about it, its keys and its facilities — one snapshot, read in one transaction. `not_included` names what it leaves out and why (webhook deliveries, which are the platform's). Not paged, and not limited in size: it is written to a temporary file on the server as it is read, then sent with its `Content-Length`. Finding the merchant's events reads the whole inbox once (it has no index by merchant), so it takes longer as the inbox grows, whatever the merchant's own share. A merchant key exports its own merchant only (any other answers 404 merchant_not_found), without the flags an operator set on it or their audit entries (fraud-prevention information; `not_included` says so); an id Capstan holds nothing about answers 404 merchant_not_found.",
        tags: ['merchants'],
        params: Type.Object({ id: Type.String({ pattern: merchantIdPattern }) }),
        querystring: Type.Object({}, { additionalProperties: false }),
        response: {
          200: {
            description: 'The export (schema_version 1), as an attachment',
            content: { 'application/json': { schema: MerchantExportSchema } },
          },
          404: ProblemSchema,
        },
      }),
      async (request, reply) => {
        const merchantId = request.params.id;
        await actFor(app, request, merchantId);
        const directory = await mkdtemp(join(tmpdir(), 'capstan-export-'));
        const path = join(directory, 'export.json');
        const discard = () => rm(directory, { recursive: true, force: true });
        try {
          const held = await app.store.read(async (tx) => {
            if (!(await merchantHeld(tx, merchantId))) return false;
            await pipeline(
              Readable.from(
                merchantExportDocument(
                  tx,
                  app,
                  merchantId,
                  principalOf(request).role === 'operator' ? 'operator' : 'merchant',
                ),
              ),
              createWriteStream(path),
            );
            return true;
          });
          if (!held)
            throw new ProblemError(
              'merchant_not_found',
              principalOf(request).role === 'operator'
                ? `no merchant ${merchantId}: Capstan holds nothing about it`
                : `no merchant ${merchantId} for this key`,
            );
          const { size } = await stat(path);
          const body = createReadStream(path);
          // Sent, or the client gone: either way the file has served its purpose.
          body.once('close', () => void discard());
          // A stream, which the route's schema (the document's shape) does not type.
          const untyped: FastifyReply = reply;
          return untyped
            .code(200)
            .type(jsonContentType)
            .header('content-length', size)
            .header('content-disposition', `attachment; filename="${merchantId}-export.json"`)
            .send(body);
        } catch (error) {
          await discard();
          throw error;
        }
      },
    );
  };
}
