/**
 * A lending book to test financing on a real store: two generated merchants' activity imported, a
 * synthetic champion, decision settings that lend to its 19–31% PDs (the top grade band given), a
 * funded USD pool of `fin_pool`, consents, and the first merchant the champion approves — with its
 * decision, ready for offers. Plus helpers to disburse an offer and read a facility back.
 */
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { AppContext } from '../../src/app/app-context.ts';
import {
  acceptOffer,
  confirmDisbursement,
  fundPool,
  makeOffers,
  type StoredFacility,
} from '../../src/app/financing/origination.ts';
import { bookedOf, servicedOf } from '../../src/app/financing/serviced.ts';
import { sweepSettlement } from '../../src/app/financing/sweep.ts';
import { ingestBatch } from '../../src/app/ingest/ingest.ts';
import type { OfferRow } from '../../src/app/ports.ts';
import { grantConsent } from '../../src/app/risk/consents.ts';
import { updateDecisionSettings } from '../../src/app/risk/decision-settings.ts';
import { decideForMerchant } from '../../src/app/risk/decisions.ts';
import { registerModel } from '../../src/app/risk/models.ts';
import { fromTaggedJson } from '../../src/app/risk/tagged-json.ts';
import { facilityAccount } from '../../src/domain/products/postings.ts';
import { calendarDate, toDayNumber } from '../../src/domain/time/calendar-date.ts';
import { parseRecord as parseEvent } from '../../src/ingest/parse-record.ts';
import { sha256, testEntropy } from '../../src/storage/contract/fixtures.ts';
import type { BackendUnderTest, Harness } from './backends.ts';
import { generateActivity } from './events.ts';
import { ManualClock } from './manual-clock.ts';
import { syntheticModel } from './synthetic-model.ts';

export const lendingAsOfDay = toDayNumber(calendarDate('2026-07-15'));
export const lendingNow = BigInt(lendingAsOfDay + 1) * 86_400_000_000_000n;

export interface LendingBook {
  readonly harness: Harness;
  readonly app: AppContext;
  readonly merchantId: string;
  readonly decisionId: string;
}

/**
 * Decision settings that lend up to `topBand`'s PD, graded as by default below it and at its grade
 * above: the synthetic model rates the generated merchants 19–31% likely to default, so a test that
 * must originate lends at a grade that takes them.
 */
export function lendUpTo(topBand: { readonly grade: string; readonly maxPd: number }) {
  const bands = [
    { grade: 'A', maxPd: 0.01 },
    { grade: 'B', maxPd: 0.025 },
    { grade: 'C', maxPd: 0.05 },
    { grade: 'D', maxPd: 0.1 },
  ].filter((band) => band.grade < topBand.grade);
  return { maxPd: topBand.maxPd, gradeBands: [...bands, topBand] };
}

/**
 * A store to lend from: `merchants` generated merchants' 196 days of activity (from `seed`)
 * ingested, the synthetic scorecard as champion, and decision settings that lend up to `topBand` —
 * the synthetic model rates the generated merchants 19–31% likely to default, so lend anyway.
 */
export async function seedScoredMerchants(
  app: AppContext,
  options: {
    readonly merchants: number;
    readonly seed: number;
    readonly topBand: { readonly grade: string; readonly maxPd: number };
  },
): Promise<void> {
  const events = generateActivity(options.merchants, 196, options.seed).map((e) =>
    parseEvent({ origin: 'test', line: null, raw: JSON.stringify(e) }),
  );
  for (let start = 0; start < events.length; start += 2_000)
    await app.store.write((tx) => ingestBatch(tx, app, events.slice(start, start + 2_000)));
  await app.store.write(async (tx) => {
    await registerModel(tx, app, {
      artifact: syntheticModel('scorecard', 5),
      algorithm: 'scorecard',
      metrics: {},
      training: { synthetic: true },
      status: 'champion',
    });
    const settings = await updateDecisionSettings(tx, app.clock.nowNs(), lendUpTo(options.topBand), 'test');
    assert.ok(settings.ok, settings.ok ? '' : settings.detail);
  });
}

export async function openLendingBook(
  backend: BackendUnderTest,
  options: {
    readonly topBand: { readonly grade: string; readonly maxPd: number };
    readonly poolMinor: bigint;
  },
): Promise<LendingBook> {
  const harness = await backend.open();
  await harness.store.migrate();
  const app: AppContext = {
    store: harness.store,
    clock: new ManualClock(lendingNow),
    entropy: testEntropy,
    sha256,
  };
  await seedScoredMerchants(app, { merchants: 2, seed: 78, topBand: options.topBand });
  await harness.store.write((tx) =>
    fundPool(tx, app, {
      financierId: 'fin_pool',
      currency: 'USD',
      amountMinor: options.poolMinor,
      reference: 'seed',
    }),
  );
  for (const id of ['mer_gen0', 'mer_gen1']) {
    await harness.store.write((tx) =>
      grantConsent(tx, app, id, {
        purpose: 'credit_assessment',
        dataSources: ['sales'],
        expiresAtMs: lendingNow / 1_000_000n + 86_400_000_000n,
      }),
    );
    const decided = await decideForMerchant(harness.store, app, id, lendingAsOfDay);
    if (decided.record.view.outcome === 'approved')
      return { harness, app, merchantId: id, decisionId: decided.row.id };
  }
  throw new Error('none of the generated merchants was approved');
}

/** Accepts the offer for its merchant and confirms the payout: a facility being serviced. */
export async function disburse(book: LendingBook, offer: OfferRow): Promise<string> {
  const { harness, app } = book;
  const accepted = await harness.store.write((tx) =>
    acceptOffer(tx, app, { offerId: offer.id, merchantId: book.merchantId, day: lendingAsOfDay }),
  );
  assert.ok(accepted.ok);
  const facilityId = accepted.value.facility.id;
  const confirmed = await harness.store.write((tx) =>
    confirmDisbursement(tx, app, { facilityId, day: lendingAsOfDay }),
  );
  assert.ok(confirmed.ok);
  return facilityId;
}

/**
 * The merchant decided on again and offered what that decision allows: how a merchant with a
 * facility takes a second product (one decision's offers lend at most its limit, across products;
 * the new decision sizes its limit to the leverage room the facilities taken leave).
 */
export async function offersOfAFreshDecision(book: LendingBook): Promise<OfferRow[]> {
  const decided = await decideForMerchant(book.harness.store, book.app, book.merchantId, lendingAsOfDay);
  assert.equal(decided.record.view.outcome, 'approved', 'a fresh decision approves the merchant again');
  const offers = await book.harness.store.write((tx) => makeOffers(tx, book.app, decided.row.id));
  assert.ok(offers.ok);
  return offers.value;
}

/** A grade E book (100,000,000 in the pool) and the advances its decision offers, largest first. */
export async function openBookWithAdvanceOffers(
  backend: BackendUnderTest,
): Promise<LendingBook & { readonly advances: readonly [OfferRow, ...OfferRow[]] }> {
  const book = await openLendingBook(backend, {
    topBand: { grade: 'E', maxPd: 0.4 },
    poolMinor: 100_000_000n,
  });
  const offers = await book.harness.store.write((tx) => makeOffers(tx, book.app, book.decisionId));
  assert.ok(offers.ok);
  const [largest, ...rest] = offers.value.filter((o) => o.product === 'advance');
  assert.ok(largest, 'an advance is offered');
  return { ...book, advances: [largest, ...rest] };
}

/** A grade E book (100,000,000 in the pool) whose merchant has taken its smallest advance. */
export async function openBookWithAdvance(
  backend: BackendUnderTest,
): Promise<LendingBook & { readonly facilityId: string }> {
  const { advances, ...book } = await openBookWithAdvanceOffers(backend);
  return { ...book, facilityId: await disburse(book, advances.at(-1) ?? advances[0]) };
}

/**
 * For a describe block: a book with an advance (openBookWithAdvance) opened before its tests and
 * disposed of after them, its fields read as the tests run.
 */
export function bookWithAdvanceForSuite(backend: BackendUnderTest): {
  readonly harness: Harness;
  readonly app: AppContext;
  readonly merchantId: string;
  readonly facilityId: string;
} {
  let opened: (LendingBook & { readonly facilityId: string }) | undefined;
  before(async () => {
    opened = await openBookWithAdvance(backend);
  });
  after(async () => opened?.harness.dispose());
  const book = () => {
    assert.ok(opened, 'the book is opened before the tests run');
    return opened;
  };
  return {
    get harness() {
      return book().harness;
    },
    get app() {
      return book().app;
    },
    get merchantId() {
      return book().merchantId;
    },
    get facilityId() {
      return book().facilityId;
    },
  };
}

/**
 * Payouts of 5,000.00 swept the day after `lendingAsOfDay`, each repaying the advance at its holdback,
 * until at most a quarter of what it repays (amount and fee) is left: 75% repaid, a refill's
 * threshold. The daily cycle is left to the caller.
 */
export async function repayThreeQuarters(
  book: { readonly harness: Harness; readonly app: AppContext; readonly merchantId: string },
  facilityId: string,
): Promise<void> {
  const { harness, app } = book;
  const owed = async () => {
    const row = await harness.store.read((tx) => tx.financing.facility(facilityId));
    const serviced = row === undefined ? null : servicedOf(row);
    assert.ok(serviced?.product === 'advance');
    return serviced.state.owed.principal + serviced.state.owed.fees;
  };
  const total = await owed();
  for (let n = 0; (await owed()) > total / 4n; n += 1) {
    assert.ok(n < 200, 'the advance is repaid by payouts');
    const swept = await harness.store.write((tx) =>
      sweepSettlement(tx, app, {
        settlementKey: `stl-${n}`,
        merchantId: book.merchantId,
        day: lendingAsOfDay + 1,
        currency: 'USD',
        netMinor: 500_000n,
      }),
    );
    assert.ok(swept.ok);
  }
}

/** A serviced facility's row and servicing state as stored. */
export async function servicedFacility<State>(harness: Harness, facilityId: string) {
  const row = await harness.store.read((tx) => tx.financing.facility(facilityId));
  const stored = fromTaggedJson<StoredFacility>(row?.stateJson ?? '{}');
  assert.equal(stored.phase, 'serviced');
  return { row, state: (stored as { servicing: State }).servicing };
}

/** Each account's debits less credits posted, by the name given (0 for an account not opened). */
export async function netDebits<K extends string>(
  harness: Harness,
  ids: Readonly<Record<K, string>>,
): Promise<Record<K, bigint>> {
  const accounts = await harness.store.read((tx) => tx.ledger.accountsByIds(Object.values(ids)));
  const net = {} as Record<K, bigint>;
  for (const [name, id] of Object.entries(ids) as [K, string][])
    net[name] = (accounts.get(id)?.debitsPosted ?? 0n) - (accounts.get(id)?.creditsPosted ?? 0n);
  return net;
}

/** A facility's principal and fees receivable, as the ledger says (debits less credits posted). */
export async function receivablesOf(harness: Harness, facilityId: string) {
  const book = { financierId: 'fin_pool', currency: 'USD', facilityId };
  return netDebits(harness, { principal: facilityAccount.principal(book), fees: facilityAccount.fees(book) });
}

/**
 * An advance's facility as stored, once it is asserted to owe what its ledger accounts hold:
 * principal and fees receivable, nothing taken twice, nothing lost.
 */
export async function advanceAgreeingWithLedger(harness: Harness, facilityId: string) {
  const row = await harness.store.read((tx) => tx.financing.facility(facilityId));
  const facility = row === undefined ? null : servicedOf(row);
  assert.ok(facility !== null, `facility ${facilityId} is serviced`);
  const booked = bookedOf(facility);
  assert.deepEqual(await receivablesOf(harness, facilityId), {
    principal: booked.principal,
    fees: booked.fees,
  });
  return facility;
}
