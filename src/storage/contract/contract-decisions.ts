/**
 * Contract: credit decisions on a real store. No consent, no scoring; knock-outs in their order;
 * with consent, the champion's PD, a grade, a limit under the leverage cap across the merchant's
 * facilities and a price; challengers scored on the same inputs; every decision stored with its
 * inputs, reproducible from them, and chained so that `verify` catches a tampered one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BackendUnderTest, Harness } from '../../../test/support/backends.ts';
import { generateActivity } from '../../../test/support/events.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import { syntheticModel } from '../../../test/support/synthetic-model.ts';
import type { AppContext } from '../../app/app-context.ts';
import { cliActor } from '../../app/audit/audit-log.ts';
import { ingestBatch } from '../../app/ingest/ingest.ts';
import { grantConsent, revokeConsent } from '../../app/risk/consents.ts';
import {
  type Decided,
  decideForMerchant,
  parseRecord,
  storedInputs,
  verifyDecisionChain,
} from '../../app/risk/decisions.ts';
import { activeModels, registerModel } from '../../app/risk/models.ts';
import { decide } from '../../domain/decisions/decide.ts';
import { calendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';
import { parseRecord as parseEvent } from '../../ingest/parse-record.ts';
import { sha256, testEntropy } from './fixtures.ts';

const asOfDay = toDayNumber(calendarDate('2026-07-15'));
const now = BigInt(asOfDay + 1) * 86_400_000_000_000n;

export function decisionsContract(backend: BackendUnderTest): void {
  describe(`credit decisions on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    const decideNow = (merchant: string): Promise<Decided> =>
      decideForMerchant(app.store, app, merchant, asOfDay);
    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
      app = { store: harness.store, clock: new ManualClock(now), entropy: testEntropy, sha256 };
      const events = generateActivity(4, 196, 77).map((e) =>
        parseEvent({ origin: 'test', line: null, raw: JSON.stringify(e) }),
      );
      for (let start = 0; start < events.length; start += 2_000) {
        await harness.store.write((tx) => ingestBatch(tx, app, events.slice(start, start + 2_000)));
      }
      await harness.store.write(async (tx) => {
        await registerModel(tx, app, {
          artifact: syntheticModel('scorecard', 5),
          algorithm: 'scorecard',
          metrics: {},
          training: { synthetic: true },
          status: 'champion',
        });
        await registerModel(tx, app, {
          artifact: syntheticModel('gbt', 6),
          algorithm: 'gbt',
          metrics: {},
          training: { synthetic: true },
          status: 'challenger',
        });
      });
    });
    after(async () => harness?.dispose());

    it('refuses to score without consent, and says so', async () => {
      const decided = await decideNow('mer_gen0');
      assert.equal(decided.record.view.outcome, 'declined');
      assert.deepEqual(
        decided.record.view.reasons.map((r) => r.code),
        ['consent_missing'],
      );
      assert.equal(decided.record.view.pd, null, 'no model ran');
      assert.equal(decided.record.view.consent_id, null);
    });

    it('decides with consent: PD, grade, limit, price, reasons, the model and the consent it used', async () => {
      const expiresAtMs = now / 1_000_000n + 365n * 86_400_000n;
      const consent = await harness.store.write((tx) =>
        grantConsent(tx, app, 'mer_gen0', {
          purpose: 'credit_assessment',
          dataSources: ['sales', 'fulfilment', 'reviews', 'settlements'],
          expiresAtMs,
        }),
      );
      assert.ok(consent.ok);
      const decided = await decideNow('mer_gen0');
      const view = decided.record.view;
      assert.equal(view.consent_id, consent.value.id);
      assert.ok(view.pd !== null && view.pd > 0 && view.pd < 1);
      assert.match(view.grade ?? '', /^[A-F]$/);
      assert.ok(view.reasons.every((r) => r.code.length > 0 && r.description.length > 0));
      assert.equal(view.model?.version, 1);
      assert.equal(view.challengers.length, 1, 'the challenger scored the same inputs');
      if (view.outcome === 'approved') {
        assert.ok(BigInt(view.limit ?? '0') >= 50_000n);
        assert.ok((view.annual_rate_bps ?? 0) >= 600);
      } else {
        assert.ok(['risk_too_high', 'limit_below_minimum'].includes(view.reasons[0]?.code ?? ''));
      }
    });

    it('reproduces a stored decision from its stored inputs', async () => {
      const decided = await decideNow('mer_gen0');
      const row = await harness.store.read((tx) => tx.risk.decision(decided.row.id));
      assert.ok(row !== undefined);
      const record = parseRecord(row);
      const models = await harness.store.read((tx) => activeModels(tx));
      const again = decide(storedInputs(record), models.champion, models.challengers);
      assert.equal(again.outcome, record.view.outcome);
      assert.equal(again.pd === null ? null : Number(again.pd.toFixed(6)), record.view.pd);
      assert.equal(again.limitMinor === null ? null : again.limitMinor.toString(), record.view.limit);
      assert.equal(again.annualRateBps, record.view.annual_rate_bps);
      assert.deepEqual(
        again.reasons.map((r) => r.code),
        record.view.reasons.map((r) => r.code),
      );
    });

    it('keeps total daily debt service across facilities under the cap', async () => {
      const expiresAtMs = now / 1_000_000n + 365n * 86_400_000n;
      await harness.store.write((tx) =>
        grantConsent(tx, app, 'mer_gen1', {
          purpose: 'credit_assessment',
          dataSources: ['sales'],
          expiresAtMs,
        }),
      );
      const free = (await decideNow('mer_gen1')).record.view;
      const cap = BigInt(free.debt_service_cap_daily);
      assert.ok(cap > 0n, 'forecast sales give a debt-service cap');
      await harness.store.write((tx) =>
        tx.risk.putFacilityDebtService(
          'mer_gen1',
          { facilityId: 'fac_a', currency: 'USD', dailyDebtServiceMinor: cap / 2n },
          'active',
        ),
      );
      const half = (await decideNow('mer_gen1')).record.view;
      assert.equal(half.existing_debt_service_daily, (cap / 2n).toString());
      if (free.outcome === 'approved' && half.outcome === 'approved')
        assert.ok(BigInt(half.limit ?? '0') <= BigInt(free.limit ?? '0'));
      await harness.store.write((tx) =>
        tx.risk.putFacilityDebtService(
          'mer_gen1',
          { facilityId: 'fac_b', currency: 'USD', dailyDebtServiceMinor: cap },
          'active',
        ),
      );
      const capped = (await decideNow('mer_gen1')).record.view;
      assert.equal(capped.outcome, 'declined');
      assert.equal(capped.reasons[0]?.code, 'leverage_cap_reached');
      await harness.store.write((tx) =>
        tx.risk.putFacilityDebtService(
          'mer_gen1',
          { facilityId: 'fac_b', currency: 'USD', dailyDebtServiceMinor: cap },
          'closed',
        ),
      );
      assert.notEqual(
        (await decideNow('mer_gen1')).record.view.reasons[0]?.code,
        'leverage_cap_reached',
        'a closed facility no longer counts',
      );
    });

    it('knocks out in a fixed order: consent, KYB, tenure, history, fraud', async () => {
      const expiresAtMs = now / 1_000_000n + 30n * 86_400_000n;
      await harness.store.write((tx) =>
        grantConsent(tx, app, 'mer_gen2', {
          purpose: 'credit_assessment',
          dataSources: ['sales'],
          expiresAtMs,
        }),
      );
      await harness.store.write((tx) =>
        tx.risk.setFlag('mer_gen2', 'fraud', 'chargeback ring', now / 1_000_000n),
      );
      assert.equal((await decideNow('mer_gen2')).record.view.reasons[0]?.code, 'fraud_flag');
      const young = await decideForMerchant(
        app.store,
        app,
        'mer_gen2',
        toDayNumber(calendarDate('2026-02-01')),
      );
      assert.equal(
        young.record.view.reasons[0]?.code,
        'tenure_below_minimum',
        'tenure is checked before the fraud flag',
      );
      const consents = await harness.store.read((tx) => tx.risk.consents('mer_gen2'));
      await harness.store.write((tx) =>
        revokeConsent(tx, app, 'mer_gen2', consents[0]?.id ?? '', cliActor(app)),
      );
      assert.equal((await decideNow('mer_gen2')).record.view.reasons[0]?.code, 'consent_missing');
    });

    it("catches a decision's merchant, outcome, time or id changed beside its record", async () => {
      // The columns are not hashed but are read: who may see a decision, whether a later one of
      // the merchant's declined. A declined decision turned approved in its column alone lets an
      // earlier offer be accepted.
      const [row] = await harness.query(
        "select sequence, id, merchant_id, decided_at_ms, outcome from decisions where outcome = 'declined' order by sequence limit 1",
      );
      assert.ok(row !== undefined);
      const where = `where sequence = ${row['sequence']}`;
      for (const [column, value] of [
        ['outcome', "'approved'"],
        ['merchant_id', "'mer_someone_else'"],
        ['decided_at_ms', `${row['decided_at_ms']} + 1`],
        ['id', "'dec_forged'"],
      ] as const) {
        await harness.exec(`update decisions set ${column} = ${value} ${where}`);
        try {
          const found = (await verifyDecisionChain(harness.store, sha256)).failure;
          assert.equal(found?.rule, 'decision_columns_mismatch', column);
          assert.match(found?.detail ?? '', new RegExp(`\\(#${row['sequence']}\\): its ${column} `));
        } finally {
          const original = row[column];
          await harness.exec(
            `update decisions set ${column} = ${typeof original === 'string' ? `'${original}'` : String(original)} ${where}`,
          );
        }
      }
      assert.equal((await verifyDecisionChain(harness.store, sha256)).failure, null);
    });

    it("names a decision chain head whose hash is not the last decision's, not a count that agrees", async () => {
      const [head] = await harness.query('select last_hash from decision_chain');
      const lastHash = String(head?.['last_hash']);
      await harness.exec(`update decision_chain set last_hash = '${'0'.repeat(64)}'`);
      try {
        const found = (await verifyDecisionChain(harness.store, sha256)).failure;
        assert.equal(found?.rule, 'decision_chain_head_mismatch');
        assert.match(found?.detail ?? '', /hash 0000000000000000… is not the last stored decision's/);
      } finally {
        await harness.exec(`update decision_chain set last_hash = '${lastHash}'`);
      }
      assert.equal((await verifyDecisionChain(harness.store, sha256)).failure, null);
    });

    it('names a decision chain head row deleted, or holding text for its count, instead of failing on it', async () => {
      const [head] = await harness.query('select * from decision_chain');
      const restore = async () => {
        await harness.exec('delete from decision_chain');
        await harness.exec(
          `insert into decision_chain (id, last_hash, decision_count) values (1, '${head?.['last_hash']}', ${head?.['decision_count']})`,
        );
      };
      const tampering = [
        ['delete from decision_chain', /^decision_chain: its one row is missing/],
        // Only SQLite lets a bigint column hold text.
        ...(backend.name === 'sqlite'
          ? ([["update decision_chain set decision_count = 'eight'", /^decision_chain: .*eight/]] as const)
          : []),
      ] as const;
      for (const [statement, detail] of tampering) {
        await harness.exec(statement);
        try {
          const found = (await verifyDecisionChain(harness.store, sha256)).failure;
          assert.equal(found?.rule, 'decision_chain_head_unreadable', statement);
          assert.match(found?.detail ?? '', detail);
        } finally {
          await restore();
        }
      }
      assert.equal((await verifyDecisionChain(harness.store, sha256)).failure, null);
    });

    it('names a decision whose inputs were deleted, not the next one for a gap in the sequence', async () => {
      const [row] = await harness.query(
        'select i.digest, i.inputs from decisions d join decision_inputs i on i.digest = d.inputs_digest order by d.sequence limit 1 offset 2',
      );
      const digest = String(row?.['digest']);
      // Inputs are stored by content: the first decision that used them is the one named.
      const [first] = await harness.query(
        `select sequence, id from decisions where inputs_digest = '${digest}' order by sequence limit 1`,
      );
      await harness.exec(`delete from decision_inputs where digest = '${digest}'`);
      try {
        const found = (await verifyDecisionChain(harness.store, sha256)).failure;
        assert.equal(found?.rule, 'decision_inputs_missing');
        assert.match(
          found?.detail ?? '',
          new RegExp(
            `^decision ${first?.['id']} \\(#${first?.['sequence']}\\): its inputs \\(${digest.slice(0, 16)}…\\) are not stored`,
          ),
        );
      } finally {
        await harness.exec(
          `insert into decision_inputs (digest, inputs) values ('${digest}', '${String(row?.['inputs']).replaceAll("'", "''")}')`,
        );
      }
      assert.equal((await verifyDecisionChain(harness.store, sha256)).failure, null);
    });

    it('chains every decision so that verify catches a tampered one', async () => {
      const report = await verifyDecisionChain(harness.store, sha256);
      assert.equal(report.failure, null);
      assert.ok(report.checked >= 8);
      const [row] = await harness.query(
        "select id from decisions where outcome = 'declined' order by sequence limit 1",
      );
      await harness.exec(
        `update decisions set record = replace(record, '"declined"', '"approved"') where id = '${row?.['id']}'`,
      );
      assert.equal(
        (await verifyDecisionChain(harness.store, sha256)).failure?.rule,
        'decision_hash_mismatch',
      );
    });
  });
}
