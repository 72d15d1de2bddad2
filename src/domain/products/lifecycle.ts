/**
 * The lifecycle every facility shares, whatever its product:
 *
 *   offered → accepted → disbursing → active ⇄ delinquent → defaulted → written_off
 *                                        ↘ paid_off (from active, delinquent or defaulted)
 *   offered → expired | declined;  disbursing → cancelled (the payout failed and was voided)
 *
 * Acceptance reserves the money (a pending ledger transfer), so an accepted facility moves on to
 * `disbursing` at once; the platform's confirmation posts it and the facility is `active`. Days
 * past due, computed by the daily cycle, move a facility between `active` and `delinquent`, and on
 * to `defaulted` and `written_off` at configured ages. Default is sticky: a defaulted facility
 * leaves it only by being paid off or written off. Payments on a written-off facility are
 * recoveries; it stays written off. A pause of collections is a flag beside the state, not a state
 * (collections-pause.ts).
 */
import { err, ok, type Result } from '../result.ts';

export const facilityStates = [
  'offered',
  'accepted',
  'disbursing',
  'active',
  'delinquent',
  'defaulted',
  'written_off',
  'paid_off',
  'expired',
  'declined',
  'cancelled',
] as const;
export type FacilityState = (typeof facilityStates)[number];

export type FacilityEvent =
  | { readonly type: 'accept' }
  | { readonly type: 'decline' }
  | { readonly type: 'expire' }
  | { readonly type: 'disbursement_pending' }
  | { readonly type: 'disbursement_confirmed' }
  | { readonly type: 'disbursement_voided' }
  /** The daily cycle's view of the facility: days past due on its oldest unpaid amount. */
  | { readonly type: 'aged'; readonly daysPastDue: number }
  | { readonly type: 'repaid_in_full' };

export interface LifecyclePolicy {
  /** Days past due at which a facility is in default. */
  readonly defaultAfterDays: number;
  /** Days past due at which a defaulted facility is written off. */
  readonly writeOffAfterDays: number;
}

export const defaultLifecyclePolicy: LifecyclePolicy = { defaultAfterDays: 90, writeOffAfterDays: 180 };

/** States in which the merchant owes money and the daily cycle runs. */
export const servicedStates: ReadonlySet<FacilityState> = new Set(['active', 'delinquent', 'defaulted']);

/** States of a facility that has defaulted (and may since have been written off). */
export const defaultedStates: ReadonlySet<FacilityState> = new Set(['defaulted', 'written_off']);

/** States nothing moves out of. */
export const finalStates: ReadonlySet<FacilityState> = new Set([
  'written_off',
  'paid_off',
  'expired',
  'declined',
  'cancelled',
]);

export type LifecycleProblem = 'transition_not_allowed' | 'lifecycle_policy_invalid';

function aged(state: FacilityState, daysPastDue: number, policy: LifecyclePolicy): FacilityState {
  if (state === 'defaulted') return daysPastDue >= policy.writeOffAfterDays ? 'written_off' : 'defaulted';
  if (daysPastDue >= policy.writeOffAfterDays) return 'written_off';
  if (daysPastDue >= policy.defaultAfterDays) return 'defaulted';
  return daysPastDue > 0 ? 'delinquent' : 'active';
}

/** The state after `event`, or why the event cannot happen in `state`. */
export function nextState(
  state: FacilityState,
  event: FacilityEvent,
  policy: LifecyclePolicy = defaultLifecyclePolicy,
): Result<FacilityState, LifecycleProblem> {
  if (
    !Number.isInteger(policy.defaultAfterDays) ||
    policy.defaultAfterDays < 1 ||
    !Number.isInteger(policy.writeOffAfterDays) ||
    policy.writeOffAfterDays <= policy.defaultAfterDays
  )
    return err('lifecycle_policy_invalid', 'need whole days with 1 ≤ defaultAfterDays < writeOffAfterDays');
  const refuse = () => err('transition_not_allowed' as const, `${event.type} is not allowed when ${state}`);
  switch (event.type) {
    case 'accept':
      return state === 'offered' ? ok('accepted') : refuse();
    case 'decline':
      return state === 'offered' ? ok('declined') : refuse();
    case 'expire':
      return state === 'offered' ? ok('expired') : refuse();
    case 'disbursement_pending':
      return state === 'accepted' ? ok('disbursing') : refuse();
    case 'disbursement_confirmed':
      return state === 'disbursing' ? ok('active') : refuse();
    case 'disbursement_voided':
      return state === 'disbursing' ? ok('cancelled') : refuse();
    case 'aged':
      if (!Number.isInteger(event.daysPastDue) || event.daysPastDue < 0)
        return err('transition_not_allowed', 'daysPastDue must be a whole number of days, at least 0');
      return servicedStates.has(state) ? ok(aged(state, event.daysPastDue, policy)) : refuse();
    case 'repaid_in_full':
      if (state === 'written_off') return ok('written_off');
      return servicedStates.has(state) ? ok('paid_off') : refuse();
  }
}

export const delinquencyBuckets = ['current', '1-30', '31-60', '61-90', '90+'] as const;
export type DelinquencyBucket = (typeof delinquencyBuckets)[number];

/** The reporting bucket of a number of days past due. */
export function delinquencyBucket(daysPastDue: number): DelinquencyBucket {
  if (daysPastDue <= 0) return 'current';
  if (daysPastDue <= 30) return '1-30';
  if (daysPastDue <= 60) return '31-60';
  if (daysPastDue <= 90) return '61-90';
  return '90+';
}
