/**
 * Offers and the consent they were worked out under, over a real server and store on SQLite and
 * PostgreSQL: every withdrawal says why in the offer's history and in its `offer.withdrawn`
 * webhook — a later decision's offers, a fraud flag, another size accepted; revoking the consent a
 * decision relied on withdraws its open offers at once (`consent_revoked`), listed no more and not
 * made open again by a consent given later, while revoking another consent leaves them; and an
 * offer priced under a consent that expired by time (nothing withdraws it) is neither listed nor
 * accepted nor made again where only a narrower consent is left (409 `consent_lapsed`), and is
 * withdrawn (`consent_expired`) by the next revocation that leaves it uncovered.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { event } from '../../../test/support/events.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { seedScoredMerchants } from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { fundPool } from '../../app/financing/origination.ts';
import { dispatchWebhooks } from '../../app/webhooks/dispatch.ts';
import { calendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';
import { httpWebhookTransport } from '../../main/webhook-transport.ts';
import { eventRenderers } from '../views-financing.ts';

const asOf = '2026-07-15';
const dayNs = 86_400_000_000_000n;
/** Noon the day after the decision's as-of day. */
const now = BigInt(toDayNumber(calendarDate(asOf)) + 1) * dayNs + dayNs / 2n;
const hourNs = 3_600_000_000_000n;

/** A receiver on loopback keeping the webhook bodies it is sent. */
async function receiver() {
  const bodies: {
    type: string;
    data: { type: string; reason: string | null; offer: { id: string; status: string } };
  }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      bodies.push(JSON.parse(body));
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  return { bodies, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

for (const backend of backendsUnderTest) {
  describe(`offers and consent over HTTP on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    let hooks: Awaited<ReturnType<typeof receiver>>;
    const keys = new Map<string, string>();
    before(async () => {
      api = await startTestServer(backend);
      hooks = await receiver();
      (api.app.clock as ManualClock).set(now);
      const { store } = api.harness;
      await seedScoredMerchants(api.app, { merchants: 4, seed: 77, topBand: { grade: 'E', maxPd: 0.4 } });
      await store.write(async (tx) => {
        // mer_gen2 sells in euros.
        for (const currency of ['USD', 'EUR'])
          await fundPool(tx, api.app, {
            financierId: 'fin_pool',
            currency,
            amountMinor: 100_000_000n,
            reference: 'seed',
          });
      });
      for (const merchant of ['mer_gen0', 'mer_gen1', 'mer_gen2']) {
        const issued = await api.request('POST', '/v1/api_keys', {
          body: { role: 'merchant', object_id: merchant },
        });
        keys.set(merchant, issued.json.secret);
      }
      const endpoint = await api.request('POST', '/v1/webhook_endpoints', {
        body: { url: hooks.url, events: ['offer.withdrawn'] },
      });
      assert.equal(endpoint.status, 200, endpoint.text);
    });
    after(async () => {
      await api?.close();
      await hooks?.close();
    });

    const as = (merchant: string) => keys.get(merchant) as string;
    const consent = async (merchant: string, dataSources: string[], expiresInNs = 365n * dayNs) => {
      const granted = await api.request('POST', `/v1/merchants/${merchant}/consents`, {
        key: as(merchant),
        body: {
          purpose: 'credit_assessment',
          data_sources: dataSources,
          expires_at: new Date(Number((api.app.clock.nowNs() + expiresInNs) / 1_000_000n)).toISOString(),
        },
      });
      assert.equal(granted.status, 200, granted.text);
      // The next one is granted a second later: the newest is the one a decision relies on.
      (api.app.clock as ManualClock).advanceSeconds(1);
      return granted.json.id as string;
    };
    const revoke = async (merchant: string, consentId: string) => {
      const revoked = await api.request('DELETE', `/v1/merchants/${merchant}/consents/${consentId}`, {
        key: as(merchant),
      });
      assert.equal(revoked.status, 200, revoked.text);
    };
    /** An approved decision of the merchant's and its offers, made. */
    const offersOf = async (merchant: string) => {
      const decided = await api.request('POST', `/v1/merchants/${merchant}/decisions?as_of=${asOf}`);
      assert.equal(decided.json.outcome, 'approved', decided.text);
      const made = await api.request('POST', `/v1/decisions/${decided.json.id}/offers`);
      assert.equal(made.status, 200, made.text);
      assert.ok(made.json.data.length >= 2, made.text);
      return { decision: decided.json, offers: made.json.data as { id: string; product: string }[] };
    };
    const listed = async (merchant: string) =>
      (await api.request('GET', `/v1/merchants/${merchant}/offers`, { key: as(merchant) })).json.data.map(
        (o: { id: string }) => o.id,
      );
    const lastEvent = async (offerId: string) => {
      const read = await api.request('GET', `/v1/offers/${offerId}`);
      assert.equal(read.status, 200, read.text);
      return [read.json.status, read.json.history.at(-1)?.type, read.json.history.at(-1)?.reason];
    };
    /** The offer.withdrawn webhooks sent since the last call: offer id → reason. */
    const withdrawnHooks = async () => {
      hooks.bodies.length = 0;
      await dispatchWebhooks(api.app, httpWebhookTransport('capstan-test'), eventRenderers);
      return new Map(
        hooks.bodies.map((b) => {
          assert.deepEqual(
            [b.type, b.data.type, b.data.offer.status],
            ['offer.withdrawn', 'withdrawn', 'withdrawn'],
          );
          return [b.data.offer.id as string, b.data.reason];
        }),
      );
    };

    it('says why each offer was withdrawn: a later decision’s offers, a fraud flag, another size accepted', async () => {
      const merchant = 'mer_gen2';
      await consent(merchant, ['sales']);
      const first = await offersOf(merchant);
      const second = await offersOf(merchant);
      for (const offer of first.offers)
        assert.deepEqual(await lastEvent(offer.id), ['withdrawn', 'withdrawn', 'decision_replaced']);
      const flagged = await api.request('POST', `/v1/merchants/${merchant}/flags`, {
        body: { flag: 'fraud', reason: 'under review' },
      });
      assert.equal(flagged.json.offers_withdrawn, second.offers.length, flagged.text);
      for (const offer of second.offers)
        assert.deepEqual(await lastEvent(offer.id), ['withdrawn', 'withdrawn', 'merchant_flagged']);
      assert.equal((await api.request('DELETE', `/v1/merchants/${merchant}/flags/fraud`)).status, 200);
      const third = await offersOf(merchant);
      const advances = third.offers.filter((o) => o.product === 'advance');
      assert.ok(advances.length >= 2, 'two sizes of the advance');
      const taken = advances.at(-1) as { id: string };
      const accepted = await api.request('POST', `/v1/offers/${taken.id}/accept`, { key: as(merchant) });
      assert.equal(accepted.status, 200, accepted.text);
      assert.deepEqual(await lastEvent(taken.id), ['accepted', 'accepted', null]);
      const others = advances.filter((o) => o.id !== taken.id);
      for (const offer of others)
        assert.deepEqual(await lastEvent(offer.id), ['withdrawn', 'withdrawn', 'alternative_accepted']);
      // The webhooks say the same.
      assert.deepEqual(
        await withdrawnHooks(),
        new Map([
          ...first.offers.map((o) => [o.id, 'decision_replaced'] as const),
          ...second.offers.map((o) => [o.id, 'merchant_flagged'] as const),
          ...others.map((o) => [o.id, 'alternative_accepted'] as const),
        ]),
      );
    });

    it('withdraws the open offers worked out under a consent as it is revoked, and no later consent reopens them', async () => {
      const merchant = 'mer_gen0';
      // An older consent to its sales alone, then the one the decision relies on, naming more.
      const older = await consent(merchant, ['sales']);
      const reliedOn = await consent(merchant, ['sales', 'settlements']);
      const { decision, offers } = await offersOf(merchant);
      assert.equal(decision.consent_id, reliedOn);
      const ids = offers.map((o) => o.id).sort();
      assert.deepEqual((await listed(merchant)).sort(), ids);
      await withdrawnHooks();
      // Another consent revoked: the offers do not rest on it.
      await revoke(merchant, older);
      assert.deepEqual((await listed(merchant)).sort(), ids);
      // The one they rest on: withdrawn with it, though the merchant has another consent left —
      // it is the older one, and names its sales only.
      await revoke(merchant, reliedOn);
      assert.deepEqual(await listed(merchant), [], 'none listed open');
      for (const id of ids)
        assert.deepEqual(await lastEvent(id), ['withdrawn', 'withdrawn', 'consent_revoked']);
      assert.deepEqual(await withdrawnHooks(), new Map(ids.map((id) => [id, 'consent_revoked'])));
      const accept = await api.request('POST', `/v1/offers/${ids[0]}/accept`, { key: as(merchant) });
      assert.deepEqual([accept.status, accept.json.code], [409, 'offer_not_open'], accept.text);
      assert.match(accept.json.detail, /withdrawn \(consent_revoked\)/);
      // Given again, naming as much: the offers stay withdrawn (a new decision makes new ones).
      await consent(merchant, ['sales', 'settlements']);
      assert.deepEqual(await listed(merchant), []);
      const again = await api.request('POST', `/v1/offers/${ids[0]}/accept`, { key: as(merchant) });
      assert.deepEqual([again.status, again.json.code], [409, 'offer_not_open'], again.text);
      // Revoked again, it changes nothing more.
      await revoke(merchant, reliedOn);
      assert.deepEqual(await withdrawnHooks(), new Map());
    });

    it('refuses an offer whose consent expired by time, where only a narrower one is left, and withdraws it at the next revocation', async () => {
      const merchant = 'mer_gen1';
      // A valid sustainability attestation: with the merchant's consent to that data, the green
      // discount prices its offers.
      const attested = await api.request('POST', '/v1/events', {
        body: event('sustainability.attested', 'green-gen1', '2026-07-01T09:00:00Z', merchant, {
          attestation_id: 'att_1',
          scheme: 'iso14001',
          verified_by: 'auditor',
          valid_until: '2027-07-01',
        }),
      });
      assert.equal(attested.json.results[0].status, 'applied', attested.text);
      const narrower = await consent(merchant, ['sales']);
      const green = await consent(merchant, ['sales', 'sustainability'], hourNs);
      const { decision, offers } = await offersOf(merchant);
      assert.equal(decision.consent_id, green);
      const inputs = (await api.request('GET', `/v1/decisions/${decision.id}?include=inputs`)).json.inputs;
      assert.ok(inputs.features.sustainabilityAttestationsValid > 0, 'the attestation was counted');
      const ids = offers.map((o) => o.id);
      const advance = offers.find((o) => o.product === 'advance') as { id: string };
      const clock = api.app.clock as ManualClock;
      const granted = clock.nowNs();
      clock.set(granted + 2n * hourNs);
      try {
        // The green consent has lapsed by time: nothing withdrew the offers, but none is listed,
        // accepted or made again while only the consent to its sales alone is left.
        assert.equal((await lastEvent(advance.id))[0], 'open');
        assert.deepEqual(await listed(merchant), []);
        const accept = await api.request('POST', `/v1/offers/${advance.id}/accept`, { key: as(merchant) });
        assert.deepEqual([accept.status, accept.json.code], [409, 'consent_lapsed'], accept.text);
        assert.match(
          accept.json.detail,
          new RegExp(`sales, sustainability under consent ${green}, since expired`),
        );
        assert.equal((await lastEvent(advance.id))[0], 'open', 'nothing accepted, nothing reserved');
        const remade = await api.request('POST', `/v1/decisions/${decision.id}/offers`);
        assert.deepEqual([remade.status, remade.json.code], [409, 'consent_lapsed'], remade.text);
        await withdrawnHooks();
        // The narrower consent revoked too: the offers are withdrawn, for the consent that expired.
        await revoke(merchant, narrower);
        for (const id of ids)
          assert.deepEqual(await lastEvent(id), ['withdrawn', 'withdrawn', 'consent_expired']);
        assert.deepEqual(await withdrawnHooks(), new Map(ids.map((id) => [id, 'consent_expired'])));
      } finally {
        clock.set(granted);
      }
    });
  });
}
