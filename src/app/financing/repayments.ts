/**
 * Direct repayments: the merchant pays a serviced facility itself, outside the settlement sweep —
 * an amount, applied as the sweep applies a payout (overdue, then due, then the rest, each fees →
 * interest → principal unless the sweep settings order them otherwise), or an early payoff of everything owed (for a
 * term loan, with the interest accrued to the day; src/domain/products/term-loan/servicing.ts).
 *
 * A repayment is named by the caller's `reference` and recorded as a facility event of type
 * `repayment`: the same reference again answers the recorded result and posts nothing, and the
 * reference is part of every transfer id the repayment posts, so even a lost event could not post
 * twice (the ledger would answer `exists`).
 *
 * An amount never pays more than is owed: above everything owed it is refused and the merchant is
 * told to pay off. For a term loan, an amount that would clear the booked balance but not the
 * interest accrued since the last instalment is refused too — that is a payoff, and only a payoff
 * books the accrual (booking it for a partial payment would count it twice when the instalment's
 * interest is booked on its due date).
 *
 * Money paid on a written-off facility is a recovery (see `recover` below).
 */
import { assert } from '../../domain/assert.ts';
import { minBigint } from '../../domain/money/bigint-min.ts';
import { recovered } from '../../domain/products/postings.ts';
import { chargeDue, payoffAmount } from '../../domain/products/term-loan/servicing.ts';
import type { Amounts, Component } from '../../domain/products/waterfall.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';
import type { FacilityEventRow, FacilityRow, WriteTransaction } from '../ports.ts';
import { fromTaggedJson, toTaggedJson } from '../risk/tagged-json.ts';
import type { OriginationContext } from './origination.ts';
import { refillAwaited } from './refill-hold.ts';
import {
  appendEvents,
  applyPayment,
  bookedOf,
  caughtUpBefore,
  closeDebtServiceIfFinal,
  inService,
  owedOf,
  paymentEventsOf,
  postAll,
  principalDaysUnserved,
  recoverableOf,
  rowAfter,
  type ServicedState,
  servicedOf,
  updateAll,
} from './serviced.ts';
import { loadSweepSettings } from './sweep-settings.ts';

export type RepaymentProblem =
  | 'facility_not_found'
  | 'facility_not_serviced'
  | 'amount_invalid'
  | 'reference_invalid'
  | 'repayment_reference_reused'
  | 'repayment_exceeds_balance'
  | 'facility_held_for_refill';

export const repaymentReferencePattern = /^[A-Za-z0-9_.-]{1,40}$/;

/**
 * The longest reference used as it is in transfer ids. `r:${reference}:${facility}:p` with a
 * 30-character facility id (src/main/system.ts) and a 28-character reference is 63 characters (a
 * recovery's `:rc` 64), within the ledger's 64; a longer reference is keyed by a digest of it instead (`rh:` + 27 hex).
 */
const referenceInIdLengthMax = 28;

/** Facility events read per page while looking for a reference; the scan is bounded below. */
const eventsPageSize = 1_000;
const eventPagesMax = 100;

export type RepaymentInput = {
  readonly facilityId: string;
  /** When set (a merchant's own key), a facility of another merchant does not exist. */
  readonly merchantId?: string;
  readonly day: number;
  readonly reference: string;
  /** The payoff a refill makes of the advance it replaces, under its own `refill.` reference. */
  readonly refill?: true;
} & ({ readonly amountMinor: bigint } | { readonly payoff: true });

/**
 * References the engine names its own repayments with: a refill's payoff of the advance it
 * replaces is `refill.<new facility>` (./origination.ts). No one else may take one — a repayment
 * under it would stand for the refill's payoff, and the refill could never be paid out.
 */
export const engineReferencePrefix = 'refill.';

export interface Repayment {
  readonly facilityId: string;
  readonly currency: string;
  readonly reference: string;
  readonly applied: Amounts;
  /** Still owed after the repayment: fees, interest and principal booked. */
  readonly outstandingMinor: bigint;
  readonly status: string;
  /** Paid on a written-off facility: recovered against the loss, not applied to a balance. */
  readonly recoveredMinor: bigint;
  /** True when this reference had been repaid before: the recorded result, nothing new written. */
  readonly replayed: boolean;
}

interface RecordedRepayment {
  readonly reference: string;
  readonly request: { readonly amountMinor: bigint | null; readonly payoff: boolean };
  readonly applied: Amounts;
  /** On a written-off facility: the amount recovered (nothing is applied to a balance). */
  readonly recoveredMinor?: bigint;
  readonly outstandingMinor: bigint;
  readonly status: string;
}

const zero: Amounts = { fees: 0n, interest: 0n, principal: 0n };
const sum = (a: Amounts) => a.fees + a.interest + a.principal;

/** The id part naming this repayment in its transfers: `r:<reference>` or `rh:<digest>`. */
export function repaymentEventId(context: OriginationContext, reference: string): string {
  return reference.length <= referenceInIdLengthMax
    ? `r:${reference}`
    : `rh:${context.sha256(`repayment ${reference}`).slice(0, 27)}`;
}

/**
 * As the sweep applies a payout (waterfall.ts): what is overdue, then what falls due today, then
 * the rest of what is booked, each in the sweep's component order (fees, interest, principal unless
 * changed) — never more than each owes. Not the whole booked balance in component order: with
 * principal first, an amount meant to cure an overdue instalment prepaid later principal and left
 * the instalment's interest and late fee unpaid.
 */
function inWaterfallOrder(
  amountMinor: bigint,
  facility: ServicedState,
  day: number,
  booked: Amounts,
  order: readonly Component[],
): Amounts {
  // Nothing is overdue or due while collections are paused (owedOf): all of it is the rest then.
  const { overdue, due } = owedOf(facility, day);
  const rest: Amounts = {
    fees: booked.fees - overdue.fees - due.fees,
    interest: booked.interest - overdue.interest - due.interest,
    principal: booked.principal - overdue.principal - due.principal,
  };
  assert(
    rest.fees >= 0n && rest.interest >= 0n && rest.principal >= 0n,
    'what is overdue and due is part of what is booked',
  );
  let left = amountMinor;
  const applied: Record<Component, bigint> = { fees: 0n, interest: 0n, principal: 0n };
  for (const part of [overdue, due, rest])
    for (const component of order) {
      const take = minBigint(left, part[component]);
      applied[component] += take;
      left -= take;
    }
  assert(left === 0n, 'an amount within the balance is applied in full');
  return applied;
}

/**
 * Booked and owed today (what an amount is applied against: a term loan's instalment falling due
 * today charged first), and what paying off today costs.
 */
function balancesOf(facility: ServicedState, day: number): { booked: Amounts; payoff: Amounts } {
  if (facility.product !== 'term_loan') {
    const booked = bookedOf(facility);
    return { booked, payoff: booked };
  }
  return { booked: chargeDue(facility.state, day).facility.owed, payoff: payoffAmount(facility.state, day) };
}

/** The repayment recorded under `reference` in the facility's events, if any. */
async function recordedUnder(
  tx: WriteTransaction,
  facilityId: string,
  reference: string,
): Promise<RecordedRepayment | null> {
  let afterSequence = 0;
  let recorded: RecordedRepayment | null = null;
  for (let page = 0; page < eventPagesMax; page += 1) {
    const events: FacilityEventRow[] = await tx.financing.facilityEvents(facilityId, {
      afterSequence,
      limit: eventsPageSize,
    });
    for (const event of events) {
      if (event.type !== 'repayment') continue;
      const detail = fromTaggedJson<RecordedRepayment>(event.detailJson);
      if (detail.reference === reference) recorded = detail;
    }
    if (events.length < eventsPageSize) return recorded;
    afterSequence = (events.at(-1) as FacilityEventRow).sequence;
  }
  throw new Error(`facility ${facilityId} has more than ${eventPagesMax * eventsPageSize} events`);
}

/** A direct repayment or early payoff of a serviced facility, posted once per reference. */
export async function repayFacility(
  tx: WriteTransaction,
  context: OriginationContext,
  input: RepaymentInput,
): Promise<Result<Repayment, RepaymentProblem>> {
  // The ledger's head lock first, as every movement of money takes it: a sweep or another
  // repayment of the facility committed meanwhile is read below (PostgreSQL), not written over.
  await tx.ledger.lockHead();
  const row = await tx.financing.facility(input.facilityId);
  if (row === undefined || (input.merchantId !== undefined && row.merchantId !== input.merchantId))
    return err('facility_not_found', `no facility ${input.facilityId}`);
  if (!repaymentReferencePattern.test(input.reference))
    return err('reference_invalid', 'a reference is 1–40 letters, digits, dots, dashes or underscores');
  if (input.reference.startsWith(engineReferencePrefix) !== (input.refill === true))
    return err('reference_invalid', `references starting ${engineReferencePrefix} are the engine's own`);
  const payoff = 'payoff' in input;
  const requested = { amountMinor: payoff ? null : input.amountMinor, payoff };
  const recorded = await recordedUnder(tx, row.id, input.reference);
  if (recorded !== null) {
    if (
      recorded.request.payoff !== requested.payoff ||
      recorded.request.amountMinor !== requested.amountMinor
    )
      return err(
        'repayment_reference_reused',
        `reference ${input.reference} was used for another repayment of facility ${row.id}`,
      );
    return ok({ ...viewOf(row, recorded), replayed: true });
  }
  if (row.status === 'written_off') return recover(tx, context, row, input, requested);
  // Held for its refill (refill-hold.ts): the refill's payout pays it off, at what its acceptance said.
  const refill = input.refill === true ? null : await refillAwaited(tx, row);
  if (refill !== null)
    return err(
      'facility_held_for_refill',
      `facility ${row.id} is held for refill ${refill}, whose payout pays it off once confirmed: no repayment is taken meanwhile (if that payout is voided, repay then)`,
    );
  const found = inService(row);
  if (found === null) return err('facility_not_serviced', `facility ${row.id} is ${row.status}`);
  if (!payoff && input.amountMinor <= 0n) return err('amount_invalid', 'a repayment is a positive amount');
  const nowMs = context.clock.nowNs() / 1_000_000n;
  // The days before this one the daily cycle has not yet served, served first on the balances
  // they had — unless that takes the facility out of service: the daily cycle does it then.
  const caught = caughtUpBefore(found, input.day, nowMs, 'closed');
  const facility = caught?.facility ?? found;

  const balances = balancesOf(facility, input.day);
  const payoffTotal = sum(balances.payoff);
  // A credit line repaid in full stays open, owing nothing: nothing to repay, whichever way asked.
  if (payoffTotal === 0n) return err('amount_invalid', `facility ${row.id} owes nothing`);
  const paysOff = payoff || input.amountMinor === payoffTotal;
  let applied: Amounts;
  if (paysOff) applied = balances.payoff;
  else if (input.amountMinor > payoffTotal)
    return err(
      'repayment_exceeds_balance',
      `${input.amountMinor} is more than the ${payoffTotal} owed; pay off instead`,
    );
  else if (input.amountMinor >= sum(balances.booked))
    return err(
      'repayment_exceeds_balance',
      `${input.amountMinor} would clear the balance but not the ${payoffTotal - sum(balances.booked)} of interest accrued to date; pay off instead`,
    );
  else
    applied = inWaterfallOrder(
      input.amountMinor,
      facility,
      input.day,
      balances.booked,
      (await loadSweepSettings(tx)).componentOrder,
    );
  if (sum(applied) === 0n) return err('amount_invalid', `facility ${row.id} owes nothing`);

  const dayText = String(fromDayNumber(input.day));
  const eventId = repaymentEventId(context, input.reference);
  const step = applyPayment(facility, input.day, dayText, eventId, applied);
  const booked = bookedOf(step.next);
  const owedAfter = booked.fees + booked.interest + booked.principal;
  assert(
    owedAfter === (paysOff ? 0n : sum(balances.booked) - sum(applied)),
    'what is owed falls by exactly what was applied',
  );
  // A revolving line repaid in full stays open; anything else paid off is closed.
  assert(
    !paysOff || facility.product === 'credit_line' || step.next.state.status === 'paid_off',
    'a payoff closes the facility',
  );

  // One write of the row as read: the days caught up (nothing if they were not) and the repayment
  // together.
  const updated = {
    ...rowAfter(facility, step.next, step.postings, nowMs, {
      principalDays: principalDaysUnserved(facility, step.next, input.day),
    }),
    version: row.version + 1n,
  };
  await updateAll(tx, [updated]);
  await postAll(tx, context, [...(caught?.postings ?? []), ...step.postings], `repayment ${input.reference}`);
  const record: RecordedRepayment = {
    reference: input.reference,
    request: requested,
    applied,
    outstandingMinor: owedAfter,
    status: step.next.state.status,
  };
  await appendEvents(tx, [
    ...(caught?.events ?? []),
    ...paymentEventsOf(
      {
        facilityId: row.id,
        day: input.day,
        type: 'repayment',
        detailJson: toTaggedJson(record),
        atMs: nowMs,
      },
      step.events,
    ),
  ]);
  await closeDebtServiceIfFinal(tx, updated);
  return ok({ ...viewOf(row, record), replayed: false });
}

/**
 * Money paid on a written-off facility is a recovery: it goes back into the pool against the loss
 * booked, up to the principal written off and not yet recovered (what the loss account holds for
 * it). The facility stays written off; there is nothing to pay off.
 */
async function recover(
  tx: WriteTransaction,
  context: OriginationContext,
  row: FacilityRow,
  input: RepaymentInput,
  requested: RecordedRepayment['request'],
): Promise<Result<Repayment, RepaymentProblem>> {
  const facility = servicedOf(row);
  assert(facility !== null, 'a written-off facility was serviced');
  if (requested.payoff || requested.amountMinor === null)
    return err('amount_invalid', `facility ${row.id} is written off: send the amount recovered`);
  const amount = requested.amountMinor;
  if (amount <= 0n) return err('amount_invalid', 'a recovery is a positive amount');
  const recoverable = recoverableOf(facility);
  if (amount > recoverable)
    return err(
      'repayment_exceeds_balance',
      `${amount} is more than the ${recoverable} written off and not recovered`,
    );
  const postings = recovered(facility.state.book, repaymentEventId(context, input.reference), amount);
  const nowMs = context.clock.nowNs() / 1_000_000n;
  await updateAll(tx, [rowAfter(facility, facility, postings, nowMs)]);
  await postAll(tx, context, postings, `recovery ${input.reference}`);
  const record: RecordedRepayment = {
    reference: input.reference,
    request: requested,
    applied: { fees: 0n, interest: 0n, principal: 0n },
    recoveredMinor: amount,
    outstandingMinor: 0n,
    status: row.status,
  };
  await appendEvents(tx, [
    { facilityId: row.id, day: input.day, type: 'repayment', detailJson: toTaggedJson(record), atMs: nowMs },
  ]);
  return ok({ ...viewOf(row, record), replayed: false });
}

function viewOf(row: FacilityRow, record: RecordedRepayment): Omit<Repayment, 'replayed'> {
  return {
    facilityId: row.id,
    currency: row.currency,
    reference: record.reference,
    applied: { ...zero, ...record.applied },
    outstandingMinor: record.outstandingMinor,
    status: record.status,
    recoveredMinor: record.recoveredMinor ?? 0n,
  };
}
