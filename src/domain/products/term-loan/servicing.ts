/**
 * Servicing a term loan: equal instalments (or equal principal) on the same day of each month from
 * disbursement, the schedule exact in minor units (src/domain/finance/amortization.ts).
 *
 * Interest is booked on each instalment's due date — the period's interest, on the principal
 * outstanding when the period began, never more than the schedule's (a prepayment lowers the
 * interest of every period after it; arrears are charged late fees, not extra interest) — so what
 * the loan is owed is the principal outstanding, the interest of the instalments due so far, and
 * fees. Payments count first-in first-out against the instalments: an instalment is overdue while
 * what has been paid of interest and principal is less than what was due by its date; days past
 * due count from the oldest such date. Early payoff is the principal outstanding, the interest
 * booked and not paid, and the period's interest accrued so far on the principal it is charged on
 * (ACT/365F, simple, rounded half even) — nothing for the months not yet run.
 *
 * While collections are paused (../collections-pause.ts) the loan asks the waterfall for nothing
 * and each instalment's interest is still booked on its date. Which instalments are due, and how
 * late, is judged on the collection clock: the schedule's due dates are counted in collection days
 * from disbursement, so they all move later by the days paused — days past due stay frozen during
 * the pause, an instalment falling inside it is not missed, and no late fee or worse state follows.
 */
import {
  equalPrincipalSchedule,
  interestFor,
  levelPaymentSchedule,
  periodicRateFromAnnualBasisPoints,
  type ScheduleRow,
} from '../../finance/amortization.ts';
import type { TransferInput } from '../../ledger/types.ts';
import { minBigint } from '../../money/bigint-min.ts';
import { divideRounded, type RoundingMode } from '../../money/rounding.ts';
import { err, ok, type Result } from '../../result.ts';
import { addMonths, fromDayNumber, toDayNumber } from '../../time/calendar-date.ts';
import {
  type DisclosedLateFee,
  defaultServicingPolicy,
  lateFeeOf,
  type ServicingEvent,
  type ServicingPolicy,
} from '../advance/servicing.ts';
import {
  type CollectionsPauseState,
  collectionDaysBetween,
  collectionsPausedOn,
  collectionsPauseEvents,
  fallsDueOn,
  fellDueOn,
  stateWhilePaused,
} from '../collections-pause.ts';
import { type FacilityState, nextState, servicedStates } from '../lifecycle.ts';
import { type FacilityBook, feeCharged, interestAccrued, repaymentApplied, writtenOff } from '../postings.ts';
import type { Amounts, FacilityOwed } from '../waterfall.ts';

export interface TermLoanTerms {
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly annualRateBps: number;
  readonly months: number;
  readonly amortization: 'level_payment' | 'equal_principal';
  /**
   * `cent`: the payment is Excel's PMT rounded to the cent and interest rounded half up, as the
   * shared vector states. Absent from loans and offers made before: the payment rounded up and
   * interest half even, as they were scheduled and disclosed.
   */
  readonly rounding?: 'cent';
}

export interface Instalment extends ScheduleRow {
  readonly dueDay: number;
}

export interface TermLoanFacility extends CollectionsPauseState, DisclosedLateFee {
  readonly book: FacilityBook;
  readonly merchantId: string;
  readonly terms: TermLoanTerms;
  readonly disbursedDay: number;
  readonly instalments: readonly Instalment[];
  readonly status: FacilityState;
  readonly owed: { readonly fees: bigint; readonly interest: bigint; readonly principal: bigint };
  /** Instalments whose interest has been booked (their due date has come). */
  readonly instalmentsBooked: number;
  /** Paid so far against the schedule's interest and principal (late fees aside). */
  readonly paidInterest: bigint;
  readonly paidPrincipal: bigint;
  readonly daysPastDue: number;
  readonly lateFeeChargedForDueDay: number | null;
  /**
   * The principal outstanding when the current period began (the end of the last due date, or
   * disbursement): the next instalment's interest is charged on it where it is below the
   * schedule's balance. Absent from states stored before it was kept: the schedule's balance.
   */
  readonly principalAtPeriodStart?: bigint;
  /**
   * Paid off: the day of the payment that closed the loan and the interest it booked beyond the
   * instalments' — the period's interest accrued to that day (0 on a due date or past maturity).
   * Absent while the loan runs, and from loans paid off before it was kept (paidOffOf derives it).
   */
  readonly paidOff?: { readonly day: number; readonly accruedInterestMinor: bigint };
}

export type TermLoanProblem = 'term_loan_terms_invalid';

/**
 * A loan's rounding (TermLoanTerms.rounding): `cent` as the shared amortization vector states it —
 * the payment Excel's PMT rounded to the cent, each period's interest the balance × rate rounded
 * half up, the last payment clearing the balance; before it, PMT rounded up and interest half even.
 */
function roundingOf(terms: Pick<TermLoanTerms, 'rounding'>): {
  payment: RoundingMode;
  interest: RoundingMode;
} {
  return terms.rounding === 'cent'
    ? { payment: 'half_up', interest: 'half_up' }
    : { payment: 'up', interest: 'half_even' };
}

/** The loan's monthly rate, as its schedule is computed. */
const monthlyRate = (terms: TermLoanTerms) =>
  periodicRateFromAnnualBasisPoints(BigInt(terms.annualRateBps), 12n);

export function termLoanSchedule(
  terms: TermLoanTerms,
  disbursedDay: number,
): Result<Instalment[], TermLoanProblem> {
  if (!Number.isInteger(terms.months) || terms.months < 1 || terms.months > 360)
    return err('term_loan_terms_invalid', 'months must be a whole number from 1 to 360');
  if (!Number.isInteger(terms.annualRateBps) || terms.annualRateBps < 0 || terms.annualRateBps > 10_000)
    return err('term_loan_terms_invalid', 'annualRateBps must be a whole number from 0 to 10000');
  const base = {
    principalMinor: terms.amountMinor,
    periods: terms.months,
    rate: monthlyRate(terms),
    interestRounding: roundingOf(terms).interest,
  };
  const rows =
    terms.amortization === 'level_payment'
      ? levelPaymentSchedule({ ...base, paymentRounding: roundingOf(terms).payment })
      : equalPrincipalSchedule(base);
  if (!rows.ok) return err('term_loan_terms_invalid', rows.code);
  const start = fromDayNumber(disbursedDay);
  return ok(rows.value.map((row) => ({ ...row, dueDay: toDayNumber(addMonths(start, row.period)) })));
}

export function disbursedTermLoan(
  book: FacilityBook,
  merchantId: string,
  terms: TermLoanTerms,
  disbursedDay: number,
): Result<TermLoanFacility, TermLoanProblem> {
  const instalments = termLoanSchedule(terms, disbursedDay);
  if (!instalments.ok) return instalments;
  return ok({
    book,
    merchantId,
    terms,
    disbursedDay,
    instalments: instalments.value,
    status: 'active',
    owed: { fees: 0n, interest: 0n, principal: terms.amountMinor },
    instalmentsBooked: 0,
    paidInterest: 0n,
    paidPrincipal: 0n,
    daysPastDue: 0,
    lateFeeChargedForDueDay: null,
    principalAtPeriodStart: terms.amountMinor,
  });
}

/**
 * The interest of `instalment` on a period that begins with `principal` owed: the schedule's, or
 * less where `principal` is below the schedule's balance (the period's rate, rounded as the
 * schedule is).
 */
export function interestOn(facility: TermLoanFacility, instalment: Instalment, principal: bigint): bigint {
  if (principal >= instalment.balanceMinor + instalment.principalMinor) return instalment.interestMinor;
  return interestFor(principal, monthlyRate(facility.terms), roundingOf(facility.terms).interest);
}

/**
 * What the period of instalment `next` is charged interest on: the principal outstanding when it
 * began (the schedule's balance for states stored before that was kept), no more than the
 * schedule's.
 */
function periodPrincipal(facility: TermLoanFacility, next: Instalment): bigint {
  const scheduled = next.balanceMinor + next.principalMinor;
  return minBigint(facility.principalAtPeriodStart ?? scheduled, scheduled);
}

/** The interest of instalment `next`, booked on its due date: on its period's principal. */
export function interestCharged(facility: TermLoanFacility, next: Instalment): bigint {
  return interestOn(facility, next, periodPrincipal(facility, next));
}

/** An instalment with the interest it is charged, its payment with it. */
export function chargedWith(instalment: Instalment, interest: bigint): Instalment {
  return interest === instalment.interestMinor
    ? instalment
    : { ...instalment, interestMinor: interest, paymentMinor: instalment.principalMinor + interest };
}

/**
 * The schedule day reached on `day`: disbursement plus the collection days since, so the schedule
 * stands still while collections are paused. Without pauses, `day` itself.
 */
function scheduleDay(facility: TermLoanFacility, day: number): number {
  return facility.disbursedDay + collectionDaysBetween(facility, facility.disbursedDay, day);
}

/** Scheduled interest and principal due on or before `day`, cumulatively. */
function dueBy(facility: TermLoanFacility, day: number): { interest: bigint; principal: bigint } {
  let interest = 0n;
  let principal = 0n;
  for (const instalment of facility.instalments) {
    if (instalment.dueDay > day) break;
    interest += instalment.interestMinor;
    principal += instalment.principalMinor;
  }
  return { interest, principal };
}

/**
 * The oldest instalment not fully paid by `day`, first-in first-out: judged on what has been paid in
 * all against what was due in all, so money paid ahead of a due date — taken as principal, since no
 * interest was booked yet — counts towards the instalment it was paid for (its interest still owed,
 * and collected first, but not late).
 */
function oldestUnpaid(facility: TermLoanFacility, day: number): Instalment | null {
  const paid = facility.paidInterest + facility.paidPrincipal;
  const due = dueInAll(facility);
  for (const [index, instalment] of facility.instalments.entries()) {
    if (instalment.dueDay > day) return null;
    if (paid < (due[index] as bigint)) return instalment;
  }
  return null;
}

/** What falls due in all (interest and principal) through each instalment of the schedule. */
export function dueInAll(facility: TermLoanFacility): bigint[] {
  let due = 0n;
  return facility.instalments.map((instalment) => {
    due += instalment.interestMinor + instalment.principalMinor;
    return due;
  });
}

/**
 * What has been paid of each of `instalments` (the loan's own unless given), first-in first-out as
 * the loan counts payments.
 */
export function paidOfEach(
  facility: TermLoanFacility,
  instalments: readonly Instalment[] = facility.instalments,
): { readonly interest: bigint; readonly principal: bigint }[] {
  let interestLeft = facility.paidInterest;
  let principalLeft = facility.paidPrincipal;
  return instalments.map((instalment) => {
    const interest = minBigint(interestLeft, instalment.interestMinor);
    const principal = minBigint(principalLeft, instalment.principalMinor);
    interestLeft -= interest;
    principalLeft -= principal;
    return { interest, principal };
  });
}

/** What is still to pay of the instalment at `index`. */
function stillToPay(facility: TermLoanFacility, index: number): bigint {
  const instalment = facility.instalments[index] as Instalment;
  const paid = paidOfEach(facility)[index] as { interest: bigint; principal: bigint };
  return instalment.interestMinor - paid.interest + instalment.principalMinor - paid.principal;
}

export function termLoanOwed(stored: TermLoanFacility, day: number): FacilityOwed {
  const facility = chargeDue(stored, day).facility;
  const none: Amounts = { fees: 0n, interest: 0n, principal: 0n };
  const id = {
    facilityId: facility.book.facilityId,
    financierId: facility.book.financierId,
    holdbackRateBps: null,
  };
  if (!servicedStates.has(facility.status) || collectionsPausedOn(facility, day))
    return { ...id, oldestDueDay: null, overdue: none, due: none, notYetDue: none };
  const onSchedule = scheduleDay(facility, day);
  const before = dueBy(facility, onSchedule - 1);
  const through = dueBy(facility, onSchedule);
  const shortfall = (due: bigint, paid: bigint) => (due > paid ? due - paid : 0n);
  const overdue: Amounts = {
    fees: facility.owed.fees,
    interest: minBigint(shortfall(before.interest, facility.paidInterest), facility.owed.interest),
    principal: minBigint(shortfall(before.principal, facility.paidPrincipal), facility.owed.principal),
  };
  const due: Amounts = {
    fees: 0n,
    interest: minBigint(
      shortfall(through.interest, facility.paidInterest) - overdue.interest,
      facility.owed.interest - overdue.interest,
    ),
    principal: minBigint(
      shortfall(through.principal, facility.paidPrincipal) - overdue.principal,
      facility.owed.principal - overdue.principal,
    ),
  };
  return {
    ...id,
    oldestDueDay: oldestUnpaid(facility, onSchedule)?.dueDay ?? null,
    overdue,
    due,
    notYetDue: {
      fees: 0n,
      interest: facility.owed.interest - overdue.interest - due.interest,
      principal: facility.owed.principal - overdue.principal - due.principal,
    },
  };
}

/**
 * What paying the loan off on `day` costs: principal, interest owed, the period's accrual so far
 * (ACT/365F on the principal the period began with, at most the schedule's).
 */
export function payoffAmount(stored: TermLoanFacility, day: number): Amounts {
  // From the due date of the last instalment due (its interest charged, if the daily cycle has not
  // yet booked it): the period running since accrues day by day. Past the last instalment no period
  // runs — arrears are charged late fees, not interest — so the payoff is what is owed.
  const facility = chargeDue(stored, day).facility;
  const previousDue =
    facility.instalmentsBooked > 0
      ? (facility.instalments[facility.instalmentsBooked - 1] as Instalment).dueDay
      : facility.disbursedDay;
  // The running period accrues on what its interest is charged on at its due date
  // (periodPrincipal), never past that interest: principal paid during the period does not take
  // its interest away (it would be charged at the due date), and principal overdue is not charged
  // interest (a payoff the day before a due date costs no more than one on it).
  const next = facility.instalments[facility.instalmentsBooked];
  const accrual = (running: Instalment) =>
    divideRounded(
      periodPrincipal(facility, running) *
        BigInt(facility.terms.annualRateBps) *
        BigInt(Math.max(0, day - previousDue)),
      10_000n * 365n,
      'half_even',
    );
  const accrued = next === undefined ? 0n : minBigint(accrual(next), interestCharged(facility, next));
  return {
    fees: facility.owed.fees,
    interest: facility.owed.interest + accrued,
    principal: facility.owed.principal,
  };
}

export interface TermLoanStep {
  readonly facility: TermLoanFacility;
  readonly postings: readonly TransferInput[];
  readonly events: readonly ServicingEvent[];
}

function closedIfRepaid(facility: TermLoanFacility): {
  facility: TermLoanFacility;
  events: ServicingEvent[];
} {
  const owed = facility.owed.fees + facility.owed.interest + facility.owed.principal;
  if (owed > 0n || !servicedStates.has(facility.status)) return { facility, events: [] };
  const to = nextState(facility.status, { type: 'repaid_in_full' });
  if (!to.ok) return { facility, events: [] };
  return {
    facility: { ...facility, status: to.value, daysPastDue: 0 },
    events: [{ type: 'status_changed', from: facility.status, to: to.value }],
  };
}

/**
 * A payment applied by component. Paying off early: pass `payoffAmount(facility, day)` — the
 * interest accrued beyond what was booked is booked first, so the books and the loan agree.
 */
export function applyTermLoanPayment(
  stored: TermLoanFacility,
  day: number,
  dayText: string,
  eventId: string,
  applied: Amounts,
): TermLoanStep {
  const charged = chargeDue(stored, day);
  const facility = charged.facility;
  const extraInterest =
    applied.interest > facility.owed.interest ? applied.interest - facility.owed.interest : 0n;
  const postings = [
    ...charged.postings,
    ...interestAccrued(facility.book, `${dayText}:po`, extraInterest),
    ...repaymentApplied(facility.book, eventId, applied),
  ];
  const after: TermLoanFacility = {
    ...facility,
    owed: {
      fees: facility.owed.fees - applied.fees,
      interest: facility.owed.interest + extraInterest - applied.interest,
      principal: facility.owed.principal - applied.principal,
    },
    paidInterest: facility.paidInterest + applied.interest,
    paidPrincipal: facility.paidPrincipal + applied.principal,
  };
  const closed = closedIfRepaid(after);
  // Paid off: the day and the interest accrued to it kept, for the schedule to show as charged.
  const closedFacility: TermLoanFacility =
    closed.facility.status === 'paid_off'
      ? { ...closed.facility, paidOff: { day, accruedInterestMinor: extraInterest } }
      : closed.facility;
  return { facility: closedFacility, postings, events: [...charged.events, ...closed.events] };
}

/**
 * The interest of every instalment falling due on or before `day` and not yet booked, booked (and
 * its period's opening balance kept): done at the end of a due date by the daily cycle, and first
 * thing when money is applied on or after it — so a payment on a due date pays that instalment's
 * interest, not principal, and no loan is closed with an instalment's interest never charged.
 */
export function chargeDue(facility: TermLoanFacility, day: number): TermLoanStep {
  const postings: TransferInput[] = [];
  const events: ServicingEvent[] = [];
  if (!servicedStates.has(facility.status)) return { facility, postings, events };
  const paused = collectionsPausedOn(facility, day);
  let current = facility;
  while (current.instalmentsBooked < current.instalments.length) {
    const next = current.instalments[current.instalmentsBooked] as Instalment;
    if (next.dueDay > day) break;
    const index = current.instalmentsBooked;
    const scheduled = chargedWith(next, interestCharged(current, next));
    // What is left after it, paid as asked: the schedule's balance, or what is owed now if less
    // (principal paid ahead counts against the first instalments not yet paid), as projected.
    const charged =
      scheduled.balanceMinor <= current.owed.principal
        ? scheduled
        : { ...scheduled, balanceMinor: current.owed.principal };
    postings.push(...interestAccrued(current.book, `inst:${next.period}`, charged.interestMinor));
    current = {
      ...current,
      // The instalment as charged: what is due of it, and what the schedule reports, is that.
      instalments:
        charged === next ? current.instalments : current.instalments.map((i) => (i === next ? charged : i)),
      owed: { ...current.owed, interest: current.owed.interest + charged.interestMinor },
      instalmentsBooked: index + 1,
      principalAtPeriodStart: current.owed.principal,
    };
    events.push({
      type: 'instalment_charged',
      period: next.period,
      // The day it is asked for, as the facility's schedule shows it: moved by the pauses known.
      dueDay: fallsDueOn(current, current.disbursedDay, next.dueDay, day),
      interestMinor: charged.interestMinor,
      toPayMinor: stillToPay(current, index),
      collectionsPaused: paused,
    });
  }
  return { facility: current, postings, events };
}

/**
 * The end of `day`: interest of instalments falling due booked, then ageing, late fee, write-off.
 * While collections are paused: interest booked only — no late fee, no worse state.
 */
export function serviceTermLoanDay(
  facility: TermLoanFacility,
  day: number,
  dayText: string,
  policy: ServicingPolicy = defaultServicingPolicy,
): TermLoanStep {
  if (!servicedStates.has(facility.status)) return { facility, postings: [], events: [] };
  const events: ServicingEvent[] = collectionsPauseEvents(facility, day);
  const paused = collectionsPausedOn(facility, day);
  const charged = chargeDue(facility, day);
  const postings: TransferInput[] = [...charged.postings];
  events.push(...charged.events);
  let current = charged.facility;
  // An instalment falling due today opens the next period at the end of the day, after the day's
  // payments (booked earlier today, when money came, it opened it on the balance before them).
  const lastBooked = current.instalments[current.instalmentsBooked - 1];
  if (lastBooked?.dueDay === day) current = { ...current, principalAtPeriodStart: current.owed.principal };
  const onSchedule = scheduleDay(current, day);
  const oldest = oldestUnpaid(current, onSchedule);
  const daysPastDue = oldest === null ? 0 : onSchedule - oldest.dueDay;
  const lateFee = lateFeeOf(current, policy);
  if (
    !paused &&
    oldest !== null &&
    daysPastDue > policy.lateFeeGraceDays &&
    current.lateFeeChargedForDueDay !== oldest.dueDay &&
    lateFee > 0n
  ) {
    postings.push(...feeCharged(current.book, `late:${dayText}`, lateFee));
    events.push({
      type: 'late_fee_charged',
      amountMinor: lateFee,
      dueDay: fellDueOn(current, current.disbursedDay, oldest.dueDay, day),
    });
    current = {
      ...current,
      owed: { ...current.owed, fees: current.owed.fees + lateFee },
      lateFeeChargedForDueDay: oldest.dueDay,
    };
  }
  const aged = nextState(current.status, { type: 'aged', daysPastDue }, policy);
  const to = stateWhilePaused(current, day, current.status, aged.ok ? aged.value : current.status);
  if (to !== current.status) events.push({ type: 'status_changed', from: current.status, to });
  if (to === 'written_off') {
    postings.push(...writtenOff(current.book, current.owed, 0n));
    current = { ...current, owed: { fees: 0n, interest: 0n, principal: 0n } };
  }
  return { facility: { ...current, status: to, daysPastDue }, postings, events };
}
