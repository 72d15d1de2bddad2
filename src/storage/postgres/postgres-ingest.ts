/**
 * The inbox's and feature store's write path on PostgreSQL: whole batches through unnest() with
 * hand-built array literals (see array-literal.ts), a handful of round trips per batch.
 */
import { CompiledQuery, type Kysely, sql } from 'kysely';
import {
  type FeatureRepository,
  type InboxEvent,
  type InboxRepository,
  WriteConflict,
} from '../../app/ports.ts';
import { type DailyRow, dailyCounterNames, type Fact } from '../../domain/features/projection.ts';
import { dailyFromRow, dailyUpsertSet, eventKeyOf, factPayload } from '../feature-rows.ts';
import { KyselyFeatureReader } from '../kysely-features.ts';
import { KyselyInboxReader } from '../kysely-inbox.ts';
import type { Database, FeatureDailyTable } from '../schema.ts';
import { int8ArrayLiteral, textArrayLiteral } from './array-literal.ts';

async function raw(db: Kysely<Database>, text: string, parameters: readonly unknown[]) {
  return db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, [...parameters]));
}

export class PostgresInbox extends KyselyInboxReader implements InboxRepository {
  override async bodyHashes(
    keys: readonly { readonly source: string; readonly id: string }[],
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    if (keys.length === 0) return found;
    const result = await raw(
      this.db,
      `select e.source, e.id, e.body_hash from inbox_events e
       join unnest($1::text[], $2::text[]) as k(source, id) on e.source = k.source and e.id = k.id`,
      [textArrayLiteral(keys.map((k) => k.source)), textArrayLiteral(keys.map((k) => k.id))],
    );
    for (const row of result.rows)
      found.set(eventKeyOf(String(row['source']), String(row['id'])), String(row['body_hash']));
    return found;
  }

  async insertEvents(events: readonly InboxEvent[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    if (events.length === 0) return inserted;
    const text = (pick: (e: InboxEvent) => string) => textArrayLiteral(events.map(pick));
    const int8 = (pick: (e: InboxEvent) => bigint) => int8ArrayLiteral(events.map(pick));
    const result = await raw(
      this.db,
      `insert into inbox_events (source, id, type, subject, time_ns, day, body_hash, body, origin, received_at_ms)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[], $7::text[],
         $8::text[], $9::text[], $10::int8[])
       on conflict do nothing returning source, id`,
      [
        text((e) => e.source),
        text((e) => e.id),
        text((e) => e.type),
        text((e) => e.subject),
        int8((e) => e.timeNs),
        int8((e) => BigInt(e.day)),
        text((e) => e.bodyHash),
        text((e) => e.body),
        text((e) => e.origin),
        int8((e) => e.receivedAtMs),
      ],
    );
    for (const row of result.rows) inserted.add(eventKeyOf(String(row['source']), String(row['id'])));
    return inserted;
  }

  async withdrawEvents(keys: readonly { readonly source: string; readonly id: string }[]): Promise<void> {
    if (keys.length === 0) return;
    await raw(
      this.db,
      `delete from inbox_events e using unnest($1::text[], $2::text[]) as k(source, id)
       where e.source = k.source and e.id = k.id`,
      [textArrayLiteral(keys.map((k) => k.source)), textArrayLiteral(keys.map((k) => k.id))],
    );
  }
}

/**
 * A day's counter overflowing on upsert: the batch judged it against a row another batch has added
 * to since (storedDaily reads without a lock), so it is run again, not failed.
 */
async function overflowIsConflict<T>(upsert: Promise<T>): Promise<T> {
  try {
    return await upsert;
  } catch (error) {
    if ((error as { code?: unknown }).code === '22003')
      throw new WriteConflict("a day's counters changed while the batch was read: it is read again");
    throw error;
  }
}

export class PostgresFeatures extends KyselyFeatureReader implements FeatureRepository {
  /**
   * Read without a lock (writes run at READ COMMITTED): another batch may add to a row after it is
   * read. If the two together pass 2^63 − 1, this batch's upsert overflows (22003) and `apply`
   * answers a WriteConflict: the whole batch is tried again, reads the row anew, and quarantines
   * what no longer fits.
   */
  async storedDaily(keys: readonly Pick<DailyRow, 'merchantId' | 'day' | 'currency'>[]): Promise<DailyRow[]> {
    if (keys.length === 0) return [];
    const result = await raw(
      this.db,
      `select d.* from feature_daily d
       join unnest($1::text[], $2::int8[], $3::text[]) as k(merchant_id, day, currency)
         on d.merchant_id = k.merchant_id and d.day = k.day and d.currency = k.currency`,
      [
        textArrayLiteral(keys.map((k) => k.merchantId)),
        int8ArrayLiteral(keys.map((k) => BigInt(k.day))),
        textArrayLiteral(keys.map((k) => k.currency)),
      ],
    );
    return result.rows.map((row) => dailyFromRow(row as unknown as FeatureDailyTable));
  }

  async apply(daily: readonly DailyRow[], facts: readonly Fact[]): Promise<void> {
    const touched = [
      ...new Set([...daily.map((row) => row.merchantId), ...facts.map((fact) => fact.merchantId)]),
    ].sort();
    if (touched.length > 0) {
      await sql`insert into merchant_versions (merchant_id, version)
        select m, 1 from unnest(${textArrayLiteral(touched)}::text[]) as m
        on conflict (merchant_id) do update set version = merchant_versions.version + 1`.execute(this.db);
    }
    if (daily.length > 0) {
      const counters = dailyCounterNames.map((_, index) => `$${index + 4}::int8[]`).join(', ');
      await overflowIsConflict(
        raw(
          this.db,
          `insert into feature_daily (merchant_id, day, currency, ${dailyCounterNames.join(', ')})
         select * from unnest($1::text[], $2::int8[], $3::text[], ${counters})
         on conflict (merchant_id, day, currency) do update set ${dailyUpsertSet}`,
          [
            textArrayLiteral(daily.map((row) => row.merchantId)),
            int8ArrayLiteral(daily.map((row) => BigInt(row.day))),
            textArrayLiteral(daily.map((row) => row.currency)),
            ...dailyCounterNames.map((name) => int8ArrayLiteral(daily.map((row) => row.counters[name]))),
          ],
        ),
      );
    }
    const orders = facts.filter((fact): fact is Extract<Fact, { kind: 'order' }> => fact.kind === 'order');
    if (orders.length > 0) {
      await sql`insert into feature_orders (merchant_id, event_key, day, buyer_id, currency, amount)
        select * from unnest(${textArrayLiteral(orders.map((o) => o.merchantId))}::text[],
          ${textArrayLiteral(orders.map((o) => o.eventKey))}::text[], ${int8ArrayLiteral(orders.map((o) => BigInt(o.day)))}::int8[],
          ${textArrayLiteral(orders.map((o) => o.buyerId))}::text[], ${textArrayLiteral(orders.map((o) => o.currency))}::text[],
          ${int8ArrayLiteral(orders.map((o) => o.amount))}::int8[])
        on conflict do nothing`.execute(this.db);
    }
    const others = facts.filter((fact) => fact.kind !== 'order');
    if (others.length > 0) {
      await sql`insert into feature_facts (merchant_id, kind, event_key, day, payload)
        select * from unnest(${textArrayLiteral(others.map((f) => f.merchantId))}::text[],
          ${textArrayLiteral(others.map((f) => f.kind))}::text[], ${textArrayLiteral(others.map((f) => f.eventKey))}::text[],
          ${int8ArrayLiteral(others.map((f) => BigInt(f.day)))}::int8[], ${textArrayLiteral(others.map(factPayload))}::text[])
        on conflict do nothing`.execute(this.db);
    }
  }
}
