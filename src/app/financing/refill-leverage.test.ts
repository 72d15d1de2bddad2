/**
 * A refill under the leverage cap, on real stores (SQLite, and PostgreSQL when configured): a
 * merchant that took the largest advance its decision allowed has its leverage room taken by that
 * advance. Once 75% of it is repaid, a new decision must still size a refill — which pays the old
 * advance off and so takes its place under the cap — from the room the old advance would leave,
 * while lending beside it (any other product) stays within the room left with it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import {
  disburse,
  type LendingBook,
  lendingAsOfDay,
  openBookWithAdvance,
  openLendingBook,
  repayThreeQuarters,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import type { Offer } from '../../domain/products/offers.ts';
import { buildServer } from '../../http/server.ts';
import { bootstrapOperatorKey } from '../access/api-keys.ts';
import type { AppContext } from '../app-context.ts';
import { updateDecisionSettings } from '../risk/decision-settings.ts';
import { decideForMerchant } from '../risk/decisions.ts';
import { fromTaggedJson } from '../risk/tagged-json.ts';
import { updateSettings } from '../settings/stored-settings.ts';
import { runEndOfDay } from './eod.ts';
import { offerSettings } from './offer-settings.ts';
import { acceptOffer, makeOffers } from './origination.ts';

const day = lendingAsOfDay;

/** Payouts swept until at least 75% of the advance is repaid, then the days closed through day + 2. */
async function repayThreeQuartersAndClose(
  book: LendingBook & { readonly facilityId: string },
): Promise<void> {
  await repayThreeQuarters(book, book.facilityId);
  (book.app.clock as ManualClock).set(BigInt(day + 3) * 86_400_000_000_000n);
  assert.ok((await runEndOfDay(book.app, day + 2)).ok);
}

for (const backend of backendsUnderTest) {
  describe(`a refill of the largest advance on ${backend.name}`, { skip: backend.skip }, () => {
    let book: LendingBook;
    let harness: Harness;
    let app: AppContext;
    let oldId = '';
    let firstLimit = 0n;
    before(async () => {
      book = await openLendingBook(backend, { topBand: { grade: 'E', maxPd: 0.4 }, poolMinor: 100_000_000n });
      ({ harness, app } = book);
      const first = await harness.store.read((tx) => tx.risk.decision(book.decisionId));
      firstLimit = BigInt(JSON.parse(first?.recordJson ?? '{}').limit);
      const offers = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(offers.ok);
      const largest = offers.value.find((o) => o.product === 'advance');
      assert.ok(largest, 'an advance is offered');
      assert.equal(largest.amountMinor, firstLimit, 'the largest advance lends the whole limit');
      oldId = await disburse(book, largest);
    });
    after(async () => harness?.dispose());

    it('leaves no room beside it while it is being repaid', async () => {
      const decided = await decideForMerchant(harness.store, app, book.merchantId, day);
      const view = decided.record.view;
      assert.equal(view.outcome, 'declined');
      assert.equal(view.refill, undefined, 'no refill before 75% is repaid');
      assert.ok(
        ['leverage_cap_reached', 'limit_below_minimum'].includes(view.reasons[0]?.code ?? ''),
        `declined for want of room: ${view.reasons[0]?.code}`,
      );
    });

    it('is refilled from the room it leaves once 75% is repaid, and lends beside it only what is left', async () => {
      await repayThreeQuartersAndClose({ ...book, facilityId: oldId });

      const decided = await decideForMerchant(harness.store, app, book.merchantId, day + 2);
      const view = decided.record.view;
      assert.equal(view.outcome, 'approved', `approved for a refill: ${JSON.stringify(view.reasons)}`);
      assert.equal(view.refill?.facility_id, oldId);
      const refillLimit = BigInt(view.refill?.limit ?? '0');
      const beside = BigInt(view.limit ?? '0');
      assert.ok(
        refillLimit > beside,
        `the refill has the old advance's room too: ${refillLimit} > ${beside}`,
      );
      assert.ok(
        BigInt(view.refill?.debt_service_daily ?? '0') > 0n &&
          BigInt(view.refill?.debt_service_daily ?? '0') <= BigInt(view.existing_debt_service_daily),
        'the room it makes is its own debt service, one part of the existing',
      );

      // The API shows it as stored.
      const key = 'cap_op_refill-leverage-test-key-0123456789';
      assert.ok((await harness.store.write((tx) => bootstrapOperatorKey(tx, app, key))).ok);
      const server = await buildServer({ app, version: 'test', logger: false });
      try {
        await server.listen({ port: 0, host: '127.0.0.1' });
        const address = server.server.address();
        assert.ok(address !== null && typeof address !== 'string');
        const answer = await fetch(`http://127.0.0.1:${address.port}/v1/decisions/${decided.row.id}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        assert.equal(answer.status, 200);
        assert.deepEqual(((await answer.json()) as { refill?: unknown }).refill, view.refill);
      } finally {
        await server.close();
      }

      const made = await harness.store.write((tx) => makeOffers(tx, app, decided.row.id));
      assert.ok(made.ok);
      const advances = made.value.filter((o) => o.product === 'advance');
      assert.ok(advances.length > 0, 'refills are offered');
      assert.equal(advances[0]?.amountMinor, refillLimit, 'the largest refill lends the refill limit');
      for (const o of advances) assert.equal(fromTaggedJson<Offer>(o.offerJson).refillOf?.facilityId, oldId);
      for (const o of made.value.filter((offer) => offer.product !== 'advance'))
        assert.ok(o.amountMinor <= beside, `${o.product} lends beside the old advance: within ${beside}`);

      const largest = advances[0];
      assert.ok(largest);
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: largest.id, merchantId: book.merchantId, day: day + 2 }),
      );
      assert.ok(accepted.ok, `the refill is taken within its limit: ${accepted.ok ? '' : accepted.detail}`);
    });
  });
}

for (const backend of backendsUnderTest) {
  describe(`an older decision's offers beside an advance on ${backend.name}`, { skip: backend.skip }, () => {
    let book: LendingBook & { readonly facilityId: string };
    before(async () => {
      book = await openBookWithAdvance(backend);
      // Grade E is offered term loans here: an earlier decision lends beside the advance.
      await book.harness.store.write((tx) =>
        updateSettings(
          tx,
          offerSettings,
          book.app.clock.nowNs(),
          {
            termLoanGrades: ['A', 'B', 'C', 'D', 'E'],
          },
          'test',
        ),
      );
    });
    after(async () => book?.harness.dispose());

    it('are not taken up once a newer decision approves only a refill (limit 0)', async () => {
      const { harness, app, merchantId } = book;
      const earlier = await decideForMerchant(harness.store, app, merchantId, day);
      assert.equal(earlier.record.view.outcome, 'approved');
      assert.equal(earlier.record.view.refill, undefined, 'the advance is not yet open to a refill');
      const made = await harness.store.write((tx) => makeOffers(tx, app, earlier.row.id));
      assert.ok(made.ok);
      const termLoan = made.value.find((o) => o.product === 'term_loan');
      assert.ok(termLoan, 'a term loan is offered beside the advance');

      await repayThreeQuartersAndClose(book);
      // A smaller share of sales for repayments: the advance leaves less room beside it than the
      // smallest limit, but its refill, with that advance's room freed, still has more.
      const changed = await harness.store.write((tx) =>
        updateDecisionSettings(tx, app.clock.nowNs(), { debtServiceShareBps: 900 }, 'test'),
      );
      assert.ok(changed.ok);
      const newer = await decideForMerchant(harness.store, app, merchantId, day + 2);
      const view = newer.record.view;
      assert.equal(view.outcome, 'approved', 'approved for a refill');
      assert.equal(view.limit, '0', 'nothing beside the advance');
      assert.ok(BigInt(view.refill?.limit ?? '0') > 0n);

      // Nothing beside the advance is what the lender thinks now: the term loan is not taken up,
      // as when such a decision declined the merchant.
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: termLoan.id, merchantId, day: day + 2 }),
      );
      assert.equal(accepted.ok ? 'accepted' : accepted.code, 'decision_not_current');
      const still = await harness.store.read((tx) => tx.financing.offer(termLoan.id));
      assert.equal(still?.status, 'open', 'a refusal leaves the offer as it was');
    });
  });
}
