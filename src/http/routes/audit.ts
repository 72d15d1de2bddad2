/**
 * GET /v1/audit_log (operators): the changes made by a key's (or a command's) word, newest first,
 * with who made them and what they changed (src/app/audit/audit-log.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../app/app-context.ts';
import { auditActions } from '../../app/audit/audit-log.ts';
import type { AuditEntry } from '../../app/ports.ts';
import { access, jsonReply, listEnvelope, listQuery, listSchema, send } from '../plumbing.ts';
import { ProblemError } from '../problem.ts';
import { isoFromMs } from '../views.ts';

const subjectTypes = [...new Set(auditActions.map((action) => action.slice(0, action.indexOf('.'))))];

export const AuditEntrySchema = Type.Object({
  object: Type.Literal('audit_entry'),
  id: Type.String({ description: '`aud_<sequence>`: entries are numbered in the order written' }),
  at: Type.String({ format: 'date-time' }),
  actor: Type.String({
    description: 'the id of the API key that made the change (of any role), or `cli` for a command',
  }),
  action: Type.String({ enum: [...auditActions] }),
  subject_type: Type.String({ enum: subjectTypes }),
  subject_id: Type.String({
    description:
      'the settings set, key, merchant, model, endpoint, quarantine entry, facility or pool (`fin_…:USD`) changed',
  }),
  detail: Type.Record(Type.String(), Type.Unknown(), {
    description:
      'what changed: a settings change each field `{from, to}` (as GET answers them); a flag its reason; …',
  }),
});

const AuditQuery = listQuery({
  subject_type: Type.Optional(Type.String({ enum: subjectTypes })),
  subject_id: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  action: Type.Optional(Type.String({ enum: [...auditActions] })),
});

export function entryView(entry: AuditEntry) {
  return {
    object: 'audit_entry',
    id: `aud_${entry.sequence}`,
    at: isoFromMs(entry.atMs),
    actor: entry.actor,
    action: entry.action,
    subject_type: entry.subjectType,
    subject_id: entry.subjectId,
    detail: JSON.parse(entry.detailJson),
  };
}

export function auditRoutes(app: AppContext): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.get(
      '/v1/audit_log',
      access(['operator'], {
        summary: 'The audit log: each change made by a key or a command, with who made it, newest first',
        description: `Each change a key (or a command) made by its holder's word — settings, API keys, merchant flags and consents, the champion model, webhook endpoints, the quarantine, a pool's funding, a facility's collections paused or resumed and its payouts confirmed or voided — written in the transaction that made it: when, by which key, and what it changed. A request that changes nothing (a key revoked again, the settings in force sent again) or is refused is not listed. Filter by \`subject_type\`, \`subject_id\` and \`action\` (${auditActions.join(', ')}). Paginated like every list: \`limit\` (1–100, default 10) and \`starting_after\` (the id of the last entry of the previous page).`,
        tags: ['audit'],
        querystring: AuditQuery,
        response: { 200: listSchema(AuditEntrySchema) },
      }),
      async (request, reply) => {
        const { limit, starting_after: after, subject_type, subject_id, action } = request.query;
        const sequence = after === undefined ? undefined : /^aud_([1-9][0-9]{0,17})$/.exec(after)?.[1];
        if (after !== undefined && sequence === undefined)
          throw new ProblemError('starting_after_not_found', `no audit entry ${after}`, 'starting_after');
        const entries = await app.store.read(async (tx) => {
          // The entry named must be one, as a model or an account entry must (docs/api.md#pagination).
          if (sequence !== undefined) {
            const [named] = await tx.risk.auditLog({}, { beforeSequence: BigInt(sequence) + 1n, limit: 1 });
            if (named?.sequence !== BigInt(sequence))
              throw new ProblemError('starting_after_not_found', `no audit entry ${after}`, 'starting_after');
          }
          return tx.risk.auditLog(
            {
              ...(subject_type === undefined ? {} : { subjectType: subject_type }),
              ...(subject_id === undefined ? {} : { subjectId: subject_id }),
              ...(action === undefined ? {} : { action }),
            },
            { ...(sequence === undefined ? {} : { beforeSequence: BigInt(sequence) }), limit: limit + 1 },
          );
        });
        const data = entries.slice(0, limit).map(entryView);
        return send(reply, jsonReply(200, listEnvelope(request.url, data, entries.length > limit)));
      },
    );
  };
}
