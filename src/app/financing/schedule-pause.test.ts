/**
 * A term loan's schedule in its facility report after collections are paused (SQLite, and
 * PostgreSQL when configured): each instalment falls due later by the days paused before it, as
 * servicing judges it, and keeps the day the schedule gave it beside; a pause without an end moves
 * the instalments after it on each day it runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import {
  disburse,
  type LendingBook,
  lendingAsOfDay,
  openLendingBook,
} from '../../../test/support/lending-fixture.ts';
import { pauseFacilityCollections, resumeFacilityCollections } from './collections.ts';
import { makeOffers } from './origination.ts';
import { facilityReport } from './reports.ts';

const day = lendingAsOfDay;

for (const backend of backendsUnderTest) {
  describe(`a paused term loan's schedule on ${backend.name}`, { skip: backend.skip }, () => {
    let book: LendingBook;
    let harness: Harness;
    let loanId = '';
    before(async () => {
      book = await openLendingBook(backend, { topBand: { grade: 'D', maxPd: 0.4 }, poolMinor: 100_000_000n });
      harness = book.harness;
      const offers = await harness.store.write((tx) => makeOffers(tx, book.app, book.decisionId));
      assert.ok(offers.ok);
      const loan = offers.value.find((o) => o.product === 'term_loan');
      assert.ok(loan, 'a term loan is offered');
      loanId = await disburse(book, loan);
    });
    after(async () => harness?.dispose());

    const instalments = async (today: number) => {
      const report = await harness.store.read((tx) =>
        facilityReport(tx, { facilityId: loanId, scope: {}, day: today, afterSequence: 0, limit: 1 }),
      );
      assert.ok(report?.schedule?.kind === 'instalments');
      return report.schedule.instalments.map((i) => ({ due: i.dueDay, scheduled: i.scheduledDueDay }));
    };
    const pause = (fromDay: number, untilDay: number | null, today: number) =>
      harness.store.write((tx) =>
        pauseFacilityCollections(tx, book.app, {
          facilityId: loanId,
          day: today,
          fromDay,
          untilDay,
          reason: 'hardship',
        }),
      );

    it('moves each instalment later by the days paused before it, the schedule day kept', async () => {
      const before = await instalments(day);
      assert.ok(before.length > 2);
      for (const i of before) assert.equal(i.due, i.scheduled, 'unpaused, due on the schedule day');
      const first = before[0]?.scheduled ?? assert.fail();
      // Ten days paused before the first instalment falls due.
      const paused = await pause(day + 3, day + 12, day);
      assert.ok(paused.ok, paused.ok ? '' : paused.detail);
      const moved = await instalments(day);
      assert.deepEqual(
        moved,
        before.map((i) => ({ due: i.scheduled + 10, scheduled: i.scheduled })),
      );
      assert.ok(first > day + 12, 'the first falls due after the pause');
    });

    it('moves the instalments after a pause without an end on each day it runs', async () => {
      const scheduled = (await instalments(day)).map((i) => i.scheduled);
      const from = day + 20;
      const paused = await pause(from, null, day + 15);
      assert.ok(paused.ok, paused.ok ? '' : paused.detail);
      const moveOf = (today: number) =>
        scheduled.map((s) => ({
          due: s + 10 + (s >= from ? Math.max(0, today - from + 1) : 0),
          scheduled: s,
        }));
      for (const today of [day + 15, from, from + 6])
        assert.deepEqual(await instalments(today), moveOf(today), `on day ${today - day}`);
      const resumed = await harness.store.write((tx) =>
        resumeFacilityCollections(tx, book.app, { facilityId: loanId, day: from + 7 }),
      );
      assert.ok(resumed.ok);
      assert.deepEqual(await instalments(from + 40), moveOf(from + 6), 'seven days paused, and no more');
    });
  });
}
