/**
 * Proves the simulator is deterministic and well-ordered: the same seed gives byte-identical
 * NDJSON and ground truth, another seed gives other bytes; events come in time order with unique
 * ids; each merchant's first event is its onboarding; an order's events follow its story (placed →
 * captured → shipped → delivered → refunded/reviewed); and the run is realistic in its large
 * numbers (heavy-tailed sizes, the November peak, mostly USD, some merchants in distress).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calendarDate } from '../domain/time/calendar-date.ts';
import { EventQueue } from './event-queue.ts';
import { simulateRun } from './simulation.test-helper.ts';

describe('simulator determinism', () => {
  it('gives byte-identical events and ground truth for the same flags', () => {
    const first = simulateRun(40, 60, '42');
    const second = simulateRun(40, 60, '42');
    assert.ok(first.events.length > 1_000, `a small run still has events (${first.events.length})`);
    assert.equal(first.ndjson, second.ndjson);
    assert.equal(JSON.stringify(first.truth), JSON.stringify(second.truth));
  });

  it('gives different bytes for a different seed, and ids that name the seed', () => {
    const a = simulateRun(40, 60, '42');
    const b = simulateRun(40, 60, '43');
    assert.notEqual(a.ndjson, b.ndjson);
    const firstA = JSON.parse(a.ndjson.slice(0, a.ndjson.indexOf('\n')));
    const firstB = JSON.parse(b.ndjson.slice(0, b.ndjson.indexOf('\n')));
    assert.match(firstA.id, /^evt_42_[0-9a-z]{7}_1$/);
    assert.match(firstB.id, /^evt_43_[0-9a-z]{7}_1$/);
    assert.match(firstA.subject, /^mer_42_[0-9]+$/);
  });

  it('keeps a merchant the same merchant whatever the size of the run', () => {
    const small = simulateRun(5, 30, '9');
    const large = simulateRun(50, 30, '9');
    for (let index = 0; index < 5; index += 1) {
      const { parameters: smallParameters, archetype, legal_name } = small.truth.merchants[index]!;
      const other = large.truth.merchants[index]!;
      assert.equal(other.archetype, archetype);
      assert.equal(other.legal_name, legal_name);
      assert.equal(other.parameters['base_orders_per_day'], smallParameters['base_orders_per_day']);
    }
  });
});

describe('simulator ordering', () => {
  const run = simulateRun(60, 120, '7');
  const lines = run.ndjson.trimEnd().split('\n');
  const envelopes = lines.map((line) => JSON.parse(line));

  it('writes events in time order with unique ids, RFC 3339 UTC times and one source', () => {
    assert.equal(envelopes.length, run.events.length);
    const ids = new Set<string>();
    let previous = '';
    for (const envelope of envelopes) {
      assert.match(envelope.time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      assert.ok(envelope.time >= previous, `${envelope.time} after ${previous}`);
      previous = envelope.time;
      assert.ok(!ids.has(envelope.id), `duplicate id ${envelope.id}`);
      ids.add(envelope.id);
      assert.equal(envelope.source, 'plt_simmart');
      assert.equal(envelope.specversion, '1.0');
    }
  });

  it("begins every merchant's stream with merchant.onboarded", () => {
    const seen = new Set<string>();
    for (const envelope of envelopes) {
      if (!seen.has(envelope.subject)) assert.equal(envelope.type, 'merchant.onboarded', envelope.subject);
      seen.add(envelope.subject);
    }
    assert.equal(seen.size, 60);
  });

  it("tells each order's story in order", () => {
    const rank: Record<string, number> = {
      'order.placed': 0,
      'order.cancelled': 1,
      'payment.captured': 1,
      'shipment.shipped': 2,
      'shipment.delivered': 3,
    };
    const stage = new Map<string, number>();
    const placedAmount = new Map<string, string>();
    for (const envelope of envelopes) {
      const orderId: string | undefined = envelope.data.order_id;
      if (orderId === undefined) continue;
      if (envelope.type === 'order.placed') {
        assert.ok(!stage.has(orderId), `order ${orderId} placed twice`);
        placedAmount.set(orderId, envelope.data.amount);
      } else {
        assert.ok(stage.has(orderId), `${envelope.type} before order.placed for ${orderId}`);
      }
      const current = rank[envelope.type];
      if (current !== undefined) {
        assert.ok(current >= (stage.get(orderId) ?? 0), `${envelope.type} out of order for ${orderId}`);
        stage.set(orderId, current);
      }
      if (envelope.type === 'payment.captured' || envelope.type === 'order.cancelled') {
        assert.equal(envelope.data.amount, placedAmount.get(orderId));
      }
      if (envelope.type === 'order.refunded') {
        assert.ok(BigInt(envelope.data.amount) <= BigInt(placedAmount.get(orderId)!));
      }
    }
  });

  it('refuses to schedule into a day already written', () => {
    const queue = new EventQueue(3);
    queue.take(0);
    assert.throws(() =>
      queue.schedule(10, { index: 0, id: 'mer_x' }, 'review.posted', { review_id: 'r', rating: 5 }),
    );
  });
});

describe('simulator realism in the large', () => {
  const run = simulateRun(300, 365, '11');

  it('makes merchant sizes heavy-tailed and currencies mostly USD', () => {
    const orders = new Map<number, number>();
    for (const event of run.events) {
      if (event.type === 'order.placed') orders.set(event.merchant, (orders.get(event.merchant) ?? 0) + 1);
    }
    const counts = [...orders.values()].sort((a, b) => a - b);
    const median = counts[Math.floor(counts.length / 2)]!;
    const top = counts[counts.length - 1]!;
    assert.ok(top > 15 * median, `largest ${top} vs median ${median}`);
    const currencies = run.truth.merchants.map((merchant) => merchant.currency);
    const usd = currencies.filter((currency) => currency === 'USD').length;
    assert.ok(usd > 0.6 * currencies.length && usd < 0.9 * currencies.length, `USD ${usd}`);
    assert.ok(currencies.includes('EUR') && currencies.includes('GBP'));
  });

  it('peaks in November and lifts December above the rest of the year', () => {
    const byMonth = new Array<number>(12).fill(0);
    const daysInMonth = new Array<number>(12).fill(0);
    const start = calendarDate('2025-01-01');
    for (const [index, event] of run.events.entries()) {
      if (event.type !== 'order.placed') continue;
      const month = Number(run.simulation.context.calendar.dateText(run.dayOfEvent[index]!).slice(5, 7));
      byMonth[month - 1]! += 1;
    }
    for (let day = 0; day < 365; day += 1) {
      daysInMonth[Number(run.simulation.context.calendar.dateText(day).slice(5, 7)) - 1]! += 1;
    }
    assert.equal(run.simulation.context.calendar.dateText(0), start);
    const perDay = byMonth.map((count, month) => count / daysInMonth[month]!);
    const ordinary = (perDay[2]! + perDay[3]! + perDay[4]! + perDay[8]!) / 4;
    assert.ok(perDay[10]! > 1.2 * ordinary, `November ${perDay[10]} vs ${ordinary}`);
    assert.ok(perDay[11]! > 1.1 * ordinary, `December ${perDay[11]} vs ${ordinary}`);
  });

  it('puts some merchants in distress by each mechanism, most verified, and keeps most healthy', () => {
    const { distressed } = run.truth.summary;
    assert.ok(
      distressed.slow_decline >= 5 && distressed.shock >= 2 && distressed.fraud >= 1,
      JSON.stringify(distressed),
    );
    const total = distressed.slow_decline + distressed.shock + distressed.fraud;
    assert.ok(total < 0.3 * 300, `${total} distressed`);
    const verified = run.truth.merchants.filter((merchant) => merchant.kyb_status === 'verified').length;
    assert.ok(verified > 0.8 * 300 && verified < 300, `${verified} verified`);
  });
});
