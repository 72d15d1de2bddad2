/**
 * When a day is closed — an hour after it ends — and what waits for it: a repayment made in the
 * hour after midnight leaves the day just ended to the daily cycle (its late payouts may still come),
 * and serves only the days before it first.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import {
  lendingAsOfDay,
  openBookWithAdvance,
  servicedFacility,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import type { AdvanceFacility } from '../../domain/products/advance/servicing.ts';
import { dayCloseCutoffSeconds, lastClosedDay } from './day-close.ts';
import { repayFacility } from './repayments.ts';
import { servicedOf } from './serviced.ts';

const dayNs = 86_400_000_000_000n;
const secondNs = 1_000_000_000n;

describe('the last closed day', () => {
  it('is the day before yesterday until an hour past midnight, then yesterday', () => {
    const day = 20_600;
    const at = (d: number, seconds: bigint) => BigInt(d) * dayNs + seconds * secondNs;
    assert.equal(dayCloseCutoffSeconds, 3_600);
    assert.equal(lastClosedDay(at(day, 86_399n)), day - 1, 'the day itself is going');
    assert.equal(lastClosedDay(at(day + 1, 0n)), day - 1, 'ended, not yet closed');
    assert.equal(lastClosedDay(at(day + 1, 3_599n)), day - 1);
    assert.equal(lastClosedDay(at(day + 1, 3_600n)), day, 'closed an hour after it ended');
  });
});

for (const backend of backendsUnderTest) {
  describe(`money in the hour after midnight on ${backend.name}`, { skip: backend.skip }, () => {
    it('leaves the day just ended to the cycle, and serves the days before it first', async () => {
      const book = await openBookWithAdvance(backend);
      try {
        const before = await servicedFacility<AdvanceFacility>(book.harness, book.facilityId);
        assert.ok(before.row);
        const day = lendingAsOfDay + 5;
        // 00:30 on `day`: the day before ended half an hour ago, and is not closed yet.
        (book.app.clock as ManualClock).set(BigInt(day) * dayNs + 1_800n * secondNs);
        const paid = await book.harness.store.write((tx) =>
          repayFacility(tx, book.app, {
            facilityId: book.facilityId,
            day,
            reference: 'early',
            amountMinor: 100n,
          }),
        );
        assert.ok(paid.ok, paid.ok ? '' : paid.detail);
        const row = await book.harness.store.read((tx) => tx.financing.facility(book.facilityId));
        assert.equal(row && servicedOf(row)?.servicedThroughDay, day - 2, 'through the last closed day only');
      } finally {
        await book.harness.dispose();
      }
    });
  });
}
