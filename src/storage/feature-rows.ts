/**
 * Row mapping for the inbox, the quarantine and the feature store, shared by both backends. Facts
 * are stored as JSON payloads (bigints as strings) in one table keyed by merchant, kind and event;
 * orders have their own narrow table because buyer concentration groups them in SQL.
 */
import type { InboxEvent, QuarantineEntry, QuarantineSender, QuarantineStatus } from '../app/ports.ts';
import type { DailyCounterName, DailyRow, Fact } from '../domain/features/projection.ts';
import { dailyCounterNames } from '../domain/features/projection.ts';
import { toBigInt, toSafeNumber } from './rows.ts';
import type { FeatureDailyTable, FeatureFactsTable, InboxEventsTable, QuarantineTable } from './schema.ts';

/** The fields a fact carries bigints in (stored as strings); facts are flat. */
const bigintFields = ['amount', 'quantity', 'unitValue', 'unitCost', 'timeNs'] as const;

export function factPayload(fact: Fact): string {
  return JSON.stringify(fact, (key, value) =>
    typeof value === 'bigint' ? value.toString() : key === 'merchantId' ? undefined : value,
  );
}

/**
 * A fact from its row — its payload's keys in order, the merchant last — with the bigint fields
 * converted after parsing: parsing through a reviver took more than twice as long (3 µs a fact).
 */
export function factFromRow(row: Pick<FeatureFactsTable, 'merchant_id' | 'payload'>): Fact {
  const parsed = JSON.parse(row.payload) as Record<string, unknown>;
  for (const field of bigintFields) {
    const value = parsed[field];
    if (typeof value === 'string') parsed[field] = BigInt(value);
  }
  return { ...parsed, merchantId: row.merchant_id } as Fact;
}

export function inboxEventToRow(event: InboxEvent): InboxEventsTable {
  return {
    source: event.source,
    id: event.id,
    type: event.type,
    subject: event.subject,
    time_ns: event.timeNs,
    day: BigInt(event.day),
    body_hash: event.bodyHash,
    body: event.body,
    origin: event.origin,
    received_at_ms: event.receivedAtMs,
  };
}

export function quarantineToRow(entry: QuarantineEntry): QuarantineTable {
  return {
    id: entry.id,
    fingerprint: entry.fingerprint,
    origin: entry.origin,
    line: entry.line === null ? null : BigInt(entry.line),
    source: entry.source,
    event_id: entry.eventId,
    event_type: entry.eventType,
    code: entry.code,
    field: entry.field,
    detail: entry.detail,
    raw: entry.raw,
    status: entry.status,
    first_seen_ms: entry.firstSeenMs,
    last_seen_ms: entry.lastSeenMs,
    seen_count: entry.seenCount,
    resolved_at_ms: entry.resolvedAtMs,
    resolution: entry.resolution,
    sender_role: entry.sender?.role ?? null,
    sender_platform: entry.sender?.role === 'platform' ? entry.sender.platform : null,
  };
}

export function quarantineFromRow(row: QuarantineTable): QuarantineEntry {
  return {
    id: row.id,
    fingerprint: row.fingerprint,
    origin: row.origin,
    line: row.line === null ? null : toSafeNumber(row.line),
    source: row.source,
    eventId: row.event_id,
    eventType: row.event_type,
    code: row.code,
    field: row.field,
    detail: row.detail,
    raw: row.raw,
    status: row.status as QuarantineStatus,
    firstSeenMs: toBigInt(row.first_seen_ms),
    lastSeenMs: toBigInt(row.last_seen_ms),
    seenCount: toBigInt(row.seen_count),
    resolvedAtMs: row.resolved_at_ms === null ? null : toBigInt(row.resolved_at_ms),
    resolution: row.resolution,
    sender: senderFromRow(row),
  };
}

function senderFromRow(
  row: Pick<QuarantineTable, 'sender_role' | 'sender_platform'>,
): QuarantineSender | null {
  if (row.sender_role === 'operator') return { role: 'operator' };
  if (row.sender_role === 'platform' && row.sender_platform !== null)
    return { role: 'platform', platform: row.sender_platform };
  return null;
}

export function dailyFromRow(row: FeatureDailyTable): DailyRow {
  const counters = {} as Record<DailyCounterName, bigint>;
  for (const name of dailyCounterNames) counters[name] = toBigInt(row[name]);
  return { merchantId: row.merchant_id, day: toSafeNumber(row.day), currency: row.currency, counters };
}

/** The upsert's SET list: every counter adds the incoming value to the stored one. */
export const dailyUpsertSet = dailyCounterNames
  .map((name) => `${name} = feature_daily.${name} + excluded.${name}`)
  .join(', ');

export const dailyInsertColumns = ['merchant_id', 'day', 'currency', ...dailyCounterNames] as const;

export function dailyValues(row: DailyRow): (string | bigint)[] {
  return [
    row.merchantId,
    BigInt(row.day),
    row.currency,
    ...dailyCounterNames.map((name) => row.counters[name]),
  ];
}

/**
 * A buyer's orders summed in SQL as the high and low 32 bits of each amount: each order fits 64
 * bits, but a year of them may not — SQLite's sum() then fails the whole read ("integer overflow"),
 * and with it every feature and decision of the merchant. Each half's sum fits 64 bits up to 2^31
 * orders (a high half is below 2^31, a low one below 2^32); put back together by buyerAmount.
 */
export const buyerAmountHighSql = 'sum("amount" >> 32)';
export const buyerAmountLowSql = 'sum("amount" & 4294967295)';

export function buyerAmount(high: unknown, low: unknown): bigint {
  return (toBigInt(high) << 32n) + toBigInt(low);
}

export function eventKeyOf(source: string, id: string): string {
  return `${source} ${id}`;
}
