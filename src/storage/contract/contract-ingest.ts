/**
 * Contract: the inbox and the feature store on a real database. Features match a hand-computed
 * fixture; sending everything again changes nothing; any order and any batching give identical
 * features and identical daily rows; features as of a date equal those of a database that only ever
 * saw the events up to that date; bad records are quarantined once, with their reason, and can be
 * replayed once fixed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  DummyDriver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import type { BackendUnderTest, Harness } from '../../../test/support/backends.ts';
import { event, generateActivity, shuffle } from '../../../test/support/events.ts';
import { fixtureAsOf, fixtureEvents, fixtureFeatures } from '../../../test/support/feature-fixture.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import type { AppContext } from '../../app/app-context.ts';
import { cliActor } from '../../app/audit/audit-log.ts';
import { featuresView } from '../../app/features/features-json.ts';
import { merchantFeatures } from '../../app/features/merchant-features.ts';
import { ingestBatch, type RecordOutcome } from '../../app/ingest/ingest.ts';
import { replayQuarantined } from '../../app/ingest/quarantine.ts';
import type { Store } from '../../app/ports.ts';
import type { CanonicalEvent } from '../../domain/events/catalog.ts';
import { parseCalendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';
import { parseRecord } from '../../ingest/parse-record.ts';
import { inboxScanQuery } from '../kysely-inbox.ts';
import type { Database } from '../schema.ts';
import { sha256, testEntropy } from './fixtures.ts';

function appOf(store: Store): AppContext {
  return { store, clock: new ManualClock(), entropy: testEntropy, sha256 };
}

async function ingest(
  store: Store,
  events: readonly CanonicalEvent[],
  batchSize = 500,
): Promise<RecordOutcome[]> {
  const app = appOf(store);
  const outcomes: RecordOutcome[] = [];
  for (let start = 0; start < events.length; start += batchSize) {
    const records = events
      .slice(start, start + batchSize)
      .map((e, i) => parseRecord({ origin: 'test', line: start + i + 1, raw: JSON.stringify(e) }));
    outcomes.push(...(await store.write((tx) => ingestBatch(tx, app, records))));
  }
  return outcomes;
}

function dayOf(date: string): number {
  const parsed = parseCalendarDate(date);
  assert.ok(parsed.ok);
  return toDayNumber(parsed.value);
}

async function features(store: Store, merchant: string, asOf: string) {
  const result = await store.read((tx) => merchantFeatures(tx, new ManualClock(), merchant, dayOf(asOf)));
  assert.ok(result.ok, `${merchant} as of ${asOf}`);
  return featuresView(result.value);
}

/** A Kysely that only compiles queries, in the backend's dialect (to ask its planner about them). */
function compilerFor(backend: 'sqlite' | 'postgres'): Kysely<Database> {
  const postgres = backend === 'postgres';
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => (postgres ? new PostgresAdapter() : new SqliteAdapter()),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => (postgres ? new PostgresIntrospector(db) : new SqliteIntrospector(db)),
      createQueryCompiler: () => (postgres ? new PostgresQueryCompiler() : new SqliteQueryCompiler()),
    },
  });
}

/** A compiled query's text with its parameters written in (`$1` or `?`), for EXPLAIN. */
function withValues(text: string, parameters: readonly unknown[]): string {
  const literal = (value: unknown) =>
    typeof value === 'string' ? `'${value.replaceAll("'", "''")}'` : String(value);
  let next = 0;
  return text.replace(/\$(\d+)|\?/g, (_match, index: string | undefined) =>
    literal(parameters[index === undefined ? next++ : Number(index) - 1]),
  );
}

export function ingestContract(backend: BackendUnderTest): void {
  describe(`inbox and feature store on ${backend.name}`, { skip: backend.skip }, () => {
    const harnesses: Harness[] = [];
    const open = async () => {
      const harness = await backend.open();
      harnesses.push(harness);
      await harness.store.migrate();
      return harness;
    };
    let main: Harness;
    before(async () => {
      main = await open();
    });
    after(async () => {
      for (const harness of harnesses) await harness.dispose();
    });

    it('computes the hand-computed features of the fixture merchant', async () => {
      const outcomes = await ingest(main.store, fixtureEvents);
      assert.ok(
        outcomes.every((o) => o.status === 'applied'),
        JSON.stringify(outcomes.filter((o) => o.status !== 'applied')),
      );
      assert.deepEqual(await features(main.store, 'mer_fixture', fixtureAsOf), fixtureFeatures);
    });

    it('applies each event once: sending everything again changes nothing', async () => {
      const before = await main.store.read((tx) => tx.inbox.countEvents());
      const outcomes = await ingest(main.store, fixtureEvents, 7);
      assert.ok(outcomes.every((o) => o.status === 'duplicate'));
      assert.equal(await main.store.read((tx) => tx.inbox.countEvents()), before);
      assert.deepEqual(await features(main.store, 'mer_fixture', fixtureAsOf), fixtureFeatures);
      const conflict = fixtureEvents[1] as CanonicalEvent;
      const [changed] = await ingest(main.store, [
        { ...conflict, data: { ...conflict.data, amount: '10001' } } as CanonicalEvent,
      ]);
      assert.equal(changed?.status, 'quarantined');
      assert.equal(changed?.status === 'quarantined' ? changed.problem.code : '', 'event_id_conflict');
      assert.deepEqual(await features(main.store, 'mer_fixture', fixtureAsOf), fixtureFeatures);
    });

    it('gives identical features and daily rows whatever the order and batching', async () => {
      const events = generateActivity(3, 75, 11);
      const inOrder = await open();
      const shuffled = await open();
      await ingest(inOrder.store, events, 1_000);
      const reversed = [...events].reverse();
      await ingest(shuffled.store, shuffle(reversed, 5).slice(0, 200), 13);
      await ingest(shuffled.store, shuffle(reversed, 5), 97);
      for (const merchant of ['mer_gen0', 'mer_gen1', 'mer_gen2']) {
        for (const asOf of ['2026-01-20', '2026-02-14', '2026-03-16', '2026-06-30']) {
          assert.deepEqual(
            await features(shuffled.store, merchant, asOf),
            await features(inOrder.store, merchant, asOf),
          );
        }
      }
      const daily = (h: Harness) =>
        h.query('select * from feature_daily order by merchant_id, day, currency');
      assert.deepEqual(await daily(shuffled), await daily(inOrder));
    });

    it('is point in time: features as of a date never see a later event', async () => {
      const events = generateActivity(2, 90, 23);
      const everything = await open();
      const onlyPast = await open();
      await ingest(everything.store, events);
      const cutoff = '2026-02-15';
      await ingest(
        onlyPast.store,
        events.filter((e) => e.time.slice(0, 10) <= cutoff),
      );
      for (const merchant of ['mer_gen0', 'mer_gen1']) {
        assert.deepEqual(
          await features(everything.store, merchant, cutoff),
          await features(onlyPast.store, merchant, cutoff),
        );
      }
    });

    it('quarantines a bad record once, with its reason, and replays it once fixed', async () => {
      const bad = {
        ...event('order.placed', 'q-1', '2026-03-30T10:00:00Z', 'mer_fixture', {
          order_id: 'oq',
          buyer_id: 'b9',
          amount: '12.50',
          currency: 'USD',
        }),
      };
      const [first] = await ingest(main.store, [bad]);
      assert.ok(first?.status === 'quarantined');
      assert.equal(first.problem.code, 'field_invalid');
      assert.equal(first.problem.field, 'data.amount');
      const id = first.quarantineId as string;
      const [again] = await ingest(main.store, [bad]);
      assert.ok(again?.status === 'quarantined');
      assert.equal(again.quarantineId, id, 'the same bad record is one entry, seen twice');
      assert.equal((await main.store.read((tx) => tx.inbox.quarantined(id)))?.seenCount, 2n);

      const app = { ...appOf(main.store), parse: parseRecord };
      const unchanged = await main.store.write((tx) =>
        replayQuarantined(tx, app, id, undefined, cliActor(app)),
      );
      assert.equal(unchanged.ok ? 'ok' : unchanged.code, 'replay_failed');
      assert.equal((await main.store.read((tx) => tx.inbox.quarantined(id)))?.status, 'open');
      const fixed = JSON.stringify({ ...bad, data: { ...bad.data, amount: '1250' } });
      const replayed = await main.store.write((tx) => replayQuarantined(tx, app, id, fixed, cliActor(app)));
      assert.ok(replayed.ok);
      assert.equal(replayed.value.outcome.status, 'applied');
      assert.equal((await main.store.read((tx) => tx.inbox.quarantined(id)))?.status, 'replayed');
      const twice = await main.store.write((tx) => replayQuarantined(tx, app, id, fixed, cliActor(app)));
      assert.equal(twice.ok ? 'ok' : twice.code, 'quarantine_entry_not_open');
      const after = await features(main.store, 'mer_fixture', fixtureAsOf);
      assert.equal(after.gmv_30d, '41250', 'the replayed order counts');
    });

    it("reads a day's stored counters by key, and withdraws an event it was asked to", async () => {
      const store = (await open()).store;
      const placed = (id: string, date: string, currency: string) =>
        event('order.placed', id, `${date}T10:00:00Z`, 'mer_keys', {
          order_id: id,
          buyer_id: 'b1',
          amount: '700',
          currency,
        });
      await ingest(store, [placed('k-1', '2026-03-30', 'USD'), placed('k-2', '2026-03-30', 'USD')]);
      await ingest(store, [placed('k-3', '2026-03-31', 'EUR')]);
      const day = dayOf('2026-03-30');
      const rows = await store.write((tx) =>
        tx.features.storedDaily([
          { merchantId: 'mer_keys', day, currency: 'USD' },
          { merchantId: 'mer_keys', day, currency: 'EUR' },
          { merchantId: 'mer_none', day, currency: 'USD' },
        ]),
      );
      assert.deepEqual(
        rows.map((r) => [r.merchantId, r.day, r.currency, r.counters.gmv, r.counters.orders]),
        [['mer_keys', day, 'USD', 1400n, 2n]],
      );
      assert.deepEqual(await store.write((tx) => tx.features.storedDaily([])), []);
      const before = await store.read((tx) => tx.inbox.countEvents());
      await store.write((tx) =>
        tx.inbox.withdrawEvents([
          { source: 'plt_test', id: 'k-3' },
          { source: 'plt_test', id: 'k-404' },
        ]),
      );
      assert.equal(await store.read((tx) => tx.inbox.countEvents()), before - 1n);
      const keys = [{ source: 'plt_test', id: 'k-3' }];
      assert.deepEqual(await store.read((tx) => tx.inbox.bodyHashes(keys)), new Map());
    });

    it("reads each page of the inbox's walk from the last key read, not from the inbox's start", async () => {
      // One platform's many events, a page asked for near the end: the page is found by a seek in
      // the key's index, reading the page's keys, not every key before it filtered out.
      const harness = await open();
      const events = 20_000;
      await harness.exec(
        backend.name === 'postgres'
          ? `insert into inbox_events select 'plt_walk', 'evt-' || lpad(g::text, 6, '0'), 'order.created', 'mer_' || (g % 50), g, 0, 'h', '{}', 'test', 0 from generate_series(1, ${events}) g`
          : `with recursive g(x) as (select 1 union all select x + 1 from g where x < ${events}) insert into inbox_events select 'plt_walk', 'evt-' || printf('%06d', x), 'order.created', 'mer_' || (x % 50), x, 0, 'h', '{}', 'test', 0 from g`,
      );
      await harness.exec('analyze');
      const page = { after: { source: 'plt_walk', id: 'evt-019000' }, limit: 100 };
      const compiled = inboxScanQuery(compilerFor(backend.name), 'mer_1', page).compile();
      const text = withValues(compiled.sql, compiled.parameters);
      const walked = await harness.store.read((tx) => tx.inbox.scanEventsAbout('mer_1', page));
      assert.deepEqual(walked.readTo, { source: 'plt_walk', id: 'evt-019100' });
      if (backend.name === 'postgres') {
        const [row] = await harness.query(`explain (analyze, format json) ${text}`);
        const plan = JSON.stringify(row?.['QUERY PLAN']);
        assert.doesNotMatch(plan, /"Rows Removed by Filter":[1-9]/, plan);
      } else {
        const plan = (await harness.query(`explain query plan ${text}`)).map((r) => String(r['detail']));
        assert.ok(
          plan.some((detail) => detail.includes('(source,id)>')),
          plan.join('\n'),
        );
      }
    });

    it("walks a merchant's events, daily rows and profiles page by page, in key order, each once", async () => {
      // Three merchants' activity from two platforms, so that a page crosses sources and others'
      // events; pages far smaller than the data, so that the walks turn many of them.
      const store = (await open()).store;
      const activity = generateActivity(3, 40, 7);
      const elsewhere = activity.map((e) => ({ ...e, source: 'plt_else', id: `else-${e.id}` }));
      await ingest(store, shuffle([...activity, ...elsewhere], 3) as CanonicalEvent[]);
      const subject = 'mer_gen1';
      const mine = [...activity, ...elsewhere].filter((e) => e.subject === subject);
      const byKey = (a: { source: string; id: string }, b: { source: string; id: string }) =>
        a.source < b.source ? -1 : a.source > b.source ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

      const walked: { source: string; id: string; body: string }[] = [];
      let pages = 0;
      for (let after: { source: string; id: string } | undefined; ; pages += 1) {
        const scan = await store.read((tx) =>
          tx.inbox.scanEventsAbout(subject, after === undefined ? { limit: 37 } : { after, limit: 37 }),
        );
        assert.ok(scan.events.every((e) => e.subject === subject));
        walked.push(...scan.events);
        if (scan.readTo === null) break;
        after = scan.readTo;
      }
      const total = Number(await store.read((tx) => tx.inbox.countEvents()));
      assert.equal(pages, Math.floor(total / 37), 'each page read 37 events of the inbox, the last fewer');
      assert.deepEqual(
        walked.map((e) => `${e.source} ${e.id}`),
        [...mine].sort(byKey).map((e) => `${e.source} ${e.id}`),
      );
      const sent = new Map(mine.map((e) => [`${e.source} ${e.id}`, e]));
      for (const e of walked) assert.deepEqual(JSON.parse(e.body), sent.get(`${e.source} ${e.id}`));

      const daily = [];
      for (let after: { day: number; currency: string } | undefined; ; ) {
        const page = await store.read((tx) =>
          tx.features.dailyRowsOf(subject, after === undefined ? { limit: 7 } : { after, limit: 7 }),
        );
        daily.push(...page);
        if (page.length < 7) break;
        const last = page.at(-1);
        assert.ok(last);
        after = { day: last.day, currency: last.currency };
      }
      const stored = await store.read((tx) => tx.features.loadInputs(subject, dayOf('2026-12-31')));
      const order = (a: { day: number; currency: string }, b: { day: number; currency: string }) =>
        a.day - b.day || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0);
      assert.ok(daily.length > 7);
      assert.deepEqual(daily, [...stored.daily].sort(order));

      const profiles = [];
      for (let afterEventKey: string | undefined; ; ) {
        const page = await store.read((tx) =>
          tx.features.profilesOf(
            subject,
            afterEventKey === undefined ? { limit: 1 } : { afterEventKey, limit: 1 },
          ),
        );
        profiles.push(...page);
        if (page.length < 1) break;
        afterEventKey = page[0]?.eventKey;
      }
      assert.deepEqual(
        profiles.map((p) => [p.eventKey, p.legalName]),
        mine
          .filter((e) => e.type === 'merchant.onboarded')
          .sort(byKey)
          .map((e) => [`${e.source} ${e.id}`, 'Merchant 1']),
      );
      assert.deepEqual(await store.read((tx) => tx.features.profilesOf('mer_none', { limit: 5 })), []);
    });

    it("reads a buyer's year of orders summed past 2^63 − 1 exactly", async () => {
      // Each order fits 64 bits, on a day of its own; their sum over the year does not, and
      // SQLite's sum() refused the whole read of the merchant's features.
      const max = 2n ** 63n - 1n;
      const placed = (id: string, date: string, buyer: string, amount: bigint) =>
        event('order.placed', id, `${date}T10:00:00Z`, 'mer_whale', {
          order_id: id,
          buyer_id: buyer,
          amount: String(amount),
          currency: 'USD',
        });
      const store = (await open()).store;
      const outcomes = await ingest(store, [
        placed('w-1', '2026-01-10', 'b_whale', max),
        placed('w-2', '2026-02-10', 'b_whale', max),
        placed('w-3', '2026-03-10', 'b_whale', 4_294_967_297n),
        placed('w-4', '2026-03-10', 'b_minnow', 3n),
      ]);
      assert.ok(outcomes.every((o) => o.status === 'applied'));
      const inputs = await store.read((tx) => tx.features.loadInputs('mer_whale', dayOf('2026-03-30')));
      assert.deepEqual(
        [...inputs.buyers].sort((a, b) => (a.buyerId < b.buyerId ? -1 : 1)),
        [
          { buyerId: 'b_minnow', currency: 'USD', amount: 3n },
          { buyerId: 'b_whale', currency: 'USD', amount: 2n * max + 4_294_967_297n },
        ],
      );
      const view = await features(store, 'mer_whale', '2026-03-30');
      assert.equal(view.top_buyer_share_365d, 1);
    });

    it('answers every record of a mixed batch, in order, each on its own', async () => {
      const good = event('review.posted', 'mix-1', '2026-03-30T10:00:00Z', 'mer_fixture', {
        review_id: 'mx',
        rating: 5,
      });
      const records = [
        parseRecord({ origin: 'test', line: 1, raw: JSON.stringify(good) }),
        parseRecord({ origin: 'test', line: 2, raw: '{"specversion":"1.0"' }),
        parseRecord({ origin: 'test', line: 3, raw: JSON.stringify({ ...good, type: 'order.teleported' }) }),
        parseRecord({ origin: 'test', line: 4, raw: JSON.stringify(good) }),
        parseRecord({
          origin: 'test',
          line: 5,
          raw: JSON.stringify({ ...good, data: { review_id: 'mx', rating: 6 } }),
        }),
        parseRecord({
          origin: 'test',
          line: 6,
          raw: JSON.stringify({ ...good, data: { ...good.data, rating: 1 } }),
        }),
      ];
      const outcomes = await main.store.write((tx) => ingestBatch(tx, appOf(main.store), records));
      assert.deepEqual(
        outcomes.map((o) => [o.line, o.status, o.status === 'quarantined' ? o.problem.code : null]),
        [
          [1, 'applied', null],
          [2, 'quarantined', 'json_invalid'],
          [3, 'quarantined', 'type_unknown'],
          [4, 'duplicate', null],
          [5, 'quarantined', 'field_invalid'],
          [6, 'quarantined', 'event_id_conflict'],
        ],
      );
    });
  });
}
