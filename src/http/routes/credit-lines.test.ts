/**
 * Credit-line draws over HTTP, on SQLite and PostgreSQL: a grade C merchant accepts its credit
 * line and draws on it with its own key (201, the amount reserved), a retry with the same
 * reference answers the same draw (200, replayed), another merchant finds no such line, a draw
 * above what is available is 422 with the field named; the platform confirms one draw and voids
 * another, each once, and a merchant key may not resolve draws; the platform pauses collections on
 * the line and resumes them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { seedScoredMerchants } from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { grantConsent } from '../../app/risk/consents.ts';
import { calendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';

const asOf = '2026-07-15';
const asOfDay = toDayNumber(calendarDate(asOf));
const dayNs = 86_400_000_000_000n;
const now = BigInt(asOfDay + 1) * dayNs + dayNs / 2n;

for (const backend of backendsUnderTest) {
  describe(`credit-line draws over HTTP on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    let merchantKey: string;
    let otherMerchantKey: string;
    let platformKey: string;
    let facilityId = '';
    let limit = 0n;
    before(async () => {
      api = await startTestServer(backend);
      (api.app.clock as ManualClock).set(now);
      const { store } = api.harness;
      await seedScoredMerchants(api.app, { merchants: 2, seed: 78, topBand: { grade: 'C', maxPd: 0.4 } });
      let merchantId = '';
      let decisionId = '';
      for (const id of ['mer_gen0', 'mer_gen1']) {
        await store.write((tx) =>
          grantConsent(tx, api.app, id, {
            purpose: 'credit_assessment',
            dataSources: ['sales'],
            expiresAtMs: now / 1_000_000n + 365n * 86_400_000n,
          }),
        );
        const decided = await api.request('POST', `/v1/merchants/${id}/decisions?as_of=${asOf}`);
        assert.equal(decided.status, 200, decided.text);
        if (decided.json.outcome === 'approved' && decisionId === '') {
          decisionId = decided.json.id;
          merchantId = id;
        }
      }
      assert.notEqual(decisionId, '');
      const issue = async (objectId: string, role: string) =>
        (await api.request('POST', '/v1/api_keys', { body: { role, object_id: objectId } })).json
          .secret as string;
      merchantKey = await issue(merchantId, 'merchant');
      otherMerchantKey = await issue(merchantId === 'mer_gen0' ? 'mer_gen1' : 'mer_gen0', 'merchant');
      platformKey = await issue('plt_test', 'platform');
      const funded = await api.request('POST', '/v1/funding_pools', {
        body: { financier_id: 'fin_pool', currency: 'USD', amount: '100000000', reference: 'seed' },
      });
      assert.equal(funded.status, 200, funded.text);
      const offers = await api.request('POST', `/v1/decisions/${decisionId}/offers`);
      assert.equal(offers.status, 200, offers.text);
      // biome-ignore lint/suspicious/noExplicitAny: offer views as answered.
      const line = (offers.json.data as any[]).find((o) => o.product === 'credit_line');
      assert.ok(line, 'a credit line is offered at grade C');
      limit = BigInt(line.amount);
      const accepted = await api.request('POST', `/v1/offers/${line.id}/accept`, {
        key: merchantKey,
        headers: { 'idempotency-key': 'accept-line' },
      });
      assert.equal(accepted.status, 200, accepted.text);
      facilityId = accepted.json.facility.id;
      assert.equal(accepted.json.facility.status, 'active');
    });
    after(async () => api?.close());

    const draw = (reference: string, amount: string, key = merchantKey) =>
      api.request('POST', `/v1/facilities/${facilityId}/draws`, { key, body: { amount, reference } });

    it('draws with the merchant’s key, once per reference, within what is available', async () => {
      const first = await draw('d1', '25000');
      assert.equal(first.status, 201, first.text);
      assert.equal(first.json.status, 'pending');
      assert.equal(first.json.available, String(limit - 25_000n));
      assert.equal(first.json.id, `${facilityId}:dr:d1`);
      const again = await draw('d1', '25000');
      assert.equal(again.status, 200);
      assert.equal(again.json.replayed, true);
      const stranger = await draw('d9', '100', otherMerchantKey);
      assert.equal(stranger.status, 404);
      assert.equal(stranger.json.code, 'facility_not_found');
      const tooMuch = await draw('d2', String(limit));
      assert.equal(tooMuch.status, 422);
      assert.equal(tooMuch.json.code, 'credit_line_limit_exceeded');
      assert.equal(tooMuch.json.param, 'amount');
    });

    it('lets the platform confirm or void a draw, once, and not a merchant', async () => {
      const drawId = encodeURIComponent(`${facilityId}:dr:d1`);
      const byMerchant = await api.request('POST', `/v1/draws/${drawId}/confirm`, { key: merchantKey });
      assert.equal(byMerchant.status, 403);
      const withBody = await api.request('POST', `/v1/draws/${drawId}/confirm`, {
        key: platformKey,
        body: { amount: '1' },
      });
      assert.deepEqual([withBody.status, withBody.json.code], [400, 'parameter_unknown'], withBody.text);
      // Sent with the JSON header and an empty body, as many clients do: no body.
      const confirmed = await api.request('POST', `/v1/draws/${drawId}/confirm`, {
        key: platformKey,
        rawBody: '',
      });
      assert.equal(confirmed.status, 200, confirmed.text);
      assert.equal(confirmed.json.status, 'posted');
      const voidPosted = await api.request('POST', `/v1/draws/${drawId}/void`, {
        key: platformKey,
        body: { reason: 'too late' },
      });
      assert.equal(voidPosted.status, 409);
      assert.equal(voidPosted.json.code, 'draw_not_pending');

      const second = await draw('d2', '1000');
      assert.equal(second.status, 201);
      const voided = await api.request('POST', `/v1/draws/${encodeURIComponent(second.json.id)}/void`, {
        key: platformKey,
        body: { reason: 'bank account closed' },
      });
      assert.equal(voided.status, 200, voided.text);
      assert.equal(voided.json.status, 'voided');
      assert.equal(voided.json.available, String(limit - 25_000n));
      const unknown = await api.request('POST', '/v1/draws/nothing/confirm', { key: platformKey });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json.code, 'draw_not_found');
    });

    it('lets the platform pause and resume collections on the line, not the merchant', async () => {
      const path = `/v1/facilities/${facilityId}/collections`;
      const byMerchant = await api.request('POST', `${path}/pause`, {
        key: merchantKey,
        body: { reason: 'x' },
      });
      assert.equal(byMerchant.status, 403);
      const blank = await api.request('POST', `${path}/pause`, { key: platformKey, body: { reason: '  ' } });
      assert.deepEqual(
        [blank.status, blank.json.code, blank.json.param],
        [400, 'pause_invalid', 'reason'],
        'a blank reason is named as such, not as the day the pause starts',
      );
      const paused = await api.request('POST', `${path}/pause`, {
        key: platformKey,
        body: { reason: 'the merchant reported a flood' },
      });
      assert.equal(paused.status, 200, paused.text);
      assert.equal(paused.json.paused_today, true);
      assert.equal(paused.json.pause.until, null);
      const twice = await api.request('POST', `${path}/pause`, {
        key: platformKey,
        body: { reason: 'again' },
      });
      assert.equal(twice.status, 409);
      assert.equal(twice.json.code, 'collections_already_paused');
      const past = await api.request('POST', `${path}/pause`, {
        key: platformKey,
        body: { reason: 'late', from: '2020-01-01' },
      });
      assert.equal(past.status, 400);
      assert.deepEqual(
        [past.json.code, past.json.param],
        ['pause_invalid', 'from'],
        'a pause never starts in the past',
      );
      const backwards = await api.request('POST', `${path}/pause`, {
        key: platformKey,
        body: { reason: 'backwards', from: '2026-08-10', until: '2026-08-01' },
      });
      assert.deepEqual(
        [backwards.status, backwards.json.code, backwards.json.param, backwards.json.detail],
        [
          400,
          'pause_invalid',
          'until',
          'until (2026-08-01) is before from (2026-08-10): a pause ends on or after the day it starts',
        ],
      );
      const resumed = await api.request('POST', `${path}/resume`, { key: platformKey });
      assert.equal(resumed.status, 200, resumed.text);
      assert.equal(resumed.json.paused_today, false);
      const nothing = await api.request('POST', `${path}/resume`, { key: platformKey });
      assert.equal(nothing.status, 409);
      assert.equal(nothing.json.code, 'collections_not_paused');
    });

    it('tells a merchant whose line owes nothing that there is nothing to repay, whichever way asked', async () => {
      const repay = (body: Record<string, unknown>) =>
        api.request('POST', `/v1/facilities/${facilityId}/repayments`, { key: merchantKey, body });
      const cleared = await repay({ payoff: true, reference: 'clear-all' });
      assert.equal(cleared.status, 200, cleared.text);
      for (const [body, param] of [
        [{ payoff: true, reference: 'nothing-1' }, 'payoff'],
        [{ amount: '1', reference: 'nothing-2' }, 'amount'],
      ] as const) {
        const refused = await repay(body);
        assert.deepEqual(
          [refused.status, refused.json.code, refused.json.param, refused.json.detail],
          [400, 'amount_invalid', param, `facility ${facilityId} owes nothing`],
        );
      }
    });
  });
}
