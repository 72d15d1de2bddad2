/**
 * Consent and credit decisions over HTTP: a merchant grants and revokes consent for itself only; a
 * decision without consent is refused with its reason; with consent it answers PD, grade, limit,
 * price, reasons, the model version and the consent it relied on; a retry with the same
 * Idempotency-Key answers the same decision; the stored decision comes back with its inputs; the
 * operator sees the registry (without the monitoring bands) and the champion's stability.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { generateActivity } from '../../../test/support/events.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { syntheticDataset, syntheticModel } from '../../../test/support/synthetic-model.ts';
import { ingestBatch } from '../../app/ingest/ingest.ts';
import { registerModel } from '../../app/risk/models.ts';
import { trainingReference } from '../../app/risk/stability.ts';
import { parseRecord } from '../../ingest/parse-record.ts';

const asOf = '2026-07-15';

for (const backend of backendsUnderTest) {
  describe(`consent and decisions API on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    let merchantKey: string;
    let otherMerchantKey: string;
    let consentId: string;
    let championId: string;
    let challengerId: string;
    before(async () => {
      api = await startTestServer(backend);
      const { store } = api.harness;
      const events = generateActivity(3, 196, 77).map((e) =>
        parseRecord({ origin: 'test', line: null, raw: JSON.stringify(e) }),
      );
      for (let start = 0; start < events.length; start += 2_000)
        await store.write((tx) => ingestBatch(tx, api.app, events.slice(start, start + 2_000)));
      const champion = syntheticModel('scorecard', 5);
      await store.write(async (tx) => {
        championId = (
          await registerModel(tx, api.app, {
            artifact: champion,
            algorithm: 'scorecard',
            metrics: { auc: 0.8 },
            training: {
              synthetic: true,
              stabilityReference: trainingReference(champion, syntheticDataset(5)),
            },
            status: 'champion',
          })
        ).id;
        challengerId = (
          await registerModel(tx, api.app, {
            artifact: syntheticModel('gbt', 6),
            algorithm: 'gbt',
            metrics: {},
            training: { synthetic: true },
            status: 'challenger',
          })
        ).id;
      });
      const issue = async (objectId: string) =>
        (await api.request('POST', '/v1/api_keys', { body: { role: 'merchant', object_id: objectId } })).json
          .secret as string;
      merchantKey = await issue('mer_gen0');
      otherMerchantKey = await issue('mer_gen1');
    });
    after(async () => api?.close());

    const decideFor = (merchant: string, options: { key?: string; idempotencyKey?: string } = {}) =>
      api.request('POST', `/v1/merchants/${merchant}/decisions?as_of=${asOf}`, {
        ...(options.key === undefined ? {} : { key: options.key }),
        ...(options.idempotencyKey === undefined
          ? {}
          : { headers: { 'idempotency-key': options.idempotencyKey } }),
      });

    it('refuses to decide without consent, with the reason in words and as a code', async () => {
      const response = await decideFor('mer_gen0');
      assert.equal(response.status, 200);
      assert.equal(response.json.outcome, 'declined');
      assert.deepEqual(
        response.json.reasons.map((r: { code: string }) => r.code),
        ['consent_missing'],
      );
      assert.ok(response.json.reasons[0].description.length > 10);
      assert.equal(response.json.pd, null);
      assert.equal(response.json.consent_id, null);
    });

    it('lets a merchant grant consent for itself only; the operator may read it', async () => {
      const body = {
        purpose: 'credit_assessment',
        data_sources: ['sales', 'settlements', 'fulfilment', 'reviews'],
        expires_at: '2027-09-01T00:00:00Z',
      };
      const denied = await api.request('POST', '/v1/merchants/mer_gen0/consents', {
        key: otherMerchantKey,
        body,
      });
      assert.equal(denied.status, 404, "another merchant's consent is not this key's to give");
      const byOperator = await api.request('POST', '/v1/merchants/mer_gen0/consents', { body });
      assert.equal(byOperator.status, 403, 'consent is the merchant’s own act');
      const expired = await api.request('POST', '/v1/merchants/mer_gen0/consents', {
        key: merchantKey,
        body: { ...body, expires_at: '2020-01-01T00:00:00Z' },
      });
      assert.equal(expired.status, 400);
      const granted = await api.request('POST', '/v1/merchants/mer_gen0/consents', {
        key: merchantKey,
        body,
      });
      assert.equal(granted.status, 200, granted.text);
      assert.match(granted.json.id, /^cns_/);
      assert.deepEqual(granted.json.data_sources, [...body.data_sources].sort());
      consentId = granted.json.id;
      const listed = await api.request('GET', '/v1/merchants/mer_gen0/consents');
      assert.deepEqual(
        listed.json.data.map((c: { id: string }) => c.id),
        [consentId],
      );
      const peek = await api.request('GET', '/v1/merchants/mer_gen0/consents', { key: otherMerchantKey });
      assert.equal(peek.status, 404);
    });

    it('decides with consent: PD, grade, limit, price, reasons, model version and consent id', async () => {
      const first = await decideFor('mer_gen0', { idempotencyKey: 'decide-1' });
      assert.equal(first.status, 200, first.text);
      const view = first.json;
      assert.match(view.id, /^dec_/);
      assert.equal(view.consent_id, consentId);
      assert.deepEqual(view.model, { id: championId, version: 1 });
      assert.ok(view.pd > 0 && view.pd < 1);
      assert.match(view.grade, /^[A-F]$/);
      assert.ok(view.reasons.length > 0);
      for (const reason of view.reasons) {
        assert.match(reason.code, /^[a-z0-9_]+$/);
        assert.ok(reason.description.length > 0);
      }
      assert.deepEqual(
        view.challengers.map((c: { model_id: string }) => c.model_id),
        [challengerId],
      );
      if (view.outcome === 'approved') {
        assert.ok(BigInt(view.limit) > 0n);
        assert.ok(view.annual_rate_bps > 0);
      }
      const retried = await decideFor('mer_gen0', { idempotencyKey: 'decide-1' });
      assert.equal(retried.json.id, view.id, 'a retry answers the same decision');
      assert.equal(retried.headers.get('idempotent-replayed'), 'true');
      const own = await decideFor('mer_gen0', { key: merchantKey });
      assert.equal(own.status, 200, 'a merchant may ask for its own decision');
      assert.notEqual(own.json.id, view.id);
      const foreign = await decideFor('mer_gen0', { key: otherMerchantKey });
      assert.equal(foreign.status, 404);
    });

    it('returns a stored decision with everything it was made from, to its merchant only', async () => {
      const made = await decideFor('mer_gen0');
      const full = await api.request('GET', `/v1/decisions/${made.json.id}?include=inputs`);
      assert.equal(full.status, 200);
      assert.equal(full.json.pd, made.json.pd);
      assert.equal(full.json.inputs.merchantId, 'mer_gen0');
      assert.equal(full.json.inputs.consent.id, consentId);
      assert.match(full.json.hash, /^[0-9a-f]{64}$/);
      const mine = await api.request('GET', `/v1/decisions/${made.json.id}`, { key: merchantKey });
      assert.equal(mine.status, 200);
      assert.equal(mine.json.inputs, undefined);
      const theirs = await api.request('GET', `/v1/decisions/${made.json.id}`, { key: otherMerchantKey });
      assert.equal(theirs.status, 404);
      const missing = await api.request('GET', '/v1/decisions/dec_nope');
      assert.equal(missing.status, 404);
      assert.equal(missing.json.code, 'decision_not_found');
    });

    it('knocks out a flagged merchant before any model runs', async () => {
      const flagged = await api.request('POST', '/v1/merchants/mer_gen0/flags', {
        body: { flag: 'fraud', reason: 'chargeback ring under review' },
      });
      assert.equal(flagged.status, 200, flagged.text);
      const decided = await decideFor('mer_gen0');
      assert.deepEqual(
        decided.json.reasons.map((r: { code: string }) => r.code),
        ['fraud_flag'],
      );
      const cleared = await api.request('DELETE', '/v1/merchants/mer_gen0/flags/fraud');
      assert.equal(cleared.status, 200, cleared.text);
      assert.notDeepEqual(
        (await decideFor('mer_gen0')).json.reasons.map((r: { code: string }) => r.code),
        ['fraud_flag'],
      );
    });

    it('shows the registry without the monitoring bands, and the champion’s stability', async () => {
      const models = await api.request('GET', '/v1/models');
      assert.equal(models.status, 200);
      assert.deepEqual(
        models.json.data.map((m: { id: string; status: string }) => [m.id, m.status]),
        [
          [challengerId, 'challenger'],
          [championId, 'champion'],
        ],
      );
      assert.equal(models.json.data[1].training.stabilityReference, undefined);
      assert.equal(models.json.data[1].training.synthetic, true);
      const stability = await api.request('GET', '/v1/models/champion/stability?days=3650');
      assert.equal(stability.status, 200, stability.text);
      assert.equal(stability.json.model.id, championId);
      assert.equal(stability.json.merchants, 1, 'one merchant was scored');
      assert.ok(stability.json.score.psi >= 0);
      assert.ok(['stable', 'watch', 'shifted'].includes(stability.json.score.status));
      assert.ok(stability.json.inputs.some((i: { name: string }) => i.name === 'refund_rate_90d'));
      const noBands = await api.request('GET', `/v1/models/${challengerId}/stability`);
      assert.equal(noBands.status, 409);
      assert.equal(noBands.json.code, 'model_without_reference');
      const refused = await api.request('GET', '/v1/models', { key: merchantKey });
      assert.equal(refused.status, 403);
    });

    it('stops relying on a revoked consent at once', async () => {
      const revoked = await api.request('DELETE', `/v1/merchants/mer_gen0/consents/${consentId}`, {
        key: merchantKey,
      });
      assert.equal(revoked.status, 200, revoked.text);
      assert.ok(revoked.json.revoked_at !== null);
      const decided = await decideFor('mer_gen0');
      assert.deepEqual(
        decided.json.reasons.map((r: { code: string }) => r.code),
        ['consent_missing'],
      );
    });

    it('changes decision settings with validation', async () => {
      const bad = await api.request('PUT', '/v1/settings/decisioning', { body: { debtServiceShareBps: -5 } });
      assert.equal(bad.status, 400, bad.text);
      const changed = await api.request('PUT', '/v1/settings/decisioning', {
        body: { debtServiceShareBps: 1_500 },
      });
      assert.equal(changed.status, 200, changed.text);
      assert.equal(changed.json.debtServiceShareBps, 1_500);
      const read = await api.request('GET', '/v1/settings/decisioning');
      assert.equal(read.json.debtServiceShareBps, 1_500);
    });
  });
}
