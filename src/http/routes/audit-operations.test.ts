/**
 * The audit log of the quarantine, merchants' consents and webhook endpoints' failing streaks, over a
 * real server and store: a quarantined record replayed or discarded, a consent granted (by the
 * merchant's key) or revoked (by it or an operator's), an endpoint enabled again — each recorded
 * with the key that made it and what it changed; a refusal, a request that changes nothing, a retry
 * under its Idempotency-Key, and the second of two sent at once leave no entry of their own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditEntries, sentWith } from '../../../test/support/audit-log.ts';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { event } from '../../../test/support/events.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';

/** An order the inbox quarantines (currency_unknown), and the same order corrected. */
function badOrder(id: string) {
  const bad = event('order.placed', id, '2026-03-30T10:00:00Z', 'mer_audit', {
    order_id: `o-${id}`,
    buyer_id: 'b1',
    amount: '100',
    currency: 'ZZZ',
  });
  return { bad, fixed: { ...bad, data: { ...bad.data, currency: 'USD' } } };
}

const consentBody = {
  purpose: 'credit_assessment',
  data_sources: ['sales'],
  expires_at: '2027-09-01T00:00:00Z',
};

for (const backend of backendsUnderTest) {
  describe(`audit log of operations on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    let operator: { id: string; secret: string };
    let platformKey: string;
    let merchant: { id: string; secret: string };
    let otherMerchantKey: string;
    before(async () => {
      api = await startTestServer(backend);
      const issue = async (body: Record<string, string>) =>
        (await api.request('POST', '/v1/api_keys', { body })).json;
      operator = await issue({ role: 'operator', name: 'ops desk' });
      platformKey = (await issue({ role: 'platform', object_id: 'plt_test' })).secret;
      merchant = await issue({ role: 'merchant', object_id: 'mer_audit' });
      otherMerchantKey = (await issue({ role: 'merchant', object_id: 'mer_other' })).secret;
    });
    after(async () => api?.close());

    const log = (query: string) => auditEntries(api, query);
    const as = sentWith;
    const quarantined = async (id: string) => {
      const sent = await api.request('POST', '/v1/events', { key: platformKey, body: badOrder(id).bad });
      assert.equal(sent.json.results[0].status, 'quarantined', sent.text);
      return sent.json.results[0].quarantine_id as string;
    };

    it('records a quarantined record replayed or discarded, by the operator, once', async () => {
      const replayedId = await quarantined('aud-q1');
      const discardedId = await quarantined('aud-q2');
      const replay = (id: string, body: unknown, idempotencyKey?: string) =>
        api.request('POST', `/v1/quarantine/${id}/replay`, as(operator.secret, body, idempotencyKey));
      // Replayed as it was: it fails again, and stays open — nothing changed.
      const stillBad = await replay(replayedId, {});
      assert.deepEqual([stillBad.status, stillBad.json.code], [422, 'replay_failed'], stillBad.text);
      // Corrected, and the request sent again under its Idempotency-Key: its answer, replayed.
      const body = { event: badOrder('aud-q1').fixed };
      const fixed = await replay(replayedId, body, 'fix-aud-q1');
      assert.equal(fixed.status, 200, fixed.text);
      const retried = await replay(replayedId, body, 'fix-aud-q1');
      assert.deepEqual([retried.status, retried.headers.get('idempotent-replayed')], [200, 'true']);
      // Without the key, again: the entry is no longer open.
      assert.equal((await replay(replayedId, body)).status, 409);
      const discard = (id: string, reason: string) =>
        api.request('POST', `/v1/quarantine/${id}/discard`, as(operator.secret, { reason }));
      assert.equal((await discard(discardedId, 'a test order, resent by the platform')).status, 200);
      assert.equal((await discard(discardedId, 'twice')).status, 409);
      assert.equal((await discard('qua_none', 'none')).status, 404);

      const entries = await log('?subject_type=quarantine_entry');
      assert.deepEqual(
        entries.map((e) => [e.action, e.subject_id, e.actor, e.detail]),
        [
          [
            'quarantine_entry.discarded',
            discardedId,
            operator.id,
            { reason: 'a test order, resent by the platform' },
          ],
          [
            'quarantine_entry.replayed',
            replayedId,
            operator.id,
            { corrected: true, result: 'applied', source: 'plt_test', eventId: 'aud-q1' },
          ],
        ],
      );
    });

    it('records a consent granted by the merchant and revoked by it or an operator, once each', async () => {
      const path = '/v1/merchants/mer_audit/consents';
      // Refused: in the past, another merchant's, an operator's (a consent is the merchant's to give).
      const past = await api.request(
        'POST',
        path,
        as(merchant.secret, { ...consentBody, expires_at: '2020-01-01T00:00:00Z' }),
      );
      assert.equal(past.status, 400, past.text);
      assert.equal((await api.request('POST', path, as(otherMerchantKey, consentBody))).status, 404);
      assert.equal((await api.request('POST', path, as(operator.secret, consentBody))).status, 403);
      const granted = await api.request('POST', path, as(merchant.secret, consentBody, 'consent-1'));
      assert.equal(granted.status, 200, granted.text);
      const retried = await api.request('POST', path, as(merchant.secret, consentBody, 'consent-1'));
      assert.deepEqual(
        [retried.json.id, retried.headers.get('idempotent-replayed')],
        [granted.json.id, 'true'],
      );
      const second = (await api.request('POST', path, as(merchant.secret, consentBody))).json;

      const revoke = (id: string, key: string) => api.request('DELETE', `${path}/${id}`, as(key));
      assert.equal((await revoke(granted.json.id, otherMerchantKey)).status, 404);
      assert.equal((await revoke('cns_none', operator.secret)).status, 404);
      assert.equal((await revoke(granted.json.id, operator.secret)).status, 200);
      // Revoked again, by either: answered as it is, nothing changed.
      assert.equal((await revoke(granted.json.id, merchant.secret)).status, 200);
      assert.equal((await revoke(second.id, merchant.secret)).status, 200);

      const entries = await log('?subject_id=mer_audit');
      assert.deepEqual(
        entries.map((e) => [e.action, e.subject_type, e.actor, e.detail]),
        [
          [
            'merchant.consent_revoked',
            'merchant',
            merchant.id,
            { consentId: second.id, purpose: 'credit_assessment' },
          ],
          [
            'merchant.consent_revoked',
            'merchant',
            operator.id,
            { consentId: granted.json.id, purpose: 'credit_assessment' },
          ],
          [
            'merchant.consent_granted',
            'merchant',
            merchant.id,
            {
              consentId: second.id,
              purpose: 'credit_assessment',
              dataSources: ['sales'],
              expiresAt: '2027-09-01T00:00:00.000Z',
            },
          ],
          [
            'merchant.consent_granted',
            'merchant',
            merchant.id,
            {
              consentId: granted.json.id,
              purpose: 'credit_assessment',
              dataSources: ['sales'],
              expiresAt: '2027-09-01T00:00:00.000Z',
            },
          ],
        ],
      );
    });

    it('records an endpoint enabled again with the failing streak and the reason it forgets', async () => {
      const created = await api.request(
        'POST',
        '/v1/webhook_endpoints',
        as(operator.secret, { url: 'https://failing.example/hooks' }),
      );
      assert.equal(created.status, 200, created.text);
      const id = created.json.id as string;
      const failingSinceMs = api.app.clock.nowNs() / 1_000_000n - 86_400_000n;
      // As the dispatcher leaves it: failing for a day, then disabled by Capstan after five.
      const set = (change: { status: 'enabled' | 'disabled'; disabledReason: string | null }) =>
        api.harness.store.write(async (tx) => {
          const endpoint = await tx.webhooks.endpoint(id);
          assert.ok(endpoint);
          await tx.webhooks.updateEndpoint({ ...endpoint, ...change, failingSinceMs });
        });
      const enable = () =>
        api.request('POST', `/v1/webhook_endpoints/${id}`, as(operator.secret, { status: 'enabled' }));
      await set({
        status: 'disabled',
        disabledReason: 'every attempt failed for 5 days; the last answered 500',
      });
      assert.equal((await enable()).status, 200);
      await set({ status: 'enabled', disabledReason: null });
      const reset = await enable();
      assert.deepEqual([reset.status, reset.json.failing_since], [200, null], reset.text);
      // Enabled and not failing: nothing to change.
      assert.equal((await enable()).status, 200);

      const since = new Date(Number(failingSinceMs)).toISOString();
      const entries = await log(`?subject_id=${id}&action=webhook_endpoint.updated`);
      assert.deepEqual(
        entries.map((e) => [e.actor, e.detail]),
        [
          [operator.id, { changes: { failingSince: { from: since, to: null } } }],
          [
            operator.id,
            {
              changes: {
                status: { from: 'disabled', to: 'enabled' },
                failingSince: { from: since, to: null },
                disabledReason: {
                  from: 'every attempt failed for 5 days; the last answered 500',
                  to: null,
                },
              },
            },
          ],
        ],
      );
    });

    it('records a replay, a discard or a revocation sent twice at once once', async () => {
      // On PostgreSQL each of the two found the entry open, the consent in force, and each recorded
      // the one change.
      const counted = async (subject: string, action: string) =>
        (await log(`?subject_id=${subject}&action=${action}`)).length;
      for (let round = 0; round < 3; round += 1) {
        const replayedId = await quarantined(`aud-twice-r${round}`);
        const discardedId = await quarantined(`aud-twice-d${round}`);
        const consent = (
          await api.request('POST', '/v1/merchants/mer_audit/consents', as(merchant.secret, consentBody))
        ).json;
        const revocationsBefore = await counted('mer_audit', 'merchant.consent_revoked');
        const twice = (method: string, path: string, body?: unknown) =>
          Promise.all([1, 2].map(() => api.request(method, path, as(operator.secret, body))));
        const [replays, discards, revocations] = await Promise.all([
          twice('POST', `/v1/quarantine/${replayedId}/replay`, {
            event: badOrder(`aud-twice-r${round}`).fixed,
          }),
          twice('POST', `/v1/quarantine/${discardedId}/discard`, { reason: 'twice' }),
          twice('DELETE', `/v1/merchants/mer_audit/consents/${consent.id}`),
        ]);
        assert.deepEqual(
          [replays, discards, revocations].map((answers) => answers.map((a) => a.status).sort()),
          [
            [200, 409],
            [200, 409],
            [200, 200],
          ],
          `round ${round}`,
        );
        assert.deepEqual(
          [
            await counted(replayedId, 'quarantine_entry.replayed'),
            await counted(discardedId, 'quarantine_entry.discarded'),
            (await counted('mer_audit', 'merchant.consent_revoked')) - revocationsBefore,
          ],
          [1, 1, 1],
          `round ${round}`,
        );
      }
    });
  });
}
