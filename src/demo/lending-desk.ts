/**
 * The demo's lending desk, through the engine's own use cases: consents recorded for the
 * merchants, a champion trained on what the platform knew before lending began, and lending
 * rounds — decide (features as of the day before), make offers from every approval, have the
 * merchants who want financing accept one (mostly advances, some term loans), and confirm the
 * payout. Who wants financing and which offer they pick are seeded draws, so a run is repeatable.
 */
import type { AppContext } from '../app/app-context.ts';
import { acceptOffer, confirmDisbursement, makeOffers } from '../app/financing/origination.ts';
import { servicedOf } from '../app/financing/serviced.ts';
import type { FacilityRow, OfferRow, Store } from '../app/ports.ts';
import { grantConsent } from '../app/risk/consents.ts';
import { decisionCacheOf } from '../app/risk/decision-cache.ts';
import { currentModels, type Decided, gatherInputs, storeDecisions } from '../app/risk/decisions.ts';
import { refusedChampion } from '../app/risk/models.ts';
import { consentDurationDaysMax, dataSources } from '../domain/consent/consent.ts';
import { servicedStates } from '../domain/products/lifecycle.ts';
import { refillEligibility } from '../domain/products/refill.ts';
import { hashText, Prng } from '../simulator/prng.ts';

/** Merchants decided per read and per write, as `capstan decide --all` does. */
export const lendingBatchMerchants = 200;
const millisecondsPerDay = 86_400_000n;
const twoTo32 = 4_294_967_296;

export interface LendingTaste {
  readonly seed: string;
  /** Share of merchants that take financing when they are offered it, 0–1. */
  readonly takerShare: number;
  /** Share of takers offered a term loan who choose it over an advance, 0–1. */
  readonly termLoanShare: number;
}

export const defaultLendingTaste: Omit<LendingTaste, 'seed'> = { takerShare: 0.6, termLoanShare: 0.25 };

/** Whether the merchant takes financing at all: one seeded draw per merchant, the same every round. */
export function isTaker(taste: LendingTaste, merchantId: string): boolean {
  return hashText(`${taste.seed}:taker:${merchantId}`) / twoTo32 < taste.takerShare;
}

/**
 * The offer a taker accepts: a term loan with `termLoanShare` when one is offered, otherwise an
 * advance — the full limit half the time, a smaller size otherwise; a merchant refilling an advance
 * takes a (refill) advance. Credit lines are not chosen: a line is drawn on, not paid out, and
 * the demo's merchants do not draw.
 */
export function chooseOffer(
  taste: LendingTaste,
  offers: readonly OfferRow[],
  day: number,
  options: { readonly advancesOnly?: boolean } = {},
): OfferRow | null {
  const random = new Prng(hashText(`${taste.seed}:choice:${offers[0]?.merchantId ?? ''}`), day);
  const loans = options.advancesOnly ? [] : offers.filter((o) => o.product === 'term_loan');
  const advances = offers
    .filter((o) => o.product === 'advance')
    .sort((a, b) => (a.amountMinor > b.amountMinor ? -1 : a.amountMinor < b.amountMinor ? 1 : 0));
  if (loans.length > 0 && (advances.length === 0 || random.float() < taste.termLoanShare))
    return loans[Math.floor(random.float() * loans.length)] ?? null;
  if (advances.length === 0) return null;
  const draw = random.float();
  const index = draw < 0.5 ? 0 : draw < 0.8 ? 1 : 2;
  return advances[Math.min(index, advances.length - 1)] ?? null;
}

/** Each merchant's facilities being serviced. */
export async function liveFacilities(store: Store): Promise<Map<string, FacilityRow[]>> {
  const live = new Map<string, FacilityRow[]>();
  for (let after: string | undefined; ; ) {
    const page = await store.read((tx) =>
      tx.financing.facilitiesByStatus([...servicedStates], {
        ...(after === undefined ? {} : { after }),
        limit: 1_000,
      }),
    );
    for (const row of page) live.set(row.merchantId, [...(live.get(row.merchantId) ?? []), row]);
    if (page.length < 1_000) return live;
    after = page.at(-1)?.id;
  }
}

/**
 * Who asks for financing in a monthly round: the takers with nothing live, and the takers whose one
 * live facility is an advance eligible for a refill (75% repaid, in good standing) — they are
 * offered refills, which pay the old advance off first.
 */
export async function whoAsks(
  store: Store,
  merchantIds: readonly string[],
  day: number,
  taste: LendingTaste,
): Promise<{ readonly asking: string[]; readonly refilling: ReadonlySet<string> }> {
  const live = await liveFacilities(store);
  const refilling = new Set<string>();
  const asking = merchantIds.filter((id) => {
    if (!isTaker(taste, id)) return false;
    const facilities = live.get(id) ?? [];
    if (facilities.length === 0) return true;
    const only = facilities.length === 1 ? servicedOf(facilities[0] as FacilityRow) : null;
    if (only?.product !== 'advance' || !refillEligibility(only.state, day).eligible) return false;
    refilling.add(id);
    return true;
  });
  return { asking, refilling };
}

/** Every merchant the feature store has seen, in id order. */
export async function allMerchants(store: Store): Promise<string[]> {
  const ids: string[] = [];
  for (let after: string | undefined; ; ) {
    const page = await store.read((tx) =>
      tx.features.listMerchants(after === undefined ? { limit: 1_000 } : { after, limit: 1_000 }),
    );
    if (page.length === 0) return ids;
    ids.push(...page);
    after = page[page.length - 1];
  }
}

/**
 * Consent to a credit assessment from every merchant not yet asked, for the longest term allowed
 * (so the served API still finds it after the demo): what the platform's sign-up flow collects.
 */
export async function grantConsents(
  app: AppContext,
  merchantIds: readonly string[],
  consented: Set<string>,
): Promise<number> {
  const missing = merchantIds.filter((id) => !consented.has(id));
  const expiresAtMs = app.clock.nowNs() / 1_000_000n + BigInt(consentDurationDaysMax) * millisecondsPerDay;
  await app.store.write(async (tx) => {
    for (const id of missing) {
      const granted = await grantConsent(tx, app, id, {
        purpose: 'credit_assessment',
        dataSources,
        expiresAtMs,
      });
      if (!granted.ok) throw new Error(`consent for ${id} refused: ${granted.detail ?? granted.code}`);
    }
  });
  for (const id of missing) consented.add(id);
  return missing.length;
}

export interface RoundTally {
  decisions: number;
  approved: number;
  /** Declines by their first reason. */
  readonly declined: Map<string, number>;
  offers: number;
  /** Accepted and disbursed, by product. */
  readonly disbursed: Map<string, number>;
  /** Refill advances among those disbursed. */
  refills: number;
  /** Acceptances refused, by code (no pool with the cash, a refill no longer available). */
  readonly refused: Map<string, number>;
}

export function emptyTally(): RoundTally {
  return {
    decisions: 0,
    approved: 0,
    declined: new Map(),
    offers: 0,
    disbursed: new Map(),
    refills: 0,
    refused: new Map(),
  };
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

/** Decisions as of the day before `day`, stored and chained, for one batch of merchants. */
async function decideBatch(app: AppContext, merchantIds: readonly string[], day: number): Promise<Decided[]> {
  const nowMs = app.clock.nowNs() / 1_000_000n;
  const cache = decisionCacheOf(app.store);
  const prepared = await app.store.read(async (tx) => {
    const models = await currentModels(tx, cache);
    const broken = refusedChampion(models);
    if (broken !== undefined) throw new Error(`the champion ${broken.id} cannot score: ${broken.detail}`);
    const inputs = [];
    for (const id of merchantIds)
      inputs.push({ inputs: await gatherInputs(tx, id, day - 1, nowMs, cache), models });
    return inputs;
  });
  return app.store.write((tx) => storeDecisions(tx, app, prepared));
}

/** Offers from each approval; the takers accept one and the platform pays it out the same day. */
async function originateBatch(
  app: AppContext,
  decided: readonly Decided[],
  day: number,
  taste: LendingTaste,
  refilling: ReadonlySet<string>,
  tally: RoundTally,
): Promise<void> {
  await app.store.write(async (tx) => {
    for (const { row } of decided) {
      if (row.outcome !== 'approved') continue;
      const offers = await makeOffers(tx, app, row.id);
      if (!offers.ok) throw new Error(`offers for ${row.id}: ${offers.detail ?? offers.code}`);
      tally.offers += offers.value.length;
      if (!isTaker(taste, row.merchantId)) continue;
      const refill = refilling.has(row.merchantId);
      const chosen = chooseOffer(taste, offers.value, day, { advancesOnly: refill });
      if (chosen === null) continue;
      const accepted = await acceptOffer(tx, app, { offerId: chosen.id, merchantId: row.merchantId, day });
      if (!accepted.ok) {
        if (accepted.code !== 'funding_unavailable' && accepted.code !== 'refill_not_available')
          throw new Error(`acceptance of ${chosen.id}: ${accepted.detail ?? accepted.code}`);
        count(tally.refused, accepted.code);
        continue;
      }
      const paid = await confirmDisbursement(tx, app, { facilityId: accepted.value.facility.id, day });
      if (!paid.ok)
        throw new Error(`disbursement of ${accepted.value.facility.id}: ${paid.detail ?? paid.code}`);
      count(tally.disbursed, chosen.product);
      if (refill) tally.refills += 1;
    }
  });
}

/** One lending round on `day` for the merchants given, batch by batch; `onBatch` after each. */
export async function lendingRound(
  app: AppContext,
  merchantIds: readonly string[],
  day: number,
  taste: LendingTaste,
  tally: RoundTally,
  options: { readonly refilling?: ReadonlySet<string>; readonly onBatch?: (done: number) => void } = {},
): Promise<void> {
  for (let start = 0; start < merchantIds.length; start += lendingBatchMerchants) {
    const decided = await decideBatch(app, merchantIds.slice(start, start + lendingBatchMerchants), day);
    for (const { row, record } of decided) {
      tally.decisions += 1;
      if (row.outcome === 'approved') tally.approved += 1;
      else count(tally.declined, record.view.reasons[0]?.code ?? 'unknown');
    }
    await originateBatch(app, decided, day, taste, options.refilling ?? new Set(), tally);
    options.onBatch?.(Math.min(merchantIds.length, start + lendingBatchMerchants));
  }
}
