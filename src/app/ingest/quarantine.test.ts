/**
 * A quarantined record is replayed under the scope of whoever sent it, on real stores (SQLite, and
 * PostgreSQL when configured): a platform key's record is judged again as that platform's — its
 * event about another platform's merchant, or of another platform, is refused again, as it was or
 * corrected, and the entry stays open — while an operator's import is trusted as it was. The same
 * bad record from two platforms is two entries. An entry filed before senders were recorded is
 * replayed by where it came from: a scope refusal over HTTP stays refused, another HTTP record is
 * judged as its own platform's key would send it, and a file's record is an operator's.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { event } from '../../../test/support/events.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import type { CanonicalEvent } from '../../domain/events/catalog.ts';
import { parseRecord } from '../../ingest/parse-record.ts';
import { sha256, testEntropy } from '../../storage/contract/fixtures.ts';
import { cliActor } from '../audit/audit-log.ts';
import type { QuarantineEntry } from '../ports.ts';
import { ingestBatch } from './ingest.ts';
import { replayQuarantined } from './quarantine.ts';

const onboarded = (platform: string, id: string, merchantId: string) =>
  event(
    'merchant.onboarded',
    id,
    '2026-03-30T12:00:00Z',
    merchantId,
    {
      legal_name: `${platform} Ltd`,
      country: 'GB',
      currency: 'GBP',
      category: 'sports_outdoors',
      kyb_status: 'verified',
    },
    platform,
  );
const review = (platform: string, id: string, merchantId: string, rating: number) =>
  event('review.posted', id, '2026-03-30T12:00:00Z', merchantId, { review_id: id, rating }, platform);

for (const backend of backendsUnderTest) {
  describe(`replaying the quarantine on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    const context = { clock: new ManualClock(), entropy: testEntropy, sha256, parse: parseRecord };
    /** A platform key's batch (allowedSource), or an operator's import (no platform). */
    const send = (platform: string | null, events: readonly CanonicalEvent[]) =>
      harness.store.write((tx) =>
        ingestBatch(
          tx,
          context,
          events.map((e) => parseRecord({ origin: 'http:req_test', line: null, raw: JSON.stringify(e) })),
          platform === null ? {} : { allowedSource: platform },
        ),
      );
    const quarantineId = async (platform: string | null, e: CanonicalEvent) => {
      const [outcome] = await send(platform, [e]);
      assert.equal(outcome?.status, 'quarantined');
      return outcome.status === 'quarantined' ? (outcome.quarantineId as string) : '';
    };
    const replay = (id: string, corrected?: CanonicalEvent) =>
      harness.store.write((tx) =>
        replayQuarantined(
          tx,
          context,
          id,
          corrected === undefined ? undefined : JSON.stringify(corrected),
          cliActor(context),
        ),
      );
    const entry = async (id: string) =>
      (await harness.store.read((tx) => tx.inbox.quarantined(id))) as QuarantineEntry;
    const onboardedBy = (platform: string, merchantId: string) =>
      harness.store.read((tx) => tx.risk.platformOnboardedMerchant(platform, merchantId));

    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
      assert.equal((await send('plt_a', [onboarded('plt_a', 'a-0', 'mer_a')]))[0]?.status, 'applied');
    });
    after(() => harness.dispose());

    it("refuses again a platform's event about another platform's merchant, as it was or corrected", async () => {
      const takeover = onboarded('plt_b', 'b-1', 'mer_a');
      const id = await quarantineId('plt_b', takeover);
      assert.deepEqual((await entry(id)).sender, { role: 'platform', platform: 'plt_b' });
      for (const corrected of [undefined, { ...takeover, id: 'b-1-fixed' }]) {
        const result = await replay(id, corrected);
        assert.equal(result.ok, false);
        assert.equal(result.problem?.code, 'merchant_of_another_platform');
      }
      assert.equal((await entry(id)).status, 'open');
      assert.equal(await onboardedBy('plt_b', 'mer_a'), false);
    });

    it("refuses again a platform's event of another platform", async () => {
      const id = await quarantineId('plt_b', review('plt_a', 'b-2', 'mer_a', 5));
      const result = await replay(id);
      assert.equal(result.problem?.code, 'source_not_allowed');
      assert.equal((await entry(id)).status, 'open');
    });

    it("replays an operator's record as trusted, and files the same record from two platforms twice", async () => {
      const bad = review('plt_b', 'op-1', 'mer_a', 9);
      const byOperator = await quarantineId(null, bad);
      assert.deepEqual((await entry(byOperator)).sender, { role: 'operator' });
      const byA = await quarantineId('plt_a', bad);
      const byB = await quarantineId('plt_b', bad);
      assert.equal(new Set([byOperator, byA, byB]).size, 3, 'one entry per sender');
      const fixed = { ...bad, data: { ...bad.data, rating: 4 } } as CanonicalEvent;
      assert.equal((await replay(byA, fixed)).problem?.code, 'source_not_allowed');
      assert.equal((await replay(byB, fixed)).problem?.code, 'merchant_of_another_platform');
      const trusted = await replay(byOperator, fixed);
      assert.equal(trusted.ok && trusted.value.outcome.status, 'applied');
    });

    it('replays an entry with no sender recorded by where it came from', async () => {
      let n = 0;
      const filed = async (origin: string, code: string, e: CanonicalEvent) => {
        n += 1;
        const id = `qua_old${n}`;
        await harness.store.write((tx) =>
          tx.inbox.quarantine([
            {
              id,
              fingerprint: `old-${n}`,
              origin,
              line: null,
              source: e.source,
              eventId: e.id,
              eventType: e.type,
              code,
              field: code === 'field_invalid' ? 'data.rating' : 'subject',
              detail: 'before senders were recorded',
              raw: JSON.stringify(e),
              status: 'open',
              firstSeenMs: 0n,
              lastSeenMs: 0n,
              seenCount: 1n,
              resolvedAtMs: null,
              resolution: null,
              sender: null,
            },
          ]),
        );
        return id;
      };
      const refusal = await filed(
        'http:req_old',
        'merchant_of_another_platform',
        onboarded('plt_b', 'old-1', 'mer_a'),
      );
      const result = await replay(refusal);
      assert.equal(result.problem?.code, 'merchant_of_another_platform');
      assert.equal((await entry(refusal)).status, 'open');
      // Fixed since, over HTTP: judged as plt_b's own key would send it.
      const overHttp = await filed('http:req_old', 'field_invalid', onboarded('plt_b', 'old-2', 'mer_a'));
      assert.equal((await replay(overHttp)).problem?.code, 'merchant_of_another_platform');
      assert.equal(await onboardedBy('plt_b', 'mer_a'), false);
      // From a file: only an operator imports one.
      const imported = await filed('file:old.ndjson', 'field_invalid', review('plt_b', 'old-3', 'mer_a', 3));
      const trusted = await replay(imported);
      assert.equal(trusted.ok && trusted.value.outcome.status, 'applied');
    });
  });
}
