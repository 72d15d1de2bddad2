/**
 * Events out: the facility and offer events, and the ledger's checkpoints, in the outbox, delivered to the webhook endpoints as Standard
 * Webhooks messages (src/main/webhook-transport.ts signs and sends them).
 *
 * A round (`dispatchWebhooks`) does three things, each safe to repeat and to run in several
 * processes at once:
 * 1. **fan out** — each event not yet fanned out gets a pending delivery per endpoint enabled for
 *    its type (in one transaction with marking it fanned out);
 * 2. **claim** — the deliveries now due are taken for a lease (their due time moved on, only if
 *    still as read: two dispatchers never take the same one);
 * 3. **send and record** — each is sent outside any transaction; a 2xx answer marks it delivered,
 *    anything else counts a failed attempt and sets the next by the retry schedule
 *    (src/domain/webhooks/delivery.ts), or marks it failed once the attempts are spent. A delivery
 *    whose process died mid-send is due again when its lease ends.
 *
 * A message's id is the event's own (`<facility or offer id>:<sequence>`; `lcp_<day>:1` for a
 * checkpoint), the same on every attempt and replay, so a receiver can drop what it has already
 * handled.
 */
import { checkpointDayOf } from '../../domain/ledger/checkpoint.ts';
import {
  endpointDisabledError,
  endpointFailingMsMax,
  endpointUnsubscribedError,
  failingTooLong,
  nextAttemptAtMs,
  subscribed,
  webhookRetentionMs,
  wireEventType,
} from '../../domain/webhooks/delivery.ts';
import type { AppContext } from '../app-context.ts';
import type {
  FacilityEventRow,
  FacilityRow,
  OfferEventRow,
  OfferRow,
  OutboxEventRow,
  ReadTransaction,
  StoredCheckpoint,
  WebhookDeliveryRow,
  WebhookEndpointRow,
  WriteTransaction,
} from '../ports.ts';
import { pruneInBatches } from '../prune.ts';

/** A message as sent: its id, its event type, when it happened, and its JSON body. */
export interface WebhookMessage {
  readonly id: string;
  readonly type: string;
  readonly body: string;
}

export type WebhookSendResult = { readonly status: number } | { readonly error: string };

/**
 * The outside world's side: POST one message to one URL, signed with each of `secrets` (a real
 * HTTP client in production).
 */
export interface WebhookTransport {
  send(
    target: { readonly url: string; readonly secrets: readonly string[] },
    message: WebhookMessage,
    sentAtMs: bigint,
  ): Promise<WebhookSendResult>;
}

/** The secrets a message sent at `atMs` is signed with: the endpoint's, and the previous one until it expires. */
export function signingSecrets(endpoint: WebhookEndpointRow, atMs: bigint): string[] {
  const previous = endpoint.previousSecret;
  const until = endpoint.previousSecretExpiresAtMs;
  return previous !== null && until !== null && atMs < until
    ? [endpoint.secret, previous]
    : [endpoint.secret];
}

/**
 * An event as the API shows it (src/http/views-financing.ts): the message's `data` — a facility's
 * event with its facility, an offer's event with the offer as that event left it.
 */
export interface EventRenderers {
  facility(event: FacilityEventRow, facility: FacilityRow): unknown;
  offer(event: OfferEventRow, offer: OfferRow): unknown;
  checkpoint(checkpoint: StoredCheckpoint): unknown;
}

/** Deliveries taken and sent, at most, per round. */
export const webhookRoundMax = 200;

/**
 * The endpoints this process is sending to at the moment, and how many sends each: a round takes
 * none of their deliveries. So a receiver that hangs (the transport waits 10 s) holds up its own
 * deliveries only — a call started meanwhile sends every other endpoint's — and one endpoint never
 * has more than a round's sends in flight from the calls sharing this.
 */
export class EndpointsSending {
  private readonly sends = new Map<string, number>();

  ids(): string[] {
    return [...this.sends.keys()];
  }

  take(endpointId: string): void {
    this.sends.set(endpointId, (this.sends.get(endpointId) ?? 0) + 1);
  }

  release(endpointId: string): void {
    const left = (this.sends.get(endpointId) ?? 1) - 1;
    if (left === 0) this.sends.delete(endpointId);
    else this.sends.set(endpointId, left);
  }
}
/** How long a taken delivery is left to its sender before it is due again. */
export const webhookLeaseMs = 60_000n;

export interface DispatchRound {
  readonly fannedOut: number;
  readonly delivered: number;
  readonly retrying: number;
  readonly failed: number;
}

async function enabledEndpoints(tx: WriteTransaction): Promise<WebhookEndpointRow[]> {
  const all: WebhookEndpointRow[] = [];
  for (;;) {
    const after = all.at(-1)?.id;
    const page = await tx.webhooks.endpoints(after === undefined ? { limit: 500 } : { after, limit: 500 });
    all.push(...page);
    if (page.length < 500) return all.filter((e) => e.status === 'enabled');
  }
}

/** Pending deliveries, due at `nowMs`, of `events` to each endpoint subscribed to its type. */
export function deliveriesOf(
  events: readonly OutboxEventRow[],
  endpoints: readonly WebhookEndpointRow[],
  nowMs: bigint,
): WebhookDeliveryRow[] {
  return events.flatMap((event) =>
    endpoints
      .filter((endpoint) => subscribed(endpoint.eventTypes, wireEventType(event.subject, event.type)))
      .map((endpoint) => ({
        endpointId: endpoint.id,
        outboxSequence: event.sequence,
        subject: event.subject,
        subjectId: event.subjectId,
        subjectSequence: event.subjectSequence,
        eventType: wireEventType(event.subject, event.type),
        status: 'pending' as const,
        attempts: 0,
        nextAttemptAtMs: nowMs,
        lastAttemptAtMs: null,
        lastResponseStatus: null,
        lastError: null,
        createdAtMs: nowMs,
      })),
  );
}

/** Outbox events fanned out per transaction. */
export const fanOutBatch = 1_000;

/**
 * Fans out every event waiting in the outbox, `fanOutBatch` a transaction; answers how many. An
 * endpoint gets the events recorded from its registration on (older ones only by a replay).
 */
export async function fanOutEvents(app: AppContext): Promise<number> {
  // Idle, a look costs a read, not a write transaction.
  if ((await app.store.read((tx) => tx.webhooks.pendingOutbox(1))).length === 0) return 0;
  let total = 0;
  for (;;) {
    const done = await app.store.write(async (tx) => {
      const events = await tx.webhooks.pendingOutbox(fanOutBatch);
      if (events.length === 0) return 0;
      const nowMs = app.clock.nowNs() / 1_000_000n;
      const endpoints = await enabledEndpoints(tx);
      // A fan-out repeated (two dispatchers on the same events) leaves a delivery as it is.
      await tx.webhooks.insertDeliveries(
        events.flatMap((event) =>
          deliveriesOf(
            [event],
            endpoints.filter((endpoint) => endpoint.createdAtMs <= event.atMs),
            nowMs,
          ),
        ),
      );
      await tx.webhooks.markFannedOut(events.map((e) => e.sequence));
      return events.length;
    });
    total += done;
    if (done < fanOutBatch) return total;
  }
}

interface Claimed {
  readonly delivery: WebhookDeliveryRow;
  readonly endpoint: WebhookEndpointRow;
  readonly message: WebhookMessage;
  readonly leaseUntilMs: bigint;
}

/** What the transaction has read of the events' subjects, each once. */
interface Subjects {
  readonly facilities: Map<string, FacilityRow | undefined>;
  readonly offers: Map<string, { row: OfferRow; events: OfferEventRow[] } | undefined>;
}

/** A delivery's event as it goes out, with when it happened; undefined when it is not found. */
async function shownEvent(
  tx: ReadTransaction,
  delivery: WebhookDeliveryRow,
  subjects: Subjects,
  render: EventRenderers,
): Promise<{ atMs: bigint; show: () => unknown } | undefined> {
  const id = delivery.subjectId;
  if (delivery.subject === 'ledger') {
    const day = checkpointDayOf(id);
    const checkpoint = day === null ? undefined : await tx.ledger.checkpoint(day);
    return checkpoint && { atMs: checkpoint.createdAtMs, show: () => render.checkpoint(checkpoint) };
  }
  if (delivery.subject === 'offer') {
    if (!subjects.offers.has(id)) {
      const row = await tx.financing.offer(id);
      subjects.offers.set(id, row && { row, events: await tx.financing.offerEvents(id) });
    }
    const offer = subjects.offers.get(id);
    const event = offer?.events.find((e) => e.sequence === delivery.subjectSequence);
    return offer && event && { atMs: event.atMs, show: () => render.offer(event, offer.row) };
  }
  const [event] = await tx.financing.facilityEvents(id, {
    afterSequence: delivery.subjectSequence - 1,
    limit: 1,
  });
  if (!subjects.facilities.has(id)) subjects.facilities.set(id, await tx.financing.facility(id));
  const facility = subjects.facilities.get(id);
  return facility && event && { atMs: event.atMs, show: () => render.facility(event, facility) };
}

async function claimDue(
  app: AppContext,
  render: EventRenderers,
  limit: number,
  sending: EndpointsSending,
): Promise<Claimed[]> {
  // Idle, a look costs a read, not a write transaction.
  const nowMs = app.clock.nowNs() / 1_000_000n;
  if ((await app.store.read((tx) => tx.webhooks.dueDeliveries(nowMs, 1, sending.ids()))).length === 0)
    return [];
  const claimed = await app.store.write(async (tx) => {
    const leaseUntilMs = nowMs + webhookLeaseMs;
    const claimed: Claimed[] = [];
    const endpoints = new Map<string, WebhookEndpointRow | undefined>();
    const subjects: Subjects = { facilities: new Map(), offers: new Map() };
    for (const delivery of await tx.webhooks.dueDeliveries(nowMs, limit, sending.ids())) {
      if (!endpoints.has(delivery.endpointId))
        endpoints.set(delivery.endpointId, await tx.webhooks.endpoint(delivery.endpointId));
      const endpoint = endpoints.get(delivery.endpointId);
      const unsendable = async (lastError: string) =>
        tx.webhooks.updateDelivery(delivery, {
          ...delivery,
          status: 'failed',
          nextAttemptAtMs: null,
          lastError,
        });
      // A disabled endpoint's deliveries are not sent: they fail, saying why.
      if (endpoint?.status !== 'enabled') {
        await unsendable(endpointDisabledError);
        continue;
      }
      if (!subscribed(endpoint.eventTypes, delivery.eventType)) {
        await unsendable(endpointUnsubscribedError);
        continue;
      }
      const event = await shownEvent(tx, delivery, subjects, render);
      if (event === undefined) {
        await unsendable(`the ${delivery.subject} or its event is not found`);
        continue;
      }
      // An event that cannot be shown fails its own delivery, not the round (nor the queue behind it).
      let body: string;
      try {
        body = JSON.stringify({
          type: delivery.eventType,
          timestamp: new Date(Number(event.atMs)).toISOString(),
          data: event.show(),
        });
      } catch (error) {
        await unsendable(`the event cannot be shown: ${String(error)}`.slice(0, 500));
        continue;
      }
      const taken = await tx.webhooks.updateDelivery(delivery, {
        ...delivery,
        nextAttemptAtMs: leaseUntilMs,
      });
      if (!taken) continue;
      const message = {
        id: `${delivery.subjectId}:${delivery.subjectSequence}`,
        type: delivery.eventType,
        body,
      };
      claimed.push({
        delivery: { ...delivery, nextAttemptAtMs: leaseUntilMs },
        endpoint,
        message,
        leaseUntilMs,
      });
    }
    return claimed;
  });
  for (const c of claimed) sending.take(c.endpoint.id);
  return claimed;
}

/** Sends what is due and records each attempt; answers what became of them. */
export async function deliverDue(
  app: AppContext,
  transport: WebhookTransport,
  render: EventRenderers,
  limit = webhookRoundMax,
  sending = new EndpointsSending(),
): Promise<Omit<DispatchRound, 'fannedOut'>> {
  const claimed = await claimDue(app, render, limit, sending);
  const sent = await Promise.all(
    claimed.map(async (c) => {
      const sentAtMs = app.clock.nowNs() / 1_000_000n;
      const target = { url: c.endpoint.url, secrets: signingSecrets(c.endpoint, sentAtMs) };
      const result = await transport
        .send(target, c.message, sentAtMs)
        .catch((error: unknown): WebhookSendResult => ({ error: String(error) }))
        // Its endpoint may be sent to again by another call: this delivery stays leased until the
        // round records it.
        .finally(() => sending.release(c.endpoint.id));
      // The wait before the next attempt runs from when this one ended: an answer that took the
      // whole timeout (10 s) would otherwise have used up the first 5 s wait, and a receiver
      // falling behind be tried again at once.
      const endedAtMs = app.clock.nowNs() / 1_000_000n;
      return { ...c, result, sentAtMs, endedAtMs };
    }),
  );
  let delivered = 0;
  let retrying = 0;
  let failed = 0;
  await app.store.write(async (tx) => {
    for (const { delivery, result, sentAtMs, endedAtMs } of sent) {
      const attempts = delivery.attempts + 1;
      const ok = answered(result);
      const next = ok ? null : nextAttemptAtMs(attempts, endedAtMs);
      let status: WebhookDeliveryRow['status'] = ok ? 'delivered' : next === null ? 'failed' : 'pending';
      const outcome = {
        attempts,
        lastAttemptAtMs: sentAtMs,
        lastResponseStatus: 'status' in result ? result.status : null,
        lastError: 'error' in result ? result.error.slice(0, 500) : null,
      };
      let recorded = await tx.webhooks.updateDelivery(delivery, {
        ...outcome,
        status,
        nextAttemptAtMs: next,
      });
      if (!recorded) {
        // Failed while it was being sent (its endpoint disabled or unsubscribed meanwhile): what
        // the attempt did is recorded all the same — delivered if it got through, else failed.
        status = ok ? 'delivered' : 'failed';
        recorded = await tx.webhooks.recordAttemptFailedMeanwhile(delivery, { ...outcome, status }, [
          endpointDisabledError,
          endpointUnsubscribedError,
        ]);
      }
      if (!recorded) continue;
      if (status === 'delivered') delivered += 1;
      else if (status === 'failed') failed += 1;
      else retrying += 1;
    }
    await recordEndpointHealth(tx, sent);
  });
  return { delivered, retrying, failed };
}

const answered = (result: WebhookSendResult) =>
  'status' in result && result.status >= 200 && result.status < 300;

/**
 * Each endpoint's failing streak: cleared by any delivery that got through, started by the first
 * that did not; an endpoint that has failed every attempt for `endpointFailingMsMax` is disabled,
 * with the last error as the reason (an operator enables it again once it is fixed).
 */
async function recordEndpointHealth(
  tx: WriteTransaction,
  sent: readonly { endpoint: WebhookEndpointRow; result: WebhookSendResult; sentAtMs: bigint }[],
): Promise<void> {
  const byEndpoint = new Map<string, (typeof sent)[number][]>();
  for (const s of sent) {
    const attempts = byEndpoint.get(s.endpoint.id) ?? [];
    attempts.push(s);
    byEndpoint.set(s.endpoint.id, attempts);
  }
  for (const [id, attempts] of byEndpoint) {
    const endpoint = await tx.webhooks.endpoint(id);
    if (endpoint === undefined || endpoint.status !== 'enabled') continue;
    const last = attempts.at(-1) as (typeof attempts)[number];
    if (attempts.some((a) => answered(a.result))) {
      if (endpoint.failingSinceMs !== null)
        await tx.webhooks.updateEndpoint({ ...endpoint, failingSinceMs: null });
      continue;
    }
    const since = endpoint.failingSinceMs ?? (attempts[0] as (typeof attempts)[number]).sentAtMs;
    if (failingTooLong(since, last.sentAtMs)) {
      const why = 'status' in last.result ? `answered ${last.result.status}` : last.result.error;
      await tx.webhooks.updateEndpoint({
        ...endpoint,
        status: 'disabled',
        failingSinceMs: since,
        disabledReason:
          `every attempt failed for ${endpointFailingMsMax / 86_400_000n} days; the last ${why}`.slice(
            0,
            500,
          ),
        updatedAtMs: last.sentAtMs,
      });
      await tx.webhooks.failPendingDeliveries(endpoint.id, endpointDisabledError);
    } else if (endpoint.failingSinceMs === null)
      await tx.webhooks.updateEndpoint({ ...endpoint, failingSinceMs: since });
  }
}

/** Rounds of sending one call makes at most while each takes a full batch: a backlog drains, a stop is not held up for long. */
export const webhookRoundsPerCall = 10;

/** Fans out, then delivers what is due — round after round while a round is full, up to `webhookRoundsPerCall`. */
export async function dispatchWebhooks(
  app: AppContext,
  transport: WebhookTransport,
  render: EventRenderers,
  sending = new EndpointsSending(),
): Promise<DispatchRound> {
  const fannedOut = await fanOutEvents(app);
  const sum = { fannedOut, delivered: 0, retrying: 0, failed: 0 };
  for (let round = 0; round < webhookRoundsPerCall; round += 1) {
    const { delivered, retrying, failed } = await deliverDue(
      app,
      transport,
      render,
      webhookRoundMax,
      sending,
    );
    sum.delivered += delivered;
    sum.retrying += retrying;
    sum.failed += failed;
    if (delivered + retrying + failed < webhookRoundMax) break;
  }
  return sum;
}

/**
 * Lets go of what is older than `webhookRetentionMs`: deliveries done with (a pending one stays
 * until it is), then outbox events already fanned out. Answers how many of each.
 */
export async function pruneWebhookHistory(app: AppContext): Promise<{ deliveries: number; events: number }> {
  const beforeMs = app.clock.nowNs() / 1_000_000n - webhookRetentionMs;
  const deliveries = await pruneInBatches(app.store, (tx, limit) =>
    tx.webhooks.pruneDeliveries(beforeMs, limit),
  );
  const events = await pruneInBatches(app.store, (tx, limit) => tx.webhooks.pruneOutbox(beforeMs, limit));
  return { deliveries, events };
}
