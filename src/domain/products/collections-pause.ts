/**
 * A pause of collections — for a merchant's hardship or a dispute with the platform — on any
 * serviced facility (advance, term loan, credit line). A pause is a flag beside the lifecycle
 * state, not a state: it covers the days `fromDay` to `untilDay` inclusive (null: until resumed)
 * and collections resume by themselves the day after `untilDay`.
 *
 * While collections are paused on a day:
 *
 * - **Nothing is swept.** Each product's `*Owed` answers nothing overdue, due or collectable by
 *   holdback (`holdbackRateBps` null), so the waterfall takes nothing from the facility's payouts.
 *   Direct repayments are still applied as ever; they may cure a facility while it is paused.
 * - **Money still accrues.** An advance still recognises its fee, a term loan still books each
 *   instalment's interest on its date, a credit line still accrues interest and issues statements
 *   on its calendar: pausing collections changes what is asked for and when, not what is owed.
 * - **The collection clock stands still.** Paused days do not elapse on the clock that decides what
 *   is due and how late it is ("treat the pause days as not elapsed"). Days past due count only
 *   unpaused days, so they stay frozen at their value on the eve of the pause (a payment can only
 *   lower them); no late fee is charged; the lifecycle never moves to a worse state.
 *   Schedules run on that clock too, so when collections resume nothing has fallen due in the
 *   meantime: an advance's minimum-payment periods and maximum term, and a term loan's instalments,
 *   count collection days from disbursement — the whole schedule moves later by the days paused,
 *   and a minimum period that would have ended inside the pause is not missed — and a credit-line
 *   statement's payment window counts collection days from its issue.
 *
 * Ended pauses are kept (`collectionsPauseHistory`, at most `collectionsPausesMax` per facility) so
 * the clock can be read exactly for any day. Fields are optional so that states stored before
 * pauses existed read as never paused. The daily cycle reports `collections_paused` on the first
 * paused day and `collections_resumed` on the first day collected again.
 */
import { assert } from '../assert.ts';
import { err, ok, type Result } from '../result.ts';
import { fromDayNumber } from '../time/calendar-date.ts';
import { type FacilityState, servicedStates } from './lifecycle.ts';

export interface CollectionsPause {
  readonly fromDay: number;
  /** The last paused day (inclusive); null: until resumed. */
  readonly untilDay: number | null;
  readonly reason: string;
}

export interface EndedCollectionsPause {
  readonly fromDay: number;
  readonly untilDay: number;
}

/** What a facility state carries about pauses; absent means never paused. */
export interface CollectionsPauseState {
  /** The current (or latest, possibly over) pause; undefined or null: none. */
  readonly collectionsPaused?: CollectionsPause | null;
  /** Pauses that ended before the current one, oldest first. */
  readonly collectionsPauseHistory?: readonly EndedCollectionsPause[];
}

export interface PausableFacility extends CollectionsPauseState {
  readonly status: FacilityState;
}

export interface PauseRequest {
  readonly fromDay: number;
  readonly untilDay: number | null;
  readonly reason: string;
}

export type CollectionsPauseProblem =
  | 'facility_not_serviced'
  | 'pause_invalid'
  | 'collections_already_paused'
  | 'collections_pause_limit_reached'
  | 'collections_not_paused';

export type CollectionsPauseEvent =
  | {
      readonly type: 'collections_paused';
      readonly fromDay: number;
      readonly untilDay: number | null;
      readonly reason: string;
    }
  | { readonly type: 'collections_resumed' };

export const pauseReasonLengthMax = 200;
/** Pauses over a facility's life, the current one included. */
export const collectionsPausesMax = 24;

function pauses(facility: CollectionsPauseState): readonly (EndedCollectionsPause | CollectionsPause)[] {
  const current = facility.collectionsPaused ?? null;
  const history = facility.collectionsPauseHistory ?? [];
  return current === null ? history : [...history, current];
}

function requestProblem(request: PauseRequest): string | null {
  if (!Number.isSafeInteger(request.fromDay) || request.fromDay < 0)
    return 'fromDay must be a whole day number, at least 0';
  if (
    request.untilDay !== null &&
    (!Number.isSafeInteger(request.untilDay) || request.untilDay < request.fromDay)
  )
    return 'untilDay must be null or a whole day number not before fromDay';
  if (request.reason.trim().length === 0) return 'a reason is required';
  if (request.reason.length > pauseReasonLengthMax)
    return `the reason must be at most ${pauseReasonLengthMax} characters`;
  return null;
}

/**
 * Pauses collections from `fromDay`. Refused, in this order: `facility_not_serviced` unless the
 * facility is active, delinquent or defaulted; `pause_invalid` for a malformed request;
 * `collections_already_paused` unless every earlier pause ends before `fromDay` (to extend a pause,
 * resume it and pause again); `collections_pause_limit_reached` past `collectionsPausesMax`.
 */
export function pauseCollections<F extends PausableFacility>(
  facility: F,
  request: PauseRequest,
): Result<F, CollectionsPauseProblem> {
  if (!servicedStates.has(facility.status))
    return err('facility_not_serviced', `collections of a facility ${facility.status} are not paused`);
  const problem = requestProblem(request);
  if (problem !== null) return err('pause_invalid', problem);
  const earlier = pauses(facility);
  const latest = earlier[earlier.length - 1];
  if (latest !== undefined && (latest.untilDay === null || latest.untilDay >= request.fromDay))
    return err('collections_already_paused', `collections are paused from ${fromDayNumber(latest.fromDay)}`);
  if (earlier.length + 1 > collectionsPausesMax)
    return err('collections_pause_limit_reached', `at most ${collectionsPausesMax} pauses per facility`);
  const current = facility.collectionsPaused ?? null;
  const history = facility.collectionsPauseHistory ?? [];
  return ok({
    ...facility,
    collectionsPaused: { fromDay: request.fromDay, untilDay: request.untilDay, reason: request.reason },
    collectionsPauseHistory:
      current === null ? history : [...history, { fromDay: current.fromDay, untilDay: current.untilDay }],
  });
}

/**
 * Collections resume on `day`: the pause now ends the day before. A pause that had not begun by
 * `day` is cancelled outright. Refused: `facility_not_serviced`; `collections_not_paused` when no
 * pause covers `day` or begins after it.
 */
export function resumeCollections<F extends PausableFacility>(
  facility: F,
  day: number,
): Result<F, CollectionsPauseProblem> {
  assert(Number.isSafeInteger(day), 'resumeCollections: day is a whole day number');
  if (!servicedStates.has(facility.status))
    return err('facility_not_serviced', `collections of a facility ${facility.status} are not paused`);
  const current = facility.collectionsPaused ?? null;
  if (current === null || (current.untilDay !== null && current.untilDay < day))
    return err('collections_not_paused', `collections are not paused on ${fromDayNumber(day)}`);
  if (current.fromDay >= day) return ok({ ...facility, collectionsPaused: null });
  return ok({ ...facility, collectionsPaused: { ...current, untilDay: day - 1 } });
}

/**
 * Whether a pause covers `day` or a later day: one in force, or one set to begin later. Pauses
 * follow one another, so only the current one can.
 */
export function collectionsPausedOnOrAfter(facility: CollectionsPauseState, day: number): boolean {
  const current = facility.collectionsPaused ?? null;
  return current !== null && (current.untilDay === null || current.untilDay >= day);
}

/** Whether collections are paused on `day` (false once a pause's `untilDay` has passed). */
export function collectionsPausedOn(facility: CollectionsPauseState, day: number): boolean {
  return pauses(facility).some((p) => p.fromDay <= day && (p.untilDay === null || day <= p.untilDay));
}

/**
 * The days in (fromDay, toDay] on which collections were not paused: how far the collection clock
 * moved. Without pauses it is `toDay − fromDay`, as the products counted before pauses existed.
 */
export function collectionDaysBetween(
  facility: CollectionsPauseState,
  fromDay: number,
  toDay: number,
): number {
  let paused = 0;
  for (const pause of pauses(facility)) {
    const first = Math.max(pause.fromDay, fromDay + 1);
    const last = pause.untilDay === null ? toDay : Math.min(pause.untilDay, toDay);
    if (last >= first) paused += last - first + 1;
  }
  const days = toDay - fromDay - paused;
  assert(toDay < fromDay || days >= 0, 'collectionDaysBetween: never fewer than zero days');
  return days;
}

/**
 * The day a payment that the schedule counted from `fromDay` puts on `dueDay` falls due, as the
 * pauses known on `today` move it: `dueDay` itself without pauses, later by the days paused in
 * between — a pause moves the schedule (a day collected, never a paused one). A pause without an
 * end is taken to end on `today` when it has begun (the day the payment would fall due were
 * collections resumed tomorrow: later each day the pause runs on), and not to happen when it has
 * not. What a schedule shows the merchant as the payment's due date.
 */
export function fallsDueOn(
  facility: CollectionsPauseState,
  fromDay: number,
  dueDay: number,
  today: number,
): number {
  const current = facility.collectionsPaused ?? null;
  const known: CollectionsPauseState =
    current === null || current.untilDay !== null
      ? facility
      : {
          ...facility,
          collectionsPaused: current.fromDay <= today ? { ...current, untilDay: today } : null,
        };
  const days = dueDay - fromDay;
  let day = dueDay;
  // Each step moves on by the collection days still missing: never past the first day they have run.
  for (;;) {
    const short = days - collectionDaysBetween(known, fromDay, day);
    if (short <= 0) return day;
    day += short;
  }
}

/**
 * The day a payment fell due that the schedule counted from `fromDay` puts on `dueDay`, now that it
 * is past due on `today` (fallsDueOn). What the merchant is told was missed; the schedule's own day
 * stays the payment's identity (a late fee is charged once for it).
 */
export function fellDueOn(
  facility: CollectionsPauseState,
  fromDay: number,
  dueDay: number,
  today: number,
): number {
  const day = fallsDueOn(facility, fromDay, dueDay, today);
  assert(day <= today, 'fellDueOn: a payment past due today fell due by today');
  return day;
}

/** The pause events of `day`: its first paused day, or its first day collected again. */
export function collectionsPauseEvents(
  facility: CollectionsPauseState,
  day: number,
): CollectionsPauseEvent[] {
  const today = collectionsPausedOn(facility, day);
  const yesterday = collectionsPausedOn(facility, day - 1);
  const current = facility.collectionsPaused ?? null;
  if (today && !yesterday && current !== null && current.fromDay <= day)
    return [
      {
        type: 'collections_paused',
        fromDay: current.fromDay,
        untilDay: current.untilDay,
        reason: current.reason,
      },
    ];
  return !today && yesterday ? [{ type: 'collections_resumed' }] : [];
}

const severity: Partial<Record<FacilityState, number>> = {
  active: 0,
  delinquent: 1,
  defaulted: 2,
  written_off: 3,
};

/** The state the daily cycle may move to on `day`: while paused, never a worse one than `from`. */
export function stateWhilePaused(
  facility: CollectionsPauseState,
  day: number,
  from: FacilityState,
  to: FacilityState,
): FacilityState {
  if (!collectionsPausedOn(facility, day)) return to;
  return (severity[to] ?? 0) > (severity[from] ?? 0) ? from : to;
}
