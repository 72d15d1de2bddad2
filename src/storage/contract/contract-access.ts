/**
 * Contract: API keys are stored hashed and found by hash, listed in id order, revoked once; an
 * idempotency key is claimed once per scope, and a second claim finds the stored response until
 * its retention lets it go.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BackendUnderTest, Harness } from '../../../test/support/backends.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import { meetingAfterFirst } from '../../../test/support/race.ts';
import { authenticate, bootstrapOperatorKey, issueApiKey, revokeApiKey } from '../../app/access/api-keys.ts';
import { idempotencyRetentionMs, pruneIdempotencyKeys, runIdempotent } from '../../app/access/idempotency.ts';
import { cliActor } from '../../app/audit/audit-log.ts';
import { sha256, testEntropy } from './fixtures.ts';

export function accessContract(backend: BackendUnderTest): void {
  describe(`api keys and idempotency on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    const clock = new ManualClock();
    const context = { clock, entropy: testEntropy, sha256 };
    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
    });
    after(async () => harness?.dispose());

    it('creates the first operator key once, and keeps only its hash', async () => {
      const first = await harness.store.write((tx) => bootstrapOperatorKey(tx, context, undefined));
      assert.ok(first.ok && first.value.kind === 'created');
      const secret = first.value.issued.secret;
      const second = await harness.store.write((tx) => bootstrapOperatorKey(tx, context, undefined));
      assert.ok(second.ok && second.value.kind === 'existing');
      const rows = await harness.query('select secret_hash, secret_prefix from api_keys');
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.['secret_hash'], sha256(secret));
      assert.ok(!JSON.stringify(rows).includes(secret), 'the secret itself is never stored');
      const found = await harness.store.read((tx) => authenticate(tx, sha256, secret));
      assert.equal(found?.role, 'operator');
    });

    it('creates one operator key when two servers start at once on an empty database', async () => {
      const fresh = await backend.open();
      try {
        await fresh.store.migrate();
        // Each counts the operator keys (none), then waits for the other to have counted too.
        const meeting = meetingAfterFirst('apiKeys', 'countActive');
        const other = backend.name === 'postgres' ? fresh.openAnother() : fresh.store;
        const outcomes = await Promise.all(
          [fresh.store, other].map((store) =>
            store.write((tx) => bootstrapOperatorKey(meeting(tx), context, undefined)),
          ),
        );
        assert.deepEqual(outcomes.map((o) => (o.ok ? o.value.kind : o.code)).sort(), ['created', 'existing']);
        const keys = await fresh.query('select id from api_keys');
        assert.equal(keys.length, 1, 'one key made and printed, not one by each server');
      } finally {
        await fresh.dispose();
      }
    });

    it('issues keys bound to their object, lists them in id order and revokes them', async () => {
      const merchant = await harness.store.write((tx) =>
        issueApiKey(tx, context, { role: 'merchant', objectId: 'mer_42', name: 'shop' }),
      );
      assert.ok(merchant.ok);
      assert.equal(merchant.value.key.objectId, 'mer_42');
      const unbound = await harness.store.write((tx) =>
        issueApiKey(tx, context, { role: 'platform', objectId: null, name: 'x' }),
      );
      assert.deepEqual(unbound.ok ? 'ok' : unbound.code, 'object_id_required');
      const wrongKind = await harness.store.write((tx) =>
        issueApiKey(tx, context, { role: 'financier', objectId: 'mer_1', name: 'x' }),
      );
      assert.deepEqual(wrongKind.ok ? 'ok' : wrongKind.code, 'object_id_invalid');
      const all = await harness.store.read((tx) => tx.apiKeys.list({ limit: 10 }));
      assert.deepEqual(
        all.map((k) => k.id),
        [...all.map((k) => k.id)].sort(),
      );
      const revoked = await harness.store.write((tx) =>
        revokeApiKey(tx, context, merchant.value.key.id, cliActor(context)),
      );
      assert.ok(revoked.ok && revoked.value.revokedAtMs !== null);
      assert.equal(
        await harness.store.read((tx) => authenticate(tx, sha256, merchant.value.secret)),
        undefined,
      );
      const missing = await harness.store.write((tx) =>
        revokeApiKey(tx, context, 'key_nope', cliActor(context)),
      );
      assert.equal(missing.ok ? 'ok' : missing.code, 'api_key_not_found');
    });

    it('refuses to revoke the last operator key', async () => {
      const operators = (await harness.store.read((tx) => tx.apiKeys.list({ limit: 100 }))).filter(
        (k) => k.role === 'operator' && k.revokedAtMs === null,
      );
      assert.equal(operators.length, 1);
      const result = await harness.store.write((tx) =>
        revokeApiKey(tx, context, operators[0]?.id as string, cliActor(context)),
      );
      assert.equal(result.ok ? 'ok' : result.code, 'api_key_last_operator');
    });

    it('refuses one of two operator keys revoked at once when they are the last two', async () => {
      // Each counted two active operator keys before either revoked its own, and on PostgreSQL
      // both went through: no operator key left, every operator locked out.
      const second = await harness.store.write((tx) =>
        issueApiKey(tx, context, { role: 'operator', objectId: null, name: 'second desk' }),
      );
      assert.ok(second.ok);
      const active = async () =>
        (await harness.store.read((tx) => tx.apiKeys.list({ limit: 100 }))).filter(
          (k) => k.role === 'operator' && k.revokedAtMs === null,
        );
      const [one, two] = await active();
      assert.ok(one !== undefined && two !== undefined);
      // Each counts the active operator keys, then waits for the other to have counted too.
      const meeting = meetingAfterFirst('apiKeys', 'countActive');
      const other = backend.name === 'postgres' ? harness.openAnother() : harness.store;
      const outcomes = await Promise.all(
        [
          [harness.store, one],
          [other, two],
        ].map(([store, key]) =>
          (store as typeof harness.store).write((tx) =>
            revokeApiKey(meeting(tx), context, (key as typeof one).id, cliActor(context)),
          ),
        ),
      );
      assert.deepEqual(outcomes.map((o) => (o.ok ? 'ok' : o.code)).sort(), ['api_key_last_operator', 'ok']);
      assert.equal((await active()).length, 1);
    });

    it('runs an idempotent write once, replays it, and refuses the key for another request', async () => {
      let runs = 0;
      const work = async () => {
        runs += 1;
        return { statusCode: 200, body: `{"run":${runs}}` };
      };
      const request = { scope: 'key_a', key: 'idem-1', fingerprint: 'f1' };
      const first = await runIdempotent(harness.store, clock, request, work);
      assert.deepEqual(first, { kind: 'executed', reply: { statusCode: 200, body: '{"run":1}' } });
      const replay = await runIdempotent(harness.store, clock, request, work);
      assert.deepEqual(replay, { kind: 'replayed', reply: { statusCode: 200, body: '{"run":1}' } });
      const reused = await runIdempotent(harness.store, clock, { ...request, fingerprint: 'f2' }, work);
      assert.equal(reused.kind, 'key_reused');
      const otherScope = await runIdempotent(harness.store, clock, { ...request, scope: 'key_b' }, work);
      assert.equal(otherScope.kind, 'executed');
      assert.equal(runs, 2);
    });

    it('forgets the claim when the work fails, so the retry runs', async () => {
      const request = { scope: 'key_a', key: 'idem-crash', fingerprint: 'f' };
      await assert.rejects(
        runIdempotent(harness.store, clock, request, async () => {
          throw new Error('crash in the middle');
        }),
      );
      const retry = await runIdempotent(harness.store, clock, request, async () => ({
        statusCode: 200,
        body: '{}',
      }));
      assert.equal(retry.kind, 'executed');
    });

    it('keeps no 400 under the key: the request was invalid, and the corrected one runs', async () => {
      const request = { scope: 'key_a', key: 'idem-invalid', fingerprint: 'f1' };
      const refused = await runIdempotent(harness.store, clock, request, async () => ({
        statusCode: 400,
        body: '{"code":"amount_invalid"}',
      }));
      assert.equal(refused.kind, 'executed');
      const corrected = await runIdempotent(
        harness.store,
        clock,
        { ...request, fingerprint: 'f2' },
        async () => ({
          statusCode: 200,
          body: '{}',
        }),
      );
      assert.equal(corrected.kind, 'executed');
    });

    it('lets answers go after their retention, oldest first, a batch at a time', async () => {
      const dayMs = 86_400_000n;
      const startMs = 1_800_000_000_000n;
      let runs = 0;
      const work = async () => {
        runs += 1;
        return { statusCode: 201, body: `{"run":${runs}}` };
      };
      const request = (key: string) => ({ scope: 'key_retention', key, fingerprint: 'f' });
      for (const [key, ageDays] of [
        ['old-1', 40n],
        ['old-2', 35n],
        ['old-3', 31n],
        ['recent', 29n],
      ] as const) {
        clock.set((startMs - ageDays * dayMs) * 1_000_000n);
        await runIdempotent(harness.store, clock, request(key), work);
      }
      clock.set(startMs * 1_000_000n);
      const beforeMs = startMs - idempotencyRetentionMs;
      // The earlier tests' answers, stored at the clock's start, are older still.
      const [earlier] = await harness.query(
        "select count(*) as n from idempotency_keys where scope <> 'key_retention'",
      );
      const batch = Number(earlier?.['n']) + 2;
      assert.equal(await harness.store.write((tx) => tx.idempotency.prune(beforeMs, batch)), batch);
      const kept = await harness.query('select key from idempotency_keys');
      assert.deepEqual(kept.map((row) => row['key']).sort(), ['old-3', 'recent'], 'the oldest went first');
      assert.equal(await pruneIdempotencyKeys(harness.store, clock), 1);
      assert.equal(await pruneIdempotencyKeys(harness.store, clock), 0);
      const again = await runIdempotent(harness.store, clock, request('old-1'), work);
      assert.deepEqual(again, { kind: 'executed', reply: { statusCode: 201, body: '{"run":5}' } });
      const replayed = await runIdempotent(harness.store, clock, request('recent'), work);
      assert.deepEqual(replayed, { kind: 'replayed', reply: { statusCode: 201, body: '{"run":4}' } });
    });

    it('lets concurrent requests with one key run the work once', async () => {
      const other = harness.openAnother();
      let runs = 0;
      const request = { scope: 'key_c', key: 'race', fingerprint: 'f' };
      const work = async () => {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { statusCode: 200, body: '{"ok":true}' };
      };
      const outcomes = await Promise.all([
        runIdempotent(harness.store, clock, request, work),
        runIdempotent(backend.name === 'postgres' ? other : harness.store, clock, request, work),
      ]);
      assert.equal(runs, 1);
      assert.deepEqual(outcomes.map((o) => o.kind).sort(), ['executed', 'replayed']);
    });

    it('lets two processes starting at once register the configured operator key: both get in, one key', async () => {
      // Two `capstan serve` (or a serve and a worker) started together on a fresh database with
      // CAPSTAN_OPERATOR_KEY: each finds no key with that secret, then both insert it. On
      // PostgreSQL the second hit the unique secret hash and the process died of it.
      const other = harness.openAnother();
      const secret = `cap_op_${'c'.repeat(40)}`;
      // Each looks the secret up, then waits for the other to have looked too.
      const meeting = meetingAfterFirst('apiKeys', 'bySecretHash');
      const outcomes = await Promise.all(
        [harness.store, backend.name === 'postgres' ? other : harness.store].map((store) =>
          store.write((tx) => bootstrapOperatorKey(meeting(tx), context, secret)),
        ),
      );
      for (const outcome of outcomes) assert.ok(outcome.ok && outcome.value.kind === 'configured');
      const rows = await harness.query(`select id from api_keys where secret_hash = '${sha256(secret)}'`);
      assert.equal(rows.length, 1);
      assert.equal(
        outcomes[0]?.ok && outcomes[0].value.kind === 'configured' && outcomes[0].value.key.id,
        rows[0]?.['id'],
      );
      assert.equal(
        outcomes[1]?.ok && outcomes[1].value.kind === 'configured' && outcomes[1].value.key.id,
        rows[0]?.['id'],
      );
    });
  });
}
