/**
 * The demo's feed sends what `capstan simulate` writes: the same lines, with the same event ids and
 * line numbers, a day at a time from the simulation's own thread; a day splits into its payouts and
 * the rest without losing or repeating a line; and a merchant's distress is known only from the day
 * it happened.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calendarDate, toDayNumber } from '../domain/time/calendar-date.ts';
import { eventIdPrefix, formatDayLines } from '../simulator/ndjson.ts';
import { createSimulation } from '../simulator/simulation.ts';
import { createMarketplaceFeed, dayRecords, simulatedDaysAheadMax } from './marketplace-feed.ts';

// Seed c: three merchants of the hundred become distressed within the 60 days, two of them early.
const options = { merchants: 100, days: 60, seed: 'c', start: calendarDate('2026-01-01') };
assert.ok(options.days > simulatedDaysAheadMax, 'the run is longer than the simulation may run ahead');

describe('marketplace feed', () => {
  it('sends the simulation’s NDJSON lines day by day, split into payouts and the rest', async () => {
    const simulation = createSimulation(options);
    const { calendar, config } = simulation.context;
    const expected = simulation.days();
    const feed = createMarketplaceFeed(options);
    try {
      let line = 1;
      let index = 0;
      let payouts = 0;
      for await (const day of feed.days()) {
        const step = expected.next();
        assert.ok(!step.done);
        assert.equal(day.day, toDayNumber(options.start) + index);
        assert.equal(day.date, step.value.date);
        const lines = formatDayLines(
          step.value.events,
          eventIdPrefix(options),
          line,
          config.platformId,
          calendar,
        );
        const all = dayRecords(day, { except: [] });
        assert.deepEqual(
          all.map((record) => `${record.raw}\n`),
          lines,
        );
        assert.deepEqual(
          all.map((record) => record.line),
          lines.map((_, offset) => line + offset),
        );
        const paid = dayRecords(day, day.payouts);
        const others = dayRecords(day, { except: day.payouts });
        assert.ok(paid.every((record) => record.raw.includes('"type":"settlement.paid"')));
        assert.ok(others.every((record) => !record.raw.includes('"type":"settlement.paid"')));
        assert.deepEqual(
          paid.map((record) => (JSON.parse(record.raw) as { subject: string }).subject),
          day.payoutMerchants,
        );
        assert.deepEqual(
          [...paid, ...others].map((record) => record.line as number).sort((a, b) => a - b),
          all.map((record) => record.line),
        );
        payouts += paid.length;
        line += lines.length;
        index += 1;
      }
      assert.equal(index, options.days);
      assert.ok(payouts > 0, 'the run pays merchants out');
      const lastDay = toDayNumber(options.start) + options.days - 1;
      const distressed = new Map(
        simulation.merchants
          .filter((merchant) => merchant.distressedDay !== null)
          .map((merchant) => [
            merchant.profile.id,
            toDayNumber(options.start) + (merchant.distressedDay as number),
          ]),
      );
      assert.equal(distressed.size, 3);
      assert.deepEqual(feed.distressedThrough(lastDay), distressed);
      const early = [...distressed].filter(([, day]) => day <= lastDay - 10);
      assert.equal(early.length, 2);
      assert.deepEqual(feed.distressedThrough(lastDay - 10), new Map(early));
      assert.ok(feed.simulatorMs() > 0);
    } finally {
      await feed.close();
    }
  });

  it('stops its thread when closed before the last day', async () => {
    const feed = createMarketplaceFeed(options);
    const days = feed.days();
    const first = await days.next();
    assert.ok(!first.done);
    await feed.close();
  });
});
