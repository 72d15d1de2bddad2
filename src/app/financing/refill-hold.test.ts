/**
 * The hold of an advance for its refill through the daily cycle, on real stores (SQLite, and
 * PostgreSQL when configured): a refill accepted and never paid out is voided by the cycle at the
 * end of its deadline's last day, a day the held advance was served paused; its collections resume
 * the next day, the day the cycle says so (`collections_resumed`). A refill accepted before holds
 * were kept holds nothing: its advance's payouts repay it and its pauses resume as ever, and its
 * confirmation pays off what it owes then.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { bookWithAdvanceForSuite, lendingAsOfDay } from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { collectionsPausedOn } from '../../domain/products/collections-pause.ts';
import { decideForMerchant } from '../risk/decisions.ts';
import { fromTaggedJson, toTaggedJson } from '../risk/tagged-json.ts';
import { pauseFacilityCollections, resumeFacilityCollections } from './collections.ts';
import { runEndOfDay } from './eod.ts';
import { acceptOffer, confirmDisbursement, makeOffers, type StoredFacility } from './origination.ts';
import { servicedOf } from './serviced.ts';
import { sweepSettlement } from './sweep.ts';

const day = lendingAsOfDay;

for (const backend of backendsUnderTest) {
  describe(`an advance held for its refill on ${backend.name}`, { skip: backend.skip }, () => {
    const book = bookWithAdvanceForSuite(backend);

    const old = async () => {
      const row = await book.harness.store.read((tx) => tx.financing.facility(book.facilityId));
      const serviced = row === undefined ? null : servicedOf(row);
      assert.ok(serviced?.product === 'advance');
      return serviced;
    };
    const owed = async () => {
      const { state } = await old();
      return state.owed.fees + state.owed.principal;
    };
    const sweep = (key: string, on: number) =>
      book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, {
          settlementKey: key,
          merchantId: book.merchantId,
          day: on,
          currency: 'USD',
          netMinor: 500_000n,
        }),
      );
    /** The daily cycle through `through`, the clock past that day's close. */
    const closeDays = async (through: number) => {
      (book.app.clock as ManualClock).set(BigInt(through + 2) * 86_400_000_000_000n);
      const run = await runEndOfDay(book.app, through);
      assert.ok(run.ok);
      return run.value;
    };

    /** A new decision's refill of the advance, accepted on `accepted`. */
    const acceptRefill = async (accepted: number) => {
      const decided = await decideForMerchant(book.harness.store, book.app, book.merchantId, accepted);
      const made = await book.harness.store.write((tx) => makeOffers(tx, book.app, decided.row.id));
      assert.ok(made.ok);
      const refill = made.value.find((o) => o.product === 'advance');
      assert.ok(refill, 'a refill is offered');
      const held = await book.harness.store.write((tx) =>
        acceptOffer(tx, book.app, { offerId: refill.id, merchantId: book.merchantId, day: accepted }),
      );
      assert.ok(held.ok, held.ok ? '' : held.detail);
      return held.value.facility;
    };

    it('resumes collections the day after the cycle voids the refill at its deadline', async () => {
      const total = await owed();
      for (let n = 0; (await owed()) > total / 4n; n += 1) {
        assert.ok(n < 200, 'the advance is repaid by payouts');
        assert.ok((await sweep(`stl-${n}`, day + 1)).ok);
      }
      await closeDays(day + 2);
      const accepted = day + 3;
      await acceptRefill(accepted);
      // Seven days to pay it out: the cycle voids it at the end of the seventh.
      const lastDay = accepted + 7;
      const run = await closeDays(lastDay);
      assert.equal(run.at(-1)?.disbursementsVoided, 1);
      // That day was served paused — nothing swept, no minimum judged — and stays so: before, the
      // pause ended the day before, so the day counted as collected, and a payout of it sent late
      // repaid the advance on a day the cycle had judged without it.
      const { state } = await old();
      assert.equal(state.collectionsPaused?.untilDay, lastDay);
      assert.ok(collectionsPausedOn(state, lastDay));
      const late = await sweep('stl-late', lastDay);
      assert.ok(late.ok);
      assert.equal(late.value.waterfall.totalDeductedMinor, 0n);
      await closeDays(lastDay + 1);
      const events = await book.harness.store.read((tx) =>
        tx.financing.facilityEvents(book.facilityId, { limit: 500 }),
      );
      assert.deepEqual(
        events.filter((e) => e.type.startsWith('collections_')).map((e) => [e.type, e.day - accepted]),
        [
          ['collections_pause_set', 0],
          ['collections_paused', 0],
          ['collections_resume_set', 8],
          ['collections_resumed', 8],
        ],
        'the cycle says collections resumed, the day they do',
      );
      const after = await sweep('stl-after', lastDay + 1);
      assert.ok(after.ok && after.value.waterfall.totalDeductedMinor > 0n, 'collected again');
    });

    it('holds nothing for a refill accepted before holds were kept, which still confirms', async () => {
      const accepted = day + 12;
      const unheld = await book.harness.store.read((tx) => tx.financing.facility(book.facilityId));
      assert.ok(unheld);
      const refill = await acceptRefill(accepted);
      // As such a refill was stored: no payoff held, its advance not paused.
      await book.harness.store.write(async (tx) => {
        const { refillPayoffMinor: _, ...stored } = fromTaggedJson<
          StoredFacility & { refillPayoffMinor?: bigint }
        >(refill.stateJson);
        assert.ok(
          await tx.financing.updateFacility({ ...refill, stateJson: toTaggedJson(stored) }, refill.version),
        );
        const now = await tx.financing.facility(book.facilityId);
        assert.ok(now);
        assert.ok(await tx.financing.updateFacility({ ...unheld, version: now.version + 1n }, now.version));
      });
      // A pause of its own is resumed (before: refused facility_held_for_refill, "voided, which
      // resumes them", though a void resumed nothing), and its payouts repay it still.
      const paused = await book.harness.store.write((tx) =>
        pauseFacilityCollections(tx, book.app, {
          facilityId: book.facilityId,
          day: accepted,
          fromDay: accepted,
          untilDay: null,
          reason: 'a dispute',
        }),
      );
      assert.ok(paused.ok);
      const resumed = await book.harness.store.write((tx) =>
        resumeFacilityCollections(tx, book.app, { facilityId: book.facilityId, day: accepted }),
      );
      assert.equal(resumed.ok ? 'resumed' : resumed.code, 'resumed');
      const swept = await sweep('stl-unheld', accepted);
      assert.ok(swept.ok && swept.value.waterfall.totalDeductedMinor > 0n, 'repaid by its payouts');
      const payoff = await owed();
      const confirmed = await book.harness.store.write((tx) =>
        confirmDisbursement(tx, book.app, { facilityId: refill.id, day: accepted }),
      );
      assert.ok(confirmed.ok, confirmed.ok ? '' : confirmed.detail);
      const { state } = await old();
      assert.deepEqual([state.status, state.owed], ['paid_off', { fees: 0n, principal: 0n }]);
      const events = await book.harness.store.read((tx) =>
        tx.financing.facilityEvents(refill.id, { limit: 10 }),
      );
      const disbursed = events.find((e) => e.type === 'disbursed');
      assert.equal(
        fromTaggedJson<{ payoffMinor: bigint }>(disbursed?.detailJson ?? '{}').payoffMinor,
        payoff,
      );
    });
  });
}
