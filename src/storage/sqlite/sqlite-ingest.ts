/**
 * The inbox's and feature store's write path on SQLite: prepared statements, one row each, inside
 * the store's write transaction (see sqlite-ledger.ts for why row by row is the fast way here).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { FeatureRepository, InboxEvent, InboxRepository } from '../../app/ports.ts';
import { type DailyRow, dailyCounterNames, type Fact } from '../../domain/features/projection.ts';
import { dailyInsertColumns, dailyUpsertSet, dailyValues, eventKeyOf, factPayload } from '../feature-rows.ts';
import { KyselyFeatureReader } from '../kysely-features.ts';
import { KyselyInboxReader } from '../kysely-inbox.ts';
import type { Database, FeatureDailyTable, InboxEventsTable } from '../schema.ts';

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
    };
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
      // and then the range is read again exactly.
      dailyFast: connection
        .prepare<[string, bigint, bigint], unknown[]>(
          `select ${dailyInsertColumns.join(', ')} from feature_daily where merchant_id = ? and day >= ? and day <= ?`,
        )
        .raw(true)
        .safeIntegers(false),
      dailyExact: connection.prepare<[string, bigint, bigint], FeatureDailyTable>(
        'select * from feature_daily where merchant_id = ? and day >= ? and day <= ?',
      ),
      version: connection.prepare(
        'insert into merchant_versions (merchant_id, version) values (?, 1) on conflict (merchant_id) do update set version = merchant_versions.version + 1',
      ),
    };
  }

  protected override async dailyRows(
    merchantId: string,
    from: bigint,
    to: bigint,
  ): Promise<FeatureDailyTable[]> {
    const rows = this.statements.dailyFast.all(merchantId, from, to);
    const exact = rows.every((row) =>
      row.every((value, index) => index === 0 || index === 2 || Number.isSafeInteger(value)),
    );
    if (!exact) return this.statements.dailyExact.all(merchantId, from, to);
    return rows.map((row) => {
      const table = {
        merchant_id: row[0] as string,
        day: BigInt(row[1] as number),
        currency: row[2] as string,
      } as FeatureDailyTable;
      dailyCounterNames.forEach((name, index) => {
        table[name] = BigInt(row[index + 3] as number);
      });
      return table;
    });
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
