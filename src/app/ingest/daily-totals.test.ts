/**
 * A day's totals past 64 bits, on real stores (SQLite, and PostgreSQL when configured): amounts
 * that each fit but together would take a merchant's day past ±(2^63 − 1) no longer fail the batch
 * or leave a total no read can use. The event that would is quarantined as
 * `daily_total_out_of_range` — in a batch with the ones before it, or against what is stored — and
 * the rest apply; it is not kept in the inbox, so sent again it is quarantined again (the same
 * entry, seen again), and a settlement it carried sweeps nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { event, settlementPaid } from '../../../test/support/events.ts';
import { bookWithAdvanceForSuite, receivablesOf } from '../../../test/support/lending-fixture.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import { meetingAfterFirst } from '../../../test/support/race.ts';
import type { CanonicalEvent } from '../../domain/events/catalog.ts';
import { calendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';
import { parseRecord } from '../../ingest/parse-record.ts';
import { sha256, testEntropy } from '../../storage/contract/fixtures.ts';
import { cliActor } from '../audit/audit-log.ts';
import { merchantFeatures } from '../features/merchant-features.ts';
import type { Store } from '../ports.ts';
import { ingestBatch, type RecordOutcome } from './ingest.ts';
import { replayQuarantined } from './quarantine.ts';

const day = '2026-03-30';
/** The largest amount an event carries, and a day's total holds. */
const max = 2n ** 63n - 1n;

const onboarded = (merchantId: string) =>
  event('merchant.onboarded', `${merchantId}-onb`, `${day}T08:00:00Z`, merchantId, {
    legal_name: 'Big Ltd',
    country: 'US',
    currency: 'USD',
    category: 'electronics',
    kyb_status: 'verified',
  });

const order = (merchantId: string, id: string, amount: bigint, date = day) =>
  event('order.placed', id, `${date}T10:00:00Z`, merchantId, {
    order_id: id,
    buyer_id: `buyer-${id}`,
    amount: String(amount),
    currency: 'USD',
  });

/** A payout of `net` (negative: the merchant owes), made to add up by its adjustments. */
const payout = (merchantId: string, id: string, net: bigint) =>
  settlementPaid({
    eventId: id,
    settlementId: id,
    subject: merchantId,
    date: day,
    net,
    extra: { gross: '0', fees: '0', adjustments: String(net) },
  });

const records = (events: readonly CanonicalEvent[]) =>
  events.map((e, i) => parseRecord({ origin: 'test', line: i + 1, raw: JSON.stringify(e) }));

const statuses = (outcomes: readonly RecordOutcome[]) =>
  outcomes.map((o) =>
    o.status === 'quarantined' ? `quarantined ${o.problem.code} ${o.problem.field}` : o.status,
  );

for (const backend of backendsUnderTest) {
  describe(`a day's totals past 64 bits on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    const context = { clock: new ManualClock(), entropy: testEntropy, sha256 };
    const send = (store: Store, events: readonly CanonicalEvent[]) =>
      store.write((tx) => ingestBatch(tx, context, records(events)));
    /** The stored counter and its type as the database holds it (REAL was the corruption). */
    const stored = async (merchantId: string, counter: string) => {
      const [row] = await harness.query(
        backend.name === 'sqlite'
          ? `select ${counter} as value, typeof(${counter}) as type from feature_daily where merchant_id = '${merchantId}'`
          : `select ${counter}::text as value, 'integer' as type from feature_daily where merchant_id = '${merchantId}'`,
      );
      return [String(row?.['value']), row?.['type']];
    };
    const features = (merchantId: string) =>
      harness.store.read((tx) =>
        merchantFeatures(tx, context.clock, merchantId, toDayNumber(calendarDate(day))),
      );
    const eventsStored = () => harness.store.read((tx) => tx.inbox.countEvents());

    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
    });
    after(() => harness.dispose());

    it('quarantines the order that would take its day past 2^63 − 1 in one batch, and applies the rest', async () => {
      const before = await eventsStored();
      const outcomes = await send(harness.store, [
        onboarded('mer_one'),
        order('mer_one', 'one-1', max),
        order('mer_one', 'one-2', max),
        order('mer_one', 'one-2', max),
        order('mer_one', 'one-3', max, '2026-03-29'),
      ]);
      assert.deepEqual(statuses(outcomes), [
        'applied',
        'applied',
        'quarantined daily_total_out_of_range data.amount',
        'quarantined daily_total_out_of_range data.amount',
        'applied',
      ]);
      const refused = outcomes[2];
      assert.ok(refused?.status === 'quarantined');
      assert.equal(
        refused.problem.detail,
        `gmv of mer_one on ${day} in USD would be ${2n * max}, above ${max}: a day's total is a signed 64-bit integer`,
      );
      assert.equal(outcomes[3]?.status === 'quarantined' && outcomes[3].quarantineId, refused.quarantineId);
      const entry = await harness.store.read((tx) => tx.inbox.quarantined(refused.quarantineId as string));
      assert.deepEqual(
        [entry?.code, entry?.field, entry?.eventId, entry?.seenCount],
        ['daily_total_out_of_range', 'data.amount', 'one-2', 2n],
      );
      assert.equal(await eventsStored(), before + 3n, 'the refused order is not kept in the inbox');
      const read = await features('mer_one');
      assert.ok(read.ok);
      assert.equal(read.value.gmv30d, 2n * max, 'both days count, summed exactly');
    });

    it('quarantines, not fails, when two batches at once would take one day past 2^63 − 1', async () => {
      // Each reads the day before the other adds to it (on PostgreSQL; SQLite's writes run one at a
      // time): the one that commits second is run again and finds the day full.
      const meeting = meetingAfterFirst('features', 'storedDaily');
      const racing = (id: string) =>
        harness.store.write((tx) => ingestBatch(meeting(tx), context, records([order('mer_race', id, max)])));
      const answers = await Promise.all([racing('race-1'), racing('race-2')]);
      assert.deepEqual(answers.map((a) => statuses(a)[0]).sort(), [
        'applied',
        'quarantined daily_total_out_of_range data.amount',
      ]);
      assert.deepEqual(await stored('mer_race', 'gmv'), [String(max), 'integer']);
    });

    it('refuses only what adds to a total an older version let overflow, and applies the rest', async () => {
      if (backend.name !== 'sqlite') return; // PostgreSQL's bigint never held one.
      assert.deepEqual(statuses(await send(harness.store, [order('mer_real', 'real-1', 5n)])), ['applied']);
      await harness.exec(
        `update feature_daily set gmv = 1.8446744073709552e19 where merchant_id = 'mer_real'`,
      );
      assert.deepEqual(
        statuses(
          await send(harness.store, [order('mer_real', 'real-2', 100n), order('mer_fine', 'fine-1', 100n)]),
        ),
        ['quarantined daily_total_out_of_range data.amount', 'applied'],
      );
    });

    it('quarantines an order that would overflow what is stored, leaving the stored total an integer', async () => {
      assert.deepEqual(statuses(await send(harness.store, [order('mer_two', 'two-1', max)])), ['applied']);
      const outcomes = await send(harness.store, [
        order('mer_two', 'two-2', 1n),
        order('mer_two', 'two-3', 0n),
      ]);
      assert.deepEqual(statuses(outcomes), ['quarantined daily_total_out_of_range data.amount', 'applied']);
      assert.deepEqual(await stored('mer_two', 'gmv'), [String(max), 'integer']);
      assert.deepEqual(await stored('mer_two', 'orders'), ['2', 'integer']);
      const read = await features('mer_two');
      assert.ok(read.ok);
      assert.deepEqual([read.value.gmv30d, read.value.orders30d], [max, 2]);
    });

    it('quarantines the same record again when it is sent again, and a replay still fails', async () => {
      const [first] = await send(harness.store, [order('mer_two', 'two-2', 1n)]);
      assert.ok(first?.status === 'quarantined');
      assert.equal(first.problem.code, 'daily_total_out_of_range');
      const id = first.quarantineId as string;
      const entry = await harness.store.read((tx) => tx.inbox.quarantined(id));
      assert.equal(entry?.seenCount, 2n, 'one entry, seen once per sending');
      const app = { ...context, parse: parseRecord };
      const replayed = await harness.store.write((tx) =>
        replayQuarantined(tx, app, id, undefined, cliActor(app)),
      );
      assert.equal(replayed.ok ? 'ok' : replayed.code, 'replay_failed');
      assert.equal(replayed.ok ? '' : replayed.problem?.code, 'daily_total_out_of_range');
      assert.equal((await harness.store.read((tx) => tx.inbox.quarantined(id)))?.status, 'open');
      assert.deepEqual(await stored('mer_two', 'gmv'), [String(max), 'integer']);
    });

    it('keeps a negative net above −(2^63 − 1), in a batch and across batches', async () => {
      const outcomes = await send(harness.store, [
        payout('mer_owes', 'owes-1', -max),
        payout('mer_owes', 'owes-2', -1n),
        payout('mer_owes', 'owes-3', 5n),
      ]);
      assert.deepEqual(statuses(outcomes), [
        'applied',
        'quarantined daily_total_out_of_range data.net',
        'applied',
      ]);
      const again = await send(harness.store, [
        payout('mer_owes', 'owes-4', -6n),
        payout('mer_owes', 'owes-5', -5n),
      ]);
      assert.deepEqual(statuses(again), ['quarantined daily_total_out_of_range data.net', 'applied']);
      assert.deepEqual(await stored('mer_owes', 'settlement_net'), [String(-max), 'integer']);
      assert.deepEqual(await stored('mer_owes', 'settlements'), ['3', 'integer']);
      const read = await features('mer_owes');
      assert.ok(read.ok);
      assert.equal(read.value.settlementNet90d, -max);
    });
  });

  describe(`a payout past its day's totals on ${backend.name}`, { skip: backend.skip }, () => {
    const book = bookWithAdvanceForSuite(backend);

    it('is quarantined and sweeps nothing, while a payout that fits is swept', async () => {
      const date = '2026-07-16';
      /** Gross at the limit, its fees leaving `net`: the second such payout's gross cannot fit. */
      const atLimit = (id: string, net: bigint) =>
        settlementPaid({
          eventId: id,
          settlementId: id,
          subject: book.merchantId,
          date,
          net,
          extra: { gross: String(max), fees: String(max - net) },
        });
      const send = (events: readonly CanonicalEvent[]) =>
        book.harness.store.write((tx) => ingestBatch(tx, book.app, records(events)));
      const sweep = (id: string) => book.harness.store.read((tx) => tx.financing.sweep(`plt_test ${id}`));

      const first = await send([atLimit('stl_fits', 200_000n), atLimit('stl_over', 200_000n)]);
      assert.deepEqual(statuses(first), ['applied', 'quarantined daily_total_out_of_range data.gross']);
      assert.notEqual(await sweep('stl_fits'), undefined, 'the payout that fits is swept');
      assert.equal(await sweep('stl_over'), undefined, 'the refused payout is not');
      const receivables = await receivablesOf(book.harness, book.facilityId);
      const later = await send([atLimit('stl_later', 150_000n)]);
      assert.deepEqual(statuses(later), ['quarantined daily_total_out_of_range data.gross']);
      assert.equal(await sweep('stl_later'), undefined);
      assert.deepEqual(await receivablesOf(book.harness, book.facilityId), receivables);
    });
  });
}
