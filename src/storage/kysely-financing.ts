/**
 * Pools, offers, facilities, facility events, settlement sweeps and daily-cycle runs, in portable
 * SQL through Kysely: both backends run this code. A facility update names the version it read and
 * writes only if that is still the stored one, so two writers never overwrite each other silently.
 */
import { type Kysely, sql } from 'kysely';
import type {
  EodRunRow,
  FacilityChange,
  FacilityEventRow,
  FacilityRow,
  FinancingRepository,
  FundingPoolRow,
  OfferEventRow,
  OfferEventType,
  OfferRow,
  OfferStatus,
  OfferWithdrawalReason,
  SweepRow,
} from '../app/ports.ts';
import { servicedStates } from '../domain/products/lifecycle.ts';
import type { EventSubject } from '../domain/webhooks/delivery.ts';
import { toBigInt, toSafeNumber } from './rows.ts';
import type {
  Database,
  EodRunsTable,
  FacilitiesTable,
  FacilityEventsTable,
  OffersTable,
  SettlementSweepsTable,
} from './schema.ts';

export function offerFromRow(row: OffersTable): OfferRow {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    decisionId: row.decision_id,
    product: row.product,
    currency: row.currency,
    amountMinor: toBigInt(row.amount_minor),
    status: row.status as OfferStatus,
    offeredOn: toSafeNumber(row.offered_on),
    expiresOn: toSafeNumber(row.expires_on),
    offerJson: row.offer,
    createdAtMs: toBigInt(row.created_at_ms),
    acceptedAtMs: row.accepted_at_ms === null ? null : toBigInt(row.accepted_at_ms),
    acceptanceJson: row.acceptance,
    facilityId: row.facility_id,
  };
}

export function facilityFromRow(row: FacilitiesTable): FacilityRow {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    financierId: row.financier_id,
    offerId: row.offer_id,
    product: row.product,
    currency: row.currency,
    status: row.status,
    openedOn: toSafeNumber(row.opened_on),
    stateJson: row.state,
    version: toBigInt(row.version),
    updatedAtMs: toBigInt(row.updated_at_ms),
  };
}

export function facilityToRow(facility: FacilityRow): FacilitiesTable {
  return {
    id: facility.id,
    merchant_id: facility.merchantId,
    financier_id: facility.financierId,
    offer_id: facility.offerId,
    product: facility.product,
    currency: facility.currency,
    status: facility.status,
    opened_on: facility.openedOn,
    state: facility.stateJson,
    version: facility.version,
    updated_at_ms: facility.updatedAtMs,
  };
}

export function eventFromRow(row: FacilityEventsTable): FacilityEventRow {
  return {
    facilityId: row.facility_id,
    sequence: toSafeNumber(row.sequence),
    day: toSafeNumber(row.day),
    type: row.type,
    detailJson: row.detail,
    atMs: toBigInt(row.at_ms),
  };
}

export function sweepFromRow(row: SettlementSweepsTable): SweepRow {
  return {
    settlementKey: row.settlement_key,
    merchantId: row.merchant_id,
    day: toSafeNumber(row.day),
    currency: row.currency,
    netMinor: toBigInt(row.net_minor),
    deductedMinor: toBigInt(row.deducted_minor),
    splitJson: row.split,
    atMs: toBigInt(row.at_ms),
  };
}

export function eodRunFromRow(row: EodRunsTable): EodRunRow {
  return {
    day: toSafeNumber(row.day),
    status: row.status as EodRunRow['status'],
    cursor: row.cursor,
    facilitiesDone: toBigInt(row.facilities_done),
    startedAtMs: toBigInt(row.started_at_ms),
    finishedAtMs: row.finished_at_ms === null ? null : toBigInt(row.finished_at_ms),
  };
}

/** Rows per multi-row insert: well under SQLite's 32,766 bound parameters. */
const insertChunk = 500;
/** Ids per `in (…)` list. */
const idsChunk = 1_000;

export class KyselyFinancing implements FinancingRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async pools(): Promise<FundingPoolRow[]> {
    const rows = await this.db
      .selectFrom('funding_pools')
      .selectAll()
      .orderBy('financier_id')
      .orderBy('currency')
      .execute();
    return rows.map((r) => ({
      financierId: r.financier_id,
      currency: r.currency,
      createdAtMs: toBigInt(r.created_at_ms),
    }));
  }

  async offer(id: string): Promise<OfferRow | undefined> {
    const row = await this.db.selectFrom('offers').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : offerFromRow(row);
  }

  async offersForMerchant(merchantId: string, status?: OfferStatus): Promise<OfferRow[]> {
    let query = this.db.selectFrom('offers').selectAll().where('merchant_id', '=', merchantId);
    if (status !== undefined) query = query.where('status', '=', status);
    const rows = await query.orderBy('created_at_ms', 'desc').orderBy('id', 'desc').execute();
    return rows.map(offerFromRow);
  }

  async facility(id: string): Promise<FacilityRow | undefined> {
    const row = await this.db.selectFrom('facilities').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : facilityFromRow(row);
  }

  async facilitiesForMerchant(merchantId: string): Promise<FacilityRow[]> {
    const rows = await this.db
      .selectFrom('facilities')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .orderBy('id')
      .execute();
    return rows.map(facilityFromRow);
  }

  async facilitiesForMerchants(merchantIds: readonly string[]): Promise<FacilityRow[]> {
    const ids = [...new Set(merchantIds)];
    const found: FacilityRow[] = [];
    for (let start = 0; start < ids.length; start += idsChunk) {
      const rows = await this.db
        .selectFrom('facilities')
        .selectAll()
        .where('merchant_id', 'in', ids.slice(start, start + idsChunk))
        .orderBy('merchant_id')
        .orderBy('id')
        .execute();
      for (const row of rows) found.push(facilityFromRow(row));
    }
    return found;
  }

  async facilitiesByStatus(
    statuses: readonly string[],
    page: { readonly after?: string; readonly limit: number },
  ): Promise<FacilityRow[]> {
    // `status in (…) order by id limit n` walks the (status, id) index one status after another,
    // so both SQLite and PostgreSQL read and sort every remaining row of those statuses for every
    // page: quadratic in the book (a 100,000-facility daily cycle spent most of its time there).
    // Instead each status's next ids come from its own index range, and only the page's rows are
    // read — ordered by the database, in its own collation.
    const candidates: string[] = [];
    for (const status of new Set(statuses)) {
      let query = this.db.selectFrom('facilities').select('id').where('status', '=', status);
      if (page.after !== undefined) query = query.where('id', '>', page.after);
      for (const row of await query.orderBy('id').limit(page.limit).execute()) candidates.push(row.id);
    }
    if (candidates.length === 0) return [];
    const rows = await this.db
      .selectFrom('facilities')
      .selectAll()
      .where('id', 'in', candidates)
      .orderBy('id')
      .limit(page.limit)
      .execute();
    return rows.map(facilityFromRow);
  }

  async facilityEvents(
    facilityId: string,
    page: { readonly afterSequence?: number; readonly limit: number },
  ): Promise<FacilityEventRow[]> {
    const rows = await this.db
      .selectFrom('facility_events')
      .selectAll()
      .where('facility_id', '=', facilityId)
      .where('sequence', '>', page.afterSequence ?? 0)
      .orderBy('sequence')
      .limit(page.limit)
      .execute();
    return rows.map(eventFromRow);
  }

  async lastFacilityEventSequence(facilityId: string): Promise<number> {
    const row = await this.db
      .selectFrom('facility_events')
      .select('sequence')
      .where('facility_id', '=', facilityId)
      .orderBy('sequence', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? 0 : toSafeNumber(row.sequence);
  }

  lastFacilityEventSequences(facilityIds: readonly string[]): Promise<Map<string, number>> {
    return this.lastSequences('facility_events', 'facility_id', facilityIds);
  }

  async offerEvents(offerId: string): Promise<OfferEventRow[]> {
    const rows = await this.db
      .selectFrom('offer_events')
      .selectAll()
      .where('offer_id', '=', offerId)
      .orderBy('sequence')
      .execute();
    return rows.map((row) => ({
      offerId: row.offer_id,
      sequence: toSafeNumber(row.sequence),
      type: row.type as OfferEventType,
      reason: row.reason as OfferWithdrawalReason | null,
      atMs: toBigInt(row.at_ms),
    }));
  }

  lastOfferEventSequences(offerIds: readonly string[]): Promise<Map<string, number>> {
    return this.lastSequences('offer_events', 'offer_id', offerIds);
  }

  /** The newest sequence in a history (`table`) of each of `ids`, by id: those with none are absent. */
  private async lastSequences(
    table: 'facility_events' | 'offer_events',
    idColumn: 'facility_id' | 'offer_id',
    ids: readonly string[],
  ): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    const unique = [...new Set(ids)];
    const id = sql.ref<string>(idColumn);
    for (let start = 0; start < unique.length; start += idsChunk) {
      const rows = await this.db
        .selectFrom(table)
        .select((eb) => [id.as('id'), eb.fn.max('sequence').as('sequence')])
        .where(id, 'in', unique.slice(start, start + idsChunk))
        .groupBy(id)
        .execute();
      for (const row of rows) found.set(row.id, toSafeNumber(row.sequence));
    }
    return found;
  }

  async sweep(settlementKey: string): Promise<SweepRow | undefined> {
    const row = await this.db
      .selectFrom('settlement_sweeps')
      .selectAll()
      .where('settlement_key', '=', settlementKey)
      .executeTakeFirst();
    return row === undefined ? undefined : sweepFromRow(row);
  }

  async sweepsByKey(settlementKeys: readonly string[]): Promise<Map<string, SweepRow>> {
    const keys = [...new Set(settlementKeys)];
    const found = new Map<string, SweepRow>();
    for (let start = 0; start < keys.length; start += idsChunk) {
      const rows = await this.db
        .selectFrom('settlement_sweeps')
        .selectAll()
        .where('settlement_key', 'in', keys.slice(start, start + idsChunk))
        .execute();
      for (const row of rows) found.set(row.settlement_key, sweepFromRow(row));
    }
    return found;
  }

  async sweepsForMerchants(
    merchantIds: readonly string[],
    fromDay: number,
    toDay: number,
  ): Promise<SweepRow[]> {
    const ids = [...new Set(merchantIds)];
    const found: SweepRow[] = [];
    for (let start = 0; start < ids.length; start += idsChunk) {
      const rows = await this.db
        .selectFrom('settlement_sweeps')
        .selectAll()
        .where('merchant_id', 'in', ids.slice(start, start + idsChunk))
        .where('day', '>=', fromDay)
        .where('day', '<=', toDay)
        .orderBy('merchant_id')
        .orderBy('day')
        .orderBy('at_ms')
        .orderBy('settlement_key')
        .execute();
      for (const row of rows) found.push(sweepFromRow(row));
    }
    return found;
  }

  async sweepsForMerchant(merchantId: string, fromDay: number, toDay: number): Promise<SweepRow[]> {
    const rows = await this.db
      .selectFrom('settlement_sweeps')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('day', '>=', fromDay)
      .where('day', '<=', toDay)
      .orderBy('day')
      .orderBy('at_ms')
      .orderBy('settlement_key')
      .execute();
    return rows.map(sweepFromRow);
  }

  async eodRun(day: number): Promise<EodRunRow | undefined> {
    const row = await this.db.selectFrom('eod_runs').selectAll().where('day', '=', day).executeTakeFirst();
    return row === undefined ? undefined : eodRunFromRow(row);
  }

  async earliestOpenedInService(): Promise<number | null> {
    const row = await this.db
      .selectFrom('facilities')
      .select((eb) => eb.fn.min<number | bigint>('opened_on').as('day'))
      .where('status', 'in', [...servicedStates])
      .executeTakeFirst();
    return row?.day === null || row?.day === undefined ? null : Number(row.day);
  }

  async lastEodRun(): Promise<EodRunRow | undefined> {
    const row = await this.db
      .selectFrom('eod_runs')
      .selectAll()
      .orderBy('day', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row === undefined ? undefined : eodRunFromRow(row);
  }

  async insertPool(pool: FundingPoolRow): Promise<void> {
    await this.db
      .insertInto('funding_pools')
      .values({ financier_id: pool.financierId, currency: pool.currency, created_at_ms: pool.createdAtMs })
      .onConflict((c) => c.columns(['financier_id', 'currency']).doNothing())
      .execute();
  }

  async insertOffers(offers: readonly OfferRow[]): Promise<void> {
    for (let start = 0; start < offers.length; start += insertChunk) {
      await this.db
        .insertInto('offers')
        .values(
          offers.slice(start, start + insertChunk).map((o) => ({
            id: o.id,
            merchant_id: o.merchantId,
            decision_id: o.decisionId,
            product: o.product,
            currency: o.currency,
            amount_minor: o.amountMinor,
            status: o.status,
            offered_on: o.offeredOn,
            expires_on: o.expiresOn,
            offer: o.offerJson,
            created_at_ms: o.createdAtMs,
            accepted_at_ms: o.acceptedAtMs,
            acceptance: o.acceptanceJson,
            facility_id: o.facilityId,
          })),
        )
        .execute();
    }
  }

  async updateOffer(
    id: string,
    change: Pick<OfferRow, 'status'> &
      Partial<Pick<OfferRow, 'acceptedAtMs' | 'acceptanceJson' | 'facilityId'>>,
  ): Promise<void> {
    await this.db
      .updateTable('offers')
      .set({
        status: change.status,
        ...(change.acceptedAtMs === undefined ? {} : { accepted_at_ms: change.acceptedAtMs }),
        ...(change.acceptanceJson === undefined ? {} : { acceptance: change.acceptanceJson }),
        ...(change.facilityId === undefined ? {} : { facility_id: change.facilityId }),
      })
      .where('id', '=', id)
      .execute();
  }

  async takeOffer(
    offer: Pick<OfferRow, 'id' | 'merchantId' | 'decisionId' | 'product'>,
  ): Promise<{ taken: boolean; withdrawn: string[] }> {
    // One statement over the merchant's open offers — the one taken, its alternatives (the
    // decision's offers of the product) withdrawn, the rest held as they are: of two acceptances
    // racing on PostgreSQL, under one decision or two, the second waits for the first's row locks,
    // then sees what it left.
    const rows = await this.db
      .updateTable('offers')
      .set({
        status: sql<string>`case when id = ${offer.id} then 'accepted'
          when decision_id = ${offer.decisionId} and product = ${offer.product} then 'withdrawn'
          else status end`,
      })
      // The merchant's offers are found through its index, and its open ones are few.
      .where('merchant_id', '=', offer.merchantId)
      .where('status', '=', 'open')
      .returning(['id', 'status'])
      .execute();
    const withdrawn = rows.filter((row) => row.status === 'withdrawn').map((row) => row.id);
    if (!rows.some((row) => row.id === offer.id)) {
      // Not open (taken, or lapsed while this waited for the first): its alternatives, if this
      // withdrew any, are put back as they were.
      await this.reopen(withdrawn);
      return { taken: false, withdrawn: [] };
    }
    return { taken: true, withdrawn: withdrawn.sort() };
  }

  releaseOffer(id: string, withdrawn: readonly string[]): Promise<void> {
    return this.reopen([id, ...withdrawn]);
  }

  private async reopen(ids: readonly string[]): Promise<void> {
    if (ids.length > 0)
      await this.db.updateTable('offers').set({ status: 'open' }).where('id', 'in', ids).execute();
  }

  async expireOffer(id: string): Promise<boolean> {
    const result = await this.db
      .updateTable('offers')
      .set({ status: 'expired' })
      .where('id', '=', id)
      .where('status', '=', 'open')
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async withdrawOpenOffers(merchantId: string): Promise<string[]> {
    const rows = await this.db
      .updateTable('offers')
      .set({ status: 'withdrawn' })
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'open')
      .returning('id')
      .execute();
    return rows.map((row) => row.id).sort();
  }

  async withdrawOffers(ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable('offers')
      .set({ status: 'withdrawn' })
      .where('id', 'in', ids)
      .where('status', '=', 'open')
      .returning('id')
      .execute();
    return rows.map((row) => row.id).sort();
  }

  async expireOffers(beforeDay: number): Promise<string[]> {
    const rows = await this.db
      .updateTable('offers')
      .set({ status: 'expired' })
      .where('status', '=', 'open')
      .where('expires_on', '<', beforeDay)
      .returning('id')
      .execute();
    return rows.map((row) => row.id).sort();
  }

  async appendOfferEvents(events: readonly OfferEventRow[]): Promise<void> {
    for (let start = 0; start < events.length; start += insertChunk) {
      const chunk = events.slice(start, start + insertChunk);
      await this.db
        .insertInto('offer_events')
        .values(
          chunk.map((e) => ({
            offer_id: e.offerId,
            sequence: e.sequence,
            type: e.type,
            reason: e.reason,
            at_ms: e.atMs,
          })),
        )
        .execute();
      await this.putInOutbox(
        'offer',
        chunk.map((e) => ({ id: e.offerId, sequence: e.sequence, atMs: e.atMs })),
      );
    }
  }

  /** Outbox rows for events just appended to a history (webhooks fan them out), not yet fanned out. */
  private async putInOutbox(
    subject: EventSubject,
    events: readonly { readonly id: string; readonly sequence: number; readonly atMs: bigint }[],
  ): Promise<void> {
    await this.db
      .insertInto('outbox_events')
      .values(
        events.map((e) => ({
          subject,
          subject_id: e.id,
          subject_sequence: e.sequence,
          fanned_out: 0,
          recorded_at_ms: e.atMs,
        })),
      )
      .execute();
  }

  async insertFacility(facility: FacilityRow): Promise<void> {
    await this.db.insertInto('facilities').values(facilityToRow(facility)).execute();
  }

  async insertFacilities(facilities: readonly FacilityRow[]): Promise<void> {
    // 11 columns a row: 500 rows stay well under SQLite's bound-parameter limit.
    for (let start = 0; start < facilities.length; start += insertChunk)
      await this.db
        .insertInto('facilities')
        .values(facilities.slice(start, start + insertChunk).map(facilityToRow))
        .execute();
  }

  async updateFacility(facility: FacilityRow, expectedVersion: bigint): Promise<boolean> {
    const { id: _id, ...row } = facilityToRow(facility);
    const result = await this.db
      .updateTable('facilities')
      .set(row)
      .where('id', '=', facility.id)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return result.numUpdatedRows === 1n;
  }

  async updateFacilities(changes: readonly FacilityChange[]): Promise<string[]> {
    const missed: string[] = [];
    for (const { facility, expectedVersion } of changes)
      if (!(await this.updateFacility(facility, expectedVersion))) missed.push(facility.id);
    return missed;
  }

  async appendFacilityEvents(events: readonly FacilityEventRow[]): Promise<void> {
    for (let start = 0; start < events.length; start += insertChunk) {
      const chunk = events.slice(start, start + insertChunk);
      await this.db
        .insertInto('facility_events')
        .values(
          chunk.map((e) => ({
            facility_id: e.facilityId,
            sequence: e.sequence,
            day: e.day,
            type: e.type,
            detail: e.detailJson,
            at_ms: e.atMs,
          })),
        )
        .execute();
      await this.putInOutbox(
        'facility',
        chunk.map((e) => ({ id: e.facilityId, sequence: e.sequence, atMs: e.atMs })),
      );
    }
  }

  async insertSweep(sweep: SweepRow): Promise<boolean> {
    const result = await this.db
      .insertInto('settlement_sweeps')
      .values({
        settlement_key: sweep.settlementKey,
        merchant_id: sweep.merchantId,
        day: sweep.day,
        currency: sweep.currency,
        net_minor: sweep.netMinor,
        deducted_minor: sweep.deductedMinor,
        split: sweep.splitJson,
        at_ms: sweep.atMs,
      })
      .onConflict((c) => c.column('settlement_key').doNothing())
      .executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) === 1n;
  }

  async insertSweeps(sweeps: readonly SweepRow[]): Promise<number> {
    let inserted = 0;
    for (let start = 0; start < sweeps.length; start += insertChunk) {
      const result = await this.db
        .insertInto('settlement_sweeps')
        .values(
          sweeps.slice(start, start + insertChunk).map((sweep) => ({
            settlement_key: sweep.settlementKey,
            merchant_id: sweep.merchantId,
            day: sweep.day,
            currency: sweep.currency,
            net_minor: sweep.netMinor,
            deducted_minor: sweep.deductedMinor,
            split: sweep.splitJson,
            at_ms: sweep.atMs,
          })),
        )
        .onConflict((c) => c.column('settlement_key').doNothing())
        .executeTakeFirst();
      inserted += Number(result.numInsertedOrUpdatedRows ?? 0n);
    }
    return inserted;
  }

  async putEodRun(run: EodRunRow): Promise<void> {
    const values = {
      day: run.day,
      status: run.status,
      cursor: run.cursor,
      facilities_done: run.facilitiesDone,
      started_at_ms: run.startedAtMs,
      finished_at_ms: run.finishedAtMs,
    };
    await this.db
      .insertInto('eod_runs')
      .values(values)
      .onConflict((c) =>
        c.column('day').doUpdateSet({
          status: run.status,
          cursor: run.cursor,
          facilities_done: run.facilitiesDone,
          finished_at_ms: run.finishedAtMs,
        }),
      )
      .execute();
  }
}
