/**
 * Facility events in plain words: an instalment charged says what was charged and what is left to
 * pay, and, charged while collections are paused, that it is asked for once they resume; an
 * advance open to a refill, how much of it is repaid; a facility moving delinquency bucket, how
 * many days past due it is; a deduction from a payout in another currency, what it withheld from the
 * payout and at what rate. A refill's payout, what it paid off — nothing, when the old advance was
 * repaid before it. A refill offer itemises what pays the old advance off, and so does the
refill's acceptance, as its history and webhooks show the disclosure it recorded.
 */
import assert from 'node:assert/strict';
import { it, describe as suite } from 'node:test';
import type { OfferRow } from '../app/ports.ts';
import { toTaggedJson } from '../app/risk/tagged-json.ts';
import { disclosedOn, offersFor } from '../domain/products/offers.ts';
import { calendarDate, toDayNumber } from '../domain/time/calendar-date.ts';
import { describe, facilityEventView, offerSummary, offerView } from './views-financing.ts';

suite('facility events in plain words', () => {
  const charged = { period: 2, dueDay: 20_529, interestMinor: 9_212n, toPayMinor: 88_849n };

  it('says what an instalment charged and what is left to pay of it', () => {
    assert.equal(
      describe('instalment_charged', { ...charged, collectionsPaused: false }, 'USD'),
      'Instalment 2 due 2026-03-17: interest of 92.12 USD charged, 888.49 USD to pay',
    );
  });

  it('says what a payout recovered on a written-off facility, and what one deducted otherwise', () => {
    assert.equal(
      describe('swept', { settlementKey: 'plt stl-9', recoveredMinor: 500n }, 'USD'),
      'Recovered 5.00 USD after the write-off from payout plt stl-9',
    );
    assert.equal(describe('swept', { settlementKey: 'plt stl-8' }, 'USD'), 'Deducted from payout plt stl-8');
  });

  it('says what a payout in another currency had withheld, in its currency, and at what rate', () => {
    // As the sweep records the conversion (SweepConversion): the line's amount is the facility's USD.
    const fx = {
      facilityId: 'fac_1',
      currency: 'USD',
      applied: { fees: 0n, interest: 0n, principal: 10_842n },
      payoutMinor: 10_000n,
      rate: 'EUR/USD 1.0842',
      source: 'ECB reference rate',
      asOf: '2026-07-16T14:00:00+01:00',
    };
    assert.equal(
      describe('swept', { settlementKey: 'plt eur-1', fx }, 'USD'),
      'Deducted from payout plt eur-1: 100.00 EUR withheld at EUR/USD 1.0842 (ECB reference rate)',
    );
    // A JPY payout repaying a USD facility, the rate quoted the other way round: yen have no minor digits.
    assert.equal(
      describe(
        'swept',
        { settlementKey: 'plt jpy-1', fx: { ...fx, payoutMinor: 15_500n, rate: 'USD/JPY 155' } },
        'USD',
      ),
      'Deducted from payout plt jpy-1: 15500 JPY withheld at USD/JPY 155 (ECB reference rate)',
    );
  });

  it('says a late fee is for a payment missed and a payoff is a payoff, whatever the product and the day', () => {
    // An advance's or a line's minimum, or a loan's instalment; a payoff may come after the last due date.
    assert.equal(
      describe('late_fee_charged', { amountMinor: 2_500n, dueDay: 20_529 }, 'USD'),
      'Late fee: the payment due 2026-03-17 was missed',
    );
    assert.equal(
      describe('repayment', { reference: 'po-1', request: { payoff: true } }, 'USD'),
      'Paid off in full, reference po-1',
    );
    assert.equal(describe('repayment', { reference: 'r-1' }, 'USD'), 'Direct repayment, reference r-1');
  });

  it('says what a refill paid off, and that it paid nothing off of an advance repaid before it', () => {
    const refill = { amountMinor: 275_000n, refillOf: 'fac_old' };
    assert.equal(
      describe('disbursed', { ...refill, payoffMinor: 12_160n, paidToMerchantMinor: 262_840n }, 'USD'),
      'Paid out: 2628.40 USD to you, 121.60 USD paying off fac_old',
    );
    // Its payouts repaid the old advance between the refill's acceptance and its payout.
    assert.equal(
      describe('disbursed', { ...refill, payoffMinor: 0n, paidToMerchantMinor: 275_000n }, 'USD'),
      'Paid out to you: fac_old was repaid before, nothing to pay off',
    );
  });

  it('says a payout not made was voided, and that the advance a refill was to pay off is repaid again', () => {
    assert.equal(
      describe('disbursement_voided', { reason: 'returned, "account closed"' }, 'USD'),
      'Not paid out, and the facility was cancelled: returned, "account closed"',
    );
    assert.equal(
      describe(
        'disbursement_voided',
        { reason: 'the payout was not confirmed within 7 days of acceptance', refillOf: 'fac_old' },
        'USD',
      ),
      'Not paid out, and the facility was cancelled: the payout was not confirmed within 7 days of acceptance; fac_old, the advance it was to pay off, is repaid from payouts again',
    );
  });

  it('says from when collections resume, and why when the engine resumed them', () => {
    assert.equal(
      describe('collections_resume_set', { fromDay: 20_529 }, 'USD'),
      'Collections to resume from 2026-03-17',
    );
    assert.equal(
      describe(
        'collections_resume_set',
        { fromDay: 20_529, reason: 'refill fac_new, which was to pay it off, was not paid out' },
        'USD',
      ),
      'Collections to resume from 2026-03-17: refill fac_new, which was to pay it off, was not paid out',
    );
    // Recorded before the day was kept: that alone.
    assert.equal(describe('collections_resume_set', {}, 'USD'), 'Collections to resume');
  });

  it('says how much of an advance open to a refill is repaid', () => {
    assert.equal(
      describe('refill_available', { repaidShareBps: 7_812 }, 'USD'),
      'A refill of this advance can be offered: 78.12% repaid',
    );
  });

  it('says how many days past due a facility moving bucket is', () => {
    assert.equal(
      describe('delinquency_bucket_changed', { from: 'current', to: '1-30', daysPastDue: 1 }, 'USD'),
      '1 day past due: now in the 1-30 days bucket',
    );
    assert.equal(
      describe('delinquency_bucket_changed', { from: '1-30', to: '31-60', daysPastDue: 31 }, 'USD'),
      '31 days past due: now in the 31-60 days bucket',
    );
    assert.equal(
      describe('delinquency_bucket_changed', { from: '1-30', to: 'current', daysPastDue: 0 }, 'USD'),
      'Up to date again',
    );
  });

  it('says an instalment charged while collections are paused is asked for once they resume', () => {
    assert.equal(
      describe('instalment_charged', { ...charged, collectionsPaused: true }, 'USD'),
      'Instalment 2 due 2026-03-17: interest of 92.12 USD charged, 888.49 USD to pay once collections resume',
    );
  });
});

/** What pays an old advance off, as a refill offer itemises it. */
const payoff = {
  principalMinor: 100_000n,
  feeMinor: 7_000n,
  lateFeesMinor: 2_500n,
  unearnedFeeMinor: 4_310n,
};

/** The refill an offer and its acceptance show for that payoff, itemised and (made before it was) not. */
const itemisedRefill = {
  facility_id: 'fac_old',
  payoff: '109500',
  payoff_principal: '100000',
  payoff_fee: '7000',
  payoff_late_fees: '2500',
  unearned_fee: '4310',
};
const unitemisedRefill = {
  ...itemisedRefill,
  payoff_principal: null,
  payoff_fee: null,
  payoff_late_fees: null,
  unearned_fee: null,
};

suite('a refill offer', () => {
  const row = (refillOf: Record<string, unknown>): OfferRow => ({
    id: 'off_1',
    merchantId: 'mer_1',
    decisionId: 'dec_1',
    product: 'advance',
    currency: 'USD',
    amountMinor: 150_000n,
    status: 'open',
    offeredOn: 20_529,
    expiresOn: 20_559,
    offerJson: toTaggedJson({
      product: 'advance',
      amountMinor: 150_000n,
      currency: 'USD',
      terms: {},
      aprPercent: '41.20',
      aprUnitPeriod: 'daily',
      totalCostMinor: 16_500n,
      totalRepayableMinor: 166_500n,
      schedule: [],
      offeredOn: '2026-03-16',
      expiresOn: '2026-04-15',
      refillOf,
    }),
    createdAtMs: 0n,
    acceptedAtMs: null,
    acceptanceJson: null,
    facilityId: null,
  });

  it('itemises what pays the old advance off', () => {
    assert.deepEqual(
      offerView(row({ facilityId: 'fac_old', payoffMinor: 109_500n, payoff })).refill_of,
      itemisedRefill,
    );
  });

  it('answers null parts for an offer made before refills were itemised', () => {
    assert.deepEqual(
      offerView(row({ facilityId: 'fac_old', payoffMinor: 109_500n })).refill_of,
      unitemisedRefill,
    );
  });
});

suite("a refill's acceptance", () => {
  // The disclosure an acceptance records (origination.ts acceptOffer), its refill as offered.
  const accepted = (refillOf: Record<string, unknown>) =>
    facilityEventView(
      {
        facilityId: 'fac_new',
        sequence: 1,
        day: 20_529,
        type: 'accepted',
        detailJson: toTaggedJson({
          acceptedOn: '2026-03-17',
          consentId: 'cns_1',
          disclosure: {
            product: 'advance',
            amountMinor: 150_000n,
            currency: 'USD',
            aprPercent: '41.20',
            aprUnitPeriod: 'daily',
            totalCostMinor: 16_500n,
            totalRepayableMinor: 166_500n,
            schedule: [],
            refillOf,
          },
        }),
        atMs: 0n,
      },
      {
        id: 'fac_new',
        merchantId: 'mer_1',
        financierId: 'fin_1',
        offerId: 'off_1',
        product: 'advance',
        currency: 'USD',
        status: 'disbursing',
        openedOn: 20_529,
        stateJson: '{}',
        version: 1n,
        updatedAtMs: 0n,
      },
    ).detail as { disclosure: Record<string, unknown> };

  it('shows the payoff it disclosed beside its parts, as the offer did', () => {
    const { disclosure } = accepted({ facilityId: 'fac_old', payoffMinor: 109_500n, payoff });
    assert.deepEqual(disclosure['refill_of'], itemisedRefill);
    assert.equal(disclosure['amount'], '150000');
    assert.equal(disclosure['total_repayable'], '166500');
  });

  it('shows the payoff of one accepted before refills were itemised, its parts null', () => {
    const { disclosure } = accepted({ facilityId: 'fac_old', payoffMinor: 109_500n });
    assert.deepEqual(disclosure['refill_of'], unitemisedRefill);
  });
});

suite('an offer in plain words', () => {
  const day = toDayNumber(calendarDate('2026-03-02'));
  /** As offers.test.ts works them by hand: 10,000.00 at 11.68%, forecast sales of 500.00 a day. */
  const offers = offersFor({
    decisionId: 'dec_1',
    merchantId: 'mer_1',
    currency: 'USD',
    grade: 'C',
    limitMinor: 1_000_000n,
    annualRateBps: 1_168,
    day,
    forecastDailySalesMinor: [50_000n],
  });
  const of = (product: string) => {
    const offer = offers.find((o) => o.product === product);
    assert.ok(offer);
    return offer;
  };

  it('says what an advance lends, how it is repaid, what it costs and for how long, and the late fee', () => {
    const advance = of('advance');
    assert.equal(
      offerSummary(advance, advance, day),
      'An advance of 10000.00 USD. It is repaid by 11.76% of each of your payouts until 10576.00 USD is repaid: ' +
        'the advance and a fixed fee of 576.00 USD, owed in full however early you repay. At your forecast sales ' +
        'the last payment comes on 2026-08-29, 180 days after 2026-03-02: an APR of 22.82%. Every 60 days at ' +
        'least 5.56% of the total is to be repaid. Whatever is left 540 days after the payout falls due then. ' +
        'A payment still missed 7 days after it falls due costs a late fee of 25.00 USD.',
    );
  });

  it('says a loan’s instalments from the day it is taken, and that paying early costs interest to that day', () => {
    const loan = of('term_loan');
    assert.equal(
      offerSummary(loan, disclosedOn(loan, day + 3), day + 3),
      'A loan of 10000.00 USD at 11.68% a year, repaid in 6 monthly instalments of 1723.90 USD from 2026-04-05 ' +
        '(the last 1723.92 USD): 10343.42 USD in all, a cost of 343.42 USD, an APR of 11.68%. Repaid early, it ' +
        'costs the interest to that day only. A payment still missed 7 days after it falls due costs a late fee ' +
        'of 25.00 USD.',
    );
  });

  it('says how a line is drawn and repaid, and what it costs drawn in full', () => {
    const line = of('credit_line');
    assert.equal(
      offerSummary(line, line, day),
      "A credit line of 10000.00 USD: draw on it when you need to, and pay 11.68% a year (a day's interest is a " +
        '365th of it) on what you have drawn. While anything is drawn, 10.00% of each of your payouts repays it, ' +
        'and every 30 days a statement asks the interest of its period and 10.00% of what you have drawn, due 20 ' +
        'days later; what you repay you may draw again. Drawn in full on 2026-03-02 and repaid so at your ' +
        'forecast sales, by 2026-09-25: 10335.99 USD in all, a cost of 335.99 USD, an APR of 11.68%. Repaid ' +
        'early, it costs the interest to that day only. A payment still missed 7 days after it falls due costs a ' +
        'late fee of 25.00 USD.',
    );
  });

  it('shows the summary of what accepting it today records while it is open, and of it as made after', () => {
    const advance = of('advance');
    const row: OfferRow = {
      id: 'off_1',
      merchantId: 'mer_1',
      decisionId: 'dec_1',
      product: 'advance',
      currency: 'USD',
      amountMinor: advance.amountMinor,
      status: 'open',
      offeredOn: day,
      expiresOn: day + 30,
      offerJson: toTaggedJson(advance),
      facilityId: null,
      createdAtMs: 0n,
      acceptedAtMs: null,
      acceptanceJson: null,
    };
    assert.equal(
      offerView(row, day + 3).summary,
      offerSummary(advance, disclosedOn(advance, day + 3), day + 3),
    );
    assert.match(offerView(row, day + 3).summary, /comes on 2026-09-01, 180 days after 2026-03-05/);
    assert.equal(
      offerView({ ...row, status: 'expired' }, day + 40).summary,
      offerSummary(advance, advance, day),
    );
  });
});
