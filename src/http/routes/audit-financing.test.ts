/**
 * The audit log of what keys do to pools and facilities by their word, over a real server and store
 * on SQLite and PostgreSQL: a pool funded (by a financier or an operator), a facility's collections
 * paused and resumed (by the platform), a payout confirmed or voided, a credit line's draw confirmed
 * or voided — each recorded with the key that made it and what it changed; a refusal, a retry
 * (under its Idempotency-Key, or of a reference funded or a draw resolved already) and the second
 * of two sent at once leave no entry of their own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditEntries, sentWith } from '../../../test/support/audit-log.ts';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { seedScoredMerchants } from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { fundPool } from '../../app/financing/origination.ts';
import { grantConsent } from '../../app/risk/consents.ts';
import { calendarDate, fromDayNumber, toDayNumber } from '../../domain/time/calendar-date.ts';

const asOf = '2026-07-15';
const asOfDay = toDayNumber(calendarDate(asOf));
const dayNs = 86_400_000_000_000n;
/** Noon the day after the decisions: offers made on the 15th are accepted on the 16th. */
const now = BigInt(asOfDay + 1) * dayNs + dayNs / 2n;
const today = fromDayNumber(asOfDay + 1);

interface Key {
  readonly id: string;
  readonly secret: string;
}

for (const backend of backendsUnderTest) {
  describe(`audit log of pools and facilities on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    let operator: Key;
    let platform: Key;
    let financier: Key;
    /** The approved merchants' decisions, in merchant order. */
    const decisions: { merchantId: string; decisionId: string; key: string }[] = [];
    before(async () => {
      api = await startTestServer(backend);
      (api.app.clock as ManualClock).set(now);
      const { store } = api.harness;
      await seedScoredMerchants(api.app, { merchants: 4, seed: 78, topBand: { grade: 'C', maxPd: 0.4 } });
      await store.write(async (tx) => {
        // The pools of the merchants' other currencies, funded as a seed (the USD one by the tests).
        for (const currency of ['EUR', 'GBP'])
          assert.ok(
            (
              await fundPool(tx, api.app, {
                financierId: 'fin_pool',
                currency,
                amountMinor: 100_000_000n,
                reference: 'seed',
              })
            ).ok,
          );
      });
      const issue = async (body: Record<string, string>) =>
        (await api.request('POST', '/v1/api_keys', { body })).json as Key;
      operator = await issue({ role: 'operator', name: 'treasury desk' });
      platform = await issue({ role: 'platform', object_id: 'plt_test' });
      financier = await issue({ role: 'financier', object_id: 'fin_pool' });
      for (const merchantId of ['mer_gen0', 'mer_gen1', 'mer_gen2', 'mer_gen3']) {
        await store.write((tx) =>
          grantConsent(tx, api.app, merchantId, {
            purpose: 'credit_assessment',
            dataSources: ['sales'],
            expiresAtMs: now / 1_000_000n + 365n * 86_400_000n,
          }),
        );
        const decided = await api.request('POST', `/v1/merchants/${merchantId}/decisions?as_of=${asOf}`);
        assert.equal(decided.status, 200, decided.text);
        if (decided.json.outcome === 'approved')
          decisions.push({
            merchantId,
            decisionId: decided.json.id,
            key: (await issue({ role: 'merchant', object_id: merchantId })).secret,
          });
      }
      assert.ok(decisions.length >= 3, `three of the generated merchants are approved (${decisions.length})`);
    });
    after(async () => api?.close());

    const log = (query: string) => auditEntries(api, query);
    const as = sentWith;
    /** The merchant's `product` offer of its decision, accepted: the facility. */
    const accept = async (decision: (typeof decisions)[number], product: string) => {
      const offers = await api.request(
        'POST',
        `/v1/decisions/${decision.decisionId}/offers`,
        as(operator.secret),
      );
      assert.equal(offers.status, 200, offers.text);
      const offer = offers.json.data.find((o: { product: string }) => o.product === product);
      assert.ok(offer, `${decision.merchantId} is offered a ${product}`);
      const accepted = await api.request('POST', `/v1/offers/${offer.id}/accept`, as(decision.key));
      assert.equal(accepted.status, 200, accepted.text);
      return accepted.json.facility as { id: string; currency: string };
    };

    it('records a pool funded, by the financier or an operator, once per funding', async () => {
      const fund = (key: string, body: Record<string, string>, idempotencyKey?: string) =>
        api.request(
          'POST',
          '/v1/funding_pools',
          as(key, { financier_id: 'fin_pool', currency: 'USD', ...body }, idempotencyKey),
        );
      const seed = { amount: '100000000', reference: 'seed' };
      assert.equal((await fund(financier.secret, seed, 'fund-seed')).status, 200);
      const retried = await fund(financier.secret, seed, 'fund-seed');
      assert.equal(retried.headers.get('idempotent-replayed'), 'true');
      // The same reference without the key posts nothing; refused: another financier's pool, nothing.
      assert.equal((await fund(financier.secret, seed)).status, 200);
      const elsewhere = await api.request(
        'POST',
        '/v1/funding_pools',
        as(financier.secret, { financier_id: 'fin_else', currency: 'USD', ...seed }),
      );
      assert.equal(elsewhere.status, 403, elsewhere.text);
      assert.equal((await fund(financier.secret, { amount: '0', reference: 'none' })).status, 400);
      assert.equal((await fund(operator.secret, { amount: '5000000', reference: 'top-up-1' })).status, 200);
      // Two at once under one reference: the second finds it posted.
      const twice = await Promise.all(
        [1, 2].map(() => fund(operator.secret, { amount: '700', reference: 'twice' })),
      );
      assert.deepEqual(
        twice.map((answer) => answer.status),
        [200, 200],
      );

      const entries = await log('?subject_type=funding_pool');
      assert.deepEqual(
        entries.map((e) => [e.action, e.subject_id, e.actor, e.detail]),
        [
          [
            'funding_pool.funded',
            'fin_pool:USD',
            operator.id,
            { financierId: 'fin_pool', currency: 'USD', amount: '700', reference: 'twice' },
          ],
          [
            'funding_pool.funded',
            'fin_pool:USD',
            operator.id,
            { financierId: 'fin_pool', currency: 'USD', amount: '5000000', reference: 'top-up-1' },
          ],
          [
            'funding_pool.funded',
            'fin_pool:USD',
            financier.id,
            { financierId: 'fin_pool', currency: 'USD', amount: '100000000', reference: 'seed' },
          ],
        ],
      );
    });

    it('records a payout confirmed or voided, by the platform, once', async () => {
      const confirmedId = (await accept(decisions[1] as (typeof decisions)[number], 'advance')).id;
      const voidedId = (await accept(decisions[2] as (typeof decisions)[number], 'advance')).id;
      const confirm = (id: string, idempotencyKey?: string) =>
        api.request(
          'POST',
          `/v1/disbursements/${id}/confirm`,
          as(platform.secret, undefined, idempotencyKey),
        );
      const voided = (id: string, reason: string) =>
        api.request('POST', `/v1/disbursements/${id}/void`, as(platform.secret, { reason }));
      assert.equal((await confirm(confirmedId, 'paid-out')).status, 200);
      assert.equal((await confirm(confirmedId, 'paid-out')).headers.get('idempotent-replayed'), 'true');
      // Refused: confirmed again without the key, voided once confirmed, an unknown facility.
      assert.equal((await confirm(confirmedId)).status, 409);
      assert.equal((await voided(confirmedId, 'too late')).status, 409);
      assert.equal((await confirm('fac_none')).status, 404);
      assert.equal((await voided(voidedId, 'bank account closed')).status, 200);
      assert.equal((await voided(voidedId, 'twice')).status, 409);

      const entries = await log('?action=facility.disbursement_confirmed');
      assert.deepEqual(
        entries.map((e) => [e.subject_type, e.subject_id, e.actor, e.detail]),
        [
          [
            'facility',
            confirmedId,
            platform.id,
            { merchantId: decisions[1]?.merchantId, product: 'advance' },
          ],
        ],
      );
      assert.deepEqual(
        (await log('?action=facility.disbursement_voided')).map((e) => [e.subject_id, e.actor, e.detail]),
        [
          [
            voidedId,
            platform.id,
            { merchantId: decisions[2]?.merchantId, product: 'advance', reason: 'bank account closed' },
          ],
        ],
      );
    });

    it("records a line's collections paused and resumed and its draws confirmed or voided, once each", async () => {
      const { id: lineId, currency } = await accept(
        decisions[0] as (typeof decisions)[number],
        'credit_line',
      );
      const merchantKey = decisions[0]?.key as string;
      const path = `/v1/facilities/${lineId}/collections`;
      const pause = (body: Record<string, unknown>, idempotencyKey?: string) =>
        api.request('POST', `${path}/pause`, as(platform.secret, body, idempotencyKey));
      const resume = () => api.request('POST', `${path}/resume`, as(platform.secret));
      // Refused: a pause in the past, one by the merchant's key.
      assert.equal((await pause({ reason: 'hardship', from: '2026-01-01' })).status, 400);
      assert.equal(
        (await api.request('POST', `${path}/pause`, as(merchantKey, { reason: 'x' }))).status,
        403,
      );
      assert.equal((await resume()).status, 409, 'not paused');
      assert.equal((await pause({ reason: 'hardship, case 77' }, 'pause-1')).status, 200);
      assert.equal(
        (await pause({ reason: 'hardship, case 77' }, 'pause-1')).headers.get('idempotent-replayed'),
        'true',
      );
      assert.equal((await pause({ reason: 'again' })).status, 409);
      assert.equal((await resume()).status, 200);
      assert.equal((await resume()).status, 409);
      // Two at once: the second finds it paused.
      const twice = await Promise.all([1, 2].map(() => pause({ reason: 'dispute', until: '2026-08-01' })));
      assert.deepEqual(twice.map((answer) => answer.status).sort(), [200, 409]);
      assert.equal((await resume()).status, 200);

      const draw = async (reference: string) => {
        const drawn = await api.request(
          'POST',
          `/v1/facilities/${lineId}/draws`,
          as(merchantKey, { amount: '1000', reference }),
        );
        assert.equal(drawn.status, 201, drawn.text);
        return encodeURIComponent(drawn.json.id);
      };
      const confirmedDraw = await draw('d1');
      const voidedDraw = await draw('d2');
      const resolve = (id: string, outcome: 'confirm' | 'void') =>
        api.request(
          'POST',
          `/v1/draws/${id}/${outcome}`,
          as(platform.secret, outcome === 'void' ? { reason: 'payout bounced' } : undefined),
        );
      assert.equal((await resolve(confirmedDraw, 'confirm')).status, 200);
      assert.equal((await resolve(confirmedDraw, 'confirm')).json.replayed, true);
      assert.equal((await resolve(confirmedDraw, 'void')).status, 409);
      assert.equal((await resolve(voidedDraw, 'void')).status, 200);
      assert.equal((await resolve(voidedDraw, 'void')).json.replayed, true);

      const entries = await log(`?subject_id=${lineId}`);
      assert.deepEqual(
        entries.map((e) => [e.action, e.subject_type, e.actor, e.detail]),
        [
          [
            'facility.draw_voided',
            'facility',
            platform.id,
            { drawId: `${lineId}:dr:d2`, amount: '1000', currency, reason: 'payout bounced' },
          ],
          [
            'facility.draw_confirmed',
            'facility',
            platform.id,
            { drawId: `${lineId}:dr:d1`, amount: '1000', currency },
          ],
          ['facility.collections_resumed', 'facility', platform.id, { from: today }],
          [
            'facility.collections_paused',
            'facility',
            platform.id,
            { from: today, until: '2026-08-01', reason: 'dispute' },
          ],
          ['facility.collections_resumed', 'facility', platform.id, { from: today }],
          [
            'facility.collections_paused',
            'facility',
            platform.id,
            { from: today, until: null, reason: 'hardship, case 77' },
          ],
        ],
      );
    });
  });
}
