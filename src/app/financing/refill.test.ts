/**
 * Refill offers on real stores (SQLite, and PostgreSQL when configured): while the merchant's
 * advance is being repaid a new decision yields no advance offers; once payouts have repaid at
 * least 75% of it, the day's close announces it once (`refill_available`) and the advance offers
 * are refills that pay it off first. Accepting and confirming
 * one pays the old advance off from the money lent — the old facility is paid off with its fee
 * wholly earned, and the pool's cash falls by only what the merchant received. A merchant whose
 * home currency changed since is offered no refill in the new one: its payoff could not be netted.
 * Nor is an advance whose collections are set to be paused offered one: its acceptance could not
 * hold it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { generateActivity } from '../../../test/support/events.ts';
import {
  bookWithAdvanceForSuite,
  lendingAsOfDay,
  openBookWithAdvance,
  repayThreeQuarters,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import type { Offer } from '../../domain/products/offers.ts';
import { financierAccount } from '../../domain/products/postings.ts';
import { parseRecord as parseEvent } from '../../ingest/parse-record.ts';
import type { AppContext } from '../app-context.ts';
import { ingestBatch } from '../ingest/ingest.ts';
import { decideForMerchant } from '../risk/decisions.ts';
import { fromTaggedJson } from '../risk/tagged-json.ts';
import { pauseFacilityCollections, resumeFacilityCollections } from './collections.ts';
import { runEndOfDay } from './eod.ts';
import {
  acceptOffer,
  confirmDisbursement,
  fundPool,
  makeOffers,
  type StoredFacility,
  voidDisbursement,
} from './origination.ts';
import { repayFacility } from './repayments.ts';
import { portfolioReport } from './reports.ts';
import { servicedOf } from './serviced.ts';
import { sweepSettlement } from './sweep.ts';

const day = lendingAsOfDay;

for (const backend of backendsUnderTest) {
  describe(`refill offers on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let merchantId = '';
    let oldId = '';
    before(async () => {
      const book = await openBookWithAdvance(backend);
      ({ harness, app, merchantId } = book);
      oldId = book.facilityId;
    });
    after(async () => harness?.dispose());

    const advanceOffers = async () => {
      const decided = await decideForMerchant(harness.store, app, merchantId, day);
      assert.equal(decided.record.view.outcome, 'approved');
      const made = await harness.store.write((tx) => makeOffers(tx, app, decided.row.id));
      assert.ok(made.ok);
      return made.value.filter((o) => o.product === 'advance');
    };
    const old = async () => {
      const row = await harness.store.read((tx) => tx.financing.facility(oldId));
      assert.ok(row);
      const serviced = servicedOf(row);
      assert.ok(serviced?.product === 'advance');
      return serviced;
    };
    const cash = async () => {
      const id = financierAccount.cash({ financierId: 'fin_pool', currency: 'USD' });
      const account = (await harness.store.read((tx) => tx.ledger.accountsByIds([id]))).get(id);
      return (account?.debitsPosted ?? 0n) - (account?.creditsPosted ?? 0n);
    };

    /** The daily cycle through `through`, the clock at its end. */
    const closeDays = async (through: number) => {
      (app.clock as ManualClock).set(BigInt(through + 1) * 86_400_000_000_000n);
      const run = await runEndOfDay(app, through);
      assert.ok(run.ok);
    };

    it('offers no second advance while the first is being repaid', async () => {
      assert.deepEqual(await advanceOffers(), []);
      await closeDays(day);
      const events = await harness.store.read((tx) => tx.financing.facilityEvents(oldId, { limit: 500 }));
      assert.ok(!events.some((e) => e.type === 'refill_available'), 'no refill before 75% is repaid');
    });

    it('offers refills once 75% is repaid, and a refill pays the old advance off from the money lent', async () => {
      // Large payouts: each sweep takes the holdback share until 75% of the total is repaid.
      await repayThreeQuarters({ harness, app, merchantId }, oldId);
      // The day's close says so, once: the platform may ask for a new decision and its refills.
      await closeDays(day + 2);
      const announced = (await harness.store.read((tx) => tx.financing.facilityEvents(oldId, { limit: 500 })))
        .filter((e) => e.type === 'refill_available')
        .map((e) => ({ day: e.day, ...fromTaggedJson<{ repaidShareBps: number }>(e.detailJson) }));
      assert.equal(announced.length, 1, 'announced once, not every day it stays open');
      assert.equal(announced[0]?.day, day + 1);
      assert.ok((announced[0]?.repaidShareBps ?? 0) >= 7_500);
      assert.equal((await old()).refillAvailable, true);
      const offers = await advanceOffers();
      assert.ok(offers.length > 0, 'refill offers are made');
      const before = await old();
      const payoffNow = before.state.owed.fees + before.state.owed.principal;
      for (const o of offers) {
        const offer = fromTaggedJson<Offer>(o.offerJson);
        assert.equal(offer.refillOf?.facilityId, oldId);
        assert.equal(offer.refillOf?.payoffMinor, payoffNow);
        // Itemised as the old advance stands: its principal, what is left of its fee (the new
        // advance charges its own fee on that too), no late fees, and its fee not yet earned.
        assert.deepEqual(offer.refillOf?.payoff, {
          principalMinor: before.state.owed.principal,
          feeMinor: before.state.owed.fees,
          lateFeesMinor: 0n,
          unearnedFeeMinor: before.state.deferredFeeMinor,
        });
        assert.ok(o.amountMinor > payoffNow);
      }
      assert.ok(before.state.deferredFeeMinor > 0n, 'days remain to run: part of the fee is not yet earned');

      // Accepted, a refill holds the old advance until its payout: what pays it off is what the
      // platform was told to net, so the payouts meanwhile repay it no more, and a direct repayment
      // or its collections resumed are refused. Voided, the hold is lifted.
      const owed = async () => {
        const { state } = await old();
        return state.owed.fees + state.owed.principal;
      };
      const sweep = (key: string, on = day + 2) =>
        harness.store.write((tx) =>
          sweepSettlement(tx, app, {
            settlementKey: key,
            merchantId,
            day: on,
            currency: 'USD',
            netMinor: 500_000n,
          }),
        );
      const dropped = offers[0];
      assert.ok(dropped);
      const held = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: dropped.id, merchantId, day: day + 2 }),
      );
      assert.ok(held.ok, held.ok ? '' : held.detail);
      const heldState = fromTaggedJson<StoredFacility>(held.value.facility.stateJson);
      assert.equal(heldState.phase === 'disbursing' && heldState.refillPayoffMinor, payoffNow);
      // The acceptance records the funds provided as of it: the payoff held, the rest to the merchant.
      const recorded = fromTaggedJson<{ disclosure: { payout?: unknown } }>(
        held.value.offer.acceptanceJson ?? '{}',
      );
      assert.deepEqual(recorded.disclosure.payout, {
        amountMinor: dropped.amountMinor,
        paysOffMinor: payoffNow,
        toMerchantMinor: dropped.amountMinor - payoffNow,
      });
      const whileHeld = await sweep('stl-held');
      assert.ok(whileHeld.ok);
      assert.deepEqual(
        whileHeld.value.waterfall.deductions.filter((d) => d.facilityId === oldId && d.total > 0n),
        [],
        'nothing swept from the advance held',
      );
      assert.equal(await owed(), payoffNow);
      const direct = await harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId: oldId, day: day + 2, reference: 'held-1', amountMinor: 1_000n }),
      );
      assert.equal(direct.ok ? 'repaid' : direct.code, 'facility_held_for_refill');
      const resumed = await harness.store.write((tx) =>
        resumeFacilityCollections(tx, app, { facilityId: oldId, day: day + 2 }),
      );
      assert.equal(resumed.ok ? 'resumed' : resumed.code, 'facility_held_for_refill');
      const voided = await harness.store.write((tx) =>
        voidDisbursement(tx, app, {
          facilityId: held.value.facility.id,
          day: day + 2,
          reason: 'bank rejected',
        }),
      );
      assert.ok(voided.ok);
      const afterVoid = await sweep('stl-after-void');
      assert.ok(afterVoid.ok);
      assert.ok(
        afterVoid.value.waterfall.deductions.some((d) => d.facilityId === oldId && d.total > 0n),
        'the payouts repay it again',
      );
      assert.ok((await owed()) < payoffNow);
      // A new decision's refills, then, pay off what it owes now.
      const again = await advanceOffers();
      const reheld = await old();
      const payoffHeld = reheld.state.owed.fees + reheld.state.owed.principal;
      const chosen = again[0];
      assert.ok(chosen);
      assert.equal(fromTaggedJson<Offer>(chosen.offerJson).refillOf?.payoffMinor, payoffHeld);
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: chosen.id, merchantId, day: day + 2 }),
      );
      assert.ok(accepted.ok, accepted.ok ? '' : accepted.detail);
      // A payout between the acceptance and the refill's payout repays the advance held no more.
      assert.ok((await sweep('stl-held-again')).ok);
      assert.equal(await owed(), payoffHeld);
      // Nor does one dated the day before, sent late (past midnight): before, it swept the 48.80
      // left, and the confirmation failed on a payoff no longer what the acceptance held.
      assert.ok((await sweep('stl-held-late', day + 1)).ok);
      assert.equal(await owed(), payoffHeld);
      const acceptance = await harness.store.read((tx) => tx.financing.offer(chosen.id));
      const shown = fromTaggedJson<{ disclosure: { refillOf?: Offer['refillOf'] } }>(
        acceptance?.acceptanceJson ?? '{}',
      );
      assert.deepEqual(
        shown.disclosure.refillOf,
        fromTaggedJson<Offer>(chosen.offerJson).refillOf,
        'the itemised payoff is the disclosure recorded',
      );
      const cashBefore = await cash();
      const confirmed = await harness.store.write((tx) =>
        confirmDisbursement(tx, app, { facilityId: accepted.value.facility.id, day: day + 2 }),
      );
      assert.ok(confirmed.ok, confirmed.ok ? '' : confirmed.detail);
      const paidOff = await old();
      assert.equal(paidOff.row.status, 'paid_off');
      assert.equal(paidOff.state.deferredFeeMinor, 0n, 'its fee is wholly earned');
      assert.equal(
        cashBefore - (await cash()),
        chosen.amountMinor - payoffHeld,
        'the merchant receives the rest',
      );
      const events = await harness.store.read((tx) =>
        tx.financing.facilityEvents(accepted.value.facility.id, { limit: 10 }),
      );
      const disbursed = events.find((e) => e.type === 'disbursed');
      assert.ok(disbursed);
      const detail = fromTaggedJson<{ payoffMinor: bigint; paidToMerchantMinor: bigint }>(
        disbursed.detailJson,
      );
      assert.equal(detail.payoffMinor, payoffHeld);
      assert.equal(detail.paidToMerchantMinor, chosen.amountMinor - payoffHeld);
      // The portfolio tells the payoff apart: in the refill's originations and the old advance's
      // collections alike, as refinanced.
      const portfolio = await harness.store.read((tx) => portfolioReport(tx, {}));
      const usd = portfolio.find((c) => c.currency === 'USD');
      assert.equal(usd?.total.refinancedMinor, payoffHeld);
      const refill = await harness.store.read((tx) => tx.financing.facility(accepted.value.facility.id));
      assert.equal(refill && servicedOf(refill)?.refinancedMinor, payoffHeld);
    });
  });
}

for (const backend of backendsUnderTest) {
  describe(`a refill across currencies on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let merchantId = '';
    let oldId = '';
    before(async () => {
      const book = await openBookWithAdvance(backend);
      ({ harness, app, merchantId } = book);
      oldId = book.facilityId;
    });
    after(async () => harness?.dispose());

    it('offers no advance in another currency as the refill of the advance being repaid', async () => {
      await repayThreeQuarters({ harness, app, merchantId }, oldId);
      // The merchant is onboarded again, in EUR, on a platform where it sells as much as before.
      const inEuros = generateActivity(2, 196, 78)
        .filter((event) => event.subject === merchantId)
        .map((event) => {
          const raw = JSON.parse(JSON.stringify(event));
          raw.id = `eu-${raw.id}`;
          raw.source = 'plt_eu';
          if (typeof raw.data.currency === 'string') raw.data.currency = 'EUR';
          if (raw.type === 'merchant.onboarded') raw.time = '2026-07-14T09:00:00Z';
          return parseEvent({ origin: 'test', line: null, raw: JSON.stringify(raw) });
        });
      await harness.store.write((tx) => ingestBatch(tx, app, inEuros));
      await harness.store.write((tx) =>
        fundPool(tx, app, {
          financierId: 'fin_pool',
          currency: 'EUR',
          amountMinor: 100_000_000n,
          reference: 'eur',
        }),
      );
      const decided = await decideForMerchant(harness.store, app, merchantId, day + 1);
      assert.equal(decided.record.view.outcome, 'approved');
      assert.equal(decided.record.view.currency, 'EUR');
      const made = await harness.store.write((tx) => makeOffers(tx, app, decided.row.id));
      assert.ok(made.ok);
      // Before, each EUR advance named the USD advance's payoff (USD) as netted from its euros: the
      // EUR pool paid out the whole amount and the USD pool was credited the payoff from nothing.
      assert.deepEqual(
        made.value.filter((o) => o.product === 'advance').map((o) => o.currency),
        [],
        'no EUR advance beside the USD one, as a refill or otherwise',
      );
    });
  });
}

for (const backend of backendsUnderTest) {
  describe(`a refill of an advance with a pause to come on ${backend.name}`, { skip: backend.skip }, () => {
    const book = bookWithAdvanceForSuite(backend);

    it('is not offered: its acceptance could not hold the advance', async () => {
      const { harness, app, merchantId, facilityId } = book;
      await repayThreeQuarters(book, facilityId);
      (app.clock as ManualClock).set(BigInt(day + 2) * 86_400_000_000_000n);
      assert.ok((await runEndOfDay(app, day + 1)).ok);
      // Open to a refill, then a pause set for a week on (hardship agreed with the merchant).
      const paused = await harness.store.write((tx) =>
        pauseFacilityCollections(tx, app, {
          facilityId,
          day: day + 2,
          fromDay: day + 9,
          untilDay: day + 20,
          reason: 'hardship',
        }),
      );
      assert.ok(paused.ok, paused.ok ? '' : paused.detail);
      const decided = await decideForMerchant(harness.store, app, merchantId, day + 2);
      assert.equal(decided.record.view.outcome, 'approved');
      const made = await harness.store.write((tx) => makeOffers(tx, app, decided.row.id));
      assert.ok(made.ok);
      // Before, refills were offered that day, and each acceptance refused refill_not_available: the
      // hold pauses the advance from the acceptance, and the pause set already stood in its way.
      assert.deepEqual(
        made.value.filter((o) => o.product === 'advance'),
        [],
      );
      // Resumed (the pause called off before it began), the advance is open to a refill again.
      const resumed = await harness.store.write((tx) =>
        resumeFacilityCollections(tx, app, { facilityId, day: day + 2 }),
      );
      assert.ok(resumed.ok, resumed.ok ? '' : resumed.detail);
      const again = await decideForMerchant(harness.store, app, merchantId, day + 2);
      const offers = await harness.store.write((tx) => makeOffers(tx, app, again.row.id));
      assert.ok(offers.ok);
      const refills = offers.value.filter((o) => o.product === 'advance');
      assert.ok(refills.length > 0, 'refills are offered once no pause is set');
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: (refills[0] as { id: string }).id, merchantId, day: day + 2 }),
      );
      assert.ok(accepted.ok, accepted.ok ? '' : accepted.detail);
    });
  });
}
