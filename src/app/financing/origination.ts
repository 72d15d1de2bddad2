/**
 * Origination use cases: a financier funds a pool; an approved decision becomes offers; a merchant
 * accepts one, which reserves the money (a pending ledger transfer from a pool with enough cash)
 * and records the disclosure it was shown and the consent it relied on — a credit line is opened
 * at once instead, and reserves money draw by draw (src/app/financing/credit-lines.ts); the platform's
 * confirmation of the payout posts the reservation and the facility starts being serviced, or its
 * failure voids it. Each runs in the caller's write transaction: the facility, the offer and the
 * ledger change together or not at all.
 */
import { assert } from '../../domain/assert.ts';
import { consentForOffers } from '../../domain/consent/consent.ts';
import { assumedDailyDebtService } from '../../domain/decisions/decide.ts';
import { forecastSales, observedSalesDays } from '../../domain/decisions/forecast.ts';
import type { AccountInput, TransferInput } from '../../domain/ledger/types.ts';
import {
  type AdvanceTerms,
  advanceFee,
  solveDailyRate,
  totalRepayable,
} from '../../domain/products/advance/advance.ts';
import {
  type AdvanceFacility,
  disbursedAdvance,
  outstanding,
} from '../../domain/products/advance/servicing.ts';
import { type FacilityState, servicedStates } from '../../domain/products/lifecycle.ts';
import {
  dailyStream,
  disclosedOn,
  type Offer,
  offerAcceptedOn,
  offerOpen,
  offersFor,
} from '../../domain/products/offers.ts';
import {
  disbursementConfirmed,
  disbursementPending,
  disbursementVoided,
  type FacilityBook,
  type FinancierBook,
  facilityAccounts,
  financierAccount,
  financierAccounts,
  fundPool as fundPoolPostings,
} from '../../domain/products/postings.ts';
import { refillAmount, refillEligibility } from '../../domain/products/refill.ts';
import { emptyTally } from '../../domain/products/tally.ts';
import { disbursedTermLoan, type TermLoanFacility } from '../../domain/products/term-loan/servicing.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { type CalendarDate, fromDayNumber, toDayNumber } from '../../domain/time/calendar-date.ts';
import { dayNumberOfInstant } from '../../domain/time/instant.ts';
import { createAccounts, createTransfers, type LedgerContext } from '../ledger/ledger-writes.ts';
import {
  type DecisionRow,
  type Entropy,
  type FacilityRow,
  type OfferRow,
  type OfferWithdrawalReason,
  type ReadTransaction,
  WriteConflict,
  type WriteTransaction,
} from '../ports.ts';
import { loadDecisionSettings } from '../risk/decision-settings.ts';
import { type DecisionRecord, parseRecord, storedInputs } from '../risk/decisions.ts';
import { fraudFlagged, fraudFlaggedDetail } from '../risk/fraud-flag.ts';
import { fromTaggedJson, toTaggedJson } from '../risk/tagged-json.ts';
import {
  type CollectionsProblem,
  pauseFacilityCollections,
  resumeFacilityCollections,
} from './collections.ts';
import { openedLineRow } from './credit-lines.ts';
import { advanceDaysMax, loadOfferSettings, offerDecisionAgeDaysMax } from './offer-settings.ts';
import { advancesInHand } from './refill-candidate.ts';
import { refillHoldReason } from './refill-hold.ts';
import { engineReferencePrefix, repayFacility } from './repayments.ts';
import {
  appendEvents,
  arrearsDetail,
  inArrears,
  inRecovery,
  LedgerRejected,
  type StoredFacility,
  servicedOf,
} from './serviced.ts';

export { LedgerRejected, type StoredFacility } from './serviced.ts';

export interface OriginationContext extends LedgerContext {
  readonly entropy: Entropy;
}

export type OriginationProblem =
  | 'amount_invalid'
  | 'decision_not_found'
  | 'decision_not_approved'
  | 'decision_not_current'
  | 'offer_not_found'
  | 'offer_expired'
  | 'offer_not_open'
  | 'offer_disclosure_changed'
  | 'product_not_available'
  | 'consent_missing'
  | 'consent_lapsed'
  | 'merchant_flagged'
  | 'facility_in_arrears'
  | 'funding_unavailable'
  | 'facility_not_found'
  | 'facility_not_disbursing'
  | 'refill_not_available'
  | 'exposure_limit_reached'
  | 'funding_reference_reused'
  | 'reference_invalid';

/** How far ahead offers forecast repayments: the longest an advance may run. */
const forecastDays = advanceDaysMax;

async function ledgerOk(results: Promise<readonly { readonly result: string }[]>, what: string) {
  const bad = (await results).filter((r) => r.result !== 'ok' && r.result !== 'exists');
  if (bad.length > 0) throw new LedgerRejected(`${what}: ${bad.map((r) => r.result).join(', ')}`);
}

/**
 * The most money ever posted into a pool's cash, fundings and repayments together, for a new
 * funding to be taken: 10^18 minor units (the largest amount the API takes is 18 digits). The
 * ledger's accounts hold 2^63 − 1 ≈ 9.2 × 10^18 posted, so fundings alone can never fill one, and
 * what the pool lends can come back into it eight times over before the account is full (the
 * repayment that would overflow it is refused by the ledger, failing its write).
 */
export const poolPostedMax = 10n ** 18n;

/**
 * A financier adds money to its pool in a currency (accounts opened on first use). `posted` says
 * whether this call posted the funding: false when its reference had funded the pool before (a
 * retry, or the same funding sent twice at once, the second after the first under the ledger's lock).
 */
export async function fundPool(
  tx: WriteTransaction,
  context: OriginationContext,
  input: {
    readonly financierId: string;
    readonly currency: string;
    readonly amountMinor: bigint;
    readonly reference: string;
  },
): Promise<Result<{ readonly cashMinor: bigint; readonly posted: boolean }, OriginationProblem>> {
  if (input.amountMinor <= 0n) return err('amount_invalid', 'a pool is funded with a positive amount');
  if (!/^[A-Za-z0-9_.-]{1,40}$/.test(input.reference))
    return err(
      'reference_invalid',
      'a funding reference is 1–40 letters, digits, dots, dashes or underscores',
    );
  const book = { financierId: input.financierId, currency: input.currency };
  await tx.financing.insertPool({ ...book, createdAtMs: context.clock.nowNs() / 1_000_000n });
  await ledgerOk(createAccounts(tx, context, financierAccounts(book)), 'pool accounts');
  // A reference is the pool's own: another financier's, or this one's in another currency, is
  // another funding. Fundings recorded before were keyed by the reference alone: one of this
  // pool's under it is this funding's first time.
  const [legacy] = fundPoolPostings(book, `pool:${input.reference}`, input.amountMinor);
  const [before] = [...(await tx.ledger.transfersByIds([(legacy as TransferInput).id])).values()];
  const legacyPosted = before !== undefined && before.debitAccountId === financierAccount.cash(book);
  const postings = legacyPosted
    ? [legacy as TransferInput]
    : fundPoolPostings(book, fundingKey(context, book, input.reference), input.amountMinor);
  // A new funding may not take the money ever posted into the pool past poolPostedMax: what comes
  // back from its merchants is posted into the same account, and must have room.
  const isNew = !legacyPosted && (await tx.ledger.transfersByIds(postings.map((p) => p.id))).size === 0;
  if (isNew) {
    const [cash] = [...(await tx.ledger.accountsByIds([financierAccount.cash(book)])).values()];
    if ((cash?.debitsPosted ?? 0n) + input.amountMinor > poolPostedMax)
      return err(
        'amount_invalid',
        `a pool takes at most ${poolPostedMax} minor units in all; ${input.financierId}'s ${input.currency} pool has taken ${cash?.debitsPosted ?? 0n}`,
      );
  }
  const results = await createTransfers(tx, context, postings);
  if (results.some((r) => r.result.startsWith('exists_with_different')))
    return err(
      'funding_reference_reused',
      `reference ${input.reference} funded ${input.financierId}'s ${input.currency} pool with another amount`,
    );
  await ledgerOk(Promise.resolve(results), 'funding');
  return ok({
    cashMinor: await availableCash(tx, book),
    posted: results.some((r) => r.result === 'ok'),
  });
}

/** A funding's key: the pool and its reference, hashed to fit a transfer id. */
function fundingKey(context: OriginationContext, book: FinancierBook, reference: string): string {
  return `pool:${context.sha256(`${book.financierId} ${book.currency} ${reference}`).slice(0, 40)}`;
}

/** Cash a pool can still lend: posted in, less posted and reserved out. */
async function availableCash(
  tx: WriteTransaction,
  book: { financierId: string; currency: string },
): Promise<bigint> {
  const [account] = [...(await tx.ledger.accountsByIds([financierAccount.cash(book)])).values()];
  return account === undefined ? 0n : account.debitsPosted - account.creditsPosted - account.creditsPending;
}

/** An offer leaving `open`, and how: a withdrawal says why. */
export type OfferClosing =
  | { readonly offerId: string; readonly type: 'accepted' | 'expired' }
  | { readonly offerId: string; readonly type: 'withdrawn'; readonly reason: OfferWithdrawalReason };

/** The offers `ids` withdrawn, for one reason. */
export function withdrawals(ids: readonly string[], reason: OfferWithdrawalReason): OfferClosing[] {
  return ids.map((offerId) => ({ offerId, type: 'withdrawn', reason }));
}

/**
 * Offers leaving `open` — accepted, withdrawn or expired — each told in its history (after
 * `created`, and after anything an earlier reopening added) and put in the outbox.
 */
export async function closeOffers(
  tx: WriteTransaction,
  context: Pick<OriginationContext, 'clock'>,
  closed: readonly OfferClosing[],
): Promise<void> {
  if (closed.length === 0) return;
  const last = await tx.financing.lastOfferEventSequences(closed.map((c) => c.offerId));
  const atMs = context.clock.nowNs() / 1_000_000n;
  await tx.financing.appendOfferEvents(
    closed.map((closing) => {
      const sequence = (last.get(closing.offerId) ?? 0) + 1;
      last.set(closing.offerId, sequence);
      const reason = closing.type === 'withdrawn' ? closing.reason : null;
      return { offerId: closing.offerId, sequence, type: closing.type, reason, atMs };
    }),
  );
}

/**
 * Withdraws a merchant's open offers (when it is flagged for fraud, say, or falls behind): none of
 * them can be accepted, and the merchant's list shows none open. Answers how many were withdrawn.
 */
export async function withdrawOpenOffers(
  tx: WriteTransaction,
  context: Pick<OriginationContext, 'clock'>,
  merchantId: string,
  reason: Extract<OfferWithdrawalReason, 'merchant_flagged' | 'facility_in_arrears'>,
): Promise<number> {
  // After any offers being made meanwhile (makeOffers holds the decision chain's head from before
  // it reads the flags): they are read below and withdrawn too — else, made for a merchant not yet
  // flagged when they checked, they were left open beside the flag (PostgreSQL).
  await tx.risk.lockDecisionHead();
  // Only offers still open: one being accepted at this moment (on PostgreSQL) is its acceptance's.
  const withdrawn = await tx.financing.withdrawOpenOffers(merchantId);
  await closeOffers(tx, context, withdrawals(withdrawn, reason));
  return withdrawn.length;
}

/** The consent a decision relied on, by id; null for one that relied on none, undefined for none found. */
async function reliedOnConsentId(
  tx: ReadTransaction,
  decisionId: string,
): Promise<string | null | undefined> {
  const decision = await tx.risk.decision(decisionId);
  return decision === undefined ? undefined : parseRecord(decision).view.consent_id;
}

/**
 * The merchant's open offers whose consent has lapsed (`consentForOffers`), each with why: the
 * consent its decision relied on revoked, or expired, and none active naming the same data.
 */
async function offersWithoutConsent(
  tx: ReadTransaction,
  offers: readonly OfferRow[],
  nowMs: bigint,
): Promise<OfferClosing[]> {
  const [first] = offers;
  if (first === undefined) return [];
  const consents = await tx.risk.consents(first.merchantId);
  const lapsedBy = new Map<string, OfferWithdrawalReason | null>();
  const lapsed: OfferClosing[] = [];
  for (const offer of offers) {
    assert(offer.merchantId === first.merchantId, 'one merchant’s offers');
    if (!lapsedBy.has(offer.decisionId)) {
      const reliedOnId = (await reliedOnConsentId(tx, offer.decisionId)) ?? null;
      const reliedOn = consents.find((consent) => consent.id === reliedOnId);
      lapsedBy.set(
        offer.decisionId,
        consentForOffers(consents, reliedOnId, nowMs).ok
          ? null
          : reliedOn !== undefined && reliedOn.revokedAtMs === null
            ? 'consent_expired'
            : 'consent_revoked',
      );
    }
    const reason = lapsedBy.get(offer.decisionId);
    if (reason !== null && reason !== undefined)
      lapsed.push({ offerId: offer.id, type: 'withdrawn', reason });
  }
  return lapsed;
}

/**
 * Of a merchant's open offers, those it may still accept as far as consent goes: none whose
 * consent has lapsed (revoked withdraws them; expired, nothing marks them until a revocation does).
 */
export async function offersConsented(
  tx: ReadTransaction,
  offers: readonly OfferRow[],
  nowMs: bigint,
): Promise<OfferRow[]> {
  const lapsed = new Set((await offersWithoutConsent(tx, offers, nowMs)).map((c) => c.offerId));
  return offers.filter((offer) => !lapsed.has(offer.id));
}

/**
 * Withdraws the merchant's open offers worked out under a consent it has revoked — or that has
 * expired — with no active consent naming the same data (`consent_revoked`, `consent_expired`):
 * a merchant that withdraws its data is not shown offers computed from it. Offers under another
 * consent still in force, or covered by one, stand. Answers how many were withdrawn.
 */
export async function withdrawOffersWithoutConsent(
  tx: WriteTransaction,
  context: Pick<OriginationContext, 'clock'>,
  merchantId: string,
): Promise<number> {
  // As withdrawOpenOffers: after any offers being made meanwhile, which are read below.
  await tx.risk.lockDecisionHead();
  const open = await tx.financing.offersForMerchant(merchantId, 'open');
  const lapsed = await offersWithoutConsent(tx, open, context.clock.nowNs() / 1_000_000n);
  // Only offers still open: one being accepted at this moment (on PostgreSQL) is its acceptance's.
  const withdrawn = new Set(await tx.financing.withdrawOffers(lapsed.map((c) => c.offerId)));
  await closeOffers(
    tx,
    context,
    lapsed.filter((c) => withdrawn.has(c.offerId)),
  );
  return withdrawn.size;
}

/** Why an offer cannot be accepted, not being open: its status, and why it was withdrawn if it was. */
async function notOpenDetail(tx: ReadTransaction, offer: OfferRow): Promise<string> {
  const reason =
    offer.status === 'withdrawn' ? (await tx.financing.offerEvents(offer.id)).at(-1)?.reason : null;
  return `offer ${offer.id} is ${offer.status}${reason === null || reason === undefined ? '' : ` (${reason})`}`;
}

/**
 * Offers from an approved decision, stored open (each with its `created` event); none for a declined
 * one. A decision makes its offers once: asked again, it answers them as they now stand. They
 * replace the merchant's open offers of earlier decisions, which are withdrawn — the newest decision
 * is what the lender thinks of the merchant now, and the merchant is shown one set — so a decision
 * with a later one of the merchant's makes none.
 */
export async function makeOffers(
  tx: WriteTransaction,
  context: OriginationContext,
  decisionId: string,
): Promise<Result<OfferRow[], OriginationProblem>> {
  // Decisions are recorded, and offers made, one after another: no two sets from one decision, and
  // no decision recorded between the check for a later one and these offers.
  await tx.risk.lockDecisionHead();
  const row = await tx.risk.decision(decisionId);
  if (row === undefined) return err('decision_not_found', `no decision ${decisionId}`);
  const record = parseRecord(row);
  const view = record.view;
  if (
    view.outcome !== 'approved' ||
    view.limit === null ||
    view.grade === null ||
    view.annual_rate_bps === null
  )
    return err('decision_not_approved', `decision ${decisionId} was ${view.outcome}`);
  // No offers to a merchant flagged since the decision (acceptance would refuse them anyway).
  if (await fraudFlagged(tx, row.merchantId)) return err('merchant_flagged', fraudFlaggedDetail);
  // Nor to one whose consent has lapsed since — revoked or expired, and no other naming the same
  // data: offers are worked out from its sales (and whatever else the decision's consent named),
  // which it no longer lets us use (and acceptance would refuse them too).
  const nowMs = context.clock.nowNs() / 1_000_000n;
  const consent = consentForOffers(await tx.risk.consents(row.merchantId), view.consent_id, nowMs);
  if (!consent.ok) return consent;
  // Nor to one fallen behind since: the daily cycle that put it behind withdrew its open offers.
  const behind = (await tx.financing.facilitiesForMerchant(row.merchantId)).find(inArrears);
  if (behind !== undefined) return err('facility_in_arrears', arrearsDetail(behind));
  const merchantOffers = await tx.financing.offersForMerchant(row.merchantId);
  const made = merchantOffers.filter((offer) => offer.decisionId === decisionId);
  if (made.length > 0) return ok(made.sort(byCreation));
  const [later] = await tx.risk.listDecisions(row.merchantId, { afterSequence: row.sequence, limit: 1 });
  if (later !== undefined)
    return err(
      'decision_not_current',
      `decision ${decisionId} is not the merchant's newest: offers are made from its newest decision, ${later.id}`,
    );
  const inputs = storedInputs(record);
  // Offers are dated from the decision's day — their forecast starts the day after it, and they are
  // open for the validity from it — so only a decision of the last few days may make them: one of
  // long ago would list offers already lapsed as open, one dated ahead offers open for longer.
  const today = dayNumberOfInstant(context.clock.nowNs());
  if (inputs.asOfDay > today || today - inputs.asOfDay > offerDecisionAgeDaysMax)
    return err(
      'decision_not_current',
      `decision ${decisionId} is as of ${fromDayNumber(inputs.asOfDay)}: offers are made from a decision of the last ${offerDecisionAgeDaysMax} days, not one ahead of today`,
    );
  // The earlier decisions' offers still open give way to these — withdrawn before the merchant's
  // facilities are read: an acceptance of one of them holds them all until it commits (PostgreSQL),
  // so what it took is read below, and no advance is offered beside the one just taken.
  const superseded = await tx.financing.withdrawOffers(
    merchantOffers.filter((offer) => offer.status === 'open').map((offer) => offer.id),
  );
  const observed = observedSalesDays(inputs.features.tenureDays, inputs.salesHistory.length);
  const forecast = forecastSales(inputs.salesHistory, inputs.asOfDay, forecastDays, observed);
  const approved = {
    decisionId,
    merchantId: inputs.merchantId,
    currency: view.currency ?? 'USD',
    grade: view.grade,
    limitMinor: BigInt(view.limit),
    annualRateBps: view.annual_rate_bps,
    day: inputs.asOfDay,
    forecastDailySalesMinor: forecast.daily.map((sales) => BigInt(Math.max(0, Math.floor(sales)))),
  };
  const settings = await loadOfferSettings(tx);
  const facilities = await tx.financing.facilitiesForMerchant(inputs.merchantId);
  let offers = offersFor(approved, settings);
  // The advances are refills of the one the decision sized its refill limit for, while it is still
  // the one they would pay off: sized to that limit, the room it leaves once paid off included.
  const inHand = advancesInHand(facilities, inputs.asOfDay);
  const refillLimit = refillLimitFor(view, inHand.refillable?.row.id);
  if (refillLimit !== null)
    offers = [
      // Advances only: no loan or line is worked out to be thrown away.
      ...offersFor(
        { ...approved, limitMinor: refillLimit },
        { ...settings, termLoanGrades: [], creditLineGrades: [] },
      ).filter((o) => o.product === 'advance'),
      ...offers.filter((offer) => offer.product !== 'advance'),
    ];
  const createdAtMs = nowMs;
  const rows: OfferRow[] = withRefills(offers, inHand).map((offer) => ({
    id: context.entropy.id('off'),
    merchantId: offer.merchantId,
    decisionId,
    product: offer.product,
    currency: offer.currency,
    amountMinor: offer.amountMinor,
    status: 'open',
    offeredOn: inputs.asOfDay,
    expiresOn: toDayNumber(offer.expiresOn),
    offerJson: toTaggedJson(offer),
    createdAtMs,
    acceptedAtMs: null,
    acceptanceJson: null,
    facilityId: null,
  }));
  // A decision that makes none replaces none: they are put back as they were.
  const [first, ...rest] = superseded;
  if (rows.length === 0 && first !== undefined) await tx.financing.releaseOffer(first, rest);
  if (rows.length > 0) await closeOffers(tx, context, withdrawals(superseded, 'decision_replaced'));
  await tx.financing.insertOffers(rows);
  await tx.financing.appendOfferEvents(
    rows.map((row) => ({ offerId: row.id, sequence: 1, type: 'created', reason: null, atMs: createdAtMs })),
  );
  return ok(rows);
}

const productRank: Readonly<Record<string, number>> = { advance: 0, term_loan: 1, credit_line: 2 };

/**
 * Offers made together in the order a decision makes them — advances, largest first, then term loans,
 * shortest first, then the credit line — not the order of their ids, which within one millisecond
 * is chance.
 */
function inOfferOrder(a: OfferRow, b: OfferRow): number {
  const rank = (productRank[a.product] ?? 3) - (productRank[b.product] ?? 3);
  if (rank !== 0) return rank;
  if (a.amountMinor !== b.amountMinor) return a.amountMinor > b.amountMinor ? -1 : 1;
  const length = (row: OfferRow) => fromTaggedJson<Offer>(row.offerJson).schedule.length;
  return length(a) - length(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Offers newest first, as a merchant's list shows them: those made together in the order made. */
export function newestFirst(a: OfferRow, b: OfferRow): number {
  return a.createdAtMs === b.createdAtMs ? inOfferOrder(a, b) : a.createdAtMs > b.createdAtMs ? -1 : 1;
}

/** Offers in the order they were made: a decision's set as `makeOffers` first answered it. */
function byCreation(a: OfferRow, b: OfferRow): number {
  return a.createdAtMs === b.createdAtMs ? inOfferOrder(a, b) : a.createdAtMs < b.createdAtMs ? -1 : 1;
}

/**
 * Why the merchant's newest decision, if it is later than the one the offer was made from, turns
 * the offer down, with that decision; else null. The newest decision is what the lender thinks of
 * the merchant now: an offer a later decision declined is not taken up (one a later approval made
 * anew still is, within the limits acceptance checks). A later approval for a refill alone (limit
 * 0) lends nothing beside the advance it refills: for anything but that refill, it declined.
 */
async function declinedSince(
  tx: WriteTransaction,
  offer: OfferRow,
  refillOf: string | null,
): Promise<{ readonly decision: DecisionRow; readonly why: string } | null> {
  const made = await tx.risk.decision(offer.decisionId);
  if (made === undefined) return null;
  let newest: DecisionRow | null = null;
  for (let after = made.sequence; ; ) {
    const page = await tx.risk.listDecisions(offer.merchantId, { afterSequence: after, limit: 100 });
    if (page.length === 0) break;
    newest = page[page.length - 1] as DecisionRow;
    after = newest.sequence;
  }
  if (newest === null) return null;
  if (newest.outcome !== 'approved') return { decision: newest, why: newest.outcome };
  const { refill, limit } = parseRecord(newest).view;
  return refill !== undefined && limit === '0' && refillOf !== refill.facility_id
    ? { decision: newest, why: `approved only a refill of ${refill.facility_id}, nothing beside it, for` }
    : null;
}

/**
 * Advances for a merchant that already has one: none while it is being repaid, unless it is
 * eligible for a refill (src/domain/products/refill.ts) — then each advance offer in its currency
 * pays it off first and is made only if it leaves the merchant something. Other products are
 * offered as ever.
 */
function withRefills(
  offers: readonly Offer[],
  { blocked, repaying, refillable }: ReturnType<typeof advancesInHand>,
): Offer[] {
  // One still being paid out is in hand too, and not yet repaid at all: no advance beside it — nor
  // beside one written off whose principal its payouts are still recovering (advanceInHand).
  if (blocked) return offers.filter((offer) => offer.product !== 'advance');
  if (repaying.length === 0) return [...offers];
  return offers.flatMap((offer): Offer[] => {
    if (offer.product !== 'advance') return [offer];
    // A refill pays the old advance off from the money it lends: in another currency (the
    // merchant's home currency changed since) the payoff could not be netted from it — the new
    // pool would pay out the whole amount while the old one was credited its payoff from nothing.
    if (refillable === null || offer.currency !== refillable.row.currency) return [];
    const refill = refillAmount(refillable.state, offer.amountMinor);
    if (!refill.ok) return [];
    const { payoffMinor, payoff } = refill.value;
    return [{ ...offer, refillOf: { facilityId: refillable.row.id, payoffMinor, payoff } }];
  });
}

/**
 * The decision's refill limit (decisions.ts `refill`) for a refill of the advance `advanceId`, or
 * null: none recorded, or recorded for another advance.
 */
function refillLimitFor(view: DecisionRecord['view'], advanceId: string | undefined): bigint | null {
  const refill = view.refill;
  if (refill === undefined || refill.limit === null || advanceId !== refill.facility_id) return null;
  return BigInt(refill.limit);
}

/**
 * The daily debt service a facility adds, for the leverage cap: what it takes per day on average —
 * an advance's or a term loan's total repayable over its forecast schedule; a credit line's limit
 * as a decision sizes a facility within the cap (drawn in full, repaid at the assumed factor over
 * the assumed term), so a second line, or an advance after one, finds its room taken.
 */
async function dailyDebtService(tx: WriteTransaction, offer: Offer): Promise<bigint> {
  if (offer.product === 'credit_line')
    return assumedDailyDebtService(offer.terms.limitMinor, await loadDecisionSettings(tx));
  if (offer.schedule.length === 0) return 0n;
  const last = offer.schedule[offer.schedule.length - 1] as { readonly date: CalendarDate };
  const days = BigInt(Math.max(1, toDayNumber(last.date) - toDayNumber(offer.offeredOn)));
  return offer.totalRepayableMinor / days;
}

/** Why a refill offer can no longer be taken up, or null: the advance it pays off must still qualify. */
async function refillProblem(
  tx: WriteTransaction,
  facilityId: string,
  offer: Pick<Offer, 'amountMinor' | 'currency'>,
  day: number,
): Promise<string | null> {
  const row = await tx.financing.facility(facilityId);
  const old = row === undefined ? null : servicedOf(row);
  if (old === null || old.product !== 'advance')
    return `facility ${facilityId} is not an advance being repaid`;
  // Offers made before withRefills kept a refill to the old advance's currency may name another.
  if (old.row.currency !== offer.currency)
    return `facility ${facilityId} is in ${old.row.currency}: a refill in ${offer.currency} cannot pay it off`;
  const eligibility = refillEligibility(old.state, day);
  if (!eligibility.eligible)
    return `facility ${facilityId} no longer qualifies for a refill: ${eligibility.reason}`;
  const amount = refillAmount(old.state, offer.amountMinor);
  return amount.ok ? null : (amount.detail ?? amount.code);
}

/**
 * An advance the merchant is being paid or is repaying, other than `except`, or null. Offers make
 * no second advance beside one (withRefills), but offers of a decision made before an advance was
 * taken still stand: accepting one must not add a second. One written off is being repaid while
 * its payouts still recover its principal (serviced.ts `inRecovery`): a merchant is lent no new
 * advance on a loss it is still repaying, as none beside one defaulted — and one is never its refill.
 */
function advanceInHand(facilities: readonly FacilityRow[], except: string | null): FacilityRow | null {
  return (
    facilities.find(
      (row) => row.product === 'advance' && row.id !== except && (inHand(row) || inRecovery(row) !== null),
    ) ?? null
  );
}

/** Whether a facility is lent: being paid out, or being repaid. */
function inHand(row: FacilityRow): boolean {
  return row.status === 'disbursing' || servicedStates.has(row.status as FacilityState);
}

/**
 * Why accepting would lend the merchant more under one decision than its limit, or null. Every
 * product's offers are sized to the whole limit, and offers of one product are alternatives (taking
 * one withdraws the others), but offers of different products are not: an advance and a term loan
 * from one decision would otherwise both be taken, twice the exposure the decision allowed. So the
 * amounts of the decision's offers already accepted (a credit line's limit counts in full; a
 * facility whose payout failed does not) and this one stay within the decision's limit.
 *
 * A decision sizes its limit to the leverage room the merchant's facilities leave, and records
 * which facilities those were; a facility taken under another decision that this one did not see
 * (two decisions made before either was taken) counts against its limit too while it is lent —
 * else each would lend its whole limit. The advance a refill pays off does not: the refill takes
 * its place.
 */
async function exposureProblem(
  tx: WriteTransaction,
  offerRow: OfferRow,
  offer: Offer,
  merchantFacilities: readonly FacilityRow[],
): Promise<string | null> {
  const decision = await tx.risk.decision(offerRow.decisionId);
  if (decision === undefined) return null;
  const record = parseRecord(decision);
  // A refill has the decision's refill limit: the advance it pays off makes room for it.
  const limit = refillLimitFor(record.view, offer.refillOf?.facilityId)?.toString() ?? record.view.limit;
  if (limit === null) return null;
  const recorded = storedInputs(record).debtServiceFacilityIds;
  const seen = new Set(recorded ?? []);
  const facilities = new Map(merchantFacilities.map((row) => [row.id, row]));
  let taken = 0n;
  for (const other of await tx.financing.offersForMerchant(offerRow.merchantId, 'accepted')) {
    if (other.id === offerRow.id || other.facilityId === null) continue;
    const facility = facilities.get(other.facilityId);
    if (facility === undefined || facility.status === 'cancelled') continue;
    const mine = other.decisionId === offerRow.decisionId;
    // Another decision's counts only while it is lent, in this currency, and unseen: every lent
    // facility has its debt service recorded when it is taken, so one missing from the decision's
    // record came after its inputs were read. A decision made before the record was kept is taken
    // to have seen what was accepted before it was made.
    if (
      !mine &&
      (!inHand(facility) ||
        other.currency !== offer.currency ||
        other.facilityId === (offer.refillOf?.facilityId ?? null) ||
        seen.has(other.facilityId) ||
        (recorded === undefined && (other.acceptedAtMs ?? 0n) < decision.decidedAtMs))
    )
      continue;
    taken += fromTaggedJson<Offer>(other.offerJson).amountMinor;
  }
  if (taken + offer.amountMinor <= BigInt(limit)) return null;
  return `the decision's limit is ${limit}; ${taken} of it is taken by facilities it allows no room for, so ${offer.amountMinor} more would exceed it`;
}

export interface Accepted {
  readonly offer: OfferRow;
  readonly facility: FacilityRow;
}

/**
 * The merchant accepts an open offer: a pool with the cash reserves it (pending), the facility is
 * created `disbursing`, and the acceptance records the disclosure and the consent. Accepting an
 * offer already accepted answers the same facility (idempotent).
 */
export async function acceptOffer(
  tx: WriteTransaction,
  context: OriginationContext,
  input: {
    readonly offerId: string;
    readonly merchantId: string;
    readonly day: number;
    /** The day of the disclosure the merchant was shown (offers.ts `disclosedOn`), when it says. */
    readonly disclosedOn?: number;
  },
): Promise<Result<Accepted, OriginationProblem>> {
  const offerRow = await tx.financing.offer(input.offerId);
  if (offerRow === undefined || offerRow.merchantId !== input.merchantId)
    return err('offer_not_found', `no offer ${input.offerId}`);
  if (offerRow.status === 'accepted' && offerRow.facilityId !== null) {
    const existing = await tx.financing.facility(offerRow.facilityId);
    if (existing !== undefined) return ok({ offer: offerRow, facility: existing });
  }
  // Flagging withdraws the merchant's open offers: while the flag stands, the flag is the answer
  // for them (and any other not open), not that the offer was withdrawn.
  if (offerRow.status !== 'open' && (await fraudFlagged(tx, input.merchantId)))
    return err('merchant_flagged', fraudFlaggedDetail);
  // Lapsed, whether the daily cycle has marked it so or not (below): the same answer either way.
  if (offerRow.status === 'expired')
    return err('offer_expired', `offer ${input.offerId} expired on ${fromDayNumber(offerRow.expiresOn)}`);
  if (offerRow.status !== 'open') return err('offer_not_open', await notOpenDetail(tx, offerRow));
  const offer = fromTaggedJson<Offer>(offerRow.offerJson);
  if (!offerOpen(offer, input.day)) {
    if (await tx.financing.expireOffer(offerRow.id))
      await closeOffers(tx, context, [{ offerId: offerRow.id, type: 'expired' }]);
    return err('offer_expired', `offer ${input.offerId} expired on ${offer.expiresOn}`);
  }
  // What is recorded is the disclosure of the day of acceptance: one shown for another day (read
  // before midnight UTC, accepted after) has other dates and may have another APR, so the merchant
  // would accept figures it was not shown.
  if (input.disclosedOn !== undefined && input.disclosedOn !== input.day)
    return err(
      'offer_disclosure_changed',
      `the disclosure shown was of ${fromDayNumber(input.disclosedOn)}; accepted on ${fromDayNumber(input.day)}, offer ${input.offerId} discloses that day's figures (acceptance_disclosure): show them and accept again`,
    );
  const declined = await declinedSince(tx, offerRow, offer.refillOf?.facilityId ?? null);
  if (declined !== null)
    return err(
      'decision_not_current',
      `a later decision, ${declined.decision.id}, ${declined.why} merchant ${input.merchantId}: offer ${input.offerId} of decision ${offerRow.decisionId} is no longer taken up`,
    );

  // Taken first — and with it every open offer of the merchant held — so a merchant's acceptances
  // run one after another even on PostgreSQL: the checks below see what the one before took, and a
  // refusal puts the offers back as they were.
  const take = await tx.financing.takeOffer(offerRow);
  if (!take.taken) {
    const now = await tx.financing.offer(offerRow.id);
    const takenBy = now?.facilityId ?? null;
    const existing = takenBy === null ? undefined : await tx.financing.facility(takenBy);
    if (now !== undefined && existing !== undefined) return ok({ offer: now, facility: existing });
    // Marked expired while this waited to take it (the daily cycle, or an acceptance past its day):
    // lapsed, as it answers when read so.
    if (now?.status === 'expired')
      return err('offer_expired', `offer ${input.offerId} expired on ${fromDayNumber(now.expiresOn)}`);
    return err('offer_not_open', `offer ${input.offerId} is ${now?.status ?? 'gone'}`);
  }
  const refused = async (code: OriginationProblem, detail: string) => {
    await tx.financing.releaseOffer(offerRow.id, take.withdrawn);
    return err(code, detail);
  };
  if (offer.refillOf !== undefined) {
    const problem = await refillProblem(tx, offer.refillOf.facilityId, offer, input.day);
    if (problem !== null) return refused('refill_not_available', problem);
  }
  const facilities = await tx.financing.facilitiesForMerchant(input.merchantId);
  const exposure = await exposureProblem(tx, offerRow, offer, facilities);
  if (exposure !== null) return refused('exposure_limit_reached', exposure);
  if (offer.product === 'advance') {
    const other = advanceInHand(facilities, offer.refillOf?.facilityId ?? null);
    if (other !== null)
      return refused(
        'product_not_available',
        other.status === 'written_off'
          ? `advance ${other.id} of the merchant was written off and is still being recovered: no other advance is lent`
          : `the merchant is repaying advance ${other.id}: another is offered as its refill once enough of it is repaid`,
      );
  }
  const nowMs = context.clock.nowNs() / 1_000_000n;
  // The consent the offer was worked out under, or one naming all the same data: revoking it
  // withdrew the offer, but one that expired by time (nothing marks that) is refused here — the
  // merchant would accept a price worked out from data it no longer lets us use. What is recorded
  // is the consent relied on.
  const consented = consentForOffers(
    await tx.risk.consents(input.merchantId),
    (await reliedOnConsentId(tx, offerRow.decisionId)) ?? null,
    nowMs,
  );
  if (!consented.ok) return refused(consented.code, consented.detail ?? consented.code);
  const consent = consented.value;
  // A decision made before the flag still declines nothing: the flag stops the money, whenever set.
  if (await fraudFlagged(tx, input.merchantId)) return refused('merchant_flagged', fraudFlaggedDetail);
  // Likewise falling behind: the daily cycle that put it behind withdrew its open offers, but one
  // being accepted as the cycle ran, or left open by an earlier version, is refused here.
  const behind = facilities.find(inArrears);
  if (behind !== undefined) return refused('facility_in_arrears', arrearsDetail(behind));

  // The ledger's head lock first: every movement of money takes it, so the cash read below is what
  // the reservation will find. Of two merchants' acceptances drawing on one pool at once (on
  // PostgreSQL), the second reads what the first left and goes on to the next pool.
  await tx.ledger.lockHead();
  let financierId: string | null = null;
  for (const pool of await tx.financing.pools()) {
    if (pool.currency !== offer.currency) continue;
    if ((await availableCash(tx, pool)) >= offer.amountMinor) {
      financierId = pool.financierId;
      break;
    }
  }
  if (financierId === null)
    return refused(
      'funding_unavailable',
      `no funding pool in ${offer.currency} can lend ${offer.amountMinor}`,
    );

  const facilityId = context.entropy.id('fac');
  // A refill holds the advance it pays off until its payout (refill-hold.ts): what pays it off now
  // is what the platform nets from the payout.
  let refillPayoffMinor: bigint | undefined;
  if (offer.refillOf !== undefined) {
    const held = await holdForRefill(tx, context, offer.refillOf.facilityId, facilityId, input.day);
    if (!held.ok) return refused('refill_not_available', held.detail ?? held.code);
    refillPayoffMinor = held.value;
  }
  // The contract as of today: a term loan's instalments fall monthly from the day it is accepted.
  const contract = offerAcceptedOn(offer, input.day);
  const book: FacilityBook = { financierId, currency: offer.currency, facilityId };
  const fee = offer.product === 'advance' ? advanceFee(offer.terms) : 0n;
  await ledgerOk(createAccounts(tx, context, facilityAccounts(book) as AccountInput[]), 'facility accounts');
  if (offer.product !== 'credit_line')
    await ledgerOk(
      createTransfers(tx, context, disbursementPending(book, offer.amountMinor, fee)),
      'disbursement',
    );
  const facility: FacilityRow =
    offer.product === 'credit_line'
      ? openedLineRow({
          facilityId,
          offerId: offerRow.id,
          book,
          merchantId: input.merchantId,
          offer,
          day: input.day,
          nowMs,
        })
      : {
          id: facilityId,
          merchantId: input.merchantId,
          financierId,
          offerId: offerRow.id,
          product: offer.product,
          currency: offer.currency,
          status: 'disbursing',
          openedOn: input.day,
          stateJson: toTaggedJson({
            phase: 'disbursing',
            offer: contract,
            book,
            ...(refillPayoffMinor === undefined ? {} : { refillPayoffMinor }),
          } satisfies StoredFacility),
          version: 1n,
          updatedAtMs: nowMs,
        };
  await tx.financing.insertFacility(facility);
  const acceptanceJson = toTaggedJson({
    acceptedOn: fromDayNumber(input.day),
    consentId: consent.id,
    disclosure: {
      product: offer.product,
      amountMinor: offer.amountMinor,
      currency: offer.currency,
      // The contract of the day: an advance's forecast from the day it is accepted (no payment
      // dated before the money), and the APR of the payments recorded.
      ...disclosedOn(offer, input.day),
      ...(offer.servicing === undefined ? {} : { servicing: offer.servicing }),
      ...(offer.refillOf === undefined ? {} : { refillOf: offer.refillOf }),
      // The funds provided, as of the acceptance: a refill's payoff is held at what it is now, not
      // at the offer's (payouts since have repaid some of it), so the merchant receives the rest.
      // A credit line pays out draw by draw.
      ...(offer.product === 'credit_line'
        ? {}
        : {
            payout: {
              amountMinor: offer.amountMinor,
              paysOffMinor: refillPayoffMinor ?? 0n,
              toMerchantMinor: offer.amountMinor - (refillPayoffMinor ?? 0n),
            },
          }),
    },
  });
  await tx.financing.updateOffer(offerRow.id, {
    status: 'accepted',
    acceptedAtMs: nowMs,
    acceptanceJson,
    facilityId,
  });
  // A decision's offers of one product are alternatives (three sizes of one advance), not
  // additions: taking one withdrew the others.
  await closeOffers(tx, context, [
    { offerId: offerRow.id, type: 'accepted' },
    ...withdrawals(take.withdrawn, 'alternative_accepted'),
  ]);
  await tx.financing.appendFacilityEvents([
    { facilityId, sequence: 1, day: input.day, type: 'accepted', detailJson: acceptanceJson, atMs: nowMs },
  ]);
  await tx.risk.putFacilityDebtService(
    input.merchantId,
    {
      facilityId,
      currency: offer.currency,
      dailyDebtServiceMinor: await dailyDebtService(tx, offer),
    },
    'active',
  );
  const accepted = await tx.financing.offer(offerRow.id);
  return ok({ offer: accepted as OfferRow, facility });
}

/**
 * Holds the advance a refill pays off (refill-hold.ts): its collections paused from `day` until the
 * refill's payout is confirmed or voided. Answers what pays it off, or why it cannot be held (a
 * pause of its own already set, say).
 */
async function holdForRefill(
  tx: WriteTransaction,
  context: OriginationContext,
  advanceId: string,
  refillId: string,
  day: number,
): Promise<Result<bigint, CollectionsProblem>> {
  const paused = await pauseFacilityCollections(tx, context, {
    facilityId: advanceId,
    day,
    fromDay: day,
    untilDay: null,
    reason: refillHoldReason(refillId),
  });
  if (!paused.ok)
    return err(
      paused.code,
      `facility ${advanceId} cannot be held for its refill: ${paused.detail ?? paused.code}`,
    );
  // Paused, the advance owes what it did: refillProblem found it an advance in service.
  const held = servicedOf(paused.value);
  if (held?.product !== 'advance') throw new Error(`facility ${advanceId} is not an advance in service`);
  return ok(outstanding(held.state));
}

async function disbursing(tx: WriteTransaction, facilityId: string) {
  // The ledger's head lock first, as every movement of money takes it: on PostgreSQL a confirm and
  // a void of one payout (the platform's, or the daily cycle's at the deadline) run one after the
  // other, the second reading what the first left.
  await tx.ledger.lockHead();
  const facility = await tx.financing.facility(facilityId);
  if (facility === undefined) return err('facility_not_found' as const, `no facility ${facilityId}`);
  if (facility.status !== 'disbursing')
    return err('facility_not_disbursing' as const, `facility ${facilityId} is ${facility.status}`);
  const stored = fromTaggedJson<StoredFacility>(facility.stateJson);
  if (stored.phase !== 'disbursing')
    return err('facility_not_disbursing' as const, `facility ${facilityId} is serviced`);
  return ok({ facility, stored });
}

/** The platform paid the merchant: the reservation is posted and servicing starts that day. */
export async function confirmDisbursement(
  tx: WriteTransaction,
  context: OriginationContext,
  input: { readonly facilityId: string; readonly day: number },
): Promise<Result<FacilityRow, OriginationProblem>> {
  const found = await disbursing(tx, input.facilityId);
  if (!found.ok) return found;
  const { facility, stored } = found.value;
  if (stored.phase !== 'disbursing') return err('facility_not_disbursing', 'not disbursing');
  // Past its deadline the daily cycle voids it (eod.ts), whether or not it has run yet: a payout
  // confirmed late would be serviced from a day the merchant was told it had lapsed.
  const { disbursementDeadlineDays } = await loadOfferSettings(tx);
  const lastDay = facility.openedOn + disbursementDeadlineDays;
  if (input.day > lastDay)
    return err(
      'facility_not_disbursing',
      `facility ${facility.id}'s payout was not confirmed within ${disbursementDeadlineDays} days of acceptance (by ${fromDayNumber(lastDay)}): it is voided — do not pay it out`,
    );
  const { offer, book } = stored;
  await ledgerOk(createTransfers(tx, context, disbursementConfirmed(book)), 'disbursement');
  let servicing: AdvanceFacility | TermLoanFacility;
  if (offer.product === 'advance') {
    const terms: AdvanceTerms = offer.terms;
    // The forecast's days without a payment count as days: its first payments fall where they fall.
    const daily = dailyStream(offer.offeredOn, offer.schedule);
    servicing = disbursedAdvance(
      book,
      facility.merchantId,
      terms,
      solveDailyRate(terms.amountMinor, daily),
      input.day,
    );
    if (totalRepayable(terms) !== offer.totalRepayableMinor)
      throw new Error('an advance offer disagrees with its terms');
  } else if (offer.product === 'term_loan') {
    const loan = disbursedTermLoan(
      book,
      facility.merchantId,
      // As offered (before amortization was a setting, every term loan paid level instalments),
      // monthly from the payout: the dates its acceptance disclosed when paid out that day, as
      // platforms do; a payout confirmed later moves them (no instalment falls due before it).
      { ...offer.terms, amortization: offer.terms.amortization ?? 'level_payment' },
      input.day,
    );
    if (!loan.ok) throw new Error(`a term-loan offer cannot be scheduled: ${loan.detail ?? loan.code}`);
    servicing = loan.value;
  } else return err('product_not_available', 'a credit line is not disbursed: its draws are');
  // Charged the late fee its offer disclosed (one made before offers disclosed it: the policy's).
  if (offer.servicing !== undefined) servicing = { ...servicing, lateFeeMinor: offer.servicing.lateFeeMinor };
  const nowMs = context.clock.nowNs() / 1_000_000n;
  const refill =
    offer.refillOf === undefined ? null : await payOffRefilled(tx, context, offer, facility.id, input.day);
  // Held since the acceptance, the advance owes what the acceptance told the platform to net.
  if (
    refill !== null &&
    stored.refillPayoffMinor !== undefined &&
    refill.payoffMinor !== stored.refillPayoffMinor
  )
    throw new Error(
      `refill ${facility.id} paid off ${refill.payoffMinor} of ${refill.facilityId}, held at ${stored.refillPayoffMinor} since its acceptance`,
    );
  const active: FacilityRow = {
    ...facility,
    status: 'active',
    stateJson: toTaggedJson({
      phase: 'serviced',
      product: offer.product,
      servicing,
      // The payout's own day is lent (the daily cycle serves the facility from the next): its
      // principal-days begin with the amount paid out, as a credit line's begin with its draw's day.
      tally: { ...emptyTally, originatedMinor: offer.amountMinor, principalDaysMinor: offer.amountMinor },
      servicedThroughDay: input.day,
      nearBreach: false,
      grade: offer.grade ?? null,
      ...(refill !== null && refill.payoffMinor > 0n ? { refinancedMinor: refill.payoffMinor } : {}),
    } satisfies StoredFacility),
    version: facility.version + 1n,
    updatedAtMs: nowMs,
  };
  if (!(await tx.financing.updateFacility(active, facility.version)))
    throw new WriteConflict(`facility ${facility.id} changed while it was being confirmed`);
  await appendEvents(tx, [
    {
      facilityId: facility.id,
      day: input.day,
      type: 'disbursed',
      detailJson: toTaggedJson({
        amountMinor: offer.amountMinor,
        ...(refill === null
          ? {}
          : {
              refillOf: refill.facilityId,
              payoffMinor: refill.payoffMinor,
              paidToMerchantMinor: offer.amountMinor - refill.payoffMinor,
            }),
      }),
      atMs: nowMs,
    },
  ]);
  return ok(active);
}

/**
 * A refill's disbursement pays the old advance off first, from the money lent (the merchant is
 * paid the rest): a direct payoff of the old facility named after the new one, so it happens once.
 */
async function payOffRefilled(
  tx: WriteTransaction,
  context: OriginationContext,
  offer: Offer,
  facilityId: string,
  day: number,
): Promise<{ facilityId: string; payoffMinor: bigint } | null> {
  const old = offer.refillOf;
  if (old === undefined) return null;
  const row = await tx.financing.facility(old.facilityId);
  // Repaid in the meantime by its own sweeps: nothing is left to pay off.
  if (row === undefined || !servicedStates.has(row.status as never))
    return { facilityId: old.facilityId, payoffMinor: 0n };
  const paid = await repayFacility(tx, context, {
    facilityId: old.facilityId,
    day,
    reference: `${engineReferencePrefix}${facilityId}`,
    refill: true,
    payoff: true,
  });
  if (!paid.ok) {
    // Repaid by a sweep, or written off by the daily cycle, committed since it was read
    // (PostgreSQL, READ COMMITTED): run again, and find nothing left to pay off.
    const now = await tx.financing.facility(old.facilityId);
    if (now !== undefined && !servicedStates.has(now.status as never))
      throw new WriteConflict(`facility ${old.facilityId} left service while its refill paid it off`);
    throw new Error(`a refill could not pay off ${old.facilityId}: ${paid.detail ?? paid.code}`);
  }
  const payoffMinor = paid.value.applied.fees + paid.value.applied.interest + paid.value.applied.principal;
  if (payoffMinor > offer.amountMinor)
    throw new LedgerRejected(
      `the refill of ${old.facilityId} owes ${payoffMinor}, more than the ${offer.amountMinor} lent`,
    );
  return { facilityId: old.facilityId, payoffMinor };
}

/** The payout failed: the reservation is released, any fee reversed, the facility cancelled. */
export async function voidDisbursement(
  tx: WriteTransaction,
  context: OriginationContext,
  input: {
    readonly facilityId: string;
    readonly day: number;
    readonly reason: string;
    /**
     * A refill's: the first day the advance it held is collected again — the void's own, unless the
     * daily cycle voids it at the end of that day, one it served paused (eod.ts): the next.
     */
    readonly heldResumeDay?: number;
  },
): Promise<Result<FacilityRow, OriginationProblem>> {
  const found = await disbursing(tx, input.facilityId);
  if (!found.ok) return found;
  const { facility, stored } = found.value;
  if (stored.phase !== 'disbursing') return err('facility_not_disbursing', 'not disbursing');
  const fee = stored.offer.product === 'advance' ? advanceFee(stored.offer.terms) : 0n;
  await ledgerOk(createTransfers(tx, context, disbursementVoided(stored.book, fee)), 'void');
  const nowMs = context.clock.nowNs() / 1_000_000n;
  const cancelled: FacilityRow = {
    ...facility,
    status: 'cancelled',
    version: facility.version + 1n,
    updatedAtMs: nowMs,
  };
  if (!(await tx.financing.updateFacility(cancelled, facility.version)))
    throw new WriteConflict(`facility ${facility.id} changed while it was being voided`);
  await appendEvents(tx, [
    {
      facilityId: facility.id,
      day: input.day,
      type: 'disbursement_voided',
      detailJson: JSON.stringify({
        reason: input.reason,
        // A refill's: the advance it was to pay off, which its payouts repay again.
        ...(stored.offer.refillOf !== undefined && stored.refillPayoffMinor !== undefined
          ? { refillOf: stored.offer.refillOf.facilityId }
          : {}),
      }),
      atMs: nowMs,
    },
  ]);
  await tx.risk.putFacilityDebtService(
    facility.merchantId,
    { facilityId: facility.id, currency: facility.currency, dailyDebtServiceMinor: 0n },
    'closed',
  );
  // The advance the refill would have paid off is no longer held: its payouts repay it again.
  const held = stored.offer.refillOf?.facilityId;
  if (held !== undefined && stored.refillPayoffMinor !== undefined) {
    const resumed = await resumeFacilityCollections(tx, context, {
      facilityId: held,
      day: input.heldResumeDay ?? input.day,
      reason: `refill ${facility.id}, which was to pay it off, was not paid out`,
    });
    if (!resumed.ok && resumed.code !== 'collections_not_paused' && resumed.code !== 'facility_not_serviced')
      throw new Error(
        `the advance ${held} held for refill ${facility.id} could not resume: ${resumed.detail}`,
      );
  }
  return ok(cancelled);
}
