/**
 * A facility being serviced, whatever its product: read from its stored row, asked what it owes,
 * paid, taken through a day, and written back — the new state, its running totals
 * (src/domain/products/tally.ts), the ledger postings and the facility events in the caller's
 * one transaction. The sweep, direct repayments and the daily cycle all go through here, so a
 * facility's row, its ledger accounts and its history cannot drift apart.
 */
import { assert } from '../../domain/assert.ts';
import { transfersPerBatchMax } from '../../domain/ledger/limits.ts';
import type { TransferInput } from '../../domain/ledger/types.ts';
import type { Repayment } from '../../domain/products/advance/minimum-payments.ts';
import { type RepaidSoFar, repaidBy, repaidFromList } from '../../domain/products/advance/repaid.ts';
import {
  type AdvanceFacility,
  advanceOwed,
  applyAdvanceDeduction,
  defaultServicingPolicy,
  type ServicingEvent,
  type ServicingPolicy,
  serviceAdvanceDay,
} from '../../domain/products/advance/servicing.ts';
import {
  applyCreditLinePayment,
  type CreditLineFacility,
  creditLineOwed,
  creditLineStandingOn,
  serviceCreditLineDay,
} from '../../domain/products/credit-line/servicing.ts';
import {
  defaultedStates,
  delinquencyBucket,
  finalStates,
  servicedStates,
} from '../../domain/products/lifecycle.ts';
import type { Offer } from '../../domain/products/offers.ts';
import type { FacilitySnapshot } from '../../domain/products/portfolio.ts';
import type { FacilityBook } from '../../domain/products/postings.ts';
import { refillEligibility } from '../../domain/products/refill.ts';
import { type FacilityTally, tallyPostings } from '../../domain/products/tally.ts';
import {
  applyTermLoanPayment,
  serviceTermLoanDay,
  type TermLoanFacility,
  termLoanOwed,
} from '../../domain/products/term-loan/servicing.ts';
import type { Amounts, FacilityOwed } from '../../domain/products/waterfall.ts';
import { formatCalendarDate, fromDayNumber } from '../../domain/time/calendar-date.ts';
import { createTransfers, type LedgerContext } from '../ledger/ledger-writes.ts';
import { type FacilityEventRow, type FacilityRow, WriteConflict, type WriteTransaction } from '../ports.ts';
import { toTaggedJson } from '../risk/tagged-json.ts';
import { dayCloseCutoffSeconds, lastClosedDay } from './day-close.ts';

/** What a facility stores while its money is reserved, and once it is serviced. */
export type StoredFacility =
  | {
      readonly phase: 'disbursing';
      readonly offer: Offer;
      readonly book: FacilityBook;
      /**
       * A refill's: what pays off the advance it replaces, as of its acceptance — held so until
       * the payout (refill-hold.ts), and netted from it; absent: not a refill, or accepted before
       * this was kept.
       */
      readonly refillPayoffMinor?: bigint;
    }
  | {
      readonly phase: 'serviced';
      readonly product: string;
      readonly servicing: unknown;
      readonly tally: FacilityTally;
      /** The last day the daily cycle has taken the facility through (a day number). */
      readonly servicedThroughDay: number;
      /** Whether the last day ended with a minimum payment near breach (so the event is sent once). */
      readonly nearBreach: boolean;
      /** The decision's risk grade at origination, for reporting by grade. */
      readonly grade: string | null;
      /** Whether the last day ended with an advance open to a refill (so the event is sent once); absent: no. */
      readonly refillAvailable?: boolean;
      /**
       * Whether it has ever been defaulted (or written off), for the default rate; absent: not, or
       * stored before this was kept (then its status now tells).
       */
      readonly reachedDefault?: true;
      /** For a refill: what its disbursement paid off of the advance it replaced; absent: none. */
      readonly refinancedMinor?: bigint;
    };

export type ServicedState =
  | { readonly product: 'advance'; readonly state: AdvanceFacility }
  | { readonly product: 'term_loan'; readonly state: TermLoanFacility }
  | { readonly product: 'credit_line'; readonly state: CreditLineFacility };

export type Serviced = ServicedState & {
  readonly row: FacilityRow;
  readonly tally: FacilityTally;
  readonly servicedThroughDay: number;
  readonly nearBreach: boolean;
  readonly grade: string | null;
  readonly refillAvailable: boolean;
  readonly reachedDefault: boolean;
  readonly refinancedMinor: bigint;
};

/** A ledger refusal inside a use case: thrown so the whole transaction rolls back. */
export class LedgerRejected extends Error {
  override readonly name = 'LedgerRejected';
}

const products = new Set(['advance', 'term_loan', 'credit_line']);

/*
 * A facility's stored state is read without a reviver: JSON.parse, then one walk turning every
 * {"$bigint": "…"} back into a bigint — the values fromTaggedJson gives. Every sweep and every day
 * of every facility reads a state, and the reviver, called for every value, was the largest share
 * of the daily cycle's and the sweep's time. Measured on the bench's states of then (3.6 KB, when an
 * advance still kept every repayment in a list) as the daily cycle handles them (a page of 500 read, moved
 * on, written and held until the page ends): a read 69 → 25 µs. Writing stays toTaggedJson's
 * replacer: a copy of the tree for a plain JSON.stringify, and the text written piece by piece,
 * both measured faster alone and slower there (the garbage collector pays for what is held).
 * serviced.test.ts holds the two reads to the same values.
 */

function untag(value: unknown): unknown {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) {
      const item = value[i];
      if (typeof item === 'object' && item !== null) value[i] = untag(item);
    }
    return value;
  }
  const record = value as Record<string, unknown>;
  if (typeof record['$bigint'] === 'string') {
    let keys = 0;
    for (const _ in record) keys += 1;
    if (keys === 1) return BigInt(record['$bigint']);
  }
  for (const key in record) {
    const item = record[key];
    if (typeof item !== 'object' || item === null) continue;
    const next = untag(item);
    // An own "__proto__" key (JSON.parse makes one) is data: assigning to it would set the prototype.
    if (next === item) continue;
    if (key === '__proto__')
      Object.defineProperty(record, key, { value: next, enumerable: true, writable: true });
    else record[key] = next;
  }
  return record;
}

/** Reads stored state: the same values as fromTaggedJson. */
export function parseStoredState<T = StoredFacility>(json: string): T {
  const parsed: unknown = JSON.parse(json);
  return (typeof parsed === 'object' && parsed !== null ? untag(parsed) : parsed) as T;
}

/**
 * An advance as stored by earlier versions: before its repayments were summed (./repaid.ts) it
 * carried them in a list; before late fees were kept apart it had no `lateFeesOwedMinor` — read as
 * none, it recognises its fee as it did then (any late fee still owed counted as the advance's).
 */
function upgradedAdvance(servicing: unknown, servicedThroughDay: number): unknown {
  // Checked before anything is copied: every read of every advance passes here.
  const stored = servicing as {
    repayments?: readonly Repayment[];
    lateFeesOwedMinor?: bigint;
    lateFeesRepaid?: RepaidSoFar;
    lateFeesCountedMinor?: bigint;
  };
  if (stored.repayments === undefined && stored.lateFeesCountedMinor !== undefined) return servicing;
  const { repayments, ...rest } = stored;
  const repaid =
    repayments === undefined
      ? (rest as { repaid: RepaidSoFar }).repaid
      : repaidFromList(repayments, servicedThroughDay);
  const lateFeesRepaid = rest.lateFeesRepaid ?? { throughDay: repaid.throughDay, minor: 0n, after: [] };
  return {
    lateFeesOwedMinor: 0n,
    ...rest,
    repaid,
    lateFeesRepaid,
    // The late fees it had repaid counted towards its minimum when it was stored: they still do.
    lateFeesCountedMinor: repaidBy(lateFeesRepaid, Number.MAX_SAFE_INTEGER),
  };
}

/** The facility's servicing state, or null when it is not being serviced (not yet, or no longer). */
export function servicedOf(row: FacilityRow): Serviced | null {
  const stored = parseStoredState<StoredFacility>(row.stateJson);
  if (stored.phase !== 'serviced') return null;
  assert(products.has(stored.product), `a serviced facility of a known product: ${stored.product}`);
  return {
    row,
    product: stored.product,
    state:
      stored.product === 'advance'
        ? upgradedAdvance(stored.servicing, stored.servicedThroughDay)
        : stored.servicing,
    tally: stored.tally,
    servicedThroughDay: stored.servicedThroughDay,
    nearBreach: stored.nearBreach,
    grade: stored.grade ?? null,
    refillAvailable: stored.refillAvailable ?? false,
    reachedDefault: stored.reachedDefault === true || defaultedStates.has(row.status as never),
    refinancedMinor: stored.refinancedMinor ?? 0n,
  } as Serviced;
}

/**
 * A facility the merchant is behind on — past due, defaulted or written off — as its status stands
 * (the daily cycle moves it): while any is, the merchant is lent nothing more, as a decision then
 * declines it (`facility_in_arrears`).
 */
export function inArrears(
  row: FacilityRow,
): row is FacilityRow & { readonly status: 'delinquent' | 'defaulted' | 'written_off' } {
  return row.status === 'delinquent' || row.status === 'defaulted' || row.status === 'written_off';
}

/** Why nothing more is lent to a merchant behind on `row`. */
export function arrearsDetail(row: FacilityRow): string {
  const how: Readonly<Record<string, string>> = {
    delinquent: 'is past due',
    defaulted: 'has defaulted',
    written_off: 'was written off',
  };
  return `the merchant is behind on financing it has: facility ${row.id} ${how[row.status] ?? row.status}; nothing more is lent while it is`;
}

/** Serviced and in a state where money is owed: what the sweep and repayments work on. */
export function inService(row: FacilityRow): Serviced | null {
  return servicedStates.has(row.status as never) ? servicedOf(row) : null;
}

/**
 * A written-off advance or credit line with principal still to recover: it takes part in payouts
 * at its holdback (an advance's rate, a line's sweep rate) as a recovery. Null for anything else —
 * a written-off term loan, which has no holdback, is recovered by direct repayments only.
 */
export function inRecovery(row: FacilityRow): Serviced | null {
  if (row.status !== 'written_off' || row.product === 'term_loan') return null;
  const facility = servicedOf(row);
  return facility !== null && recoverableOf(facility) > 0n ? facility : null;
}

/** Principal written off and not yet recovered. */
export function recoverableOf(facility: Serviced): bigint {
  return facility.tally.writtenOffPrincipalMinor - facility.tally.recoveredMinor;
}

/** What a facility in recovery owes a payout: its principal still to recover, at its holdback. */
export function recoveryOwed(facility: Serviced): FacilityOwed {
  const none: Amounts = { fees: 0n, interest: 0n, principal: 0n };
  return {
    facilityId: facility.row.id,
    financierId: facility.row.financierId,
    oldestDueDay: null,
    overdue: none,
    due: none,
    notYetDue: { ...none, principal: recoverableOf(facility) },
    holdbackRateBps:
      facility.product === 'advance'
        ? facility.state.terms.holdbackRateBps
        : facility.product === 'credit_line'
          ? facility.state.terms.sweepRateBps
          : null,
  };
}

/**
 * The first day the facility lent the merchant money: an advance's or a term loan's payout (which
 * may come days after its acceptance, the facility's `openedOn`), a credit line's first draw paid
 * out (its opening while undrawn, or for a line drawn before the day was kept). A payout made
 * before it repays nothing: the merchant's sales of those days were not the facility's.
 */
export function lentFromDay(facility: ServicedState): number {
  switch (facility.product) {
    case 'advance':
    case 'term_loan':
      return facility.state.disbursedDay;
    case 'credit_line':
      return facility.state.firstDrawnDay ?? facility.state.openedDay;
  }
}

export function owedOf(facility: ServicedState, day: number): FacilityOwed {
  switch (facility.product) {
    case 'advance':
      return advanceOwed(facility.state, day);
    case 'term_loan':
      return termLoanOwed(facility.state, day);
    case 'credit_line':
      return creditLineOwed(facility.state, day);
  }
}

/** Fees, interest and principal booked and owed now. */
export function bookedOf(facility: ServicedState): Amounts {
  switch (facility.product) {
    case 'advance':
      return { fees: facility.state.owed.fees, interest: 0n, principal: facility.state.owed.principal };
    case 'term_loan':
      return facility.state.owed;
    case 'credit_line': {
      const b = facility.state.balance;
      return { fees: b.feesMinor, interest: b.interestMinor, principal: b.principalMinor };
    }
  }
}

/** The deferred fee not yet earned (an advance's; other products defer none). */
export function deferredFeeOf(facility: ServicedState): bigint {
  return facility.product === 'advance' ? facility.state.deferredFeeMinor : 0n;
}

export interface Step {
  readonly next: ServicedState;
  readonly postings: readonly TransferInput[];
  readonly events: readonly ServicingEvent[];
}

function stepOf(
  product: ServicedState['product'],
  step: { facility: unknown; postings: readonly TransferInput[]; events: readonly ServicingEvent[] },
): Step {
  return {
    next: { product, state: step.facility } as ServicedState,
    postings: step.postings,
    events: step.events,
  };
}

/** A sweep's deduction or a direct payment, applied by component. */
export function applyPayment(
  facility: ServicedState,
  day: number,
  dayText: string,
  eventId: string,
  applied: Amounts,
): Step {
  switch (facility.product) {
    case 'advance':
      return stepOf('advance', applyAdvanceDeduction(facility.state, day, dayText, eventId, applied));
    case 'term_loan':
      return stepOf('term_loan', applyTermLoanPayment(facility.state, day, dayText, eventId, applied));
    case 'credit_line':
      return stepOf('credit_line', applyCreditLinePayment(facility.state, eventId, applied));
  }
}

/** The end of `day` for the facility's product. */
export function serviceDay(
  facility: ServicedState,
  day: number,
  dayText: string,
  policy: ServicingPolicy,
): Step {
  switch (facility.product) {
    case 'advance':
      return stepOf('advance', serviceAdvanceDay(facility.state, day, dayText, policy));
    case 'term_loan':
      return stepOf('term_loan', serviceTermLoanDay(facility.state, day, dayText, policy));
    case 'credit_line':
      return stepOf('credit_line', serviceCreditLineDay(facility.state, day, dayText, policy));
  }
}

export function statusOf(facility: ServicedState): string {
  return facility.state.status;
}

/**
 * The principal-days of the days before `day` the daily cycle has not served, when money on `day`
 * takes the facility out of service (paid off): the cycle will not serve them, yet the principal
 * was out on each — counted on the principal owed before the money, so the yield's denominator
 * does not lose them while its income counts in full.
 */
export function principalDaysUnserved(facility: Serviced, next: ServicedState, day: number): bigint {
  const unserved = day - 1 - facility.servicedThroughDay;
  if (unserved <= 0 || servicedStates.has(next.state.status as never)) return 0n;
  return bookedOf(facility).principal * BigInt(unserved);
}

/** The stored row for a facility's new state, its totals moved by `postings`. */
export function rowAfter(
  facility: Serviced,
  next: ServicedState,
  postings: readonly TransferInput[],
  nowMs: bigint,
  change: {
    readonly servicedThroughDay?: number;
    readonly nearBreach?: boolean;
    readonly refillAvailable?: boolean;
    readonly principalDays?: bigint;
    /** Money lent by this change outside the disbursement at opening (a credit line's draw). */
    readonly originated?: bigint;
  } = {},
): FacilityRow {
  const tally = tallyPostings(facility.tally, postings);
  const stored: StoredFacility = {
    phase: 'serviced',
    product: next.product,
    servicing: next.state,
    tally: {
      ...tally,
      originatedMinor: tally.originatedMinor + (change.originated ?? 0n),
      principalDaysMinor: tally.principalDaysMinor + (change.principalDays ?? 0n),
    },
    servicedThroughDay: change.servicedThroughDay ?? facility.servicedThroughDay,
    nearBreach: change.nearBreach ?? facility.nearBreach,
    grade: facility.grade,
    ...((change.refillAvailable ?? facility.refillAvailable) ? { refillAvailable: true } : {}),
    ...(facility.reachedDefault || defaultedStates.has(next.state.status) ? { reachedDefault: true } : {}),
    ...(facility.refinancedMinor > 0n ? { refinancedMinor: facility.refinancedMinor } : {}),
  };
  return {
    ...facility.row,
    status: statusOf(next),
    stateJson: toTaggedJson(stored),
    version: facility.row.version + 1n,
    updatedAtMs: nowMs,
  };
}

/** One facility through every day it has not yet been taken through, up to `day`. */
export function serviceThrough(
  facility: Serviced,
  day: number,
  policy: ServicingPolicy,
  nowMs: bigint,
): { row: FacilityRow; next: ServicedState; postings: TransferInput[]; events: NewFacilityEvent[] } {
  let state: ServicedState = facility;
  let nearBreach = facility.nearBreach;
  let refillAvailable = facility.refillAvailable;
  let bucket = delinquencyBucket(facility.state.daysPastDue);
  let principalDays = 0n;
  const postings: TransferInput[] = [];
  const events: NewFacilityEvent[] = [];
  for (let d = facility.servicedThroughDay + 1; d <= day; d += 1) {
    if (!servicedStates.has(state.state.status)) break;
    const step = serviceDay(state, d, formatCalendarDate(fromDayNumber(d)), policy);
    const near = step.events.some((e) => e.type === 'minimum_payment_near_breach');
    // Near breach is news when it starts, not every day it lasts.
    const news = step.events.filter((e) => e.type !== 'minimum_payment_near_breach' || !nearBreach);
    nearBreach = near;
    postings.push(...step.postings);
    events.push(...facilityEventsOf(facility.row.id, d, news, nowMs));
    state = step.next;
    principalDays += bookedOf(state).principal;
    // Its delinquency bucket (current, 1-30, 31-60, 61-90, 90+) is news the day it moves.
    const nowIn = delinquencyBucket(state.state.daysPastDue);
    if (nowIn !== bucket && servicedStates.has(state.state.status))
      events.push({
        facilityId: facility.row.id,
        day: d,
        type: 'delinquency_bucket_changed',
        detailJson: toTaggedJson({ from: bucket, to: nowIn, daysPastDue: state.state.daysPastDue }),
        atMs: nowMs,
      });
    bucket = nowIn;
    // An advance open to a refill is news the day it becomes so (again, after it was not).
    if (state.product === 'advance') {
      const refill = refillEligibility(state.state, d);
      if (refill.eligible && !refillAvailable)
        events.push({
          facilityId: facility.row.id,
          day: d,
          type: 'refill_available',
          detailJson: toTaggedJson({ repaidShareBps: refill.repaidShareBps }),
          atMs: nowMs,
        });
      refillAvailable = refill.eligible;
    }
  }
  const row = rowAfter(facility, state, postings, nowMs, {
    servicedThroughDay: day,
    nearBreach,
    refillAvailable,
    principalDays,
  });
  return { row, next: state, postings, events };
}

/**
 * A facility brought through the days before `day` that the daily cycle has not yet taken it
 * through, before money moves on it on `day` — a payout swept, a direct repayment, a draw — so those
 * days are serviced on the balances they had (interest on the principal then, an instalment due,
 * days past due before the payment), not on what the money leaves; the daily cycle then finds them
 * done. Money in (`closed`) serves only closed days (./day-close.ts): a day's late payouts still
 * count for it until it closes, so it is not judged early; money out (`ended`, a draw) serves
 * every ended day, owing no interest for a day before it was drawn. Null when it is through them
 * already, or when they take it out of service (the daily cycle does them then): the money moves
 * on the facility as it is.
 */
export function caughtUpBefore(
  facility: Serviced,
  day: number,
  nowMs: bigint,
  upTo: 'ended' | 'closed',
  policy: ServicingPolicy = defaultServicingPolicy,
): { facility: Serviced; postings: TransferInput[]; events: NewFacilityEvent[] } | null {
  const through = missedThrough(facility, day, nowMs, upTo);
  if (through === null) return null;
  const { row, postings, events } = serviceThrough(facility, through, policy, nowMs);
  const served = inService(row);
  return served === null ? null : { facility: served, postings, events };
}

/** The last day before `day` the daily cycle should have served the facility through, if it has not. */
function missedThrough(
  facility: Serviced,
  day: number,
  nowMs: bigint,
  upTo: 'ended' | 'closed',
): number | null {
  // Never a day that has not ended, whatever `day` says; for money in, not one still open.
  const through = Math.min(
    day - 1,
    lastClosedDay(nowMs * 1_000_000n, upTo === 'closed' ? dayCloseCutoffSeconds : 0),
  );
  return facility.servicedThroughDay >= through ? null : through;
}

/**
 * The facility's status once the ended days the daily cycle has not yet served are (in memory):
 * what a draw asked for now is judged by, so a line whose minimum went overdue while the cycle was
 * late (or down) is not lent more — and a line whose overdue minimums were paid since is current,
 * without waiting for the cycle to find it so.
 */
export function statusAfterMissedDays(
  facility: Serviced,
  day: number,
  nowMs: bigint,
  policy: ServicingPolicy = defaultServicingPolicy,
): string {
  const through = missedThrough(facility, day, nowMs, 'ended');
  const served: ServicedState =
    through === null ? facility : serviceThrough(facility, through, policy, nowMs).next;
  return served.product === 'credit_line' ? creditLineStandingOn(served.state, day) : served.state.status;
}

/** A facility event to append: its sequence is given when written. */
export type NewFacilityEvent = Omit<FacilityEventRow, 'sequence'>;

/** The servicing events of a step as facility events (what a merchant's statement and an operator see). */
export function facilityEventsOf(
  facilityId: string,
  day: number,
  events: readonly ServicingEvent[],
  atMs: bigint,
): NewFacilityEvent[] {
  return events
    .filter((event) => event.type !== 'fee_recognised')
    .map((event) => {
      const { type, ...detail } = event;
      return { facilityId, day, type, detailJson: toTaggedJson(detail), atMs };
    });
}

/**
 * A payment's event among its step's: an instalment the payment charged first (a term loan's, on
 * its due date) before it, as it was charged, the rest (paid off, …) after — else the history
 * would say the instalment was still to pay after the payment that paid it.
 */
export function paymentEventsOf(
  payment: NewFacilityEvent,
  events: readonly ServicingEvent[],
): NewFacilityEvent[] {
  const { facilityId, day, atMs } = payment;
  const chargedFirst = (event: ServicingEvent) => event.type === 'instalment_charged';
  return [
    ...facilityEventsOf(facilityId, day, events.filter(chargedFirst), atMs),
    payment,
    ...facilityEventsOf(
      facilityId,
      day,
      events.filter((event) => !chargedFirst(event)),
      atMs,
    ),
  ];
}

/** Appends events to their facilities' histories, numbering each facility's on from its newest. */
export async function appendEvents(tx: WriteTransaction, events: readonly NewFacilityEvent[]): Promise<void> {
  if (events.length === 0) return;
  const last = await tx.financing.lastFacilityEventSequences([...new Set(events.map((e) => e.facilityId))]);
  const rows: FacilityEventRow[] = [];
  for (const event of events) {
    const sequence = (last.get(event.facilityId) ?? 0) + 1;
    last.set(event.facilityId, sequence);
    rows.push({ ...event, sequence });
  }
  await tx.financing.appendFacilityEvents(rows);
}

/** Posts transfers that must all apply; any refusal throws, rolling the transaction back. */
export async function postAll(
  tx: WriteTransaction,
  context: LedgerContext,
  postings: readonly TransferInput[],
  what: string,
): Promise<void> {
  if (postings.length === 0) return;
  const results = await createTransfers(tx, context, postings);
  const bad = results.filter((r) => r.result !== 'ok');
  if (bad.length > 0)
    throw new LedgerRejected(`${what}: ${bad.map((r) => `${r.id} ${r.result}`).join(', ')}`);
}

/**
 * Posts groups of transfers that must all apply in batches the ledger accepts, as few as fit,
 * never splitting a group (one facility's or one settlement's postings, linked chains among them).
 */
export async function postGroups(
  tx: WriteTransaction,
  context: LedgerContext,
  groups: readonly (readonly TransferInput[])[],
  what: string,
): Promise<void> {
  let batch: TransferInput[] = [];
  for (const group of groups) {
    assert(group.length <= transfersPerBatchMax, `${what}: one group posts more than a ledger batch`);
    if (batch.length + group.length > transfersPerBatchMax) {
      await postAll(tx, context, batch, what);
      batch = [];
    }
    for (const transfer of group) batch.push(transfer);
  }
  await postAll(tx, context, batch, what);
}

/** Writes rows that must still be at the version read; a lost race throws. */
export async function updateAll(tx: WriteTransaction, rows: readonly FacilityRow[]): Promise<void> {
  if (rows.length === 0) return;
  const missed = await tx.financing.updateFacilities(
    rows.map((facility) => ({ facility, expectedVersion: facility.version - 1n })),
  );
  if (missed.length > 0) throw new WriteConflict(`facility ${missed[0]} changed while it was being serviced`);
}

/** A facility that has reached a final state no longer weighs on the merchant's debt service. */
export async function closeDebtServiceIfFinal(tx: WriteTransaction, row: FacilityRow): Promise<void> {
  if (finalStates.has(row.status as never))
    await tx.risk.putFacilityDebtService(
      row.merchantId,
      { facilityId: row.id, currency: row.currency, dailyDebtServiceMinor: 0n },
      'closed',
    );
}

/** What the portfolio summary needs of a serviced facility (src/domain/products/portfolio.ts). */
export function snapshotOf(facility: Serviced): FacilitySnapshot {
  const booked = bookedOf(facility);
  return {
    facilityId: facility.row.id,
    product: facility.product,
    grade: facility.grade,
    currency: facility.row.currency,
    status: facility.state.status,
    originatedMinor: facility.tally.originatedMinor,
    outstandingPrincipalMinor: booked.principal,
    outstandingTotalMinor: booked.fees + booked.interest + booked.principal,
    collectedMinor: facility.tally.collectedMinor,
    feeIncomeMinor: facility.tally.feeIncomeMinor,
    interestIncomeMinor: facility.tally.interestIncomeMinor,
    writtenOffPrincipalMinor: facility.tally.writtenOffPrincipalMinor,
    recoveredMinor: facility.tally.recoveredMinor,
    principalDaysMinor: facility.tally.principalDaysMinor,
    daysPastDue: facility.state.daysPastDue,
    reachedDefault: facility.reachedDefault,
    refinancedMinor: facility.refinancedMinor,
  };
}
