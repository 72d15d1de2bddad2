/**
 * When a day is closed — an hour after it ends, when the daily cycle may judge it — and money in
 * the hour before: a repayment made then leaves the day just ended to the cycle; a payout dated a
 * term loan's due date pays its instalment however early it comes; the last grace day's own late
 * payout spares its late fee even when money of the new day came first; a term loan's prepayment
 * then counts for the period its due date begins.
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
import { sweepSettlement, sweepSettlements } from './sweep.ts';

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
    it('leaves the day just ended to the cycle when a repayment comes at 00:30, dated its own day', async () => {
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
        const events = await book.harness.store.read((tx) =>
          tx.financing.facilityEvents(book.facilityId, { limit: 100 }),
        );
        assert.deepEqual(
          events.filter((e) => e.type === 'repayment').map((e) => e.day),
          [day],
        );
      } finally {
        await book.harness.dispose();
      }
    });

    for (const [at, minutes] of [
      ['00:30', 30n],
      ['01:30', 90n],
    ] as const)
      it(`pays a term loan's instalment from a payout dated its due date, sent at ${at}`, async () => {
        const book = await openLendingBook(backend, {
          topBand: { grade: 'D', maxPd: 0.4 },
          poolMinor: 100_000_000n,
        });
        try {
          const { harness, app, merchantId } = book;
          const offers = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
          assert.ok(offers.ok);
          const offer = offers.value.find((o) => o.product === 'term_loan');
          assert.ok(offer);
          const loanId = await disburse(book, offer);
          const found = servicedOf(
            (await harness.store.read((tx) => tx.financing.facility(loanId))) ?? assert.fail(),
          );
          assert.ok(found?.product === 'term_loan');
          const [first] = found.state.instalments;
          assert.ok(first);
          const clock = app.clock as ManualClock;
          clock.set(BigInt(first.dueDay - 1) * dayNs + dayNs / 2n);
          assert.ok((await runEndOfDay(app, first.dueDay - 2)).ok);
          clock.set(BigInt(first.dueDay) * dayNs + minutes * 60n * secondNs);
          const swept = await harness.store.write((tx) =>
            sweepSettlement(tx, app, {
              settlementKey: 'plt due',
              merchantId,
              day: first.dueDay,
              currency: 'USD',
              netMinor: 10_000_000n,
            }),
          );
          assert.ok(swept.ok);
          assert.equal(swept.value.waterfall.totalDeductedMinor, first.paymentMinor);
          clock.set(BigInt(first.dueDay + 9) * dayNs + 2n * 3_600n * secondNs);
          assert.ok((await runEndOfDay(app, first.dueDay + 8)).ok);
          const after = servicedOf(
            (await harness.store.read((tx) => tx.financing.facility(loanId))) ?? assert.fail(),
          );
          assert.deepEqual(
            [after?.row.status, after?.product === 'term_loan' ? after.state.daysPastDue : -1],
            ['active', 0],
          );
        } finally {
          await book.harness.dispose();
        }
      });

    for (const mode of [
      'alone',
      'after a payout of the new day',
      'in one batch after a payout of the new day',
    ])
      it(`spares the late fee when the last grace day's own payout comes before 01:00, ${mode}`, async () => {
        const book = await openBookWithAdvance(backend);
        const { harness, app, merchantId, facilityId } = book;
        try {
          const advance = await servicedFacility<AdvanceFacility>(harness, facilityId);
          const period = advance.state.terms.minimumPayment?.periodDays ?? assert.fail('a minimum');
          // The minimum falls due at the period's end; unpaid, the late fee comes after the 7 days'
          // grace, at the end of `last` — unless money dated `last` pays it.
          const last = advance.state.disbursedDay + period + 8;
          const clock = app.clock as ManualClock;
          clock.set(BigInt(last) * dayNs + dayNs / 2n);
          assert.ok((await runEndOfDay(app, last - 1)).ok);
          const payout = (key: string, day: number, netMinor: bigint) => ({
            settlementKey: key,
            merchantId,
            day,
            currency: 'USD',
            netMinor,
          });
          const late = payout('plt late', last, 10_000_000n);
          const next = payout('plt next', last + 1, 100n);
          clock.set(BigInt(last + 1) * dayNs + 1_800n * secondNs);
          if (mode === 'in one batch after a payout of the new day') {
            const swept = await harness.store.write((tx) => sweepSettlements(tx, app, [next, late]));
            assert.ok(swept.every((r) => r.ok));
          } else {
            if (mode === 'after a payout of the new day')
              assert.ok((await harness.store.write((tx) => sweepSettlement(tx, app, next))).ok);
            clock.set(BigInt(last + 1) * dayNs + 2_400n * secondNs);
            assert.ok((await harness.store.write((tx) => sweepSettlement(tx, app, late))).ok);
          }
          clock.set(BigInt(last + 1) * dayNs + 7_200n * secondNs);
          assert.ok((await runEndOfDay(app, last)).ok);
          const events = await harness.store.read((tx) =>
            tx.financing.facilityEvents(facilityId, { limit: 1000 }),
          );
          assert.deepEqual(
            events.filter((e) => e.type === 'late_fee_charged'),
            [],
            'the minimum was paid by money of its last grace day',
          );
        } finally {
          await harness.dispose();
        }
      });

    for (const [at, minutes] of [
      ['00:30', 30n],
      ['01:30', 90n],
    ] as const)
      it(`charges a term loan's next period on the principal after the due date's payments, a prepayment at ${at} the day after — before the due date has closed, or not — counting for it ${at === '00:30' ? 'too' : 'not'}`, async () => {
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
          // Half the principal ahead, the next day: before 01:00 the due date is still open, its
          // period not yet begun, and it begins on what the money leaves; after, from the next.
          const principal = (await loan()).state.owed.principal;
          clock.set(BigInt(first.dueDay + 1) * dayNs + minutes * 60n * secondNs);
          assert.ok((await repay(first.dueDay + 1, 'ahead', principal / 2n)).ok);
          clock.set(BigInt(second.dueDay + 1) * dayNs + 2n * 3_600n * secondNs);
          assert.ok((await runEndOfDay(app, second.dueDay)).ok);
          const charged = (await loan()).state.instalments[1]?.interestMinor ?? assert.fail();
          if (at === '01:30') assert.equal(charged, second.interestMinor);
          else {
            // The month's rate on half the principal: half the scheduled interest, to a unit.
            const half = (second.interestMinor * (principal - principal / 2n)) / principal;
            assert.ok(charged >= half - 1n && charged <= half + 1n, `${charged}, about ${half}`);
          }
        } finally {
          await book.harness.dispose();
        }
      });
  });
}
