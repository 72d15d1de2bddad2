/**
 * The inbox's and feature store's write path on SQLite: prepared statements, one row each, inside
 * the store's write transaction (see sqlite-ledger.ts for why row by row is the fast way here). And
 * the feature store's hot read, a merchant's inputs as of a day, through prepared statements too.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { FeatureRepository, InboxEvent, InboxRepository } from '../../app/ports.ts';
import { assert } from '../../domain/assert.ts';
import {
  type FeatureInputs,
  featureHistoryDays,
  inventorySnapshotAgeDaysMax,
} from '../../domain/features/features.ts';
import {
  type DailyCounters,
  type DailyRow,
  dailyCounterNames,
  type Fact,
} from '../../domain/features/projection.ts';
import {
  buyerAmount,
  buyerAmountHighSql,
  buyerAmountLowSql,
  dailyFromRow,
  dailyInsertColumns,
  dailyUpsertSet,
  dailyValues,
  eventKeyOf,
  factFromRow,
  factPayload,
} from '../feature-rows.ts';
import { KyselyFeatureReader, latestSnapshots } from '../kysely-features.ts';
import { KyselyInboxReader } from '../kysely-inbox.ts';
import { toSafeNumber } from '../rows.ts';
import type { Database, FeatureDailyTable, FeatureFactsTable, InboxEventsTable } from '../schema.ts';

const inboxColumns = [
  'source',
  'id',
  'type',
  'subject',
  'time_ns',
  'day',
  'body_hash',
  'body',
  'origin',
  'received_at_ms',
] as const satisfies readonly (keyof InboxEventsTable)[];

/**
 * The bigints of small values, made once: most of a merchant's daily cells are 0 or a small count
 * (93% below 1,024 on the default demo, 83% zero), and a bigint made per cell was most of the cost
 * of reading a year of rows. Bigints are immutable, so sharing them changes nothing.
 */
const sharedBigIntsMax = 1_024;
const sharedBigInts = Array.from({ length: sharedBigIntsMax }, (_, value) => BigInt(value));

function bigintOf(value: unknown): bigint {
  const number = value as number;
  return number >= 0 && number < sharedBigIntsMax ? (sharedBigInts[number] as bigint) : BigInt(number);
}

/** Where a daily row's counters start in the select list (after merchant_id, day, currency). */
const firstCounterColumn = 3;

/**
 * A daily row's counters from its cells, written out as one object literal: filled name by name
 * (as dailyFromRow does) they cost more than the query. In dailyCounterNames order, checked below,
 * so the objects are the portable reader's key for key.
 */
function countersOf(row: readonly unknown[]): DailyCounters {
  return {
    gmv: bigintOf(row[3]),
    orders: bigintOf(row[4]),
    cancelled_orders: bigintOf(row[5]),
    cancelled_amount: bigintOf(row[6]),
    refunded_amount: bigintOf(row[7]),
    refunds: bigintOf(row[8]),
    returns: bigintOf(row[9]),
    captured_amount: bigintOf(row[10]),
    shipments: bigintOf(row[11]),
    deliveries: bigintOf(row[12]),
    on_time_deliveries: bigintOf(row[13]),
    delay_days: bigintOf(row[14]),
    rating_sum: bigintOf(row[15]),
    ratings: bigintOf(row[16]),
    settlements: bigintOf(row[17]),
    settlement_gross: bigintOf(row[18]),
    settlement_fees: bigintOf(row[19]),
    settlement_refunds: bigintOf(row[20]),
    settlement_chargebacks: bigintOf(row[21]),
    settlement_net: bigintOf(row[22]),
  };
}

{
  const probe = countersOf(
    Array.from({ length: firstCounterColumn + dailyCounterNames.length }, (_, i) => i),
  );
  assert(
    Object.keys(probe).join() === dailyCounterNames.join() &&
      dailyCounterNames.every((name, index) => probe[name] === BigInt(firstCounterColumn + index)),
    'countersOf reads every counter, from its own column, in dailyCounterNames order',
  );
}

type FactOf<K extends Fact['kind']> = Extract<Fact, { kind: K }>;

function placeholders(count: number): string {
  return new Array(count).fill('?').join(', ');
}

export class SqliteInbox extends KyselyInboxReader implements InboxRepository {
  private readonly statements;

  constructor(db: Kysely<Database>, connection: BetterSqlite3.Database) {
    super(db);
    this.statements = {
      insert: connection.prepare(
        `insert into inbox_events (${inboxColumns.join(', ')}) values (${placeholders(inboxColumns.length)}) on conflict do nothing`,
      ),
      hash: connection.prepare<[string, string], { body_hash: string }>(
        'select body_hash from inbox_events where source = ? and id = ?',
      ),
      withdraw: connection.prepare<[string, string]>('delete from inbox_events where source = ? and id = ?'),
    };
  }

  async withdrawEvents(keys: readonly { readonly source: string; readonly id: string }[]): Promise<void> {
    for (const key of keys) this.statements.withdraw.run(key.source, key.id);
  }

  override async bodyHashes(
    keys: readonly { readonly source: string; readonly id: string }[],
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const key of keys) {
      const row = this.statements.hash.get(key.source, key.id);
      if (row !== undefined) found.set(eventKeyOf(key.source, key.id), row.body_hash);
    }
    return found;
  }

  async insertEvents(events: readonly InboxEvent[]): Promise<Set<string>> {
    const inserted = new Set<string>();
    const { insert } = this.statements;
    for (const e of events) {
      // In inboxColumns order; positional, so the hot loop allocates nothing per row.
      const result = insert.run(
        e.source,
        e.id,
        e.type,
        e.subject,
        e.timeNs,
        BigInt(e.day),
        e.bodyHash,
        e.body,
        e.origin,
        e.receivedAtMs,
      );
      if (result.changes === 1) inserted.add(eventKeyOf(e.source, e.id));
    }
    return inserted;
  }
}

export class SqliteFeatures extends KyselyFeatureReader implements FeatureRepository {
  private readonly statements;

  constructor(db: Kysely<Database>, connection: BetterSqlite3.Database) {
    super(db);
    this.statements = {
      daily: connection.prepare(
        `insert into feature_daily (${dailyInsertColumns.join(', ')}) values (${placeholders(dailyInsertColumns.length)})
         on conflict (merchant_id, day, currency) do update set ${dailyUpsertSet}`,
      ),
      order: connection.prepare(
        `insert into feature_orders (merchant_id, event_key, day, buyer_id, currency, amount)
         values (?, ?, ?, ?, ?, ?) on conflict do nothing`,
      ),
      fact: connection.prepare(
        'insert into feature_facts (merchant_id, kind, event_key, day, payload) values (?, ?, ?, ?, ?) on conflict do nothing',
      ),
      // Rows as arrays of plain numbers: creating an object and a BigInt per cell cost more than
      // the query (3 ms for a merchant's year). A value past 2^53 shows up as an unsafe integer,
      // and then the range is read again exactly. The statements below are the SQL the portable
      // reader (kysely-features.ts) runs, so the rows come in the same order.
      dailyFast: connection
        .prepare<[string, bigint, bigint], unknown[]>(
          `select ${dailyInsertColumns.join(', ')} from feature_daily where merchant_id = ? and day >= ? and day <= ?`,
        )
        .raw(true)
        .safeIntegers(false),
      dailyExact: connection.prepare<[string, bigint, bigint], FeatureDailyTable>(
        'select * from feature_daily where merchant_id = ? and day >= ? and day <= ?',
      ),
      // A counter an older version let overflow is a REAL in SQLite: read as the bound it passed,
      // so what would add to it is refused (daily_total_out_of_range) and the rest of a batch applies.
      dailyRow: connection.prepare<[string, bigint, string], FeatureDailyTable>(
        `select merchant_id, day, currency, ${dailyCounterNames
          .map(
            (name) =>
              `case when typeof(${name}) = 'integer' then ${name} when ${name} > 0 then 9223372036854775807 else -9223372036854775807 end as ${name}`,
          )
          .join(', ')} from feature_daily where merchant_id = ? and day = ? and currency = ?`,
      ),
      firstDay: connection
        .prepare<[string, bigint], bigint | null>(
          'select min("day") as "first" from "feature_daily" where "merchant_id" = ? and "day" <= ?',
        )
        .pluck(),
      lastSaleDay: connection
        .prepare<[string, bigint, bigint], bigint | null>(
          'select max("day") as "last" from "feature_daily" where "merchant_id" = ? and "day" <= ? and "orders" > ?',
        )
        .pluck(),
      buyers: connection.prepare<
        [string, bigint, bigint],
        { buyer_id: string; currency: string; amount_high: unknown; amount_low: unknown }
      >(
        `select "buyer_id", "currency", ${buyerAmountHighSql} as "amount_high", ${buyerAmountLowSql} as "amount_low" from "feature_orders" where "merchant_id" = ? and "day" >= ? and "day" <= ? group by "buyer_id", "currency"`,
      ),
      facts: connection.prepare<
        [string, string, bigint, bigint],
        Pick<FeatureFactsTable, 'merchant_id' | 'payload'>
      >(
        'select "merchant_id", "payload" from "feature_facts" where "merchant_id" = ? and "kind" = ? and "day" >= ? and "day" <= ? order by "day", "event_key"',
      ),
      version: connection.prepare(
        'insert into merchant_versions (merchant_id, version) values (?, 1) on conflict (merchant_id) do update set version = merchant_versions.version + 1',
      ),
    };
  }

  /**
   * What the portable reader's loadInputs answers (kysely-features.ts) — the same rows, in the same
   * order, as the same objects — through prepared statements, and with the daily rows made straight
   * into DailyRow: deciding and training read a year of them for every merchant they look at.
   */
  override async loadInputs(merchantId: string, asOfDay: number): Promise<FeatureInputs> {
    const from = BigInt(asOfDay - featureHistoryDays + 1);
    const to = BigInt(asOfDay);
    const { firstDay, lastSaleDay, buyers } = this.statements;
    const first = firstDay.get(merchantId, to) ?? null;
    const lastSale = lastSaleDay.get(merchantId, to, 0n) ?? null;
    return {
      merchantId,
      asOfDay,
      daily: this.daily(merchantId, from, to),
      firstActivityDay: first === null ? null : toSafeNumber(first),
      lastSaleDay: lastSale === null ? null : toSafeNumber(lastSale),
      profiles: this.factsOf(merchantId, 'profile', asOfDay),
      buyers: buyers.all(merchantId, from, to).map((row) => ({
        buyerId: row.buyer_id,
        currency: row.currency,
        amount: buyerAmount(row.amount_high, row.amount_low),
      })),
      invoices: this.factsOf(merchantId, 'invoice', asOfDay),
      purchaseOrders: this.factsOf(merchantId, 'purchase_order', asOfDay),
      receipts: this.factsOf(merchantId, 'receipt', asOfDay),
      // Counts older than inventorySnapshotAgeDaysMax are not used (features.ts): not read either.
      inventory: latestSnapshots(
        this.factsOf(merchantId, 'inventory', asOfDay, asOfDay - inventorySnapshotAgeDaysMax + 1),
      ),
      attestations: this.factsOf(merchantId, 'attestation', asOfDay),
    };
  }

  private daily(merchantId: string, from: bigint, to: bigint): DailyRow[] {
    const rows = this.statements.dailyFast.all(merchantId, from, to);
    const exact = rows.every((row) =>
      row.every((value, index) => index === 0 || index === 2 || Number.isSafeInteger(value)),
    );
    if (!exact) return this.statements.dailyExact.all(merchantId, from, to).map(dailyFromRow);
    return rows.map((row) => ({
      merchantId: row[0] as string,
      day: row[1] as number,
      currency: row[2] as string,
      counters: countersOf(row),
    }));
  }

  private factsOf<K extends Fact['kind']>(
    merchantId: string,
    kind: K,
    asOfDay: number,
    fromDay = -1_000_000_000,
  ): FactOf<K>[] {
    return this.statements.facts
      .all(merchantId, kind, BigInt(fromDay), BigInt(asOfDay))
      .map((row) => factFromRow(row) as FactOf<K>);
  }

  async storedDaily(keys: readonly Pick<DailyRow, 'merchantId' | 'day' | 'currency'>[]): Promise<DailyRow[]> {
    const rows: DailyRow[] = [];
    for (const key of keys) {
      const row = this.statements.dailyRow.get(key.merchantId, BigInt(key.day), key.currency);
      if (row !== undefined) rows.push(dailyFromRow(row));
    }
    return rows;
  }

  async apply(daily: readonly DailyRow[], facts: readonly Fact[]): Promise<void> {
    const touched = new Set<string>();
    for (const row of daily) touched.add(row.merchantId);
    for (const fact of facts) touched.add(fact.merchantId);
    for (const merchantId of [...touched].sort()) this.statements.version.run(merchantId);
    for (const row of daily) this.statements.daily.run(...dailyValues(row));
    for (const fact of facts) {
      if (fact.kind === 'order') {
        this.statements.order.run(
          fact.merchantId,
          fact.eventKey,
          BigInt(fact.day),
          fact.buyerId,
          fact.currency,
          fact.amount,
        );
      } else {
        this.statements.fact.run(
          fact.merchantId,
          fact.kind,
          fact.eventKey,
          BigInt(fact.day),
          factPayload(fact),
        );
      }
    }
  }
}
