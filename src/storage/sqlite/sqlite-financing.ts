/**
 * The servicing path's hot statements on SQLite, prepared once per connection: what the sweep runs
 * for every settlement and the daily cycle for every facility — a merchant's facilities, a page of
 * facilities by status, a facility's newest event, the sweeps of a day, and the version-checked
 * update. Building and compiling each through Kysely cost more than running it (measured: about
 * a third of a sweep's storage time). Everything else is KyselyFinancing's.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { FacilityChange, FacilityEventRow, FacilityRow, SweepRow } from '../../app/ports.ts';
import { facilityFromRow, KyselyFinancing, sweepFromRow } from '../kysely-financing.ts';
import { toSafeNumber } from '../rows.ts';
import type { Database, FacilitiesTable, SettlementSweepsTable } from '../schema.ts';

const facilityColumns =
  'id, merchant_id, financier_id, offer_id, product, currency, status, opened_on, state, version, updated_at_ms';

export class SqliteFinancing extends KyselyFinancing {
  private readonly statements;

  constructor(db: Kysely<Database>, connection: BetterSqlite3.Database) {
    super(db);
    this.statements = {
      facility: connection.prepare<[string], FacilitiesTable>(
        `select ${facilityColumns} from facilities where id = ?`,
      ),
      forMerchant: connection.prepare<[string], FacilitiesTable>(
        `select ${facilityColumns} from facilities where merchant_id = ? order by id`,
      ),
      idsByStatus: connection
        .prepare<[string, string, number], string>(
          'select id from facilities where status = ? and id > ? order by id limit ?',
        )
        .pluck(),
      firstIdsByStatus: connection
        .prepare<[string, number], string>('select id from facilities where status = ? order by id limit ?')
        .pluck(),
      // The page's ids as one JSON array: one statement for any page size.
      facilitiesByIds: connection.prepare<[string, number], FacilitiesTable>(
        `select ${facilityColumns} from facilities where id in (select value from json_each(?)) order by id limit ?`,
      ),
      lastSequence: connection
        .prepare<[string], bigint>(
          'select sequence from facility_events where facility_id = ? order by sequence desc limit 1',
        )
        .pluck(),
      sweep: connection.prepare<[string], SettlementSweepsTable>(
        'select * from settlement_sweeps where settlement_key = ?',
      ),
      sweepsForMerchant: connection.prepare<[string, number, number], SettlementSweepsTable>(
        `select * from settlement_sweeps where merchant_id = ? and day >= ? and day <= ?
         order by day, at_ms, settlement_key`,
      ),
      // A servicing step changes the state, not what the facility is found by: setting only the
      // unindexed columns, where the indexed ones are as given, leaves the three indexes untouched
      // (SQLite rewrites an index entry for every indexed column in SET, changed or not: measured
      // 21 → 16 KB written to the WAL per update). Anything else takes the full update.
      updateState: connection.prepare(
        `update facilities set product = ?, state = ?, version = ?, updated_at_ms = ?
         where id = ? and version = ? and status = ? and merchant_id = ? and financier_id = ?
           and offer_id is ? and currency = ? and opened_on = ?`,
      ),
      update: connection.prepare(
        `update facilities set merchant_id = ?, financier_id = ?, offer_id = ?, product = ?, currency = ?,
           status = ?, opened_on = ?, state = ?, version = ?, updated_at_ms = ?
         where id = ? and version = ?`,
      ),
      insertEvent: connection.prepare<[string, number, number, string, string, bigint]>(
        'insert into facility_events (facility_id, sequence, day, type, detail, at_ms) values (?, ?, ?, ?, ?, ?)',
      ),
      insertOutbox: connection.prepare<[string, number, bigint]>(
        "insert into outbox_events (subject, subject_id, subject_sequence, fanned_out, recorded_at_ms) values ('facility', ?, ?, 0, ?)",
      ),
      insertSweep: connection.prepare<[string, string, number, string, bigint, bigint, string, bigint]>(
        `insert into settlement_sweeps (settlement_key, merchant_id, day, currency, net_minor, deducted_minor, split, at_ms)
         values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (settlement_key) do nothing`,
      ),
    };
  }

  override async facility(id: string): Promise<FacilityRow | undefined> {
    const row = this.statements.facility.get(id);
    return row === undefined ? undefined : facilityFromRow(row);
  }

  override async facilitiesForMerchant(merchantId: string): Promise<FacilityRow[]> {
    return this.statements.forMerchant.all(merchantId).map(facilityFromRow);
  }

  override async facilitiesForMerchants(merchantIds: readonly string[]): Promise<FacilityRow[]> {
    // Each merchant's in the order given, not sorted by merchant: callers group them, and a
    // merchant's own stay in id order.
    const found: FacilityRow[] = [];
    for (const merchantId of new Set(merchantIds))
      for (const row of this.statements.forMerchant.all(merchantId)) found.push(facilityFromRow(row));
    return found;
  }

  override async facilitiesByStatus(
    statuses: readonly string[],
    page: { readonly after?: string; readonly limit: number },
  ): Promise<FacilityRow[]> {
    // As KyselyFinancing: each status's next ids from its own index range, then the page's rows.
    const candidates: string[] = [];
    for (const status of new Set(statuses))
      candidates.push(
        ...(page.after === undefined
          ? this.statements.firstIdsByStatus.all(status, page.limit)
          : this.statements.idsByStatus.all(status, page.after, page.limit)),
      );
    if (candidates.length === 0) return [];
    return this.statements.facilitiesByIds.all(JSON.stringify(candidates), page.limit).map(facilityFromRow);
  }

  override async lastFacilityEventSequence(facilityId: string): Promise<number> {
    const sequence = this.statements.lastSequence.get(facilityId);
    return sequence === undefined ? 0 : toSafeNumber(sequence);
  }

  override async lastFacilityEventSequences(facilityIds: readonly string[]): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const id of facilityIds) {
      const sequence = this.statements.lastSequence.get(id);
      if (sequence !== undefined) found.set(id, toSafeNumber(sequence));
    }
    return found;
  }

  override async sweep(settlementKey: string): Promise<SweepRow | undefined> {
    const row = this.statements.sweep.get(settlementKey);
    return row === undefined ? undefined : sweepFromRow(row);
  }

  override async sweepsByKey(settlementKeys: readonly string[]): Promise<Map<string, SweepRow>> {
    const found = new Map<string, SweepRow>();
    for (const key of settlementKeys) {
      const row = this.statements.sweep.get(key);
      if (row !== undefined) found.set(key, sweepFromRow(row));
    }
    return found;
  }

  override async sweepsForMerchants(
    merchantIds: readonly string[],
    fromDay: number,
    toDay: number,
  ): Promise<SweepRow[]> {
    const found: SweepRow[] = [];
    for (const merchantId of new Set(merchantIds))
      for (const row of this.statements.sweepsForMerchant.all(merchantId, fromDay, toDay))
        found.push(sweepFromRow(row));
    return found;
  }

  override async sweepsForMerchant(merchantId: string, fromDay: number, toDay: number): Promise<SweepRow[]> {
    return this.statements.sweepsForMerchant.all(merchantId, fromDay, toDay).map(sweepFromRow);
  }

  override async updateFacility(facility: FacilityRow, expectedVersion: bigint): Promise<boolean> {
    const stateOnly = this.statements.updateState.run(
      facility.product,
      facility.stateJson,
      facility.version,
      facility.updatedAtMs,
      facility.id,
      expectedVersion,
      facility.status,
      facility.merchantId,
      facility.financierId,
      facility.offerId,
      facility.currency,
      facility.openedOn,
    );
    if (stateOnly.changes === 1) return true;
    return (
      this.statements.update.run(
        facility.merchantId,
        facility.financierId,
        facility.offerId,
        facility.product,
        facility.currency,
        facility.status,
        facility.openedOn,
        facility.stateJson,
        facility.version,
        facility.updatedAtMs,
        facility.id,
        expectedVersion,
      ).changes === 1
    );
  }

  override async updateFacilities(changes: readonly FacilityChange[]): Promise<string[]> {
    const missed: string[] = [];
    for (const { facility, expectedVersion } of changes)
      if (!(await this.updateFacility(facility, expectedVersion))) missed.push(facility.id);
    return missed;
  }

  override async appendFacilityEvents(events: readonly FacilityEventRow[]): Promise<void> {
    for (const e of events) {
      this.statements.insertEvent.run(e.facilityId, e.sequence, e.day, e.type, e.detailJson, e.atMs);
      this.statements.insertOutbox.run(e.facilityId, e.sequence, e.atMs);
    }
  }

  override async insertSweeps(sweeps: readonly SweepRow[]): Promise<number> {
    let inserted = 0;
    for (const sweep of sweeps) if (await this.insertSweep(sweep)) inserted += 1;
    return inserted;
  }

  override async insertSweep(sweep: SweepRow): Promise<boolean> {
    return (
      this.statements.insertSweep.run(
        sweep.settlementKey,
        sweep.merchantId,
        sweep.day,
        sweep.currency,
        sweep.netMinor,
        sweep.deductedMinor,
        sweep.splitJson,
        sweep.atMs,
      ).changes === 1
    );
  }
}
