/**
 * One merchant's year with a sales-repaid advance, on real stores (SQLite, and PostgreSQL when
 * configured), told through the app functions the HTTP routes call — and every balance checked
 * against figures worked out by hand in the comments:
 *
 * day 0 offers (the forecast, the holdback, the schedule and the Appendix J APR checked against an
 * independent computation) → acceptance (the disclosure and the consent recorded on the offer, the
 * principal reserved) → confirmation (the principal paid out of the pool) → 60 days of payouts swept
 * at the holdback, refund days taking nothing → 74 days without sales: the second 60-day minimum
 * is missed, the advance turns delinquent, a late fee is charged once after the 7-day grace → a
 * payout cures it (the missed minimum and the late fee first, within the 30% daily cap) → months of payouts → early payoff by
 * direct repayment: paid off, the deferred fee wholly earned, every receivable at zero, the pool's
 * cash = funding − principal + everything collected.
 *
 * The other advance offers of the decision are withdrawn by the acceptance: they were alternatives.
 *
 * The fee is recognised by the effective interest method (src/domain/products/advance/advance.ts);
 * its day-by-day figures are not hand arithmetic, so the test keeps its own ledger of them from the
 * documented rule and the daily rate it solves itself — the same rate the APR is made of.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AppContext } from '../../src/app/app-context.ts';
import { runEndOfDay } from '../../src/app/financing/eod.ts';
import { acceptOffer, confirmDisbursement, makeOffers } from '../../src/app/financing/origination.ts';
import { repayFacility } from '../../src/app/financing/repayments.ts';
import { servicedOf } from '../../src/app/financing/serviced.ts';
import { previewSweep, sweepSettlement } from '../../src/app/financing/sweep.ts';
import type { FacilityEventRow, OfferRow } from '../../src/app/ports.ts';
import { fromTaggedJson } from '../../src/app/risk/tagged-json.ts';
import type { AdvanceFacility } from '../../src/domain/products/advance/servicing.ts';
import type { Offer } from '../../src/domain/products/offers.ts';
import { formatCalendarDate, fromDayNumber, toDayNumber } from '../../src/domain/time/calendar-date.ts';
import { backendsUnderTest, type Harness } from '../support/backends.ts';
import {
  dayEnded,
  endOfDay,
  facilityLedgers,
  openSteadyBook,
  poolLedger,
  type SteadyBook,
  show,
} from '../support/financing-sim.ts';

const merchantId = 'mer_story';
/** 532.41 a day, every day: the forecast is exactly that, so the offer can be worked by hand. */
const dailySalesMinor = 53_241n;
/** 50,000.00 in the pool. */
const poolMinor = 5_000_000n;

/** Round half to even, a / b for b > 0. */
function halfEven(a: bigint, b: bigint): bigint {
  const q = a / b;
  const r = a % b;
  if (r * 2n > b || (r * 2n === b && q % 2n !== 0n)) return q + 1n;
  return q;
}

/**
 * The Appendix J equation (12 CFR 1026, App. J (b)(8)) for one advance on day 0 and daily payments
 * on days 1, 2, …: the unit-period is a day, every payment is a whole number of unit-periods away,
 * so amount = Σ P_t / (1 + i)^t. Solved by plain bisection — nothing shared with the product's solver.
 */
function dailyRateOf(amountMinor: bigint, payments: readonly bigint[]): number {
  const presentValue = (i: number) => payments.reduce((pv, p, t) => pv + Number(p) / (1 + i) ** (t + 1), 0);
  let low = 0;
  let high = 0.05;
  for (let step = 0; step < 200; step += 1) {
    const middle = (low + high) / 2;
    if (presentValue(middle) > Number(amountMinor)) low = middle;
    else high = middle;
  }
  return (low + high) / 2;
}

for (const backend of backendsUnderTest) {
  describe(`a merchant's year with an advance on ${backend.name}`, { skip: backend.skip }, () => {
    let book: SteadyBook;
    let harness: Harness;
    let app: AppContext;
    let d0 = 0;
    let decisionId = '';
    let offer: OfferRow;
    let advances: OfferRow[] = [];
    let facilityId = '';
    /** The daily rate solved here from the offer's schedule (the APR's i, the fee's effective rate). */
    let rate = 0;

    /**
     * What the test expects, kept by hand: receivables, cash, collections; and the fee recognition
     * by the documented rule — each day's income is the opening carrying amount (owed + repaid that
     * day − deferred fee) × the daily rate, rounded half even, never more than the deferred fee and
     * never so little that the deferred fee exceeds what is left to repay.
     */
    const expected = {
      fees: 0n,
      principal: 0n,
      deferredFee: 0n,
      cash: poolMinor,
      collected: 0n,
      lateFees: 0n,
    };
    let repaidToday = 0n;

    before(async () => {
      book = await openSteadyBook(backend, {
        merchants: [{ merchantId, dailySalesMinor }],
        poolMinor,
        settings: {
          // A fixed price and limit, so the fee and the sizes are known: 30.42% a year, 10,000.00.
          minRateBps: 3_042,
          maxRateBps: 3_042,
          maxLimitMinor: '1000000',
        },
      });
      ({ harness, app } = book);
      d0 = book.asOfDay;
      const decision = book.decisions.get(merchantId);
      assert.ok(decision);
      decisionId = decision.decisionId;
    });
    after(async () => harness?.dispose());

    const facility = async () => {
      const row = await harness.store.read((tx) => tx.financing.facility(facilityId));
      assert.ok(row);
      const serviced = servicedOf(row);
      assert.ok(serviced && serviced.product === 'advance');
      return { row, serviced, state: serviced.state as AdvanceFacility };
    };

    const events = async (): Promise<FacilityEventRow[]> => {
      const all: FacilityEventRow[] = [];
      for (;;) {
        const page = await harness.store.read((tx) =>
          tx.financing.facilityEvents(facilityId, { afterSequence: all.at(-1)?.sequence ?? 0, limit: 500 }),
        );
        all.push(...page);
        if (page.length < 500) return all;
      }
    };

    /** Every balance: the facility as stored, its ledger accounts and the pool's, against `expected`. */
    const checkBooks = async (label: string, status: string, daysPastDue: number) => {
      const { row, serviced, state } = await facility();
      const [ledger, pool] = await harness.store.read(async (tx) => [
        (await facilityLedgers(tx, [row])).get(row.id),
        await poolLedger(tx),
      ]);
      assert.ok(ledger);
      const at = `${label}: facility ${show(state.owed)} deferred ${state.deferredFeeMinor}, ledger ${show(ledger)}, pool ${show(pool)}`;
      assert.equal(row.status, status, at);
      assert.equal(state.daysPastDue, daysPastDue, at);
      assert.equal(state.owed.fees, expected.fees, at);
      assert.equal(state.owed.principal, expected.principal, at);
      assert.equal(state.deferredFeeMinor, expected.deferredFee, at);
      assert.deepEqual(
        ledger,
        {
          principal: expected.principal,
          interest: 0n,
          fees: expected.fees,
          deferredFee: expected.deferredFee,
          principalPending: 0n,
        },
        at,
      );
      // Income: the fee earned so far (1,500.00 less what is still deferred) and every late fee.
      const feeIncome = 150_000n - expected.deferredFee + expected.lateFees;
      assert.deepEqual(
        pool,
        {
          cash: expected.cash,
          cashReserved: 0n,
          funding: poolMinor,
          feeIncome,
          interestIncome: 0n,
          creditLosses: 0n,
        },
        at,
      );
      assert.equal(serviced.tally.collectedMinor, expected.collected, at);
      assert.equal(serviced.tally.feeIncomeMinor, feeIncome, at);
      assert.equal(serviced.tally.originatedMinor, 1_000_000n, at);
    };

    /** A payout swept: the deduction asserted, the books moved (fees first, then principal). */
    const payout = async (day: number, key: string, netMinor: bigint, deductedMinor: bigint) => {
      const swept = await harness.store.write((tx) =>
        sweepSettlement(tx, app, { settlementKey: key, merchantId, day, currency: 'USD', netMinor }),
      );
      assert.ok(swept.ok);
      assert.equal(swept.value.waterfall.totalDeductedMinor, deductedMinor, `${key} on day ${day - d0}`);
      assert.equal(swept.value.waterfall.merchantNetMinor, netMinor - deductedMinor);
      const toFees = deductedMinor < expected.fees ? deductedMinor : expected.fees;
      expected.fees -= toFees;
      expected.principal -= deductedMinor - toFees;
      expected.cash += deductedMinor;
      expected.collected += deductedMinor;
      repaidToday += deductedMinor;
    };

    /** The fee the day earns, by the documented rule (see `expected`). */
    const recognise = () => {
      const left = expected.fees + expected.principal;
      const opening = left + repaidToday - expected.deferredFee;
      let income = opening > 0n ? halfEven(opening * BigInt(Math.round(rate * 1e18)), 10n ** 18n) : 0n;
      if (income < expected.deferredFee - left) income = expected.deferredFee - left;
      if (income > expected.deferredFee) income = expected.deferredFee;
      expected.deferredFee -= income;
      repaidToday = 0n;
      return income;
    };

    /** The daily cycle through `day`, one day at a time in the model (a late fee on `lateFeeDay`). */
    const endOfDays = async (from: number, through: number, lateFeeDay: number | null = null) => {
      dayEnded(book.clock, through);
      const run = await runEndOfDay(app, through);
      assert.ok(run.ok);
      assert.equal(run.value.length, through - from + 1, 'every day run once, in order');
      for (let day = from; day <= through; day += 1) {
        recognise();
        if (day === lateFeeDay) {
          expected.fees += 2_500n;
          expected.lateFees += 2_500n;
        }
      }
    };

    it('day 0: offers from the decision — three advance sizes, worked by hand, APR by Appendix J', async () => {
      const decision = book.decisions.get(merchantId);
      assert.ok(decision);
      // Sales of 532.41 every day: the forecast is 532.41 a day; 30 days of it (15,972.30) is above
      // the 10,000.00 maximum, so the limit is 10,000.00; the price is fixed at 30.42% a year.
      assert.deepEqual(
        { ...decision, decisionId: '', consentId: '' },
        {
          decisionId: '',
          consentId: '',
          outcome: 'approved',
          grade: decision.grade,
          limitMinor: 1_000_000n,
          annualRateBps: 3_042,
          forecastDailySalesMinor: '53241',
        },
      );
      endOfDay(book.clock, d0);
      const made = await harness.store.write((tx) => makeOffers(tx, app, decisionId));
      assert.ok(made.ok);
      advances = made.value.filter((o) => o.product === 'advance');
      // Sizes: 100%, 70% and 40% of the limit.
      assert.deepEqual(
        advances.map((o) => o.amountMinor),
        [1_000_000n, 700_000n, 400_000n],
      );
      offer = advances[0] as OfferRow;
      const terms = fromTaggedJson<Offer>(offer.offerJson);
      assert.ok(terms.product === 'advance');
      // The fee: 30.42% × 180 / 365 = 15.0016% → 1,500 bps, a factor of 1.15: 1,500.00 on 10,000.00.
      // The holdback repays the 11,500.00 from 180 days of forecast sales (180 × 532.41 = 95,833.80):
      // 11,500.00 / 95,833.80 = 11.99994% → rounded up to 1,200 bps, 12%.
      // The minimum: 5.56% of 11,500.00 = 639.40 every 60 days; the longest term 540 days.
      assert.deepEqual(terms.terms, {
        amountMinor: 1_000_000n,
        currency: 'USD',
        factorBps: 11_500,
        holdbackRateBps: 1_200,
        minimumPayment: { periodDays: 60, shareBps: 556 },
        maxTermDays: 540,
      });
      assert.equal(terms.totalCostMinor, 150_000n);
      assert.equal(terms.totalRepayableMinor, 1_150_000n);
      // The forecast repayments: 12% of 532.41 = 63.8892 → 63.88 a day (rounded down) for 180 days
      // (11,498.40), and the last 1.60 on day 181. Every 60 days 3,832.80 ≥ the 639.40 minimum.
      assert.equal(terms.schedule.length, 181);
      for (const [index, payment] of terms.schedule.entries()) {
        assert.equal(toDayNumber(payment.date), d0 + index + 1);
        assert.equal(payment.amountMinor, index < 180 ? 6_388n : 160n);
      }
      // The APR: i solves 10,000.00 = Σ 63.88 / (1+i)^t (t = 1…180) + 1.60 / (1+i)^181, a daily
      // unit-period, 365 of them a year: i = 0.158265…% a day, APR = 57.77%.
      rate = dailyRateOf(
        1_000_000n,
        terms.schedule.map((p) => p.amountMinor),
      );
      assert.equal((rate * 36_500).toFixed(2), '57.77');
      assert.equal(terms.aprPercent, '57.77');
      assert.equal(terms.aprUnitPeriod, 'daily');
      assert.equal(toDayNumber(terms.expiresOn), d0 + 30, 'open for 30 days');
    });

    it('day 0: the merchant accepts the 10,000.00 advance — disclosure and consent kept, money reserved', async () => {
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: offer.id, merchantId, day: d0 }),
      );
      assert.ok(accepted.ok);
      facilityId = accepted.value.facility.id;
      assert.equal(accepted.value.facility.status, 'disbursing');
      assert.equal(accepted.value.offer.status, 'accepted');
      assert.equal(accepted.value.offer.facilityId, facilityId);
      const acceptance = fromTaggedJson<{
        acceptedOn: string;
        consentId: string;
        disclosure: Record<string, unknown>;
      }>(accepted.value.offer.acceptanceJson ?? '{}');
      const terms = fromTaggedJson<Offer>(offer.offerJson);
      assert.equal(acceptance.acceptedOn, formatCalendarDate(fromDayNumber(d0)));
      assert.equal(acceptance.consentId, book.decisions.get(merchantId)?.consentId);
      assert.deepEqual(acceptance.disclosure, {
        product: 'advance',
        amountMinor: 1_000_000n,
        currency: 'USD',
        aprPercent: '57.77',
        aprUnitPeriod: 'daily',
        totalCostMinor: 150_000n,
        totalRepayableMinor: 1_150_000n,
        schedule: terms.schedule,
        // How it is serviced beyond its terms: 25.00 a missed minimum after 7 days' grace,
        // defaulted at 90 days past due, written off at 180.
        servicing: {
          lateFeeMinor: 2_500n,
          lateFeeGraceDays: 7,
          defaultAfterDays: 90,
          writeOffAfterDays: 180,
          // Paid off early, the fixed fee is owed all the same: 1,500.00 at most, no fee for it.
          prepayment: {
            unpaidFinanceChargeOwedBps: 10_000,
            financeChargeOwedMaxMinor: 150_000n,
            prepaymentFeeMinor: 0n,
          },
        },
        // The funds provided: all of it to the merchant, no refill paying anything off.
        payout: { amountMinor: 1_000_000n, paysOffMinor: 0n, toMerchantMinor: 1_000_000n },
      });
      // Accepting again answers the same facility.
      const again = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: offer.id, merchantId, day: d0 }),
      );
      assert.ok(again.ok);
      assert.equal(again.value.facility.id, facilityId);
      // Reserved, not paid: 10,000.00 pending out of the pool; the 1,500.00 fee charged and deferred.
      const [ledger, pool] = await harness.store.read(async (tx) => [
        (await facilityLedgers(tx, [accepted.value.facility])).get(facilityId),
        await poolLedger(tx),
      ]);
      assert.deepEqual(ledger, {
        principal: 0n,
        interest: 0n,
        fees: 150_000n,
        deferredFee: 150_000n,
        principalPending: 1_000_000n,
      });
      assert.equal(pool.cash, 5_000_000n);
      assert.equal(pool.cashReserved, 1_000_000n);
    });

    it('day 0: the offers not taken cannot be accepted as well — one decision, one 10,000.00 limit', async () => {
      const sibling = advances[1] as OfferRow;
      const second = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: sibling.id, merchantId, day: d0 }),
      );
      assert.ok(!second.ok, `a second advance of 7,000.00 was accepted on a limit already used`);
      assert.equal(second.code, 'offer_not_open');
      const statuses = await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId));
      assert.ok(
        statuses
          .filter((o) => o.product === 'advance' && o.id !== advances[0]?.id)
          .every((o) => o.status === 'withdrawn'),
        'the other advance offers are withdrawn',
      );
    });

    it('day 0: the payout is confirmed — 10,000.00 out of the pool, 11,500.00 owed', async () => {
      const confirmed = await harness.store.write((tx) =>
        confirmDisbursement(tx, app, { facilityId, day: d0 }),
      );
      assert.ok(confirmed.ok);
      // 50,000.00 − 10,000.00 = 40,000.00 in the pool; owed: the 1,500.00 fee and 10,000.00.
      Object.assign(expected, {
        fees: 150_000n,
        principal: 1_000_000n,
        deferredFee: 150_000n,
        cash: 4_000_000n,
      });
      await checkBooks('confirmed', 'active', 0);
      const { state } = await facility();
      assert.equal(state.disbursedDay, d0);
      assert.ok(
        Math.abs(state.dailyRate - rate) < 1e-12,
        `the fee's rate ${state.dailyRate} is the APR's ${rate}`,
      );
      assert.deepEqual(
        (await events()).map((e) => [e.type, e.day - d0]),
        [
          ['accepted', 0],
          ['disbursed', 0],
        ],
      );
    });

    it('days 1–60: payouts swept at 12%; refund days (net negative) take nothing; the first minimum is met', async () => {
      for (let n = 1; n <= 60; n += 1) {
        const day = d0 + n;
        endOfDay(book.clock, day);
        if (n % 10 === 3) {
          // 80.00 of sales less 150.00 of refunds: net −70.00, nothing to take.
          await payout(day, `story ${n}`, -7_000n, 0n);
        } else if (n % 10 === 7) {
          // A slow day: net 25.00, 12% = 3.00.
          await payout(day, `story ${n}`, 2_500n, 300n);
        } else {
          // 125.00 net, 12% = 15.00.
          await payout(day, `story ${n}`, 12_500n, 1_500n);
        }
        if (n === 1) {
          const before = expected.deferredFee;
          await endOfDays(day, day);
          // Day 1 earns 10,000.00 × 0.158265…% = 15.8265 → 15.83.
          assert.equal(before - expected.deferredFee, 1_583n);
        } else await endOfDays(day, day);
      }
      // 48 days × 15.00 + 6 days × 3.00 + 6 days × 0 = 738.00, all of it fees (fees come first):
      // fees 1,500.00 − 738.00 = 762.00; principal 10,000.00; cash 40,000.00 + 738.00 = 40,738.00.
      assert.equal(expected.collected, 73_800n);
      assert.equal(expected.fees, 76_200n);
      assert.equal(expected.cash, 4_073_800n);
      // 738.00 ≥ the 639.40 due by day 60: nothing overdue.
      await checkBooks('day 60', 'active', 0);
      // The offers not taken lapsed at the end of day 30 and cannot be accepted now.
      const offers = await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId));
      for (const other of offers.filter((o) => o.id !== offer.id && o.id !== advances[1]?.id))
        assert.ok(
          ['expired', 'withdrawn'].includes(other.status),
          `${other.product} offer is ${other.status}`,
        );
      const lapsed = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: (advances[2] as OfferRow).id, merchantId, day: d0 + 60 }),
      );
      assert.ok(!lapsed.ok && lapsed.code === 'offer_not_open', show(lapsed));
      const swept = await harness.store.read((tx) =>
        tx.financing.sweepsForMerchant(merchantId, d0 + 1, d0 + 60),
      );
      assert.equal(swept.length, 60);
      assert.equal(
        swept.reduce((sum, s) => sum + s.deductedMinor, 0n),
        73_800n,
      );
    });

    it('days 61–120: no sales; the second minimum is missed on day 120', async () => {
      // Near breach first: on day 79 (19 days into the period, 12 past the week the pace allows for
      // payouts) the pace is 639.40 × 12/60 × 80% = 102.30, and 639.40 + 102.30 = 741.70 > the
      // 738.00 repaid; on day 78 it was 93.77 (733.17).
      await endOfDays(d0 + 61, d0 + 120);
      // Due by day 120: 2 × 639.40 = 1,278.80; repaid 738.00; overdue 540.80 since day 120, 0 days.
      await checkBooks('day 120', 'active', 0);
      const preview = await harness.store.read((tx) =>
        previewSweep(tx, app, {
          settlementKey: 'peek',
          merchantId,
          day: d0 + 121,
          currency: 'USD',
          netMinor: 100_000n,
        }).then((p) => p.waterfall),
      );
      // A 1,000.00 payout the next day could give 300.00 (30%), all of it to the overdue fees.
      assert.equal(preview.totalDeductedMinor, 30_000n);
      assert.deepEqual(preview.deductions[0]?.overdue, { fees: 30_000n, interest: 0n, principal: 0n });
    });

    it('days 121–134: delinquent from day 121; one late fee of 25.00 on day 128, after the 7-day grace', async () => {
      await endOfDays(d0 + 121, d0 + 127);
      await checkBooks('day 127', 'delinquent', 7);
      await endOfDays(d0 + 128, d0 + 134, d0 + 128);
      // Fees 762.00 + 25.00 = 787.00; income 25.00 more.
      assert.equal(expected.fees, 78_700n);
      await checkBooks('day 134', 'delinquent', 14);
      const late = (await events()).filter((e) => e.type === 'late_fee_charged');
      assert.deepEqual(
        late.map((e) => [e.day - d0, fromTaggedJson<{ dueDay: number }>(e.detailJson).dueDay - d0]),
        [[128, 120]],
      );
    });

    it('day 135: a 2,000.00 payout cures it — the overdue 540.80 and the late fee first, within the 600.00 cap', async () => {
      const day = d0 + 135;
      endOfDay(book.clock, day);
      const settlement = { settlementKey: 'story 135', merchantId, day, currency: 'USD', netMinor: 200_000n };
      const { waterfall: preview } = await harness.store.read((tx) => previewSweep(tx, app, settlement));
      // Cap: 30% of 2,000.00 = 600.00. Overdue: the missed 540.80 and the 25.00 late fee charged for
      // it, 565.80 (fees first: 787.00 owed covers it; the late fee is paid first, and a late fee
      // paid does not count towards the minimum); then the holdback's 12% = 240.00 is less than the
      // 565.80 already taken, so nothing more.
      assert.equal(preview.availableMinor, 60_000n);
      assert.equal(preview.totalDeductedMinor, 56_580n);
      await payout(day, settlement.settlementKey, settlement.netMinor, 56_580n);
      // Replayed: the same split, nothing moves.
      const again = await harness.store.write((tx) => sweepSettlement(tx, app, settlement));
      assert.ok(again.ok && again.value.replayed);
      assert.equal(again.value.waterfall.totalDeductedMinor, 56_580n);
      await endOfDays(day, day);
      // Fees 787.00 − 565.80 = 221.20; repaid of the advance 738.00 + 540.80 = 1,278.80, the two
      // minimums; collected with the late fee 1,303.80; cash 40,738.00 + 565.80 = 41,303.80.
      assert.equal(expected.fees, 22_120n);
      assert.equal(expected.collected, 130_380n);
      assert.equal(expected.cash, 4_130_380n);
      await checkBooks('day 135', 'active', 0);
    });

    it('days 136–364: payouts resume — daily, then weekly — and the fee is paid before the principal', async () => {
      for (let n = 136; n <= 150; n += 1) {
        endOfDay(book.clock, d0 + n);
        // 1,000.00 net, 12% = 120.00.
        await payout(d0 + n, `story ${n}`, 100_000n, 12_000n);
        await endOfDays(d0 + n, d0 + n);
      }
      // 15 × 120.00 = 1,800.00: the 221.20 of fees, then 1,578.80 of principal → 8,421.20 left.
      assert.equal(expected.fees, 0n);
      assert.equal(expected.principal, 842_120n);
      await checkBooks('day 150', 'active', 0);
      for (let n = 151; n <= 364; n += 7) {
        endOfDay(book.clock, d0 + n);
        // A weekly 700.00 net, 12% = 84.00.
        await payout(d0 + n, `story ${n}`, 70_000n, 8_400n);
        await endOfDays(d0 + n, Math.min(d0 + n + 6, d0 + 364));
      }
      // Days 151, 158, …, 361: 31 payouts × 84.00 = 2,604.00 → principal 8,421.20 − 2,604.00 =
      // 5,817.20. By day 360 six minimums (3,836.40) were due; 5,598.80 of the advance had been repaid.
      assert.equal(expected.principal, 581_720n);
      // Collected 1,303.80 + 1,800.00 + 2,604.00 = 5,707.80; cash 40,000.00 + 5,707.80.
      assert.equal(expected.collected, 570_780n);
      assert.equal(expected.cash, 4_570_780n);
      await checkBooks('day 364', 'active', 0);
    });

    it('day 365: early payoff by direct repayment — paid off, the fee all earned, the books closed', async () => {
      const day = d0 + 365;
      endOfDay(book.clock, day);
      const paid = await harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId, merchantId, day, reference: 'payoff-365', payoff: true }),
      );
      assert.ok(paid.ok);
      // Everything owed: 5,817.20 of principal, no fees left.
      assert.deepEqual(paid.value.applied, { fees: 0n, interest: 0n, principal: 581_720n });
      assert.equal(paid.value.status, 'paid_off');
      assert.equal(paid.value.outstandingMinor, 0n);
      Object.assign(expected, {
        principal: 0n,
        deferredFee: 0n,
        cash: expected.cash + 581_720n,
        collected: expected.collected + 581_720n,
      });
      await endOfDays(day, day);
      // Collected 11,525.00 = 11,500.00 + the 25.00 late fee; fee income 1,500.00 + 25.00 = 1,525.00;
      // pool cash 50,000.00 − 10,000.00 + 11,525.00 = 51,525.00.
      assert.equal(expected.collected, 1_152_500n);
      assert.equal(expected.cash, 5_152_500n);
      await checkBooks('paid off', 'paid_off', 0);
      const pool = await harness.store.read((tx) => poolLedger(tx));
      assert.equal(pool.feeIncome, 152_500n);

      // The story in the facility's events: disbursed, swept, warned, delinquent, charged, cured, repaid.
      const history = await events();
      const story = history.filter((e) => e.type !== 'swept').map((e) => [e.type, e.day - d0]);
      assert.deepEqual(story, [
        ['accepted', 0],
        ['disbursed', 0],
        ['minimum_payment_near_breach', 79],
        ['status_changed', 121],
        // 1 day past due: into the 1-30 bucket; back to current when cured.
        ['delinquency_bucket_changed', 121],
        ['late_fee_charged', 128],
        // Cured with exactly the two minimums repaid, 15 days into the third period: the pace wants
        // 639.40 × (15 − 7)/60 × 80% = 68.20 more, so the warning starts again (the next day's
        // 120.00 is past the 76.72 it wants then).
        ['minimum_payment_near_breach', 135],
        ['status_changed', 135],
        ['delinquency_bucket_changed', 135],
        ['repayment', 365],
        ['status_changed', 365],
      ]);
      const moves = history
        .filter((e) => e.type === 'status_changed')
        .map((e) => fromTaggedJson<{ from: string; to: string }>(e.detailJson));
      assert.deepEqual(moves, [
        { from: 'active', to: 'delinquent' },
        { from: 'delinquent', to: 'active' },
        { from: 'active', to: 'paid_off' },
      ]);
      // A sweep event per payout that took something: 54 (days 1–60, 48 + 6) + 1 + 15 + 31.
      assert.equal(history.filter((e) => e.type === 'swept').length, 54 + 1 + 15 + 31);

      // Paid off, the merchant's payouts are no longer swept.
      const after = await harness.store.write((tx) =>
        sweepSettlement(tx, app, {
          settlementKey: 'story 365',
          merchantId,
          day,
          currency: 'USD',
          netMinor: 100_000n,
        }),
      );
      assert.ok(after.ok);
      assert.equal(after.value.waterfall.totalDeductedMinor, 0n);
    });
  });
}
