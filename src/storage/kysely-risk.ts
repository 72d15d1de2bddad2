/**
 * Consents, merchant flags, the model registry, decisions with their hash chain, facilities' debt
 * service and settings, in portable SQL through Kysely: both backends run this code. The decision
 * chain head is locked per backend (PostgreSQL: `for update`; SQLite: the write transaction).
 */
import { type Kysely, sql } from 'kysely';
import type {
  AuditEntry,
  AuditFilter,
  DecisionChainHead,
  DecisionLink,
  DecisionRow,
  FacilityDebtService,
  MerchantFlag,
  ModelRecord,
  ModelStatus,
  RiskRepository,
} from '../app/ports.ts';
import type { Consent, ConsentPurpose, DataSource } from '../domain/consent/consent.ts';
import { eventKeyOf } from './feature-rows.ts';
import { decisionHeadFromRow, toBigInt, toSafeNumber } from './rows.ts';
import type { ConsentsTable, Database, DecisionsTable, ModelsTable } from './schema.ts';

/** Merchants looked up in one statement at most (bound parameters stay well under SQLite's limit). */
const merchantsPerQuery = 500;

function consentFromRow(row: ConsentsTable): Consent {
  return {
    id: row.id,
    merchantId: row.merchant_id,
    purpose: row.purpose as ConsentPurpose,
    dataSources: JSON.parse(row.data_sources) as DataSource[],
    grantedAtMs: toBigInt(row.granted_at_ms),
    expiresAtMs: toBigInt(row.expires_at_ms),
    revokedAtMs: row.revoked_at_ms === null ? null : toBigInt(row.revoked_at_ms),
  };
}

function modelFromRow(row: ModelsTable): ModelRecord {
  return {
    id: row.id,
    version: toSafeNumber(row.version),
    algorithm: row.algorithm,
    status: row.status as ModelStatus,
    artifactJson: row.artifact,
    metricsJson: row.metrics,
    trainingJson: row.training,
    createdAtMs: toBigInt(row.created_at_ms),
  };
}

function decisionFromRow(row: DecisionsTable & { inputs: string }): DecisionRow {
  return {
    sequence: toBigInt(row.sequence),
    id: row.id,
    merchantId: row.merchant_id,
    decidedAtMs: toBigInt(row.decided_at_ms),
    outcome: row.outcome,
    recordJson: row.record,
    inputsJson: row.inputs,
    inputsDigest: row.inputs_digest,
    hash: row.hash,
  };
}

/** Moves the version of each merchant: whatever was cached about them is stale from now on. */
export async function bumpMerchantVersions(
  db: Kysely<Database>,
  merchantIds: readonly string[],
): Promise<void> {
  for (const merchantId of [...new Set(merchantIds)].sort()) {
    await db
      .insertInto('merchant_versions')
      .values({ merchant_id: merchantId, version: 1n })
      .onConflict((conflict) =>
        conflict.column('merchant_id').doUpdateSet({ version: sql<bigint>`merchant_versions.version + 1` }),
      )
      .execute();
  }
}

export class KyselyRisk implements RiskRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly backend: 'sqlite' | 'postgres',
  ) {}

  async consents(merchantId: string): Promise<Consent[]> {
    const rows = await this.db
      .selectFrom('consents')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .orderBy('granted_at_ms')
      .orderBy('id')
      .execute();
    return rows.map(consentFromRow);
  }

  async consent(id: string): Promise<Consent | undefined> {
    const row = await this.db.selectFrom('consents').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : consentFromRow(row);
  }

  async flags(merchantId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('merchant_flags')
      .select('flag')
      .where('merchant_id', '=', merchantId)
      .orderBy('flag')
      .execute();
    return rows.map((row) => row.flag);
  }

  async flagRecords(merchantId: string): Promise<MerchantFlag[]> {
    const rows = await this.db
      .selectFrom('merchant_flags')
      .select(['flag', 'reason', 'set_at_ms'])
      .where('merchant_id', '=', merchantId)
      .orderBy('flag')
      .execute();
    return rows.map((row) => ({ flag: row.flag, reason: row.reason, setAtMs: toBigInt(row.set_at_ms) }));
  }

  async modelsByStatus(status: ModelStatus): Promise<ModelRecord[]> {
    const rows = await this.db
      .selectFrom('models')
      .selectAll()
      .where('status', '=', status)
      .orderBy('version')
      .execute();
    return rows.map(modelFromRow);
  }

  async model(id: string): Promise<ModelRecord | undefined> {
    const row = await this.db.selectFrom('models').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : modelFromRow(row);
  }

  async listModels(limit: number, beforeVersion?: number): Promise<ModelRecord[]> {
    let query = this.db.selectFrom('models').selectAll();
    if (beforeVersion !== undefined) query = query.where('version', '<', BigInt(beforeVersion));
    const rows = await query.orderBy('version', 'desc').limit(limit).execute();
    return rows.map(modelFromRow);
  }

  async decision(id: string): Promise<DecisionRow | undefined> {
    const row = await this.db
      .selectFrom('decisions')
      .innerJoin('decision_inputs', 'decision_inputs.digest', 'decisions.inputs_digest')
      .selectAll('decisions')
      .select('decision_inputs.inputs')
      .where('decisions.id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : decisionFromRow(row);
  }

  async listDecisions(
    merchantId: string | null,
    page: { readonly afterSequence: bigint; readonly limit: number },
  ): Promise<DecisionRow[]> {
    let query = this.db
      .selectFrom('decisions')
      .innerJoin('decision_inputs', 'decision_inputs.digest', 'decisions.inputs_digest')
      .selectAll('decisions')
      .select('decision_inputs.inputs')
      .where('decisions.sequence', '>', page.afterSequence);
    if (merchantId !== null) query = query.where('decisions.merchant_id', '=', merchantId);
    const rows = await query.orderBy('decisions.sequence').limit(page.limit).execute();
    return rows.map(decisionFromRow);
  }

  async decisionLinks(afterSequence: bigint, limit: number): Promise<DecisionLink[]> {
    const rows = await this.db
      .selectFrom('decisions')
      .select(['sequence', 'decided_at_ms', 'hash'])
      .where('sequence', '>', afterSequence)
      .orderBy('sequence')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      sequence: toBigInt(row.sequence),
      decidedAtMs: toBigInt(row.decided_at_ms),
      hash: row.hash,
    }));
  }

  async firstDecisionWithoutInputs() {
    const row = await this.db
      .selectFrom('decisions')
      .leftJoin('decision_inputs', 'decision_inputs.digest', 'decisions.inputs_digest')
      .select(['decisions.sequence', 'decisions.id', 'decisions.inputs_digest'])
      .where('decision_inputs.digest', 'is', null)
      .orderBy('decisions.sequence')
      .limit(1)
      .executeTakeFirst();
    return row === undefined
      ? undefined
      : { sequence: toBigInt(row.sequence), id: row.id, inputsDigest: row.inputs_digest };
  }

  async decisionHead(): Promise<DecisionChainHead> {
    return decisionHeadFromRow(
      await this.db.selectFrom('decision_chain').selectAll().where('id', '=', 1n).executeTakeFirst(),
    );
  }

  async debtService(merchantId: string): Promise<FacilityDebtService[]> {
    const rows = await this.db
      .selectFrom('facility_debt_service')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('status', '=', 'active')
      .orderBy('facility_id')
      .execute();
    return rows.map((row) => ({
      facilityId: row.facility_id,
      currency: row.currency,
      dailyDebtServiceMinor: toBigInt(row.daily_debt_service_minor),
    }));
  }

  async versions(merchantId: string): Promise<{ readonly merchant: bigint; readonly config: bigint }> {
    const merchant = await this.db
      .selectFrom('merchant_versions')
      .select('version')
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
    const config = await this.db
      .selectFrom('config_version')
      .select('version')
      .where('id', '=', 1n)
      .executeTakeFirstOrThrow();
    return {
      merchant: merchant === undefined ? 0n : toBigInt(merchant.version),
      config: toBigInt(config.version),
    };
  }

  private async bumpMerchant(merchantId: string): Promise<void> {
    await bumpMerchantVersions(this.db, [merchantId]);
  }

  private async bumpConfig(): Promise<void> {
    await this.db
      .updateTable('config_version')
      .set({ version: sql<bigint>`version + 1` })
      .where('id', '=', 1n)
      .execute();
  }

  async auditLog(
    filter: AuditFilter,
    page: { readonly beforeSequence?: bigint; readonly limit: number },
  ): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_log').selectAll();
    if (filter.subjectType !== undefined) query = query.where('subject_type', '=', filter.subjectType);
    if (filter.subjectId !== undefined) query = query.where('subject_id', '=', filter.subjectId);
    if (filter.action !== undefined) query = query.where('action', '=', filter.action);
    if (page.beforeSequence !== undefined) query = query.where('sequence', '<', page.beforeSequence);
    const rows = await query.orderBy('sequence', 'desc').limit(page.limit).execute();
    return rows.map((row) => ({
      sequence: toBigInt(row.sequence),
      atMs: toBigInt(row.at_ms),
      actor: row.actor,
      action: row.action,
      subjectType: row.subject_type,
      subjectId: row.subject_id,
      detailJson: row.detail,
    }));
  }

  async setting(name: string): Promise<string | undefined> {
    return (await this.db.selectFrom('settings').select('value').where('name', '=', name).executeTakeFirst())
      ?.value;
  }

  /**
   * The inbox has no index on (source, subject), so it would scan every event of the platform. The
   * feature store keeps one profile fact per `merchant.onboarded` event under the merchant, keyed
   * "<source> <id>": a seek on (merchant_id, kind) reads only the merchant's few profile events.
   * The prefix is compared with substr, not a range or LIKE: PostgreSQL's collation would not
   * order "plt_a …" keys as a byte range, and `_` is a LIKE wildcard.
   */
  async platformOnboardedMerchant(platformId: string, merchantId: string): Promise<boolean> {
    const prefix = eventKeyOf(platformId, '');
    const row = await this.db
      .selectFrom('feature_facts')
      .select('event_key')
      .where('merchant_id', '=', merchantId)
      .where('kind', '=', 'profile')
      .where(sql<string>`substr(event_key, 1, ${sql.lit(prefix.length)})`, '=', prefix)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async merchantPlatforms(merchantIds: readonly string[]): Promise<Map<string, Set<string>>> {
    const sources = new Map<string, Set<string>>();
    const add = (merchantId: string, source: string) => {
      const known = sources.get(merchantId);
      if (known === undefined) sources.set(merchantId, new Set([source]));
      else known.add(source);
    };
    const unique = [...new Set(merchantIds)];
    for (let start = 0; start < unique.length; start += merchantsPerQuery) {
      const some = unique.slice(start, start + merchantsPerQuery);
      const claims = await this.db
        .selectFrom('merchant_platforms')
        .select(['merchant_id', 'source'])
        .where('merchant_id', 'in', some)
        .execute();
      for (const row of claims) add(row.merchant_id, row.source);
      const onboardings = await this.db
        .selectFrom('feature_facts')
        .select(['merchant_id', 'event_key'])
        .where('merchant_id', 'in', some)
        .where('kind', '=', 'profile')
        .execute();
      // An event key is "<source> <id>", and a source has no space in it.
      for (const row of onboardings) add(row.merchant_id, row.event_key.slice(0, row.event_key.indexOf(' ')));
    }
    return sources;
  }

  async claimMerchants(source: string, merchantIds: readonly string[], atMs: bigint): Promise<Set<string>> {
    const claimed = new Set<string>();
    // Sorted, so two transactions claiming overlapping merchants take their keys in one order.
    const unique = [...new Set(merchantIds)].sort();
    for (let start = 0; start < unique.length; start += merchantsPerQuery) {
      const rows = await this.db
        .insertInto('merchant_platforms')
        .values(
          unique
            .slice(start, start + merchantsPerQuery)
            .map((merchantId) => ({ merchant_id: merchantId, source, claimed_at_ms: atMs })),
        )
        .onConflict((conflict) => conflict.column('merchant_id').doNothing())
        .returning('merchant_id')
        .execute();
      for (const row of rows) claimed.add(row.merchant_id);
    }
    return claimed;
  }

  async releaseMerchants(source: string, merchantIds: readonly string[]): Promise<void> {
    const unique = [...new Set(merchantIds)];
    for (let start = 0; start < unique.length; start += merchantsPerQuery)
      await this.db
        .deleteFrom('merchant_platforms')
        .where('source', '=', source)
        .where('merchant_id', 'in', unique.slice(start, start + merchantsPerQuery))
        .execute();
  }

  async insertConsent(consent: Consent): Promise<void> {
    await this.db
      .insertInto('consents')
      .values({
        id: consent.id,
        merchant_id: consent.merchantId,
        purpose: consent.purpose,
        data_sources: JSON.stringify(consent.dataSources),
        granted_at_ms: consent.grantedAtMs,
        expires_at_ms: consent.expiresAtMs,
        revoked_at_ms: consent.revokedAtMs,
      })
      .execute();
    await this.bumpMerchant(consent.merchantId);
  }

  async revokeConsent(id: string, atMs: bigint): Promise<void> {
    await this.db
      .updateTable('consents')
      .set({ revoked_at_ms: atMs })
      .where('id', '=', id)
      .where('revoked_at_ms', 'is', null)
      .execute();
    const consent = await this.consent(id);
    if (consent !== undefined) await this.bumpMerchant(consent.merchantId);
  }

  async setFlag(merchantId: string, flag: string, reason: string, atMs: bigint): Promise<void> {
    await this.db
      .insertInto('merchant_flags')
      .values({ merchant_id: merchantId, flag, reason, set_at_ms: atMs })
      .onConflict((conflict) =>
        conflict.columns(['merchant_id', 'flag']).doUpdateSet({ reason, set_at_ms: atMs }),
      )
      .execute();
    await this.bumpMerchant(merchantId);
  }

  async clearFlag(merchantId: string, flag: string): Promise<void> {
    await this.db
      .deleteFrom('merchant_flags')
      .where('merchant_id', '=', merchantId)
      .where('flag', '=', flag)
      .execute();
    await this.bumpMerchant(merchantId);
  }

  async insertModel(model: ModelRecord): Promise<void> {
    await this.db
      .insertInto('models')
      .values({
        id: model.id,
        version: BigInt(model.version),
        algorithm: model.algorithm,
        status: model.status,
        artifact: model.artifactJson,
        metrics: model.metricsJson,
        training: model.trainingJson,
        created_at_ms: model.createdAtMs,
      })
      .execute();
    await this.bumpConfig();
  }

  async setModelStatus(id: string, status: ModelStatus): Promise<void> {
    await this.db.updateTable('models').set({ status }).where('id', '=', id).execute();
    await this.bumpConfig();
  }

  async nextModelVersion(): Promise<number> {
    const row = await this.db
      .selectFrom('models')
      .select((eb) => eb.fn.max('version').as('max'))
      .executeTakeFirst();
    return row?.max === null || row?.max === undefined ? 1 : toSafeNumber(row.max) + 1;
  }

  async lockDecisionHead(): Promise<DecisionChainHead> {
    if (this.backend === 'sqlite') return this.decisionHead();
    const result = await sql<{ last_hash: string; decision_count: unknown }>`
      select last_hash, decision_count from decision_chain where id = 1 for update`.execute(this.db);
    return decisionHeadFromRow(result.rows[0]);
  }

  async appendDecisions(decisions: readonly DecisionRow[], head: DecisionChainHead): Promise<void> {
    for (const decision of decisions) {
      await this.db
        .insertInto('decision_inputs')
        .values({ digest: decision.inputsDigest, inputs: decision.inputsJson })
        .onConflict((conflict) => conflict.column('digest').doNothing())
        .execute();
      await this.db
        .insertInto('decisions')
        .values({
          sequence: decision.sequence,
          id: decision.id,
          merchant_id: decision.merchantId,
          decided_at_ms: decision.decidedAtMs,
          outcome: decision.outcome,
          record: decision.recordJson,
          inputs_digest: decision.inputsDigest,
          hash: decision.hash,
        })
        .execute();
    }
    await this.db
      .updateTable('decision_chain')
      .set({ last_hash: head.lastHash, decision_count: head.count })
      .where('id', '=', 1n)
      .execute();
  }

  async lockSettings(): Promise<void> {
    // SQLite runs one write at a time; PostgreSQL locks the row every settings change bumps.
    if (this.backend === 'sqlite') return;
    await sql`select version from config_version where id = 1 for update`.execute(this.db);
  }

  async putSetting(name: string, value: string, atMs: bigint): Promise<void> {
    await this.db
      .insertInto('settings')
      .values({ name, value, updated_at_ms: atMs })
      .onConflict((conflict) => conflict.column('name').doUpdateSet({ value, updated_at_ms: atMs }))
      .execute();
    await this.bumpConfig();
  }

  async appendAudit(entry: Omit<AuditEntry, 'sequence'>): Promise<void> {
    await this.db
      .insertInto('audit_log')
      .values({
        at_ms: entry.atMs,
        actor: entry.actor,
        action: entry.action,
        subject_type: entry.subjectType,
        subject_id: entry.subjectId,
        detail: entry.detailJson,
      })
      .execute();
  }

  async putFacilityDebtService(
    merchantId: string,
    facility: FacilityDebtService,
    status: 'active' | 'closed',
  ): Promise<void> {
    await this.db
      .insertInto('facility_debt_service')
      .values({
        facility_id: facility.facilityId,
        merchant_id: merchantId,
        currency: facility.currency,
        daily_debt_service_minor: facility.dailyDebtServiceMinor,
        status,
      })
      .onConflict((conflict) =>
        conflict.column('facility_id').doUpdateSet({
          daily_debt_service_minor: facility.dailyDebtServiceMinor,
          status,
          currency: facility.currency,
        }),
      )
      .execute();
    await this.bumpMerchant(merchantId);
  }
}
