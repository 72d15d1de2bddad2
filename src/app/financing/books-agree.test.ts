/**
 * `capstan verify`'s check of the facilities against the ledger, on real stores (SQLite, and
 * PostgreSQL when configured): an honest book agrees — a facility not yet paid out with nothing
 * booked, one paid out and repaid from a payout — and a facility's state changed beside its ledger
 * (the principal it owes set lower in its row, as someone with the database could) is named.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { lendingAsOfDay, openBookWithAdvanceOffers } from '../../../test/support/lending-fixture.ts';
import type { AppContext } from '../app-context.ts';
import { fromTaggedJson, toTaggedJson } from '../risk/tagged-json.ts';
import { verifyFacilities } from './books-agree.ts';
import { acceptOffer, confirmDisbursement } from './origination.ts';
import type { StoredFacility } from './serviced.ts';
import { sweepSettlement } from './sweep.ts';

const day = lendingAsOfDay;

for (const backend of backendsUnderTest) {
  describe(`verifying facilities against the ledger on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let merchantId = '';
    let facilityId = '';
    before(async () => {
      const book = await openBookWithAdvanceOffers(backend);
      ({ harness, app, merchantId } = book);
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: book.advances[0].id, merchantId, day }),
      );
      assert.ok(accepted.ok, accepted.ok ? '' : accepted.detail);
      facilityId = accepted.value.facility.id;
    });
    after(async () => harness?.dispose());

    it('finds an honest book in agreement, before the payout and after a payout repaid some', async () => {
      assert.deepEqual(await verifyFacilities(harness.store), { checked: 0, failure: null });
      const confirmed = await harness.store.write((tx) => confirmDisbursement(tx, app, { facilityId, day }));
      assert.ok(confirmed.ok, confirmed.ok ? '' : confirmed.detail);
      const swept = await harness.store.write((tx) =>
        sweepSettlement(tx, app, {
          settlementKey: 'stl-1',
          merchantId,
          day: day + 1,
          currency: 'USD',
          netMinor: 500_000n,
        }),
      );
      assert.ok(swept.ok && swept.value.waterfall.totalDeductedMinor > 0n);
      assert.deepEqual(await verifyFacilities(harness.store), { checked: 1, failure: null });
    });

    it('names a facility whose state owes other than its ledger accounts hold', async () => {
      await harness.store.write(async (tx) => {
        const row = await tx.financing.facility(facilityId);
        assert.ok(row);
        const stored = fromTaggedJson<StoredFacility>(row.stateJson);
        assert.ok(stored.phase === 'serviced' && stored.product === 'advance');
        const servicing = stored.servicing as { owed: { principal: bigint } };
        const tampered = {
          ...stored,
          servicing: {
            ...servicing,
            owed: { ...servicing.owed, principal: servicing.owed.principal - 100n },
          },
        };
        assert.ok(
          await tx.financing.updateFacility({ ...row, stateJson: toTaggedJson(tampered) }, row.version),
        );
      });
      const verified = await verifyFacilities(harness.store);
      assert.equal(verified.failure?.rule, 'facility_ledger_mismatch');
      assert.match(
        verified.failure?.detail ?? '',
        new RegExp(`^facility ${facilityId} disagrees with its ledger accounts`),
      );
    });
  });
}
