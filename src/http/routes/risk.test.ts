/**
 * Consent and credit decisions over HTTP: a merchant grants and revokes consent for itself only; a
 * decision without consent is refused with its reason; with consent it answers PD, grade, limit,
 * price, reasons, the model version and the consent it relied on; a retry with the same
 * Idempotency-Key answers the same decision; the stored decision comes back with its inputs; the
 * operator sees the registry (without the monitoring bands, a page at a time) and the champion's
 * stability, counting a merchant by its latest scored decision; a platform key acts only for the
 * merchants it onboarded; an operator may revoke a consent; a malformed model artifact is refused
 * when registered and when read back to score; decision settings of the wrong type or out of range
 * are refused, naming each bad field; a flag is set and cleared only on a merchant Capstan knows and
 * only by a name it has, a refusal recording nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { generateActivity } from '../../../test/support/events.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { syntheticDataset, syntheticModel } from '../../../test/support/synthetic-model.ts';
import { ingestBatch } from '../../app/ingest/ingest.ts';
import { updateDecisionSettings } from '../../app/risk/decision-settings.ts';
import { registerModel, registerModelArtifact } from '../../app/risk/models.ts';
import { trainingReference } from '../../app/risk/stability.ts';
import { parseRecord } from '../../ingest/parse-record.ts';

const asOf = '2026-07-15';

for (const backend of backendsUnderTest) {
  describe(`consent and decisions API on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    let merchantKey: string;
    let otherMerchantKey: string;
    let platformKey: string;
    let otherPlatformKey: string;
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
      const issue = async (objectId: string, role = 'merchant') =>
        (await api.request('POST', '/v1/api_keys', { body: { role, object_id: objectId } })).json
          .secret as string;
      merchantKey = await issue('mer_gen0');
      otherMerchantKey = await issue('mer_gen1');
      // The generated events come from plt_test, which onboarded mer_gen0..2; plt_other sent nothing.
      platformKey = await issue('plt_test', 'platform');
      otherPlatformKey = await issue('plt_other', 'platform');
    });
    after(async () => api?.close());

    const decideFor = (merchant: string, options: { key?: string; idempotencyKey?: string } = {}) =>
      api.request('POST', `/v1/merchants/${merchant}/decisions?as_of=${asOf}`, {
        ...(options.key === undefined ? {} : { key: options.key }),
        ...(options.idempotencyKey === undefined
          ? {}
          : { headers: { 'idempotency-key': options.idempotencyKey } }),
      });

    it('refuses a decision as of a day to come, naming as_of, and chains nothing', async () => {
      const before = await api.app.store.read((tx) => tx.risk.decisionHead());
      const ahead = await api.request('POST', '/v1/merchants/mer_gen0/decisions?as_of=2099-01-01');
      assert.deepEqual(
        [ahead.status, ahead.json.code, ahead.json.param],
        [400, 'parameter_invalid', 'as_of'],
      );
      assert.match(ahead.json.detail, /must not be after today/);
      assert.deepEqual(await api.app.store.read((tx) => tx.risk.decisionHead()), before);
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
      // Another merchant's decision answers like a missing one, and names nobody.
      assert.equal(theirs.json.code, 'decision_not_found');
      assert.doesNotMatch(theirs.text, /mer_/);
    });

    it('lets a platform key act only for the merchants its platform onboarded', async () => {
      const own = await decideFor('mer_gen0', { key: platformKey });
      assert.equal(own.status, 200, own.text);
      const read = await api.request('GET', `/v1/decisions/${own.json.id}`, { key: platformKey });
      assert.equal(read.status, 200, read.text);
      const foreign = await decideFor('mer_gen0', { key: otherPlatformKey });
      assert.equal(foreign.status, 404, 'plt_other never sent an event about mer_gen0');
      assert.equal(foreign.json.code, 'merchant_not_found');
      const peek = await api.request('GET', `/v1/decisions/${own.json.id}`, { key: otherPlatformKey });
      assert.equal(peek.status, 404);
      assert.equal(peek.json.code, 'decision_not_found');
      assert.doesNotMatch(peek.text, /mer_gen0/);
      const unknown = await decideFor('mer_nobody', { key: platformKey });
      assert.equal(unknown.status, 404, 'a merchant no platform onboarded is nobody’s');
      const byOperator = await api.request('GET', `/v1/decisions/${own.json.id}`);
      assert.equal(byOperator.status, 200, 'operators keep full access');
    });

    it('monitors a merchant by its latest scored decision, even when a knock-out came after it', async () => {
      const flagged = await api.request('POST', '/v1/merchants/mer_gen0/flags', {
        body: { flag: 'fraud', reason: 'under review' },
      });
      assert.equal(flagged.status, 200, flagged.text);
      const knockedOut = await decideFor('mer_gen0');
      assert.equal(knockedOut.json.pd, null, 'the latest decision never reached the model');
      const stability = await api.request('GET', '/v1/models/champion/stability?days=3650');
      assert.equal(stability.status, 200, stability.text);
      assert.equal(stability.json.merchants, 1, 'mer_gen0 counts with its earlier scored decision');
      assert.equal((await api.request('DELETE', '/v1/merchants/mer_gen0/flags/fraud')).status, 200);
    });

    it('knocks out a flagged merchant before any model runs', async () => {
      const flagged = await api.request('POST', '/v1/merchants/mer_gen0/flags', {
        body: { flag: 'fraud', reason: 'chargeback ring under review' },
      });
      assert.equal(flagged.status, 200, flagged.text);
      assert.deepEqual(flagged.json.flags, ['fraud']);
      assert.equal(typeof flagged.json.offers_withdrawn, 'number');
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

    it('flags and clears only a merchant it knows, and only a flag it has, recording nothing refused', async () => {
      const audited = async () => (await api.request('GET', '/v1/audit_log?limit=100')).json.data.length;
      const before = await audited();
      // No platform sent an event about mer_nobody and it has no facility: a mistyped id.
      for (const [method, path, body] of [
        ['POST', '/v1/merchants/mer_nobody/flags', { flag: 'fraud', reason: 'typo' }],
        ['DELETE', '/v1/merchants/mer_nobody/flags/fraud', undefined],
      ] as const) {
        const refused = await api.request(method, path, {
          ...(body === undefined ? {} : { body }),
          headers: { 'idempotency-key': `nobody-${method}` },
        });
        assert.deepEqual([refused.status, refused.json.code], [404, 'merchant_not_found'], refused.text);
      }
      assert.deepEqual(await api.app.store.read((tx) => tx.risk.flags('mer_nobody')), []);
      // A flag Capstan does not have is refused by name, as setting one is; one not set clears as it is.
      const unknownFlag = await api.request('DELETE', '/v1/merchants/mer_gen0/flags/vip');
      assert.deepEqual(
        [unknownFlag.status, unknownFlag.json.code, unknownFlag.json.param],
        [400, 'parameter_invalid', 'flag'],
        unknownFlag.text,
      );
      for (let i = 0; i < 2; i += 1) {
        const unset = await api.request('DELETE', '/v1/merchants/mer_gen0/flags/fraud');
        assert.deepEqual([unset.status, unset.json.flags], [200, []], unset.text);
      }
      assert.equal(await audited(), before, 'nothing refused, and nothing unchanged, is in the audit log');
      // Known merchants are flagged as ever.
      const flagged = await api.request('POST', '/v1/merchants/mer_gen1/flags', {
        body: { flag: 'fraud', reason: 'under review' },
      });
      assert.deepEqual([flagged.status, flagged.json.flags], [200, ['fraud']], flagged.text);
      assert.equal((await api.request('DELETE', '/v1/merchants/mer_gen1/flags/fraud')).status, 200);
      // One flagged before unknown merchants were refused can still be cleared.
      await api.app.store.write((tx) => tx.risk.setFlag('mer_typo', 'fraud', 'set by mistake', 0n));
      const legacy = await api.request('DELETE', '/v1/merchants/mer_typo/flags/fraud');
      assert.deepEqual([legacy.status, legacy.json.flags], [200, []], legacy.text);
      assert.equal(await audited(), before + 3);
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
      assert.equal(models.json.has_more, false);
      const first = await api.request('GET', '/v1/models?limit=1');
      assert.equal(first.status, 200, first.text);
      assert.equal(first.json.url, '/v1/models');
      assert.deepEqual(
        first.json.data.map((m: { id: string }) => m.id),
        [challengerId],
      );
      assert.equal(first.json.has_more, true, 'a second model is left');
      const second = await api.request('GET', `/v1/models?limit=1&starting_after=${challengerId}`);
      assert.deepEqual(
        second.json.data.map((m: { id: string }) => m.id),
        [championId],
      );
      assert.equal(second.json.has_more, false);
      const lost = await api.request('GET', '/v1/models?starting_after=mdl_nope');
      assert.equal(lost.status, 400);
      assert.equal(lost.json.code, 'starting_after_not_found');
      const tooMany = await api.request('GET', '/v1/models?limit=101');
      assert.equal(tooMany.status, 400);
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

    it('refuses a malformed model artifact when it is registered, and stores nothing', async () => {
      const { store } = api.harness;
      const base = { algorithm: 'scorecard', metrics: {}, training: {}, status: 'challenger' } as const;
      const malformed = await store.write((tx) =>
        registerModelArtifact(tx, api.app, {
          ...base,
          artifact: { algorithm: 'scorecard', formatVersion: 1 },
        }),
      );
      assert.equal(malformed.ok, false);
      assert.equal(malformed.ok ? null : malformed.code, 'model_malformed');
      const future = await store.write((tx) =>
        registerModelArtifact(tx, api.app, {
          ...base,
          artifact: { ...syntheticModel('scorecard', 5), formatVersion: 99 },
        }),
      );
      assert.equal(future.ok ? null : future.code, 'model_format_unknown');
      await assert.rejects(
        store.write((tx) =>
          registerModel(tx, api.app, {
            ...base,
            artifact: { algorithm: 'gbt', formatVersion: 1 } as unknown as ReturnType<typeof syntheticModel>,
          }),
        ),
        /model_malformed/,
      );
      const models = await api.request('GET', '/v1/models');
      assert.equal(models.json.data.length, 2, 'no model was stored');
    });

    it('refuses a stored artifact that fails the check when it is read back to score', async () => {
      const { store } = api.harness;
      const brokenId = 'mdl_broken';
      const champion = syntheticModel('scorecard', 5);
      await store.write(async (tx) =>
        tx.risk.insertModel({
          id: brokenId,
          version: await tx.risk.nextModelVersion(),
          algorithm: 'scorecard',
          status: 'challenger',
          artifactJson: JSON.stringify({ algorithm: 'scorecard', formatVersion: 1, features: [] }),
          metricsJson: '{}',
          trainingJson: JSON.stringify({
            stabilityReference: trainingReference(champion, syntheticDataset(5)),
          }),
          createdAtMs: 0n,
        }),
      );
      const beside = await decideFor('mer_gen0');
      assert.equal(beside.status, 200, 'a broken challenger is left out, not a reason to fail');
      assert.deepEqual(
        beside.json.challengers.map((c: { model_id: string }) => c.model_id),
        [challengerId],
      );
      const promoted = await api.request('POST', `/v1/models/${brokenId}/promote`);
      assert.equal(promoted.status, 409, promoted.text);
      assert.equal(promoted.json.code, 'model_malformed');
      const monitored = await api.request('GET', `/v1/models/${brokenId}/stability?days=3650`);
      assert.equal(monitored.status, 409, monitored.text);
      assert.equal(monitored.json.code, 'model_malformed');
      // As if the champion's row had gone bad in storage.
      const setChampion = (id: string, previous: string) =>
        store.write(async (tx) => {
          await tx.risk.setModelStatus(previous, 'challenger');
          await tx.risk.setModelStatus(id, 'champion');
        });
      await setChampion(brokenId, championId);
      const headBefore = await store.read((tx) => tx.risk.decisionHead());
      const refused = await decideFor('mer_gen0', { idempotencyKey: 'broken-champion' });
      assert.equal(refused.status, 409, refused.text);
      assert.equal(refused.json.code, 'model_malformed');
      assert.deepEqual(await store.read((tx) => tx.risk.decisionHead()), headBefore, 'nothing stored');
      await setChampion(championId, brokenId);
      await store.write((tx) => tx.risk.setModelStatus(brokenId, 'retired'));
      const retried = await decideFor('mer_gen0', { idempotencyKey: 'broken-champion' });
      assert.equal(retried.status, 200, 'the refusal was not kept under the key');
      assert.equal(retried.headers.get('idempotent-replayed'), null);
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

    it('lets an operator revoke a merchant’s consent, and no platform', async () => {
      const granted = await api.request('POST', '/v1/merchants/mer_gen0/consents', {
        key: merchantKey,
        body: { purpose: 'credit_assessment', data_sources: ['sales'], expires_at: '2027-09-01T00:00:00Z' },
      });
      assert.equal(granted.status, 200, granted.text);
      const path = `/v1/merchants/mer_gen0/consents/${granted.json.id}`;
      assert.equal((await api.request('DELETE', path, { key: platformKey })).status, 403);
      assert.equal((await api.request('DELETE', path, { key: otherMerchantKey })).status, 404);
      const elsewhere = await api.request('DELETE', `/v1/merchants/mer_gen1/consents/${granted.json.id}`);
      assert.equal(elsewhere.status, 404, 'the consent must be that merchant’s');
      assert.equal(elsewhere.json.code, 'consent_not_found');
      const revoked = await api.request('DELETE', path);
      assert.equal(revoked.status, 200, revoked.text);
      assert.ok(revoked.json.revoked_at !== null);
      const again = await api.request('DELETE', path, { key: merchantKey });
      assert.equal(again.json.revoked_at, revoked.json.revoked_at, 'revoking twice answers it unchanged');
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

    const putSettings = (body: unknown) => api.request('PUT', '/v1/settings/decisioning', { body });

    it('refuses settings of the wrong type, naming the field, and keeps deciding', async () => {
      const before = (await api.request('GET', '/v1/settings/decisioning')).json;
      for (const [body, param] of [
        [{ maxLimitMinor: 50_000 }, 'maxLimitMinor'],
        [{ minLimitMinor: 1_000 }, 'minLimitMinor'],
        [{ minLimitMinor: '-5' }, 'minLimitMinor'],
        [{ maxLimitMinor: { $bigint: '12.5' } }, 'maxLimitMinor'],
        [{ maxPd: '0.5' }, 'maxPd'],
        [{ maxPd: 0 }, 'maxPd'],
        [{ costOfFundsBps: 12.5 }, 'costOfFundsBps'],
        [{ marginBps: '300' }, 'marginBps'],
        [{ lossGivenDefaultBps: 10_001 }, 'lossGivenDefaultBps'],
        [{ limitRoundingMajor: 0 }, 'limitRoundingMajor'],
        [{ forecastHorizonDays: 0 }, 'forecastHorizonDays'],
        [{ minTenureDays: 1.5 }, 'minTenureDays'],
        [{ assumedFactorBps: 9_000 }, 'assumedFactorBps'],
        [{ maxPD: 0.1 }, 'maxPD'],
        [
          { currencyLimits: { KRW: { minLimitMinor: '900000', maxLimitMinor: { $bigint: '800000' } } } },
          'currencyLimits.KRW',
        ],
        [{ currencyLimits: { KRW: { minLimitMinor: '900000' } } }, 'currencyLimits.KRW'],
        [{ currencyLimits: { ABC: { minLimitMinor: '1', maxLimitMinor: '2' } } }, 'currencyLimits.ABC'],
        [{ currencyLimits: [] }, 'currencyLimits'],
      ] as const) {
        const refused = await putSettings(body);
        assert.equal(refused.status, 400, `${JSON.stringify(body)}: ${refused.text}`);
        assert.equal(refused.json.code, 'settings_invalid');
        assert.equal(refused.json.param, param, JSON.stringify(body));
        assert.match(refused.json.detail, new RegExp(param));
      }
      assert.deepEqual((await api.request('GET', '/v1/settings/decisioning')).json, before, 'nothing stored');
      const decided = await decideFor('mer_gen1');
      assert.equal(decided.status, 200, decided.text);
    });

    it('names every bad field when several are wrong', async () => {
      const refused = await putSettings({
        maxPd: 1.5,
        limitRoundingMajor: 0,
        minRateBps: 4_000,
        colour: 'red',
      });
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.json.param, undefined, 'several fields: the detail names them');
      for (const field of ['maxPd', 'limitRoundingMajor', 'minRateBps', 'colour'])
        assert.match(refused.json.detail, new RegExp(field));
    });

    it('checks grade bands: a non-empty list, increasing PDs, one band per letter, covering maxPd', async () => {
      const bands = (...pds: number[]) => pds.map((maxPd, i) => ({ grade: 'ABCDE'[i], maxPd }));
      for (const [body, param] of [
        [{ gradeBands: [] }, 'gradeBands'],
        [{ gradeBands: 'A' }, 'gradeBands'],
        [{ gradeBands: bands(0.01, 0.01, 0.15) }, 'gradeBands[1].maxPd'],
        [{ gradeBands: bands(0.05, 0.02, 0.15) }, 'gradeBands[1].maxPd'],
        [{ gradeBands: bands(0.05, 1) }, 'gradeBands[1].maxPd'],
        [
          {
            gradeBands: [
              { grade: 'A', maxPd: 0.05 },
              { grade: 'A', maxPd: 0.15 },
            ],
          },
          'gradeBands[1].grade',
        ],
        [{ gradeBands: [{ grade: 'F', maxPd: 0.15 }] }, 'gradeBands[0].grade'],
        [{ gradeBands: [{ grade: 'ab', maxPd: 0.15 }] }, 'gradeBands[0].grade'],
        [{ gradeBands: [{ grade: 'A', maxPd: '0.15' }] }, 'gradeBands[0].maxPd'],
        [{ gradeBands: [{ grade: 'A', maxPd: 0.15, colour: 'red' }] }, 'gradeBands[0].colour'],
        [{ gradeBands: bands(0.05, 0.1) }, 'maxPd'],
        [{ maxPd: 0.2 }, 'maxPd'],
      ] as const) {
        const refused = await putSettings(body);
        assert.equal(refused.status, 400, `${JSON.stringify(body)}: ${refused.text}`);
        assert.equal(refused.json.param, param, `${JSON.stringify(body)}: ${refused.text}`);
      }
      const widened = await putSettings({ maxPd: 0.2, gradeBands: bands(0.02, 0.05, 0.2) });
      assert.equal(widened.status, 200, widened.text);
      assert.equal(widened.json.gradeBands.length, 3);
    });

    it('takes amounts as decimal strings, or tagged as GET answers them, and answers them tagged', async () => {
      const changed = await putSettings({ minLimitMinor: '25000', maxLimitMinor: { $bigint: '40000000' } });
      assert.equal(changed.status, 200, changed.text);
      assert.deepEqual(changed.json.minLimitMinor, { $bigint: '25000' });
      assert.deepEqual(changed.json.maxLimitMinor, { $bigint: '40000000' });
      const current = (await api.request('GET', '/v1/settings/decisioning')).json;
      assert.deepEqual(current.minLimitMinor, { $bigint: '25000' });
      const sentBack = await putSettings(current);
      assert.equal(sentBack.status, 200, 'what GET answers can be sent back as it is');
      const decided = await decideFor('mer_gen1');
      assert.equal(decided.status, 200, decided.text);
    });

    it('refuses a change that is not a JSON object, null or no body included, as parameter_invalid', async () => {
      for (const path of ['/v1/settings/decisioning', '/v1/settings/offering', '/v1/settings/sweeping'])
        for (const rawBody of ['null', '[]', '"maxPd"', undefined]) {
          const refused = await api.request('PUT', path, {
            ...(rawBody === undefined ? { headers: { 'content-type': 'application/json' } } : { rawBody }),
          });
          assert.equal(refused.status, 400, `${path} ${rawBody}: ${refused.text}`);
          assert.equal(refused.json.code, 'parameter_invalid');
          assert.equal(refused.json.param, 'body');
        }
    });

    it('protects the settings in the app layer, whatever the transport', async () => {
      const { store } = api.harness;
      const refused = await store.write((tx) =>
        updateDecisionSettings(tx, api.app.clock.nowNs(), { maxLimitMinor: 50_000, maxPd: '0.5' }, 'test'),
      );
      assert.equal(refused.ok, false);
      assert.deepEqual(refused.ok ? [] : refused.fields, ['maxPd', 'maxLimitMinor']);
      const notAnObject = await store.write((tx) =>
        updateDecisionSettings(tx, api.app.clock.nowNs(), null, 'test'),
      );
      assert.equal(notAnObject.ok, false);
    });
  });
}
