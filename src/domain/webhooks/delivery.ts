/**
 * When a webhook delivery is tried, and what an event looks like on the wire. A delivery is tried
 * at once, then — after each failure (no answer, or an answer other than 2xx) — again after 5
 * seconds, 5 minutes, 30 minutes, 2 hours, 5 hours, 10 hours and 10 hours: eight attempts over
 * about 27½ hours, the schedule Standard Webhooks' reference senders use; after the eighth it has
 * failed, and only a replay sends it again.
 */

/** The wait after the n-th failed attempt (index n − 1), in milliseconds. */
export const webhookRetryDelaysMs: readonly bigint[] = [
  5_000n,
  300_000n,
  1_800_000n,
  7_200_000n,
  18_000_000n,
  36_000_000n,
  36_000_000n,
];

export const webhookAttemptsMax = webhookRetryDelaysMs.length + 1;

/** When to try again after `attempts` attempts have failed, the last at `failedAtMs`; null once they are all spent. */
export function nextAttemptAtMs(attempts: number, failedAtMs: bigint): bigint | null {
  const delay = webhookRetryDelaysMs[attempts - 1];
  return delay === undefined ? null : failedAtMs + delay;
}

/**
 * How long an event stays in the outbox after it was fanned out (so far back a replay reaches),
 * and a delivery that is done with (delivered or failed) in its endpoint's list: 30 days.
 */
export const webhookRetentionMs = 30n * 86_400_000n;

/** An endpoint every attempt to which has failed for this long is disabled (as Standard Webhooks' reference senders do). */
export const endpointFailingMsMax = 5n * 86_400_000n;

/** Whether an endpoint failing since `failingSinceMs` (null: not failing) is to be disabled at `nowMs`. */
export function failingTooLong(failingSinceMs: bigint | null, nowMs: bigint): boolean {
  return failingSinceMs !== null && nowMs - failingSinceMs >= endpointFailingMsMax;
}

/** The facility events (docs/api.md, "Facility events"), as an endpoint subscribes to them. */
const facilityEventTypes: readonly string[] = [
  'accepted',
  'collections_pause_set',
  'collections_paused',
  'collections_resume_set',
  'collections_resumed',
  'delinquency_bucket_changed',
  'disbursed',
  'disbursement_voided',
  'draw_requested',
  'draw_voided',
  'drawn',
  'instalment_charged',
  'late_fee_charged',
  'minimum_payment_near_breach',
  'refill_available',
  'repayment',
  'statement_issued',
  'status_changed',
  'swept',
].map((type) => `facility.${type}`);

/** An offer's events: made, then accepted, withdrawn (a sibling was accepted) or expired. */
const offerEventTypes: readonly string[] = ['created', 'accepted', 'withdrawn', 'expired'].map(
  (type) => `offer.${type}`,
);

/** The ledger's own: a closed day's checkpoint made, with its Merkle roots (docs/ledger.md). */
const ledgerEventTypes: readonly string[] = ['ledger.checkpoint.created'];

/**
 * What an event is about: a facility (its history's events), an offer (made, accepted, …) or the
 * ledger (a day's checkpoint).
 */
export type EventSubject = 'facility' | 'offer' | 'ledger';

/** Every event type an endpoint may subscribe to. */
export const eventTypes: readonly string[] = [...facilityEventTypes, ...offerEventTypes, ...ledgerEventTypes];

/** An event type on the wire: the event's own type in its subject's namespace (`facility.swept`, `offer.created`). */
export function wireEventType(subject: EventSubject, type: string): string {
  return `${subject}.${type}`;
}

/** Whether an endpoint subscribed to `eventTypes` (none: every type) takes `type`. */
export function subscribed(eventTypes: readonly string[], type: string): boolean {
  return eventTypes.length === 0 || eventTypes.includes(type);
}

/** Why a pending delivery failed unsent: its endpoint was disabled, or no longer takes its type. */
export const endpointDisabledError = 'endpoint disabled';
export const endpointUnsubscribedError = 'endpoint no longer subscribed to its event type';
