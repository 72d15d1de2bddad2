/**
 * GET and PUT /v1/settings/{name} for a named set of operator settings
 * (src/app/settings/stored-settings.ts): the settings in force, and a change of the fields given,
 * checked as a whole (400 settings_invalid naming every bad field); GET /v1/settings/{name}/changes,
 * every change made, newest first: when, by which key, each field from what to what.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../app/app-context.ts';
import type { SettingsChangeRow } from '../../app/ports.ts';
import { toTaggedJson } from '../../app/risk/tagged-json.ts';
import { loadSettings, type SettingsKind, updateSettings } from '../../app/settings/stored-settings.ts';
import {
  access,
  jsonReply,
  ListQuery,
  listEnvelope,
  listSchema,
  principalOf,
  problemReply,
  send,
} from '../plumbing.ts';
import { ProblemError } from '../problem.ts';
import { settingsSchema } from '../schemas-risk.ts';
import { isoFromMs } from '../views.ts';

/** `{"$bigint":"…"}`, as GET writes amounts, read as its decimal string — within objects too. */
function untagAmounts(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const entries = Object.entries(value);
  const [only] = entries;
  if (entries.length === 1 && only?.[0] === '$bigint' && typeof only[1] === 'string') return only[1];
  return Object.fromEntries(entries.map(([key, inner]) => [key, untagAmounts(inner)]));
}

const SettingsChange = Type.Object({
  object: Type.Literal('settings_change'),
  id: Type.String({ description: '`setchg_<settings>_<sequence>`' }),
  settings: Type.String({ description: 'the set changed' }),
  sequence: Type.Integer({ description: '1, 2, 3, … within the set' }),
  changed_at: Type.String({ format: 'date-time' }),
  changed_by: Type.String({ description: 'the id of the API key that made the change' }),
  changes: Type.Record(
    Type.String(),
    Type.Object({
      from: Type.Unknown({ description: 'the value in force before, as GET answered it' }),
      to: Type.Unknown({ description: 'the value in force after' }),
    }),
    { description: 'each field whose value changed' },
  ),
});

function changeView(row: SettingsChangeRow) {
  return {
    object: 'settings_change',
    id: `setchg_${row.name}_${row.sequence}`,
    settings: row.name,
    sequence: Number(row.sequence),
    changed_at: isoFromMs(row.changedAtMs),
    changed_by: row.changedBy,
    changes: JSON.parse(row.changesJson),
  };
}

export function settingsRoutes<T>(
  app: AppContext,
  kind: SettingsKind<T>,
  docs: { readonly what: string; readonly tag: string; readonly fields: string },
): FastifyPluginAsyncTypebox {
  const path = `/v1/settings/${kind.name}`;
  const answer = settingsSchema(kind);
  return async (server) => {
    server.get(
      path,
      access(['operator'], {
        summary: `The ${docs.what} in force`,
        tags: [docs.tag],
        response: { 200: answer },
      }),
      async (_request, reply) =>
        send(
          reply,
          jsonReply(200, JSON.parse(toTaggedJson(await app.store.read((tx) => loadSettings(tx, kind))))),
        ),
    );

    server.put(
      path,
      access(['operator'], {
        summary: `Change ${docs.what} (only the fields given)`,
        description: `${docs.fields} A change is checked over the settings in force and refused as a whole (400 settings_invalid) naming every bad field.`,
        tags: [docs.tag],
        body: Type.Object({}, { additionalProperties: true }),
        // The body is the change: none is refused below, though its fields are all optional.
        'x-capstan-body-required': true,
        response: { 200: answer },
      }),
      async (request, reply) => {
        // The validator lets a body whose fields are all optional be left out (or sent as null):
        // here the body is the change, so there must be one.
        const body = request.body as Record<string, unknown> | null | undefined;
        if (body === null || body === undefined)
          return send(reply, problemReply(request, 'parameter_invalid', 'field body must be object', 'body'));
        const changes = Object.fromEntries(
          Object.entries(body).map(([key, value]) => [key, untagAmounts(value)]),
        );
        const changedBy = principalOf(request).id;
        const result = await app.store.write((tx) =>
          updateSettings(tx, kind, app.clock.nowNs(), changes, changedBy),
        );
        if (!result.ok) {
          const [only, ...more] = result.fields;
          const param = only !== undefined && only !== '' && more.length === 0 ? only : undefined;
          return send(reply, problemReply(request, result.code, result.detail ?? result.code, param));
        }
        return send(reply, jsonReply(200, JSON.parse(toTaggedJson(result.value))));
      },
    );

    const changeId = new RegExp(`^setchg_${kind.name}_([1-9][0-9]{0,17})$`);
    server.get(
      `${path}/changes`,
      access(['operator'], {
        summary: `Every change of the ${docs.what}, newest first`,
        description:
          'Each change that changed a value: when, by which API key, and each field it changed, from what to what (values as GET answers them). A change that sends the values in force changes nothing and is not listed. Paginated like every list: `limit` (1–100, default 10) and `starting_after` (the id of the last change of the previous page).',
        tags: [docs.tag],
        querystring: ListQuery,
        response: { 200: listSchema(SettingsChange) },
      }),
      async (request, reply) => {
        const { limit, starting_after: after } = request.query;
        const sequence = after === undefined ? undefined : changeId.exec(after)?.[1];
        if (after !== undefined && sequence === undefined)
          throw new ProblemError(
            'starting_after_not_found',
            `no change ${after} of the ${docs.what}`,
            'starting_after',
          );
        const rows = await app.store.read((tx) =>
          tx.risk.settingsChanges(kind.name, {
            ...(sequence === undefined ? {} : { beforeSequence: BigInt(sequence) }),
            limit: limit + 1,
          }),
        );
        const data = rows.slice(0, limit).map(changeView);
        return send(reply, jsonReply(200, listEnvelope(request.url, data, rows.length > limit)));
      },
    );
  };
}
