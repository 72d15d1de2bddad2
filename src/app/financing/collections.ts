/**
 * Pausing and resuming collections on a serviced facility — a merchant's hardship or a dispute
 * with the platform — through the shared servicing path (src/app/financing/serviced.ts): the rule
 * of what a pause does is the domain's (src/domain/products/collections-pause.ts). A pause starts
 * today or later, never in the past: days already collected on stay as they were. Each change is a
 * facility event (`collections_pause_set`, `collections_resume_set`); the daily cycle reports the
 * first paused day and the first day collected again.
 */
import {
  type CollectionsPauseProblem,
  pauseCollections,
  resumeCollections,
} from '../../domain/products/collections-pause.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import type { FacilityRow, WriteTransaction } from '../ports.ts';
import { toTaggedJson } from '../risk/tagged-json.ts';
import type { OriginationContext } from './origination.ts';
import { refillAwaited } from './refill-hold.ts';
import { appendEvents, inService, rowAfter, type ServicedState, updateAll } from './serviced.ts';

export type CollectionsProblem = 'facility_not_found' | 'facility_held_for_refill' | CollectionsPauseProblem;

export interface PauseInput {
  readonly facilityId: string;
  /** When set (a platform's or merchant's scope), a facility of another merchant does not exist. */
  readonly merchantId?: string;
  readonly day: number;
  readonly fromDay: number;
  readonly untilDay: number | null;
  readonly reason: string;
}

async function serviced(tx: WriteTransaction, facilityId: string, merchantId: string | undefined) {
  const row = await tx.financing.facility(facilityId);
  if (row === undefined || (merchantId !== undefined && row.merchantId !== merchantId))
    return err('facility_not_found' as const, `no facility ${facilityId}`);
  const facility = inService(row);
  if (facility === null)
    return err('facility_not_serviced' as const, `facility ${facilityId} is ${row.status}`);
  return ok(facility);
}

function withState(facility: ServicedState, state: unknown): ServicedState {
  return { product: facility.product, state } as ServicedState;
}

/** How far ahead a pause may be set to start. */
export const pauseStartDaysAheadMax = 90;
/** The longest pause with a last day (ten years); longer, it is left open and resumed. */
export const pauseDaysMax = 3_660;

/**
 * Pauses collections from `fromDay` (today or later, within pauseStartDaysAheadMax) through
 * `untilDay` (null: until resumed; at most pauseDaysMax days in all).
 */
export async function pauseFacilityCollections(
  tx: WriteTransaction,
  context: OriginationContext,
  input: PauseInput,
): Promise<Result<FacilityRow, CollectionsProblem>> {
  const found = await serviced(tx, input.facilityId, input.merchantId);
  if (!found.ok) return found;
  const facility = found.value;
  if (input.fromDay < input.day)
    return err('pause_invalid', 'a pause starts today or later, not in the past');
  // A pause is for a hardship at hand: one set years ahead (a mistyped year) would only block the
  // pauses really needed until it was resumed.
  if (input.fromDay > input.day + pauseStartDaysAheadMax)
    return err('pause_invalid', `a pause starts within ${pauseStartDaysAheadMax} days of today`);
  // A pause moves the schedules later by its days: one ending near the calendar's end (a mistyped
  // year, 9999) would move a loan's instalments past it, and its facility could not be shown.
  if (input.untilDay !== null && input.untilDay - input.fromDay + 1 > pauseDaysMax)
    return err(
      'pause_invalid',
      `a pause lasts at most ${pauseDaysMax} days; leave it open and resume it instead`,
    );
  const paused = pauseCollections(facility.state, {
    fromDay: input.fromDay,
    untilDay: input.untilDay,
    reason: input.reason,
  });
  if (!paused.ok) return paused;
  const nowMs = context.clock.nowNs() / 1_000_000n;
  const row = rowAfter(facility, withState(facility, paused.value), [], nowMs);
  await updateAll(tx, [row]);
  await appendEvents(tx, [
    {
      facilityId: row.id,
      day: input.day,
      type: 'collections_pause_set',
      detailJson: toTaggedJson({ fromDay: input.fromDay, untilDay: input.untilDay, reason: input.reason }),
      atMs: nowMs,
    },
  ]);
  return ok(row);
}

/**
 * Collections resume from `day`: the pause ends the day before (one not yet begun is cancelled).
 * The event says from when, and why when the engine resumes them (a refill's hold lifted).
 */
export async function resumeFacilityCollections(
  tx: WriteTransaction,
  context: OriginationContext,
  input: {
    readonly facilityId: string;
    readonly merchantId?: string;
    readonly day: number;
    readonly reason?: string;
  },
): Promise<Result<FacilityRow, CollectionsProblem>> {
  const found = await serviced(tx, input.facilityId, input.merchantId);
  if (!found.ok) return found;
  const facility = found.value;
  // Held for its refill (refill-hold.ts): collected again, it would owe less than its payoff netted.
  const refill = await refillAwaited(tx, facility.row);
  if (refill !== null)
    return err(
      'facility_held_for_refill',
      `collections of facility ${facility.row.id} are paused until refill ${refill}'s payout pays it off (or is voided, which resumes them)`,
    );
  const resumed = resumeCollections(facility.state, input.day);
  if (!resumed.ok) return resumed;
  const nowMs = context.clock.nowNs() / 1_000_000n;
  const row = rowAfter(facility, withState(facility, resumed.value), [], nowMs);
  await updateAll(tx, [row]);
  await appendEvents(tx, [
    {
      facilityId: row.id,
      day: input.day,
      type: 'collections_resume_set',
      detailJson: toTaggedJson({
        fromDay: input.day,
        ...(input.reason === undefined ? {} : { reason: input.reason }),
      }),
      atMs: nowMs,
    },
  ]);
  return ok(row);
}
