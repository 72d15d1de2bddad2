/**
 * The feature store's read side, in portable SQL through Kysely: everything a merchant's features
 * as of a day need, and nothing dated after it.
 */
import { type Kysely, sql } from 'kysely';
import type { FeatureReader, Page } from '../app/ports.ts';
import {
  type FeatureInputs,
  featureHistoryDays,
  inventorySnapshotAgeDaysMax,
} from '../domain/features/features.ts';
import type { DailyRow, Fact } from '../domain/features/projection.ts';
import {
  buyerAmount,
  buyerAmountHighSql,
  buyerAmountLowSql,
  dailyFromRow,
  factFromRow,
} from './feature-rows.ts';
import { toSafeNumber } from './rows.ts';
import type { Database, FeatureDailyTable } from './schema.ts';

type FactOf<K extends Fact['kind']> = Extract<Fact, { kind: K }>;

export class KyselyFeatureReader implements FeatureReader {
  constructor(protected readonly db: Kysely<Database>) {}

  private async facts<K extends Fact['kind']>(
    merchantId: string,
    kind: K,
    asOfDay: number,
    fromDay = -1_000_000_000,
  ): Promise<FactOf<K>[]> {
    const rows = await this.db
      .selectFrom('feature_facts')
      .select(['merchant_id', 'payload'])
      .where('merchant_id', '=', merchantId)
      .where('kind', '=', kind)
      .where('day', '>=', BigInt(fromDay))
      .where('day', '<=', BigInt(asOfDay))
      // A fixed order, so that two facts about one thing resolve the same whatever their arrival.
      .orderBy('day')
      .orderBy('event_key')
      .execute();
    return rows.map((row) => factFromRow(row) as FactOf<K>);
  }

  async loadInputs(merchantId: string, asOfDay: number): Promise<FeatureInputs> {
    const from = BigInt(asOfDay - featureHistoryDays + 1);
    const to = BigInt(asOfDay);
    const daily = await this.dailyRows(merchantId, from, to);
    const span = await this.db
      .selectFrom('feature_daily')
      .select((eb) => [eb.fn.min('day').as('first')])
      .where('merchant_id', '=', merchantId)
      .where('day', '<=', to)
      .executeTakeFirst();
    const lastSale = await this.db
      .selectFrom('feature_daily')
      .select((eb) => [eb.fn.max('day').as('last')])
      .where('merchant_id', '=', merchantId)
      .where('day', '<=', to)
      .where('orders', '>', 0n)
      .executeTakeFirst();
    const buyers = await this.db
      .selectFrom('feature_orders')
      .select([
        'buyer_id',
        'currency',
        sql.raw<unknown>(buyerAmountHighSql).as('amount_high'),
        sql.raw<unknown>(buyerAmountLowSql).as('amount_low'),
      ])
      .where('merchant_id', '=', merchantId)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .groupBy(['buyer_id', 'currency'])
      .execute();
    // Counts older than inventorySnapshotAgeDaysMax are not used (features.ts): not read either.
    const inventory = await this.facts(
      merchantId,
      'inventory',
      asOfDay,
      asOfDay - inventorySnapshotAgeDaysMax + 1,
    );
    return {
      merchantId,
      asOfDay,
      daily: daily.map(dailyFromRow),
      firstActivityDay: span?.first === null || span?.first === undefined ? null : toSafeNumber(span.first),
      lastSaleDay:
        lastSale?.last === null || lastSale?.last === undefined ? null : toSafeNumber(lastSale.last),
      profiles: await this.facts(merchantId, 'profile', asOfDay),
      buyers: buyers.map((row) => ({
        buyerId: row.buyer_id,
        currency: row.currency,
        amount: buyerAmount(row.amount_high, row.amount_low),
      })),
      invoices: await this.facts(merchantId, 'invoice', asOfDay),
      purchaseOrders: await this.facts(merchantId, 'purchase_order', asOfDay),
      receipts: await this.facts(merchantId, 'receipt', asOfDay),
      inventory: latestSnapshots(inventory),
      attestations: await this.facts(merchantId, 'attestation', asOfDay),
    };
  }

  /** A merchant's daily rows in a range of days (the SQLite store reads these faster). */
  protected async dailyRows(merchantId: string, from: bigint, to: bigint): Promise<FeatureDailyTable[]> {
    return this.db
      .selectFrom('feature_daily')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('day', '>=', from)
      .where('day', '<=', to)
      .execute();
  }

  async dailyRowsOf(
    merchantId: string,
    page: { readonly after?: { readonly day: number; readonly currency: string }; readonly limit: number },
  ): Promise<DailyRow[]> {
    let query = this.db.selectFrom('feature_daily').selectAll().where('merchant_id', '=', merchantId);
    const after = page.after;
    if (after !== undefined)
      query = query.where((eb) =>
        eb.or([
          eb('day', '>', BigInt(after.day)),
          eb.and([eb('day', '=', BigInt(after.day)), eb('currency', '>', after.currency)]),
        ]),
      );
    const rows = await query.orderBy('day').orderBy('currency').limit(page.limit).execute();
    return rows.map(dailyFromRow);
  }

  async profilesOf(
    merchantId: string,
    page: { readonly afterEventKey?: string; readonly limit: number },
  ): Promise<FactOf<'profile'>[]> {
    let query = this.db
      .selectFrom('feature_facts')
      .select(['merchant_id', 'payload'])
      .where('merchant_id', '=', merchantId)
      .where('kind', '=', 'profile');
    if (page.afterEventKey !== undefined) query = query.where('event_key', '>', page.afterEventKey);
    const rows = await query.orderBy('event_key').limit(page.limit).execute();
    return rows.map((row) => factFromRow(row) as FactOf<'profile'>);
  }

  async listMerchants(page: Page): Promise<string[]> {
    let query = this.db.selectFrom('feature_daily').select('merchant_id').distinct();
    if (page.after !== undefined) query = query.where('merchant_id', '>', page.after);
    const rows = await query.orderBy('merchant_id').limit(page.limit).execute();
    return rows.map((row) => row.merchant_id);
  }
}

/** The latest snapshot of each (SKU, warehouse), by event time, ties broken by event key. */
export function latestSnapshots(snapshots: readonly FactOf<'inventory'>[]): FactOf<'inventory'>[] {
  const latest = new Map<string, FactOf<'inventory'>>();
  for (const snapshot of snapshots) {
    const key = `${snapshot.sku}\u0000${snapshot.warehouseId}`;
    const current = latest.get(key);
    if (
      current === undefined ||
      snapshot.timeNs > current.timeNs ||
      (snapshot.timeNs === current.timeNs && snapshot.eventKey > current.eventKey)
    ) {
      latest.set(key, snapshot);
    }
  }
  return [...latest.values()];
}
