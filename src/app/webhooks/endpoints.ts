/**
 * Webhook endpoints, as an operator manages them: registered with a URL and the event types wanted
 * (none: all of them) and given a signing secret; its secret rotated (the previous one signing
 * beside it for a while); disabled when no longer wanted (their pending deliveries are not sent);
 * and replayed — every event recorded since a moment delivered again, with its original id.
 */
import { err, ok, type Result } from '../../domain/result.ts';
import {
  endpointDisabledError,
  endpointUnsubscribedError,
  eventTypes,
} from '../../domain/webhooks/delivery.ts';
import type { AppContext } from '../app-context.ts';
import { type Actor, lockAuditedChanges, recordAudit } from '../audit/audit-log.ts';
import type { WebhookEndpointRow, WriteTransaction } from '../ports.ts';
import { deliveriesOf } from './dispatch.ts';

/** The signing key's length: 24 random bytes, as Standard Webhooks' reference senders make them. */
export const webhookSecretBytes = 24;
export const webhookUrlLengthMax = 2_048;

export type EndpointProblem = 'webhook_url_invalid' | 'webhook_event_type_unknown';

export interface NewEndpoint {
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly description: string;
}

function urlProblem(text: string): string | null {
  if (text.length > webhookUrlLengthMax) return `at most ${webhookUrlLengthMax} characters`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'http or https only';
  if (url.username !== '' || url.password !== '') return 'no credentials in the URL';
  return null;
}

/** A new signing secret: `whsec_` and standard base64, as Standard Webhooks writes them (24 bytes: no padding). */
function newSecret(app: AppContext): string {
  return `whsec_${app.entropy.secret(webhookSecretBytes).replaceAll('-', '+').replaceAll('_', '/')}`;
}

/** What is wrong with an endpoint's URL or event types, if anything. */
function inputProblem(
  input: Partial<Pick<NewEndpoint, 'url' | 'eventTypes'>>,
): Result<never, EndpointProblem> | null {
  const problem = input.url === undefined ? null : urlProblem(input.url);
  if (problem !== null) return err('webhook_url_invalid', `url: ${problem}`);
  const unknown = input.eventTypes?.find((type) => !eventTypes.includes(type));
  if (unknown !== undefined)
    return err('webhook_event_type_unknown', `${unknown} is not an event type (${eventTypes.join(', ')})`);
  return null;
}

export async function createEndpoint(
  tx: WriteTransaction,
  app: AppContext,
  input: NewEndpoint,
  by: Actor,
): Promise<Result<WebhookEndpointRow, EndpointProblem>> {
  const problem = inputProblem(input);
  if (problem !== null) return problem;
  const nowMs = app.clock.nowNs() / 1_000_000n;
  const endpoint: WebhookEndpointRow = {
    id: app.entropy.id('whe'),
    url: input.url,
    secret: newSecret(app),
    previousSecret: null,
    previousSecretExpiresAtMs: null,
    failingSinceMs: null,
    disabledReason: null,
    eventTypes: [...new Set(input.eventTypes)],
    description: input.description,
    status: 'enabled',
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
  };
  await tx.webhooks.insertEndpoint(endpoint);
  await recordAudit(tx, by, 'webhook_endpoint.created', endpoint.id, {
    url: endpoint.url,
    events: endpoint.eventTypes,
    description: endpoint.description,
  });
  return ok(endpoint);
}

export type EndpointChangeProblem = 'webhook_endpoint_not_found' | 'webhook_endpoint_disabled';

export interface EndpointChange {
  readonly url?: string;
  readonly eventTypes?: readonly string[];
  readonly description?: string;
  readonly status?: WebhookEndpointRow['status'];
}

const instant = (ms: bigint | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/**
 * What a change altered of an endpoint, each field `{from, to}` (the secret is never one of them):
 * enabled again, the failing streak it forgets (`failingSince`) and the reason Capstan disabled it
 * (`disabledReason`) too — an endpoint enabled while still enabled, but failing, changes only those.
 */
function endpointChanges(before: WebhookEndpointRow, after: WebhookEndpointRow) {
  const fields = {
    url: [before.url, after.url],
    events: [before.eventTypes, after.eventTypes],
    description: [before.description, after.description],
    status: [before.status, after.status],
    failingSince: [instant(before.failingSinceMs), instant(after.failingSinceMs)],
    disabledReason: [before.disabledReason, after.disabledReason],
  } as const;
  return Object.fromEntries(
    Object.entries(fields)
      .filter(([, [from, to]]) => JSON.stringify(from) !== JSON.stringify(to))
      .map(([field, [from, to]]) => [field, { from, to }]),
  );
}

/**
 * The endpoint changed and written. Enabled again, it gets the events fanned out from then on: those
 * recorded while it was disabled were fanned out to others (a replay sends them). Disabled, its
 * pending deliveries fail unsent at once; subscribed to fewer types, so do those of the types it dropped.
 */
async function changed(
  tx: WriteTransaction,
  app: AppContext,
  endpoint: WebhookEndpointRow,
  change: EndpointChange,
): Promise<WebhookEndpointRow> {
  const nowMs = app.clock.nowNs() / 1_000_000n;
  const updated: WebhookEndpointRow = {
    ...endpoint,
    url: change.url ?? endpoint.url,
    eventTypes: change.eventTypes === undefined ? endpoint.eventTypes : [...new Set(change.eventTypes)],
    description: change.description ?? endpoint.description,
    status: change.status ?? endpoint.status,
    // Enabled (again) or disabled by an operator, it starts afresh: no failures counted, no reason of Capstan's.
    ...(change.status === undefined ? {} : { failingSinceMs: null, disabledReason: null }),
    updatedAtMs: nowMs,
  };
  await tx.webhooks.updateEndpoint(updated);
  // What is pending and will no longer be sent fails now, saying why — not at its next attempt,
  // which an endpoint enabled again (or subscribed again) before it fell due would otherwise get.
  if (updated.status === 'disabled' && endpoint.status !== 'disabled')
    await tx.webhooks.failPendingDeliveries(endpoint.id, endpointDisabledError);
  else if (updated.eventTypes.length > 0 && change.eventTypes !== undefined)
    await tx.webhooks.failPendingDeliveries(endpoint.id, endpointUnsubscribedError, updated.eventTypes);
  return updated;
}

/**
 * Changes an endpoint's URL, event types, description or status (`changed`); what it altered goes in
 * the audit log as `by`'s, nothing when it altered nothing.
 */
export async function updateEndpoint(
  tx: WriteTransaction,
  app: AppContext,
  id: string,
  change: EndpointChange,
  by: Actor,
): Promise<Result<WebhookEndpointRow, EndpointProblem | 'webhook_endpoint_not_found'>> {
  // Two at once judge what they alter by what they find: one at a time, so each is recorded once.
  await lockAuditedChanges(tx);
  const endpoint = await tx.webhooks.endpoint(id);
  if (endpoint === undefined) return err('webhook_endpoint_not_found');
  const problem = inputProblem(change);
  if (problem !== null) return problem;
  const updated = await changed(tx, app, endpoint, change);
  const changes = endpointChanges(endpoint, updated);
  if (Object.keys(changes).length > 0) await recordAudit(tx, by, 'webhook_endpoint.updated', id, { changes });
  return ok(updated);
}

/**
 * Disables an endpoint (unchanged if it is): nothing more is fanned out to it, and what was pending
 * fails unsent; in the audit log as `by`'s when it was enabled.
 */
export async function disableEndpoint(
  tx: WriteTransaction,
  app: AppContext,
  id: string,
  by: Actor,
): Promise<Result<WebhookEndpointRow, 'webhook_endpoint_not_found'>> {
  await lockAuditedChanges(tx);
  const endpoint = await tx.webhooks.endpoint(id);
  if (endpoint === undefined) return err('webhook_endpoint_not_found');
  if (endpoint.status === 'disabled') return ok(endpoint);
  const disabled = await changed(tx, app, endpoint, { status: 'disabled' });
  await recordAudit(tx, by, 'webhook_endpoint.disabled', id, { url: disabled.url });
  return ok(disabled);
}

/** The endpoint, if there is one and it is enabled. */
async function enabledEndpoint(
  tx: WriteTransaction,
  id: string,
): Promise<Result<WebhookEndpointRow, EndpointChangeProblem>> {
  const endpoint = await tx.webhooks.endpoint(id);
  if (endpoint === undefined) return err('webhook_endpoint_not_found');
  return endpoint.status === 'disabled' ? err('webhook_endpoint_disabled') : ok(endpoint);
}

/** How long a rotated-out secret may go on signing, at most: a week. */
export const previousSecretHoursMax = 168;

/**
 * A new signing secret for the endpoint. The one it replaces goes on signing beside it — each
 * message carries both signatures — for `previousValidHours` (0: it stops at once), so a receiver
 * can change its secret without refusing a message in between.
 */
export async function rotateEndpointSecret(
  tx: WriteTransaction,
  app: AppContext,
  id: string,
  previousValidHours: number,
  by: Actor,
): Promise<Result<WebhookEndpointRow, EndpointChangeProblem>> {
  const found = await enabledEndpoint(tx, id);
  if (!found.ok) return found;
  const endpoint = found.value;
  const nowMs = app.clock.nowNs() / 1_000_000n;
  const rotated: WebhookEndpointRow = {
    ...endpoint,
    secret: newSecret(app),
    previousSecret: previousValidHours > 0 ? endpoint.secret : null,
    previousSecretExpiresAtMs:
      previousValidHours > 0 ? nowMs + BigInt(previousValidHours) * 3_600_000n : null,
    updatedAtMs: nowMs,
  };
  await tx.webhooks.updateEndpoint(rotated);
  await recordAudit(tx, by, 'webhook_endpoint.secret_rotated', id, { previousValidHours });
  return ok(rotated);
}

/** Events replayed in one call, at most: a longer replay is asked for again from where it stopped. */
export const replayEventsMax = 10_000;

export interface Replayed {
  /** Deliveries made pending again or anew. */
  readonly deliveries: number;
  /** True when `replayEventsMax` events were looked at: more may remain after `lastSequence`. */
  readonly hasMore: boolean;
  readonly lastSequence: bigint | null;
}

/**
 * Delivers again, due at once, every event recorded at or after `sinceMs` that the endpoint takes
 * (after outbox sequence `afterSequence`, to continue a long replay), whatever became of it before.
 */
export async function replayEndpoint(
  tx: WriteTransaction,
  app: AppContext,
  id: string,
  sinceMs: bigint,
  afterSequence = 0n,
): Promise<Result<Replayed, EndpointChangeProblem>> {
  const found = await enabledEndpoint(tx, id);
  if (!found.ok) return found;
  const endpoint = found.value;
  const nowMs = app.clock.nowNs() / 1_000_000n;
  let scanned = 0;
  let deliveries = 0;
  let last = afterSequence;
  while (scanned < replayEventsMax) {
    const page = await tx.webhooks.outboxSince(sinceMs, {
      afterSequence: last,
      limit: Math.min(1_000, replayEventsMax - scanned),
    });
    if (page.length === 0)
      return ok({ deliveries, hasMore: false, lastSequence: scanned === 0 ? null : last });
    last = (page.at(-1) as (typeof page)[number]).sequence;
    const again = deliveriesOf(page, [endpoint], nowMs);
    await tx.webhooks.requeueDeliveries(again);
    scanned += page.length;
    deliveries += again.length;
  }
  return ok({ deliveries, hasMore: true, lastSequence: last });
}
