/**
 * Financing over HTTP, on SQLite and PostgreSQL: a financier funds its pool (and no one else's);
 * a platform makes offers from an approved decision of a merchant it onboarded; the merchant lists
 * its open offers with their cost, APR and schedule and accepts one — a retry with the same
 * Idempotency-Key replays the answer, another merchant's key finds no such offer; the platform
 * confirms the payout; a settlement preview says what the payout repays and writes nothing, the
 * commit deducts the holdback and a repeated commit answers the same split, replayed; the merchant
 * repays directly and the platform pays the facility off, each once per reference, another
 * merchant's key finding no such facility; a second
 * acceptance is voided; an expired or unknown offer is refused, and so is a key of the wrong role.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { event, settlementPaid } from '../../../test/support/events.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { seedScoredMerchants } from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { sweepSettlement } from '../../app/financing/sweep.ts';
import { ingestBatch } from '../../app/ingest/ingest.ts';
import { grantConsent } from '../../app/risk/consents.ts';
import { calendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';
import { parseRecord } from '../../ingest/parse-record.ts';

const asOf = '2026-07-15';
const asOfDay = toDayNumber(calendarDate(asOf));
const dayNs = 86_400_000_000_000n;
/** Noon the day after the decision: offers made on the 15th are accepted on the 16th. */
const now = BigInt(asOfDay + 1) * dayNs + dayNs / 2n;

for (const backend of backendsUnderTest) {
  describe(`financing API on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    let merchantId = '';
    let decisionId = '';
    let merchantKey: string;
    let otherMerchantKey: string;
    let platformKey: string;
    let otherPlatformKey: string;
    let financierKey: string;
    // biome-ignore lint/suspicious/noExplicitAny: offer views as answered.
    let offers: any[] = [];
    let facilityId = '';
    before(async () => {
      api = await startTestServer(backend);
      (api.app.clock as ManualClock).set(now);
      const { store } = api.harness;
      await seedScoredMerchants(api.app, { merchants: 4, seed: 77, topBand: { grade: 'E', maxPd: 0.35 } });
      const expiresAtMs = now / 1_000_000n + 365n * 86_400_000n;
      for (const id of ['mer_gen0', 'mer_gen1', 'mer_gen2', 'mer_gen3']) {
        await store.write((tx) =>
          grantConsent(tx, api.app, id, {
            purpose: 'credit_assessment',
            dataSources: ['sales'],
            expiresAtMs,
          }),
        );
        const decided = await api.request('POST', `/v1/merchants/${id}/decisions?as_of=${asOf}`);
        assert.equal(decided.status, 200, decided.text);
        if (decided.json.outcome === 'approved' && decisionId === '') {
          decisionId = decided.json.id;
          merchantId = id;
        }
      }
      assert.notEqual(decisionId, '', 'one of the generated merchants is approved');
      const issue = async (objectId: string, role: string) =>
        (await api.request('POST', '/v1/api_keys', { body: { role, object_id: objectId } })).json
          .secret as string;
      merchantKey = await issue(merchantId, 'merchant');
      otherMerchantKey = await issue(merchantId === 'mer_gen0' ? 'mer_gen1' : 'mer_gen0', 'merchant');
      // The generated events come from plt_test, which onboarded mer_gen0..3; plt_other sent nothing.
      platformKey = await issue('plt_test', 'platform');
      otherPlatformKey = await issue('plt_other', 'platform');
      financierKey = await issue('fin_pool', 'financier');
    });
    after(async () => api?.close());

    it('reads and changes the offer settings (operators only), refusing a bad field by name; reads the sweep settings', async () => {
      const read = await api.request('GET', '/v1/settings/offering');
      assert.equal(read.status, 200, read.text);
      assert.equal(read.json.creditLineDayCount, 'act_365f');
      assert.equal(read.json.termLoanAmortization, 'level_payment');
      assert.deepEqual(read.json.minimumOfferMinor, { $bigint: '50000' });
      const bad = await api.request('PUT', '/v1/settings/offering', {
        body: { creditLineDayCount: '30/360' },
      });
      assert.equal(bad.status, 400, bad.text);
      assert.deepEqual([bad.json.code, bad.json.param], ['settings_invalid', 'creditLineDayCount']);
      assert.equal(read.json.disbursementDeadlineDays, 7);
      for (const days of [0, 61, 2.5]) {
        const deadline = await api.request('PUT', '/v1/settings/offering', {
          body: { disbursementDeadlineDays: days },
        });
        assert.deepEqual(
          [deadline.status, deadline.json.param],
          [400, 'disbursementDeadlineDays'],
          `${days}: ${deadline.text}`,
        );
      }
      const byMerchant = await api.request('PUT', '/v1/settings/offering', {
        key: merchantKey,
        body: { validityDays: 10 },
      });
      assert.equal(byMerchant.status, 403, byMerchant.text);
      // Changed and put back, amounts tagged as GET answers them.
      const changed = await api.request('PUT', '/v1/settings/offering', {
        body: {
          validityDays: 14,
          minimumOfferMinor: { $bigint: '70000' },
          // As GET answers it, tagged; or as decimal strings.
          currencyAmounts: {
            ...read.json.currencyAmounts,
            KRW: { minimumOfferMinor: { $bigint: '900000' }, amountRoundingMinor: '10000' },
          },
        },
      });
      assert.equal(changed.status, 200, changed.text);
      assert.deepEqual(
        [changed.json.validityDays, changed.json.minimumOfferMinor, changed.json.currencyAmounts.KRW],
        [
          14,
          { $bigint: '70000' },
          { minimumOfferMinor: { $bigint: '900000' }, amountRoundingMinor: { $bigint: '10000' } },
        ],
      );
      assert.deepEqual(changed.json.currencyAmounts.IDR, read.json.currencyAmounts.IDR);
      const back = await api.request('PUT', '/v1/settings/offering', {
        body: { validityDays: 30, minimumOfferMinor: '50000', currencyAmounts: read.json.currencyAmounts },
      });
      assert.deepEqual(back.json, read.json);
      const sweeping = await api.request('GET', '/v1/settings/sweeping');
      assert.deepEqual(sweeping.json, {
        dailyDeductionCapBps: 3_000,
        componentOrder: ['fees', 'interest', 'principal'],
      });
    });

    it('lets a financier fund its own pool only, and refuses a merchant key', async () => {
      const body = { financier_id: 'fin_pool', currency: 'USD', amount: '100000000', reference: 'seed' };
      const funded = await api.request('POST', '/v1/funding_pools', { key: financierKey, body });
      assert.equal(funded.status, 200, funded.text);
      assert.deepEqual(funded.json, {
        object: 'funding_pool',
        financier_id: 'fin_pool',
        currency: 'USD',
        available: '100000000',
      });
      const others = await api.request('POST', '/v1/funding_pools', {
        key: financierKey,
        body: { ...body, financier_id: 'fin_other' },
      });
      assert.equal(others.status, 403);
      assert.equal(others.json.code, 'role_not_allowed');
      const byMerchant = await api.request('POST', '/v1/funding_pools', { key: merchantKey, body });
      assert.equal(byMerchant.status, 403);
      assert.equal(byMerchant.json.code, 'role_not_allowed');
      const zero = await api.request('POST', '/v1/funding_pools', {
        body: { ...body, amount: '0', reference: 'zero' },
      });
      assert.equal(zero.status, 400);
      assert.equal(zero.json.code, 'amount_invalid');
      assert.equal(zero.json.param, 'amount');
      const spaced = await api.request('POST', '/v1/funding_pools', {
        body: { ...body, reference: 'has space' },
      });
      assert.deepEqual(
        [spaced.status, spaced.json.code, spaced.json.param],
        [400, 'reference_invalid', 'reference'],
      );
      const number = await api.request('POST', '/v1/funding_pools', { body: { ...body, amount: 5 } });
      assert.equal(number.status, 400, 'amounts are strings');
      // A reference is the pool's: again, nothing new; with another amount, refused; another
      // financier's pool (or this one's in another currency) may use it.
      const again = await api.request('POST', '/v1/funding_pools', { key: financierKey, body });
      assert.equal(again.json.available, '100000000');
      const reused = await api.request('POST', '/v1/funding_pools', {
        key: financierKey,
        body: { ...body, amount: '5' },
      });
      assert.equal(reused.status, 409, reused.text);
      assert.equal(reused.json.code, 'funding_reference_reused');
      assert.equal(reused.json.param, 'reference');
      for (const other of [
        { ...body, financier_id: 'fin_other', amount: '700' },
        { ...body, currency: 'EUR', amount: '900' },
      ]) {
        const funded = await api.request('POST', '/v1/funding_pools', { body: other });
        assert.equal(funded.status, 200, funded.text);
        assert.equal(funded.json.available, other.amount);
      }
    });

    it('makes offers from an approved decision for a platform that onboarded the merchant', async () => {
      const stranger = await api.request('POST', `/v1/decisions/${decisionId}/offers`, {
        key: otherPlatformKey,
      });
      assert.equal(stranger.status, 404);
      assert.equal(stranger.json.code, 'decision_not_found');
      const byMerchant = await api.request('POST', `/v1/decisions/${decisionId}/offers`, {
        key: merchantKey,
      });
      assert.equal(byMerchant.status, 403);
      const unknown = await api.request('POST', '/v1/decisions/dec_missing/offers');
      assert.equal(unknown.status, 404);
      const made = await api.request('POST', `/v1/decisions/${decisionId}/offers`, { key: platformKey });
      assert.equal(made.status, 200, made.text);
      assert.equal(made.json.object, 'list');
      assert.ok(made.json.data.length >= 2, 'at least two advances to accept');
      for (const offer of made.json.data) {
        assert.equal(offer.object, 'offer');
        assert.match(offer.id, /^off_/);
        assert.equal(offer.merchant_id, merchantId);
        assert.equal(offer.decision_id, decisionId);
        assert.equal(offer.status, 'open');
        assert.equal(offer.offered_on, asOf);
        assert.equal(offer.expires_on, '2026-08-14');
        assert.match(offer.amount, /^[1-9]\d*$/);
        assert.match(offer.apr, /^\d+\.\d\d$/);
        assert.equal(BigInt(offer.total_repayable), BigInt(offer.amount) + BigInt(offer.total_cost));
      }
    });

    it('makes no offers once the consent the decision relied on has lapsed, revoked or expired, until it is given again', async () => {
      // Another merchant of the book: its own decision, its own consent.
      const otherId = merchantId === 'mer_gen0' ? 'mer_gen1' : 'mer_gen0';
      const decided = await api.request('POST', `/v1/merchants/${otherId}/decisions?as_of=${asOf}`, {
        key: otherMerchantKey,
      });
      assert.equal(decided.json.outcome, 'approved', decided.text);
      const path = `/v1/decisions/${decided.json.id}/offers`;
      const listOpen = async () =>
        (await api.request('GET', `/v1/merchants/${otherId}/offers`, { key: otherMerchantKey })).json.data;
      const [relied] = (
        await api.request('GET', `/v1/merchants/${otherId}/consents`, { key: otherMerchantKey })
      ).json.data;
      assert.equal(relied.id, decided.json.consent_id);
      const revoked = await api.request('DELETE', `/v1/merchants/${otherId}/consents/${relied.id}`, {
        key: otherMerchantKey,
      });
      assert.equal(revoked.status, 200, revoked.text);
      const afterRevoke = await api.request('POST', path, { key: platformKey });
      assert.deepEqual([afterRevoke.status, afterRevoke.json.code], [409, 'consent_missing']);
      assert.deepEqual(await listOpen(), [], 'nothing made from data the merchant withdrew');
      // Given again for an hour, then lapsed: the same.
      const hour = await api.request('POST', `/v1/merchants/${otherId}/consents`, {
        key: otherMerchantKey,
        body: {
          purpose: 'credit_assessment',
          data_sources: ['sales'],
          expires_at: new Date(Number(now / 1_000_000n) + 3_600_000).toISOString(),
        },
      });
      assert.equal(hour.status, 200, hour.text);
      (api.app.clock as ManualClock).set(now + 2n * 3_600_000_000_000n);
      try {
        const afterExpiry = await api.request('POST', path, { key: platformKey });
        assert.deepEqual([afterExpiry.status, afterExpiry.json.code], [409, 'consent_missing']);
        assert.deepEqual(await listOpen(), []);
      } finally {
        (api.app.clock as ManualClock).set(now);
      }
      // Within the hour it is active: the decision makes its offers.
      const made = await api.request('POST', path, { key: platformKey });
      assert.equal(made.status, 200, made.text);
      assert.equal((await listOpen()).length, made.json.data.length);
    });

    it('lists a merchant its own open offers, newest first, with terms and schedule', async () => {
      const listed = await api.request('GET', `/v1/merchants/${merchantId}/offers`, { key: merchantKey });
      assert.equal(listed.status, 200, listed.text);
      offers = listed.json.data;
      // Made together, they are listed in the order the decision made them: advances largest first,
      // then term loans, then the credit line.
      const rank = ['advance', 'term_loan', 'credit_line'];
      for (const [i, offer] of offers.slice(1).entries()) {
        const before = offers[i];
        const order = rank.indexOf(before.product) - rank.indexOf(offer.product);
        assert.ok(
          order < 0 || (order === 0 && BigInt(before.amount) >= BigInt(offer.amount)),
          `${before.product} ${before.amount} before ${offer.product} ${offer.amount}`,
        );
      }
      assert.ok(offers.filter((o) => o.product === 'advance').length >= 2);
      const advance = offers.find((o) => o.product === 'advance');
      assert.ok(advance);
      assert.match(advance.terms.amount, /^\d+$/);
      assert.equal(typeof advance.terms.holdback_rate_bps, 'number');
      assert.ok(advance.schedule.length > 0);
      assert.match(advance.schedule[0].date, /^\d{4}-\d\d-\d\d$/);
      assert.match(advance.schedule[0].amount, /^\d+$/);
      // Made on 15 July and read on the 16th: what accepting each today discloses and records — an
      // advance's forecast from tomorrow, the same payments a day later, with the APR of those dates.
      for (const offer of offers) assert.equal(offer.acceptance_disclosure.accepted_on, '2026-07-16');
      assert.equal(advance.offered_on, '2026-07-15');
      assert.equal(advance.acceptance_disclosure.schedule[0].date, '2026-07-17');
      assert.deepEqual(
        advance.acceptance_disclosure.schedule.map((p: { amount: string }) => p.amount),
        advance.schedule.map((p: { amount: string }) => p.amount),
      );
      const byPlatform = await api.request('GET', `/v1/merchants/${merchantId}/offers`, { key: platformKey });
      assert.deepEqual(byPlatform.json.data, offers);
      const paged = await api.request('GET', `/v1/merchants/${merchantId}/offers?limit=2`, {
        key: merchantKey,
      });
      assert.equal(paged.status, 400, 'the list is not paged: a paging parameter is refused, not ignored');
      assert.equal(paged.json.code, 'parameter_unknown');
      const peek = await api.request('GET', `/v1/merchants/${merchantId}/offers`, { key: otherMerchantKey });
      assert.equal(peek.status, 404);
      assert.equal(peek.json.code, 'merchant_not_found');
      const stranger = await api.request('GET', `/v1/merchants/${merchantId}/offers`, {
        key: otherPlatformKey,
      });
      assert.equal(stranger.status, 404);
    });

    it('accepts an offer for its own merchant only; a retry replays the same acceptance', async () => {
      // The smallest advance: quick to repay.
      const advance = offers.filter((o) => o.product === 'advance').at(-1);
      const path = `/v1/offers/${advance.id}/accept`;
      const stolen = await api.request('POST', path, { key: otherMerchantKey });
      assert.equal(stolen.status, 404);
      assert.equal(stolen.json.code, 'offer_not_found');
      const byOperator = await api.request('POST', path);
      assert.equal(byOperator.status, 403);
      // Its body names at most the day of the disclosure shown: another field is refused, not ignored.
      const withBody = await api.request('POST', path, { key: merchantKey, body: { amount: '1' } });
      assert.equal(withBody.status, 400, withBody.text);
      assert.equal(withBody.json.code, 'parameter_unknown');
      const notADay = await api.request('POST', path, {
        key: merchantKey,
        body: { disclosed_on: '2026-02-30' },
      });
      assert.equal(notADay.status, 400, notADay.text);
      assert.deepEqual([notADay.json.code, notADay.json.param], ['parameter_invalid', 'disclosed_on']);
      // Shown the disclosure of the 15th and accepting on the 16th: that day's figures are others.
      const stale = await api.request('POST', path, {
        key: merchantKey,
        body: { disclosed_on: '2026-07-15' },
      });
      assert.equal(stale.status, 409, stale.text);
      assert.equal(stale.json.code, 'offer_disclosure_changed');
      const still = await api.request('GET', `/v1/offers/${advance.id}`, { key: merchantKey });
      assert.equal(still.json.status, 'open', 'nothing was accepted');
      const headers = { 'idempotency-key': 'accept-1' };
      const first = await api.request('POST', path, {
        key: merchantKey,
        headers,
        body: { disclosed_on: advance.acceptance_disclosure.accepted_on },
      });
      assert.equal(first.status, 200, first.text);
      assert.equal(first.json.object, 'acceptance');
      assert.equal(first.json.offer.status, 'accepted');
      assert.equal(first.json.offer.id, advance.id);
      // What was accepted, as recorded: the day, the consent relied on, the disclosure shown.
      const { acceptance } = first.json;
      assert.equal(acceptance.accepted_on, first.json.facility.opened_on);
      assert.match(acceptance.consent_id, /^cns_/);
      assert.equal(acceptance.disclosure.amount, advance.amount);
      assert.equal(acceptance.disclosure.apr_percent, advance.apr);
      assert.match(acceptance.disclosure.schedule[0].date, /^\d{4}-\d\d-\d\d$/);
      // What the merchant was shown before accepting today is what the acceptance recorded.
      const { disclosure } = acceptance;
      assert.deepEqual(
        {
          accepted_on: acceptance.accepted_on,
          apr: disclosure.apr_percent,
          apr_unit_period: disclosure.apr_unit_period,
          total_cost: disclosure.total_cost,
          total_repayable: disclosure.total_repayable,
          schedule: disclosure.schedule,
        },
        advance.acceptance_disclosure,
      );
      assert.equal(first.json.offer.acceptance_disclosure, null, 'accepted, it is no longer open');
      const facility = first.json.facility;
      assert.match(facility.id, /^fac_/);
      assert.equal(facility.object, 'facility');
      assert.equal(facility.status, 'disbursing');
      assert.equal(facility.financier_id, 'fin_pool');
      // What to pay the merchant: the whole amount, no refill paying anything off.
      assert.deepEqual(facility.payout, {
        amount: advance.amount,
        pays_off: null,
        to_merchant: advance.amount,
      });
      assert.equal(facility.opened_on, '2026-07-16');
      facilityId = facility.id;
      const retry = await api.request('POST', path, {
        key: merchantKey,
        headers,
        body: { disclosed_on: advance.acceptance_disclosure.accepted_on },
      });
      assert.equal(retry.status, 200);
      assert.equal(retry.headers.get('idempotent-replayed'), 'true');
      assert.equal(retry.text, first.text);
      const again = await api.request('POST', path, { key: merchantKey });
      assert.equal(again.status, 200, 'accepting an accepted offer answers the same facility');
      assert.equal(again.json.facility.id, facilityId);
      // The platform, which pays it out, reads what to pay on the facility too.
      const shown = await api.request('GET', `/v1/facilities/${facilityId}`, { key: platformKey });
      assert.equal(shown.status, 200, shown.text);
      assert.deepEqual(shown.json.payout, facility.payout);
      // The offer read back, with its history: made, then accepted (once, for all the retries).
      const read = await api.request('GET', `/v1/offers/${advance.id}`, { key: merchantKey });
      assert.equal(read.status, 200, read.text);
      const { history, ...offer } = read.json;
      assert.deepEqual(offer, first.json.offer);
      assert.deepEqual(
        history.map((e: { sequence: number; type: string }) => [e.sequence, e.type]),
        [
          [1, 'created'],
          [2, 'accepted'],
        ],
      );
      assert.match(history[1].recorded_at, /^2026-07-16T/);
      const byPlatformRead = await api.request('GET', `/v1/offers/${advance.id}`, { key: platformKey });
      assert.deepEqual(byPlatformRead.json, read.json);
      for (const key of [otherMerchantKey, otherPlatformKey]) {
        const hidden = await api.request('GET', `/v1/offers/${advance.id}`, { key });
        assert.deepEqual([hidden.status, hidden.json.code], [404, 'offer_not_found']);
      }
      const sibling = offers.find((o) => o.product === 'advance' && o.id !== advance.id);
      const withdrawn = await api.request('GET', `/v1/offers/${sibling.id}`, { key: merchantKey });
      assert.deepEqual(
        [withdrawn.json.status, withdrawn.json.history.map((e: { type: string }) => e.type)],
        ['withdrawn', ['created', 'withdrawn']],
      );
      const pool = await api.request('POST', '/v1/funding_pools', {
        body: { financier_id: 'fin_pool', currency: 'USD', amount: '1', reference: 'top-up' },
      });
      assert.equal(
        BigInt(pool.json.available),
        100_000_001n - BigInt(advance.amount),
        'the cash is reserved',
      );
      const open = await api.request('GET', `/v1/merchants/${merchantId}/offers`, { key: merchantKey });
      assert.ok(!open.json.data.some((o: { id: string }) => o.id === advance.id));
    });

    it('confirms the payout for the platform that onboarded the merchant', async () => {
      const path = `/v1/disbursements/${facilityId}/confirm`;
      const stranger = await api.request('POST', path, { key: otherPlatformKey });
      assert.equal(stranger.status, 404);
      assert.equal(stranger.json.code, 'facility_not_found');
      const headers = { 'idempotency-key': 'confirm-1' };
      const confirmed = await api.request('POST', path, { key: platformKey, headers });
      assert.equal(confirmed.status, 200, confirmed.text);
      assert.equal(confirmed.json.id, facilityId);
      assert.equal(confirmed.json.status, 'active');
      assert.equal(confirmed.json.payout, null, 'paid out: nothing more to pay');
      // Sent again with the body `{}` — the same as none — it is the same request: replayed.
      const retried = await api.request('POST', path, { key: platformKey, headers, body: {} });
      assert.equal(retried.status, 200, retried.text);
      assert.equal(retried.headers.get('idempotent-replayed'), 'true');
      assert.equal(retried.text, confirmed.text);
      const twice = await api.request('POST', path, { key: platformKey });
      assert.equal(twice.status, 409);
      assert.equal(twice.json.code, 'facility_not_disbursing');
    });

    it('previews a payout without writing, then commits it once: the holdback deducted', async () => {
      const accepted = offers.filter((o) => o.product === 'advance').at(-1);
      const holdbackBps = BigInt(accepted.terms.holdback_rate_bps);
      const body = {
        settlement_id: 'stl_1',
        merchant_id: merchantId,
        currency: 'USD',
        net: '200000',
        date: '2026-07-17',
      };
      const holdback = (200_000n * holdbackBps) / 10_000n;
      const preview = await api.request('POST', '/v1/settlements/preview', { key: platformKey, body });
      assert.equal(preview.status, 200, preview.text);
      assert.equal(preview.json.object, 'settlement_split');
      assert.equal(preview.json.deducted, holdback.toString());
      assert.equal(preview.json.merchant_net, (200_000n - holdback).toString());
      assert.equal(preview.json.deductions[0].facility_id, facilityId);
      assert.deepEqual(preview.json.financiers, [{ financier_id: 'fin_pool', total: holdback.toString() }]);
      const stranger = await api.request('POST', '/v1/settlements/preview', { key: otherPlatformKey, body });
      assert.equal(stranger.status, 404);

      const committed = await api.request('POST', '/v1/settlements/commit', { key: platformKey, body });
      assert.equal(committed.status, 200, committed.text);
      assert.equal(committed.json.replayed, false);
      const { replayed: _first, ...split } = committed.json;
      const { replayed: _preview, ...previewed } = preview.json;
      assert.equal(preview.json.replayed, false);
      assert.deepEqual(split, previewed, 'the commit makes the split the preview showed');
      const repeated = await api.request('POST', '/v1/settlements/commit', { key: platformKey, body });
      assert.equal(repeated.status, 200);
      assert.equal(repeated.json.replayed, true);
      const { replayed: _again, ...same } = repeated.json;
      assert.deepEqual(same, split);
      // An operator committing the same payout commits it for the merchant's platform: the same
      // key, so it is not swept twice (nor would the platform's settlement.paid for it be).
      const byOperator = await api.request('POST', '/v1/settlements/commit', { body });
      assert.equal(byOperator.status, 200, byOperator.text);
      assert.equal(byOperator.json.replayed, true);
      // One an operator committed before commits were keyed by platform, under `operator`: replayed too.
      const legacy = { ...body, settlement_id: 'stl_legacy', net: '1000' };
      const recorded = await api.harness.store.write((tx) =>
        sweepSettlement(tx, api.app, {
          settlementKey: 'operator stl_legacy',
          merchantId,
          day: toDayNumber(calendarDate(legacy.date)),
          currency: 'USD',
          netMinor: 1_000n,
        }),
      );
      assert.ok(recorded.ok);
      const again = await api.request('POST', '/v1/settlements/commit', { body: legacy });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.json.replayed, true);
      // Previewed once committed: the split as recorded. The same id with another amount is
      // another payout under a used id: refused, nothing written.
      const previewAgain = await api.request('POST', '/v1/settlements/preview', { key: platformKey, body });
      assert.deepEqual(previewAgain.json, repeated.json);
      for (const path of ['/v1/settlements/commit', '/v1/settlements/preview']) {
        const reused = await api.request('POST', path, { key: platformKey, body: { ...body, net: '100' } });
        assert.equal(reused.status, 409, reused.text);
        assert.equal(reused.json.code, 'settlement_reused');
        assert.equal(reused.json.param, 'settlement_id');
        assert.match(reused.json.detail, /was recorded with net 200000/);
      }
      const badDate = await api.request('POST', '/v1/settlements/preview', {
        key: platformKey,
        body: { ...body, date: '2026-02-30' },
      });
      assert.equal(badDate.status, 400);
      assert.equal(badDate.json.param, 'date');
      // Tomorrow (UTC) at the latest: a later day would open a day's cap of its own.
      const later = await api.request('POST', '/v1/settlements/commit', {
        key: platformKey,
        body: { ...body, settlement_id: 'stl_later', date: '2026-07-18' },
      });
      assert.equal(later.status, 400, later.text);
      assert.equal(later.json.param, 'date');
      assert.match(later.json.detail, /no later than tomorrow \(2026-07-17, UTC\)/);
      // Nor more than a week back: a mistyped year repaid nothing and used the id up.
      for (const [date, status] of [
        ['2025-07-16', 400],
        ['2026-07-08', 400],
        ['2026-07-09', 200],
      ] as const) {
        const dated = await api.request('POST', '/v1/settlements/preview', {
          key: platformKey,
          body: { ...body, settlement_id: 'stl_dated', date },
        });
        assert.equal(dated.status, status, `${date}: ${dated.text}`);
        if (status === 400) {
          assert.equal(dated.json.param, 'date');
          assert.match(dated.json.detail, /no earlier than 7 days ago \(2026-07-09, UTC\)/);
        }
      }
      // A payout recorded already is answered its split however old it is now: committed again, or
      // previewed, more than a week later, it is a replay, not a date refused.
      (api.app.clock as ManualClock).set(now + 10n * dayNs);
      for (const path of ['/v1/settlements/commit', '/v1/settlements/preview']) {
        const old = await api.request('POST', path, { key: platformKey, body });
        assert.equal(old.status, 200, `${path}: ${old.text}`);
        assert.equal(old.json.replayed, true);
      }
      (api.app.clock as ManualClock).set(now);
      // A payout too large for the ledger's 64-bit amounts is refused as a bad amount, not a 500.
      const huge = await api.request('POST', '/v1/settlements/commit', {
        key: platformKey,
        body: { ...body, settlement_id: 'stl_huge', net: '9223372036854775808' },
      });
      assert.equal(huge.status, 400, huge.text);
      const byMerchant = await api.request('POST', '/v1/settlements/commit', { key: merchantKey, body });
      assert.equal(byMerchant.status, 403);
      // An operator naming a merchant Capstan does not know (no platform's events, no facility) is
      // told so: an empty split would have the platform pay the whole payout.
      for (const path of ['/v1/settlements/commit', '/v1/settlements/preview']) {
        const mistyped = await api.request('POST', path, {
          body: { ...body, settlement_id: 'stl_typo', merchant_id: 'mer_gen0x' },
        });
        assert.deepEqual(
          [mistyped.status, mistyped.json.code, mistyped.json.param],
          [404, 'merchant_not_found', 'merchant_id'],
          mistyped.text,
        );
      }
      const ownPlatform = await api.request('POST', '/v1/settlements/preview', {
        key: platformKey,
        body: { ...body, platform_id: 'plt_other' },
      });
      assert.deepEqual([ownPlatform.status, ownPlatform.json.param], [403, 'platform_id']);
      // An operator's import onboards the merchant on a second platform as well: an operator's
      // commit must name the platform that paid, or that platform's own event for the payout
      // would be swept again under its key.
      const onboarded = await api.request('POST', '/v1/events', {
        body: event(
          'merchant.onboarded',
          'second-1',
          '2026-07-17T08:00:00Z',
          merchantId,
          {
            legal_name: 'Second Ltd',
            country: 'US',
            currency: 'USD',
            category: 'electronics',
            kyb_status: 'verified',
          },
          'plt_second',
        ),
      });
      assert.equal(onboarded.status, 200, onboarded.text);
      const second = { ...body, settlement_id: 'stl_second', net: '10000' };
      const unnamed = await api.request('POST', '/v1/settlements/commit', { body: second });
      assert.deepEqual(
        [unnamed.status, unnamed.json.code, unnamed.json.param],
        [400, 'platform_required', 'platform_id'],
      );
      assert.match(unnamed.json.detail, /plt_second, plt_test/);
      // A platform no one knows (no key, no events) is a typo, refused; one Capstan knows may have
      // paid the merchant though it is not the merchant's, as an operator's import of its report says.
      const unknownPlatform = await api.request('POST', '/v1/settlements/commit', {
        body: { ...second, platform_id: 'plt_typo' },
      });
      assert.deepEqual([unknownPlatform.status, unknownPlatform.json.code], [400, 'platform_invalid']);
      const otherPaid = { ...body, settlement_id: 'stl_paid_by_other', net: '20000' };
      const byOther = await api.request('POST', '/v1/settlements/commit', {
        body: { ...otherPaid, platform_id: 'plt_other' },
      });
      assert.equal(byOther.status, 200, byOther.text);
      assert.equal(byOther.json.replayed, false);
      // plt_other's settlement report, imported by the operator, brings the same payout: not swept again.
      const imported = await api.request('POST', '/v1/events', {
        body: settlementPaid({
          eventId: 'other-paid-1',
          settlementId: otherPaid.settlement_id,
          subject: merchantId,
          date: otherPaid.date,
          time: `${otherPaid.date}T18:00:00Z`,
          net: 20_000n,
          source: 'plt_other',
        }),
      });
      assert.equal(imported.status, 200, imported.text);
      const recordedOther = await api.harness.store.read((tx) =>
        tx.financing.sweepsByKey(['plt_other stl_paid_by_other', 'plt_test stl_paid_by_other']),
      );
      assert.deepEqual([...recordedOther.keys()], ['plt_other stl_paid_by_other']);
      const namedOtherAgain = await api.request('POST', '/v1/settlements/commit', {
        body: { ...otherPaid, platform_id: 'plt_other' },
      });
      assert.deepEqual([namedOtherAgain.status, namedOtherAgain.json.replayed], [200, true]);
      const named = await api.request('POST', '/v1/settlements/commit', {
        body: { ...second, platform_id: 'plt_second' },
      });
      assert.equal(named.status, 200, named.text);
      assert.equal(named.json.replayed, false);
      const recordedFor = await api.harness.store.read((tx) =>
        tx.financing.sweepsByKey(['plt_second stl_second', 'operator stl_second']),
      );
      assert.deepEqual([...recordedFor.keys()], ['plt_second stl_second']);
      // The payout recorded for plt_second: named again it replays, named for another it is refused;
      // one recorded before for plt_test replays unnamed, as it did when the merchant had one platform.
      const namedAgain = await api.request('POST', '/v1/settlements/commit', {
        body: { ...second, platform_id: 'plt_second' },
      });
      assert.equal(namedAgain.json.replayed, true);
      const otherNamed = await api.request('POST', '/v1/settlements/commit', {
        body: { ...second, platform_id: 'plt_test' },
      });
      assert.deepEqual(
        [otherNamed.status, otherNamed.json.code, otherNamed.json.param],
        [409, 'settlement_reused', 'platform_id'],
      );
      const first = await api.request('POST', '/v1/settlements/commit', { body });
      assert.deepEqual([first.status, first.json.replayed], [200, true]);
    });

    it("keys an operator's commit by the platform that claimed the merchant just before its write", async () => {
      // The commit reads the merchant's platforms (none yet), then a platform's event claims it,
      // then the commit writes: keyed `operator`, that platform's own settlement.paid for the same
      // payout would be swept again.
      const store = api.harness.store;
      const write = store.write.bind(store);
      store.write = (async (work: Parameters<typeof write>[0]) => {
        store.write = write;
        const claim = event(
          'merchant.onboarded',
          'late-1',
          '2026-07-17T08:00:00Z',
          'mer_late',
          {
            legal_name: 'Late Ltd',
            country: 'US',
            currency: 'USD',
            category: 'electronics',
            kyb_status: 'verified',
          },
          'plt_late',
        );
        const outcomes = await write((tx) =>
          ingestBatch(
            tx,
            api.app,
            [parseRecord({ origin: 'test', line: null, raw: JSON.stringify(claim) })],
            {
              allowedSource: 'plt_late',
            },
          ),
        );
        assert.equal(outcomes[0]?.status, 'applied');
        return write(work);
      }) as typeof store.write;
      const committed = await api.request('POST', '/v1/settlements/commit', {
        body: {
          settlement_id: 'stl_late',
          merchant_id: 'mer_late',
          currency: 'USD',
          net: '5000',
          date: '2026-07-17',
        },
      });
      assert.equal(store.write, write, 'the claim ran between the read and the write');
      assert.equal(committed.status, 200, committed.text);
      const recorded = await store.read((tx) =>
        tx.financing.sweepsByKey(['plt_late stl_late', 'operator stl_late']),
      );
      assert.deepEqual([...recorded.keys()], ['plt_late stl_late']);
    });

    it('commits a payout in another currency at the rate sent with it, and shows the conversion', async () => {
      const holdbackBps = BigInt(
        offers.filter((o) => o.product === 'advance').at(-1).terms.holdback_rate_bps,
      );
      const rate = {
        base: 'EUR',
        quote: 'USD',
        rate: '1.0842',
        source: 'ECB',
        as_of: '2026-07-18T14:15:00+02:00',
      };
      const body = {
        settlement_id: 'stl_eur_1',
        merchant_id: merchantId,
        currency: 'EUR',
        net: '100000',
        date: '2026-07-17',
        fx_rates: [rate],
      };
      const withheld = (100_000n * holdbackBps) / 10_000n;
      const balancesOf = async () =>
        (await api.request('GET', `/v1/facilities/${facilityId}`, { key: platformKey })).json.balances;
      const before = await balancesOf();
      const committed = await api.request('POST', '/v1/settlements/commit', { key: platformKey, body });
      assert.equal(committed.status, 200, committed.text);
      assert.equal(committed.json.currency, 'EUR');
      assert.equal(committed.json.deducted, withheld.toString());
      const [deduction] = committed.json.deductions;
      assert.equal(deduction.total, withheld.toString());
      assert.deepEqual(
        [
          deduction.fx.currency,
          deduction.fx.total,
          deduction.fx.rate,
          deduction.fx.source,
          deduction.fx.as_of,
        ],
        [
          'USD',
          (BigInt(deduction.fx.fees) + BigInt(deduction.fx.principal)).toString(),
          'EUR/USD 1.0842',
          'ECB',
          rate.as_of,
        ],
      );
      // Each component converted at the rate, rounded down — but the fee due, taken whole, pays the
      // facility's whole fee due: the cent its conversion rounded away is not left owing.
      const down = (minor: string) => ((BigInt(minor) * 10_842n) / 10_000n).toString();
      assert.equal(deduction.fx.principal, down(deduction.principal));
      assert.equal(BigInt(deduction.fx.fees), BigInt(down(deduction.fees)) + 1n);
      assert.equal(deduction.fx.interest, '0');
      const after = await balancesOf();
      for (const component of ['fees', 'principal'])
        assert.equal(
          BigInt(before[component]) - BigInt(after[component]),
          BigInt(deduction.fx[component]),
          `${component}: the facility's balance fell by what was converted`,
        );
      assert.deepEqual(committed.json.unconverted, []);
      // The facility's history (and its webhook) is in USD: what was withheld says it is EUR.
      const history = await api.request('GET', `/v1/facilities/${facilityId}?limit=100`, {
        key: platformKey,
      });
      const swept = history.json.history.data.find(
        // biome-ignore lint/suspicious/noExplicitAny: facility events as answered.
        (e: any) => e.type === 'swept' && e.detail.settlement_key.endsWith('stl_eur_1'),
      );
      assert.deepEqual(
        [history.json.currency, swept?.detail.fx.payout, swept?.detail.fx.payout_currency],
        ['USD', withheld.toString(), 'EUR'],
      );
      const withoutRate = await api.request('POST', '/v1/settlements/preview', {
        key: platformKey,
        body: { ...body, settlement_id: 'stl_eur_2', fx_rates: undefined },
      });
      assert.equal(withoutRate.status, 200, withoutRate.text);
      assert.equal(withoutRate.json.deducted, '0');
      assert.deepEqual(withoutRate.json.unconverted, [{ facility_id: facilityId, currency: 'USD' }]);
      const badRate = await api.request('POST', '/v1/settlements/preview', {
        key: platformKey,
        body: { ...body, fx_rates: [{ ...rate, quote: 'EUR' }] },
      });
      assert.equal(badRate.status, 400);
      assert.equal(badRate.json.param, 'fx_rates[0]');
      // Observed on the day after the payout at the latest, and within the week before it.
      for (const as_of of ['2026-07-19T00:00:00Z', '2026-07-09T23:59:59Z', '9999-12-31T23:59:59Z']) {
        const dated = await api.request('POST', '/v1/settlements/preview', {
          key: platformKey,
          body: { ...body, fx_rates: [{ ...rate, as_of }] },
        });
        assert.deepEqual([dated.status, dated.json.param], [400, 'fx_rates[0].as_of'], as_of);
      }
      const weekOld = await api.request('POST', '/v1/settlements/preview', {
        key: platformKey,
        body: {
          ...body,
          settlement_id: 'stl_eur_week',
          fx_rates: [{ ...rate, as_of: '2026-07-10T00:00:00Z' }],
        },
      });
      assert.equal(weekOld.status, 200, weekOld.text);
      // Two rates for one pair, either way round: which to use would be a guess.
      const twice = await api.request('POST', '/v1/settlements/preview', {
        key: platformKey,
        body: { ...body, fx_rates: [rate, { ...rate, base: 'USD', quote: 'EUR', rate: '0.92' }] },
      });
      assert.equal(twice.status, 400, twice.text);
      assert.equal(twice.json.param, 'fx_rates[1]');
      // A rate that does not convert the payout's EUR would be taken and never used.
      const beside = await api.request('POST', '/v1/settlements/preview', {
        key: platformKey,
        body: { ...body, fx_rates: [rate, { ...rate, base: 'GBP', quote: 'JPY', rate: '190.5' }] },
      });
      assert.deepEqual([beside.status, beside.json.param], [400, 'fx_rates[1]'], beside.text);
      assert.match(beside.json.detail, /GBP\/JPY rate does not convert the payout's EUR/);
    });

    it('takes a direct repayment and an early payoff, once per reference, for its own merchant only', async () => {
      const path = `/v1/facilities/${facilityId}/repayments`;
      const body = { amount: '1000', reference: 'direct-1' };
      const peek = await api.request('POST', path, { key: otherMerchantKey, body });
      assert.equal(peek.status, 404);
      assert.equal(peek.json.code, 'facility_not_found');
      const stranger = await api.request('POST', path, { key: otherPlatformKey, body });
      assert.equal(stranger.status, 404);
      const byFinancier = await api.request('POST', path, { key: financierKey, body });
      assert.equal(byFinancier.status, 403);
      const neither = await api.request('POST', path, { key: merchantKey, body: { reference: 'none' } });
      assert.equal(neither.status, 400);
      assert.equal(neither.json.code, 'parameter_missing');
      const both = await api.request('POST', path, {
        key: merchantKey,
        body: { ...body, payoff: true },
      });
      assert.equal(both.status, 400);
      // A reference with a space, and one of the engine's own (a refill's payoff), not the merchant's to use.
      for (const [reference, code] of [
        ['has space', 'parameter_invalid'],
        ['refill.x', 'reference_invalid'],
      ]) {
        const refused = await api.request('POST', path, {
          key: merchantKey,
          body: { amount: '1', reference },
        });
        assert.deepEqual([refused.status, refused.json.code, refused.json.param], [400, code, 'reference']);
      }

      const paid = await api.request('POST', path, { key: merchantKey, body });
      assert.equal(paid.status, 200, paid.text);
      assert.equal(paid.json.object, 'repayment');
      assert.equal(paid.json.facility_id, facilityId);
      assert.equal(paid.json.reference, 'direct-1');
      assert.equal(paid.json.status, 'active');
      assert.equal(paid.json.replayed, false);
      const { fees, interest, principal, total } = paid.json.applied;
      assert.equal(total, '1000');
      assert.equal(BigInt(fees) + BigInt(interest) + BigInt(principal), 1000n);
      assert.match(paid.json.outstanding, /^[1-9]\d*$/);
      const again = await api.request('POST', path, { key: platformKey, body });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.json.replayed, true);
      assert.deepEqual({ ...again.json, replayed: false }, paid.json, 'the same repayment answered');
      const reused = await api.request('POST', path, { key: merchantKey, body: { ...body, amount: '5' } });
      assert.equal(reused.status, 409);
      assert.equal(reused.json.code, 'repayment_reference_reused');

      const owed = BigInt(paid.json.outstanding);
      const over = await api.request('POST', path, {
        body: { amount: (owed + 1n).toString(), reference: 'too-much' },
      });
      assert.equal(over.status, 422, over.text);
      assert.equal(over.json.code, 'repayment_exceeds_balance');
      assert.equal(over.json.param, 'amount');

      const payoff = await api.request('POST', path, {
        key: platformKey,
        body: { payoff: true, reference: 'payoff-1' },
      });
      assert.equal(payoff.status, 200, payoff.text);
      assert.equal(payoff.json.status, 'paid_off');
      assert.equal(payoff.json.outstanding, '0');
      assert.equal(payoff.json.applied.total, owed.toString());
      const closed = await api.request('POST', path, {
        key: merchantKey,
        body: { amount: '1', reference: 'after-payoff' },
      });
      assert.equal(closed.status, 409);
      assert.equal(closed.json.code, 'facility_not_serviced');
      const missing = await api.request('POST', '/v1/facilities/fac_missing/repayments', { body });
      assert.equal(missing.status, 404);
    });

    it("refuses a second advance beyond the decision's limit, and voids a failed payout", async () => {
      const second = offers.filter((o) => o.product === 'advance').at(-2);
      // Accepting the first advance withdrew its alternatives: this one is offered again, but the
      // decision's limit is taken.
      await api.harness.store.write((tx) => tx.financing.updateOffer(second.id, { status: 'open' }));
      const refused = await api.request('POST', `/v1/offers/${second.id}/accept`, { key: merchantKey });
      assert.equal(refused.status, 409, refused.text);
      assert.equal(refused.json.code, 'exposure_limit_reached');
      // A fresh decision sees the advance's debt service and lends within the room left; the
      // smallest advance, made again under it (no second advance is offered while one is repaid).
      const decided = await api.request('POST', `/v1/merchants/${merchantId}/decisions?as_of=${asOf}`);
      assert.equal(decided.json.outcome, 'approved', decided.text);
      const smallest = offers.filter((o) => o.product === 'advance').at(-1);
      assert.ok(BigInt(smallest.amount) <= BigInt(decided.json.limit));
      const row = await api.harness.store.read((tx) => tx.financing.offer(smallest.id));
      assert.ok(row);
      const reoffered = { ...row, id: 'off_again', decisionId: decided.json.id, status: 'open' as const };
      await api.harness.store.write((tx) => tx.financing.insertOffers([reoffered]));
      const accepted = await api.request('POST', '/v1/offers/off_again/accept', { key: merchantKey });
      assert.equal(accepted.status, 200, accepted.text);
      const id = accepted.json.facility.id;
      const voided = await api.request('POST', `/v1/disbursements/${id}/void`, {
        key: platformKey,
        body: { reason: 'the bank returned the payout' },
      });
      assert.equal(voided.status, 200, voided.text);
      assert.equal(voided.json.status, 'cancelled');
      const again = await api.request('POST', `/v1/disbursements/${id}/void`, {
        body: { reason: 'twice' },
      });
      assert.equal(again.status, 409);
      assert.equal(again.json.code, 'facility_not_disbursing');
      const missing = await api.request('POST', '/v1/disbursements/fac_missing/void', {
        body: { reason: 'none' },
      });
      assert.equal(missing.status, 404);
    });

    it('refuses an unknown offer and, after 30 days, an expired one', async () => {
      const unknown = await api.request('POST', '/v1/offers/off_missing/accept', { key: merchantKey });
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json.code, 'offer_not_found');
      const withdrawn = (
        await api.harness.store.read((tx) => tx.financing.offersForMerchant(merchantId, 'withdrawn'))
      )[0];
      assert.ok(withdrawn, 'the advance offers not taken were withdrawn');
      await api.harness.store.write((tx) => tx.financing.updateOffer(withdrawn.id, { status: 'open' }));
      const open = (await api.request('GET', `/v1/merchants/${merchantId}/offers`, { key: merchantKey })).json
        .data;
      assert.ok(open.some((o: { id: string }) => o.id === withdrawn.id));
      (api.app.clock as ManualClock).set(now + 40n * dayNs);
      const beforeCycle = await api.request('GET', `/v1/merchants/${merchantId}/offers`, {
        key: merchantKey,
      });
      assert.ok(
        !beforeCycle.json.data.some((o: { id: string }) => o.id === withdrawn.id),
        'past its expiry day, it is not listed though still open until marked expired',
      );
      const expired = await api.request('POST', `/v1/offers/${withdrawn.id}/accept`, { key: merchantKey });
      assert.equal(expired.status, 409, expired.text);
      assert.equal(expired.json.code, 'offer_expired');
      // Marked expired now, it is still answered as lapsed (not merely as not open), and once.
      const again = await api.request('POST', `/v1/offers/${withdrawn.id}/accept`, { key: merchantKey });
      assert.equal(again.status, 409, again.text);
      assert.equal(again.json.code, 'offer_expired');
      const listed = await api.request('GET', `/v1/merchants/${merchantId}/offers`, { key: merchantKey });
      assert.ok(!listed.json.data.some((o: { id: string }) => o.id === withdrawn.id));
      // Withdrawn, opened again by hand, then expired: its history tells each in turn.
      const history = await api.harness.store.read((tx) => tx.financing.offerEvents(withdrawn.id));
      assert.deepEqual(
        history.map((e) => [e.sequence, e.type]),
        [
          [1, 'created'],
          [2, 'withdrawn'],
          [3, 'expired'],
        ],
      );
    });
  });
}
