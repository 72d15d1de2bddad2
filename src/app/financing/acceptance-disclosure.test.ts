/**
 * What an acceptance records, on real stores (SQLite, and PostgreSQL when configured): the
 * disclosure of the contract of its day, whose figures recompute from one another — the APR
 * recorded is the APR of the payments recorded, by Appendix J, for an advance accepted days after
 * its offer whose payouts come a month apart (the APR counts them in months, so moving them moves it);
 * and an early payoff costing what the recorded prepayment terms said it would (all the fee).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { lendingAsOfDay, openBookWithAdvanceOffers } from '../../../test/support/lending-fixture.ts';
import { annualPercentageRate } from '../../domain/finance/apr.ts';
import { type Offer, offersFor } from '../../domain/products/offers.ts';
import { addDays, type CalendarDate, fromDayNumber } from '../../domain/time/calendar-date.ts';
import type { AppContext } from '../app-context.ts';
import type { OfferRow } from '../ports.ts';
import { fromTaggedJson, toTaggedJson } from '../risk/tagged-json.ts';
import { acceptOffer, confirmDisbursement } from './origination.ts';
import { repayFacility } from './repayments.ts';

const day = lendingAsOfDay;

interface Recorded {
  readonly disclosure: {
    readonly amountMinor: bigint;
    readonly aprPercent: string;
    readonly aprUnitPeriod: string;
    readonly totalCostMinor: bigint;
    readonly totalRepayableMinor: bigint;
    readonly schedule: readonly { readonly date: CalendarDate; readonly amountMinor: bigint }[];
    readonly servicing: {
      readonly prepayment: {
        readonly unpaidFinanceChargeOwedBps: number;
        readonly financeChargeOwedMaxMinor: bigint;
        readonly prepaymentFeeMinor: bigint;
      };
    };
  };
}

for (const backend of backendsUnderTest) {
  describe(`an acceptance's disclosure on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let merchantId = '';
    let made: OfferRow;
    let facilityId = '';
    let recorded: Recorded['disclosure'] | undefined;
    before(async () => {
      const book = await openBookWithAdvanceOffers(backend);
      ({ harness, app, merchantId } = book);
      made = book.advances[0];
    });
    after(async () => harness?.dispose());

    it('records the APR of the payments it records: an advance repaid by monthly payouts, accepted 17 days on', async () => {
      // The merchant is paid out every 30 days (300.00 × 30 each time): 700.00 repaid in two
      // payouts, and Appendix J counts them in months.
      const [monthly] = offersFor({
        decisionId: made.decisionId,
        merchantId,
        currency: 'USD',
        grade: 'E',
        limitMinor: 100_000n,
        annualRateBps: 1_500,
        day,
        forecastDailySalesMinor: Array.from({ length: 60 }, (_, i) => ((i + 1) % 30 === 0 ? 900_000n : 0n)),
      });
      assert.ok(monthly?.product === 'advance');
      assert.equal(monthly.amountMinor, 70_000n);
      assert.equal(monthly.aprUnitPeriod, 'monthly');
      assert.equal(monthly.aprPercent, '63.59');
      const row: OfferRow = {
        ...made,
        id: 'off_monthly',
        amountMinor: monthly.amountMinor,
        offerJson: toTaggedJson(monthly satisfies Offer),
      };
      await harness.store.write((tx) => tx.financing.insertOffers([row]));

      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: row.id, merchantId, day: day + 17 }),
      );
      assert.ok(accepted.ok, accepted.ok ? '' : accepted.detail);
      const { disclosure } = fromTaggedJson<Recorded>(accepted.value.offer.acceptanceJson ?? '{}');
      // The same payments, each 17 days later: none dated before the money.
      assert.deepEqual(
        disclosure.schedule.map((p) => [String(p.date), p.amountMinor]),
        monthly.schedule.map((p) => [String(addDays(p.date, 17)), p.amountMinor]),
      );
      const recomputed = annualPercentageRate({
        advances: [{ amountMinor: disclosure.amountMinor, date: fromDayNumber(day + 17) }],
        payments: disclosure.schedule,
      });
      assert.ok(recomputed.ok);
      // Counted in months from 1 August, 31 August and 30 September are not what 14 August and
      // 13 September were from 15 July: the APR of these payments is 62.99%, not the offer's 63.59%.
      assert.equal(disclosure.aprPercent, recomputed.value.aprPercentText);
      assert.equal(disclosure.aprPercent, '62.99');
      assert.equal(disclosure.aprUnitPeriod, recomputed.value.unitPeriod);
      assert.equal(disclosure.totalRepayableMinor, recomputed.value.totalOfPaymentsMinor);
      assert.equal(disclosure.totalCostMinor, recomputed.value.financeChargeMinor);
      facilityId = accepted.value.facility.id;
      recorded = disclosure;
    });

    it('costs what it disclosed to pay off early: the advance paid off the day after its payout owes all its fee', async () => {
      assert.ok(recorded !== undefined);
      assert.deepEqual(recorded.servicing.prepayment, {
        unpaidFinanceChargeOwedBps: 10_000,
        financeChargeOwedMaxMinor: recorded.totalCostMinor,
        prepaymentFeeMinor: 0n,
      });
      const confirmed = await harness.store.write((tx) =>
        confirmDisbursement(tx, app, { facilityId, day: day + 17 }),
      );
      assert.ok(confirmed.ok, confirmed.ok ? '' : confirmed.detail);
      const paid = await harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId, merchantId, day: day + 18, reference: 'early', payoff: true }),
      );
      assert.ok(paid.ok, paid.ok ? '' : paid.detail);
      const { fees, interest, principal } = paid.value.applied;
      assert.deepEqual(
        { fees, interest, principal },
        {
          fees: recorded.servicing.prepayment.financeChargeOwedMaxMinor,
          interest: 0n,
          principal: recorded.amountMinor,
        },
      );
    });
  });
}
