/**
 * An advance's repayments kept in constant space: the same answers as the full list for every day
 * from the last one ended onwards, a late repayment counted at once, and a stored list read back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Repayment } from './minimum-payments.ts';
import {
  nothingRepaid,
  type RepaidSoFar,
  repaidBy,
  repaidFromList,
  repaidOn,
  repaidThrough,
  withRepayment,
} from './repaid.ts';

const byList = (list: readonly Repayment[], day: number) =>
  list.filter((r) => r.day <= day).reduce((sum, r) => sum + r.amountMinor, 0n);

describe('repaid so far', () => {
  it('answers what the full list answers, day after day, while days end in order', () => {
    // A seeded walk: 0–3 repayments a day, some days skipped, each day ended after its payouts
    // (and sometimes the next day's payouts swept before the day's end ran).
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const list: Repayment[] = [];
    let repaid: RepaidSoFar = nothingRepaid(100);
    for (let day = 100; day < 300; day += 1) {
      for (const payoutDay of [day, day + 1]) {
        if (random() < 0.4) continue;
        const amountMinor = BigInt(Math.floor(random() * 10_000));
        list.push({ day: payoutDay, amountMinor });
        repaid = withRepayment(repaid, payoutDay, amountMinor);
      }
      const today = list.filter((r) => r.day === day).reduce((sum, r) => sum + r.amountMinor, 0n);
      assert.equal(repaidOn(repaid, day), today, `repaid on day ${day}`);
      for (const asked of [day, day + 1, day + 30])
        assert.equal(repaidBy(repaid, asked), byList(list, asked));
      repaid = repaidThrough(repaid, day);
      assert.ok(repaid.after.length <= 1, 'only the next day is held apart');
    }
    assert.equal(repaid.throughDay, 299);
  });

  it('keeps one entry a day however many payouts it has', () => {
    let repaid = nothingRepaid(10);
    for (const amount of [100n, 250n, 50n]) repaid = withRepayment(repaid, 12, amount);
    repaid = withRepayment(repaid, 11, 5n);
    assert.deepEqual(repaid.after, [
      { day: 11, amountMinor: 5n },
      { day: 12, amountMinor: 400n },
    ]);
    assert.equal(withRepayment(repaid, 13, 0n), repaid, 'nothing repaid changes nothing');
  });

  it('adds a repayment dated on or before the last day ended to the total at once', () => {
    const ended = repaidThrough(withRepayment(nothingRepaid(10), 10, 1_000n), 20);
    const late = withRepayment(ended, 15, 300n);
    assert.deepEqual(late, { throughDay: 20, minor: 1_300n, after: [] });
    assert.equal(repaidBy(late, 21), 1_300n);
    assert.equal(repaidThrough(late, 18), late, 'a day already ended is not ended again');
  });

  it('reads back a stored list, summed through the last day taken through', () => {
    const list = [
      { day: 5, amountMinor: 10n },
      { day: 9, amountMinor: 20n },
      { day: 10, amountMinor: 40n },
      { day: 10, amountMinor: 1n },
    ];
    assert.deepEqual(repaidFromList(list, 9), {
      throughDay: 9,
      minor: 30n,
      after: [{ day: 10, amountMinor: 41n }],
    });
  });
});
