/**
 * A term loan accepted days after its offer and paid out that day, on real stores (SQLite, and
 * PostgreSQL when configured): the acceptance discloses instalments monthly from the day it was
 * accepted, with the APR and totals of those dates, and the loan falls due on exactly those dates
 * for exactly those amounts. An instalment charged by money arriving on its due date — a payout, a
 * direct repayment — is recorded before the payment, as it was charged: its history does not read
 * as still to pay after the payment that paid it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { lendingAsOfDay, openLendingBook } from '../../../test/support/lending-fixture.ts';
import { addMonths, formatCalendarDate, fromDayNumber } from '../../domain/time/calendar-date.ts';
import type { AppContext } from '../app-context.ts';
import type { OfferRow } from '../ports.ts';
import { fromTaggedJson } from '../risk/tagged-json.ts';
import { acceptOffer, confirmDisbursement, makeOffers } from './origination.ts';
import { repayFacility } from './repayments.ts';
import { servicedOf } from './serviced.ts';
import { sweepSettlement } from './sweep.ts';

const day = lendingAsOfDay;

interface Disclosed {
  readonly disclosure: {
    readonly aprPercent: string;
    readonly totalRepayableMinor: bigint;
    readonly schedule: readonly { readonly date: string; readonly amountMinor: bigint }[];
  };
}

for (const backend of backendsUnderTest) {
  describe(`a term loan's contract on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let merchantId = '';
    let offer: OfferRow;
    let dueDays: readonly number[] = [];
    let facilityId = '';
    before(async () => {
      const book = await openLendingBook(backend, {
        topBand: { grade: 'C', maxPd: 0.4 },
        poolMinor: 100_000_000n,
      });
      ({ harness, app, merchantId } = book);
      const made = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(made.ok);
      const loan = made.value.find((o) => o.product === 'term_loan');
      assert.ok(loan, 'a grade C merchant is offered a term loan');
      offer = loan;
    });
    after(async () => harness?.dispose());

    it('falls due on the dates its acceptance disclosed, not the offer’s', async () => {
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: offer.id, merchantId, day: day + 5 }),
      );
      assert.ok(accepted.ok, accepted.ok ? '' : accepted.detail);
      const offered = fromTaggedJson<{ schedule: { date: unknown; amountMinor: bigint }[] }>(offer.offerJson);
      const { disclosure } = fromTaggedJson<Disclosed>(accepted.value.offer.acceptanceJson ?? '{}');
      assert.deepEqual(
        disclosure.schedule.map((p) => String(p.date)),
        disclosure.schedule.map((_, k) => formatCalendarDate(addMonths(fromDayNumber(day + 5), k + 1))),
        'monthly from the day of acceptance',
      );
      assert.notDeepEqual(
        disclosure.schedule.map((p) => String(p.date)),
        offered.schedule.map((p) => String(p.date)),
      );
      assert.deepEqual(
        disclosure.schedule.map((p) => p.amountMinor),
        offered.schedule.map((p) => p.amountMinor),
        'the amounts as offered',
      );
      assert.match(disclosure.aprPercent, /^\d+\.\d\d$/);
      assert.equal(
        disclosure.totalRepayableMinor,
        disclosure.schedule.reduce((sum, p) => sum + p.amountMinor, 0n),
      );

      const confirmed = await harness.store.write((tx) =>
        confirmDisbursement(tx, app, { facilityId: accepted.value.facility.id, day: day + 5 }),
      );
      assert.ok(confirmed.ok);
      const loan = servicedOf(confirmed.value);
      assert.ok(loan?.product === 'term_loan');
      assert.deepEqual(
        loan.state.instalments.map((i) => [formatCalendarDate(fromDayNumber(i.dueDay)), i.paymentMinor]),
        disclosure.schedule.map((p) => [String(p.date), p.amountMinor]),
        'what was disclosed is what falls due',
      );
      facilityId = confirmed.value.id;
      dueDays = loan.state.instalments.map((i) => i.dueDay);
    });

    it('records an instalment charged by money on its due date before the payment that paid it', async () => {
      const [first, second] = dueDays;
      assert.ok(first !== undefined && second !== undefined);
      const swept = await harness.store.write((tx) =>
        sweepSettlement(tx, app, {
          settlementKey: 'plt due-1',
          merchantId,
          day: first,
          currency: offer.currency,
          netMinor: 100_000_000n,
        }),
      );
      assert.ok(swept.ok);
      const repaid = await harness.store.write((tx) =>
        repayFacility(tx, app, {
          facilityId,
          merchantId,
          day: second,
          reference: 'due-2',
          amountMinor: 100_000n,
        }),
      );
      assert.ok(repaid.ok, repaid.ok ? '' : repaid.detail);
      const events = await harness.store.read((tx) =>
        tx.financing.facilityEvents(facilityId, { afterSequence: 2, limit: 10 }),
      );
      assert.deepEqual(
        events.map((e) => [e.type, e.day]),
        [
          ['instalment_charged', first],
          ['swept', first],
          ['instalment_charged', second],
          ['repayment', second],
        ],
      );
    });
  });
}
