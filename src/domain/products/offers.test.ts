/**
 * Offers from an approved decision, against hand-worked figures: three advance sizes priced at the
 * decision's rate over the target term with the holdback that repays them in it; term loans and a
 * credit line for good grades only; APRs that agree with an independent daily-rate solve (advance)
 * and with the nominal rate (level-payment loan); expiry; and no offer below the minimum or without
 * sales to repay from.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { annualPercentageRate } from '../finance/apr.ts';
import {
  addMonths,
  type CalendarDate,
  calendarDate,
  formatCalendarDate,
  fromDayNumber,
  toDayNumber,
} from '../time/calendar-date.ts';
import { solveDailyRate, totalRepayable } from './advance/advance.ts';
import { creditLineServicingDefaults } from './credit-line/servicing.ts';
import {
  type ApprovedDecision,
  dailyStream,
  defaultOfferSettings,
  disclosedOn,
  forecastFrom,
  offerAcceptedOn,
  offerOpen,
  offersFor,
} from './offers.ts';

const day = toDayNumber(calendarDate('2026-03-02'));
/** Grade C: 10,000.00 at 11.68% a year; the merchant is forecast to sell 500.00 a day. */
const decision: ApprovedDecision = {
  decisionId: 'dec_1',
  merchantId: 'mer_1',
  currency: 'USD',
  grade: 'C',
  limitMinor: 1_000_000n,
  annualRateBps: 1_168,
  day,
  forecastDailySalesMinor: [50_000n],
};

describe('offersFor', () => {
  const offers = offersFor(decision);
  const advances = offers.filter((o) => o.product === 'advance');

  it('offers three advance sizes, two term loans and a credit line to a grade C merchant', () => {
    assert.deepEqual(
      offers.map((o) => `${o.product} ${o.amountMinor}`),
      [
        'advance 1000000',
        'advance 700000',
        'advance 400000',
        'term_loan 1000000',
        'term_loan 1000000',
        'credit_line 1000000',
      ],
    );
    for (const offer of offers) {
      assert.equal(formatCalendarDate(offer.offeredOn), '2026-03-02');
      assert.equal(formatCalendarDate(offer.expiresOn), '2026-04-01');
      assert.equal(offerOpen(offer, day + 30), true);
      assert.equal(offerOpen(offer, day + 31), false);
    }
  });

  it('prices an advance at the annual rate over 180 days and holds back enough to repay it then', () => {
    const [largest] = advances;
    assert.ok(largest?.product === 'advance');
    // Fee: 11.68% × 180 / 365 = 5.76%; 10,000.00 → 576.00.
    assert.equal(largest.terms.factorBps, 10_576);
    assert.equal(largest.totalCostMinor, 57_600n);
    assert.equal(largest.totalRepayableMinor, 1_057_600n);
    // 1,057,600 over 180 days of 50,000 in sales: 11.7511…%, rounded up to 1,176 bps.
    assert.equal(largest.terms.holdbackRateBps, 1_176);
    // 5,880 a day: 179 days and 5,080 on the 180th.
    assert.equal(largest.schedule.length, 180);
    assert.equal(largest.schedule[0]?.amountMinor, 5_880n);
    assert.equal(formatCalendarDate(largest.schedule[0]?.date ?? calendarDate('1970-01-01')), '2026-03-03');
    assert.equal(largest.schedule.at(-1)?.amountMinor, 5_080n);
    assert.equal(totalRepayable(largest.terms), largest.totalRepayableMinor);
    assert.deepEqual(largest.terms.minimumPayment, { periodDays: 60, shareBps: 556 });
  });

  it('solves the daily rate of a forecast with days off on the days the payments fall, as the APR does', () => {
    // Sales on weekdays only (2026-03-02 is a Monday: the forecast starts the day after).
    const week = [70_000n, 70_000n, 70_000n, 70_000n, 0n, 0n, 70_000n];
    const forecastDailySalesMinor = Array.from({ length: 364 }, (_, k) => week[k % 7] as bigint);
    const [offer] = offersFor({ ...decision, forecastDailySalesMinor }).filter(
      (o) => o.product === 'advance',
    );
    assert.ok(offer?.product === 'advance');
    const daily = dailyStream(offer.offeredOn, offer.schedule);
    assert.ok(daily.length > offer.schedule.length, 'the weekends are days without a payment');
    assert.deepEqual(
      daily.slice(0, 7).map((amount) => amount > 0n),
      [true, true, true, true, false, false, true],
    );
    assert.equal(
      daily.reduce((t, a) => t + a, 0n),
      offer.totalRepayableMinor,
    );
    const onTheirDays = solveDailyRate(offer.amountMinor, daily) * 365 * 100;
    assert.ok(
      Math.abs(Number(offer.aprPercent) - onTheirDays) <= 0.005 + 1e-9,
      `${offer.aprPercent} vs ${onTheirDays}`,
    );
    // Packed one a day, the same payments come back sooner: a higher rate, fee earned too fast.
    const packed =
      solveDailyRate(
        offer.amountMinor,
        offer.schedule.map((p) => p.amountMinor),
      ) *
      365 *
      100;
    assert.ok(packed > onTheirDays * 1.2, `${packed} vs ${onTheirDays}`);
  });

  it('makes a term loan accepted on a later day that day’s contract: its dates and APR, the amounts as offered', () => {
    const [loan] = offers.filter((o) => o.product === 'term_loan');
    assert.ok(loan?.product === 'term_loan');
    assert.equal(offerAcceptedOn(loan, day), loan, 'on the offer day, the offer');
    const later = offerAcceptedOn(loan, day + 10);
    assert.deepEqual(
      later.schedule.map((p) => formatCalendarDate(p.date)),
      loan.schedule.map((_, k) => formatCalendarDate(addMonths(calendarDate('2026-03-12'), k + 1))),
    );
    assert.deepEqual(
      later.schedule.map((p) => p.amountMinor),
      loan.schedule.map((p) => p.amountMinor),
    );
    assert.equal(later.aprUnitPeriod, 'monthly');
    // The same payments a month apart from the start: the same APR.
    assert.equal(later.aprPercent, loan.aprPercent);
    const [advance] = advances;
    assert.ok(advance !== undefined);
    assert.equal(offerAcceptedOn(advance, day + 10), advance, 'an advance’s forecast is as offered');
  });

  it('discloses how each offer will be serviced: the late fee in its currency’s own weight', () => {
    for (const offer of offers)
      assert.deepEqual(
        { ...offer.servicing, creditLine: undefined, prepayment: undefined },
        {
          lateFeeMinor: 2_500n,
          lateFeeGraceDays: 7,
          defaultAfterDays: 90,
          writeOffAfterDays: 180,
          creditLine: undefined,
          prepayment: undefined,
        },
        `${offer.product} ${offer.amountMinor}`,
      );
    const line = offers.find((o) => o.product === 'credit_line');
    assert.deepEqual(line?.servicing?.creditLine, {
      sweepRateBps: 1_000,
      statementDays: 30,
      minimumPrincipalShareBps: 1_000,
      paymentDueDays: 20,
    });
    const lateFee = (currency: string) =>
      offersFor({ ...decision, currency }).map((o) => o.servicing?.lateFeeMinor);
    assert.deepEqual(new Set(lateFee('JPY')), new Set([3_000n]), '¥3,000, not ¥2,500');
    assert.deepEqual(new Set(lateFee('KWD')), new Set([8_000n]), '8.000 dinars, not 2.500');
    assert.deepEqual(new Set(lateFee('ZAR')), new Set([0n]), 'a currency not listed: none');
  });

  it('discloses what paying off early costs: all of an advance’s fixed fee, only interest accrued on a loan or a line', () => {
    for (const offer of offers)
      assert.deepEqual(
        offer.servicing?.prepayment,
        offer.product === 'advance'
          ? // 10,000.00 for a fee of 576.00: paid off the next day, it still owes all 576.00.
            {
              unpaidFinanceChargeOwedBps: 10_000,
              financeChargeOwedMaxMinor: offer.totalCostMinor,
              prepaymentFeeMinor: 0n,
            }
          : { unpaidFinanceChargeOwedBps: 0, financeChargeOwedMaxMinor: 0n, prepaymentFeeMinor: 0n },
        `${offer.product} ${offer.amountMinor}`,
      );
    assert.equal(advances[0]?.servicing?.prepayment?.financeChargeOwedMaxMinor, 57_600n);
  });

  it('dates an advance’s forecast from the day the money is accepted or paid out: the same stream', () => {
    const [advance] = advances;
    assert.ok(advance !== undefined);
    assert.equal(forecastFrom(advance, day), advance.schedule, 'on the offer day, as offered');
    const later = forecastFrom(advance, day + 10);
    assert.equal(formatCalendarDate((later[0] as { date: CalendarDate }).date), '2026-03-13');
    assert.deepEqual(
      later.map((p) => [toDayNumber(p.date) - 10, p.amountMinor]),
      advance.schedule.map((p) => [toDayNumber(p.date), p.amountMinor]),
    );
    // The same payments the same days after the money: the rate solved, and the APR, are the same.
    assert.deepEqual(
      dailyStream(fromDayNumber(day + 10), later),
      dailyStream(advance.offeredOn, advance.schedule),
    );
  });

  it('discloses an advance APR that a daily-rate solve of the same schedule agrees with', () => {
    for (const offer of advances) {
      assert.equal(offer.aprUnitPeriod, 'daily');
      const daily = dailyStream(offer.offeredOn, offer.schedule);
      assert.equal(daily.length, offer.schedule.length, 'this forecast sells every day');
      const independent = solveDailyRate(offer.amountMinor, daily) * 365 * 100;
      assert.ok(
        Math.abs(Number(offer.aprPercent) - independent) <= 0.005 + 1e-9,
        `${offer.aprPercent} vs ${independent}`,
      );
      // Repaid over about six months, a 5.76% fee costs far more than 11.68% a year.
      assert.ok(Number(offer.aprPercent) > 20 && Number(offer.aprPercent) < 25, offer.aprPercent);
    }
  });

  it('schedules level monthly instalments for a term loan whose APR is its nominal rate', () => {
    const loans = offers.filter((o) => o.product === 'term_loan');
    assert.deepEqual(
      loans.map((o) => (o.product === 'term_loan' ? o.terms.months : 0)),
      [6, 12],
    );
    for (const loan of loans) {
      assert.equal(formatCalendarDate(loan.schedule[0]?.date ?? calendarDate('1970-01-01')), '2026-04-02');
      assert.equal(loan.aprUnitPeriod, 'monthly');
      // Payments rounded up to the cent can move the APR by a hundredth at most.
      assert.ok(Math.abs(Number(loan.aprPercent) - 11.68) <= 0.01, loan.aprPercent);
      assert.equal(loan.totalCostMinor, loan.totalRepayableMinor - 1_000_000n);
    }
  });

  /**
   * The line's forecast worked independently: the whole limit drawn on the offer day, simple daily
   * interest on the principal (whole minor units, the fraction carried), and each day from the next
   * 10% of the day's forecast sales paid, interest first, until nothing is owed. At 500.00 of sales
   * a day the sweep (50.00) is far above any statement's minimum, so statements ask nothing more.
   */
  function sweptLine(limitMinor: bigint, annualRateBps: bigint, basis: bigint, sweepMinor: bigint) {
    let principal = limitMinor;
    let interest = 0n;
    let carry = 0n;
    const accrue = () => {
      const total = carry + principal * annualRateBps;
      interest += total / (10_000n * basis);
      carry = total % (10_000n * basis);
    };
    accrue();
    const payments: bigint[] = [];
    while (principal + interest > 0n) {
      const paid = sweepMinor < principal + interest ? sweepMinor : principal + interest;
      const toInterest = paid < interest ? paid : interest;
      interest -= toInterest;
      principal -= paid - toInterest;
      payments.push(paid);
      accrue();
    }
    return payments;
  }

  it('forecasts a credit line as its whole limit drawn on the offer day and repaid by its sweep of the forecast sales', () => {
    const line = offers.find((o) => o.product === 'credit_line');
    assert.ok(line?.product === 'credit_line');
    const expected = sweptLine(1_000_000n, 1_168n, 365n, 5_000n);
    assert.deepEqual(
      line.schedule.map((p) => p.amountMinor),
      expected,
    );
    // One payment a day from the day after the offer: 206 of 50.00, then what is left.
    assert.equal(expected.length, 207);
    assert.equal(formatCalendarDate(line.schedule[0]?.date as CalendarDate), '2026-03-03');
    assert.deepEqual(
      line.schedule.map((p) => toDayNumber(p.date)),
      expected.map((_, index) => day + index + 1),
    );
    assert.equal(line.totalRepayableMinor, 1_033_599n);
    assert.equal(line.totalCostMinor, 33_599n, 'the interest the forecast pays');
    // Simple interest paid as it accrues: the APR is the annual rate.
    assert.equal(line.aprPercent, '11.68');
  });

  it('forecasts a line without forecast sales as repaid by its statements’ minimums, each paid on its due date', () => {
    const line = offersFor({ ...decision, forecastDailySalesMinor: [0n] }).find(
      (o) => o.product === 'credit_line',
    );
    assert.ok(line?.product === 'credit_line');
    const { statementDays, paymentDueDays } = creditLineServicingDefaults;
    // Statements every 30 days from the offer day, each paid 20 days after it.
    assert.deepEqual(
      line.schedule.map((p) => toDayNumber(p.date)),
      line.schedule.map((_, index) => day + (index + 1) * statementDays + paymentDueDays),
    );
    // The first asks the interest of 31 days (the draw day's and the 30 after it: 1,000,000 ×
    // 11.68% × 31 / 365 = 9,920 exactly) and 10% of the principal.
    assert.equal(line.schedule[0]?.amountMinor, 9_920n + 100_000n);
    assert.equal(line.totalRepayableMinor, line.totalCostMinor + 1_000_000n);
    assert.ok(line.totalCostMinor > 100_000n, `over ten years of minimums: ${line.totalCostMinor}`);
    assert.equal(line.aprUnitPeriod, 'monthly');
    assert.ok(Math.abs(Number(line.aprPercent) - 11.68) <= 0.125, line.aprPercent);
  });

  it('gives a line its APR by Appendix J over its forecast, as every offer: ACT/360 costs 365/360 of the rate', () => {
    const act360 = offersFor(decision, { ...defaultOfferSettings, creditLineDayCount: 'act_360' }).find(
      (o) => o.product === 'credit_line',
    );
    assert.ok(act360?.product === 'credit_line');
    assert.deepEqual(
      act360.schedule.map((p) => p.amountMinor),
      sweptLine(1_000_000n, 1_168n, 360n, 5_000n),
    );
    // 11.68% × 365/360 = 11.8422…%.
    assert.equal(act360.aprPercent, '11.84');
    for (const line of [offers.find((o) => o.product === 'credit_line'), act360]) {
      assert.ok(line !== undefined);
      const apr = annualPercentageRate({
        advances: [{ amountMinor: line.amountMinor, date: line.offeredOn }],
        payments: line.schedule,
      });
      assert.ok(apr.ok);
      assert.equal(line.aprPercent, apr.value.aprPercentText);
      assert.equal(line.aprUnitPeriod, apr.value.unitPeriod);
    }
  });

  it('moves a line’s forecast whole to the day it is accepted, with the APR of those dates', () => {
    const line = offers.find((o) => o.product === 'credit_line');
    assert.ok(line?.product === 'credit_line');
    const later = disclosedOn(line, day + 9);
    assert.deepEqual(
      later.schedule.map((p) => [toDayNumber(p.date) - 9, p.amountMinor]),
      line.schedule.map((p) => [toDayNumber(p.date), p.amountMinor]),
    );
    assert.equal(later.totalCostMinor, line.totalCostMinor);
  });

  it('offers a grade E merchant advances only, and nobody anything below the minimum', () => {
    assert.deepEqual([...new Set(offersFor({ ...decision, grade: 'E' }).map((o) => o.product))], ['advance']);
    // 40% of 1,200.00 is 480.00, under the 500.00 minimum.
    assert.deepEqual(
      offersFor({ ...decision, limitMinor: 120_000n, grade: 'E' }).map((o) => o.amountMinor),
      [120_000n, 84_000n],
    );
    assert.deepEqual(offersFor({ ...decision, limitMinor: 40_000n }), []);
    assert.deepEqual(
      offersFor({ ...decision, grade: 'E', forecastDailySalesMinor: [0n] }),
      [],
      'no sales to hold back from',
    );
  });

  it("takes the smallest offer and the rounding in the decision's currency where its minor unit is not a cent's weight", () => {
    // In rupiah (two decimals), Rp 8,000,000.00 at least and Rp 100,000.00 steps, not Rp 500.00 and Rp 10.00.
    const rupiah = { ...decision, currency: 'IDR', grade: 'E', forecastDailySalesMinor: [600_000_000n] };
    assert.deepEqual(
      offersFor({ ...rupiah, limitMinor: 1_912_345_678n }).map((o) => o.amountMinor),
      // 100%, 70% (1,338,641,974.6) and 40% (764,938,271.2 — under the minimum) of Rp 19,123,456.78.
      [1_910_000_000n, 1_330_000_000n],
    );
    assert.deepEqual(offersFor({ ...rupiah, limitMinor: 790_000_000n }), [], 'under Rp 8,000,000.00');
    // Won and yen have no minor unit: ₩700,000 at least, in ₩10,000 steps; yen as the dollar's figures.
    const won = offersFor({ ...decision, currency: 'KRW', grade: 'E', limitMinor: 1_234_567n });
    assert.deepEqual(
      won.map((o) => o.amountMinor),
      [1_230_000n, 860_000n],
    );
    assert.deepEqual(
      offersFor({ ...decision, currency: 'JPY', grade: 'E', limitMinor: 123_456n }).map((o) => o.amountMinor),
      [123_000n, 86_000n],
    );
    // A loan and a line lend the limit in the same steps: a decision rounds its limit to ¥10 or ₩10
    // (10 major units), which left a ¥1,239,670 loan beside a ¥1,239,000 advance.
    const lentBy = (currency: string, limitMinor: bigint) =>
      offersFor({ ...decision, currency, limitMinor }).map((o) => `${o.product} ${o.amountMinor}`);
    assert.deepEqual(lentBy('JPY', 1_239_670n), [
      'advance 1239000',
      'advance 867000',
      'advance 495000',
      'term_loan 1239000',
      'term_loan 1239000',
      'credit_line 1239000',
    ]);
    assert.deepEqual(lentBy('KRW', 8_809_800n), [
      'advance 8800000',
      'advance 6160000',
      'advance 3520000',
      'term_loan 8800000',
      'term_loan 8800000',
      'credit_line 8800000',
    ]);
    const line = offersFor({ ...decision, currency: 'KRW', limitMinor: 8_809_800n }).at(-1);
    assert.ok(line?.product === 'credit_line');
    assert.equal(line.terms.limitMinor, 8_800_000n);
    assert.equal(line.totalRepayableMinor, 8_800_000n + line.totalCostMinor);
    // ₩709,990 lends ₩700,000, the smallest offer, whatever the product.
    assert.deepEqual(lentBy('KRW', 709_990n), [
      'advance 700000',
      'term_loan 700000',
      'term_loan 700000',
      'credit_line 700000',
    ]);
    // The dinars have three decimals: a Jordanian merchant is offered at least 350.000 dinars
    // (about $500) in steps of 10.000, not 50.000 dinars in steps of 1.000.
    assert.deepEqual(
      offersFor({ ...decision, currency: 'JOD', grade: 'E', limitMinor: 1_234_567n }).map(
        (o) => o.amountMinor,
      ),
      // 100% and 70% (864.196) of 1,234.567 dinars; 40% (493.826) rounds to 490.000.
      [1_230_000n, 860_000n, 490_000n],
    );
    assert.deepEqual(offersFor({ ...decision, currency: 'JOD', grade: 'E', limitMinor: 340_000n }), []);
    assert.deepEqual(
      offersFor({ ...decision, currency: 'KWD', grade: 'E', limitMinor: 400_000n }).map((o) => o.amountMinor),
      // 40% of 400 Kuwaiti dinars is 160.000, over their 150.000.
      [400_000n, 280_000n, 160_000n],
    );
    assert.deepEqual(
      offersFor({ ...decision, currency: 'BHD', grade: 'E', limitMinor: 400_000n }).map((o) => o.amountMinor),
      // 40% of 400 Bahraini dinars is 160.000, under their 200.000.
      [400_000n, 280_000n],
    );
    // The settings may name a currency's own figures.
    const settings = {
      ...defaultOfferSettings,
      currencyAmounts: { KRW: { minimumOfferMinor: 100_000n, amountRoundingMinor: 100_000n } },
    };
    assert.deepEqual(
      offersFor({ ...decision, currency: 'KRW', grade: 'E', limitMinor: 1_234_567n }, settings).map(
        (o) => o.amountMinor,
      ),
      [1_200_000n, 800_000n, 400_000n],
    );
  });
});
