/**
 * Financing over HTTP: funding pools (operators, financiers for their own pool), offers from an
 * approved decision, a merchant's acceptance, the platform's confirmation or void of the payout,
 * the settlement sweep (a preview, then the commit) and direct repayments. The use cases are in
 * src/app/financing/; this module only scopes keys, parses and shapes answers.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../app/app-context.ts';
import { recordAudit } from '../../app/audit/audit-log.ts';
import {
  acceptOffer,
  confirmDisbursement,
  fundPool,
  LedgerRejected,
  makeOffers,
  newestFirst,
  offersConsented,
  voidDisbursement,
} from '../../app/financing/origination.ts';
import { type Repayment, repayFacility } from '../../app/financing/repayments.ts';
import { knownMerchant } from '../../app/financing/reports.ts';
import { previewSweep, recordedSweep, type Settlement, sweepSettlement } from '../../app/financing/sweep.ts';
import type { FacilityRow, ReadTransaction } from '../../app/ports.ts';
import { fromTaggedJson } from '../../app/risk/tagged-json.ts';
import { isCurrencyCode } from '../../domain/money/currency.ts';
import {
  type FxRate,
  fxRate,
  fxRateDayProblem,
  rateBesidePayout,
  rateBesidePayoutDetail,
  repeatedPair,
} from '../../domain/money/fx.ts';
import { type Offer, offerOpen } from '../../domain/products/offers.ts';
import { financierIdPattern } from '../../domain/products/postings.ts';
import { ok } from '../../domain/result.ts';
import { fromDayNumber, parseCalendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';
import { dayNumberOfInstant, parseDateTime } from '../../domain/time/instant.ts';
import { facilityInScope, mayActFor, platformScope } from '../merchant-scope.ts';
import {
  access,
  actorOf,
  dayParam,
  jsonReply,
  NoBody,
  principalOf,
  problemReply,
  send,
  write,
} from '../plumbing.ts';
import { ProblemError } from '../problem.ts';
import {
  AcceptanceSchema,
  FacilitySummarySchema,
  FundingPoolSchema,
  OfferListSchema,
  OffersMadeSchema,
  OfferWithHistorySchema,
  RepaymentSchema,
  SettlementSplitSchema,
} from '../schemas-financing.ts';
import { acceptanceView, offerHistoryView, offerView, payoutView, splitView } from '../views-financing.ts';

/**
 * Up to 18 digits: every such amount fits the ledger's signed 64-bit minor units (a quintillion
 * less one), so a sum or a share of one is checked there, not overflowed here.
 */
const minorUnitsPattern = '^(0|[1-9][0-9]{0,17})$';
const minorUnits = (description: string) => Type.String({ pattern: minorUnitsPattern, description });
const signedMinorUnits = (description: string) =>
  Type.String({ pattern: '^(0|-?[1-9][0-9]{0,17})$', description });
const CurrencyField = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' });
const MerchantId = Type.String({ pattern: '^mer_[A-Za-z0-9_-]{1,60}$' });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const FacilityParams = Type.Object({ facility_id: Type.String({ minLength: 1, maxLength: 64 }) });

/** A ledger refusal rolls the whole write back and answers 409 ledger_rejected; nothing is stored. */
export async function ledgerGuarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof LedgerRejected) throw new ProblemError('ledger_rejected', error.message);
    throw error;
  }
}

export const today = (app: AppContext) => dayNumberOfInstant(app.clock.nowNs());

/** A pool as the audit log names it: its financier and currency (`fin_pool:USD`). */
const poolId = (pool: { readonly financier_id: string; readonly currency: string }) =>
  `${pool.financier_id}:${pool.currency}`;

function facilityView(row: FacilityRow) {
  return {
    object: 'facility',
    id: row.id,
    merchant_id: row.merchantId,
    offer_id: row.offerId,
    status: row.status,
    product: row.product,
    currency: row.currency,
    financier_id: row.financierId,
    opened_on: fromDayNumber(row.openedOn),
    payout: payoutView(row),
  };
}

function repaymentView(repayment: Repayment) {
  const { fees, interest, principal } = repayment.applied;
  return {
    object: 'repayment',
    facility_id: repayment.facilityId,
    reference: repayment.reference,
    currency: repayment.currency,
    applied: {
      fees: fees.toString(),
      interest: interest.toString(),
      principal: principal.toString(),
      total: (fees + interest + principal).toString(),
    },
    outstanding: repayment.outstandingMinor.toString(),
    status: repayment.status,
    recovered: repayment.recoveredMinor.toString(),
    replayed: repayment.replayed,
  };
}

/** An acceptance may name the day of the disclosure the merchant was shown (`acceptance_disclosure.accepted_on`). */
const AcceptBody = Type.Optional(
  Type.Object(
    {
      disclosed_on: Type.Optional(
        Type.String({
          pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
          description:
            "YYYY-MM-DD: the `accepted_on` of the offer's `acceptance_disclosure` the merchant was shown; another day than today (UTC) answers 409 offer_disclosure_changed",
        }),
      ),
    },
    { additionalProperties: false },
  ),
);

const RepaymentBody = Type.Object(
  {
    amount: Type.Optional(minorUnits('minor units, positive: applied fees → interest → principal')),
    payoff: Type.Optional(Type.Literal(true, { description: 'pay everything owed today' })),
    reference: Type.String({
      pattern: '^[A-Za-z0-9_.-]{1,40}$',
      description: 'names the repayment: the same reference again answers the same repayment',
    }),
  },
  { additionalProperties: false },
);

const FxRateField = Type.Object(
  {
    base: CurrencyField,
    quote: CurrencyField,
    rate: Type.String({
      pattern: '^[0-9]{1,12}(\\.[0-9]{1,12})?$',
      description: 'quote units per base unit',
    }),
    source: Type.String({ minLength: 1, maxLength: 100, description: 'where the rate came from' }),
    as_of: Type.String({ description: 'RFC 3339 date-time the rate was observed' }),
  },
  { additionalProperties: false },
);

const SettlementBody = Type.Object(
  {
    settlement_id: Type.String({ minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$' }),
    merchant_id: MerchantId,
    currency: CurrencyField,
    net: signedMinorUnits('the payout net after fees, refunds and chargebacks; may be negative'),
    date: Type.String({ description: 'YYYY-MM-DD: the day the payout settles' }),
    platform_id: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 100,
        description:
          "The platform that made the payout, for an operator committing one of a merchant of several platforms (required then): the settlement is keyed by it, so that platform's own settlement.paid for it is not swept again. A platform key may only name itself.",
      }),
    ),
    fx_rates: Type.Optional(
      Type.Array(FxRateField, {
        maxItems: 20,
        description:
          "Rates for repaying the merchant's facilities in other currencies from this payout; without one, such a facility is left for payouts in its own currency",
      }),
    ),
  },
  { additionalProperties: false },
);

/** The settlement a body names, keyed by its platform (the sender's, or the merchant's), or `operator`. */
interface SettlementInput {
  readonly settlement_id: string;
  readonly merchant_id: string;
  readonly currency: string;
  readonly net: string;
  readonly date: string;
  readonly platform_id?: string;
  readonly fx_rates?: readonly {
    readonly base: string;
    readonly quote: string;
    readonly rate: string;
    readonly source: string;
    readonly as_of: string;
  }[];
}

/**
 * An operator committing a payout commits it for the merchant's platform: the key is that
 * platform's, so the platform's settlement.paid for the same payout is not swept again (nor this
 * commit after the event). A merchant of several platforms needs the operator to name the one that
 * paid (`platform_id`): keyed `operator`, the payout would be swept again when that platform's own
 * event for it came; so does a payout another platform made (one Capstan knows: a key, or events
 * from it). A merchant of none keys it `operator`. A payout already recorded under any of
 * those keys — `operator`, as operator commits were keyed before, or a platform's — keeps its key,
 * so committing it again replays it.
 */
async function operatorSource(
  tx: ReadTransaction,
  merchantId: string,
  settlementId: string,
  named: string | undefined,
): Promise<string> {
  const platforms = [...((await tx.risk.merchantPlatforms([merchantId])).get(merchantId) ?? [])].sort();
  // Another platform than the merchant's may have paid it (an operator's import of that platform's
  // settlement report is trusted as it is): named, the payout is keyed for it, so that import does
  // not sweep it again. Only a platform Capstan knows — by a key or by its events — not a typo.
  if (
    named !== undefined &&
    !platforms.includes(named) &&
    !(await tx.apiKeys.platformKnown(named)) &&
    !(await tx.inbox.sourceKnown(named))
  )
    throw new ProblemError(
      'platform_invalid',
      `no platform ${named} is known: none has a key or has sent an event${platforms.length === 0 ? '' : ` (${merchantId}'s platforms: ${platforms.join(', ')})`}`,
      'platform_id',
    );
  const sources = ['operator', ...new Set([...platforms, ...(named === undefined ? [] : [named])])];
  const recorded = await tx.financing.sweepsByKey(sources.map((source) => `${source} ${settlementId}`));
  const known = sources.find((source) => recorded.has(`${source} ${settlementId}`));
  if (known !== undefined) {
    if (named !== undefined && known !== named)
      throw new ProblemError(
        'settlement_reused',
        `settlement ${settlementId} was recorded for ${known === 'operator' ? 'the operator' : known}, not ${named}`,
        'platform_id',
      );
    return known;
  }
  // Known to Capstan by a platform's events, or by a facility: a mistyped id is refused, not
  // answered an empty split (the platform would pay the whole payout, the real merchant's
  // deduction missed).
  if (platforms.length === 0 && !(await knownMerchant(tx, merchantId)))
    throw new ProblemError(
      'merchant_not_found',
      `no merchant ${merchantId}: no platform has sent an event about it and it has no facility`,
      'merchant_id',
    );
  if (named !== undefined) return named;
  if (platforms.length > 1)
    throw new ProblemError(
      'platform_required',
      `${merchantId} is a merchant of ${platforms.join(', ')}: name the platform that made the payout`,
      'platform_id',
    );
  return platforms[0] ?? 'operator';
}

/** How many days back a payout previewed or committed may be dated. */
export const settlementDaysBackMax = 7;

/**
 * The payout a body names, checked, as a function keying it within the transaction that reads or
 * sweeps it: an operator's key (operatorSource) is found there, so a platform claiming the merchant
 * meanwhile cannot have its own event for the payout keyed apart from this commit.
 */
async function settlementOf(
  app: AppContext,
  request: FastifyRequest,
  body: SettlementInput,
): Promise<(tx: ReadTransaction) => Promise<Settlement>> {
  if (!(await mayActFor(app, request, body.merchant_id)))
    throw new ProblemError(
      'merchant_not_found',
      `no merchant ${body.merchant_id} for this key`,
      'merchant_id',
    );
  const date = parseCalendarDate(body.date);
  if (!date.ok) throw new ProblemError('parameter_invalid', 'date must be YYYY-MM-DD', 'date');
  // A payout is made today, or tomorrow where the platform's day is ahead of UTC; a later date
  // would open a day's cap of its own before that day came.
  if (toDayNumber(date.value) > today(app) + 1)
    throw new ProblemError(
      'parameter_invalid',
      `a settlement is dated no later than tomorrow (${fromDayNumber(today(app) + 1)}, UTC)`,
      'date',
    );
  // Nor long ago, unless it is recorded already (asked again, it answers its split): a mistyped
  // year would repay nothing (no facility was open then), and the payout would go out whole with
  // its id used up. Older payouts come as settlement.paid events.
  const earliest = today(app) - settlementDaysBackMax;
  const tooOld = toDayNumber(date.value) < earliest;
  if (!isCurrencyCode(body.currency))
    throw new ProblemError(
      'currency_must_be_valid',
      `${body.currency} is not an ISO 4217 currency`,
      'currency',
    );
  const fxRates = (body.fx_rates ?? []).map((r, index) => {
    const field = `fx_rates[${index}]`;
    const asOf = parseDateTime(r.as_of);
    if (asOf === null)
      throw new ProblemError('parameter_invalid', 'as_of must be an RFC 3339 date-time', `${field}.as_of`);
    const dated = fxRateDayProblem(asOf.day, toDayNumber(date.value));
    if (dated !== null) throw new ProblemError('parameter_invalid', dated, `${field}.as_of`);
    const rate = fxRate(r.base, r.quote, r.rate, r.source, r.as_of);
    if (!rate.ok) throw new ProblemError('parameter_invalid', rate.detail ?? rate.code, field);
    return rate.value;
  });
  const repeated = repeatedPair(fxRates);
  if (repeated !== null)
    throw new ProblemError(
      'parameter_invalid',
      'a second rate for the same two currencies',
      `fx_rates[${repeated}]`,
    );
  const beside = rateBesidePayout(fxRates, body.currency);
  if (beside !== null)
    throw new ProblemError(
      'parameter_invalid',
      rateBesidePayoutDetail(fxRates[beside] as FxRate, body.currency),
      `fx_rates[${beside}]`,
    );
  const principal = principalOf(request);
  if (
    principal.role === 'platform' &&
    body.platform_id !== undefined &&
    body.platform_id !== principal.objectId
  )
    throw new ProblemError('role_not_allowed', 'a platform key commits its own payouts only', 'platform_id');
  const payout = {
    merchantId: body.merchant_id,
    day: toDayNumber(date.value),
    currency: body.currency,
    netMinor: BigInt(body.net),
    ...(fxRates.length > 0 ? { fxRates } : {}),
  };
  return async (tx) => {
    const source =
      principal.role === 'platform'
        ? (principal.objectId as string)
        : await operatorSource(tx, body.merchant_id, body.settlement_id, body.platform_id);
    const settlementKey = `${source} ${body.settlement_id}`;
    if (tooOld && !(await tx.financing.sweepsByKey([settlementKey])).has(settlementKey))
      throw new ProblemError(
        'parameter_invalid',
        `a settlement is dated no earlier than ${settlementDaysBackMax} days ago (${fromDayNumber(earliest)}, UTC); send older payouts as settlement.paid events`,
        'date',
      );
    return { settlementKey, ...payout };
  };
}

export function financingRoutes(app: AppContext): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.post(
      '/v1/funding_pools',
      access(['operator', 'financier'], {
        summary: "Add money to a financier's funding pool in a currency",
        description:
          "The pool and its ledger accounts open on first use; `reference` names the funding (a retry with the same reference posts nothing new). A financier key funds its own pool only (403 role_not_allowed for another financier's).",
        tags: ['financing'],
        body: Type.Object(
          {
            financier_id: Type.String({ pattern: financierIdPattern }),
            currency: CurrencyField,
            amount: minorUnits('minor units, positive'),
            reference: Type.String({ minLength: 1, maxLength: 40 }),
          },
          { additionalProperties: false },
        ),
        response: { 200: FundingPoolSchema },
      }),
      async (request, reply) => {
        const principal = principalOf(request);
        const body = request.body;
        if (principal.role === 'financier' && principal.objectId !== body.financier_id)
          throw new ProblemError(
            'role_not_allowed',
            'a financier key funds its own pool only',
            'financier_id',
          );
        if (!isCurrencyCode(body.currency))
          throw new ProblemError(
            'currency_must_be_valid',
            `${body.currency} is not an ISO 4217 currency`,
            'currency',
          );
        const amountMinor = BigInt(body.amount);
        return write(app, request, reply, (tx) =>
          ledgerGuarded(async () => {
            const funded = await fundPool(tx, app, {
              financierId: body.financier_id,
              currency: body.currency,
              amountMinor,
              reference: body.reference,
            });
            if (!funded.ok)
              return problemReply(
                request,
                funded.code,
                funded.detail ?? funded.code,
                funded.code === 'amount_invalid' ? 'amount' : 'reference',
              );
            // A retry under the same reference posted nothing: nothing to record.
            if (funded.value.posted)
              await recordAudit(tx, actorOf(app, request), 'funding_pool.funded', poolId(body), {
                financierId: body.financier_id,
                currency: body.currency,
                amount: body.amount,
                reference: body.reference,
              });
            return jsonReply(200, {
              object: 'funding_pool',
              financier_id: body.financier_id,
              currency: body.currency,
              available: funded.value.cashMinor.toString(),
            });
          }),
        );
      },
    );

    server.post(
      '/v1/decisions/:id/offers',
      access(['operator', 'platform'], {
        summary: 'Make offers from an approved decision',
        description: `Advances in up to three sizes, term loans and credit lines as the grade allows, each with its schedule, total cost and APR, open for \`validityDays\` of the offering settings (30 unless changed) from the decision's as-of day. A decision makes them once (asked again, it answers the same offers as they now stand), and they replace the merchant's open offers of earlier decisions, which are withdrawn. A declined decision answers 409 decision_not_approved; one as of more than 7 days ago or ahead of today, or with a later decision of the merchant's, 409 decision_not_current; a merchant flagged for fraud since, 409 merchant_flagged; one whose credit-assessment consent was revoked or expired since (and not given again), 409 consent_missing; one whose decision's consent lapsed since with only consents naming less data left (its sustainability, say), 409 consent_lapsed; one behind on a facility it has since (past due, defaulted, written off: the daily cycle that put it behind withdrew its open offers), 409 facility_in_arrears. ${platformScope}`,
        tags: ['financing'],
        params: IdParams,
        body: NoBody,
        response: { 200: OffersMadeSchema },
      }),
      async (request, reply) => {
        const decision = await app.store.read((tx) => tx.risk.decision(request.params.id));
        if (decision === undefined || !(await mayActFor(app, request, decision.merchantId)))
          throw new ProblemError('decision_not_found', `no decision ${request.params.id}`);
        return write(app, request, reply, async (tx) => {
          const offers = await makeOffers(tx, app, request.params.id);
          if (!offers.ok) return problemReply(request, offers.code, offers.detail ?? offers.code);
          return jsonReply(200, {
            object: 'list',
            data: offers.value.map((row) => offerView(row, today(app))),
          });
        });
      },
    );

    server.get(
      '/v1/merchants/:id/offers',
      access(['operator', 'platform', 'merchant'], {
        summary: "A merchant's open offers, newest first",
        description: `All of them in one list (none past its expiry day, though the daily cycle marks it expired only after that day; none whose decision's consent has expired with no active consent naming the same data, though nothing marks it so): a merchant's open offers are few (a decision's handful, each open for 30 days), so the list takes no paging parameters. A merchant key reads its own offers only. ${platformScope}`,
        tags: ['financing'],
        params: Type.Object({ id: MerchantId }),
        querystring: Type.Object({}, { additionalProperties: false }),
        response: { 200: OfferListSchema },
      }),
      async (request, reply) => {
        if (!(await mayActFor(app, request, request.params.id)))
          throw new ProblemError('merchant_not_found', `no merchant ${request.params.id} for this key`);
        // Past its expiry day an offer is no longer listed, though only the daily cycle (or an
        // acceptance tried) marks it expired: it cannot be taken up. Nor is one whose consent has
        // expired since (a revocation withdraws them; nothing marks an expiry): acceptance refuses it.
        const day = today(app);
        const offers = (
          await app.store.read(async (tx) =>
            offersConsented(
              tx,
              await tx.financing.offersForMerchant(request.params.id, 'open'),
              app.clock.nowNs() / 1_000_000n,
            ),
          )
        )
          .filter((row) => offerOpen(fromTaggedJson<Offer>(row.offerJson), day))
          .sort(newestFirst);
        return send(
          reply,
          jsonReply(200, {
            object: 'list',
            url: request.url.split('?')[0],
            data: offers.map((row) => offerView(row, day)),
            has_more: false,
          }),
        );
      },
    );

    server.get(
      '/v1/offers/:id',
      access(['operator', 'platform', 'merchant'], {
        summary: 'An offer, whatever became of it, with its history',
        description: `The offer as made — terms, schedule, cost and APR — and, while it is open, what accepting it today discloses and records (\`acceptance_disclosure\`), with its status and \`history\`: when it was made, then accepted, withdrawn (with the \`reason\`) or expired (the events its webhooks tell). A merchant key reads its own offers only; any other answers 404 offer_not_found. ${platformScope}`,
        tags: ['financing'],
        params: IdParams,
        response: { 200: OfferWithHistorySchema },
      }),
      async (request, reply) => {
        const found = await app.store.read(async (tx) => {
          const offer = await tx.financing.offer(request.params.id);
          return offer && { offer, history: await tx.financing.offerEvents(offer.id) };
        });
        if (found === undefined || !(await mayActFor(app, request, found.offer.merchantId)))
          throw new ProblemError('offer_not_found', `no offer ${request.params.id}`);
        return send(
          reply,
          jsonReply(200, {
            ...offerView(found.offer, today(app)),
            history: offerHistoryView(found.history),
          }),
        );
      },
    );

    server.post(
      '/v1/offers/:id/accept',
      access(['merchant'], {
        summary: 'Accept an offer: the money is reserved and a facility opens, disbursing',
        description:
          "The merchant's own offers only (any other answers 404 offer_not_found). A pool with the cash reserves it; the acceptance records the disclosure shown and the consent relied on: today's (UTC), the offer's `acceptance_disclosure`. Send the `disclosed_on` of the disclosure the merchant was shown, and a day turned since (read before midnight UTC, accepted after: other dates, another APR) answers 409 offer_disclosure_changed, accepting nothing, to be shown again. Accepting an accepted offer answers the same facility; with an Idempotency-Key a retry replays the first answer. A merchant with no active credit-assessment consent answers 409 consent_missing; an offer whose decision's consent has lapsed, with only consents naming less data left (the sustainability a green discount was priced from, say), 409 consent_lapsed (a revocation withdraws such offers: 409 offer_not_open, consent_revoked). A merchant flagged for fraud since the decision answers 409 merchant_flagged, one behind on a facility it has (past due, defaulted, written off) 409 facility_in_arrears.",
        tags: ['financing'],
        params: IdParams,
        body: AcceptBody,
        response: { 200: AcceptanceSchema },
      }),
      async (request, reply) => {
        const merchantId = principalOf(request).objectId;
        if (merchantId === null) throw new ProblemError('offer_not_found', `no offer ${request.params.id}`);
        return write(app, request, reply, (tx) =>
          ledgerGuarded(async () => {
            const shown = request.body?.disclosed_on;
            const accepted = await acceptOffer(tx, app, {
              offerId: request.params.id,
              merchantId,
              day: today(app),
              ...(shown === undefined ? {} : { disclosedOn: dayParam(shown, 'disclosed_on') }),
            });
            if (!accepted.ok) return problemReply(request, accepted.code, accepted.detail ?? accepted.code);
            return jsonReply(200, {
              object: 'acceptance',
              offer: offerView(accepted.value.offer),
              acceptance: acceptanceView(accepted.value.offer.acceptanceJson ?? '{}'),
              facility: facilityView(accepted.value.facility),
            });
          }),
        );
      },
    );

    const facilityFor = (request: FastifyRequest, facilityId: string) =>
      facilityInScope(app, request, facilityId);

    server.post(
      '/v1/disbursements/:facility_id/confirm',
      access(['operator', 'platform'], {
        summary: 'The payout to the merchant was made: post the reservation and start servicing',
        description: `Servicing starts today (UTC). A facility no longer disbursing answers 409 facility_not_disbursing — also one whose payout was not confirmed within the disbursement deadline (\`disbursementDeadlineDays\` of the offering settings, 7 by default): the daily cycle voids it, releasing the reservation. ${platformScope}`,
        tags: ['financing'],
        params: FacilityParams,
        body: NoBody,
        response: { 200: FacilitySummarySchema },
      }),
      async (request, reply) => {
        await facilityFor(request, request.params.facility_id);
        return write(app, request, reply, (tx) =>
          ledgerGuarded(async () => {
            const confirmed = await confirmDisbursement(tx, app, {
              facilityId: request.params.facility_id,
              day: today(app),
            });
            if (!confirmed.ok)
              return problemReply(request, confirmed.code, confirmed.detail ?? confirmed.code);
            // The payout was made outside Capstan, on the caller's word: whose, the facility does not say.
            await recordAudit(
              tx,
              actorOf(app, request),
              'facility.disbursement_confirmed',
              confirmed.value.id,
              {
                merchantId: confirmed.value.merchantId,
                product: confirmed.value.product,
              },
            );
            return jsonReply(200, facilityView(confirmed.value));
          }),
        );
      },
    );

    server.post(
      '/v1/disbursements/:facility_id/void',
      access(['operator', 'platform'], {
        summary: 'The payout failed: release the reservation and cancel the facility',
        description: `A facility no longer disbursing answers 409 facility_not_disbursing. ${platformScope}`,
        tags: ['financing'],
        params: FacilityParams,
        body: Type.Object(
          { reason: Type.String({ minLength: 1, maxLength: 500 }) },
          { additionalProperties: false },
        ),
        response: { 200: FacilitySummarySchema },
      }),
      async (request, reply) => {
        await facilityFor(request, request.params.facility_id);
        return write(app, request, reply, (tx) =>
          ledgerGuarded(async () => {
            const voided = await voidDisbursement(tx, app, {
              facilityId: request.params.facility_id,
              day: today(app),
              reason: request.body.reason,
            });
            if (!voided.ok) return problemReply(request, voided.code, voided.detail ?? voided.code);
            await recordAudit(tx, actorOf(app, request), 'facility.disbursement_voided', voided.value.id, {
              merchantId: voided.value.merchantId,
              product: voided.value.product,
              reason: request.body.reason,
            });
            return jsonReply(200, facilityView(voided.value));
          }),
        );
      },
    );

    server.post(
      '/v1/facilities/:id/repayments',
      access(['operator', 'platform', 'merchant'], {
        summary: 'Repay a serviced facility directly, or pay it off early',
        description: `Body \`amount\` (applied as a payout's sweep applies it: what is overdue, then what falls due today, then the rest, each in the sweep settings' \`componentOrder\`, fees → interest → principal unless changed) or \`payoff: true\` (everything owed today, a term loan's interest accrued to date included), and \`reference\`: the same reference again answers the recorded repayment with \`replayed: true\` and posts nothing. An amount above what is owed answers 422 repayment_exceeds_balance (pay off instead); on a written-off facility an amount is a recovery (\`recovered\`), and a facility otherwise not active, delinquent or defaulted answers 409 facility_not_serviced; an advance a refill accepted is to pay off once its payout is confirmed answers 409 facility_held_for_refill until then. A merchant key repays its own facilities only. ${platformScope}`,
        tags: ['financing'],
        params: IdParams,
        body: RepaymentBody,
        response: { 200: RepaymentSchema },
      }),
      async (request, reply) => {
        const facility = await facilityFor(request, request.params.id);
        const { amount, payoff, reference } = request.body;
        if ((amount === undefined) === (payoff === undefined))
          throw new ProblemError(
            amount === undefined ? 'parameter_missing' : 'parameter_invalid',
            'send either amount or payoff: true',
            'amount',
          );
        const how = amount === undefined ? { payoff: true as const } : { amountMinor: BigInt(amount) };
        return write(app, request, reply, (tx) =>
          ledgerGuarded(async () => {
            const repaid = await repayFacility(tx, app, {
              facilityId: facility.id,
              merchantId: facility.merchantId,
              day: today(app),
              reference,
              ...how,
            });
            if (!repaid.ok)
              return problemReply(
                request,
                repaid.code,
                repaid.detail ?? repaid.code,
                repaid.code === 'repayment_exceeds_balance' || repaid.code === 'amount_invalid'
                  ? amount === undefined
                    ? 'payoff'
                    : 'amount'
                  : repaid.code === 'repayment_reference_reused' || repaid.code === 'reference_invalid'
                    ? 'reference'
                    : undefined,
              );
            return jsonReply(200, repaymentView(repaid.value));
          }),
        );
      },
    );

    server.post(
      '/v1/settlements/preview',
      access(['operator', 'platform'], {
        summary: 'What a payout would repay, without writing anything',
        description: `The split of a payout across the merchant's facilities in its currency, under the day's 30% cap: what to withhold before paying the merchant. ${platformScope}`,
        tags: ['financing'],
        body: SettlementBody,
        response: { 200: SettlementSplitSchema },
        // A preview writes nothing: an Idempotency-Key is not looked at.
        'x-capstan-reads-only': true,
      }),
      async (request, reply) => {
        const keyedIn = await settlementOf(app, request, request.body);
        // A settlement already committed answers its split as recorded, as a commit would.
        const answer = await app.store.read(async (tx) => {
          const settlement = await keyedIn(tx);
          const recorded = await recordedSweep(tx, settlement);
          if (recorded !== null) return recorded;
          return ok({ settlement, ...(await previewSweep(tx, app, settlement)), replayed: false });
        });
        if (!answer.ok)
          return send(
            reply,
            problemReply(request, answer.code, answer.detail ?? answer.code, 'settlement_id'),
          );
        const { settlement: shown, replayed } = answer.value;
        return send(
          reply,
          jsonReply(200, { ...splitView(request.body.settlement_id, shown, answer.value), replayed }),
        );
      },
    );

    server.post(
      '/v1/settlements/commit',
      access(['operator', 'platform'], {
        summary: 'Sweep a payout: post the deductions and record the split, once per settlement',
        description: `A settlement is keyed by its sender (the platform's id, or \`operator\`) and \`settlement_id\`: committing it again answers the split already made with \`replayed: true\` and changes nothing. ${platformScope}`,
        tags: ['financing'],
        body: SettlementBody,
        response: { 200: SettlementSplitSchema },
      }),
      async (request, reply) => {
        const keyedIn = await settlementOf(app, request, request.body);
        return write(app, request, reply, (tx) =>
          ledgerGuarded(async () => {
            const swept = await sweepSettlement(tx, app, await keyedIn(tx));
            if (!swept.ok)
              return problemReply(
                request,
                swept.code,
                swept.detail ?? swept.code,
                swept.code === 'settlement_reused' ? 'settlement_id' : undefined,
              );
            // A replay answers the settlement as recorded.
            return jsonReply(200, {
              ...splitView(request.body.settlement_id, swept.value.settlement, swept.value),
              replayed: swept.value.replayed,
            });
          }),
        );
      },
    );
  };
}
