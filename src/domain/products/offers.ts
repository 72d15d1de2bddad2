/**
 * Offers from an approved credit decision: what a merchant is shown, pre-approved, with the cost
 * disclosed before it accepts. Per eligible product:
 *
 * - **Advance**: up to three sizes of the decision's limit (all, 70%, 40% by default, as platforms
 *   show), each for a fixed fee — the decision's annual rate over the target term — and a holdback
 *   rate chosen so the sales forecast repays it in about the target term (within the allowed
 *   holdback range), with the minimum payment and maximum term of the settings;
 * - **Term loan**: the limit, rounded down to the currency's offer steps as the advances are, in
 *   equal monthly instalments at the decision's rate, for each offered number of months (better
 *   grades only);
 * - **Credit line**: the limit so rounded, at the decision's rate, interest daily (best grades only).
 *
 * Each offer carries the forecast repayment schedule (an advance's from the sales forecast, a
 * loan's from its instalments, a line's from the sales forecast with the whole limit drawn on the
 * offer day), the total cost of credit, the total repayable and the APR by the actuarial method of
 * Regulation Z Appendix J over that schedule. Offers expire after the settings' validity (30 days).
 */
import { assert } from '../assert.ts';
import { annualPercentageRate } from '../finance/apr.ts';
import { divideRounded } from '../money/rounding.ts';
import { addDays, type CalendarDate, fromDayNumber, toDayNumber } from '../time/calendar-date.ts';
import { type AdvanceTerms, forecastHoldback, totalRepayable } from './advance/advance.ts';
import { defaultServicingPolicy } from './advance/servicing.ts';
import { type CreditLineDayCount, emptyBalance, owedMinor, repay } from './credit-line/credit-line.ts';
import {
  applyCreditLinePayment,
  creditLineServicingDefaults,
  openedCreditLine,
  serviceCreditLineDay,
} from './credit-line/servicing.ts';
import type { RefillPayoffParts } from './refill.ts';
import { termLoanSchedule } from './term-loan/servicing.ts';

const bps = 10_000n;

export type Product = 'advance' | 'term_loan' | 'credit_line';

export interface OfferSettings {
  readonly validityDays: number;
  /** Advance sizes as shares of the limit, largest first. */
  readonly advanceSizesBps: readonly number[];
  /** The term an advance's fee is priced for and its holdback aims at. */
  readonly advanceTargetTermDays: number;
  readonly holdbackRateMinBps: number;
  readonly holdbackRateMaxBps: number;
  readonly minimumPayment: { readonly periodDays: number; readonly shareBps: number } | null;
  readonly advanceMaxTermDays: number | null;
  /** Term loans offered, in months, and the grades that get them. */
  readonly termLoanMonths: readonly number[];
  readonly termLoanGrades: readonly string[];
  /** Term loans in equal instalments (`level_payment`) or equal parts of principal. */
  readonly termLoanAmortization: 'level_payment' | 'equal_principal';
  readonly creditLineGrades: readonly string[];
  /** The day count a credit line's daily interest is charged by. */
  readonly creditLineDayCount: CreditLineDayCount;
  /** Offers below this amount are not made (in a currency `currencyAmounts` does not name). */
  readonly minimumOfferMinor: bigint;
  /** Amounts are rounded down to a multiple of this many minor units (idem). */
  readonly amountRoundingMinor: bigint;
  /**
   * The smallest offer and the rounding in a currency whose minor unit weighs far from a dollar
   * cent's: one number of minor units for all would be ₩500 or Rp 500 as the smallest offer.
   */
  readonly currencyAmounts: Readonly<Record<string, OfferAmounts>>;
  /**
   * Days after acceptance (or a credit line's draw) the platform has to confirm the payout: one
   * not confirmed by the end of the last is voided and the money reserved for it released.
   */
  readonly disbursementDeadlineDays: number;
}

export interface OfferAmounts {
  readonly minimumOfferMinor: bigint;
  readonly amountRoundingMinor: bigint;
}

/**
 * The smallest offer and the rounding by currency, of about the weight of 500.00 and 10.00 dollars,
 * where a currency's minor unit weighs far from a cent; the others take `minimumOfferMinor` and
 * `amountRoundingMinor` (a dollar, euro, pound, franc; ¥50,000 and ¥1,000 in yen).
 */
export const offerAmountsByCurrency: Readonly<Record<string, OfferAmounts>> = {
  // The dinars and the rial have three decimals: 50,000 minor units would be 50 dinars (a Jordanian
  // merchant's smallest offer about $70) and every limit capped at 50,000 dinars.
  BHD: { minimumOfferMinor: 200_000n, amountRoundingMinor: 5_000n },
  BRL: { minimumOfferMinor: 250_000n, amountRoundingMinor: 5_000n },
  CNY: { minimumOfferMinor: 350_000n, amountRoundingMinor: 10_000n },
  HKD: { minimumOfferMinor: 400_000n, amountRoundingMinor: 10_000n },
  IDR: { minimumOfferMinor: 800_000_000n, amountRoundingMinor: 10_000_000n },
  INR: { minimumOfferMinor: 4_000_000n, amountRoundingMinor: 100_000n },
  JOD: { minimumOfferMinor: 350_000n, amountRoundingMinor: 10_000n },
  KRW: { minimumOfferMinor: 700_000n, amountRoundingMinor: 10_000n },
  KWD: { minimumOfferMinor: 150_000n, amountRoundingMinor: 5_000n },
  MXN: { minimumOfferMinor: 1_000_000n, amountRoundingMinor: 10_000n },
  OMR: { minimumOfferMinor: 200_000n, amountRoundingMinor: 5_000n },
};

/** The smallest offer and the rounding of amounts in `currency`, by the settings. */
export function offerAmountsIn(settings: OfferSettings, currency: string): OfferAmounts {
  return (
    settings.currencyAmounts[currency] ?? {
      minimumOfferMinor: settings.minimumOfferMinor,
      amountRoundingMinor: settings.amountRoundingMinor,
    }
  );
}

export const defaultOfferSettings: OfferSettings = {
  validityDays: 30,
  advanceSizesBps: [10_000, 7_000, 4_000],
  advanceTargetTermDays: 180,
  holdbackRateMinBps: 500,
  holdbackRateMaxBps: 2_000,
  // 1/18 of the total every 60 days, as Shopify Capital does.
  minimumPayment: { periodDays: 60, shareBps: 556 },
  advanceMaxTermDays: 540,
  termLoanMonths: [6, 12],
  termLoanGrades: ['A', 'B', 'C', 'D'],
  termLoanAmortization: 'level_payment',
  creditLineGrades: ['A', 'B', 'C'],
  creditLineDayCount: 'act_365f',
  minimumOfferMinor: 50_000n,
  amountRoundingMinor: 1_000n,
  currencyAmounts: offerAmountsByCurrency,
  // A bank payout lands within a few business days; a week covers a holiday weekend.
  disbursementDeadlineDays: 7,
};

export interface ApprovedDecision {
  readonly decisionId: string;
  readonly merchantId: string;
  readonly currency: string;
  readonly grade: string;
  readonly limitMinor: bigint;
  readonly annualRateBps: number;
  /** The day offers are made (a day number); repayments start the day after. */
  readonly day: number;
  /** Forecast sales for the days after `day`, minor units (the last value repeats). */
  readonly forecastDailySalesMinor: readonly bigint[];
}

export interface ScheduledPayment {
  readonly date: CalendarDate;
  readonly amountMinor: bigint;
}

/**
 * An offer's forecast schedule as a daily stream: the amount of each day from the day after the
 * offer, none on a day without a payment (a day the forecast sells nothing). What the advance's
 * effective daily rate is solved from — its payments counted on their dates, as the APR counts them.
 */
export function dailyStream(offeredOn: CalendarDate, schedule: readonly ScheduledPayment[]): bigint[] {
  const first = toDayNumber(offeredOn) + 1;
  const daily: bigint[] = [];
  for (const { date, amountMinor } of schedule) {
    const index = toDayNumber(date) - first;
    assert(index >= daily.length, 'dailyStream: a schedule of one payment a day, after the offer, in order');
    while (daily.length < index) daily.push(0n);
    daily.push(amountMinor);
  }
  return daily;
}

/**
 * An advance's forecast as from `day`, the day the money is accepted or paid out: the offer's
 * payments moved by the days since the offer, so it starts the day after `day` — the same stream,
 * and so the same effective rate, no payment dated before the money (not always the same APR:
 * `disclosedOn`). On the offer day, the schedule as offered.
 */
export function forecastFrom(
  offer: { readonly offeredOn: CalendarDate; readonly schedule: readonly ScheduledPayment[] },
  day: number,
): readonly ScheduledPayment[] {
  const moved = day - toDayNumber(offer.offeredOn);
  if (moved === 0) return offer.schedule;
  return offer.schedule.map((p) => ({ date: addDays(p.date, moved), amountMinor: p.amountMinor }));
}

export interface TermLoanTerms {
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly annualRateBps: number;
  readonly months: number;
  /** Absent from offers made before it was a setting: level payment. */
  readonly amortization?: 'level_payment' | 'equal_principal';
  /** Absent from offers made before it: PMT rounded up (term-loan/servicing.ts TermLoanTerms). */
  readonly rounding?: 'cent';
}

export interface CreditLineOfferTerms {
  readonly limitMinor: bigint;
  readonly currency: string;
  readonly annualRateBps: number;
  readonly dayCount: CreditLineDayCount;
}

/**
 * How the facility will be serviced beyond its terms, disclosed with the offer: the late fee and
 * its grace, when arrears become a default and a write-off, and for a credit line what each payout
 * repays while anything is drawn and its monthly statements — what is later charged, shown first.
 */
export interface ServicingDisclosure {
  /** In the offer's currency (`lateFeeMinorByCurrency`): 0, none. The facility is charged it. */
  readonly lateFeeMinor: bigint;
  /** Days after a missed payment's due date before the late fee is charged. */
  readonly lateFeeGraceDays: number;
  readonly defaultAfterDays: number;
  readonly writeOffAfterDays: number;
  readonly creditLine?: typeof creditLineServicingDefaults;
  /** Absent from offers made before offers disclosed it (their payoff costs the same). */
  readonly prepayment?: PrepaymentDisclosure;
}

/**
 * What paying off early costs, as commercial-financing disclosure laws ask it told before the
 * merchant accepts (New York's, California's): of the finance charge not yet paid, the share a
 * payoff before the end still owes beyond the interest accrued to its day, the most that can be,
 * and any fee for paying early. An advance's fee is fixed — a payoff, or a refill paying it off,
 * owes all of it, however early (servicing.ts `outstanding`); a loan's or a line's payoff owes its
 * principal and the interest accrued to that day only (term-loan/servicing.ts `payoffAmount`).
 */
export interface PrepaymentDisclosure {
  /** Basis points of the finance charge not yet paid that an early payoff owes: 10,000 or 0. */
  readonly unpaidFinanceChargeOwedBps: number;
  /** The most of the finance charge an early payoff can owe beyond interest accrued: the fee, or 0. */
  readonly financeChargeOwedMaxMinor: bigint;
  /** A fee for paying early, beyond the finance charge: none is charged. */
  readonly prepaymentFeeMinor: bigint;
}

/**
 * The late fee an offer discloses, by currency, in its minor units: a fixed fee of about the same
 * weight in each (25.00 in the dollar, euro and pound; ¥3,000; ₩30,000; ₹2,000 …). One number of
 * minor units for all would be ¥2,500 in yen, 2.500 dinars in Kuwait and next to nothing in rupiah.
 * A currency not listed has no late fee, and its offers disclose none.
 */
export const lateFeeMinorByCurrency: Readonly<Record<string, bigint>> = {
  USD: 2_500n,
  EUR: 2_500n,
  GBP: 2_500n,
  CHF: 2_500n,
  CAD: 3_500n,
  AUD: 4_000n,
  NZD: 4_000n,
  SGD: 3_500n,
  HKD: 20_000n,
  CNY: 20_000n,
  JPY: 3_000n,
  KRW: 30_000n,
  INR: 200_000n,
  IDR: 40_000_000n,
  MXN: 50_000n,
  BRL: 12_500n,
  // Three decimals, as offerAmountsByCurrency has them: 2,500 minor units would be 2.500 dinars.
  BHD: 10_000n,
  OMR: 10_000n,
  KWD: 8_000n,
  JOD: 18_000n,
};

/** `fixedFeeMinor`: an advance's fee, owed in full whenever it is paid off; 0 for the others. */
function servicingDisclosure(product: Product, currency: string, fixedFeeMinor: bigint): ServicingDisclosure {
  const { lateFeeGraceDays, defaultAfterDays, writeOffAfterDays } = defaultServicingPolicy;
  assert(
    product === 'advance' || fixedFeeMinor === 0n,
    'servicingDisclosure: only an advance has a fixed fee',
  );
  return {
    lateFeeMinor: lateFeeMinorByCurrency[currency] ?? 0n,
    lateFeeGraceDays,
    defaultAfterDays,
    writeOffAfterDays,
    ...(product === 'credit_line' ? { creditLine: creditLineServicingDefaults } : {}),
    prepayment: {
      unpaidFinanceChargeOwedBps: product === 'advance' ? 10_000 : 0,
      financeChargeOwedMaxMinor: fixedFeeMinor,
      prepaymentFeeMinor: 0n,
    },
  };
}

interface OfferBase {
  readonly merchantId: string;
  readonly decisionId: string;
  /** The decision's risk grade, for reporting the portfolio by grade. */
  readonly grade: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly totalCostMinor: bigint;
  readonly totalRepayableMinor: bigint;
  readonly aprPercent: string;
  readonly aprUnitPeriod: string;
  /** Forecast (advance, credit line: its whole limit drawn) or contractual (loan) repayments. */
  readonly schedule: readonly ScheduledPayment[];
  readonly offeredOn: CalendarDate;
  readonly expiresOn: CalendarDate;
  /** Absent from offers made before offers disclosed it (they are serviced by the same defaults). */
  readonly servicing?: ServicingDisclosure;
  /**
   * A refill: the new advance first pays off this facility (an advance mostly repaid); the
   * merchant receives the rest. The payoff shown is as of the offer; it is settled at disbursement.
   * Itemised (`payoff`) in offers made since refill disclosures named its parts; absent before.
   */
  readonly refillOf?: {
    readonly facilityId: string;
    readonly payoffMinor: bigint;
    readonly payoff?: RefillPayoffParts;
  };
}

export type Offer =
  | (OfferBase & { readonly product: 'advance'; readonly terms: AdvanceTerms })
  | (OfferBase & { readonly product: 'term_loan'; readonly terms: TermLoanTerms })
  | (OfferBase & { readonly product: 'credit_line'; readonly terms: CreditLineOfferTerms });

function roundDown(amount: bigint, unit: bigint): bigint {
  return (amount / unit) * unit;
}

function clamp(value: bigint, low: bigint, high: bigint): bigint {
  if (value < low) return low;
  return value > high ? high : value;
}

function base(
  product: Product,
  decision: ApprovedDecision,
  settings: OfferSettings,
  amountMinor: bigint,
  schedule: readonly ScheduledPayment[],
  fixedFeeMinor = 0n,
): Omit<OfferBase, 'aprPercent' | 'aprUnitPeriod' | 'totalCostMinor'> {
  return {
    servicing: servicingDisclosure(product, decision.currency, fixedFeeMinor),
    merchantId: decision.merchantId,
    decisionId: decision.decisionId,
    grade: decision.grade,
    amountMinor,
    currency: decision.currency,
    totalRepayableMinor: schedule.reduce((sum, p) => sum + p.amountMinor, 0n),
    schedule,
    offeredOn: fromDayNumber(decision.day),
    expiresOn: fromDayNumber(decision.day + settings.validityDays),
  };
}

/** The Appendix J APR of a schedule, or null when none can be disclosed (then no offer is made). */
function aprOf(amountMinor: bigint, day: number, schedule: readonly ScheduledPayment[]) {
  const apr = annualPercentageRate({
    advances: [{ amountMinor, date: fromDayNumber(day) }],
    payments: schedule.map((p) => ({ amountMinor: p.amountMinor, date: p.date })),
  });
  return apr.ok ? { aprPercent: apr.value.aprPercentText, aprUnitPeriod: apr.value.unitPeriod } : null;
}

function advanceOffer(
  decision: ApprovedDecision,
  settings: OfferSettings,
  amountMinor: bigint,
): Offer | null {
  // The fee: the annual rate over the target term.
  const feeBps = Math.round((decision.annualRateBps * settings.advanceTargetTermDays) / 365);
  const forecast = decision.forecastDailySalesMinor;
  let salesOverTerm = 0n;
  for (let d = 1; d <= settings.advanceTargetTermDays && forecast.length > 0; d += 1)
    salesOverTerm += forecast[Math.min(d, forecast.length) - 1] as bigint;
  if (salesOverTerm <= 0n) return null;
  const draft: AdvanceTerms = {
    amountMinor,
    currency: decision.currency,
    factorBps: 10_000 + feeBps,
    holdbackRateBps: settings.holdbackRateMinBps,
    minimumPayment: settings.minimumPayment,
    maxTermDays: settings.advanceMaxTermDays,
  };
  // The holdback that repays the total from the forecast sales of the target term, within range.
  const holdback = clamp(
    divideRounded(totalRepayable(draft) * bps, salesOverTerm, 'up'),
    BigInt(settings.holdbackRateMinBps),
    BigInt(settings.holdbackRateMaxBps),
  );
  const terms: AdvanceTerms = { ...draft, holdbackRateBps: Number(holdback) };
  const holdbacks = forecastHoldback(terms, forecast);
  if (!holdbacks.ok) return null;
  const schedule = holdbacks.value.daily.flatMap((amount, index) =>
    amount > 0n ? [{ date: fromDayNumber(decision.day + index + 1), amountMinor: amount }] : [],
  );
  const apr = aprOf(amountMinor, decision.day, schedule);
  if (apr === null) return null;
  const feeMinor = totalRepayable(terms) - amountMinor;
  return {
    product: 'advance',
    terms,
    ...base('advance', decision, settings, amountMinor, schedule, feeMinor),
    totalCostMinor: feeMinor,
    ...apr,
  };
}

/**
 * A term loan's schedule from `day` — the loan's own, as servicing will keep it, so what is
 * disclosed is what falls due — with its APR; null when it cannot be scheduled or disclosed.
 */
function termLoanDisclosure(terms: TermLoanTerms, day: number) {
  const rows = termLoanSchedule({ ...terms, amortization: terms.amortization ?? 'level_payment' }, day);
  if (!rows.ok) return null;
  const schedule = rows.value.map((row) => ({
    date: fromDayNumber(row.dueDay),
    amountMinor: row.paymentMinor,
  }));
  const apr = aprOf(terms.amountMinor, day, schedule);
  return apr === null ? null : { schedule, apr };
}

function termLoanOffer(
  decision: ApprovedDecision,
  settings: OfferSettings,
  months: number,
  amountMinor: bigint,
): Offer | null {
  const terms: TermLoanTerms = {
    amountMinor,
    currency: decision.currency,
    annualRateBps: decision.annualRateBps,
    months,
    amortization: settings.termLoanAmortization,
    rounding: 'cent',
  };
  const disclosed = termLoanDisclosure(terms, decision.day);
  if (disclosed === null) return null;
  const offer = base('term_loan', decision, settings, amountMinor, disclosed.schedule);
  return {
    product: 'term_loan',
    terms,
    ...offer,
    totalCostMinor: offer.totalRepayableMinor - amountMinor,
    ...disclosed.apr,
  };
}

/** The longest a credit line's forecast runs: one its forecast does not repay by then is not offered. */
const creditLineForecastDaysMax = 20 * 366;

/**
 * A credit line's forecast repayments, as commercial-financing disclosure rules ask an open-end
 * line's figures computed (California 10 CCR § 940(c): the approved limit borrowed at origination,
 * no other draw, on-time payments as the contract asks): the whole limit drawn on `day`, repaid as
 * its servicing repays it — the line's sweep rate of each day's forecast sales while anything is
 * owed, and on each statement's due date what its minimum still asks — until nothing is owed. The
 * line's own servicing (serviceCreditLineDay, applyCreditLinePayment) runs it, so the interest
 * in it is what the line would charge. Null when the forecast does not repay it within
 * creditLineForecastDaysMax days.
 */
function creditLineForecast(
  terms: CreditLineOfferTerms,
  forecastDailySalesMinor: readonly bigint[],
  day: number,
): ScheduledPayment[] | null {
  const book = { facilityId: 'forecast', financierId: 'forecast', currency: terms.currency };
  const servicing = { ...terms, ...creditLineServicingDefaults };
  let line = openedCreditLine(
    book,
    '',
    servicing,
    { ...emptyBalance, principalMinor: terms.limitMinor },
    day,
  );
  line = serviceCreditLineDay(line, day, '').facility;
  const schedule: ScheduledPayment[] = [];
  const pay = (amountMinor: bigint) => {
    const owed = owedMinor(line.balance);
    const paid = amountMinor < owed ? amountMinor : owed;
    if (paid <= 0n) return 0n;
    const applied = repay(line.balance, paid);
    assert(applied.ok, 'creditLineForecast: a positive payment applies');
    line = applyCreditLinePayment(line, '', applied.value.applied).facility;
    return paid;
  };
  for (let index = 1; index <= creditLineForecastDaysMax; index += 1) {
    const today = day + index;
    const sales = forecastDailySalesMinor[Math.min(index, forecastDailySalesMinor.length) - 1] ?? 0n;
    let paid = pay((sales * BigInt(servicing.sweepRateBps)) / bps);
    const due = line.unpaidStatements[0];
    if (due !== undefined && due.dueDay <= today) paid += pay(due.minimumMinor - line.paidTowardsOldest);
    if (paid > 0n) schedule.push({ date: fromDayNumber(today), amountMinor: paid });
    if (owedMinor(line.balance) === 0n) return schedule;
    line = serviceCreditLineDay(line, today, '').facility;
  }
  return null;
}

function creditLineOffer(
  decision: ApprovedDecision,
  settings: OfferSettings,
  limitMinor: bigint,
): Offer | null {
  const terms: CreditLineOfferTerms = {
    limitMinor,
    currency: decision.currency,
    annualRateBps: decision.annualRateBps,
    dayCount: settings.creditLineDayCount,
  };
  const schedule = creditLineForecast(terms, decision.forecastDailySalesMinor, decision.day);
  if (schedule === null) return null;
  const apr = aprOf(limitMinor, decision.day, schedule);
  if (apr === null) return null;
  const offer = base('credit_line', decision, settings, limitMinor, schedule);
  return {
    product: 'credit_line',
    terms,
    ...offer,
    totalCostMinor: offer.totalRepayableMinor - limitMinor,
    ...apr,
  };
}

/** Every offer an approved decision supports; none for a limit below the minimum offer. */
export function offersFor(
  decision: ApprovedDecision,
  settings: OfferSettings = defaultOfferSettings,
): Offer[] {
  const offers: Offer[] = [];
  const sizes = new Set<bigint>();
  const { minimumOfferMinor, amountRoundingMinor } = offerAmountsIn(settings, decision.currency);
  for (const share of settings.advanceSizesBps) {
    const amount = roundDown((decision.limitMinor * BigInt(share)) / bps, amountRoundingMinor);
    if (amount < minimumOfferMinor || sizes.has(amount)) continue;
    sizes.add(amount);
    const offer = advanceOffer(decision, settings, amount);
    if (offer !== null) offers.push(offer);
  }
  // A loan and a line lend the whole limit in the same steps as the advances: the decision rounds
  // its limit to whole major units (¥10, ₩10), not to the currency's offer rounding (¥1,000, ₩10,000).
  const wholeLimit = roundDown(decision.limitMinor, amountRoundingMinor);
  if (wholeLimit >= minimumOfferMinor && settings.termLoanGrades.includes(decision.grade)) {
    for (const months of settings.termLoanMonths) {
      const offer = termLoanOffer(decision, settings, months, wholeLimit);
      if (offer !== null) offers.push(offer);
    }
  }
  if (wholeLimit >= minimumOfferMinor && settings.creditLineGrades.includes(decision.grade)) {
    const offer = creditLineOffer(decision, settings, wholeLimit);
    if (offer !== null) offers.push(offer);
  }
  return offers;
}

/**
 * The offer as a contract made on `day`, the day it is accepted: a term loan's instalments fall
 * monthly from that day — its schedule and APR recomputed for those dates, the amounts as offered —
 * so what the acceptance discloses is what falls due. An advance (its schedule a forecast, counted
 * from the offer day: its acceptance discloses it `forecastFrom` that day) and a credit line (none)
 * are as offered.
 */
export function offerAcceptedOn(offer: Offer, day: number): Offer {
  if (offer.product !== 'term_loan' || toDayNumber(offer.offeredOn) === day) return offer;
  const disclosed = termLoanDisclosure(offer.terms, day);
  assert(disclosed !== null, 'offerAcceptedOn: an offered term loan is disclosed on another day too');
  const totalRepayableMinor = disclosed.schedule.reduce((sum, p) => sum + p.amountMinor, 0n);
  return {
    ...offer,
    schedule: disclosed.schedule,
    totalRepayableMinor,
    totalCostMinor: totalRepayableMinor - offer.amountMinor,
    ...disclosed.apr,
  };
}

/** The figures an acceptance discloses: what it pays, what it costs, and the APR of those payments. */
export type DisclosedFigures = Pick<
  Offer,
  'aprPercent' | 'aprUnitPeriod' | 'totalCostMinor' | 'totalRepayableMinor' | 'schedule'
>;

/**
 * What an acceptance on `day` discloses and records: the contract of that day (`offerAcceptedOn`),
 * an advance's or a credit line's forecast moved to start the day after (`forecastFrom`: no
 * payment dated before the money; a line's statements count from the day it opens, so its forecast
 * moves whole), and the APR of the very payments recorded. Moved, a stream keeps its days apart but not
 * its months, and Appendix J counts payouts a fortnight or a month apart in months: the same
 * payments from another day have another APR (two payouts 30 days apart, offered on 15 July at
 * 63.59% and accepted on 1 August: 62.99%; up to 0.8 of a point apart, beyond Regulation Z's
 * tolerance of 1/8), so the offer's APR beside the moved payments was one no one could recompute
 * from them.
 */
export function disclosedOn(offer: Offer, day: number): DisclosedFigures {
  const contract = offerAcceptedOn(offer, day);
  const figures = {
    aprPercent: contract.aprPercent,
    aprUnitPeriod: contract.aprUnitPeriod,
    totalCostMinor: contract.totalCostMinor,
    totalRepayableMinor: contract.totalRepayableMinor,
    schedule: contract.schedule,
  };
  // A line offered before lines had a forecast has none to move.
  if (contract.product === 'term_loan' || contract.schedule.length === 0) return figures;
  const schedule = forecastFrom(contract, day);
  if (schedule === contract.schedule) return figures;
  const apr = aprOf(contract.amountMinor, day, schedule);
  assert(apr !== null, 'disclosedOn: an offered forecast has an APR from another day too');
  return { ...figures, schedule, ...apr };
}

/** Whether an offer can still be accepted on `day`. */
export function offerOpen(offer: Pick<Offer, 'expiresOn'>, day: number): boolean {
  return day <= toDayNumber(offer.expiresOn);
}
