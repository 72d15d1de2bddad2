/**
 * The financing reports, read-only, each in the caller's one read transaction (a consistent
 * snapshot): the portfolio summary an operator or a financier watches, and one facility as its
 * merchant, financier or operator sees it — terms, balances, days past due, running totals,
 * schedule and a page of its history. A merchant's statement is in merchant-statement.ts.
 */
import { assert } from '../../domain/assert.ts';
import { fallsDueOn } from '../../domain/products/collections-pause.ts';
import { creditLineStandingOn } from '../../domain/products/credit-line/servicing.ts';
import {
  type DelinquencyBucket,
  delinquencyBucket,
  delinquencyBuckets,
  facilityStates,
  servicedStates,
} from '../../domain/products/lifecycle.ts';
import {
  forecastFrom,
  type Offer,
  offerAcceptedOn,
  type ScheduledPayment,
} from '../../domain/products/offers.ts';
import {
  type CurrencyPortfolio,
  type FacilitySnapshot,
  portfolioFigures,
  portfolioSummary,
} from '../../domain/products/portfolio.ts';
import {
  type InstalmentStatus,
  instalmentsAsJudged,
  projectedInstalments,
} from '../../domain/products/term-loan/schedule-view.ts';
import { payoffAmount } from '../../domain/products/term-loan/servicing.ts';
import type { Amounts } from '../../domain/products/waterfall.ts';
import type { FacilityEventRow, FacilityRow, ReadTransaction } from '../ports.ts';
import { fromTaggedJson } from '../risk/tagged-json.ts';
import { availableToDraw, drawsRefused } from './credit-lines.ts';
import {
  bookedOf,
  caughtUpBefore,
  deferredFeeOf,
  type Serviced,
  servicedOf,
  snapshotOf,
  statusAfterMissedDays,
} from './serviced.ts';

export const reportPageSize = 500;
/** A summary reads at most this many facilities: beyond, it needs totals kept by the store. */
export const portfolioFacilitiesMax = 1_000_000;
/** Events and ledger entries are read this many at a time, at most pagesMax times per facility. */
export const pageSize = 1_000;
export const pagesMax = 100;

/** Whose facilities a report covers: a financier's own, a merchant's own, or (empty) all. */
export interface ReportScope {
  readonly financierId?: string;
  readonly merchantId?: string;
}

export const inScope = (row: FacilityRow, scope: ReportScope) =>
  (scope.financierId === undefined || row.financierId === scope.financierId) &&
  (scope.merchantId === undefined || row.merchantId === scope.merchantId);

// ---------------------------------------------------------------------------------------------
// The portfolio summary

/**
 * Whether Capstan knows the merchant: a platform has sent an event about it, or it has a facility.
 * An operator may name any merchant, so a route (or command) that would answer a mistyped id an
 * empty answer — a split withholding nothing, a statement owing nothing — asks this first and says so.
 */
export async function knownMerchant(tx: ReadTransaction, merchantId: string): Promise<boolean> {
  const platforms = (await tx.risk.merchantPlatforms([merchantId])).get(merchantId);
  if (platforms !== undefined && platforms.size > 0) return true;
  return (await tx.financing.facilitiesForMerchant(merchantId)).length > 0;
}

export interface BucketFigures {
  readonly facilities: number;
  readonly outstandingPrincipalMinor: bigint;
}

export interface CurrencyReport extends CurrencyPortfolio {
  /** Serviced facilities (active, delinquent, defaulted) by days past due. */
  readonly byDelinquencyBucket: Readonly<Record<DelinquencyBucket, BucketFigures>>;
  /** Facilities with no servicing yet (awaiting the payout) or ever (voided), by status. */
  readonly unservicedByStatus: Readonly<Record<string, number>>;
}

function bucketsOf(snapshots: readonly FacilitySnapshot[]): Record<DelinquencyBucket, BucketFigures> {
  const buckets = Object.fromEntries(
    delinquencyBuckets.map((b) => [b, { facilities: 0, outstandingPrincipalMinor: 0n }]),
  ) as Record<DelinquencyBucket, BucketFigures>;
  for (const s of snapshots) {
    // As the totals count them (src/domain/products/portfolio.ts): an undrawn line lent nothing.
    if (!servicedStates.has(s.status) || s.originatedMinor === 0n) continue;
    const bucket = delinquencyBucket(s.daysPastDue);
    const was = buckets[bucket];
    buckets[bucket] = {
      facilities: was.facilities + 1,
      outstandingPrincipalMinor: was.outstandingPrincipalMinor + s.outstandingPrincipalMinor,
    };
  }
  return buckets;
}

/** Every facility in scope, per currency: the summary of src/domain/products/portfolio.ts and more. */
export async function portfolioReport(tx: ReadTransaction, scope: ReportScope): Promise<CurrencyReport[]> {
  const snapshots: FacilitySnapshot[] = [];
  const unserviced = new Map<string, Record<string, number>>();
  let after: string | undefined;
  for (let pages = 0; ; pages += 1) {
    if (pages * reportPageSize >= portfolioFacilitiesMax)
      throw new Error(`more than ${portfolioFacilitiesMax} facilities: the summary needs stored totals`);
    const page = await tx.financing.facilitiesByStatus(facilityStates, {
      ...(after === undefined ? {} : { after }),
      limit: reportPageSize,
    });
    for (const row of page.filter((r) => inScope(r, scope))) {
      const serviced = servicedOf(row);
      if (serviced !== null) snapshots.push(snapshotOf(serviced));
      else {
        const counts = unserviced.get(row.currency) ?? {};
        counts[row.status] = (counts[row.status] ?? 0) + 1;
        unserviced.set(row.currency, counts);
      }
    }
    if (page.length < reportPageSize) break;
    after = (page.at(-1) as FacilityRow).id;
  }
  const summaries = new Map(portfolioSummary(snapshots).map((s) => [s.currency, s]));
  const currencies = [...new Set([...summaries.keys(), ...unserviced.keys()])].sort();
  return currencies.map((currency) => {
    const summary = summaries.get(currency) ?? {
      currency,
      total: portfolioFigures([]),
      byProduct: {},
      byGrade: {},
    };
    const byDelinquencyBucket = bucketsOf(snapshots.filter((s) => s.currency === currency));
    const bucketed = Object.values(byDelinquencyBucket).reduce((t, b) => t + b.outstandingPrincipalMinor, 0n);
    assert(
      bucketed === summary.total.outstandingPrincipalMinor,
      'the delinquency buckets hold all the principal outstanding',
    );
    return { ...summary, byDelinquencyBucket, unservicedByStatus: unserviced.get(currency) ?? {} };
  });
}

// ---------------------------------------------------------------------------------------------
// One facility

export interface ReportEvent {
  readonly sequence: number;
  readonly day: number;
  readonly type: string;
  readonly detail: Readonly<Record<string, unknown>>;
  readonly atMs: bigint;
}

export const parsed = (event: FacilityEventRow): ReportEvent => ({
  sequence: event.sequence,
  day: event.day,
  type: event.type,
  detail: fromTaggedJson<Record<string, unknown>>(event.detailJson),
  atMs: event.atMs,
});

export interface InstalmentReport {
  readonly period: number;
  /** The day it falls due to be paid: the schedule's day, moved by collections paused before it. */
  readonly dueDay: number;
  /** The schedule's day, as disclosed: the day its interest is charged. */
  readonly scheduledDueDay: number;
  readonly paymentMinor: bigint;
  readonly interestMinor: bigint;
  readonly principalMinor: bigint;
  readonly balanceMinor: bigint;
  readonly paidInterestMinor: bigint;
  readonly paidPrincipalMinor: bigint;
  readonly status: InstalmentStatus;
}

export type FacilitySchedule =
  | { readonly kind: 'forecast'; readonly payments: readonly ScheduledPayment[] }
  | { readonly kind: 'instalments'; readonly instalments: readonly InstalmentReport[] }
  | {
      readonly kind: 'statements';
      readonly statements: readonly {
        readonly day: number;
        /** The day its minimum falls due: the statement's due day, moved by collections paused. */
        readonly dueDay: number;
        readonly minimumMinor: bigint;
        readonly paidMinor: bigint;
      }[];
    };

export interface FacilityBalances extends Amounts {
  /** An advance's fee not yet earned; 0 for other products. */
  readonly deferredFeeMinor: bigint;
  /** What a credit line may still draw; null for other products. */
  readonly availableCreditMinor: bigint | null;
  /** What paying everything off today costs (a term loan's interest accrued to date included). */
  readonly payoffMinor: bigint | null;
}

export interface FacilityReport {
  readonly row: FacilityRow;
  readonly serviced: Serviced | null;
  readonly offer: Offer | null;
  readonly balances: FacilityBalances | null;
  readonly schedule: FacilitySchedule | null;
  readonly history: { readonly events: readonly ReportEvent[]; readonly hasMore: boolean };
}

/**
 * Instalments as charged (later ones as they will be, paid as asked: projectedInstalments) with what
 * has been paid of each and its status as arrears are judged (instalmentsAsJudged): interest and
 * principal paid in all, spread over them in order — each row's paid amounts and status agree. A
 * loan paid off shows what was charged and paid: the payoff's period charged the interest the payoff
 * booked, the instalments after it `not_needed`, so its paid interest is its interest income. Each
 * falls due on its schedule day moved by the pauses of collections known on `day` (fallsDueOn).
 */
function instalmentsOf(serviced: Serviced & { product: 'term_loan' }, day: number): InstalmentReport[] {
  const instalments = projectedInstalments(serviced.state);
  const judged = instalmentsAsJudged(serviced.state, instalments);
  return instalments.map((i, index) => {
    const paid = judged[index] as (typeof judged)[number];
    return {
      period: i.period,
      dueDay: fallsDueOn(serviced.state, serviced.state.disbursedDay, i.dueDay, day),
      scheduledDueDay: i.dueDay,
      paymentMinor: i.paymentMinor,
      interestMinor: i.interestMinor,
      principalMinor: i.principalMinor,
      balanceMinor: i.balanceMinor,
      paidInterestMinor: paid.interest,
      paidPrincipalMinor: paid.principal,
      status: paid.status,
    };
  });
}

function scheduleOf(
  row: FacilityRow,
  serviced: Serviced | null,
  offer: Offer | null,
  day: number,
): FacilitySchedule | null {
  if (serviced?.product === 'term_loan')
    return { kind: 'instalments', instalments: instalmentsOf(serviced, day) };
  if (serviced?.product === 'credit_line')
    return {
      kind: 'statements',
      statements: serviced.state.unpaidStatements.map((s, index) => ({
        ...s,
        dueDay: fallsDueOn(serviced.state, s.day, s.dueDay, day),
        paidMinor: index === 0 ? serviced.state.paidTowardsOldest : 0n,
      })),
    };
  // Cancelled, its payout failed: it lent nothing, and nothing will be paid.
  if (offer === null || row.status === 'cancelled') return null;
  // A credit line owes nothing until drawn: its offer's forecast is of a full draw it may never make.
  if (offer.product === 'credit_line') return { kind: 'forecast', payments: [] };
  // A term loan awaiting its payout: its instalments as its acceptance disclosed them.
  if (offer.product === 'term_loan')
    return { kind: 'forecast', payments: offerAcceptedOn(offer, row.openedOn).schedule };
  // An advance's forecast from the payout (until it is made, from the acceptance): none dated
  // before the money.
  const from = serviced?.product === 'advance' ? serviced.state.disbursedDay : row.openedOn;
  return { kind: 'forecast', payments: forecastFrom(offer, from) };
}

function balancesOf(serviced: Serviced, day: number, availableCreditMinor: bigint | null): FacilityBalances {
  const booked = bookedOf(serviced);
  const payoff =
    serviced.product === 'term_loan' && servicedStates.has(serviced.state.status)
      ? payoffAmount(serviced.state, day)
      : booked;
  return {
    ...booked,
    deferredFeeMinor: deferredFeeOf(serviced),
    availableCreditMinor,
    payoffMinor: servicedStates.has(serviced.state.status)
      ? payoff.fees + payoff.interest + payoff.principal
      : null,
  };
}

/**
 * What a draw on the line may take now: nothing while a draw would be refused (drawsRefused: the
 * line not current or closed, its collections paused, the merchant flagged or behind on another
 * facility), else the limit less principal owed less draws pending.
 */
async function drawableNow(
  tx: ReadTransaction,
  line: Extract<Serviced, { product: 'credit_line' }>,
  day: number,
  nowMs: bigint | undefined,
): Promise<bigint> {
  const standing =
    nowMs === undefined ? creditLineStandingOn(line.state, day) : statusAfterMissedDays(line, day, nowMs);
  return (await drawsRefused(tx, line, day, standing)) === null ? availableToDraw(tx, line) : 0n;
}

/** The facility if it is in scope, with a page of its history; undefined otherwise. */
export async function facilityReport(
  tx: ReadTransaction,
  input: {
    readonly facilityId: string;
    readonly scope: ReportScope;
    readonly day: number;
    readonly afterSequence: number;
    readonly limit: number;
    /**
     * Now, when the balances are to be quoted as a repayment now would find them: the closed days
     * the daily cycle has not yet served, served first (in memory; caughtUpBefore), so the payoff
     * quoted is what a payoff takes.
     */
    readonly nowMs?: bigint;
  },
): Promise<FacilityReport | undefined> {
  assert(Number.isInteger(input.limit) && input.limit > 0 && input.limit <= pageSize, 'a page size');
  const row = await tx.financing.facility(input.facilityId);
  if (row === undefined || !inScope(row, input.scope)) return undefined;
  const serviced = servicedOf(row);
  const offerRow = row.offerId === null ? undefined : await tx.financing.offer(row.offerId);
  const offer = offerRow === undefined ? null : fromTaggedJson<Offer>(offerRow.offerJson);
  const events = await tx.financing.facilityEvents(row.id, {
    afterSequence: input.afterSequence,
    limit: input.limit + 1,
  });
  // Quoted on the facility as a repayment now would serve it first (./repayments.ts): the same
  // figures, unless that takes it out of service, which the daily cycle does instead.
  const found = servicedStates.has(row.status as never) ? serviced : null;
  const quoted =
    (found === null || input.nowMs === undefined
      ? null
      : caughtUpBefore(found, input.day, input.nowMs, 'closed')?.facility) ?? serviced;
  return {
    row,
    serviced,
    offer,
    balances:
      quoted === null
        ? null
        : balancesOf(
            quoted,
            input.day,
            quoted.product === 'credit_line' ? await drawableNow(tx, quoted, input.day, input.nowMs) : null,
          ),
    schedule: scheduleOf(row, serviced, offer, input.day),
    history: { events: events.slice(0, input.limit).map(parsed), hasMore: events.length > input.limit },
  };
}
