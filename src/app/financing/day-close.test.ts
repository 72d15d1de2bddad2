/**
 * When a day is closed — an hour after it ends, when the daily cycle may judge it — and what does
 * not wait for it: a repayment made in the hour after midnight is dated the new day, so it serves
 * the day just ended first, on the balances it had: money dated the next day does not count for it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import {
  disburse,
  lendingAsOfDay,
  openBookWithAdvance,
  openLendingBook,
  servicedFacility,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import type { AdvanceFacility } from '../../domain/products/advance/servicing.ts';
import { dayCloseCutoffSeconds, lastClosedDay } from './day-close.ts';
import { runEndOfDay } from './eod.ts';
import { makeOffers } from './origination.ts';
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
    it('serves the day just ended first, without the money dated after it', async () => {
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
        assert.equal(row && servicedOf(row)?.servicedThroughDay, day - 1, 'through the day just ended');
      } finally {
        await book.harness.dispose();
      }
    });

    for (const [at, minutes] of [
      ['00:30', 30n],
      ['01:30', 90n],
    ] as const)
      it(`charges a term loan's next period on the principal it began with, a prepayment at ${at} the day after a due date counting from the next`, async () => {
        const book = await openLendingBook(backend, {
          topBand: { grade: 'D', maxPd: 0.4 },
          poolMinor: 100_000_000n,
        });
        try {
          const { harness, app } = book;
          const offers = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
          assert.ok(offers.ok);
          const offer = offers.value.find((o) => o.product === 'term_loan');
          assert.ok(offer);
          const loanId = await disburse(book, offer);
          const loan = async () => {
            const found = servicedOf(
              (await harness.store.read((tx) => tx.financing.facility(loanId))) ?? assert.fail(),
            );
            assert.ok(found?.product === 'term_loan');
            return found;
          };
          const [first, second] = (await loan()).state.instalments;
          assert.ok(first && second);
          const clock = app.clock as ManualClock;
          clock.set(BigInt(first.dueDay) * dayNs + dayNs / 2n);
          assert.ok((await runEndOfDay(app, first.dueDay - 1)).ok);
          const repay = (day: number, reference: string, amountMinor: bigint) =>
            harness.store.write((tx) =>
              repayFacility(tx, app, { facilityId: loanId, day, reference, amountMinor }),
            );
          assert.ok((await repay(first.dueDay, 'first', first.paymentMinor)).ok);
          // Half the principal ahead, the next day: it counts for interest from the second due date.
          clock.set(BigInt(first.dueDay + 1) * dayNs + minutes * 60n * secondNs);
          assert.ok((await repay(first.dueDay + 1, 'ahead', (await loan()).state.owed.principal / 2n)).ok);
          clock.set(BigInt(second.dueDay + 1) * dayNs + 2n * 3_600n * secondNs);
          assert.ok((await runEndOfDay(app, second.dueDay)).ok);
          assert.equal((await loan()).state.instalments[1]?.interestMinor, second.interestMinor);
        } finally {
          await book.harness.dispose();
        }
      });
  });
}
