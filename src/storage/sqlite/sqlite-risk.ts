/**
 * The decision path's hot statements on SQLite, prepared once: the version check that lets a
 * cached decision input be reused, and appending decisions. Everything else is KyselyRisk's.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { DecisionChainHead, DecisionRow } from '../../app/ports.ts';
import { KyselyRisk } from '../kysely-risk.ts';
import { toBigInt } from '../rows.ts';
import type { Database } from '../schema.ts';

export class SqliteRisk extends KyselyRisk {
  private readonly statements;

  constructor(db: Kysely<Database>, connection: BetterSqlite3.Database) {
    super(db, 'sqlite');
    this.statements = {
      merchantVersion: connection.prepare<[string], { version: bigint }>(
        'select version from merchant_versions where merchant_id = ?',
      ),
      configVersion: connection.prepare<[], { version: bigint }>(
        'select version from config_version where id = 1',
      ),
      insertDecision: connection.prepare(
        'insert into decisions (sequence, id, merchant_id, decided_at_ms, outcome, record, inputs_digest, hash) values (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      hasInputs: connection
        .prepare<[string], unknown>('select 1 from decision_inputs where digest = ?')
        .pluck(),
      insertInputs: connection.prepare('insert into decision_inputs (digest, inputs) values (?, ?)'),
      setHead: connection.prepare('update decision_chain set last_hash = ?, decision_count = ? where id = 1'),
    };
  }

  override async versions(
    merchantId: string,
  ): Promise<{ readonly merchant: bigint; readonly config: bigint }> {
    const merchant = this.statements.merchantVersion.get(merchantId);
    const config = this.statements.configVersion.get();
    return {
      merchant: merchant === undefined ? 0n : toBigInt(merchant.version),
      config: config === undefined ? 0n : toBigInt(config.version),
    };
  }

  override async appendDecisions(decisions: readonly DecisionRow[], head: DecisionChainHead): Promise<void> {
    for (const d of decisions) {
      // Look before inserting: most decisions reuse stored inputs, and the lookup binds 64
      // characters where the insert would bind kilobytes only to find the row already there.
      if (this.statements.hasInputs.get(d.inputsDigest) === undefined)
        this.statements.insertInputs.run(d.inputsDigest, d.inputsJson);
      this.statements.insertDecision.run(
        d.sequence,
        d.id,
        d.merchantId,
        d.decidedAtMs,
        d.outcome,
        d.recordJson,
        d.inputsDigest,
        d.hash,
      );
    }
    this.statements.setHead.run(head.lastHash, head.count);
  }
}
