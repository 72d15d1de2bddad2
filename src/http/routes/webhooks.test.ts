/**
 * The webhook endpoints API over a real server and store: an operator registers an endpoint (its
 * secret shown then only), lists and reads it, replays events into its deliveries and pages
 * through them, rotates its secret, disables it and enables it again with another URL; a bad URL or an unknown event type is a problem naming the field;
 * another role is refused; an unknown endpoint is 404; a disabled one cannot be replayed; a replay
 * since a date-time it cannot read, or after a sequence there cannot be, is a problem naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';

for (const backend of backendsUnderTest) {
  describe(`webhook endpoints API on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    let endpointId = '';
    before(async () => {
      api = await startTestServer(backend);
    });
    after(async () => api?.close());

    it('registers an endpoint, with its secret in that answer only, and lists and reads it', async () => {
      const created = await api.request('POST', '/v1/webhook_endpoints', {
        body: {
          url: 'https://platform.example/hooks/capstan',
          events: ['facility.status_changed', 'facility.swept'],
          description: 'collections team',
        },
      });
      assert.equal(created.status, 200, created.text);
      assert.match(created.json.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
      assert.match(created.json.id, /^whe_/);
      const { secret: _, ...endpoint } = created.json;
      assert.deepEqual(endpoint, {
        object: 'webhook_endpoint',
        id: created.json.id,
        url: 'https://platform.example/hooks/capstan',
        events: ['facility.status_changed', 'facility.swept'],
        description: 'collections team',
        status: 'enabled',
        previous_secret_expires_at: null,
        failing_since: null,
        disabled_reason: null,
        created_at: created.json.created_at,
        updated_at: created.json.created_at,
      });
      endpointId = created.json.id;

      const read = await api.request('GET', `/v1/webhook_endpoints/${endpointId}`);
      assert.deepEqual(read.json, endpoint);
      const list = await api.request('GET', '/v1/webhook_endpoints');
      assert.deepEqual(list.json, {
        object: 'list',
        url: '/v1/webhook_endpoints',
        data: [endpoint],
        has_more: false,
      });
    });

    it('refuses a bad URL, an unknown event type, and any role but operator', async () => {
      for (const url of ['ftp://platform.example/x', 'not a url', 'https://user:pw@platform.example/']) {
        const bad = await api.request('POST', '/v1/webhook_endpoints', { body: { url } });
        assert.equal(bad.status, 400, url);
        assert.deepEqual([bad.json.code, bad.json.param], ['webhook_url_invalid', 'url']);
      }
      // Its url is required: no body is not an empty one.
      const none = await api.request('POST', '/v1/webhook_endpoints');
      assert.deepEqual([none.status, none.json.code, none.json.param], [400, 'parameter_invalid', 'body']);
      const unknown = await api.request('POST', '/v1/webhook_endpoints', {
        body: { url: 'https://platform.example/', events: ['facility.swpet'] },
      });
      assert.deepEqual(
        [unknown.status, unknown.json.code, unknown.json.param],
        [400, 'webhook_event_type_unknown', 'events'],
      );
      assert.match(unknown.json.detail, /facility\.swpet is not an event type/);

      const issued = await api.request('POST', '/v1/api_keys', {
        body: { role: 'financier', object_id: 'fin_a' },
      });
      const refused = await api.request('GET', '/v1/webhook_endpoints', { key: issued.json.secret });
      assert.deepEqual([refused.status, refused.json.code], [403, 'role_not_allowed']);
      const missing = await api.request('GET', '/v1/webhook_endpoints/whe_nothere');
      assert.deepEqual([missing.status, missing.json.code], [404, 'webhook_endpoint_not_found']);
    });

    it('replays the events it takes into its deliveries, paged newest first', async () => {
      const at = api.app.clock.nowNs() / 1_000_000n;
      await api.harness.store.write((tx) =>
        tx.financing.appendFacilityEvents(
          ['swept', 'late_fee_charged', 'swept', 'status_changed'].map((type, index) => ({
            facilityId: 'fac_hooked',
            sequence: index + 1,
            day: 20_600,
            type,
            detailJson: '{}',
            atMs: at,
          })),
        ),
      );
      // An offer made, too: the endpoint is updated to take that type.
      await api.harness.store.write((tx) =>
        tx.financing.appendOfferEvents([
          { offerId: 'off_hooked', sequence: 1, type: 'created', reason: null, atMs: at },
        ]),
      );
      const updated = await api.request('POST', `/v1/webhook_endpoints/${endpointId}`, {
        body: { events: ['facility.status_changed', 'facility.swept', 'offer.created'] },
      });
      assert.equal(updated.status, 200, updated.text);
      const replayed = await api.request('POST', `/v1/webhook_endpoints/${endpointId}/replay`, {
        body: { since: new Date(Number(at)).toISOString() },
      });
      assert.equal(replayed.status, 200, replayed.text);
      // The late fee is not a type it takes.
      assert.deepEqual(replayed.json, {
        object: 'webhook_replay',
        endpoint_id: endpointId,
        deliveries: 4,
        has_more: false,
        last_sequence: replayed.json.last_sequence,
      });
      // A replay that requeued deliveries is in the audit log (one that found none is not).
      const [audited] = (await api.request('GET', '/v1/audit_log?action=webhook_endpoint.replayed&limit=1'))
        .json.data;
      assert.deepEqual([audited?.subject_id, audited?.detail?.deliveries], [endpointId, 4]);

      const page = await api.request('GET', `/v1/webhook_endpoints/${endpointId}/deliveries?limit=2`);
      assert.equal(page.status, 200, page.text);
      type Shown = { id: string; event_type: string; status: string; attempts: number };
      assert.deepEqual(
        page.json.data.map((d: Shown & { facility_id: string | null; offer_id: string | null }) => [
          d.id,
          d.event_type,
          d.status,
          d.attempts,
          d.facility_id,
          d.offer_id,
        ]),
        [
          ['off_hooked:1', 'offer.created', 'pending', 0, null, 'off_hooked'],
          ['fac_hooked:4', 'facility.status_changed', 'pending', 0, 'fac_hooked', null],
        ],
      );
      assert.equal(page.json.has_more, true);
      const rest = await api.request(
        'GET',
        `/v1/webhook_endpoints/${endpointId}/deliveries?limit=2&starting_after=${page.json.data[1].sequence}`,
      );
      assert.deepEqual(
        rest.json.data.map((d: { id: string }) => d.id),
        ['fac_hooked:3', 'fac_hooked:1'],
      );
      assert.equal(rest.json.has_more, false);
      const delivered = await api.request(
        'GET',
        `/v1/webhook_endpoints/${endpointId}/deliveries?status=delivered`,
      );
      assert.deepEqual(delivered.json.data, []);
    });

    it("rotates an endpoint's secret, the previous one signing for the hours asked", async () => {
      const before = await api.request('GET', `/v1/webhook_endpoints/${endpointId}`);
      // No body: the defaults.
      const headers = { 'idempotency-key': 'rotate-1' };
      const rotated = await api.request('POST', `/v1/webhook_endpoints/${endpointId}/rotate_secret`, {
        headers,
      });
      assert.equal(rotated.status, 200, rotated.text);
      // Sent again with `{}`, the same as no body: the same rotation, replayed.
      const retried = await api.request('POST', `/v1/webhook_endpoints/${endpointId}/rotate_secret`, {
        headers,
        body: {},
      });
      assert.equal(retried.headers.get('idempotent-replayed'), 'true', retried.text);
      // Replayed without the secret: shown once, it is not kept with the stored answer.
      assert.equal(retried.text, JSON.stringify({ ...rotated.json, secret: null }));
      assert.match(rotated.json.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
      const nowMs = Number(api.app.clock.nowNs() / 1_000_000n);
      assert.equal(rotated.json.previous_secret_expires_at, new Date(nowMs + 24 * 3_600_000).toISOString());
      assert.equal(rotated.json.updated_at, new Date(nowMs).toISOString());
      assert.equal(rotated.json.created_at, before.json.created_at);
      const again = await api.request('POST', `/v1/webhook_endpoints/${endpointId}/rotate_secret`, {
        body: { previous_valid_hours: 0 },
      });
      assert.notEqual(again.json.secret, rotated.json.secret);
      assert.equal(again.json.previous_secret_expires_at, null);
      const tooLong = await api.request('POST', `/v1/webhook_endpoints/${endpointId}/rotate_secret`, {
        body: { previous_valid_hours: 169 },
      });
      assert.deepEqual([tooLong.status, tooLong.json.code], [400, 'parameter_invalid']);
      const missing = await api.request('POST', '/v1/webhook_endpoints/whe_nothere/rotate_secret', {
        body: {},
      });
      assert.deepEqual([missing.status, missing.json.code], [404, 'webhook_endpoint_not_found']);
    });

    it('refuses a replay since a date-time it cannot read, or after a sequence there cannot be, naming the field', async () => {
      // Each was a 500: a leap second and an offset of hours alone are date-times to the schema but
      // not to Date.parse, and a sequence past 2^63 − 1 could not be bound by either store.
      for (const [body, param] of [
        [{ since: '2026-06-30T23:59:60Z' }, 'since'],
        [{ since: '2026-07-01T00:00:00+05' }, 'since'],
        [{ since: '2026-07-01T00:00:00Z', starting_after: '9223372036854775808' }, 'starting_after'],
        [{ since: '2026-07-01T00:00:00Z', starting_after: '9999999999999999999' }, 'starting_after'],
      ] as const) {
        const replay = await api.request('POST', `/v1/webhook_endpoints/${endpointId}/replay`, { body });
        assert.deepEqual(
          [replay.status, replay.json.code, replay.json.param],
          [400, 'parameter_invalid', param],
          JSON.stringify(body),
        );
      }
      const last = await api.request('POST', `/v1/webhook_endpoints/${endpointId}/replay`, {
        body: { since: '2026-07-01T00:00:00+05:00', starting_after: '9223372036854775807' },
      });
      assert.deepEqual([last.status, last.json.deliveries], [200, 0], last.text);
    });

    it('disables an endpoint, which then cannot be replayed', async () => {
      const disabled = await api.request('DELETE', `/v1/webhook_endpoints/${endpointId}`);
      assert.equal(disabled.status, 200);
      assert.equal(disabled.json.status, 'disabled');
      const again = await api.request('DELETE', `/v1/webhook_endpoints/${endpointId}`);
      assert.equal(again.json.status, 'disabled');
      const replay = await api.request('POST', `/v1/webhook_endpoints/${endpointId}/replay`, {
        body: { since: '2026-01-01T00:00:00Z' },
      });
      assert.deepEqual([replay.status, replay.json.code], [409, 'webhook_endpoint_disabled']);
    });

    it('updates an endpoint: enabled again, another URL and types; what is left out stays', async () => {
      const updated = await api.request('POST', `/v1/webhook_endpoints/${endpointId}`, {
        body: { status: 'enabled', url: 'https://platform.example/hooks/v2', events: [] },
      });
      assert.equal(updated.status, 200, updated.text);
      assert.deepEqual(
        [updated.json.status, updated.json.url, updated.json.events, updated.json.description],
        ['enabled', 'https://platform.example/hooks/v2', [], 'collections team'],
      );
      const bad = await api.request('POST', `/v1/webhook_endpoints/${endpointId}`, {
        body: { url: 'ftp://platform.example/' },
      });
      assert.deepEqual([bad.status, bad.json.code, bad.json.param], [400, 'webhook_url_invalid', 'url']);
      const unchanged = await api.request('POST', `/v1/webhook_endpoints/${endpointId}`);
      assert.equal(unchanged.json.url, 'https://platform.example/hooks/v2');
      const missing = await api.request('POST', '/v1/webhook_endpoints/whe_nothere', {
        body: { status: 'enabled' },
      });
      assert.deepEqual([missing.status, missing.json.code], [404, 'webhook_endpoint_not_found']);
    });
  });
}
