/**
 * Credit-line draws over HTTP: the merchant (or the platform for it) asks to draw on an open line,
 * which reserves the money from the financier's pool; the platform confirms the payout or reports
 * that it failed (whose word that was goes in the audit log). The use cases are in
 * src/app/financing/credit-lines.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../app/app-context.ts';
import { recordAudit } from '../../app/audit/audit-log.ts';
import { type Draw, requestDraw, resolveDraw } from '../../app/financing/credit-lines.ts';
import { facilityInScope, platformScope } from '../merchant-scope.ts';
import { access, actorOf, jsonReply, NoBody, problemReply, write } from '../plumbing.ts';
import { DrawSchema } from '../schemas-financing.ts';
import { ledgerGuarded, today } from './financing.ts';

const DrawParams = Type.Object({ draw_id: Type.String({ minLength: 1, maxLength: 64 }) });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const DrawBody = Type.Object(
  {
    amount: Type.String({ pattern: '^[1-9][0-9]{0,17}$', description: 'minor units of the line’s currency' }),
    reference: Type.String({
      pattern: '^[A-Za-z0-9_.-]{1,28}$',
      description: 'the caller’s name for the draw: the same reference again answers the same draw',
    }),
  },
  { additionalProperties: false },
);

function drawView(draw: Draw) {
  return {
    object: 'draw',
    id: draw.drawId,
    facility_id: draw.facilityId,
    reference: draw.reference,
    amount: draw.amountMinor.toString(),
    currency: draw.currency,
    status: draw.status,
    available: draw.availableMinor.toString(),
    replayed: draw.replayed,
  };
}

export function creditLineRoutes(app: AppContext): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.post(
      '/v1/facilities/:id/draws',
      access(['operator', 'platform', 'merchant'], {
        summary: 'Draw on an open credit line: the amount is reserved until the payout is confirmed',
        description: `At most what is available (the limit less the principal owed and draws pending: 422 credit_line_limit_exceeded); a line that is not current or whose collections are paused, or of a merchant behind on another facility (past due, defaulted, written off), answers 409 draws_suspended. The same \`reference\` and amount again answer the same draw with \`replayed: true\`; the reference with another amount is 409 draw_reference_reused. A merchant key draws on its own lines only. ${platformScope}`,
        tags: ['financing'],
        params: IdParams,
        body: DrawBody,
        response: { 200: DrawSchema, 201: DrawSchema },
      }),
      async (request, reply) => {
        const facility = await facilityInScope(app, request, request.params.id);
        return write(app, request, reply, (tx) =>
          ledgerGuarded(async () => {
            const drawn = await requestDraw(tx, app, {
              facilityId: facility.id,
              merchantId: facility.merchantId,
              amountMinor: BigInt(request.body.amount),
              reference: request.body.reference,
              day: today(app),
            });
            if (!drawn.ok)
              return problemReply(
                request,
                drawn.code,
                drawn.detail ?? drawn.code,
                drawn.code === 'credit_line_limit_exceeded' || drawn.code === 'amount_invalid'
                  ? 'amount'
                  : drawn.code === 'draw_reference_reused'
                    ? 'reference'
                    : undefined,
              );
            return jsonReply(drawn.value.replayed ? 200 : 201, drawView(drawn.value));
          }),
        );
      },
    );

    for (const outcome of ['confirm', 'void'] as const)
      server.post(
        `/v1/draws/:draw_id/${outcome}`,
        access(['operator', 'platform'], {
          summary:
            outcome === 'confirm'
              ? 'The draw was paid out: post the reservation; the line owes it from today'
              : 'The draw’s payout failed: release the reservation',
          description: `Resolving a draw the same way again answers it with \`replayed: true\`; the other way answers 409 draw_not_pending, as does confirming a draw the daily cycle voided, not confirmed within \`disbursementDeadlineDays\` of the offering settings (7 by default). ${platformScope}`,
          tags: ['financing'],
          params: DrawParams,
          ...(outcome === 'void'
            ? {
                body: Type.Object(
                  { reason: Type.String({ minLength: 1, maxLength: 500 }) },
                  { additionalProperties: false },
                ),
              }
            : { body: NoBody }),
          response: { 200: DrawSchema },
        }),
        async (request, reply) => {
          const drawId = request.params.draw_id;
          const facilityId = drawId.slice(0, Math.max(0, drawId.lastIndexOf(':dr:')));
          await facilityInScope(app, request, facilityId, {
            code: 'draw_not_found',
            detail: `no draw ${drawId}`,
          });
          const reason = (request.body as { reason?: string } | undefined)?.reason;
          return write(app, request, reply, (tx) =>
            ledgerGuarded(async () => {
              const resolved = await resolveDraw(tx, app, {
                drawId,
                outcome: outcome === 'confirm' ? 'post' : 'void',
                day: today(app),
                ...(reason === undefined ? {} : { reason }),
              });
              if (!resolved.ok) return problemReply(request, resolved.code, resolved.detail ?? resolved.code);
              // Resolved so before (a retry), it changed nothing now: nothing to record.
              const draw = resolved.value;
              if (!draw.replayed)
                await recordAudit(
                  tx,
                  actorOf(app, request),
                  outcome === 'confirm' ? 'facility.draw_confirmed' : 'facility.draw_voided',
                  draw.facilityId,
                  {
                    drawId: draw.drawId,
                    amount: draw.amountMinor.toString(),
                    currency: draw.currency,
                    ...(reason === undefined ? {} : { reason }),
                  },
                );
              return jsonReply(200, drawView(draw));
            }),
          );
        },
      );
  };
}
