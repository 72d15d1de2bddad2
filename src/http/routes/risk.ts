/**
 * Consent (merchants, for themselves), decisions, merchant flags, the model registry and the
 * decision settings (operators).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppContext } from '../../app/app-context.ts';
import { lockAuditedChanges, recordAudit } from '../../app/audit/audit-log.ts';
import { withdrawOpenOffers } from '../../app/financing/origination.ts';
import { knownMerchant } from '../../app/financing/reports.ts';
import type { ReadTransaction } from '../../app/ports.ts';
import { grantConsent, listConsents, recordConsentGranted, revokeConsent } from '../../app/risk/consents.ts';
import { decisionCacheOf } from '../../app/risk/decision-cache.ts';
import {
  currentModels,
  type Decided,
  gatherInputs,
  parseRecord,
  storeDecisions,
} from '../../app/risk/decisions.ts';
import { merchantFlags } from '../../app/risk/fraud-flag.ts';
import { changeModel, promoteModel, refusedChampion, retireModel } from '../../app/risk/models.ts';
import { modelStability } from '../../app/risk/stability.ts';
import { type Consent, consentPurposes, dataSources } from '../../domain/consent/consent.ts';
import type { StabilityLine } from '../../domain/risk/stability.ts';
import { fromDayNumber, parseCalendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';
import { dayNumberOfInstant, parseDateTime } from '../../domain/time/instant.ts';
import { actFor, mayActFor, platformScope } from '../merchant-scope.ts';
import {
  access,
  actorOf,
  jsonReply,
  ListQuery,
  listEnvelope,
  NoBody,
  ProblemSchema,
  problemReply,
  send,
  write,
} from '../plumbing.ts';
import { ProblemError } from '../problem.ts';
import {
  ConsentListSchema,
  ConsentSchema,
  DecisionReadSchema,
  DecisionSchema,
  MerchantFlaggedSchema,
  MerchantFlagsSchema,
  ModelChangedSchema,
  ModelListSchema,
  ModelStabilitySchema,
} from '../schemas-risk.ts';
import { isoFromMs } from '../views.ts';

const MerchantId = Type.String({ pattern: '^mer_[A-Za-z0-9_-]{1,60}$' });
const MerchantParams = Type.Object({ id: MerchantId });
const Flag = Type.Union(
  merchantFlags.map((flag) => Type.Literal(flag)),
  { description: merchantFlags.join(', ') },
);

/**
 * A merchant's flags are set and cleared only on a merchant Capstan knows (a platform sent an event
 * about it, or it has a facility), as a statement or a payout names one: a mistyped id was flagged,
 * and recorded in the audit log, as if it were a merchant. Thrown inside the write: nothing of the
 * request is kept, an Idempotency-Key included.
 */
async function refuseUnknownMerchant(tx: ReadTransaction, merchantId: string): Promise<void> {
  if (!(await knownMerchant(tx, merchantId)))
    throw new ProblemError(
      'merchant_not_found',
      `no merchant ${merchantId}: no platform has sent an event about it and it has no facility`,
    );
}

export function consentView(consent: Consent) {
  return {
    object: 'consent',
    id: consent.id,
    merchant_id: consent.merchantId,
    purpose: consent.purpose,
    data_sources: consent.dataSources,
    granted_at: isoFromMs(consent.grantedAtMs),
    expires_at: isoFromMs(consent.expiresAtMs),
    revoked_at: consent.revokedAtMs === null ? null : isoFromMs(consent.revokedAtMs),
  };
}

export function riskRoutes(app: AppContext): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.post(
      '/v1/merchants/:id/consents',
      access(['merchant'], {
        summary: 'Grant consent to use named data for a purpose, until an expiry',
        tags: ['consent'],
        params: MerchantParams,
        body: Type.Object(
          {
            purpose: Type.Union(consentPurposes.map((p) => Type.Literal(p))),
            data_sources: Type.Array(Type.Union(dataSources.map((s) => Type.Literal(s))), {
              minItems: 1,
              uniqueItems: true,
            }),
            expires_at: Type.String({ description: 'RFC 3339 date-time' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: ConsentSchema, 400: ProblemSchema },
      }),
      async (request, reply) => {
        await actFor(app, request, request.params.id);
        const expires = parseDateTime(request.body.expires_at);
        if (expires === null)
          throw new ProblemError(
            'parameter_invalid',
            'expires_at must be an RFC 3339 date-time',
            'expires_at',
          );
        return write(app, request, reply, async (tx) => {
          const granted = await grantConsent(tx, app, request.params.id, {
            purpose: request.body.purpose,
            dataSources: request.body.data_sources,
            expiresAtMs: expires.timeNs / 1_000_000n,
          });
          if (!granted.ok)
            return problemReply(
              request,
              'consent_invalid',
              granted.detail ?? granted.code,
              granted.code === 'purpose_unknown'
                ? 'purpose'
                : granted.code === 'data_sources_invalid'
                  ? 'data_sources'
                  : 'expires_at',
            );
          await recordConsentGranted(tx, actorOf(app, request), granted.value);
          return jsonReply(200, consentView(granted.value));
        });
      },
    );

    server.get(
      '/v1/merchants/:id/consents',
      access(['merchant', 'operator'], {
        summary: "A merchant's consents",
        tags: ['consent'],
        params: MerchantParams,
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: ConsentListSchema },
      }),
      async (request, reply) => {
        await actFor(app, request, request.params.id);
        const consents = await app.store.read((tx) => listConsents(tx, request.params.id));
        return send(
          reply,
          jsonReply(200, {
            object: 'list',
            url: request.url.split('?')[0],
            data: consents.map(consentView),
            has_more: false,
          }),
        );
      },
    );

    server.delete(
      '/v1/merchants/:id/consents/:consent_id',
      access(['merchant', 'operator'], {
        summary: 'Revoke a consent',
        description:
          "From now on no decision relies on it, and with no active consent left no offers are made or accepted (409 consent_missing); decisions already made keep the consent they relied on. In the same transaction the merchant's open offers worked out under it are withdrawn (offer.withdrawn, reason consent_revoked) unless another active consent names all the data it did; a consent given later does not open them again. A merchant key may revoke its own consents only; an operator any merchant's (for instance when the merchant asks support to).",
        tags: ['consent'],
        params: Type.Object({
          id: Type.String({ maxLength: 64 }),
          consent_id: Type.String({ maxLength: 64 }),
        }),
        response: { 200: ConsentSchema },
      }),
      async (request, reply) => {
        await actFor(app, request, request.params.id);
        const result = await app.store.write((tx) =>
          revokeConsent(tx, app, request.params.id, request.params.consent_id, actorOf(app, request)),
        );
        if (!result.ok) return send(reply, problemReply(request, result.code, result.detail ?? result.code));
        return send(reply, jsonReply(200, consentView(result.value)));
      },
    );

    server.post(
      '/v1/merchants/:id/decisions',
      access(['operator', 'platform', 'merchant'], {
        summary: 'Decide on credit for a merchant, now',
        description: `Knock-outs, then the champion model, a grade, a limit from forecast sales under the leverage cap and a risk-based price. The decision is stored with all its inputs and chained into the tamper-evident decision log. A merchant key may ask for its own merchant only. ${platformScope} With an Idempotency-Key, a retry answers the same decision. A champion whose stored artifact fails the model check answers 409 model_malformed (or model_format_unknown) and stores nothing.`,
        tags: ['decisions'],
        params: MerchantParams,
        body: NoBody,
        querystring: Type.Object({ as_of: Type.Optional(Type.String()) }, { additionalProperties: false }),
        response: { 200: DecisionSchema },
      }),
      async (request, reply) => {
        await actFor(app, request, request.params.id);
        let asOfDay: number | null = null;
        if (request.query.as_of !== undefined) {
          const parsed = parseCalendarDate(request.query.as_of);
          if (!parsed.ok) throw new ProblemError('parameter_invalid', 'as_of must be YYYY-MM-DD', 'as_of');
          asOfDay = toDayNumber(parsed.value);
          // A decision is made on what is known: one as of a day to come would be chained as if it were.
          const today = dayNumberOfInstant(app.clock.nowNs());
          if (asOfDay > today)
            throw new ProblemError(
              'parameter_invalid',
              `as_of must not be after today (${fromDayNumber(today)}, UTC)`,
              'as_of',
            );
        }
        // Everything in one write: a retry with the same Idempotency-Key answers the same decision.
        return write(app, request, reply, async (tx) => {
          const nowNs = app.clock.nowNs();
          const cache = decisionCacheOf(app.store);
          const inputs = await gatherInputs(
            tx,
            request.params.id,
            asOfDay ?? dayNumberOfInstant(nowNs),
            nowNs / 1_000_000n,
            cache,
          );
          const models = await currentModels(tx, cache);
          const broken = refusedChampion(models);
          // Thrown, not answered: nothing is stored, and a retry after the fix decides afresh.
          if (broken !== undefined)
            throw new ProblemError(
              broken.code,
              `the champion cannot score: ${broken.detail}; promote another model`,
            );
          const [decided] = await storeDecisions(tx, app, [{ inputs, models }]);
          return jsonReply(200, (decided as Decided).record.view);
        });
      },
    );

    server.get(
      '/v1/decisions/:id',
      access(['operator', 'platform', 'merchant'], {
        summary: 'Retrieve a decision (with `include=inputs`, everything it was made from)',
        description: `A merchant key may read its own merchant's decisions only. ${platformScope}`,
        tags: ['decisions'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object(
          { include: Type.Optional(Type.Literal('inputs')) },
          { additionalProperties: false },
        ),
        response: { 200: DecisionReadSchema },
      }),
      async (request, reply) => {
        const row = await app.store.read((tx) => tx.risk.decision(request.params.id));
        // Someone else's decision answers exactly as a missing one: a key learns nothing about
        // decisions, or merchants, it may not see.
        if (row === undefined || !(await mayActFor(app, request, row.merchantId)))
          throw new ProblemError('decision_not_found', `no decision ${request.params.id}`);
        const record = parseRecord(row);
        const body =
          request.query.include === 'inputs'
            ? {
                ...record.view,
                inputs: JSON.parse(record.inputs),
                hash: row.hash,
                sequence: row.sequence.toString(),
              }
            : record.view;
        return send(reply, jsonReply(200, body));
      },
    );

    server.post(
      '/v1/merchants/:id/flags',
      access(['operator'], {
        summary: 'Flag a merchant (e.g. suspected fraud)',
        description:
          'Declined by every decision, its open offers withdrawn, and refused offers, acceptances and draws until the flag is cleared. A merchant Capstan does not know — no platform has sent an event about it and it has no facility — is 404 merchant_not_found, and nothing is recorded.',
        tags: ['decisions'],
        params: MerchantParams,
        body: Type.Object(
          { flag: Flag, reason: Type.String({ minLength: 1, maxLength: 500 }) },
          { additionalProperties: false },
        ),
        response: { 200: MerchantFlaggedSchema, 404: ProblemSchema },
      }),
      async (request, reply) =>
        write(app, request, reply, async (tx) => {
          await refuseUnknownMerchant(tx, request.params.id);
          await tx.risk.setFlag(
            request.params.id,
            request.body.flag,
            request.body.reason,
            app.clock.nowNs() / 1_000_000n,
          );
          // Offers made before the flag are withdrawn with it (acceptance refuses a flagged merchant too).
          const withdrawn = await withdrawOpenOffers(tx, app, request.params.id, 'merchant_flagged');
          await recordAudit(tx, actorOf(app, request), 'merchant.flagged', request.params.id, {
            flag: request.body.flag,
            reason: request.body.reason,
            offersWithdrawn: withdrawn,
          });
          return jsonReply(200, {
            object: 'merchant_flags',
            merchant_id: request.params.id,
            flags: await tx.risk.flags(request.params.id),
            offers_withdrawn: withdrawn,
          });
        }),
    );

    server.delete(
      '/v1/merchants/:id/flags/:flag',
      access(['operator'], {
        summary: 'Clear a flag',
        description:
          'Answers the flags left; clearing a flag that is not set answers the flags as they are. A flag Capstan does not have is 400 parameter_invalid (`param` `flag`), a merchant it does not know (and that has no flag, as one flagged before unknown merchants were refused may) 404 merchant_not_found.',
        tags: ['decisions'],
        params: Type.Object({ id: MerchantId, flag: Flag }),
        response: { 200: MerchantFlagsSchema, 404: ProblemSchema },
      }),
      async (request, reply) => {
        const flags = await app.store.write(async (tx) => {
          await lockAuditedChanges(tx);
          const before = await tx.risk.flags(request.params.id);
          // A flag set before unknown merchants were refused can still be cleared.
          if (before.length === 0) await refuseUnknownMerchant(tx, request.params.id);
          await tx.risk.clearFlag(request.params.id, request.params.flag);
          if (before.includes(request.params.flag))
            await recordAudit(tx, actorOf(app, request), 'merchant.flag_cleared', request.params.id, {
              flag: request.params.flag,
            });
          return tx.risk.flags(request.params.id);
        });
        return send(
          reply,
          jsonReply(200, { object: 'merchant_flags', merchant_id: request.params.id, flags }),
        );
      },
    );

    server.get(
      '/v1/models',
      access(['operator'], {
        summary: 'The model registry, newest first',
        description:
          'Paginated like every list: `limit` (1–100, default 10) and `starting_after` (the id of the last model of the previous page).',
        tags: ['models'],
        querystring: ListQuery,
        response: { 200: ModelListSchema },
      }),
      async (request, reply) => {
        const { limit, starting_after: after } = request.query;
        const models = await app.store.read(async (tx) => {
          if (after === undefined) return tx.risk.listModels(limit + 1);
          const last = await tx.risk.model(after);
          if (last === undefined)
            throw new ProblemError('starting_after_not_found', `no model ${after}`, 'starting_after');
          return tx.risk.listModels(limit + 1, last.version);
        });
        const data = models.slice(0, limit).map((m) => ({
          object: 'model',
          id: m.id,
          version: m.version,
          algorithm: m.algorithm,
          status: m.status,
          created_at: isoFromMs(m.createdAtMs),
          metrics: JSON.parse(m.metricsJson),
          training: trainingSummary(m.trainingJson),
        }));
        return send(reply, jsonReply(200, listEnvelope(request.url, data, models.length > limit)));
      },
    );

    server.get(
      '/v1/models/:id/stability',
      access(['operator'], {
        summary: "Population stability (PSI) of a model's score and inputs over recent decisions",
        description:
          "The latest scored decision of each merchant in the last `days` days, re-scored by this model from the decision's stored inputs, against the model's training population. PSI under 0.10 is stable, 0.10–0.25 watch, 0.25 and over shifted. `champion` names the current champion.",
        tags: ['models'],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object(
          { days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })) },
          { additionalProperties: false },
        ),
        response: { 200: ModelStabilitySchema },
      }),
      async (request, reply) => {
        const days = request.query.days ?? 30;
        const sinceMs = app.clock.nowNs() / 1_000_000n - BigInt(days) * 86_400_000n;
        const id = request.params.id === 'champion' ? null : request.params.id;
        const result = await modelStability(app.store, id, sinceMs);
        if (!result.ok) return send(reply, problemReply(request, result.code, result.detail ?? result.code));
        const { model, report } = result.value;
        const line = (l: StabilityLine) => ({
          name: l.name,
          psi: Number(l.psi.toFixed(6)),
          status: l.status,
          bands: l.bands.map((b) => ({
            label: b.label,
            expected_share: Number(b.expectedShare.toFixed(6)),
            actual_share: Number(b.actualShare.toFixed(6)),
          })),
        });
        return send(
          reply,
          jsonReply(200, {
            object: 'model_stability',
            model: { id: model.id, version: model.version, status: model.status },
            since: isoFromMs(sinceMs),
            days,
            merchants: report.rows,
            reference_rows: report.referenceRows,
            score: line(report.score),
            inputs: report.inputs.map(line),
          }),
        );
      },
    );

    for (const [action, summary, change, audited] of [
      [
        'promote',
        'Make a model the champion (the current one becomes a challenger)',
        promoteModel,
        'model.promoted',
      ],
      ['retire', 'Retire a challenger', retireModel, 'model.retired'],
    ] as const) {
      server.post(
        `/v1/models/:id/${action}`,
        access(['operator'], {
          summary,
          tags: ['models'],
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          body: NoBody,
          response: { 200: ModelChangedSchema },
        }),
        async (request, reply) =>
          write(app, request, reply, async (tx) => {
            const result = await changeModel(tx, actorOf(app, request), request.params.id, change, audited);
            if (!result.ok) return problemReply(request, result.code, result.detail ?? result.code);
            return jsonReply(200, {
              object: 'model',
              id: result.value.id,
              version: result.value.version,
              status: result.value.status,
            });
          }),
      );
    }
  };
}

/** A model's training record without the stability reference bands (those are for monitoring). */
function trainingSummary(trainingJson: string): unknown {
  const { stabilityReference: _bands, ...summary } = JSON.parse(trainingJson) as Record<string, unknown>;
  return summary;
}
