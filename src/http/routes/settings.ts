/**
 * GET and PUT /v1/settings/{name} for a named set of operator settings
 * (src/app/settings/stored-settings.ts): the settings in force, and a change of the fields given,
 * checked as a whole (400 settings_invalid naming every bad field) and recorded in the audit log
 * (GET /v1/audit_log) with the key that made it.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../app/app-context.ts';
import { toTaggedJson } from '../../app/risk/tagged-json.ts';
import { loadSettings, type SettingsKind, updateSettings } from '../../app/settings/stored-settings.ts';
import { access, jsonReply, principalOf, problemReply, send } from '../plumbing.ts';
import { settingsSchema } from '../schemas-risk.ts';

/** `{"$bigint":"…"}`, as GET writes amounts, read as its decimal string — within objects too. */
function untagAmounts(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  const entries = Object.entries(value);
  const [only] = entries;
  if (entries.length === 1 && only?.[0] === '$bigint' && typeof only[1] === 'string') return only[1];
  return Object.fromEntries(entries.map(([key, inner]) => [key, untagAmounts(inner)]));
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
  };
}
