/**
 * Webhook endpoints, the outbox and deliveries, in portable SQL through Kysely: both backends run
 * this code. The outbox itself is written by the facility and offer events' own inserts
 * (kysely-financing.ts, sqlite/sqlite-financing.ts); here it is read, fanned out and marked.
 */
import { type Kysely, sql } from 'kysely';
import type {
  OutboxEventRow,
  WebhookDeliveryRow,
  WebhookDeliveryStatus,
  WebhookEndpointRow,
  WebhookEndpointStatus,
  WebhookRepository,
} from '../app/ports.ts';
import type { EventSubject } from '../domain/webhooks/delivery.ts';
import { toBigInt, toSafeNumber } from './rows.ts';
import type { Database, WebhookDeliveriesTable, WebhookEndpointsTable } from './schema.ts';

function endpointFromRow(row: WebhookEndpointsTable): WebhookEndpointRow {
  return {
    id: row.id,
    url: row.url,
    secret: row.secret,
    previousSecret: row.previous_secret,
    previousSecretExpiresAtMs: nullable(row.previous_secret_expires_at_ms, toBigInt) as bigint | null,
    failingSinceMs: nullable(row.failing_since_ms, toBigInt) as bigint | null,
    disabledReason: row.disabled_reason,
    eventTypes: JSON.parse(row.event_types) as string[],
    description: row.description,
    status: row.status as WebhookEndpointStatus,
    createdAtMs: toBigInt(row.created_at_ms),
    updatedAtMs: toBigInt(row.updated_at_ms),
  };
}

/** The columns of an endpoint that may change: all but its id and when it was created. */
function endpointColumns(endpoint: WebhookEndpointRow) {
  return {
    url: endpoint.url,
    secret: endpoint.secret,
    previous_secret: endpoint.previousSecret,
    previous_secret_expires_at_ms: endpoint.previousSecretExpiresAtMs,
    failing_since_ms: endpoint.failingSinceMs,
    disabled_reason: endpoint.disabledReason,
    event_types: JSON.stringify(endpoint.eventTypes),
    description: endpoint.description,
    status: endpoint.status,
    updated_at_ms: endpoint.updatedAtMs,
  };
}

const nullable = <T>(value: T | null, map: (v: T) => bigint | number) => (value === null ? null : map(value));

function deliveryFromRow(row: WebhookDeliveriesTable): WebhookDeliveryRow {
  return {
    endpointId: row.endpoint_id,
    outboxSequence: toBigInt(row.outbox_sequence),
    subject: row.subject,
    subjectId: row.subject_id,
    subjectSequence: toSafeNumber(row.subject_sequence),
    eventType: row.event_type,
    status: row.status as WebhookDeliveryStatus,
    attempts: toSafeNumber(row.attempts),
    nextAttemptAtMs: nullable(row.next_attempt_at_ms, toBigInt) as bigint | null,
    lastAttemptAtMs: nullable(row.last_attempt_at_ms, toBigInt) as bigint | null,
    lastResponseStatus: nullable(row.last_response_status, toSafeNumber) as number | null,
    lastError: row.last_error,
    createdAtMs: toBigInt(row.created_at_ms),
  };
}

/** Rows a statement inserts at most: SQLite allows 32,766 bound values, PostgreSQL 65,535. */
const insertChunk = 1_000;

export class KyselyWebhooks implements WebhookRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async endpoint(id: string): Promise<WebhookEndpointRow | undefined> {
    const row = await this.db
      .selectFrom('webhook_endpoints')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : endpointFromRow(row);
  }

  async endpoints(page: { readonly after?: string; readonly limit: number }): Promise<WebhookEndpointRow[]> {
    let query = this.db.selectFrom('webhook_endpoints').selectAll();
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    return (await query.orderBy('id').limit(page.limit).execute()).map(endpointFromRow);
  }

  async deliveries(
    endpointId: string,
    page: {
      readonly beforeSequence?: bigint;
      readonly status?: WebhookDeliveryStatus;
      readonly limit: number;
    },
  ): Promise<WebhookDeliveryRow[]> {
    let query = this.db.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId);
    if (page.beforeSequence !== undefined) query = query.where('outbox_sequence', '<', page.beforeSequence);
    if (page.status !== undefined) query = query.where('status', '=', page.status);
    return (await query.orderBy('outbox_sequence', 'desc').limit(page.limit).execute()).map(deliveryFromRow);
  }

  async insertEndpoint(endpoint: WebhookEndpointRow): Promise<void> {
    await this.db
      .insertInto('webhook_endpoints')
      .values({ id: endpoint.id, created_at_ms: endpoint.createdAtMs, ...endpointColumns(endpoint) })
      .execute();
  }

  async updateEndpoint(endpoint: WebhookEndpointRow): Promise<void> {
    await this.db
      .updateTable('webhook_endpoints')
      .set(endpointColumns(endpoint))
      .where('id', '=', endpoint.id)
      .execute();
  }

  /**
   * The outbox with each event's type and time, from the history of what it is about; the ledger's
   * one event, a day's checkpoint made, has no history to join.
   */
  private outboxWithTypes() {
    const eventType = sql`coalesce(f.type, v.type, case when o.subject = 'ledger' then 'checkpoint.created' end)`;
    return this.db
      .selectFrom('outbox_events as o')
      .leftJoin('facility_events as f', (join) =>
        join
          .on('o.subject', '=', 'facility')
          .onRef('f.facility_id', '=', 'o.subject_id')
          .onRef('f.sequence', '=', 'o.subject_sequence'),
      )
      .leftJoin('offer_events as v', (join) =>
        join
          .on('o.subject', '=', 'offer')
          .onRef('v.offer_id', '=', 'o.subject_id')
          .onRef('v.sequence', '=', 'o.subject_sequence'),
      )
      .select([
        'o.sequence',
        'o.subject',
        'o.subject_id',
        'o.subject_sequence',
        sql<string>`${eventType}`.as('type'),
        'o.recorded_at_ms as at_ms',
      ])
      .where(sql<boolean>`${eventType} is not null`);
  }

  async pendingOutbox(limit: number): Promise<OutboxEventRow[]> {
    const rows = await this.outboxWithTypes()
      .where('o.fanned_out', '=', 0)
      .orderBy('o.sequence')
      .limit(limit)
      .execute();
    return rows.map(outboxFromRow);
  }

  async outboxSince(
    sinceMs: bigint,
    page: { readonly afterSequence: bigint; readonly limit: number },
  ): Promise<OutboxEventRow[]> {
    const rows = await this.outboxWithTypes()
      .where('o.sequence', '>', page.afterSequence)
      .where('o.recorded_at_ms', '>=', sinceMs)
      .orderBy('o.sequence')
      .limit(page.limit)
      .execute();
    return rows.map(outboxFromRow);
  }

  async markFannedOut(sequences: readonly bigint[]): Promise<void> {
    for (let start = 0; start < sequences.length; start += insertChunk)
      await this.db
        .updateTable('outbox_events')
        .set({ fanned_out: 1 })
        .where('sequence', 'in', sequences.slice(start, start + insertChunk))
        .execute();
  }

  async insertDeliveries(deliveries: readonly WebhookDeliveryRow[]): Promise<void> {
    await this.writeDeliveries(deliveries, false);
  }

  async requeueDeliveries(deliveries: readonly WebhookDeliveryRow[]): Promise<void> {
    await this.writeDeliveries(deliveries, true);
  }

  private async writeDeliveries(deliveries: readonly WebhookDeliveryRow[], requeue: boolean): Promise<void> {
    for (let start = 0; start < deliveries.length; start += insertChunk) {
      await this.db
        .insertInto('webhook_deliveries')
        .values(
          deliveries.slice(start, start + insertChunk).map((d) => ({
            endpoint_id: d.endpointId,
            outbox_sequence: d.outboxSequence,
            subject: d.subject,
            subject_id: d.subjectId,
            subject_sequence: d.subjectSequence,
            event_type: d.eventType,
            status: d.status,
            attempts: d.attempts,
            next_attempt_at_ms: d.nextAttemptAtMs,
            last_attempt_at_ms: d.lastAttemptAtMs,
            last_response_status: d.lastResponseStatus,
            last_error: d.lastError,
            created_at_ms: d.createdAtMs,
          })),
        )
        .onConflict((conflict) => {
          const key = conflict.columns(['endpoint_id', 'outbox_sequence']);
          return requeue
            ? key.doUpdateSet({
                status: 'pending',
                attempts: 0,
                next_attempt_at_ms: sql<bigint>`excluded.next_attempt_at_ms`,
              })
            : key.doNothing();
        })
        .execute();
    }
  }

  async pruneOutbox(beforeMs: bigint, limit: number): Promise<number> {
    // The newest row always stays: on SQLite a sequence is a rowid, one more than the largest
    // present, so an emptied outbox would hand out numbers its deliveries still hold.
    const result = await this.db
      .deleteFrom('outbox_events')
      .where(
        'sequence',
        'in',
        this.db
          .selectFrom('outbox_events')
          .select('sequence')
          .where('recorded_at_ms', '<', beforeMs)
          .where('fanned_out', '=', 1)
          .where('sequence', '<', (eb) =>
            eb.selectFrom('outbox_events').select(eb.fn.max('sequence').as('newest')),
          )
          .orderBy('recorded_at_ms')
          .limit(limit),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async pruneDeliveries(beforeMs: bigint, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('webhook_deliveries')
      .where((eb) =>
        eb(
          eb.refTuple('endpoint_id', 'outbox_sequence'),
          'in',
          eb
            .selectFrom('webhook_deliveries')
            .select(['endpoint_id', 'outbox_sequence'])
            .where('created_at_ms', '<', beforeMs)
            .where('status', '<>', 'pending')
            .orderBy('created_at_ms')
            .limit(limit)
            .$asTuple('endpoint_id', 'outbox_sequence'),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async dueDeliveries(
    nowMs: bigint,
    limit: number,
    exceptEndpoints: readonly string[] = [],
  ): Promise<WebhookDeliveryRow[]> {
    let query = this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at_ms', '<=', nowMs);
    if (exceptEndpoints.length > 0) query = query.where('endpoint_id', 'not in', [...exceptEndpoints]);
    const rows = await query.orderBy('next_attempt_at_ms').orderBy('outbox_sequence').limit(limit).execute();
    return rows.map(deliveryFromRow);
  }

  async failPendingDeliveries(
    endpointId: string,
    lastError: string,
    keptTypes: readonly string[] = [],
  ): Promise<number> {
    let query = this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'failed', next_attempt_at_ms: null, last_error: lastError })
      .where('endpoint_id', '=', endpointId)
      .where('status', '=', 'pending');
    if (keptTypes.length > 0) query = query.where('event_type', 'not in', [...keptTypes]);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async recordAttemptFailedMeanwhile(
    read: Pick<WebhookDeliveryRow, 'endpointId' | 'outboxSequence' | 'attempts'>,
    change: Pick<
      WebhookDeliveryRow,
      'status' | 'attempts' | 'lastAttemptAtMs' | 'lastResponseStatus' | 'lastError'
    >,
    reasons: readonly string[],
  ): Promise<boolean> {
    const result = await this.db
      .updateTable('webhook_deliveries')
      .set({
        status: change.status,
        attempts: change.attempts,
        last_attempt_at_ms: change.lastAttemptAtMs,
        last_response_status: change.lastResponseStatus,
        // Failed, it keeps the reason it was failed for unless the attempt brings one of its own.
        last_error:
          change.status === 'failed' && change.lastError === null
            ? sql<string>`last_error`
            : change.lastError,
      })
      .where('endpoint_id', '=', read.endpointId)
      .where('outbox_sequence', '=', read.outboxSequence)
      .where('attempts', '=', read.attempts)
      .where('status', '=', 'failed')
      .where('next_attempt_at_ms', 'is', null)
      .where('last_error', 'in', [...reasons])
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async updateDelivery(
    read: Pick<WebhookDeliveryRow, 'endpointId' | 'outboxSequence' | 'attempts' | 'nextAttemptAtMs'>,
    change: Pick<
      WebhookDeliveryRow,
      'status' | 'attempts' | 'nextAttemptAtMs' | 'lastAttemptAtMs' | 'lastResponseStatus' | 'lastError'
    >,
  ): Promise<boolean> {
    let query = this.db
      .updateTable('webhook_deliveries')
      .set({
        status: change.status,
        attempts: change.attempts,
        next_attempt_at_ms: change.nextAttemptAtMs,
        last_attempt_at_ms: change.lastAttemptAtMs,
        last_response_status: change.lastResponseStatus,
        last_error: change.lastError,
      })
      .where('endpoint_id', '=', read.endpointId)
      .where('outbox_sequence', '=', read.outboxSequence)
      .where('attempts', '=', read.attempts)
      .where('status', '=', 'pending');
    query =
      read.nextAttemptAtMs === null
        ? query.where('next_attempt_at_ms', 'is', null)
        : query.where('next_attempt_at_ms', '=', read.nextAttemptAtMs);
    const result = await query.executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }
}

function outboxFromRow(row: {
  sequence: bigint;
  subject: EventSubject;
  subject_id: string;
  subject_sequence: number;
  type: string;
  at_ms: bigint;
}): OutboxEventRow {
  return {
    sequence: toBigInt(row.sequence),
    subject: row.subject,
    subjectId: row.subject_id,
    subjectSequence: toSafeNumber(row.subject_sequence),
    type: row.type,
    atMs: toBigInt(row.at_ms),
  };
}
