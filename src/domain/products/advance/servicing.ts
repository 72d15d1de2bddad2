/**
 * Servicing a revenue-based advance, one step at a time, as the settlement sweep and the daily cycle
 * call it: what it is owed for the waterfall, a deduction applied, and the end of a day — fee
 * recognised, minimum payments checked, days past due, the lifecycle moved on, a late fee after the
 * grace period, a write-off at the configured age. Every step answers the facility as it now is and
 * the ledger postings that make the books say the same (src/domain/products/postings.ts), so the
 * facility's receivables always equal its ledger accounts.
 *
 * While collections are paused (../collections-pause.ts) the advance asks the waterfall for nothing
 * and the fee is still recognised; its minimum-payment schedule and maximum term run on the
 * collection clock — the clock reaches each due day later by every paused day — so days past due
 * stay frozen, a period that would have ended inside a pause is not missed, and no late fee or
 * worse state follows.
 */

import type { TransferInput } from '../../ledger/types.ts';
import { minBigint } from '../../money/bigint-min.ts';
import {
  type CollectionsPauseEvent,
  type CollectionsPauseState,
  collectionDaysBetween,
  collectionsPausedOn,
  collectionsPauseEvents,
  fellDueOn,
  stateWhilePaused,
} from '../collections-pause.ts';
import { type FacilityState, type LifecyclePolicy, nextState, servicedStates } from '../lifecycle.ts';
import {
  type FacilityBook,
  feeCharged,
  feeRecognised,
  feeRecognisedOnRepayment,
  repaymentApplied,
  writtenOff,
} from '../postings.ts';
import type { Amounts, FacilityOwed } from '../waterfall.ts';
import { type AdvanceTerms, advanceFee, feeIncomeForDay } from './advance.ts';
import { type MinimumPaymentStatus, minimumPaymentStatus } from './minimum-payments.ts';
import {
  nothingRepaid,
  type RepaidSoFar,
  repaidBy,
  repaidOn,
  repaidThrough,
  withRepayment,
} from './repaid.ts';

export interface ServicingPolicy extends LifecyclePolicy {
  /** Days past due before a late fee is charged, once per missed minimum. */
  readonly lateFeeGraceDays: number;
  readonly lateFeeMinor: bigint;
}

export const defaultServicingPolicy: ServicingPolicy = {
  defaultAfterDays: 90,
  writeOffAfterDays: 180,
  lateFeeGraceDays: 7,
  lateFeeMinor: 2_500n,
};

/** A facility's own late fee, as its offer disclosed it (offers.ts `lateFeeMinorByCurrency`). */
export interface DisclosedLateFee {
  /** In the facility's minor units; absent on facilities opened before offers disclosed it. */
  readonly lateFeeMinor?: bigint;
}

/** The late fee a facility is charged: its own, else (opened before it had one) the policy's. */
export function lateFeeOf(facility: DisclosedLateFee, policy: ServicingPolicy): bigint {
  return facility.lateFeeMinor ?? policy.lateFeeMinor;
}

export interface AdvanceFacility extends CollectionsPauseState, DisclosedLateFee {
  readonly book: FacilityBook;
  readonly merchantId: string;
  readonly terms: AdvanceTerms;
  /** The effective daily rate fixed at disbursement (the forecast holdback stream's). */
  readonly dailyRate: number;
  readonly disbursedDay: number;
  readonly status: FacilityState;
  /** Receivables: fees charged (the advance's fee and late fees) and principal, not yet repaid. */
  readonly owed: { readonly fees: bigint; readonly principal: bigint };
  /**
   * Of `owed.fees`, the late fees: earned when charged, paid before the advance's own fee, and
   * never part of the carrying amount the fee is recognised on (`advanceLeft`).
   */
  readonly lateFeesOwedMinor: bigint;
  readonly deferredFeeMinor: bigint;
  /** What has been repaid (./repaid.ts): a total through the last day ended, and each later day's. */
  readonly repaid: RepaidSoFar;
  /** Of `repaid`, what went to late fees, kept the same way. */
  readonly lateFeesRepaid: RepaidSoFar;
  /**
   * Late fees repaid that still count towards the minimum: those an advance stored before late fees
   * stopped counting had repaid (its minimum was judged on them then); 0 for every advance since.
   */
  readonly lateFeesCountedMinor: bigint;
  readonly daysPastDue: number;
  /** The due day of the missed minimum a late fee was last charged for. */
  readonly lateFeeChargedForDueDay: number | null;
}

export type ServicingEvent =
  | { readonly type: 'status_changed'; readonly from: FacilityState; readonly to: FacilityState }
  | { readonly type: 'late_fee_charged'; readonly amountMinor: bigint; readonly dueDay: number }
  | { readonly type: 'minimum_payment_near_breach' }
  /**
   * A term loan's instalment charged on its due date: its interest booked, and what is still to
   * pay of it (less whatever was paid ahead) — asked for later when collections are paused:
   * `dueDay` is the day it is asked for, the schedule's moved by the pauses known (fallsDueOn).
   */
  | {
      readonly type: 'instalment_charged';
      readonly period: number;
      readonly dueDay: number;
      readonly interestMinor: bigint;
      readonly toPayMinor: bigint;
      readonly collectionsPaused: boolean;
    }
  | { readonly type: 'fee_recognised'; readonly amountMinor: bigint }
  /** A credit line's statement issued: the minimum it asks for, due on `dueDay` (moved by the pauses known). */
  | { readonly type: 'statement_issued'; readonly minimumMinor: bigint; readonly dueDay: number }
  | CollectionsPauseEvent;

export interface ServicingStep {
  readonly facility: AdvanceFacility;
  readonly postings: readonly TransferInput[];
  readonly events: readonly ServicingEvent[];
}

/** An advance just disbursed: the principal and the fee owed, the fee deferred. */
export function disbursedAdvance(
  book: FacilityBook,
  merchantId: string,
  terms: AdvanceTerms,
  dailyRate: number,
  day: number,
): AdvanceFacility {
  const fee = advanceFee(terms);
  return {
    book,
    merchantId,
    terms,
    dailyRate,
    disbursedDay: day,
    status: 'active',
    owed: { fees: fee, principal: terms.amountMinor },
    lateFeesOwedMinor: 0n,
    deferredFeeMinor: fee,
    repaid: nothingRepaid(day),
    lateFeesRepaid: nothingRepaid(day),
    lateFeesCountedMinor: 0n,
    daysPastDue: 0,
    lateFeeChargedForDueDay: null,
  };
}

export function outstanding(facility: AdvanceFacility): bigint {
  return facility.owed.fees + facility.owed.principal;
}

/**
 * What is left of the advance and its own fee: outstanding less late fees. The fee's effective rate
 * was solved on these alone, so it is recognised on them.
 */
export function advanceLeft(facility: AdvanceFacility): bigint {
  return outstanding(facility) - facility.lateFeesOwedMinor;
}

/**
 * The advance's minimum payments on `day`, on the collection clock: the schedule as of the day it
 * has reached — disbursement plus the days collections were not paused since — against what was
 * repaid of the advance and its fee by `day` (late fees paid are not: the minimum is a share of
 * the advance and its fee, and paying a late fee does not make up for it — save those an advance
 * stored before this rule had paid, `lateFeesCountedMinor`). Its due days are the
 * original schedule's, so a late fee charged for one is never charged again when a later pause
 * moves the clock; without pauses it is `day` itself. What the waterfall may take counts every
 * repayment made (`all`), those dated after `day` too: money already paid is not owed again.
 */
function minimumStatusOn(
  facility: AdvanceFacility,
  day: number,
  counted: 'by_day' | 'all' = 'by_day',
): MinimumPaymentStatus {
  const onSchedule = facility.disbursedDay + collectionDaysBetween(facility, facility.disbursedDay, day);
  const by = counted === 'all' ? Number.MAX_SAFE_INTEGER : day;
  const repaidOfAdvance =
    repaidBy(facility.repaid, by) - repaidBy(facility.lateFeesRepaid, by) + facility.lateFeesCountedMinor;
  return minimumPaymentStatus(facility.terms, facility.disbursedDay, onSchedule, [
    { day: onSchedule, amountMinor: repaidOfAdvance },
  ]);
}

/**
 * What the waterfall may take on `day`: the missed minimum and the late fees charged for it
 * overdue, the rest by holdback; nothing while collections are paused.
 */
export function advanceOwed(facility: AdvanceFacility, day: number): FacilityOwed {
  const none: Amounts = { fees: 0n, interest: 0n, principal: 0n };
  if (!servicedStates.has(facility.status) || collectionsPausedOn(facility, day))
    return {
      facilityId: facility.book.facilityId,
      financierId: facility.book.financierId,
      oldestDueDay: null,
      overdue: none,
      due: none,
      notYetDue: none,
      holdbackRateBps: null,
    };
  // Every repayment made counts, those dated after `day` too: a payout arriving late (dated before
  // one already swept) owes overdue only what is still unpaid, or the minimum a later payout paid
  // would be taken from it again, above the holdback.
  const status = minimumStatusOn(facility, day, 'all');
  // A late fee is overdue beside the minimum it was charged for (with nothing of the minimum
  // overdue, what is owed has no due day, and the holdback takes it).
  const lateFeesOverdue = status.overdueMinor > 0n ? facility.lateFeesOwedMinor : 0n;
  const overdueTotal = minBigint(status.overdueMinor + lateFeesOverdue, outstanding(facility));
  const overdueFees = minBigint(overdueTotal, facility.owed.fees);
  const overdue: Amounts = { fees: overdueFees, interest: 0n, principal: overdueTotal - overdueFees };
  return {
    facilityId: facility.book.facilityId,
    financierId: facility.book.financierId,
    oldestDueDay: status.oldestDueDay,
    overdue,
    due: none,
    notYetDue: {
      fees: facility.owed.fees - overdue.fees,
      interest: 0n,
      principal: facility.owed.principal - overdue.principal,
    },
    holdbackRateBps: facility.terms.holdbackRateBps,
  };
}

/**
 * Recognises fee income for the day: the carrying amount (what is left of the advance and its fee,
 * less the deferred fee; late fees are not in it) at the effective rate, never more than is
 * deferred and never so little that the deferred fee exceeds what is left of the advance — so a
 * repaid advance has recognised all of its fee.
 */
function recogniseDay(facility: AdvanceFacility, day: number, dayText: string): ServicingStep {
  const left = advanceLeft(facility);
  // The carrying amount at the start of the day: before the day's repayments of the advance (not of
  // late fees), as the rate was solved.
  const repaidToday = repaidOn(facility.repaid, day) - repaidOn(facility.lateFeesRepaid, day);
  const opening = left + repaidToday - facility.deferredFeeMinor;
  const income = feeIncomeForDay(opening, facility.deferredFeeMinor, left, facility.dailyRate);
  return {
    facility: { ...facility, deferredFeeMinor: facility.deferredFeeMinor - income },
    postings: feeRecognised(facility.book, dayText, income),
    events: income > 0n ? [{ type: 'fee_recognised', amountMinor: income }] : [],
  };
}

function moved(facility: AdvanceFacility, to: FacilityState): ServicingEvent[] {
  return facility.status === to ? [] : [{ type: 'status_changed', from: facility.status, to }];
}

/**
 * A deduction (or direct payment) applied: fees then principal as the waterfall split it — of the
 * fees, late fees first. Paid in full, the facility is paid off and the fee still deferred is
 * recognised the same day.
 */
export function applyAdvanceDeduction(
  facility: AdvanceFacility,
  day: number,
  dayText: string,
  eventId: string,
  applied: Amounts,
): ServicingStep {
  const amount = applied.fees + applied.principal;
  const lateFees = minBigint(applied.fees, facility.lateFeesOwedMinor);
  const after: AdvanceFacility = {
    ...facility,
    owed: { fees: facility.owed.fees - applied.fees, principal: facility.owed.principal - applied.principal },
    lateFeesOwedMinor: facility.lateFeesOwedMinor - lateFees,
    repaid: withRepayment(facility.repaid, day, amount),
    lateFeesRepaid: withRepayment(facility.lateFeesRepaid, day, lateFees),
  };
  const postings = repaymentApplied(facility.book, eventId, applied);
  if (outstanding(after) > 0n || !servicedStates.has(facility.status)) {
    // The deferred fee is never more than is left of the advance: what a large repayment leaves
    // deferred beyond that is earned now, not at the day's end (which may already have run).
    const ahead = after.deferredFeeMinor - advanceLeft(after);
    if (ahead <= 0n) return { facility: after, postings, events: [] };
    return {
      facility: { ...after, deferredFeeMinor: after.deferredFeeMinor - ahead },
      postings: [...postings, ...feeRecognisedOnRepayment(facility.book, eventId, ahead)],
      events: [{ type: 'fee_recognised', amountMinor: ahead }],
    };
  }
  const to = nextState(facility.status, { type: 'repaid_in_full' });
  const status = to.ok ? to.value : facility.status;
  const closed = recogniseDay({ ...after, status, daysPastDue: 0 }, day, `${dayText}:payoff`);
  return {
    facility: closed.facility,
    postings: [...postings, ...closed.postings],
    events: [...closed.events, ...moved(facility, status)],
  };
}

/**
 * The end of `day` (its date as text, for posting ids): recognise, check, age, charge, write off.
 * While collections are paused: recognise only — no near-breach warning, no late fee, no worse state.
 */
export function serviceAdvanceDay(
  facility: AdvanceFacility,
  day: number,
  dayText: string,
  policy: ServicingPolicy = defaultServicingPolicy,
): ServicingStep {
  if (!servicedStates.has(facility.status)) return { facility, postings: [], events: [] };
  const recognised = recogniseDay(facility, day, dayText);
  let current = recognised.facility;
  const postings: TransferInput[] = [...recognised.postings];
  const events: ServicingEvent[] = [...collectionsPauseEvents(facility, day), ...recognised.events];
  const paused = collectionsPausedOn(facility, day);

  const status = minimumStatusOn(current, day);
  if (status.nearBreach && !paused) events.push({ type: 'minimum_payment_near_breach' });
  const lateFee = lateFeeOf(current, policy);
  if (
    !paused &&
    status.oldestDueDay !== null &&
    status.daysPastDue > policy.lateFeeGraceDays &&
    current.lateFeeChargedForDueDay !== status.oldestDueDay &&
    lateFee > 0n
  ) {
    postings.push(...feeCharged(current.book, `late:${dayText}`, lateFee));
    events.push({
      type: 'late_fee_charged',
      amountMinor: lateFee,
      dueDay: fellDueOn(current, current.disbursedDay, status.oldestDueDay, day),
    });
    current = {
      ...current,
      owed: { ...current.owed, fees: current.owed.fees + lateFee },
      lateFeesOwedMinor: current.lateFeesOwedMinor + lateFee,
      lateFeeChargedForDueDay: status.oldestDueDay,
    };
  }

  const aged = nextState(current.status, { type: 'aged', daysPastDue: status.daysPastDue }, policy);
  const to = stateWhilePaused(current, day, current.status, aged.ok ? aged.value : current.status);
  events.push(...moved(current, to));
  if (to === 'written_off') {
    postings.push(
      ...writtenOff(
        current.book,
        { fees: current.owed.fees, interest: 0n, principal: current.owed.principal },
        current.deferredFeeMinor,
        current.lateFeesOwedMinor,
      ),
    );
    current = { ...current, owed: { fees: 0n, principal: 0n }, lateFeesOwedMinor: 0n, deferredFeeMinor: 0n };
  }
  return {
    facility: {
      ...current,
      status: to,
      daysPastDue: status.daysPastDue,
      repaid: repaidThrough(current.repaid, day),
      lateFeesRepaid: repaidThrough(current.lateFeesRepaid, day),
    },
    postings,
    events,
  };
}
