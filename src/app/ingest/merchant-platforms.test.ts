/**
 * Which platform a merchant belongs to, on real stores (SQLite, and PostgreSQL when configured):
 * the first platform whose key sends an event about a merchant claims it — onboarding or not — and
 * another platform's key is then refused its events; an event refused (a reused id) claims
 * nothing, one sent again (a duplicate) keeps the claim; an operator's import is trusted as it is and claims nothing; and two platforms
 * onboarding the same new merchant in transactions of their own at once cannot both have it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { event } from '../../../test/support/events.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import type { CanonicalEvent } from '../../domain/events/catalog.ts';
import { parseRecord } from '../../ingest/parse-record.ts';
import { sha256, testEntropy } from '../../storage/contract/fixtures.ts';
import type { Store } from '../ports.ts';
import { ingestBatch, type RecordOutcome } from './ingest.ts';

const onboarding = {
  legal_name: 'Shared Ltd',
  country: 'GB',
  currency: 'GBP',
  category: 'sports_outdoors',
  kyb_status: 'verified',
} as const;

const onboarded = (platform: string, id: string, merchantId: string) =>
  event('merchant.onboarded', id, '2026-03-30T12:00:00Z', merchantId, onboarding, platform);
const review = (platform: string, id: string, merchantId: string, rating = 5) =>
  event('review.posted', id, '2026-03-30T12:00:00Z', merchantId, { review_id: id, rating }, platform);

const records = (events: readonly CanonicalEvent[]) =>
  events.map((e) => parseRecord({ origin: 'test', line: null, raw: JSON.stringify(e) }));

for (const backend of backendsUnderTest) {
  describe(`merchants and their platforms on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    const context = { clock: new ManualClock(), entropy: testEntropy, sha256 };
    /** A platform key's batch (allowedSource), or an operator's import (no platform). */
    const send = (store: Store, platform: string | null, events: readonly CanonicalEvent[]) =>
      store.write((tx) =>
        ingestBatch(tx, context, records(events), platform === null ? {} : { allowedSource: platform }),
      );
    const statuses = (outcomes: readonly RecordOutcome[]) =>
      outcomes.map((o) => (o.status === 'quarantined' ? `quarantined ${o.problem.code}` : o.status));
    const owner = async (merchantId: string) =>
      (await harness.store.read((tx) => tx.risk.merchantPlatforms([merchantId]))).get(merchantId);

    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
    });
    after(() => harness.dispose());

    it("is the first platform to send an event about it, onboarding or not, and refuses another platform's", async () => {
      assert.deepEqual(statuses(await send(harness.store, 'plt_a', [review('plt_a', 'a-1', 'mer_first')])), [
        'applied',
      ]);
      assert.deepEqual(await owner('mer_first'), new Set(['plt_a']));
      const other = await send(harness.store, 'plt_b', [
        onboarded('plt_b', 'b-1', 'mer_first'),
        review('plt_b', 'b-2', 'mer_first'),
      ]);
      assert.deepEqual(statuses(other), [
        'quarantined merchant_of_another_platform',
        'quarantined merchant_of_another_platform',
      ]);
      // Not whose: the sender is another platform, which learns nothing of plt_a's merchants.
      const detail = other[0]?.status === 'quarantined' ? other[0].problem.detail : '';
      assert.match(detail, /mer_first belongs to another platform/);
      assert.doesNotMatch(detail, /plt_a/);
      // Its own platform goes on sending.
      assert.deepEqual(
        statuses(await send(harness.store, 'plt_a', [onboarded('plt_a', 'a-2', 'mer_first')])),
        ['applied'],
      );
    });

    it('lets a refused event claim nothing', async () => {
      // plt_a reuses an event id it sent about another merchant: refused, so mer_loose stays free.
      const reused = await send(harness.store, 'plt_a', [review('plt_a', 'a-1', 'mer_loose', 1)]);
      assert.equal(reused[0]?.status, 'quarantined');
      assert.equal(await owner('mer_loose'), undefined);
      assert.deepEqual(
        statuses(await send(harness.store, 'plt_b', [onboarded('plt_b', 'b-3', 'mer_loose')])),
        ['applied'],
      );
      assert.deepEqual(await owner('mer_loose'), new Set(['plt_b']));
    });

    it("trusts an operator's import and lets it claim nothing", async () => {
      assert.deepEqual(statuses(await send(harness.store, null, [review('plt_c', 'c-1', 'mer_first')])), [
        'applied',
      ]);
      assert.deepEqual(statuses(await send(harness.store, null, [review('plt_c', 'c-2', 'mer_imported')])), [
        'applied',
      ]);
      assert.equal(await owner('mer_imported'), undefined);
      assert.deepEqual(
        statuses(await send(harness.store, 'plt_b', [review('plt_b', 'b-4', 'mer_imported')])),
        ['applied'],
      );
    });

    it('keeps the claim of a platform whose event about the merchant was a duplicate', async () => {
      // The operator imported plt_a's export first (claiming nothing); plt_a's key sends the same
      // event again: a duplicate, but sent by plt_a's key all the same.
      assert.deepEqual(statuses(await send(harness.store, null, [review('plt_a', 'a-dup', 'mer_dup')])), [
        'applied',
      ]);
      assert.deepEqual(statuses(await send(harness.store, 'plt_a', [review('plt_a', 'a-dup', 'mer_dup')])), [
        'duplicate',
      ]);
      assert.deepEqual(await owner('mer_dup'), new Set(['plt_a']));
      assert.deepEqual(statuses(await send(harness.store, 'plt_b', [review('plt_b', 'b-dup', 'mer_dup')])), [
        'quarantined merchant_of_another_platform',
      ]);
    });

    it('gives a new merchant onboarded by two platforms at once to one of them', async () => {
      // Each platform's batch in a transaction of its own, on PostgreSQL on its own connection:
      // the first holds its transaction open until the second has read who the merchant belongs
      // to (nobody yet, that it can see). SQLite has one writer: the second waits its turn (a
      // second connection in this process would wait on the file lock, blocking the first).
      const second = backend.name === 'postgres' ? harness.openAnother() : harness.store;
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      const first = harness.store.write(async (tx) => {
        const outcomes = await ingestBatch(
          tx,
          context,
          records([onboarded('plt_a', 'a-9', 'mer_contested')]),
          {
            allowedSource: 'plt_a',
          },
        );
        await held;
        return outcomes;
      });
      // Give the first transaction time to claim before the second starts (SQLite queues it anyway).
      await new Promise((resolve) => setTimeout(resolve, 100));
      const other = send(second, 'plt_b', [onboarded('plt_b', 'b-9', 'mer_contested')]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      release();
      const outcomes = [...(await first), ...(await other)];
      assert.deepEqual(statuses(outcomes), ['applied', 'quarantined merchant_of_another_platform']);
      assert.deepEqual(await owner('mer_contested'), new Set(['plt_a']));
    });
  });
}
