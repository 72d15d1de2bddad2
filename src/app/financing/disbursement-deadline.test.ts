/**
 * The disbursement deadline on real stores (SQLite, and PostgreSQL when configured): a payout the
 * platform has not confirmed by the end of the `disbursementDeadlineDays`-th day after acceptance
 * is voided by that day's cycle — the pool's reservation released, the advance's fee reversed, the
 * facility cancelled with an event saying why — and no earlier; a credit line's draw not confirmed
 * by then is released by the ledger, and confirming it afterwards is refused while voiding it
 * answers what happened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import {
  type LendingBook,
  lendingAsOfDay,
  offersOfAFreshDecision,
  openLendingBook,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { facilityAccount, financierAccount } from '../../domain/products/postings.ts';
import type { AppContext } from '../app-context.ts';
import type { OfferRow } from '../ports.ts';
import { updateSettings } from '../settings/stored-settings.ts';
import { requestDraw, resolveDraw } from './credit-lines.ts';
import { runEndOfDay } from './eod.ts';
import { offerSettings } from './offer-settings.ts';
import { acceptOffer, confirmDisbursement, makeOffers } from './origination.ts';

const day = lendingAsOfDay;
const dayNs = 86_400_000_000_000n;

for (const backend of backendsUnderTest) {
  describe(`disbursement deadline on ${backend.name}`, { skip: backend.skip }, () => {
    let book: LendingBook;
    let harness: Harness;
    let app: AppContext;
    let advanceId = '';
    let lineId = '';
    before(async () => {
      book = await openLendingBook(backend, { topBand: { grade: 'C', maxPd: 0.4 }, poolMinor: 100_000_000n });
      ({ harness, app } = book);
      const offers = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(offers.ok);
      const accept = async (product: string, from: OfferRow[]) => {
        const offer = from.filter((o) => o.product === product).at(-1);
        assert.ok(offer, `a ${product} is offered`);
        const accepted = await harness.store.write((tx) =>
          acceptOffer(tx, app, { offerId: offer.id, merchantId: book.merchantId, day }),
        );
        assert.ok(accepted.ok, accepted.ok ? '' : accepted.detail);
        return accepted.value.facility.id;
      };
      advanceId = await accept('advance', offers.value);
      // A decision's offers lend its limit once: the line comes from a fresh decision.
      lineId = await accept('credit_line', await offersOfAFreshDecision(book));
    });
    after(async () => harness?.dispose());

    const endOf = (d: number) => (app.clock as ManualClock).set(BigInt(d + 1) * dayNs);
    const cash = async () => {
      const id = financierAccount.cash({ financierId: 'fin_pool', currency: 'USD' });
      const account = (await harness.store.read((tx) => tx.ledger.accountsByIds([id]))).get(id);
      assert.ok(account);
      return account;
    };
    const facility = async (id: string) => {
      const row = await harness.store.read((tx) => tx.financing.facility(id));
      assert.ok(row);
      return row;
    };

    it('keeps a payout waiting through the deadline, then voids it at the end of its last day', async () => {
      const reserved = (await cash()).creditsPending;
      assert.ok(reserved > 0n, 'the advance is reserved in the pool');
      // Seven days by default: accepted on `day`, it may be confirmed through day + 7.
      endOf(day + 6);
      const early = await runEndOfDay(app, day + 6);
      assert.ok(early.ok);
      assert.equal(
        early.value.reduce((sum, d) => sum + d.disbursementsVoided, 0),
        0,
      );
      assert.equal((await facility(advanceId)).status, 'disbursing');
      endOf(day + 7);
      const run = await runEndOfDay(app, day + 7);
      assert.ok(run.ok);
      assert.deepEqual(
        run.value.map((d) => [d.day, d.disbursementsVoided]),
        [['2026-07-22', 1]],
      );
      assert.equal((await facility(advanceId)).status, 'cancelled');
      assert.equal((await cash()).creditsPending, 0n, 'the reservation is released');
      const fees = facilityAccount.fees({ financierId: 'fin_pool', currency: 'USD', facilityId: advanceId });
      const fee = (await harness.store.read((tx) => tx.ledger.accountsByIds([fees]))).get(fees);
      assert.equal((fee?.debitsPosted ?? 0n) - (fee?.creditsPosted ?? 0n), 0n, 'the fee is reversed');
      const events = await harness.store.read((tx) => tx.financing.facilityEvents(advanceId, { limit: 10 }));
      assert.deepEqual(
        events.map((e) => [e.type, e.day]),
        [
          ['accepted', day],
          ['disbursement_voided', day + 7],
        ],
      );
      assert.match(events[1]?.detailJson ?? '', /not confirmed within 7 days of acceptance/);
      // The platform's confirmation after the deadline finds nothing to pay out.
      const late = await harness.store.write((tx) =>
        confirmDisbursement(tx, app, { facilityId: advanceId, day: day + 8 }),
      );
      assert.equal(late.ok ? '' : late.code, 'facility_not_disbursing');
    });

    it('releases a draw not confirmed by its deadline: confirming it is refused, voiding it answers voided', async () => {
      // Asked for on day + 8 with a deadline of 3 days: open through the end of day + 11.
      await harness.store.write((tx) =>
        updateSettings(tx, offerSettings, app.clock.nowNs(), { disbursementDeadlineDays: 3 }),
      );
      (app.clock as ManualClock).set(BigInt(day + 8) * dayNs + 3_600_000_000_000n);
      const asked = await harness.store.write((tx) =>
        requestDraw(tx, app, {
          facilityId: lineId,
          merchantId: book.merchantId,
          amountMinor: 100_000n,
          reference: 'late-payout',
          day: day + 8,
        }),
      );
      assert.ok(asked.ok, asked.ok ? '' : asked.detail);
      const principal = facilityAccount.principal({
        financierId: 'fin_pool',
        currency: 'USD',
        facilityId: lineId,
      });
      const pending = async () =>
        (await harness.store.read((tx) => tx.ledger.accountsByIds([principal]))).get(principal)
          ?.debitsPending;
      assert.equal(await pending(), 100_000n);
      (app.clock as ManualClock).set(BigInt(day + 12) * dayNs - 1n);
      const second = await harness.store.write((tx) =>
        requestDraw(tx, app, {
          facilityId: lineId,
          merchantId: book.merchantId,
          amountMinor: 100_000n,
          reference: 'in-time',
          day: day + 11,
        }),
      );
      assert.ok(second.ok);
      const inTime = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: second.value.drawId, outcome: 'post', day: day + 11 }),
      );
      assert.equal(inTime.ok ? inTime.value.status : inTime.code, 'posted', 'confirmed on its last day');
      (app.clock as ManualClock).set(BigInt(day + 12) * dayNs);
      const confirmed = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: asked.value.drawId, outcome: 'post', day: day + 12 }),
      );
      assert.equal(confirmed.ok ? '' : confirmed.code, 'draw_not_pending');
      assert.match(confirmed.ok ? '' : (confirmed.detail ?? ''), /expired unconfirmed/);
      const voided = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: asked.value.drawId, outcome: 'void', day: day + 12 }),
      );
      assert.equal(voided.ok ? voided.value.status : voided.code, 'voided');
      assert.equal(await pending(), 0n, 'the reservation is released');
      const again = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: asked.value.drawId, outcome: 'post', day: day + 12 }),
      );
      assert.match(again.ok ? '' : (again.detail ?? ''), /expired unconfirmed/);
    });
  });
}
