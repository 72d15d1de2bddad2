/**
 * Acceptances racing on real stores (SQLite, and PostgreSQL when configured, where two requests
 * run in transactions of their own at once): of two sizes of one advance accepted at the same
 * moment, one is taken and the other refused — one facility, never two — and each offer's history
 * says once what became of it; the same offer accepted twice at once answers the same facility.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { lendingAsOfDay, openLendingBook } from '../../../test/support/lending-fixture.ts';
import { acceptOffer, makeOffers } from './origination.ts';

for (const backend of backendsUnderTest) {
  describe(`acceptances racing on ${backend.name}`, { skip: backend.skip }, () => {
    it('takes one of two sizes accepted at once, refuses the other, and tells each offer once', async () => {
      const book = await openLendingBook(backend, {
        topBand: { grade: 'E', maxPd: 0.4 },
        poolMinor: 100_000_000n,
      });
      try {
        const { app, harness, merchantId } = book;
        const made = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
        assert.ok(made.ok);
        const advances = made.value.filter((o) => o.product === 'advance');
        assert.ok(advances.length >= 2, 'two sizes of the advance are offered');
        const accept = (offerId: string) =>
          harness.store.write((tx) => acceptOffer(tx, app, { offerId, merchantId, day: lendingAsOfDay }));
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
      } finally {
        await book.harness.dispose();
      }
    });
  });
}
