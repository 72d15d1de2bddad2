/**
 * A payout that arrives after a later one, on real stores (SQLite, and PostgreSQL when configured):
 * an advance misses its first minimum and is delinquent; a payout dated the day after pays what was
 * missed; then the payout of the day before arrives late. The minimum is paid: the late payout owes
 * nothing overdue and gives only the holdback's share — the preview says so and the commit does it
 * — not the missed minimum a second time, above the holdback, from a merchant no longer behind.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { bookWithAdvanceForSuite, servicedFacility } from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import type { AdvanceFacility } from '../../domain/products/advance/servicing.ts';
import { runEndOfDay } from './eod.ts';
import { previewSweep, sweepSettlement } from './sweep.ts';

const dayNs = 86_400_000_000_000n;
const hourNs = 3_600_000_000_000n;

for (const backend of backendsUnderTest) {
  describe(`a late payout after its minimum was paid, on ${backend.name}`, { skip: backend.skip }, () => {
    const book = bookWithAdvanceForSuite(backend);
    const payout = (settlementKey: string, day: number, netMinor: bigint) => ({
      settlementKey,
      merchantId: book.merchantId,
      day,
      currency: 'USD',
      netMinor,
    });

    it('takes the holdback only, not the paid minimum again', async () => {
      const { state } = await servicedFacility<AdvanceFacility>(book.harness, book.facilityId);
      const minimum = state.terms.minimumPayment;
      assert.ok(minimum !== null);
      const dueDay = state.disbursedDay + minimum.periodDays;
      // Two in the morning of the day after the first minimum fell due: the due day has closed,
      // and the daily cycle found it missed.
      (book.app.clock as ManualClock).set(BigInt(dueDay + 1) * dayNs + 2n * hourNs);
      const eod = await runEndOfDay(book.app, dueDay);
      assert.ok(eod.ok);
      const missed = await book.harness.store.read((tx) =>
        previewSweep(tx, book.app, payout('plt late', dueDay, 100_000n)),
      );
      const overdue = missed.waterfall.deductions[0]?.overdue;
      assert.ok(overdue !== undefined && overdue.fees + overdue.principal > 0n, 'the minimum is overdue');

      // Today's payout pays the missed minimum (within the day's 30% cap)...
      const today = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, payout('plt today', dueDay + 1, 50_000n)),
      );
      assert.ok(today.ok);
      const paid = today.value.waterfall.deductions[0];
      assert.deepEqual(paid?.overdue, overdue, 'the missed minimum paid, as overdue');

      // ...then the due day's payout arrives late: only the holdback's share is taken from it.
      const late = payout('plt late', dueDay, 100_000n);
      const holdback = (100_000n * BigInt(state.terms.holdbackRateBps)) / 10_000n;
      const previewed = await book.harness.store.read((tx) => previewSweep(tx, book.app, late));
      const committed = await book.harness.store.write((tx) => sweepSettlement(tx, book.app, late));
      assert.ok(committed.ok);
      assert.deepEqual(committed.value.waterfall, previewed.waterfall, 'the commit as previewed');
      const [deduction] = committed.value.waterfall.deductions;
      const none = { fees: 0n, interest: 0n, principal: 0n };
      assert.deepEqual(deduction?.overdue, none, 'nothing is overdue any more');
      assert.equal(committed.value.waterfall.totalDeductedMinor, holdback);
      assert.equal(committed.value.waterfall.merchantNetMinor, 100_000n - holdback);
    });
  });
}
