/**
 * The audit log over a real server and store: each change an operator makes — settings, API keys,
 * a merchant's flag, the champion model, a webhook endpoint — is listed newest first with the key
 * that made it and what it changed; a request that changes nothing, or is refused, is not; the log
 * filters by subject and action and pages; other roles are refused; `capstan model promote`'s
 * change is the command's (`cli`).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { event } from '../../../test/support/events.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import { syntheticModel } from '../../../test/support/synthetic-model.ts';
import { cliActor } from '../../app/audit/audit-log.ts';
import { changeModel, promoteModel, registerModel } from '../../app/risk/models.ts';

for (const backend of backendsUnderTest) {
  describe(`audit log API on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    let operator: { id: string; secret: string };
    before(async () => {
      api = await startTestServer(backend);
      operator = (
        await api.request('POST', '/v1/api_keys', { body: { role: 'operator', name: 'risk desk' } })
      ).json;
    });
    after(async () => api?.close());

    const log = async (query = '', key?: string) => {
      const answer = await api.request('GET', `/v1/audit_log${query}`, key === undefined ? {} : { key });
      assert.equal(answer.status, 200, answer.text);
      return answer.json;
    };
    const as = (body: unknown) => ({ body, key: operator.secret });
    /** A merchant its platform has onboarded: only a merchant Capstan knows is flagged. */
    const onboard = async (merchantId: string) => {
      const sent = await api.request('POST', '/v1/events', {
        body: event('merchant.onboarded', `onboard-${merchantId}`, '2026-01-01T09:00:00Z', merchantId, {
          legal_name: merchantId,
          country: 'GB',
          currency: 'GBP',
          category: 'toys',
          kyb_status: 'verified',
        }),
      });
      assert.equal(sent.json.results?.[0]?.status, 'applied', sent.text);
    };

    it('lists each change with who made it and what it changed, newest first, and nothing for no change', async () => {
      const bootstrap = (await log()).data;
      assert.deepEqual(
        bootstrap.map((e: { action: string; actor: string; subject_id: string }) => [e.actor, e.subject_id]),
        [
          [bootstrap[1].subject_id, operator.id],
          ['cli', bootstrap[1].subject_id],
        ],
        'the second operator key, issued by the first, which the server made (CAPSTAN_OPERATOR_KEY)',
      );
      assert.equal(bootstrap[1].detail.name, 'CAPSTAN_OPERATOR_KEY');
      const started = bootstrap.length;
      // Settings: a change, the same values again (nothing), a refused change (nothing).
      assert.equal(
        (await api.request('PUT', '/v1/settings/sweeping', as({ dailyDeductionCapBps: 3_500 }))).status,
        200,
      );
      assert.equal(
        (await api.request('PUT', '/v1/settings/sweeping', as({ dailyDeductionCapBps: 3_500 }))).status,
        200,
      );
      assert.equal(
        (await api.request('PUT', '/v1/settings/sweeping', as({ dailyDeductionCapBps: 0 }))).status,
        400,
      );
      await api.request('PUT', '/v1/settings/offering', { body: { minimumOfferMinor: '60000' } });
      // A key issued and revoked twice; a flag set, cleared, cleared again.
      const platform = (
        await api.request('POST', '/v1/api_keys', as({ role: 'platform', object_id: 'plt_one' }))
      ).json;
      assert.equal((await api.request('DELETE', `/v1/api_keys/${platform.id}`, as(undefined))).status, 200);
      assert.equal((await api.request('DELETE', `/v1/api_keys/${platform.id}`, as(undefined))).status, 200);
      await onboard('mer_audit');
      const flagged = await api.request(
        'POST',
        '/v1/merchants/mer_audit/flags',
        as({ flag: 'fraud', reason: 'chargeback ring, case 4411' }),
      );
      assert.equal(flagged.status, 200, flagged.text);
      for (let i = 0; i < 2; i += 1)
        assert.equal(
          (await api.request('DELETE', '/v1/merchants/mer_audit/flags/fraud', as(undefined))).status,
          200,
        );
      // A webhook endpoint created, updated (once with nothing new), rotated, replayed (nothing to
      // send), disabled twice.
      const endpoint = (
        await api.request('POST', '/v1/webhook_endpoints', as({ url: 'https://platform.example/hooks' }))
      ).json;
      const path = `/v1/webhook_endpoints/${endpoint.id}`;
      await api.request('POST', path, as({ url: 'https://platform.example/hooks/v2', description: 'ops' }));
      await api.request('POST', path, as({ description: 'ops' }));
      assert.equal(
        (await api.request('POST', `${path}/rotate_secret`, as({ previous_valid_hours: 2 }))).status,
        200,
      );
      // A replay of no event (none since the moment given) requeues nothing: nothing to record.
      const replayed = await api.request('POST', `${path}/replay`, as({ since: '2099-01-01T00:00:00Z' }));
      assert.deepEqual([replayed.status, replayed.json.deliveries], [200, 0], replayed.text);
      await api.request('DELETE', path, as(undefined));
      await api.request('DELETE', path, as(undefined));

      const entries = (await log(`?limit=100`)).data;
      const mine = entries.slice(0, entries.length - started);
      assert.deepEqual(
        mine.map((e: { action: string; subject_type: string; subject_id: string }) => [
          e.action,
          e.subject_type,
          e.subject_id,
        ]),
        [
          ['webhook_endpoint.disabled', 'webhook_endpoint', endpoint.id],
          ['webhook_endpoint.secret_rotated', 'webhook_endpoint', endpoint.id],
          ['webhook_endpoint.updated', 'webhook_endpoint', endpoint.id],
          ['webhook_endpoint.created', 'webhook_endpoint', endpoint.id],
          ['merchant.flag_cleared', 'merchant', 'mer_audit'],
          ['merchant.flagged', 'merchant', 'mer_audit'],
          ['api_key.revoked', 'api_key', platform.id],
          ['api_key.issued', 'api_key', platform.id],
          ['settings.changed', 'settings', 'offering'],
          ['settings.changed', 'settings', 'sweeping'],
        ],
      );
      const byAction = (action: string) => mine.find((e: { action: string }) => e.action === action);
      const offering = mine[8];
      assert.notEqual(offering.actor, operator.id, 'the bootstrap key changed the offering settings');
      for (const entry of mine.filter((e: unknown) => e !== offering)) assert.equal(entry.actor, operator.id);
      assert.deepEqual(mine[9].detail, {
        changes: { dailyDeductionCapBps: { from: 3_000, to: 3_500 } },
      });
      assert.deepEqual(offering.detail, {
        changes: { minimumOfferMinor: { from: { $bigint: '50000' }, to: { $bigint: '60000' } } },
      });
      assert.deepEqual(byAction('api_key.issued').detail, {
        role: 'platform',
        objectId: 'plt_one',
        name: 'platform key',
      });
      assert.deepEqual(byAction('merchant.flagged').detail, {
        flag: 'fraud',
        reason: 'chargeback ring, case 4411',
        offersWithdrawn: 0,
      });
      assert.deepEqual(byAction('webhook_endpoint.updated').detail, {
        changes: {
          url: { from: 'https://platform.example/hooks', to: 'https://platform.example/hooks/v2' },
          description: { from: '', to: 'ops' },
        },
      });
      assert.deepEqual(byAction('webhook_endpoint.secret_rotated').detail, { previousValidHours: 2 });
      const [first] = mine;
      assert.match(first.id, /^aud_[0-9]+$/);
      assert.equal(first.object, 'audit_entry');
      assert.equal(first.at, new Date(Number(api.app.clock.nowNs() / 1_000_000n)).toISOString());
    });

    it('records a model promoted, through the API or by a command, with the champion it replaced', async () => {
      const register = (status: 'champion' | 'challenger', seed: number) =>
        api.harness.store.write(async (tx) =>
          registerModel(tx, api.app, {
            artifact: syntheticModel('scorecard', seed),
            algorithm: 'scorecard',
            metrics: {},
            training: { synthetic: true },
            status,
          }),
        );
      const champion = await register('champion', 5);
      const challenger = await register('challenger', 6);
      const promoted = await api.request('POST', `/v1/models/${challenger.id}/promote`, as(undefined));
      assert.equal(promoted.status, 200, promoted.text);
      // Promoted again: nothing changes, nothing is recorded.
      await api.request('POST', `/v1/models/${challenger.id}/promote`, as(undefined));
      const back = await api.harness.store.write((tx) =>
        changeModel(tx, cliActor(api.app), champion.id, promoteModel, 'model.promoted'),
      );
      assert.ok(back.ok);
      const models = (await log('?subject_type=model')).data;
      assert.deepEqual(
        models.map((e: { actor: string; subject_id: string; detail: unknown }) => [
          e.actor,
          e.subject_id,
          e.detail,
        ]),
        [
          ['cli', champion.id, { from: 'challenger', to: 'champion', previousChampion: challenger.id }],
          [operator.id, challenger.id, { from: 'challenger', to: 'champion', previousChampion: champion.id }],
        ],
      );
    });

    it('filters by subject and action, and pages by starting_after', async () => {
      const flags = (await log('?subject_type=merchant&subject_id=mer_audit')).data;
      assert.deepEqual(
        flags.map((e: { action: string }) => e.action),
        ['merchant.flag_cleared', 'merchant.flagged'],
      );
      assert.deepEqual(
        (await log('?action=settings.changed')).data.map((e: { subject_id: string }) => e.subject_id),
        ['offering', 'sweeping'],
      );
      const all = (await log('?limit=100')).data;
      const page = await log('?limit=3');
      assert.equal(page.has_more, true);
      assert.deepEqual(page.data, all.slice(0, 3));
      const next = await log(`?limit=3&starting_after=${page.data[2].id}`);
      assert.deepEqual(next.data, all.slice(3, 6));
      for (const bad of ['aud_0', 'key_1', 'aud_x', 'aud_999999']) {
        const refused = await api.request('GET', `/v1/audit_log?starting_after=${bad}`);
        assert.deepEqual([refused.status, refused.json.code], [400, 'starting_after_not_found'], bad);
      }
      const unknown = await api.request('GET', '/v1/audit_log?action=money.moved');
      assert.equal(unknown.status, 400, unknown.text);
    });

    it('records a change sent twice at once (a DELETE retried while the first runs) once', async () => {
      // On PostgreSQL each of the two found the key unrevoked, the flag set, the endpoint enabled,
      // the model a challenger, and each recorded the one change (19 times in 20 here).
      const twice = (method: 'DELETE' | 'POST', path: string) =>
        Promise.all([1, 2].map(() => api.request(method, path, as(undefined))));
      const counted = async (subject: string, action: string) =>
        (await log(`?subject_id=${subject}&action=${action}&limit=100`)).data.length;
      for (let round = 0; round < 3; round += 1) {
        const key = (
          await api.request('POST', '/v1/api_keys', as({ role: 'platform', object_id: `plt_twice${round}` }))
        ).json;
        const merchant = `mer_twice${round}`;
        await onboard(merchant);
        await api.request('POST', `/v1/merchants/${merchant}/flags`, as({ flag: 'fraud', reason: 'twice' }));
        const endpoint = (
          await api.request('POST', '/v1/webhook_endpoints', as({ url: `https://twice.example/${round}` }))
        ).json;
        const model = await api.harness.store.write(async (tx) =>
          registerModel(tx, api.app, {
            artifact: syntheticModel('scorecard', 20 + round),
            algorithm: 'scorecard',
            metrics: {},
            training: { synthetic: true },
            status: 'challenger',
          }),
        );
        await Promise.all([
          twice('DELETE', `/v1/api_keys/${key.id}`),
          twice('DELETE', `/v1/merchants/${merchant}/flags/fraud`),
          twice('DELETE', `/v1/webhook_endpoints/${endpoint.id}`),
          twice('POST', `/v1/models/${model.id}/promote`),
        ]);
        assert.deepEqual(
          [
            await counted(key.id, 'api_key.revoked'),
            await counted(merchant, 'merchant.flag_cleared'),
            await counted(endpoint.id, 'webhook_endpoint.disabled'),
            await counted(model.id, 'model.promoted'),
          ],
          [1, 1, 1, 1],
          `round ${round}`,
        );
      }
    });

    it('is for operators only', async () => {
      const merchant = (
        await api.request('POST', '/v1/api_keys', { body: { role: 'merchant', object_id: 'mer_audit' } })
      ).json.secret;
      const refused = await api.request('GET', '/v1/audit_log', { key: merchant });
      assert.equal(refused.status, 403, refused.text);
    });
  });
}
