/**
 * Servicing a revolving credit line: interest accrued and booked every day on the drawn balance; a
 * statement every `statementDays` asking for a minimum (the interest owed plus a share of the
 * principal), due `paymentDueDays` later; each payout swept at the line's sweep rate like an
 * advance's holdback, the unpaid minimum first once it is due; days past due from the due date of
 * the oldest unpaid minimum; the lifecycle, a late fee after the grace, and write-off as for every
 * product. A line repaid to zero stays open — it is revolving — and is closed only by write-off.
 *
 * While collections are paused (../collections-pause.ts) the line asks the waterfall for nothing;
 * interest still accrues and statements are still issued on the calendar. A statement's payment
 * window counts collection days from its issue, so paused days neither use it up nor add to days
 * past due: those stay frozen during the pause, and no late fee or worse state follows.
 */
import type { TransferInput } from '../../ledger/types.ts';
import { minBigint } from '../../money/bigint-min.ts';
import { divideRounded } from '../../money/rounding.ts';
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
import { accrueDay, type CreditLineBalance, type CreditLineTerms } from './credit-line.ts';

export interface CreditLineServicingTerms extends CreditLineTerms {
  /** Share of each payout swept to the line while anything is drawn. */
  readonly sweepRateBps: number;
  readonly statementDays: number;
  /** The minimum asks for this share of the principal drawn, besides the interest owed. */
  readonly minimumPrincipalShareBps: number;
  readonly paymentDueDays: number;
}

/** How a line is serviced, beyond its offer's terms: a tenth of each payout while drawn, monthly statements. */
export const creditLineServicingDefaults = {
  sweepRateBps: 1_000,
  statementDays: 30,
  minimumPrincipalShareBps: 1_000,
  paymentDueDays: 20,
} as const satisfies Omit<CreditLineServicingTerms, keyof CreditLineTerms>;

export interface Statement {
  readonly day: number;
  readonly dueDay: number;
  readonly minimumMinor: bigint;
}

export interface CreditLineFacility extends CollectionsPauseState, DisclosedLateFee {
  readonly book: FacilityBook;
  readonly merchantId: string;
  readonly terms: CreditLineServicingTerms;
  readonly openedDay: number;
  /**
   * The day its first draw was paid out: it lends from then, so a payout dated before repays
   * nothing. Absent until then, and on lines stored before it was kept (they lend from opening).
   */
  readonly firstDrawnDay?: number;
  readonly status: FacilityState;
  readonly balance: CreditLineBalance;
  /** Statements whose minimum is not yet fully paid, oldest first. */
  readonly unpaidStatements: readonly Statement[];
  /** Paid towards the oldest unpaid statement's minimum so far. */
  readonly paidTowardsOldest: bigint;
  readonly daysPastDue: number;
  readonly lateFeeChargedForDueDay: number | null;
  /**
   * Interest and fees booked since the last statement: what the next one asks for besides its
   * share of principal (unpaid statements ask for the earlier). Absent on lines stored before it
   * was kept, until their next statement.
   */
  readonly chargedSinceStatementMinor?: bigint;
}

/** Adds interest or fees booked to what the next statement asks for (not kept until a statement). */
function charged(facility: CreditLineFacility, amountMinor: bigint): CreditLineFacility {
  const since = facility.chargedSinceStatementMinor;
  return since === undefined ? facility : { ...facility, chargedSinceStatementMinor: since + amountMinor };
}

export interface CreditLineStep {
  readonly facility: CreditLineFacility;
  readonly postings: readonly TransferInput[];
  readonly events: readonly ServicingEvent[];
}

export function openedCreditLine(
  book: FacilityBook,
  merchantId: string,
  terms: CreditLineServicingTerms,
  balance: CreditLineBalance,
  day: number,
): CreditLineFacility {
  return {
    book,
    merchantId,
    terms,
    openedDay: day,
    status: 'active',
    balance,
    unpaidStatements: [],
    paidTowardsOldest: 0n,
    daysPastDue: 0,
    lateFeeChargedForDueDay: null,
    chargedSinceStatementMinor: balance.interestMinor + balance.feesMinor,
  };
}

function owedTotal(balance: CreditLineBalance): bigint {
  return balance.principalMinor + balance.interestMinor + balance.feesMinor;
}

/**
 * Days past due of a statement on `day`: the collection days since its issue beyond its payment
 * window (`dueDay − day` calendar days); zero or less while it is not yet past due.
 */
function statementDaysPastDue(facility: CreditLineFacility, statement: Statement, day: number): number {
  const windowDays = statement.dueDay - statement.day;
  return collectionDaysBetween(facility, statement.day, day) - windowDays;
}

/** The minimum still unpaid, and the part of it already past its due date on `day`. */
function unpaidMinimum(
  facility: CreditLineFacility,
  day: number,
): {
  total: bigint;
  pastDue: bigint;
  /** The oldest statement past due, or null. */
  oldestPastDue: Statement | null;
  daysPastDue: number;
} {
  let total = 0n;
  let pastDue = 0n;
  let oldestPastDue: Statement | null = null;
  let daysPastDue = 0;
  for (const [index, statement] of facility.unpaidStatements.entries()) {
    const left = statement.minimumMinor - (index === 0 ? facility.paidTowardsOldest : 0n);
    total += left;
    const late = statementDaysPastDue(facility, statement, day);
    if (late > 0) {
      pastDue += left;
      if (oldestPastDue === null) {
        oldestPastDue = statement;
        daysPastDue = late;
      }
    }
  }
  const owed = owedTotal(facility.balance);
  return {
    total: minBigint(total, owed),
    pastDue: minBigint(pastDue, owed),
    oldestPastDue,
    daysPastDue,
  };
}

/**
 * The line's standing on `day` for a draw: its status, except that a delinquent line whose past-due
 * minimums have since been paid is current, as the daily cycle will find it that evening (default
 * is sticky: a defaulted line stays defaulted).
 */
export function creditLineStandingOn(facility: CreditLineFacility, day: number): FacilityState {
  if (facility.status !== 'delinquent') return facility.status;
  return unpaidMinimum(facility, day).pastDue > 0n ? 'delinquent' : 'active';
}

/** Splits `amount` over the balance in waterfall order: fees, interest, principal. */
function split(balance: CreditLineBalance, amount: bigint): Amounts {
  const fees = minBigint(amount, balance.feesMinor);
  const interest = minBigint(amount - fees, balance.interestMinor);
  return { fees, interest, principal: minBigint(amount - fees - interest, balance.principalMinor) };
}

export function creditLineOwed(facility: CreditLineFacility, day: number): FacilityOwed {
  const none: Amounts = { fees: 0n, interest: 0n, principal: 0n };
  const id = { facilityId: facility.book.facilityId, financierId: facility.book.financierId };
  if (!servicedStates.has(facility.status) || collectionsPausedOn(facility, day))
    return { ...id, oldestDueDay: null, overdue: none, due: none, notYetDue: none, holdbackRateBps: null };
  const minimum = unpaidMinimum(facility, day);
  const overdue = split(facility.balance, minimum.pastDue);
  const afterOverdue: CreditLineBalance = {
    ...facility.balance,
    feesMinor: facility.balance.feesMinor - overdue.fees,
    interestMinor: facility.balance.interestMinor - overdue.interest,
    principalMinor: facility.balance.principalMinor - overdue.principal,
  };
  // A stated minimum not yet at its due date is collected only by the sweep rate, like the rest:
  // the merchant has until the due date to pay it.
  return {
    ...id,
    oldestDueDay: minimum.oldestPastDue?.dueDay ?? null,
    overdue,
    due: none,
    notYetDue: {
      fees: afterOverdue.feesMinor,
      interest: afterOverdue.interestMinor,
      principal: afterOverdue.principalMinor,
    },
    holdbackRateBps: facility.terms.sweepRateBps,
  };
}

/** A sweep or direct payment applied by component; it pays the oldest statements' minimums first. */
export function applyCreditLinePayment(
  facility: CreditLineFacility,
  eventId: string,
  applied: Amounts,
): CreditLineStep {
  const amount = applied.fees + applied.interest + applied.principal;
  let left = amount + facility.paidTowardsOldest;
  const unpaid = [...facility.unpaidStatements];
  while (unpaid.length > 0 && left >= (unpaid[0] as Statement).minimumMinor) {
    left -= (unpaid.shift() as Statement).minimumMinor;
  }
  const owing: CreditLineBalance = {
    ...facility.balance,
    feesMinor: facility.balance.feesMinor - applied.fees,
    interestMinor: facility.balance.interestMinor - applied.interest,
    principalMinor: facility.balance.principalMinor - applied.principal,
  };
  const cleared = owedTotal(owing) === 0n;
  // Paid off, the line owes nothing: the fraction of a minor unit of interest carried is dropped
  // (interest is charged in whole units, rounded down), not charged on the next draw.
  const balance = cleared ? { ...owing, accrualCarry: 0n } : owing;
  const paid: CreditLineFacility = {
    ...facility,
    balance,
    unpaidStatements: cleared ? [] : unpaid,
    paidTowardsOldest: cleared || unpaid.length === 0 ? 0n : left,
  };
  const postings = repaymentApplied(facility.book, eventId, applied);
  // A line repaid in full stays open to draw again — unless it had defaulted: default is sticky, so
  // it is closed, paid off (and its debt service let go), not left defaulted with nothing owed.
  if (!cleared || facility.status !== 'defaulted') return { facility: paid, postings, events: [] };
  const to = nextState(facility.status, { type: 'repaid_in_full' });
  if (!to.ok) return { facility: paid, postings, events: [] };
  return {
    facility: { ...paid, status: to.value, daysPastDue: 0 },
    postings,
    events: [{ type: 'status_changed', from: facility.status, to: to.value }],
  };
}

/** The line with the statement of `day`, if a statement falls on it and asks for anything. */
function withStatement(facility: CreditLineFacility, day: number): CreditLineFacility {
  if ((day - facility.openedDay) % facility.terms.statementDays !== 0 || day <= facility.openedDay)
    return facility;
  const share = divideRounded(
    facility.balance.principalMinor * BigInt(facility.terms.minimumPrincipalShareBps),
    10_000n,
    'up',
  );
  const alreadyAsked = unpaidMinimum(facility, day).total;
  // The interest and fees of this statement's period still owed (payments pay the oldest first):
  // those of earlier periods are asked by the statements still unpaid. A line stored before this
  // was kept asks, this once, what it owes of them beyond what its unpaid statements ask.
  const owedInterestAndFees = facility.balance.interestMinor + facility.balance.feesMinor;
  const since = facility.chargedSinceStatementMinor;
  const ofPeriod =
    since === undefined
      ? owedInterestAndFees > alreadyAsked
        ? owedInterestAndFees - alreadyAsked
        : 0n
      : minBigint(since, owedInterestAndFees);
  const minimum = minBigint(ofPeriod + share, owedTotal(facility.balance) - alreadyAsked);
  const next = { ...facility, chargedSinceStatementMinor: 0n };
  if (minimum <= 0n) return next;
  return {
    ...next,
    unpaidStatements: [
      ...facility.unpaidStatements,
      { day, dueDay: day + facility.terms.paymentDueDays, minimumMinor: minimum },
    ],
  };
}

/**
 * The end of `day`: interest booked, a statement when one falls due, ageing, late fee, write-off.
 * While collections are paused: interest and statements only — no late fee, no worse state.
 */
export function serviceCreditLineDay(
  facility: CreditLineFacility,
  day: number,
  dayText: string,
  policy: ServicingPolicy = defaultServicingPolicy,
): CreditLineStep {
  if (!servicedStates.has(facility.status)) return { facility, postings: [], events: [] };
  const accrued = accrueDay(facility.terms, facility.balance);
  const postings: TransferInput[] = [...interestAccrued(facility.book, dayText, accrued.interestMinor)];
  const events: ServicingEvent[] = collectionsPauseEvents(facility, day);
  const paused = collectionsPausedOn(facility, day);
  let current = charged({ ...facility, balance: accrued.balance }, accrued.interestMinor);

  const asked = current.unpaidStatements.length;
  current = withStatement(current, day);
  const issued = current.unpaidStatements[asked];
  if (issued !== undefined)
    // Due the day it is asked for, as the facility's schedule shows it: moved by the pauses known.
    events.push({
      type: 'statement_issued',
      minimumMinor: issued.minimumMinor,
      dueDay: fallsDueOn(current, issued.day, issued.dueDay, day),
    });

  const { oldestPastDue: oldest, daysPastDue } = unpaidMinimum(current, day);
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
      dueDay: fellDueOn(current, oldest.day, oldest.dueDay, day),
    });
    current = charged(
      {
        ...current,
        balance: { ...current.balance, feesMinor: current.balance.feesMinor + lateFee },
        lateFeeChargedForDueDay: oldest.dueDay,
      },
      lateFee,
    );
  }
  const aged = nextState(current.status, { type: 'aged', daysPastDue }, policy);
  const to = stateWhilePaused(current, day, current.status, aged.ok ? aged.value : current.status);
  if (to !== current.status) events.push({ type: 'status_changed', from: current.status, to });
  if (to === 'written_off') {
    postings.push(
      ...writtenOff(
        current.book,
        {
          fees: current.balance.feesMinor,
          interest: current.balance.interestMinor,
          principal: current.balance.principalMinor,
        },
        0n,
      ),
    );
    current = {
      ...current,
      balance: { ...current.balance, feesMinor: 0n, interestMinor: 0n, principalMinor: 0n },
      unpaidStatements: [],
    };
  }
  return { facility: { ...current, status: to, daysPastDue }, postings, events };
}
