/**
 * Events over HTTP, as a platform sends them: one event as JSON, a batch as NDJSON or as a
 * CloudEvents batch, one result per record in order; a platform key may only send its own
 * platform's events; an operator lists, replays and discards quarantined records; a merchant key
 * reads its own features and no one else's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { event } from '../../../test/support/events.ts';
import { fixtureAsOf, fixtureEvents, fixtureFeatures } from '../../../test/support/feature-fixture.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';

for (const backend of backendsUnderTest) {
  describe(`events API on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    let platformKey: string;
    before(async () => {
      api = await startTestServer(backend);
      const issued = await api.request('POST', '/v1/api_keys', {
        body: { role: 'platform', object_id: 'plt_test' },
      });
      platformKey = issued.json.secret;
    });
    after(async () => api?.close());

    it('takes an NDJSON batch and answers one result per line, in order', async () => {
      const lines = fixtureEvents.map((e) => JSON.stringify(e));
      lines.splice(3, 0, '{"broken":');
      const response = await api.request('POST', '/v1/events', {
        key: platformKey,
        rawBody: `${lines.join('\r\n')}\n`,
        headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'batch-1' },
      });
      assert.equal(response.status, 200);
      assert.equal(response.json.received, fixtureEvents.length + 1);
      assert.equal(response.json.applied, fixtureEvents.length);
      assert.equal(response.json.quarantined, 1);
      const broken = response.json.results[3];
      assert.deepEqual([broken.line, broken.status, broken.code], [4, 'quarantined', 'json_invalid']);
      assert.match(broken.quarantine_id, /^qua_/);
      const replayed = await api.request('POST', '/v1/events', {
        key: platformKey,
        rawBody: `${lines.join('\r\n')}\n`,
        headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'batch-1' },
      });
      assert.equal(replayed.headers.get('idempotent-replayed'), 'true');
      const again = await api.request('POST', '/v1/events', {
        key: platformKey,
        rawBody: lines.join('\n'),
        headers: { 'content-type': 'application/x-ndjson' },
      });
      assert.equal(
        again.json.duplicates,
        fixtureEvents.length,
        'without the key, every event is answered as a duplicate',
      );
    });

    it('drops a byte-order mark before an NDJSON batch, as a file import does', async () => {
      const first = event('review.posted', 'http-bom', '2026-03-30T09:00:00Z', 'mer_fixture', {
        review_id: 'bom',
        rating: 4,
      });
      const response = await api.request('POST', '/v1/events', {
        key: platformKey,
        rawBody: `\uFEFF${JSON.stringify(first)}\n`,
        headers: { 'content-type': 'application/x-ndjson' },
      });
      assert.equal(response.status, 200);
      assert.deepEqual(response.json.results, [
        { line: 1, status: 'applied', source: 'plt_test', id: 'http-bom' },
      ]);
    });

    it("takes one event as JSON and a CloudEvents batch, and refuses another platform's events", async () => {
      const single = event('review.posted', 'http-1', '2026-03-30T10:00:00Z', 'mer_fixture', {
        review_id: 'h1',
        rating: 5,
      });
      const one = await api.request('POST', '/v1/events', { key: platformKey, body: single });
      assert.deepEqual(one.json.results, [
        { line: null, status: 'applied', source: 'plt_test', id: 'http-1' },
      ]);
      const batch = [
        event('review.posted', 'http-2', '2026-03-30T11:00:00Z', 'mer_fixture', {
          review_id: 'h2',
          rating: 4,
        }),
        event(
          'review.posted',
          'http-3',
          '2026-03-30T11:00:00Z',
          'mer_fixture',
          { review_id: 'h3', rating: 4 },
          'plt_other',
        ),
      ];
      const response = await api.request('POST', '/v1/events', {
        key: platformKey,
        rawBody: JSON.stringify(batch),
        headers: { 'content-type': 'application/cloudevents-batch+json' },
      });
      assert.deepEqual(
        response.json.results.map((r: { status: string; code?: string }) => [r.status, r.code]),
        [
          ['applied', undefined],
          ['quarantined', 'source_not_allowed'],
        ],
      );
      const empty = await api.request('POST', '/v1/events', {
        key: platformKey,
        rawBody: '\n',
        headers: { 'content-type': 'application/x-ndjson' },
      });
      assert.equal(empty.status, 400);
      // JSON that is no event nor array of events is refused whole, naming the body: an event
      // encoded twice (a JSON string) is not read as NDJSON, nor a batch's one object as a batch.
      for (const [contentType, rawBody, says] of [
        ['application/json', JSON.stringify(JSON.stringify(batch[0])), /JSON string/],
        ['application/cloudevents+json', '42', /JSON number/],
        ['application/json', 'null', /JSON null/],
        ['application/cloudevents-batch+json', JSON.stringify(batch[0]), /is a JSON array of events/],
      ] as const) {
        const refused = await api.request('POST', '/v1/events', {
          key: platformKey,
          rawBody,
          headers: { 'content-type': contentType },
        });
        assert.equal(refused.status, 400, `${contentType} ${rawBody}`);
        assert.deepEqual([refused.json.code, refused.json.param], ['request_malformed', 'body']);
        assert.match(refused.json.detail, says);
      }
      const merchantKey = await api.request('POST', '/v1/api_keys', {
        body: { role: 'merchant', object_id: 'mer_fixture' },
      });
      const forbidden = await api.request('POST', '/v1/events', {
        key: merchantKey.json.secret,
        body: single,
      });
      assert.equal(forbidden.json.code, 'role_not_allowed');
    });

    it("refuses a merchant's events from any platform but the one that onboarded it", async () => {
      const other = (type: string, id: string, subject: string, data: Record<string, unknown>) =>
        event(type as never, id, '2026-03-30T12:00:00Z', subject, data as never, 'plt_other');
      const onboarding = {
        legal_name: 'Other Ltd',
        country: 'GB',
        currency: 'GBP',
        category: 'sports_outdoors',
        kyb_status: 'verified',
      };
      // Sent by plt_other's own key. (An operator's import is trusted: a marketplace's report about
      // a merchant another platform onboarded is taken as it is.)
      const otherKey = (
        await api.request('POST', '/v1/api_keys', { body: { role: 'platform', object_id: 'plt_other' } })
      ).json.secret;
      const response = await api.request('POST', '/v1/events', {
        key: otherKey,
        rawBody: [
          other('merchant.onboarded', 'own-1', 'mer_fixture', onboarding),
          other('review.posted', 'own-2', 'mer_fixture', { review_id: 'o2', rating: 1 }),
          other('merchant.onboarded', 'own-3', 'mer_other_new', onboarding),
          other('review.posted', 'own-4', 'mer_other_new', { review_id: 'o4', rating: 5 }),
          event('review.posted', 'own-5', '2026-03-30T12:00:00Z', 'mer_other_new', {
            review_id: 'o5',
            rating: 5,
          }),
        ]
          .map((e) => JSON.stringify(e))
          .join('\n'),
        headers: { 'content-type': 'application/x-ndjson' },
      });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(
        response.json.results.map((r: { status: string; code?: string }) => [r.status, r.code]),
        [
          ['quarantined', 'merchant_of_another_platform'],
          ['quarantined', 'merchant_of_another_platform'],
          ['applied', undefined],
          ['applied', undefined],
          ['quarantined', 'source_not_allowed'],
        ],
      );
      // Told it is another platform's, not whose: a platform learns nothing of another's merchants.
      assert.match(response.json.results[0].detail, /mer_fixture belongs to another platform/);
      for (const refused of response.json.results.slice(0, 2))
        assert.doesNotMatch(JSON.stringify(refused), /plt_test/);
      // plt_test's key about the merchant plt_other onboarded: refused the same way.
      const back = await api.request('POST', '/v1/events', {
        key: platformKey,
        body: event('review.posted', 'own-6', '2026-03-30T12:00:00Z', 'mer_other_new', {
          review_id: 'o6',
          rating: 5,
        }),
      });
      assert.deepEqual(
        back.json.results.map((r: { status: string; code?: string }) => [r.status, r.code]),
        [['quarantined', 'merchant_of_another_platform']],
      );
    });

    it('lets an operator list, replay and discard quarantined records', async () => {
      const bad = event('order.placed', 'http-bad', '2026-03-30T10:00:00Z', 'mer_fixture', {
        order_id: 'ob',
        buyer_id: 'b1',
        amount: '100',
        currency: 'ZZZ',
      });
      const sent = await api.request('POST', '/v1/events', { key: platformKey, body: bad });
      const id = sent.json.results[0].quarantine_id;
      const list = await api.request('GET', '/v1/quarantine?status=open&limit=50');
      assert.equal(list.status, 200);
      assert.ok(
        list.json.data.some(
          (entry: { id: string; code: string }) => entry.id === id && entry.code === 'currency_unknown',
        ),
      );
      const stillBad = await api.request('POST', `/v1/quarantine/${id}/replay`, { body: {} });
      assert.equal(stillBad.status, 422);
      assert.equal(stillBad.json.code, 'replay_failed');
      const fixed = await api.request('POST', `/v1/quarantine/${id}/replay`, {
        body: { event: { ...bad, data: { ...bad.data, currency: 'USD' } } },
      });
      assert.equal(fixed.status, 200);
      assert.equal(fixed.json.entry.status, 'replayed');
      assert.equal(fixed.json.result.status, 'applied');
      const broken = list.json.data.find(
        (entry: { code: string; status: string }) => entry.code === 'json_invalid',
      );
      const discarded = await api.request('POST', `/v1/quarantine/${broken.id}/discard`, {
        body: { reason: 'truncated by the sender; resent' },
      });
      assert.equal(discarded.json.status, 'discarded');
      const again = await api.request('POST', `/v1/quarantine/${broken.id}/discard`, {
        body: { reason: 'twice' },
      });
      assert.equal(again.status, 409);
      assert.equal(again.json.code, 'quarantine_entry_not_open');
    });

    it("replays a record under its sender's scope: another platform's refused event stays refused", async () => {
      // Once, a replay ran as the operator's own send: plt_rival's refused onboarding of plt_test's
      // merchant, replayed unchanged, was applied and gave plt_rival's key the merchant.
      const onboarding = {
        legal_name: 'Taken Ltd',
        country: 'GB',
        currency: 'GBP',
        category: 'sports_outdoors',
        kyb_status: 'verified',
      } as const;
      const own = await api.request('POST', '/v1/events', {
        key: platformKey,
        body: event('merchant.onboarded', 'taken-0', '2026-03-01T09:00:00Z', 'mer_taken', onboarding),
      });
      assert.equal(own.json.results[0].status, 'applied');
      const rivalKey = (
        await api.request('POST', '/v1/api_keys', { body: { role: 'platform', object_id: 'plt_rival' } })
      ).json.secret;
      const takeover = event(
        'merchant.onboarded',
        'taken-1',
        '2026-03-02T09:00:00Z',
        'mer_taken',
        { ...onboarding, legal_name: 'Rival Ltd' },
        'plt_rival',
      );
      const posing = event('review.posted', 'taken-2', '2026-03-02T10:00:00Z', 'mer_taken', {
        review_id: 't2',
        rating: 1,
      });
      const sent = await api.request('POST', '/v1/events', {
        key: rivalKey,
        rawBody: JSON.stringify([takeover, posing]),
        headers: { 'content-type': 'application/cloudevents-batch+json' },
      });
      assert.deepEqual(
        sent.json.results.map((r: { code?: string }) => r.code),
        ['merchant_of_another_platform', 'source_not_allowed'],
      );
      const statement = '/v1/merchants/mer_taken/statement?from=2026-03-01&to=2026-03-31';
      assert.equal((await api.request('GET', statement, { key: rivalKey })).status, 404);
      for (const [result, record, code] of [
        [sent.json.results[0], takeover, 'merchant_of_another_platform'],
        [sent.json.results[1], posing, 'source_not_allowed'],
      ] as const) {
        // As it was (no body), and corrected: refused again for the same reason, and still open.
        for (const body of [undefined, { event: { ...record, id: `${record.id}-fixed` } }]) {
          const replay = await api.request('POST', `/v1/quarantine/${result.quarantine_id}/replay`, {
            ...(body === undefined ? {} : { body }),
          });
          assert.equal(replay.status, 422, replay.text);
          assert.equal(replay.json.code, 'replay_failed');
          assert.match(replay.json.detail, new RegExp(`^${code}: `));
        }
        const entry = await api.request('GET', `/v1/quarantine/${result.quarantine_id}`);
        assert.equal(entry.json.status, 'open');
        assert.deepEqual([entry.json.sender_role, entry.json.sender_platform], ['platform', 'plt_rival']);
      }
      assert.equal((await api.request('GET', statement, { key: rivalKey })).status, 404);
      const profile = await api.request('GET', '/v1/merchants/mer_taken/features?as_of=2026-03-31');
      assert.equal(profile.status, 200);
      assert.equal(profile.json.profile.legal_name, 'Taken Ltd');
    });

    it('answers features as of a date, to operators and to the merchant itself only', async () => {
      const features = await api.request('GET', `/v1/merchants/mer_fixture/features?as_of=${fixtureAsOf}`);
      assert.equal(features.status, 200);
      assert.equal(
        features.json.gmv_90d,
        String(BigInt(fixtureFeatures.gmv_90d) + 100n),
        'the fixture plus the replayed order',
      );
      assert.equal(features.json.tenure_days, fixtureFeatures.tenure_days);
      const own = await api.request('POST', '/v1/api_keys', {
        body: { role: 'merchant', object_id: 'mer_fixture' },
      });
      const mine = await api.request('GET', `/v1/merchants/mer_fixture/features?as_of=${fixtureAsOf}`, {
        key: own.json.secret,
      });
      assert.equal(mine.status, 200);
      const theirs = await api.request('GET', `/v1/merchants/mer_other/features?as_of=${fixtureAsOf}`, {
        key: own.json.secret,
      });
      assert.equal(theirs.status, 404);
      const unknown = await api.request('GET', '/v1/merchants/mer_nobody/features');
      assert.equal(unknown.json.code, 'merchant_not_found');
      const badDate = await api.request('GET', '/v1/merchants/mer_fixture/features?as_of=2026-02-30');
      assert.equal(badDate.json.param, 'as_of');
    });

    it('refuses features as of a day to come, or for an id no event can name, as a decision does', async () => {
      // Both were answered: a far as_of as today's features dated then, and any id up to 64
      // characters looked up; a decision refuses both (400 parameter_invalid).
      const today = new Date(Number(api.app.clock.nowNs() / 1_000_000n)).toISOString().slice(0, 10);
      const ok = await api.request('GET', `/v1/merchants/mer_fixture/features?as_of=${today}`);
      assert.equal(ok.status, 200, ok.text);
      for (const asOf of ['9999-12-31', '2026-09-22']) {
        const ahead = await api.request('GET', `/v1/merchants/mer_fixture/features?as_of=${asOf}`);
        assert.deepEqual(
          [ahead.status, ahead.json.code, ahead.json.param],
          [400, 'parameter_invalid', 'as_of'],
        );
        assert.match(ahead.json.detail, /must not be after today \(2026-09-21, UTC\)/);
      }
      for (const id of ['fixture', 'mer_', 'mer_a.b', `mer_${'x'.repeat(61)}`]) {
        const malformed = await api.request('GET', `/v1/merchants/${id}/features`);
        assert.deepEqual(
          [malformed.status, malformed.json.code, malformed.json.param],
          [400, 'parameter_invalid', 'id'],
          id,
        );
      }
    });

    it("quarantines an order that would take its day's total past 2^63 − 1, in one request or two", async () => {
      const max = '9223372036854775807';
      const order = (id: string) =>
        JSON.stringify(
          event('order.placed', id, '2026-03-30T10:00:00Z', 'mer_big', {
            order_id: id,
            buyer_id: `b-${id}`,
            amount: max,
            currency: 'USD',
          }),
        );
      const onboarded = JSON.stringify(
        event('merchant.onboarded', 'big-0', '2026-03-30T09:00:00Z', 'mer_big', {
          legal_name: 'Big Ltd',
          country: 'US',
          currency: 'USD',
          category: 'electronics',
          kyb_status: 'verified',
        }),
      );
      const post = (lines: readonly string[]) =>
        api.request('POST', '/v1/events', {
          key: platformKey,
          rawBody: lines.join('\n'),
          headers: { 'content-type': 'application/x-ndjson' },
        });
      const one = await post([onboarded, order('big-1'), order('big-2')]);
      assert.equal(one.status, 200);
      assert.deepEqual(
        one.json.results.map((r: { status: string; code?: string; field?: string }) => [
          r.status,
          r.code,
          r.field,
        ]),
        [
          ['applied', undefined, undefined],
          ['applied', undefined, undefined],
          ['quarantined', 'daily_total_out_of_range', 'data.amount'],
        ],
      );
      const two = await post([order('big-3')]);
      assert.equal(two.status, 200);
      assert.equal(two.json.results[0].code, 'daily_total_out_of_range');
      const features = await api.request('GET', '/v1/merchants/mer_big/features?as_of=2026-03-30');
      assert.equal(features.status, 200);
      assert.equal(features.json.gmv_30d, max);
    });

    it('quarantines an event whose time no 64-bit nanosecond count holds, and applies the rest of its batch', async () => {
      const review = (id: string, time: string) =>
        JSON.stringify(event('review.posted', id, time, 'mer_fixture', { review_id: id, rating: 5 }));
      const response = await api.request('POST', '/v1/events', {
        key: platformKey,
        rawBody: [
          review('far-1', '9999-12-31T00:00:00Z'),
          review('far-2', '2026-03-31T10:00:00Z'),
          review('far-3', '0001-01-01T00:00:00+01:00'),
          review('far-4', '2262-04-12T00:00:00Z'),
        ].join('\n'),
        headers: { 'content-type': 'application/x-ndjson' },
      });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(
        response.json.results.map((r: { status: string; code?: string; field?: string }) => [
          r.status,
          r.code,
          r.field,
        ]),
        [
          ['quarantined', 'time_invalid', 'time'],
          ['applied', undefined, undefined],
          ['quarantined', 'time_invalid', 'time'],
          ['quarantined', 'time_invalid', 'time'],
        ],
      );
    });

    it('quarantines an NDJSON line holding a NUL character, and applies the rest of its batch', async () => {
      // Once a 500 for the whole batch on PostgreSQL, whose text holds no NUL: the quarantine entry
      // kept what could be read of the record (its id) and the line as it came, NUL and all.
      const review = (id: string) =>
        JSON.stringify(
          event('review.posted', id, '2026-03-31T10:00:00Z', 'mer_fixture', { review_id: id, rating: 4 }),
        );
      const response = await api.request('POST', '/v1/events', {
        key: platformKey,
        rawBody: [review('nul\u0000-1'), review('nul-2'), `{"id":"nul\u0000-3"}`].join('\n'),
        headers: { 'content-type': 'application/x-ndjson' },
      });
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(
        response.json.results.map((r: { status: string; code?: string }) => [r.status, r.code]),
        [
          ['quarantined', 'field_invalid'],
          ['applied', undefined],
          ['quarantined', 'json_invalid'],
        ],
      );
      const first = await api.request('GET', `/v1/quarantine/${response.json.results[0].quarantine_id}`);
      assert.equal(first.json.event_id, 'nul\uFFFD-1', 'a NUL is kept as U+FFFD, the replacement character');
      const third = await api.request('GET', `/v1/quarantine/${response.json.results[2].quarantine_id}`);
      assert.equal(third.json.raw, '{"id":"nul\uFFFD-3"}');
    });
  });
}
