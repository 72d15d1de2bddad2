/**
 * The shapes financing answers in: snake_case fields, amounts as integer strings of minor units
 * beside their currency, rates as decimal strings, dates as YYYY-MM-DD; facility events told in
 * plain words for statements and histories; a statement's lines as RFC 4180 CSV.
 */
import type { MerchantStatement, StatementLine } from '../app/financing/merchant-statement.ts';
import type { StoredFacility } from '../app/financing/origination.ts';
import {
  type CurrencyReport,
  type FacilityReport,
  parsed,
  type ReportEvent,
} from '../app/financing/reports.ts';
import type { Settlement, SplitPreview, SweepConversion } from '../app/financing/sweep.ts';
import type {
  FacilityEventRow,
  FacilityRow,
  OfferEventRow,
  OfferEventType,
  OfferRow,
  OfferStatus,
} from '../app/ports.ts';
import { fromTaggedJson } from '../app/risk/tagged-json.ts';
import { isCurrencyCode } from '../domain/money/currency.ts';
import { formatMoney } from '../domain/money/money.ts';
import { creditLineServicingDefaults } from '../domain/products/credit-line/servicing.ts';
import { delinquencyBucket } from '../domain/products/lifecycle.ts';
import {
  type DisclosedFigures,
  disclosedOn,
  type Offer,
  offerOpen,
  type ServicingDisclosure,
} from '../domain/products/offers.ts';
import type { PortfolioFigures } from '../domain/products/portfolio.ts';
import type { RefillPayoffParts } from '../domain/products/refill.ts';
import { fromDayNumber, toDayNumber } from '../domain/time/calendar-date.ts';
import { checkpointView, isoFromMs } from './views.ts';

/** `amountMinor` → `amount`, `holdbackRateBps` → `holdback_rate_bps`, bigints as strings. */
export function snakeView(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(snakeView);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key.replace(/Minor$/, '').replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`),
      snakeView(inner),
    ]),
  );
}

const date = (day: number) => String(fromDayNumber(day));
const rate = (value: number | null) => (value === null ? null : value.toFixed(6));

/** Minor units as a decimal in the currency's own unit: 12345 USD is "123.45". */
export function decimalAmount(amountMinor: bigint, currency: string): string {
  return isCurrencyCode(currency) ? formatMoney({ amountMinor, currency }) : amountMinor.toString();
}

// ---------------------------------------------------------------------------------------------
// Plain words

const productWords: Readonly<Record<string, string>> = {
  advance: 'advance',
  term_loan: 'term loan',
  credit_line: 'credit line',
};

const statusWords: Readonly<Record<string, string>> = {
  delinquent: 'Payment overdue: the facility is delinquent',
  active: 'Up to date again',
  defaulted: 'In default',
  written_off: 'Balance written off',
  paid_off: 'Paid off in full',
};

const text = (value: unknown) => (typeof value === 'string' ? value : '');
const daysWords = (value: unknown) =>
  value === 1 ? '1 day' : `${typeof value === 'number' ? value : '?'} days`;

function interestWords(detail: Readonly<Record<string, unknown>>, day: (v: unknown) => string): string {
  if (detail['instalment'] !== undefined) return `Interest of instalment ${String(detail['instalment'])}`;
  if (detail['toPayoff'] === true) return 'Interest accrued to the early payoff';
  if (detail['fromDay'] === undefined) return 'Interest booked since the last line';
  return detail['fromDay'] === detail['toDay']
    ? `Interest for ${day(detail['fromDay'])}`
    : `Interest from ${day(detail['fromDay'])} to ${day(detail['toDay'])}`;
}

/**
 * A deduction from a payout in another currency (SweepConversion): what was withheld from the
 * payout, in its currency, and the rate — what a merchant reconciling that payout looks for.
 */
function fxWords(fx: unknown, currency: string): string {
  if (fx === null || typeof fx !== 'object') return '';
  const { payoutMinor, payoutCurrency, rate, source } = fx as Record<string, unknown>;
  // The rate is quoted `EUR/USD 1.0842`: the payout's currency is the pair's other one (all a
  // conversion recorded before its payout's currency was kept says of it).
  const pair = /^([A-Z]{3})\/([A-Z]{3}) /.exec(text(rate));
  if (typeof payoutMinor !== 'bigint' || pair === null) return '';
  const payout =
    typeof payoutCurrency === 'string'
      ? payoutCurrency
      : pair[1] === currency
        ? (pair[2] as string)
        : (pair[1] as string);
  return `: ${decimalAmount(payoutMinor, payout)} ${payout} withheld at ${text(rate)} (${text(source)})`;
}

/** A facility event, or a line a statement adds, said in plain words. */
export function describe(type: string, detail: Readonly<Record<string, unknown>>, currency: string): string {
  const money = (v: unknown) => (typeof v === 'bigint' ? `${decimalAmount(v, currency)} ${currency}` : '');
  const day = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? date(v) : 'earlier');
  switch (type) {
    case 'accepted': {
      const offer = (detail['disclosure'] ?? {}) as Record<string, unknown>;
      return `Offer accepted: ${productWords[text(offer['product'])] ?? 'facility'} of ${money(offer['amountMinor'])}`;
    }
    case 'disbursed':
      if (detail['refillOf'] === undefined) return 'Paid out to you';
      // A refill whose old advance its own payouts repaid before it was paid out pays nothing off.
      if (detail['payoffMinor'] === 0n)
        return `Paid out to you: ${text(detail['refillOf'])} was repaid before, nothing to pay off`;
      return `Paid out: ${money(detail['paidToMerchantMinor'])} to you, ${money(detail['payoffMinor'])} paying off ${text(detail['refillOf'])}`;
    case 'fee_charged':
      return 'Fixed fee of the advance';
    case 'interest_charged':
      return interestWords(detail, day);
    case 'adjustment':
      return 'Balance adjustment';
    case 'swept': {
      const recovered = detail['recoveredMinor'];
      return typeof recovered === 'bigint' && recovered > 0n
        ? `Recovered ${money(recovered)} after the write-off from payout ${text(detail['settlementKey'])}`
        : `Deducted from payout ${text(detail['settlementKey'])}${fxWords(detail['fx'], currency)}`;
    }
    case 'repayment': {
      const payoff = (detail['request'] as { payoff?: boolean } | undefined)?.payoff === true;
      const reference = text(detail['reference']);
      const recovered = detail['recoveredMinor'];
      if (typeof recovered === 'bigint' && recovered > 0n)
        return `Recovered ${money(recovered)} after the write-off, reference ${reference}`;
      if (reference.startsWith('refill.')) return `Paid off by the new advance ${reference.slice(7)}`;
      // A payoff may come on or after the last due date: not "early", paid off.
      return `${payoff ? 'Paid off in full' : 'Direct repayment'}, reference ${reference}`;
    }
    case 'draw_requested':
      return `Draw of ${money(detail['amountMinor'])} asked for, reference ${text(detail['reference'])}`;
    case 'drawn':
      return `Draw paid out to you, reference ${text(detail['reference'])}`;
    case 'draw_voided':
      return `The draw's payout failed and it was cancelled, reference ${text(detail['reference'])}`;
    case 'instalment_charged':
      return `Instalment ${String(detail['period'] ?? '')} due ${day(detail['dueDay'])}: interest of ${money(detail['interestMinor'])} charged, ${money(detail['toPayMinor'])} to pay${detail['collectionsPaused'] === true ? ' once collections resume' : ''}`;
    case 'late_fee_charged':
      // An advance's or a line's minimum, or a loan's instalment: the payment due.
      return `Late fee: the payment due ${day(detail['dueDay'])} was missed`;
    case 'statement_issued':
      return `Statement: a minimum payment of ${money(detail['minimumMinor'])} due ${day(detail['dueDay'])}`;
    case 'status_changed':
      return statusWords[text(detail['to'])] ?? `Status changed to ${text(detail['to']).replace(/_/g, ' ')}`;
    case 'minimum_payment_near_breach':
      return "Close to missing this period's minimum payment";
    case 'delinquency_bucket_changed':
      return detail['to'] === 'current'
        ? 'Up to date again'
        : `${daysWords(detail['daysPastDue'])} past due: now in the ${text(detail['to'])} days bucket`;
    case 'refill_available': {
      const bps = detail['repaidShareBps'];
      const share = typeof bps === 'number' ? `${(bps / 100).toFixed(2)}% repaid` : 'most of it repaid';
      return `A refill of this advance can be offered: ${share}`;
    }
    case 'disbursement_voided':
      return (
        `Not paid out, and the facility was cancelled: ${text(detail['reason'])}` +
        (detail['refillOf'] === undefined
          ? ''
          : `; ${text(detail['refillOf'])}, the advance it was to pay off, is repaid from payouts again`)
      );
    case 'collections_paused':
      return `Collections paused${detail['untilDay'] === null ? '' : ` through ${day(detail['untilDay'])}`}`;
    case 'collections_pause_set':
      return `Collections to pause from ${day(detail['fromDay'])}${detail['untilDay'] === null ? '' : ` through ${day(detail['untilDay'])}`}: ${text(detail['reason'])}`;
    case 'collections_resume_set':
      // Events recorded before the day and reason were kept say only that.
      return `Collections to resume${detail['fromDay'] === undefined ? '' : ` from ${day(detail['fromDay'])}`}${detail['reason'] === undefined ? '' : `: ${text(detail['reason'])}`}`;
    case 'collections_resumed':
      return 'Collections resumed';
    default: {
      const words = type.replace(/_/g, ' ');
      return `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The portfolio summary

function figuresView(f: PortfolioFigures) {
  return {
    facilities: f.facilities,
    originated: f.originatedMinor.toString(),
    outstanding_principal: f.outstandingPrincipalMinor.toString(),
    outstanding_total: f.outstandingTotalMinor.toString(),
    collected: f.collectedMinor.toString(),
    refinanced: f.refinancedMinor.toString(),
    recovered: f.recoveredMinor.toString(),
    fee_income: f.feeIncomeMinor.toString(),
    interest_income: f.interestIncomeMinor.toString(),
    annualised_yield: rate(f.annualisedYield),
    par30: rate(f.par30),
    default_rate_by_count: rate(f.defaultRateByCount),
    default_rate_by_amount: rate(f.defaultRateByAmount),
    loss_rate: rate(f.lossRate),
    by_status: f.byStatus,
  };
}

const mapValues = <T, U>(record: Readonly<Record<string, T>>, f: (value: T) => U) =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]));

export function portfolioView(financierId: string | null, report: readonly CurrencyReport[]) {
  return {
    object: 'portfolio_summary',
    financier_id: financierId,
    currencies: report.map((c) => ({
      currency: c.currency,
      total: figuresView(c.total),
      by_product: mapValues(c.byProduct, figuresView),
      by_grade: mapValues(c.byGrade, figuresView),
      by_delinquency_bucket: mapValues(c.byDelinquencyBucket, (b) => ({
        facilities: b.facilities,
        outstanding_principal: b.outstandingPrincipalMinor.toString(),
      })),
      unserviced_by_status: c.unservicedByStatus,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// One facility

function scheduleView(schedule: FacilityReport['schedule']) {
  if (schedule === null) return null;
  switch (schedule.kind) {
    case 'forecast':
      return { kind: 'forecast', payments: snakeView(schedule.payments) };
    case 'instalments':
      return {
        kind: 'instalments',
        instalments: schedule.instalments.map((i) => ({
          number: i.period,
          due_on: date(i.dueDay),
          scheduled_on: date(i.scheduledDueDay),
          payment: i.paymentMinor.toString(),
          interest: i.interestMinor.toString(),
          principal: i.principalMinor.toString(),
          balance_after: i.balanceMinor.toString(),
          paid_interest: i.paidInterestMinor.toString(),
          paid_principal: i.paidPrincipalMinor.toString(),
          status: i.status,
        })),
      };
    case 'statements':
      return {
        kind: 'statements',
        statements: schedule.statements.map((s) => ({
          issued_on: date(s.day),
          due_on: date(s.dueDay),
          minimum: s.minimumMinor.toString(),
          paid: s.paidMinor.toString(),
        })),
      };
  }
}

export function eventView(e: ReportEvent, currency: string) {
  return {
    sequence: e.sequence,
    date: date(e.day),
    type: e.type,
    description: describe(e.type, e.detail, currency),
    detail: eventDetailView(e.type, e.detail),
    recorded_at: isoFromMs(e.atMs),
  };
}

/**
 * An event's detail, snake_case; an acceptance's refill as its offer showed it (refillView). By
 * snakeView alone the refill's payoff (`payoffMinor`) and its parts (`payoff`) would both be named
 * `payoff`, and the disclosure recorded would show the parts without the amount disclosed.
 */
function eventDetailView(type: string, detail: Readonly<Record<string, unknown>>): unknown {
  const view = datedView(snakeView(detail));
  const disclosure = detail['disclosure'] as { readonly refillOf?: Offer['refillOf'] } | undefined;
  if (type !== 'accepted' || disclosure?.refillOf === undefined) return view;
  const shown = view as { readonly disclosure: Record<string, unknown> };
  return { ...shown, disclosure: { ...shown.disclosure, refill_of: refillView(disclosure.refillOf) } };
}

/**
 * A snake_case view with its days as dates: the domain counts days from the epoch, and `due_day`
 * 20675 means nothing to a reader where `"2026-08-10"` does. A key `day`, or ending `_day`, holding
 * a whole number is a day (counts of days end `_days`).
 */
function datedView(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(datedView);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      (key === 'day' || key.endsWith('_day')) && Number.isSafeInteger(inner)
        ? date(inner as number)
        : datedView(inner),
    ]),
  );
}

/**
 * What an acceptance recorded — the day, the consent relied on, and the disclosure shown — as the
 * `accepted` event's detail shows it: the contract as of the acceptance (a term loan accepted after
 * its offer day has its instalments and APR from that day, an advance its forecast from the day
 * after it with the APR of those dates), which may differ from the offer as made.
 */
export function acceptanceView(acceptanceJson: string): unknown {
  return eventDetailView('accepted', fromTaggedJson<Record<string, unknown>>(acceptanceJson));
}

function historyView(url: string, currency: string, history: FacilityReport['history']) {
  return {
    object: 'list',
    url,
    data: history.events.map((e) => eventView(e, currency)),
    has_more: history.hasMore,
  };
}

/** A facility event as a webhook's `data`: the event as the facility's history shows it, and whose it is. */
export function facilityEventView(event: FacilityEventRow, facility: FacilityRow) {
  return {
    object: 'facility_event',
    id: `${event.facilityId}:${event.sequence}`,
    facility_id: facility.id,
    merchant_id: facility.merchantId,
    financier_id: facility.financierId,
    product: facility.product,
    currency: facility.currency,
    ...eventView(parsed(event), facility.currency),
  };
}

/**
 * An offer as the API shows it: its terms, cost, APR and forecast schedule as made; and, still open
 * on `day` (today), what accepting it that day discloses and records (acceptanceDisclosureView).
 */
/** An offer's history as GET /v1/offers/{id} and a merchant's export answer it. */
export function offerHistoryView(events: readonly OfferEventRow[]) {
  return events.map((e) => ({
    sequence: e.sequence,
    type: e.type,
    reason: e.reason,
    recorded_at: isoFromMs(e.atMs),
  }));
}

export function offerView(row: OfferRow, day: number | null = null) {
  const offer = fromTaggedJson<Offer>(row.offerJson);
  const open = row.status === 'open' && day !== null && day >= row.offeredOn && offerOpen(offer, day);
  return {
    object: 'offer',
    id: row.id,
    merchant_id: row.merchantId,
    decision_id: row.decisionId,
    product: row.product,
    currency: row.currency,
    amount: row.amountMinor.toString(),
    status: row.status,
    offered_on: fromDayNumber(row.offeredOn),
    expires_on: fromDayNumber(row.expiresOn),
    apr: offer.aprPercent,
    apr_unit_period: offer.aprUnitPeriod,
    total_cost: offer.totalCostMinor.toString(),
    total_repayable: offer.totalRepayableMinor.toString(),
    terms: snakeView(offer.terms),
    schedule: offer.schedule.map((p) => ({ date: p.date, amount: p.amountMinor.toString() })),
    facility_id: row.facilityId,
    servicing_terms: servicingView(offer.servicing),
    refill_of: offer.refillOf === undefined ? null : refillView(offer.refillOf),
    acceptance_disclosure: open ? acceptanceDisclosureView(offer, day) : null,
    // In plain words, of what accepting it today records while it is open, else of it as made.
    summary: offerSummary(offer, open ? disclosedOn(offer, day) : offer, open ? day : row.offeredOn),
  };
}

const percentOfBps = (bps: number) => `${(bps / 100).toFixed(2)}%`;

/**
 * An offer in plain words, for the merchant: what it lends and how, how it is repaid, what it
 * costs, its APR and for how long (`figures`: the contract of `day`, on which the money is taken),
 * what paying early costs and what a missed payment does — each figure one the disclosure shows.
 */
export function offerSummary(offer: Offer, figures: DisclosedFigures, day: number): string {
  const money = (amountMinor: bigint) => `${decimalAmount(amountMinor, offer.currency)} ${offer.currency}`;
  const first = figures.schedule[0];
  const last = figures.schedule.at(-1);
  const cost = `${money(figures.totalRepayableMinor)} in all, a cost of ${money(figures.totalCostMinor)}`;
  const apr = `an APR of ${figures.aprPercent}%`;
  const servicing = offer.servicing;
  const late =
    servicing === undefined || servicing.lateFeeMinor === 0n
      ? ''
      : ` A payment still missed ${daysWords(servicing.lateFeeGraceDays)} after it falls due costs a late fee of ${money(servicing.lateFeeMinor)}.`;
  const refill =
    offer.refillOf === undefined
      ? ''
      : ` It first pays off your advance ${offer.refillOf.facilityId} (${money(offer.refillOf.payoffMinor)} on ${date(toDayNumber(offer.offeredOn))}); you receive the rest.`;
  switch (offer.product) {
    case 'advance': {
      const { holdbackRateBps, minimumPayment = null, maxTermDays = null } = offer.terms;
      const days = last === undefined ? null : toDayNumber(last.date) - day;
      return (
        `An advance of ${money(offer.amountMinor)}.${refill} It is repaid by ${percentOfBps(holdbackRateBps)} of each ` +
        `of your payouts until ${money(figures.totalRepayableMinor)} is repaid: the advance and a fixed fee of ` +
        `${money(figures.totalCostMinor)}, owed in full however early you repay. ` +
        (days === null || last === undefined
          ? `${apr[0]?.toUpperCase()}${apr.slice(1)}.`
          : `At your forecast sales the last payment comes on ${last.date}, ${daysWords(days)} after ${date(day)}: ${apr}.`) +
        (minimumPayment === null
          ? ''
          : ` Every ${daysWords(minimumPayment.periodDays)} at least ${percentOfBps(minimumPayment.shareBps)} of the total is to be repaid.`) +
        (maxTermDays === null
          ? ''
          : ` Whatever is left ${daysWords(maxTermDays)} after the payout falls due then.`) +
        late
      );
    }
    case 'term_loan': {
      const amounts = figures.schedule.map((p) => p.amountMinor);
      const level = amounts.slice(0, -1).every((a) => a === amounts[0]);
      const instalments =
        first === undefined || last === undefined
          ? ''
          : level
            ? `${amounts.length} monthly instalments of ${money(first.amountMinor)} from ${first.date}` +
              (last.amountMinor === first.amountMinor ? '' : ` (the last ${money(last.amountMinor)})`)
            : `${amounts.length} monthly instalments from ${money(first.amountMinor)} on ${first.date} down to ${money(last.amountMinor)} on ${last.date}`;
      return (
        `A loan of ${money(offer.amountMinor)} at ${percentOfBps(offer.terms.annualRateBps)} a year, repaid in ${instalments}: ` +
        `${cost}, ${apr}. Repaid early, it costs the interest to that day only.${late}`
      );
    }
    case 'credit_line': {
      const line = servicing?.creditLine ?? creditLineServicingDefaults;
      const basis = offer.terms.dayCount === 'act_360' ? '360' : '365';
      const forecast =
        last === undefined
          ? ''
          : ` Drawn in full on ${date(day)} and repaid so at your forecast sales, by ${last.date}: ${cost}, ${apr}.`;
      return (
        `A credit line of ${money(offer.amountMinor)}: draw on it when you need to, and pay ` +
        `${percentOfBps(offer.terms.annualRateBps)} a year (a day's interest is a ${basis}th of it) on what you have drawn. ` +
        `While anything is drawn, ${percentOfBps(line.sweepRateBps)} of each of your payouts repays it, and every ` +
        `${daysWords(line.statementDays)} a statement asks the interest of its period and ${percentOfBps(line.minimumPrincipalShareBps)} of what you ` +
        `have drawn, due ${daysWords(line.paymentDueDays)} later; what you repay you may draw again.${forecast} ` +
        `Repaid early, it costs the interest to that day only.${late}`
      );
    }
  }
}

/**
 * What an acceptance on `day` would record (offers.ts `disclosedOn`): a term loan's instalments
 * monthly from that day, an advance's forecast from the day after it, each with the APR of those
 * dates — the figures as made can be other ones (an advance repaid by monthly payouts, offered at
 * 63.59% and accepted 17 days later, records 62.99%), and what a merchant is shown before it
 * accepts is to be what its acceptance records.
 */
function acceptanceDisclosureView(offer: Offer, day: number) {
  const figures = disclosedOn(offer, day);
  return {
    accepted_on: date(day),
    apr: figures.aprPercent,
    apr_unit_period: figures.aprUnitPeriod,
    total_cost: figures.totalCostMinor.toString(),
    total_repayable: figures.totalRepayableMinor.toString(),
    schedule: figures.schedule.map((p) => ({ date: p.date, amount: p.amountMinor.toString() })),
  };
}

/** A refill's payoff as disclosed: the advance paid off, what pays it off, and its parts. */
function refillView(refillOf: NonNullable<Offer['refillOf']>) {
  return {
    facility_id: refillOf.facilityId,
    payoff: refillOf.payoffMinor.toString(),
    ...refillPartsView(refillOf.payoff),
  };
}

/** How the facility will be serviced, as the offer discloses it; null on offers made before. */
function servicingView(servicing: ServicingDisclosure | undefined) {
  if (servicing === undefined) return null;
  const line = servicing.creditLine;
  const prepayment = servicing.prepayment;
  return {
    late_fee: servicing.lateFeeMinor.toString(),
    late_fee_grace_days: servicing.lateFeeGraceDays,
    default_after_days: servicing.defaultAfterDays,
    write_off_after_days: servicing.writeOffAfterDays,
    credit_line:
      line === undefined
        ? null
        : {
            sweep_rate_bps: line.sweepRateBps,
            statement_days: line.statementDays,
            minimum_principal_share_bps: line.minimumPrincipalShareBps,
            payment_due_days: line.paymentDueDays,
          },
    prepayment:
      prepayment === undefined
        ? null
        : {
            unpaid_finance_charge_owed_bps: prepayment.unpaidFinanceChargeOwedBps,
            finance_charge_owed_max: prepayment.financeChargeOwedMaxMinor.toString(),
            prepayment_fee: prepayment.prepaymentFeeMinor.toString(),
          },
  };
}

/** A refill's payoff itemised; null parts for an offer made before refills were itemised. */
function refillPartsView(parts: RefillPayoffParts | undefined) {
  const amount = (pick: (p: RefillPayoffParts) => bigint) =>
    parts === undefined ? null : pick(parts).toString();
  return {
    payoff_principal: amount((p) => p.principalMinor),
    payoff_fee: amount((p) => p.feeMinor),
    payoff_late_fees: amount((p) => p.lateFeesMinor),
    unearned_fee: amount((p) => p.unearnedFeeMinor),
  };
}

/** Where an offer event leaves the offer. */
const offerStatusAfter = {
  created: 'open',
  accepted: 'accepted',
  withdrawn: 'withdrawn',
  expired: 'expired',
} as const satisfies Record<OfferEventType, OfferStatus>;

/**
 * An offer's event as a webhook's `data`: the offer as that event left it (made: open; then
 * accepted, withdrawn — with why — or expired).
 */
export function offerEventView(event: OfferEventRow, offer: OfferRow) {
  const status = offerStatusAfter[event.type];
  return {
    object: 'offer_event',
    id: `${event.offerId}:${event.sequence}`,
    sequence: event.sequence,
    type: event.type,
    reason: event.reason,
    recorded_at: isoFromMs(event.atMs),
    offer: offerView({ ...offer, status, facilityId: status === 'accepted' ? offer.facilityId : null }),
  };
}

/** How the dispatcher shows each kind of event (src/app/webhooks/dispatch.ts). */
export const eventRenderers = {
  facility: facilityEventView,
  offer: offerEventView,
  checkpoint: checkpointView,
};

/**
 * What the platform is to pay out, while a facility awaits its payout: the amount lent, less what
 * a refill pays off of the advance it replaces (held at that since the acceptance); null otherwise.
 */
export function payoutView(row: FacilityRow) {
  if (row.status !== 'disbursing') return null;
  const stored = fromTaggedJson<StoredFacility>(row.stateJson);
  if (stored.phase !== 'disbursing') return null;
  const amount = stored.offer.amountMinor;
  const refill = stored.offer.refillOf;
  // A refill accepted before its payoff was held: the payoff as of its offer.
  const payoff = refill === undefined ? 0n : (stored.refillPayoffMinor ?? refill.payoffMinor);
  return {
    amount: amount.toString(),
    pays_off: refill === undefined ? null : { facility_id: refill.facilityId, amount: payoff.toString() },
    to_merchant: (amount - payoff).toString(),
  };
}

export function facilityReportView(url: string, report: FacilityReport) {
  const { row, serviced, balances } = report;
  const terms = serviced === null ? report.offer?.terms : serviced.state.terms;
  const daysPastDue = serviced === null ? null : serviced.state.daysPastDue;
  return {
    object: 'facility',
    id: row.id,
    merchant_id: row.merchantId,
    financier_id: row.financierId,
    offer_id: row.offerId,
    product: row.product,
    currency: row.currency,
    status: row.status,
    opened_on: date(row.openedOn),
    grade: serviced?.grade ?? report.offer?.grade ?? null,
    serviced_through: serviced === null ? null : date(serviced.servicedThroughDay),
    payout: payoutView(row),
    terms: terms === undefined ? null : snakeView(terms),
    balances:
      balances === null
        ? null
        : {
            fees: balances.fees.toString(),
            interest: balances.interest.toString(),
            principal: balances.principal.toString(),
            total: (balances.fees + balances.interest + balances.principal).toString(),
            deferred_fee: balances.deferredFeeMinor.toString(),
            available_credit: balances.availableCreditMinor?.toString() ?? null,
            payoff: balances.payoffMinor?.toString() ?? null,
          },
    days_past_due: daysPastDue,
    delinquency_bucket: daysPastDue === null ? null : delinquencyBucket(daysPastDue),
    totals: serviced === null ? null : snakeView(serviced.tally),
    schedule: scheduleView(report.schedule),
    history: historyView(url, row.currency, report.history),
  };
}

// ---------------------------------------------------------------------------------------------
// A payout's split

/** A payout's split as a preview, a commit and a merchant's export answer it. */
export function splitView(settlementId: string, settlement: Settlement, split: SplitPreview) {
  const { waterfall } = split;
  const converted = new Map(split.conversions.map((c) => [c.facilityId, c]));
  return {
    object: 'settlement_split',
    settlement_id: settlementId,
    merchant_id: settlement.merchantId,
    currency: settlement.currency,
    net: settlement.netMinor.toString(),
    date: fromDayNumber(settlement.day),
    available: waterfall.availableMinor.toString(),
    deducted: waterfall.totalDeductedMinor.toString(),
    merchant_net: waterfall.merchantNetMinor.toString(),
    deductions: waterfall.deductions.map((d) => ({
      facility_id: d.facilityId,
      financier_id: d.financierId,
      fees: (d.overdue.fees + d.due.fees + d.early.fees).toString(),
      interest: (d.overdue.interest + d.due.interest + d.early.interest).toString(),
      principal: (d.overdue.principal + d.due.principal + d.early.principal).toString(),
      total: d.total.toString(),
      ...fxView(converted.get(d.facilityId)),
    })),
    financiers: waterfall.byFinancier.map((f) => ({
      financier_id: f.financierId,
      total: f.totalMinor.toString(),
    })),
    unconverted: split.unconverted.map((u) => ({ facility_id: u.facilityId, currency: u.currency })),
  };
}

/** A deduction from a payout in another currency: what it repaid in the facility's, and the rate. */
function fxView(conversion: SweepConversion | undefined) {
  if (conversion === undefined) return {};
  const { fees, interest, principal } = conversion.applied;
  return {
    fx: {
      currency: conversion.currency,
      fees: fees.toString(),
      interest: interest.toString(),
      principal: principal.toString(),
      total: (fees + interest + principal).toString(),
      rate: conversion.rate,
      source: conversion.source,
      as_of: conversion.asOf,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// A merchant's statement

export function lineView(line: StatementLine, currency: string) {
  return {
    date: date(line.day),
    facility_id: line.facilityId,
    sequence: line.sequence,
    type: line.type,
    description: describe(line.type, line.detail, currency),
    amount: line.amountMinor.toString(),
    balance: line.balanceMinor.toString(),
  };
}

/** Positive line amounts are charges, negative ones credits: closing = opening + charges − credits. */
function movements(lines: readonly StatementLine[]) {
  let charges = 0n;
  let credits = 0n;
  for (const l of lines) {
    if (l.amountMinor > 0n) charges += l.amountMinor;
    else credits -= l.amountMinor;
  }
  return { charges, credits };
}

function totalsView(statement: MerchantStatement) {
  const totals = new Map<string, { opening: bigint; charges: bigint; credits: bigint; closing: bigint }>();
  for (const f of statement.facilities) {
    const t = totals.get(f.row.currency) ?? { opening: 0n, charges: 0n, credits: 0n, closing: 0n };
    const m = movements(f.lines);
    totals.set(f.row.currency, {
      opening: t.opening + f.openingMinor,
      charges: t.charges + m.charges,
      credits: t.credits + m.credits,
      closing: t.closing + f.closingMinor,
    });
  }
  return [...totals]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([currency, t]) => ({
      currency,
      opening_balance: t.opening.toString(),
      charges: t.charges.toString(),
      credits: t.credits.toString(),
      closing_balance: t.closing.toString(),
    }));
}

export function statementView(statement: MerchantStatement) {
  return {
    object: 'merchant_statement',
    merchant_id: statement.merchantId,
    from: date(statement.fromDay),
    to: date(statement.toDay),
    totals: totalsView(statement),
    facilities: statement.facilities.map((f) => {
      const m = movements(f.lines);
      return {
        facility_id: f.row.id,
        product: f.row.product,
        currency: f.row.currency,
        financier_id: f.row.financierId,
        status: f.row.status,
        opening_balance: f.openingMinor.toString(),
        charges: m.charges.toString(),
        credits: m.credits.toString(),
        closing_balance: f.closingMinor.toString(),
        lines: f.lines.map((l) => lineView(l, f.row.currency)),
      };
    }),
    settlements: statement.settlements.map((s) => ({
      settlement_key: s.sweep.settlementKey,
      date: date(s.sweep.day),
      currency: s.sweep.currency,
      net: s.sweep.netMinor.toString(),
      deducted: s.deductedMinor.toString(),
      deductions: s.deductions.map((d) => ({ facility_id: d.facilityId, amount: d.total.toString() })),
    })),
  };
}

export const statementCsvHeader = [
  'date',
  'facility_id',
  'product',
  'currency',
  'type',
  'description',
  'amount',
  'balance',
] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The statement's lines, facility after facility, amounts as decimals of the currency's unit: each
 * facility's opening balance first (on the period's first day, no amount) and its closing balance
 * last (on its last day), so a facility with nothing in the period is there too, and each one's
 * lines reconcile within the file. Every description starts with Capstan's own words, so no cell
 * starts a spreadsheet formula.
 */
export function statementCsv(statement: MerchantStatement): string {
  const rows: string[][] = [[...statementCsvHeader]];
  for (const f of statement.facilities) {
    const row = (day: number, type: string, description: string, amount: string, balanceMinor: bigint) =>
      rows.push([
        date(day),
        f.row.id,
        f.row.product,
        f.row.currency,
        type,
        description,
        amount,
        decimalAmount(balanceMinor, f.row.currency),
      ]);
    row(statement.fromDay, 'opening_balance', 'Opening balance', '', f.openingMinor);
    for (const l of f.lines)
      row(
        l.day,
        l.type,
        describe(l.type, l.detail, f.row.currency),
        decimalAmount(l.amountMinor, f.row.currency),
        l.balanceMinor,
      );
    row(statement.toDay, 'closing_balance', 'Closing balance', '', f.closingMinor);
  }
  return rows.map((row) => `${row.map(csvField).join(',')}\r\n`).join('');
}
