/**
 * The financing tables on PostgreSQL: KyselyFinancing, with the daily cycle's and the sweep's
 * facility writes set-based — a page's version-checked updates in one statement over unnested
 * arrays instead of a round trip each (measured on the bench: most of a daily-cycle page's time).
 */
import { type Kysely, sql } from 'kysely';
import type { FacilityChange } from '../../app/ports.ts';
import { KyselyFinancing } from '../kysely-financing.ts';
import type { Database } from '../schema.ts';
import { int8ArrayLiteral, textArrayLiteral } from './array-literal.ts';

export class PostgresFinancing extends KyselyFinancing {
  constructor(private readonly trx: Kysely<Database>) {
    super(trx);
  }

  override async updateFacilities(changes: readonly FacilityChange[]): Promise<string[]> {
    if (changes.length === 0) return [];
    const ids = changes.map((c) => c.facility.id);
    // One statement updates a row once: a facility named twice is written one change after the other.
    if (new Set(ids).size !== ids.length) return super.updateFacilities(changes);
    const text = (pick: (c: FacilityChange) => string | null) => textArrayLiteral(changes.map(pick));
    const int8 = (pick: (c: FacilityChange) => bigint | number) => int8ArrayLiteral(changes.map(pick));
    const result = await sql<{ id: string }>`
      update facilities as f set
        merchant_id = u.merchant_id, financier_id = u.financier_id, offer_id = u.offer_id,
        product = u.product, currency = u.currency, status = u.status, opened_on = u.opened_on,
        state = u.state, version = u.version, updated_at_ms = u.updated_at_ms
      from unnest(
        ${textArrayLiteral(ids)}::text[],
        ${text((c) => c.facility.merchantId)}::text[],
        ${text((c) => c.facility.financierId)}::text[],
        ${text((c) => c.facility.offerId)}::text[],
        ${text((c) => c.facility.product)}::text[],
        ${text((c) => c.facility.currency)}::text[],
        ${text((c) => c.facility.status)}::text[],
        ${int8((c) => c.facility.openedOn)}::int8[],
        ${text((c) => c.facility.stateJson)}::text[],
        ${int8((c) => c.facility.version)}::int8[],
        ${int8((c) => c.facility.updatedAtMs)}::int8[],
        ${int8((c) => c.expectedVersion)}::int8[]
      ) as u(id, merchant_id, financier_id, offer_id, product, currency, status, opened_on, state,
             version, updated_at_ms, expected_version)
      where f.id = u.id and f.version = u.expected_version
      returning f.id`.execute(this.trx);
    const written = new Set(result.rows.map((row) => row.id));
    return ids.filter((id) => !written.has(id));
  }
}
