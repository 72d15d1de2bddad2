/**
 * A day's totals stay within a signed 64-bit column: events are taken in order, each against what
 * is stored for its day and what the events before it that fit add; one that would take a counter
 * past ±(2^63 − 1) is refused with the counter, merchant, day, currency and bound named, and adds
 * nothing — a batch refuses exactly what the same events sent one by one would.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { event, settlementPaid } from '../../../test/support/events.ts';
import type { CanonicalEvent } from '../events/catalog.ts';
import { checkEvent, isRecordProblem } from '../events/check-event.ts';
import { dailyCounterMax, dailyCounterMin, dailyOverflows } from './daily-range.ts';
import { type DailyRow, emptyCounters, type ProjectedEvent, project } from './projection.ts';

const max = dailyCounterMax;

function projected(events: readonly CanonicalEvent[]): ProjectedEvent[] {
  return events.map((e) => {
    const instant = checkEvent(e);
    if (isRecordProblem(instant)) assert.fail(`${instant.code}: ${instant.detail}`);
    return { event: e, instant, key: `${e.source} ${e.id}` };
  });
}

const order = (id: string, amount: bigint, date = '2026-03-30', currency = 'USD') =>
  event('order.placed', id, `${date}T10:00:00Z`, 'mer_big', {
    order_id: id,
    buyer_id: 'b1',
    amount: String(amount),
    currency,
  });

/** A payout with the given net, its gross and fees making it add up. */
const payout = (id: string, net: bigint) =>
  settlementPaid({
    eventId: id,
    settlementId: id,
    subject: 'mer_big',
    date: '2026-03-30',
    net,
    extra: { gross: '0', fees: '0', adjustments: String(net) },
  });

const refusals = (events: readonly CanonicalEvent[], stored: readonly DailyRow[] = []) =>
  [...dailyOverflows(project(projected(events)), stored)].map(([index, p]) => [index, p.code, p.field]);

describe('dailyOverflows', () => {
  it('refuses the order that would take its day past 2^63 − 1, and only that one', () => {
    const events = [
      order('o1', max),
      order('o2', max),
      order('o3', max, '2026-03-31'),
      order('o4', max, '2026-03-30', 'EUR'),
    ];
    assert.deepEqual(refusals(events), [[1, 'daily_total_out_of_range', 'data.amount']]);
    const [problem] = dailyOverflows(project(projected(events)), []).values();
    assert.equal(
      problem?.detail,
      `gmv of mer_big on 2026-03-30 in USD would be ${2n * max}, above ${max}: a day's total is a signed 64-bit integer`,
    );
  });

  it('counts what is stored for the day, and a refused event adds nothing for the ones after it', () => {
    const stored: DailyRow = {
      merchantId: 'mer_big',
      day: projected([order('o0', 1n)])[0]?.instant.day as number,
      currency: 'USD',
      counters: { ...emptyCounters(), gmv: max - 10n, orders: 1n },
    };
    assert.deepEqual(refusals([order('o1', 11n), order('o2', 10n), order('o3', 1n)], [stored]), [
      [0, 'daily_total_out_of_range', 'data.amount'],
      [2, 'daily_total_out_of_range', 'data.amount'],
    ]);
    assert.deepEqual(refusals([order('o1', 10n)], [stored]), []);
  });

  it('keeps a signed counter above −(2^63 − 1), taking events in order as one by one would', () => {
    assert.deepEqual(refusals([payout('s1', -max), payout('s2', -1n), payout('s3', 1n), payout('s4', -1n)]), [
      [1, 'daily_total_out_of_range', 'data.net'],
    ]);
    const [problem] = dailyOverflows(
      project(projected([payout('s1', -max), payout('s2', -1n)])),
      [],
    ).values();
    assert.match(
      problem?.detail ?? '',
      new RegExp(`settlement_net .* would be ${-max - 1n}, below ${dailyCounterMin}`),
    );
  });

  it('refuses nothing in a batch whose days fit', () => {
    assert.deepEqual(refusals([order('o1', max - 1n), order('o2', 1n), payout('s1', -max)]), []);
  });
});
