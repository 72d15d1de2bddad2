/**
 * The settlement sweep on real stores (SQLite, and PostgreSQL when configured): an advance
 * originated and disbursed; a preview says what a payout would repay and writes nothing; the sweep
 * posts the holdback, moves the facility's receivables and the ledger's together and records the
 * split with its sweep id on every repayment transfer; the same settlement swept again answers the
 * same split and changes nothing; a second payout the same day shares the day's cap; a payout whose
 * refunds exceed its sales repays nothing; and payouts until it is repaid leave the advance paid
 * off with its whole fee earned.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import {
  bookWithAdvanceForSuite,
  lendingAsOfDay,
  receivablesOf,
  servicedFacility,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { meetingAfterFirst } from '../../../test/support/race.ts';
import type { AdvanceFacility } from '../../domain/products/advance/servicing.ts';
import { financierAccount } from '../../domain/products/postings.ts';
import { servicedOf } from './serviced.ts';
import { previewSweep, recordedSweep, sweepSettlement } from './sweep.ts';

const asOfDay = lendingAsOfDay;
const dayNs = 86_400_000_000_000n;

for (const backend of backendsUnderTest) {
  describe(`settlement sweep on ${backend.name}`, { skip: backend.skip }, () => {
    // A grade E book whose merchant has taken its smallest advance: quick to repay in the test.
    const book = bookWithAdvanceForSuite(backend);

    const advanceState = () => servicedFacility<AdvanceFacility>(book.harness, book.facilityId);
    const receivables = () => receivablesOf(book.harness, book.facilityId);
    const settlement = (key: string, day: number, netMinor: bigint) => ({
      settlementKey: key,
      merchantId: book.merchantId,
      day,
      currency: 'USD',
      netMinor,
    });

    it('previews a payout without writing, then sweeps it: ledger and facility move together, once', async () => {
      const { state } = await advanceState();
      const holdback = (200_000n * BigInt(state.terms.holdbackRateBps)) / 10_000n;
      const preview = await book.harness.store
        .read((tx) => previewSweep(tx, book.app, settlement('plt stl_1', asOfDay + 1, 200_000n)))
        .then((p) => p.waterfall);
      assert.equal(preview.totalDeductedMinor, holdback);
      assert.equal(
        (await book.harness.store.read((tx) => tx.financing.sweep('plt stl_1'))) ?? null,
        null,
        'a preview writes nothing',
      );

      const swept = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, settlement('plt stl_1', asOfDay + 1, 200_000n)),
      );
      assert.ok(swept.ok);
      assert.equal(swept.value.replayed, false);
      assert.equal(swept.value.waterfall.totalDeductedMinor, holdback);
      assert.equal(swept.value.waterfall.merchantNetMinor, 200_000n - holdback);
      const after = await advanceState();
      const books = await receivables();
      assert.deepEqual(books, { principal: after.state.owed.principal, fees: after.state.owed.fees });
      assert.equal(
        after.state.owed.fees + after.state.owed.principal,
        state.owed.fees + state.owed.principal - holdback,
      );
      const transfer = await book.harness.store.write((tx) =>
        tx.ledger.transfersByIds([`${swept.value.sweepId}:${book.facilityId}:f`]),
      );
      assert.equal(transfer.size, 1, 'the repayment carries the sweep id');

      const again = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, settlement('plt stl_1', asOfDay + 1, 200_000n)),
      );
      assert.ok(again.ok);
      assert.equal(again.value.replayed, true);
      assert.equal(again.value.sweepId, swept.value.sweepId);
      assert.deepEqual(await receivables(), books, 'nothing changes the second time');

      // The same key is the same payout: with another amount, day, merchant or currency it is
      // refused, nothing written; read back, it is the settlement as recorded.
      for (const other of [
        settlement('plt stl_1', asOfDay + 1, 10_000n),
        settlement('plt stl_1', asOfDay + 2, 200_000n),
        { ...settlement('plt stl_1', asOfDay + 1, 200_000n), merchantId: 'mer_other' },
        { ...settlement('plt stl_1', asOfDay + 1, 200_000n), currency: 'EUR' },
      ]) {
        const reused = await book.harness.store.write((tx) => sweepSettlement(tx, book.app, other));
        assert.equal(reused.ok ? 'replayed' : reused.code, 'settlement_reused');
        assert.match(reused.ok ? '' : (reused.detail ?? ''), /^settlement plt stl_1 was recorded with /);
        const recorded = await book.harness.store.read((tx) => recordedSweep(tx, other));
        assert.equal(recorded?.ok ? 'replayed' : recorded?.code, 'settlement_reused');
      }
      assert.deepEqual(await receivables(), books, 'nothing written');
      const recorded = await book.harness.store.read((tx) =>
        recordedSweep(tx, settlement('plt stl_1', asOfDay + 1, 200_000n)),
      );
      assert.ok(recorded?.ok);
      assert.equal(recorded.value.sweepId, swept.value.sweepId);
      assert.equal(
        await book.harness.store.read((tx) => recordedSweep(tx, settlement('plt stl_new', asOfDay + 1, 1n))),
        null,
      );
    });

    it('takes nothing for a facility from a payout dated before it was opened', async () => {
      const early = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, settlement('plt stl_early', asOfDay - 1, 200_000n)),
      );
      assert.ok(early.ok);
      assert.equal(early.value.waterfall.totalDeductedMinor, 0n);
      assert.equal(early.value.waterfall.merchantNetMinor, 200_000n);
    });

    it('refuses a settlement without a key or with an unknown currency', async () => {
      const noKey = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, settlement(' ', asOfDay + 1, 1_000n)),
      );
      assert.equal(noKey.ok ? '' : noKey.code, 'settlement_invalid');
      const badCurrency = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, { ...settlement('plt stl_x', asOfDay + 1, 1_000n), currency: 'usd' }),
      );
      assert.equal(badCurrency.ok ? '' : badCurrency.code, 'settlement_invalid');
    });

    it('shares the day’s cap between payouts and takes nothing from a negative one', async () => {
      // A 30% cap over 200,000 + 10,000 is 63,000; the first payout took its holdback already.
      const second = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, settlement('plt stl_2', asOfDay + 1, 10_000n)),
      );
      assert.ok(second.ok);
      assert.ok(second.value.waterfall.totalDeductedMinor <= 3_000n);
      const negative = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, settlement('plt stl_3', asOfDay + 2, -5_000n)),
      );
      assert.ok(negative.ok);
      assert.equal(negative.value.waterfall.totalDeductedMinor, 0n);
      assert.equal(negative.value.waterfall.merchantNetMinor, -5_000n);
      // The negative payout lowers the day's settled money: 30% of −5,000 + 15,000 is 3,000, not
      // 30% of 15,000 (4,500).
      const after = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, settlement('plt stl_4', asOfDay + 2, 15_000n)),
      );
      assert.ok(after.ok);
      assert.equal(after.value.waterfall.availableMinor, 3_000n);
    });

    it('pays the advance off with payouts, its fee wholly earned', async () => {
      for (let day = asOfDay + 3; day < asOfDay + 400; day += 1) {
        const { state } = await advanceState();
        if (state.status === 'paid_off') break;
        const swept = await book.harness.store.write((tx) =>
          sweepSettlement(tx, book.app, settlement(`plt stl_d${day}`, day, 2_000_000n)),
        );
        assert.ok(swept.ok);
      }
      const { row, state } = await advanceState();
      assert.equal(row?.status, 'paid_off');
      assert.deepEqual(state.owed, { fees: 0n, principal: 0n });
      assert.equal(state.deferredFeeMinor, 0n);
      assert.deepEqual(await receivables(), { principal: 0n, fees: 0n });
      const feeIncome = await book.harness.store.read((tx) =>
        tx.ledger.accountsByIds([financierAccount.feeIncome({ financierId: 'fin_pool', currency: 'USD' })]),
      );
      const income = [...feeIncome.values()][0];
      assert.ok(income !== undefined && income.creditsPosted > 0n);
    });

    it('records one of two merchants’ payouts swept at once under one key, and refuses the other', async () => {
      const before = await receivables();
      // Each sweep waits, after it read the key unrecorded, until the other has read it too (or a
      // moment, where the other cannot start: SQLite's writes are one at a time).
      const pausedAfterKeyRead = meetingAfterFirst('financing', 'sweepsByKey');
      const sweepFor = (merchantId: string) =>
        book.harness.store.write((tx) =>
          sweepSettlement(pausedAfterKeyRead(tx), book.app, {
            ...settlement('plt stl_shared', asOfDay + 400, 100_000n),
            merchantId,
          }),
        );
      const answers = await Promise.all([sweepFor(book.merchantId), sweepFor('mer_someone_else')]);
      assert.deepEqual(answers.map((a) => (a.ok ? 'swept' : a.code)).sort(), ['settlement_reused', 'swept']);
      const recorded = await book.harness.store.read((tx) => tx.financing.sweep('plt stl_shared'));
      const won = answers.findIndex((a) => a.ok);
      assert.equal(recorded?.merchantId, won === 0 ? book.merchantId : 'mer_someone_else');
      assert.deepEqual(await receivables(), before, 'the advance was paid off before: nothing to deduct');
    });
  });
}

for (const backend of backendsUnderTest) {
  describe(`a payout paying an advance off before the daily cycle served its days, on ${backend.name}`, {
    skip: backend.skip,
  }, () => {
    const book = bookWithAdvanceForSuite(backend);

    it('counts the principal-days of the days the cycle will not serve', async () => {
      const read = async () => {
        const row = await book.harness.store.read((tx) => tx.financing.facility(book.facilityId));
        const serviced = row === undefined ? null : servicedOf(row);
        assert.ok(serviced?.product === 'advance');
        return serviced;
      };
      const before = await read();
      // Paid out on the fixture's day and served through it; a payout dated 5 days on pays it off,
      // the daily cycle not run since.
      assert.equal(before.servicedThroughDay, asOfDay);
      (book.app.clock as ManualClock).set(BigInt(asOfDay + 5) * dayNs + dayNs / 2n);
      const swept = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, {
          settlementKey: 'plt stl_payoff',
          merchantId: book.merchantId,
          day: asOfDay + 5,
          currency: 'USD',
          netMinor: 100_000_000n,
        }),
      );
      assert.ok(swept.ok);
      const after = await read();
      assert.equal(after.row.status, 'paid_off');
      // Out at the end of the disbursement's day and each of the 4 days between (the payout's own
      // day ends with nothing owed).
      assert.equal(after.tally.principalDaysMinor, before.state.owed.principal * 5n);
    });
  });
}
