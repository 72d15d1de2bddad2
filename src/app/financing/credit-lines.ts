/**
 * Revolving credit lines: opened when the merchant accepts the offer (nothing is lent yet, so
 * nothing is reserved), then drawn on. A draw is a disbursement like an advance's, in two phases:
 * the principal is reserved from the financier's pool (a pending ledger transfer) when the
 * merchant asks, and posted when the platform confirms the payout — or voided when it fails. Only
 * then does the line owe it and start accruing interest (src/domain/products/credit-line/).
 *
 * What may be drawn is the limit less the principal owed and the draws still pending, which the
 * ledger knows exactly: the pending debits of the line's principal account. A draw is named by the
 * caller's reference; its transfer id `<facility>:dr:<reference>` makes asking twice harmless —
 * the same reference and amount answer the draw already made.
 */

import { TransferFlag } from '../../domain/ledger/types.ts';
import { collectionsPausedOn } from '../../domain/products/collections-pause.ts';
import {
  available,
  draw as drawOnLine,
  emptyBalance,
} from '../../domain/products/credit-line/credit-line.ts';
import {
  type CreditLineServicingTerms,
  creditLineServicingDefaults,
  openedCreditLine,
} from '../../domain/products/credit-line/servicing.ts';
import type { Offer } from '../../domain/products/offers.ts';
import {
  drawPending,
  drawResolved,
  type FacilityBook,
  facilityAccount,
  financierAccount,
} from '../../domain/products/postings.ts';
import { emptyTally } from '../../domain/products/tally.ts';
import { type Err, err, ok, type Result } from '../../domain/result.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';
import type { FacilityRow, ReadTransaction, WriteTransaction } from '../ports.ts';
import { fraudFlagged, fraudFlaggedDetail } from '../risk/fraud-flag.ts';
import { toTaggedJson } from '../risk/tagged-json.ts';
import { loadOfferSettings } from './offer-settings.ts';
import type { OriginationContext } from './origination.ts';
import {
  appendEvents,
  arrearsDetail,
  caughtUpBefore,
  inArrears,
  inService,
  type NewFacilityEvent,
  postAll,
  rowAfter,
  type Serviced,
  type StoredFacility,
  servicedOf,
  statusAfterMissedDays,
  updateAll,
} from './serviced.ts';

export const drawReferencePattern = /^[A-Za-z0-9_.-]{1,28}$/;

const nanosecondsPerDay = 86_400_000_000_000n;

export type DrawProblem =
  | 'facility_not_found'
  | 'not_a_credit_line'
  | 'draws_suspended'
  | 'amount_invalid'
  | 'reference_invalid'
  | 'draw_reference_reused'
  | 'credit_line_limit_exceeded'
  | 'funding_unavailable'
  | 'merchant_flagged'
  | 'draw_not_found'
  | 'draw_not_pending';

export interface Draw {
  readonly drawId: string;
  readonly facilityId: string;
  readonly reference: string;
  readonly amountMinor: bigint;
  readonly currency: string;
  readonly status: 'pending' | 'posted' | 'voided';
  /** What may still be drawn after this draw. */
  readonly availableMinor: bigint;
  readonly replayed: boolean;
}

type CreditLineOffer = Extract<Offer, { product: 'credit_line' }>;

/** The facility row of a line just accepted: open, serviced, owing nothing. */
export function openedLineRow(input: {
  readonly facilityId: string;
  readonly offerId: string;
  readonly book: FacilityBook;
  readonly merchantId: string;
  readonly offer: CreditLineOffer;
  readonly day: number;
  readonly nowMs: bigint;
}): FacilityRow {
  // Serviced as its offer disclosed (one made before offers disclosed it: by the defaults).
  const terms: CreditLineServicingTerms = {
    ...input.offer.terms,
    ...(input.offer.servicing?.creditLine ?? creditLineServicingDefaults),
  };
  const stored: StoredFacility = {
    phase: 'serviced',
    product: 'credit_line',
    servicing: {
      ...openedCreditLine(input.book, input.merchantId, terms, emptyBalance, input.day),
      ...(input.offer.servicing === undefined ? {} : { lateFeeMinor: input.offer.servicing.lateFeeMinor }),
    },
    tally: emptyTally,
    // Its opening day is one of its days: a draw made on it owes that day's interest, as a draw on
    // any later day does (the daily cycle serves the day it was made).
    servicedThroughDay: input.day - 1,
    nearBreach: false,
    grade: input.offer.grade ?? null,
  };
  return {
    id: input.facilityId,
    merchantId: input.merchantId,
    financierId: input.book.financierId,
    offerId: input.offerId,
    product: 'credit_line',
    currency: input.offer.currency,
    // A line has nothing to disburse at acceptance: it is open for draws at once.
    status: 'active',
    openedOn: input.day,
    stateJson: toTaggedJson(stored),
    version: 1n,
    updatedAtMs: input.nowMs,
  };
}

async function lineOf(tx: WriteTransaction, facilityId: string, merchantId: string | undefined) {
  const row = await tx.financing.facility(facilityId);
  if (row === undefined || (merchantId !== undefined && row.merchantId !== merchantId))
    return err('facility_not_found' as const, `no facility ${facilityId}`);
  const facility = servicedOf(row);
  if (facility === null || facility.product !== 'credit_line')
    return err('not_a_credit_line' as const, `facility ${facilityId} is not an open credit line`);
  return ok(facility);
}

/** Limit less principal owed less draws pending, from the line's state and its ledger account. */
export async function availableToDraw(
  tx: ReadTransaction,
  line: Extract<Serviced, { product: 'credit_line' }>,
): Promise<bigint> {
  const principal = (await tx.ledger.accountsByIds([facilityAccount.principal(line.state.book)])).get(
    facilityAccount.principal(line.state.book),
  );
  const room = available(line.state.terms, line.state.balance) - (principal?.debitsPending ?? 0n);
  return room > 0n ? room : 0n;
}

/**
 * Why the line may not be drawn on `day`, or null: not current (its `standing`, the days the daily
 * cycle has not served judged first), its collections paused (a hardship or a dispute: it is not
 * lent more while nothing repays it), the merchant flagged for fraud (as for an acceptance: a flag
 * stops new money, whenever it was set), or behind on another facility (as for a decision: it is
 * lent no more on this one). A draw is refused by it; the facility view shows no credit by it.
 */
export async function drawsRefused(
  tx: ReadTransaction,
  line: Extract<Serviced, { product: 'credit_line' }>,
  day: number,
  standing: string,
): Promise<Err<'draws_suspended' | 'merchant_flagged'> | null> {
  if (standing !== 'active')
    return err('draws_suspended', `facility ${line.row.id} is ${standing}: no draws until it is current`);
  if (collectionsPausedOn(line.state, day))
    return err(
      'draws_suspended',
      `collections on facility ${line.row.id} are paused: no draws until they resume`,
    );
  if (await fraudFlagged(tx, line.row.merchantId)) return err('merchant_flagged', fraudFlaggedDetail);
  const behind = (await tx.financing.facilitiesForMerchant(line.row.merchantId)).find(
    (row) => row.id !== line.row.id && inArrears(row),
  );
  return behind === undefined ? null : err('draws_suspended', arrearsDetail(behind));
}

async function poolCash(tx: WriteTransaction, book: FacilityBook): Promise<bigint> {
  const id = financierAccount.cash(book);
  const cash = (await tx.ledger.accountsByIds([id])).get(id);
  return cash === undefined ? 0n : cash.debitsPosted - cash.creditsPosted - cash.creditsPending;
}

async function statusOfDraw(tx: WriteTransaction, drawId: string): Promise<Draw['status']> {
  const resolution = (await tx.ledger.resolutionsOf([drawId])).get(drawId);
  if (resolution === undefined) return 'pending';
  return (resolution.flags & TransferFlag.postPending) !== 0 ? 'posted' : 'voided';
}

/** The merchant asks to draw: the amount is reserved from the pool until the payout is confirmed. */
export async function requestDraw(
  tx: WriteTransaction,
  context: OriginationContext,
  input: {
    readonly facilityId: string;
    readonly merchantId?: string;
    readonly amountMinor: bigint;
    readonly reference: string;
    readonly day: number;
  },
): Promise<Result<Draw, DrawProblem>> {
  // The ledger's head lock first, as an acceptance takes it: every movement of money takes it, so on
  // PostgreSQL two draws on one line at once run one after the other, and the second reads what the
  // first reserved (each checking the room alone lent the limit twice over).
  await tx.ledger.lockHead();
  const found = await lineOf(tx, input.facilityId, input.merchantId);
  if (!found.ok) return found;
  const line = found.value;
  if (!drawReferencePattern.test(input.reference))
    return err('reference_invalid', 'a reference is 1–28 letters, digits, dots, dashes or underscores');
  const drawId = `${line.row.id}:dr:${input.reference}`;
  const view = (status: Draw['status'], availableMinor: bigint, replayed: boolean): Draw => ({
    drawId,
    facilityId: line.row.id,
    reference: input.reference,
    amountMinor: input.amountMinor,
    currency: line.row.currency,
    status,
    availableMinor,
    replayed,
  });
  const earlier = await tx.ledger.transfer(drawId);
  if (earlier !== undefined) {
    if (earlier.amount !== input.amountMinor)
      return err(
        'draw_reference_reused',
        `reference ${input.reference} was used for a draw of ${earlier.amount}`,
      );
    return ok(view(await statusOfDraw(tx, drawId), await availableToDraw(tx, line), true));
  }
  if (input.amountMinor <= 0n) return err('amount_invalid', 'a draw is a positive amount');
  // Judged as the days the daily cycle has not yet served would leave it: a minimum gone overdue
  // meanwhile suspends draws as it will when the cycle comes.
  const status = statusAfterMissedDays(line, input.day, context.clock.nowNs() / 1_000_000n);
  const refused = await drawsRefused(tx, line, input.day, status);
  if (refused !== null) return refused;
  const room = await availableToDraw(tx, line);
  if (input.amountMinor > room)
    return err('credit_line_limit_exceeded', `a draw of ${input.amountMinor} exceeds the ${room} available`);
  if ((await poolCash(tx, line.state.book)) < input.amountMinor)
    return err(
      'funding_unavailable',
      `the pool of ${line.row.financierId} cannot fund ${input.amountMinor} now`,
    );
  await postAll(tx, context, drawPending(line.state.book, drawId, input.amountMinor), `draw ${drawId}`);
  const nowMs = context.clock.nowNs() / 1_000_000n;
  await appendEvents(tx, [
    {
      facilityId: line.row.id,
      day: input.day,
      type: 'draw_requested',
      detailJson: toTaggedJson({ drawId, reference: input.reference, amountMinor: input.amountMinor }),
      atMs: nowMs,
    },
  ]);
  return ok(view('pending', room - input.amountMinor, false));
}

/** The platform paid the draw out (`post`) or could not (`void`). Resolving it again answers the same. */
export async function resolveDraw(
  tx: WriteTransaction,
  context: OriginationContext,
  input: {
    readonly drawId: string;
    readonly outcome: 'post' | 'void';
    readonly day: number;
    readonly reason?: string;
  },
): Promise<Result<Draw, DrawProblem>> {
  // The ledger's head lock first, as every movement of money takes it: on PostgreSQL a confirm and
  // a void of one draw (the platform's, or the daily cycle's at the deadline) run one after the
  // other, the second reading what the first left.
  await tx.ledger.lockHead();
  const marker = input.drawId.lastIndexOf(':dr:');
  const pending = marker > 0 ? await tx.ledger.transfer(input.drawId) : undefined;
  if (pending === undefined || (pending.flags & TransferFlag.pending) === 0)
    return err('draw_not_found', `no draw ${input.drawId}`);
  const found = await lineOf(tx, input.drawId.slice(0, marker), undefined);
  if (!found.ok) return err('draw_not_found', `no draw ${input.drawId}`);
  const line = found.value;
  const reference = input.drawId.slice(marker + 4);
  const want = input.outcome === 'post' ? 'posted' : 'voided';
  const status = await statusOfDraw(tx, input.drawId);
  const view = async (s: Draw['status'], replayed: boolean): Promise<Draw> => {
    const now = await lineOf(tx, line.row.id, undefined);
    return {
      drawId: input.drawId,
      facilityId: line.row.id,
      reference,
      amountMinor: pending.amount,
      currency: line.row.currency,
      status: s,
      availableMinor: await availableToDraw(tx, now.ok ? now.value : line),
      replayed,
    };
  };
  if (status === want) return ok(await view(status, true));
  if (status !== 'pending') return err('draw_not_pending', `draw ${input.drawId} was ${status}`);
  // Past its deadline the daily cycle voids it (eod.ts), whether or not it has run yet.
  const { disbursementDeadlineDays } = await loadOfferSettings(tx);
  const lastDay = Number(pending.timestamp / nanosecondsPerDay) + disbursementDeadlineDays;
  if (input.outcome === 'post' && input.day > lastDay)
    return err(
      'draw_not_pending',
      `draw ${input.drawId} was not confirmed within ${disbursementDeadlineDays} days (by ${fromDayNumber(lastDay)}): it is voided — do not pay it out`,
    );
  // A line closed or written off since the draw was asked for is serviced no more: principal
  // posted to it would be owed on nothing that collects it. Its draw can only be voided.
  if (input.outcome === 'post' && inService(line.row) === null)
    return err(
      'draws_suspended',
      `facility ${line.row.id} is ${line.row.status}: the draw cannot be owed on it; void it`,
    );
  await postAll(tx, context, drawResolved(input.drawId, input.outcome), `draw ${input.drawId}`);
  const nowMs = context.clock.nowNs() / 1_000_000n;
  const caughtUp: NewFacilityEvent[] = [];
  if (input.outcome === 'post') {
    // The days before the draw the daily cycle has not yet served, served first: their interest
    // is on the balance before the draw (unless they take the line out of service: the daily
    // cycle does them then).
    const caught = caughtUpBefore(line, input.day, nowMs, 'ended');
    const drawnOn = caught?.facility.product === 'credit_line' ? caught.facility : line;
    if (caught !== null && drawnOn !== line) {
      await postAll(tx, context, caught.postings, `draw ${input.drawId}`);
      caughtUp.push(...caught.events);
    }
    const drawn = drawOnLine(drawnOn.state.terms, drawnOn.state.balance, pending.amount);
    // The amount was reserved within the room left, so the line has room for it now.
    if (!drawn.ok) throw new Error(`a reserved draw no longer fits its line: ${drawn.detail ?? drawn.code}`);
    const next = {
      product: 'credit_line' as const,
      state: {
        ...drawnOn.state,
        balance: drawn.value,
        firstDrawnDay: drawnOn.state.firstDrawnDay ?? input.day,
      },
    };
    // One write of the row as read: the days caught up and the draw together.
    const row = rowAfter(drawnOn, next, [], nowMs, { originated: pending.amount });
    await updateAll(tx, [{ ...row, version: line.row.version + 1n }]);
  }
  await appendEvents(tx, [
    ...caughtUp,
    {
      facilityId: line.row.id,
      day: input.day,
      type: input.outcome === 'post' ? 'drawn' : 'draw_voided',
      detailJson: toTaggedJson({
        drawId: input.drawId,
        reference,
        amountMinor: pending.amount,
        ...(input.reason === undefined ? {} : { reason: input.reason }),
      }),
      atMs: nowMs,
    },
  ]);
  return ok(await view(want, false));
}
