/**
 * A term loan's schedule as its facility view shows it: the instalments as charged (the later ones
 * as they will be if paid as asked; a loan paid off, as it was charged and paid), and how far each
 * is paid, judged as arrears are. Servicing itself is servicing.ts.
 */
import { assert } from '../../assert.ts';
import { minBigint } from '../../money/bigint-min.ts';
import { servicedStates } from '../lifecycle.ts';
import {
  chargedWith,
  dueInAll,
  type Instalment,
  interestCharged,
  interestOn,
  type TermLoanFacility,
} from './servicing.ts';

/**
 * How far each instalment of the schedule is paid, judged as arrears are (oldestUnpaid): what has
 * been paid in all against what falls due in all, first-in first-out — an instalment paid a few days
 * early, taken as principal, is paid, its interest still owed and collected first.
 */
export function instalmentsPaid(facility: TermLoanFacility): InstalmentStatus[] {
  const paid = facility.paidInterest + facility.paidPrincipal;
  const due = dueInAll(facility);
  const payoffIndex = facility.status === 'paid_off' ? payoffPeriodIndex(facility) : null;
  return due.map((through, index) => {
    if (payoffIndex !== null) return index > payoffIndex ? 'not_needed' : 'paid';
    if (paid >= through) return 'paid';
    return paid > (index === 0 ? 0n : (due[index - 1] as bigint)) ? 'partly_paid' : 'unpaid';
  });
}

/**
 * How a paid-off loan was paid off: stored since it was kept (TermLoanFacility.paidOff); for a loan
 * paid off before, the interest derived — all it was charged was paid, so what was paid beyond the
 * instalments' interest is what the payoff booked — and the day unknown.
 */
function paidOffOf(facility: TermLoanFacility): { day: number | null; accruedInterestMinor: bigint } {
  assert(facility.status === 'paid_off', 'a loan paid off');
  const charged = facility.instalments
    .slice(0, facility.instalmentsBooked)
    .reduce((total, instalment) => total + instalment.interestMinor, 0n);
  const accrued = facility.paidInterest - charged;
  assert(accrued >= 0n, 'a loan paid off was paid every interest charged');
  if (facility.paidOff === undefined) return { day: null, accruedInterestMinor: accrued };
  assert(
    facility.paidOff.accruedInterestMinor === accrued,
    'the payoff booked what was paid beyond the instalments',
  );
  return facility.paidOff;
}

/**
 * The instalment whose period a paid-off loan's payoff fell in: the one running on the payoff day,
 * after the last instalment booked — or that one, when the payoff fell on its due date or past the
 * last. (A loan paid off before the day was kept: the running one if the payoff booked interest.)
 */
function payoffPeriodIndex(facility: TermLoanFacility): number {
  const booked = facility.instalmentsBooked;
  if (booked === 0) return 0;
  if (booked === facility.instalments.length) return booked - 1;
  const { day, accruedInterestMinor } = paidOffOf(facility);
  const lastDueDay = (facility.instalments[booked - 1] as Instalment).dueDay;
  const running = day === null ? accruedInterestMinor > 0n : day > lastDueDay;
  return running ? booked : booked - 1;
}

/**
 * A paid-off loan's instalments as they were charged and paid: those before the payoff's period as
 * booked; the payoff's period charged what was booked in it (its instalment's interest, if booked,
 * and the interest the payoff accrued) and repaying all the principal the instalments before it did
 * not, down to 0; those after it nothing — no interest was charged for them, no principal was left.
 */
function paidOffInstalments(facility: TermLoanFacility): Instalment[] {
  const payoffIndex = payoffPeriodIndex(facility);
  let principalLeft = facility.terms.amountMinor;
  return facility.instalments.map((instalment, index) => {
    if (index < payoffIndex) {
      principalLeft -= instalment.principalMinor;
      return instalment;
    }
    if (index > payoffIndex)
      return { ...instalment, paymentMinor: 0n, interestMinor: 0n, principalMinor: 0n, balanceMinor: 0n };
    const interest =
      (index < facility.instalmentsBooked ? instalment.interestMinor : 0n) +
      paidOffOf(facility).accruedInterestMinor;
    return {
      ...instalment,
      paymentMinor: interest + principalLeft,
      interestMinor: interest,
      principalMinor: principalLeft,
      balanceMinor: 0n,
    };
  });
}

/**
 * The instalments as the merchant will be charged them: those booked as they were; the next one on
 * the principal its period began with; each later one on the principal it will begin with if what
 * is asked is paid when asked — below the schedule's only where principal was paid ahead — and
 * with the principal left after it so paid: the schedule's balance, or what is owed now if less
 * (principal paid ahead counts against the first instalments not yet paid). Without a prepayment,
 * the schedule itself. Paid off, as charged and paid (paidOffInstalments); written off, those not
 * booked are charged nothing: the daily cycle no longer runs.
 */
export function projectedInstalments(facility: TermLoanFacility): Instalment[] {
  if (facility.status === 'paid_off') return paidOffInstalments(facility);
  const charging = servicedStates.has(facility.status);
  return facility.instalments.map((instalment, index) => {
    if (index < facility.instalmentsBooked) return instalment;
    // Paid as asked, a later period begins with the principal now owed or the schedule's, if less.
    const charged = chargedWith(
      instalment,
      !charging
        ? 0n
        : index === facility.instalmentsBooked
          ? interestCharged(facility, instalment)
          : interestOn(facility, instalment, facility.owed.principal),
    );
    return charged.balanceMinor <= facility.owed.principal
      ? charged
      : { ...charged, balanceMinor: facility.owed.principal };
  });
}

/**
 * Each of `instalments` (as projectedInstalments shows them) paid as arrears are judged
 * (instalmentsPaid): what has been paid in all, interest and principal together, spread over them
 * in order, each instalment's interest before its principal — so a row is `paid` exactly when its
 * paid interest and principal are its own, whatever share of the money the ledger took as which.
 * Paid off, each row is paid as it shows, and those after the payoff's period are `not_needed`.
 */
export function instalmentsAsJudged(
  facility: TermLoanFacility,
  instalments: readonly Instalment[],
): { readonly interest: bigint; readonly principal: bigint; readonly status: InstalmentStatus }[] {
  if (facility.status === 'paid_off') {
    const payoffIndex = payoffPeriodIndex(facility);
    return instalments.map((instalment, index) => ({
      interest: instalment.interestMinor,
      principal: instalment.principalMinor,
      status: index > payoffIndex ? 'not_needed' : 'paid',
    }));
  }
  let left = facility.paidInterest + facility.paidPrincipal;
  return instalments.map((instalment) => {
    const interest = minBigint(left, instalment.interestMinor);
    left -= interest;
    const principal = minBigint(left, instalment.principalMinor);
    left -= principal;
    const whole = interest === instalment.interestMinor && principal === instalment.principalMinor;
    return {
      interest,
      principal,
      status: whole ? 'paid' : interest + principal > 0n ? 'partly_paid' : 'unpaid',
    };
  });
}

/** How far an instalment is paid; `not_needed`: after the period a loan was paid off in — never charged, nothing to pay. */
export const instalmentStatuses = ['paid', 'partly_paid', 'unpaid', 'not_needed'] as const;
export type InstalmentStatus = (typeof instalmentStatuses)[number];
