/**
 * A merchant behind on a facility is lent nothing more, on real stores (SQLite, and PostgreSQL when
 * configured) — not only by a new decision (`facility_in_arrears`), but by what it already holds:
 * the daily cycle that puts it behind withdraws its open offers, a decision of before makes none,
 * an offer left open is refused at acceptance, and its credit line is not drawn on (nor shown any
 * credit available).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import {
  disburse,
  type LendingBook,
  lendingAsOfDay,
  lendingNow,
  openLendingBook,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { loadDecisionSettings, updateDecisionSettings } from '../risk/decision-settings.ts';
import { decideForMerchant } from '../risk/decisions.ts';
import { updateSettings } from '../settings/stored-settings.ts';
import { requestDraw } from './credit-lines.ts';
import { runEndOfDay } from './eod.ts';
import { offerSettings } from './offer-settings.ts';
import { acceptOffer, makeOffers } from './origination.ts';
import { facilityReport } from './reports.ts';

const day = lendingAsOfDay;
const dayNs = 86_400_000_000_000n;

for (const backend of backendsUnderTest) {
  describe(`a merchant behind on its advance, on ${backend.name}`, { skip: backend.skip }, () => {
    let book: LendingBook;
    let lineId = '';
    let advanceId = '';
    let termLoanId = '';
    let behindFrom = 0;
    /** The merchant's newest decision, approved the day before the cycle put it behind. */
    let decidedBefore = '';
    before(async () => {
      book = await openLendingBook(backend, { topBand: { grade: 'C', maxPd: 0.4 }, poolMinor: 100_000_000n });
      const { harness, app, merchantId } = book;
      const first = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(first.ok);
      const line = first.value.find((o) => o.product === 'credit_line');
      assert.ok(line, 'a grade C merchant is offered a credit line');
      const opened = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: line.id, merchantId, day }),
      );
      assert.ok(opened.ok);
      lineId = opened.value.facility.id;
      // Room for an advance beside the line, and offers open long enough to outlast its first minimum.
      await harness.store.write(async (tx) => {
        assert.ok((await updateDecisionSettings(tx, lendingNow, { debtServiceShareBps: 10_000 }, 'test')).ok);
        // A minimum due within a fortnight: it falls behind while its sales are still recent enough
        // for the day's decision to approve it.
        await updateSettings(
          tx,
          offerSettings,
          lendingNow,
          {
            validityDays: 120,
            minimumPayment: { periodDays: 10, shareBps: 556 },
          },
          'test',
        );
      });
      const offersOfANewDecision = async () => {
        const decided = await decideForMerchant(harness.store, app, merchantId, day);
        assert.equal(decided.record.view.outcome, 'approved', JSON.stringify(decided.record.view.reasons[0]));
        const made = await harness.store.write((tx) => makeOffers(tx, app, decided.row.id));
        assert.ok(made.ok);
        return made.value;
      };
      const advance = (await offersOfANewDecision()).filter((o) => o.product === 'advance').at(-1);
      assert.ok(advance, 'an advance is offered beside the line');
      advanceId = await disburse(book, advance);
      // A decision made while the advance is current offers a term loan beside it.
      const loan = (await offersOfANewDecision()).find((o) => o.product === 'term_loan');
      assert.ok(loan, 'a term loan is offered beside the advance');
      termLoanId = loan.id;

      // Nothing is paid on the advance: the daily cycle runs until its minimum goes unpaid. The
      // merchant, selling nothing meanwhile, looks ever riskier: a decision approves it still.
      await harness.store.write(async (tx) => {
        const { gradeBands } = await loadDecisionSettings(tx);
        const updated = await updateDecisionSettings(
          tx,
          lendingNow,
          {
            maxPd: 0.99,
            gradeBands: gradeBands.map((band, i) =>
              i === gradeBands.length - 1 ? { ...band, maxPd: 0.99 } : band,
            ),
          },
          'test',
        );
        assert.ok(updated.ok);
      });
      for (let d = day; behindFrom === 0; d += 1) {
        assert.ok(d < day + 110, 'the advance falls behind while the term loan is still offered');
        (app.clock as ManualClock).set(BigInt(d + 1) * dayNs);
        const decided = await decideForMerchant(harness.store, app, merchantId, d);
        assert.equal(
          decided.record.view.outcome,
          'approved',
          `day ${d}: ${JSON.stringify(decided.record.view.reasons[0])}`,
        );
        decidedBefore = decided.row.id;
        assert.ok((await runEndOfDay(app, d)).ok);
        const row = await harness.store.read((tx) => tx.financing.facility(advanceId));
        if (row?.status === 'delinquent') behindFrom = d;
      }
    });
    after(async () => book?.harness.dispose());

    it('has its open offers withdrawn by the daily cycle that put it behind', async () => {
      const { harness, app, merchantId } = book;
      const offer = await harness.store.read((tx) => tx.financing.offer(termLoanId));
      assert.equal(offer?.status, 'withdrawn');
      const history = await harness.store.read((tx) => tx.financing.offerEvents(termLoanId));
      assert.equal(history.at(-1)?.type, 'withdrawn');
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: termLoanId, merchantId, day: behindFrom + 1 }),
      );
      assert.equal(accepted.ok ? '' : accepted.code, 'offer_not_open');
    });

    it('is made no offers from a decision of before it fell behind', async () => {
      const { harness, app } = book;
      const made = await harness.store.write((tx) => makeOffers(tx, app, decidedBefore));
      assert.equal(made.ok ? '' : made.code, 'facility_in_arrears');
      assert.match(made.ok ? '' : (made.detail ?? ''), new RegExp(`facility ${advanceId} is past due`));
      const offers = await harness.store.read((tx) => tx.financing.offersForMerchant(book.merchantId));
      assert.deepEqual(
        offers.filter((o) => o.status === 'open'),
        [],
      );
    });

    it('is refused an offer left open beside it (by an earlier version)', async () => {
      const { harness, app, merchantId } = book;
      await harness.store.write((tx) => tx.financing.releaseOffer(termLoanId, []));
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: termLoanId, merchantId, day: behindFrom + 1 }),
      );
      assert.equal(accepted.ok, false);
      assert.equal(accepted.ok ? '' : accepted.code, 'facility_in_arrears');
      assert.match(
        accepted.ok ? '' : (accepted.detail ?? ''),
        new RegExp(`facility ${advanceId} is past due`),
      );
      const offer = await harness.store.read((tx) => tx.financing.offer(termLoanId));
      assert.equal(offer?.status, 'open', 'the offer is put back as it was');
    });

    it('draws nothing on its credit line', async () => {
      const { harness, app, merchantId } = book;
      const drawn = await harness.store.write((tx) =>
        requestDraw(tx, app, {
          facilityId: lineId,
          merchantId,
          amountMinor: 10_000n,
          reference: 'd1',
          day: behindFrom + 1,
        }),
      );
      assert.equal(drawn.ok, false);
      assert.equal(drawn.ok ? '' : drawn.code, 'draws_suspended');
      assert.match(drawn.ok ? '' : (drawn.detail ?? ''), new RegExp(`facility ${advanceId} is past due`));
      const line = await harness.store.read((tx) => tx.financing.facility(lineId));
      assert.equal(line?.status, 'active', 'the line itself is current');
    });

    it('is shown no credit available on its line while a draw would be refused', async () => {
      const { harness, app } = book;
      const report = await harness.store.read((tx) =>
        facilityReport(tx, {
          facilityId: lineId,
          scope: {},
          day: behindFrom + 1,
          nowMs: app.clock.nowNs() / 1_000_000n,
          afterSequence: 0,
          limit: 1,
        }),
      );
      assert.equal(report?.row.status, 'active', 'the line itself is current');
      assert.equal(report?.balances?.availableCreditMinor, 0n);
    });
  });
}
