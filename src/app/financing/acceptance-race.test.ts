/**
 * Acceptances racing on real stores (SQLite, and PostgreSQL when configured, where two requests
 * run in transactions of their own at once): of two sizes of one advance accepted at the same
 * moment, one is taken and the other refused — one facility, never two — and each offer's history
 * says once what became of it; the same offer accepted twice at once answers the same facility;
 * two products of one decision accepted at once lend no more than its limit; nor do two decisions
 * made before either was taken, one after the other or at once; and two merchants' acceptances
 * drawing on a pool that can lend only one of them are both lent, the second from the next pool.
 * A fraud flag set while a decision's offers are being made withdraws them too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type BackendUnderTest, backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { type LendingBook, lendingAsOfDay, openLendingBook } from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { meetingAfterFirst } from '../../../test/support/race.ts';
import type { OfferRow } from '../ports.ts';
import { grantConsent } from '../risk/consents.ts';
import { updateDecisionSettings } from '../risk/decision-settings.ts';
import { currentModels, decideForMerchant, gatherInputs, storeDecisions } from '../risk/decisions.ts';
import { acceptOffer, fundPool, makeOffers, withdrawOpenOffers } from './origination.ts';

/** A book of its own with a grade's top band, its decision's offers made; disposed of after `story`. */
async function withOffers(
  backend: BackendUnderTest,
  grade: string,
  poolMinor: bigint,
  story: (
    book: LendingBook,
    offers: readonly OfferRow[],
    accept: (offerId: string) => ReturnType<typeof acceptOffer>,
  ) => Promise<void>,
): Promise<void> {
  const book = await openLendingBook(backend, { topBand: { grade, maxPd: 0.4 }, poolMinor });
  try {
    const { app, harness, merchantId } = book;
    const made = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
    assert.ok(made.ok);
    await story(book, made.value, (offerId) =>
      harness.store.write((tx) => acceptOffer(tx, app, { offerId, merchantId, day: lendingAsOfDay })),
    );
  } finally {
    await book.harness.dispose();
  }
}

/**
 * The offer marked expired by a transaction that keeps its row lock while `during` is set off and a
 * moment passes — long enough for what `during` does to wait on the lock — then commits; answers
 * what `during` came to.
 */
async function whileLapseHeld<T>(harness: Harness, offerId: string, during: () => Promise<T>): Promise<T> {
  let lapsed = () => {};
  let letGo = () => {};
  const expiredHeld = new Promise<void>((resolve) => (lapsed = resolve));
  const held = new Promise<void>((resolve) => (letGo = resolve));
  const expiring = harness.store.write(async (tx) => {
    assert.equal(await tx.financing.expireOffer(offerId), true);
    lapsed();
    await held;
  });
  await expiredHeld;
  const waiting = during();
  await new Promise((resolve) => setTimeout(resolve, 200));
  letGo();
  await expiring;
  return waiting;
}

for (const backend of backendsUnderTest) {
  describe(`acceptances racing on ${backend.name}`, { skip: backend.skip }, () => {
    it('takes one of two sizes accepted at once, refuses the other, and tells each offer once', () =>
      withOffers(backend, 'E', 100_000_000n, async ({ harness, merchantId }, offers, accept) => {
        const advances = offers.filter((o) => o.product === 'advance');
        assert.ok(advances.length >= 2, 'two sizes of the advance are offered');
        const [first, second] = await Promise.all(advances.slice(0, 2).map((o) => accept(o.id)));
        const outcomes = [first, second].map((r) => (r?.ok ? 'accepted' : r?.code));
        assert.deepEqual(outcomes.sort(), ['accepted', 'offer_not_open']);
        const taken = (first?.ok ? advances[0] : advances[1])?.id;

        const facilities = await harness.store.read((tx) => tx.financing.facilitiesForMerchant(merchantId));
        assert.equal(facilities.length, 1, 'one facility, never two');
        for (const offer of advances) {
          const [row, history] = await harness.store.read(async (tx) => [
            await tx.financing.offer(offer.id),
            await tx.financing.offerEvents(offer.id),
          ]);
          const became = offer.id === taken ? 'accepted' : 'withdrawn';
          assert.equal(row?.status, became);
          assert.deepEqual(
            history.map((e) => e.type),
            ['created', became],
          );
        }

        // The one taken, accepted twice more at once: the same facility both times.
        const again = await Promise.all([accept(taken as string), accept(taken as string)]);
        for (const answer of again) {
          assert.ok(answer.ok);
          assert.equal(answer.value.facility.id, facilities[0]?.id);
        }
      }));

    it('answers an acceptance racing one made after the offer lapsed, and leaves the alternatives as the winner did', () =>
      withOffers(backend, 'E', 100_000_000n, async ({ app, harness, merchantId }, offers) => {
        const advances = offers.filter((o) => o.product === 'advance');
        const [first] = advances;
        assert.ok(first && advances.length >= 2);
        const acceptOn = (day: number) =>
          harness.store.write((tx) => acceptOffer(tx, app, { offerId: first.id, merchantId, day }));
        // One request still on the day it was open, the other past midnight after it lapsed.
        const answers = await Promise.all([acceptOn(lendingAsOfDay), acceptOn(first.expiresOn + 1)]);
        const codes = answers.map((r) => (r.ok ? 'accepted' : r.code));
        const statuses = await harness.store.read(async (tx) =>
          Promise.all(advances.map(async (o) => (await tx.financing.offer(o.id))?.status)),
        );
        if (statuses[0] === 'accepted') {
          // The acceptance came first: the alternatives were withdrawn; the late one answered the
          // facility, or — had it read the offer open before — that it had lapsed for its day.
          assert.equal(codes[0], 'accepted');
          assert.ok(['accepted', 'offer_expired'].includes(codes[1] as string), String(codes[1]));
          assert.ok(statuses.slice(1).every((s) => s === 'withdrawn'));
        } else {
          // The lapse came first: nothing was taken, the alternatives are as they were; the one
          // on time found the offer marked expired and is told it lapsed too.
          assert.equal(statuses[0], 'expired');
          assert.deepEqual(codes, ['offer_expired', 'offer_expired']);
          assert.ok(statuses.slice(1).every((s) => s === 'open'));
        }
      }));

    // Only where two writes run at once: on SQLite one waits for the other whole, so a lapse cannot
    // come while a take waits.
    if (backend.name === 'postgres')
      it('takes nothing when the offer lapsed while the take waited for it, and withdraws nothing', () =>
        withOffers(backend, 'E', 100_000_000n, async ({ harness }, offers) => {
          const advances = offers.filter((o) => o.product === 'advance');
          const [first] = advances;
          assert.ok(first && advances.length >= 2);
          // Waits for the expiring transaction's row lock, then finds the offer no longer open.
          const taking = await whileLapseHeld(harness, first.id, () =>
            harness.store.write((tx) => tx.financing.takeOffer(first)),
          );
          assert.deepEqual(taking, { taken: false, withdrawn: [] });
          const statuses = await harness.store.read(async (tx) =>
            Promise.all(advances.map(async (o) => (await tx.financing.offer(o.id))?.status)),
          );
          assert.deepEqual(statuses, ['expired', ...advances.slice(1).map(() => 'open')]);
        }));

    if (backend.name === 'postgres')
      it('answers offer_expired to an acceptance that read the offer open and found it lapsed when it came to take it', () =>
        withOffers(backend, 'E', 100_000_000n, async ({ harness }, offers, accept) => {
          const first = offers.find((o) => o.product === 'advance');
          assert.ok(first);
          // Reads the offer open (the lapse is not committed), then waits to take it.
          const answer = await whileLapseHeld(harness, first.id, () => accept(first.id));
          assert.deepEqual(answer.ok ? 'accepted' : answer.code, 'offer_expired');
        }));

    // Only where two writes run at once: on SQLite the flag waits for the offers whole.
    if (backend.name === 'postgres')
      it('withdraws with a flag the offers a decision was making as it was set', () =>
        withOffers(backend, 'C', 1_000_000_000n, async ({ app, harness, merchantId }) => {
          const decided = await decideForMerchant(harness.store, app, merchantId, lendingAsOfDay);
          let madeThem = () => {};
          let letGo = () => {};
          const made = new Promise<void>((resolve) => (madeThem = resolve));
          const held = new Promise<void>((resolve) => (letGo = resolve));
          // The offers made (the merchant not flagged yet), their transaction kept open a moment.
          const making = harness.store.write(async (tx) => {
            const offers = await makeOffers(tx, app, decided.row.id);
            madeThem();
            await held;
            return offers;
          });
          await made;
          const flagging = harness.store.write(async (tx) => {
            await tx.risk.setFlag(merchantId, 'fraud', 'test', app.clock.nowNs() / 1_000_000n);
            return withdrawOpenOffers(tx, app, merchantId, 'merchant_flagged');
          });
          await new Promise((resolve) => setTimeout(resolve, 200));
          letGo();
          const [offers, withdrawn] = await Promise.all([making, flagging]);
          assert.ok(offers.ok);
          assert.equal(withdrawn, offers.value.length);
          assert.deepEqual(
            await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId, 'open')),
            [],
          );
        }));

    it("takes one of two products accepted at once and refuses the other beyond the decision's limit, leaving its offers open", () =>
      // Grade C: an advance, a term loan and a credit line, each sized to the whole limit.
      withOffers(backend, 'C', 1_000_000_000n, async ({ harness, merchantId }, offers, accept) => {
        const advance = offers.filter((o) => o.product === 'advance').at(-1);
        const loan = offers.filter((o) => o.product === 'term_loan').at(-1);
        assert.ok(advance && loan, 'an advance and a term loan are offered');
        const answers = await Promise.all([accept(advance.id), accept(loan.id)]);
        assert.deepEqual(answers.map((r) => (r.ok ? 'accepted' : r.code)).sort(), [
          'accepted',
          'exposure_limit_reached',
        ]);
        const facilities = await harness.store.read((tx) => tx.financing.facilitiesForMerchant(merchantId));
        assert.equal(facilities.length, 1);
        // The refused one and its alternatives are open as before, their histories untouched.
        const refused = answers[0]?.ok ? loan : advance;
        const [row, history] = await harness.store.read(async (tx) => [
          await tx.financing.offer(refused.id),
          await tx.financing.offerEvents(refused.id),
        ]);
        assert.equal(row?.status, 'open');
        assert.deepEqual(
          history.map((e) => e.type),
          ['created'],
        );
        const alternatives = offers.filter((o) => o.product === refused.product && o.id !== refused.id);
        for (const other of alternatives)
          assert.equal((await harness.store.read((tx) => tx.financing.offer(other.id)))?.status, 'open');
      }));

    describe('under two decisions made before either was taken', () => {
      /**
       * A second decision for the book's merchant, made before anything is taken, and its offers —
       * with the first decision's offers open beside them, as a store holds them from before a
       * decision's offers replaced an earlier one's (which the first test here shows).
       */
      async function secondDecision(book: LendingBook, offers: readonly OfferRow[]) {
        const { app, harness, merchantId } = book;
        const second = await decideForMerchant(harness.store, app, merchantId, lendingAsOfDay);
        assert.equal(second.record.view.outcome, 'approved');
        const limit = (offers.find((o) => o.product === 'advance') as OfferRow).amountMinor;
        assert.equal(second.record.view.limit, limit.toString(), 'the same limit');
        const made = await harness.store.write((tx) => makeOffers(tx, app, second.row.id));
        assert.ok(made.ok);
        const [first, ...rest] = offers.map((o) => o.id);
        await harness.store.write((tx) => tx.financing.releaseOffer(first as string, rest));
        return { limit, offers: made.value };
      }
      const statusesOf = (book: LendingBook, offers: readonly OfferRow[]) =>
        book.harness.store.read((tx) =>
          Promise.all(offers.map(async (o) => (await tx.financing.offer(o.id))?.status)),
        );

      it("replaces the first decision's open offers with the second's, which it answers again when asked", () =>
        withOffers(backend, 'C', 1_000_000_000n, async (book, offers) => {
          const { app, harness, merchantId } = book;
          const second = await decideForMerchant(harness.store, app, merchantId, lendingAsOfDay);
          // The first decision is no longer the merchant's newest: it makes no more offers, but
          // answers those it made.
          const again = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
          assert.deepEqual(
            again.ok ? again.value.map((o) => o.id) : again.code,
            offers.map((o) => o.id),
          );
          const made = await harness.store.write((tx) => makeOffers(tx, app, second.row.id));
          assert.ok(made.ok && made.value.length > 0);
          assert.deepEqual(
            await statusesOf(book, offers),
            offers.map(() => 'withdrawn'),
          );
          for (const offer of offers)
            assert.deepEqual(
              (await harness.store.read((tx) => tx.financing.offerEvents(offer.id))).map((e) => e.type),
              ['created', 'withdrawn'],
            );
          const open = await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId, 'open'));
          assert.deepEqual(open.map((o) => o.id).sort(), made.value.map((o) => o.id).sort(), 'one set open');
          // Asked again, the second decision answers the same offers, in the same order; the first
          // makes none now.
          const replayed = await harness.store.write((tx) => makeOffers(tx, app, second.row.id));
          assert.deepEqual(
            replayed.ok ? replayed.value.map((o) => o.id) : replayed.code,
            made.value.map((o) => o.id),
          );
          assert.equal(
            (await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId))).length,
            offers.length + made.value.length,
          );
          // A decision with a later one beside it makes none: the later one is the merchant's newest.
          const third = await decideForMerchant(harness.store, app, merchantId, lendingAsOfDay);
          const fourth = await decideForMerchant(harness.store, app, merchantId, lendingAsOfDay);
          const stale = await harness.store.write((tx) => makeOffers(tx, app, third.row.id));
          assert.equal(stale.ok ? 'made' : stale.code, 'decision_not_current');
          assert.match(stale.ok ? '' : (stale.detail ?? ''), new RegExp(`newest decision, ${fourth.row.id}`));
          assert.deepEqual(
            (await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId, 'open')))
              .map((o) => o.id)
              .sort(),
            made.value.map((o) => o.id).sort(),
            'the open offers stand',
          );
        }));
      const facilitiesOf = (book: LendingBook) =>
        book.harness.store.read((tx) => tx.financing.facilitiesForMerchant(book.merchantId));
      const product = (offers: readonly OfferRow[], name: OfferRow['product'], at = 0) =>
        offers.filter((o) => o.product === name).at(at) as OfferRow;

      it("counts what one took against the other's limit, which did not see it", () =>
        // Grade C: an advance, a term loan and a credit line, each sized to the whole limit.
        withOffers(backend, 'C', 1_000_000_000n, async (book, offers, accept) => {
          const second = await secondDecision(book, offers);
          const taken = await accept(product(offers, 'advance').id);
          assert.ok(taken.ok);
          const loan = product(second.offers, 'term_loan');
          const refused = await accept(loan.id);
          assert.ok(!refused.ok);
          assert.equal(refused.code, 'exposure_limit_reached');
          assert.match(
            refused.detail ?? '',
            new RegExp(`limit is ${second.limit}; ${second.limit} of it is taken`),
          );
          // Refused, it is open again, and nothing was lent.
          const status = await book.harness.store.read(
            async (tx) => (await tx.financing.offer(loan.id))?.status,
          );
          assert.equal(status, 'open');
          assert.equal((await facilitiesOf(book)).length, 1);
        }));

      it('takes one of two products accepted at once and refuses the other', () =>
        withOffers(backend, 'C', 1_000_000_000n, async (book, offers, accept) => {
          const second = await secondDecision(book, offers);
          const answers = await Promise.all([
            accept(product(offers, 'advance').id),
            accept(product(second.offers, 'term_loan').id),
          ]);
          assert.deepEqual(answers.map((r) => (r.ok ? 'accepted' : r.code)).sort(), [
            'accepted',
            'exposure_limit_reached',
          ]);
          assert.equal((await facilitiesOf(book)).length, 1, 'the two decisions together lend one limit');
        }));

      it('counts a facility taken while a decision was being made: read before it, stamped after it', () =>
        withOffers(backend, 'C', 1_000_000_000n, async (book, offers, accept) => {
          const { app, harness, merchantId } = book;
          // The second decision's inputs are read with no facility to see…
          const prepared = await harness.store.read(async (tx) => ({
            inputs: await gatherInputs(tx, merchantId, lendingAsOfDay, app.clock.nowNs() / 1_000_000n),
            models: await currentModels(tx),
          }));
          // …an advance is taken under the first meanwhile, and the decision is stored later.
          const taken = await accept(product(offers, 'advance').id);
          assert.ok(taken.ok);
          (app.clock as ManualClock).advanceSeconds(1);
          const [second] = await harness.store.write((tx) => storeDecisions(tx, app, [prepared]));
          assert.equal(second?.record.view.outcome, 'approved');
          const made = await harness.store.write((tx) => makeOffers(tx, app, second?.row.id as string));
          assert.ok(made.ok);
          const loan = await accept(product(made.value, 'term_loan').id);
          assert.equal(loan.ok ? 'accepted' : loan.code, 'exposure_limit_reached');
          assert.equal((await facilitiesOf(book)).length, 1);
        }));

      it('offers no advance while one is being paid out', () =>
        withOffers(backend, 'E', 100_000_000n, async (book, offers, accept) => {
          const taken = await accept(product(offers, 'advance', -1).id);
          assert.ok(taken.ok);
          assert.equal(taken.value.facility.status, 'disbursing');
          const decided = await decideForMerchant(
            book.harness.store,
            book.app,
            book.merchantId,
            lendingAsOfDay,
          );
          const made = await book.harness.store.write((tx) => makeOffers(tx, book.app, decided.row.id));
          assert.ok(made.ok);
          assert.deepEqual(
            made.value.filter((o) => o.product === 'advance'),
            [],
          );
        }));

      it("makes the second's offers as an acceptance of the first's racing them leaves: no advance beside the one taken", () =>
        withOffers(backend, 'C', 1_000_000_000n, async (book, offers) => {
          const { app, harness, merchantId } = book;
          const decided = await decideForMerchant(harness.store, app, merchantId, lendingAsOfDay);
          const advance = product(offers, 'advance', -1);
          // Each reads the merchant's facilities and waits for the other (or a moment): the offers
          // are made while the acceptance has taken the advance and not yet committed.
          const meet = meetingAfterFirst('financing', 'facilitiesForMerchant');
          const [made, accepted] = await Promise.all([
            harness.store.write((tx) => makeOffers(meet(tx), app, decided.row.id)),
            harness.store.write((tx) =>
              acceptOffer(meet(tx), app, { offerId: advance.id, merchantId, day: lendingAsOfDay }),
            ),
          ]);
          assert.ok(made.ok && made.value.length > 0);
          // Taken first, the advance is in hand: the new offers are the other products, as made
          // after it; else the new offers withdrew it before it could be taken.
          assert.deepEqual(
            accepted.ok
              ? made.value.filter((o) => o.product === 'advance').map((o) => o.amountMinor)
              : accepted.code,
            accepted.ok ? [] : 'offer_not_open',
          );
          const open = await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId, 'open'));
          assert.deepEqual(open.map((o) => o.id).sort(), made.value.map((o) => o.id).sort(), 'one set open');
        }));

      it("leaves the first decision's offers open when the second makes none", () =>
        withOffers(backend, 'C', 1_000_000_000n, async (book, offers, accept) => {
          const { app, harness, merchantId } = book;
          assert.ok((await accept(product(offers, 'advance', -1).id)).ok);
          const left = await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId, 'open'));
          assert.ok(left.length > 0, 'its term loans and credit line are open');
          // Grade E now: advances only, and none beside the one being paid out.
          await harness.store.write((tx) =>
            updateDecisionSettings(
              tx,
              app.clock.nowNs(),
              { gradeBands: [{ grade: 'E', maxPd: 0.4 }] },
              'test',
            ),
          );
          const decided = await decideForMerchant(harness.store, app, merchantId, lendingAsOfDay);
          assert.equal(decided.record.view.grade, 'E');
          const made = await harness.store.write((tx) => makeOffers(tx, app, decided.row.id));
          assert.deepEqual(made.ok ? made.value : made.code, []);
          for (const offer of left) {
            assert.equal((await harness.store.read((tx) => tx.financing.offer(offer.id)))?.status, 'open');
            assert.deepEqual(
              (await harness.store.read((tx) => tx.financing.offerEvents(offer.id))).map((e) => e.type),
              ['created'],
            );
          }
        }));

      it('adds no second advance beside one taken, even within the limit, one after the other or at once', () =>
        withOffers(backend, 'E', 100_000_000n, async (book, offers, accept) => {
          const second = await secondDecision(book, offers);
          // The smallest of each: 40% and 40% of one limit, within it.
          const [mine, theirs] = [product(offers, 'advance', -1), product(second.offers, 'advance', -1)];
          const answers = await Promise.all([accept(mine.id), accept(theirs.id)]);
          assert.deepEqual(answers.map((r) => (r.ok ? 'accepted' : r.code)).sort(), [
            'accepted',
            'product_not_available',
          ]);
          const refused = answers.find((r) => !r.ok);
          assert.match(refused?.ok === false ? (refused.detail ?? '') : '', /repaying advance fac_/);
          const facilities = await facilitiesOf(book);
          assert.equal(facilities.length, 1);
          // Accepted again one after the other: refused the same way.
          const other = answers[0]?.ok ? theirs : mine;
          const again = await accept(other.id);
          assert.equal(again.ok ? 'accepted' : again.code, 'product_not_available');
        }));
    });

    it("lends two merchants' acceptances at once from a pool that can lend only one: the second from the next pool", async () => {
      const book = await openLendingBook(backend, { topBand: { grade: 'E', maxPd: 0.4 }, poolMinor: 1n });
      try {
        const { app, harness } = book;
        const other = book.merchantId === 'mer_gen0' ? 'mer_gen1' : 'mer_gen0';
        await harness.store.write((tx) =>
          grantConsent(tx, app, other, {
            purpose: 'credit_assessment',
            dataSources: ['sales'],
            expiresAtMs: app.clock.nowNs() / 1_000_000n + 86_400_000_000n,
          }),
        );
        const decided = await decideForMerchant(harness.store, app, other, lendingAsOfDay);
        assert.equal(decided.record.view.outcome, 'approved', 'the other merchant is approved too');
        const smallest = async (decisionId: string) => {
          const made = await harness.store.write((tx) => makeOffers(tx, app, decisionId));
          assert.ok(made.ok);
          return made.value.filter((o) => o.product === 'advance').at(-1) as OfferRow;
        };
        const offers = [await smallest(book.decisionId), await smallest(decided.row.id)];
        const [a, b] = offers.map((o) => o.amountMinor).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)) as [
          bigint,
          bigint,
        ];
        // a ≤ b: fin_pool can lend either, not both; fin_pool_2 (after it in order) can lend both.
        await harness.store.write(async (tx) => {
          const topUp = await fundPool(tx, app, {
            financierId: 'fin_pool',
            currency: 'USD',
            amountMinor: b - 1n,
            reference: 'top-up',
          });
          assert.ok(topUp.ok);
          const next = await fundPool(tx, app, {
            financierId: 'fin_pool_2',
            currency: 'USD',
            amountMinor: a + b,
            reference: 'seed-2',
          });
          assert.ok(next.ok);
        });
        const answers = await Promise.all(
          offers.map((o) =>
            harness.store.write((tx) =>
              acceptOffer(tx, app, { offerId: o.id, merchantId: o.merchantId, day: lendingAsOfDay }),
            ),
          ),
        );
        const financiers = answers.map((r) => {
          assert.ok(r.ok, r.ok ? '' : r.detail);
          return r.value.facility.financierId;
        });
        assert.deepEqual(financiers.sort(), ['fin_pool', 'fin_pool_2']);
      } finally {
        await book.harness.dispose();
      }
    });
  });
}
