/**
 * The daily cycle racing money on PostgreSQL, where the two run in transactions of their own at
 * once: a page takes the ledger's head lock before it reads its facilities, as every movement of
 * money does, so repayments asked for while it is worked wait for it and then pay on what it left —
 * the page is read once, the run finishes, nothing is posted twice and the books agree. (Read
 * before the lock, each repayment committed between the page's read and its write moved the
 * facility's version; a stream of them used up the page's five attempts and `capstan eod` exited
 * 1 — and once money took the lock first, they deadlocked with the page instead.) SQLite has one
 * writer, so the two cannot interleave there.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import {
  advanceAgreeingWithLedger,
  lendingAsOfDay,
  openBookWithAdvance,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import type { AppContext } from '../app-context.ts';
import type { Store } from '../ports.ts';
import { runEndOfDay } from './eod.ts';
import { repayFacility } from './repayments.ts';

const dayNs = 86_400_000_000_000n;
/** How long a page, having read, gives the repayment it set off to commit before it writes. */
const repaymentWaitMs = 1_000;
/** More than the PostgreSQL store's writeAttemptsMax: each page attempt read sets one off. */
const repaymentsMax = 6;

for (const backend of backendsUnderTest.filter((b) => b.name === 'postgres')) {
  describe(`the daily cycle racing repayments on ${backend.name}`, { skip: backend.skip }, () => {
    it('keeps the repayments asked for while a page is worked waiting until it commits', async () => {
      const book = await openBookWithAdvance(backend);
      try {
        const day = lendingAsOfDay + 3;
        (book.app.clock as ManualClock).set(BigInt(day + 1) * dayNs + 3_600_000_000_000n);
        const other = book.harness.openAnother();
        const otherApp: AppContext = { ...book.app, store: other };
        const repayments: Promise<unknown>[] = [];
        let reads = 0;
        // The cycle's store, whose page read has a merchant repay (another connection) at once,
        // and waits a moment for that repayment to commit before it goes on to write.
        const store: Store = Object.create(book.harness.store);
        store.write = (work) =>
          book.harness.store.write((tx) => {
            const financing = Object.create(tx.financing);
            financing.facilitiesByStatus = async (
              ...args: Parameters<typeof tx.financing.facilitiesByStatus>
            ) => {
              const rows = await tx.financing.facilitiesByStatus(...args);
              // A page of the facilities in service (not the payouts awaiting confirmation).
              if (!args[0].includes('active')) return rows;
              reads += 1;
              if (rows.length > 0 && repayments.length < repaymentsMax) {
                const repaid = other.write((t) =>
                  repayFacility(t, otherApp, {
                    facilityId: book.facilityId,
                    day: day + 1,
                    reference: `r${repayments.length + 1}`,
                    amountMinor: 100n,
                  }),
                );
                repayments.push(repaid);
                await Promise.race([repaid, new Promise((resolve) => setTimeout(resolve, repaymentWaitMs))]);
              }
              return rows;
            };
            return work({ ...tx, financing });
          });
        const run = await runEndOfDay({ ...book.app, store }, day);
        assert.ok(run.ok, run.ok ? '' : run.detail);
        assert.equal(reads, 1, 'the page was read once: nothing moved its facilities under it');
        for (const repaid of await Promise.all(repayments)) assert.ok((repaid as { ok: boolean }).ok);
        assert.equal(repayments.length, 1);
        // The books agree (each page asserts it too): what the facility owes is what its accounts hold.
        const facility = await advanceAgreeingWithLedger(book.harness, book.facilityId);
        assert.equal(facility.servicedThroughDay, day);
      } finally {
        await book.harness.dispose();
      }
    });
  });
}

// Two runs of the same day at once — `capstan eod` twice, or beside the worker's scheduled cycle —
// interleave page by page on either database (SQLite's one writer serialises the pages, not the
// runs). Each facility is served once either way; this is about the day's record.
for (const backend of backendsUnderTest) {
  describe(`two runs of the same day on ${backend.name}`, { skip: backend.skip }, () => {
    it("keep the day done with every run's facilities counted: the slower one neither reopens nor recounts it", async () => {
      const book = await openBookWithAdvance(backend);
      try {
        const day = lendingAsOfDay + 3;
        (book.app.clock as ManualClock).set(BigInt(day + 1) * dayNs + 3_600_000_000_000n);
        const otherApp: AppContext = { ...book.app, store: book.harness.openAnother() };
        // The slower run has read the day (not yet begun) when the other runs it all, page and
        // finish, before the slower one's first page writes.
        let other: Promise<unknown> | undefined;
        const dayRecords: unknown[] = [];
        const store: Store = Object.create(book.harness.store);
        store.write = async (work) => {
          other ??= runEndOfDay(otherApp, day);
          const run = await other;
          assert.ok((run as { ok: boolean }).ok);
          return book.harness.store.write(async (tx) => {
            const result = await work(tx);
            dayRecords.push(await tx.financing.eodRun(day));
            return result;
          });
        };
        const slower = await runEndOfDay({ ...book.app, store }, day);
        assert.ok(slower.ok, slower.ok ? '' : slower.detail);
        assert.equal(slower.value[0]?.facilities, 0, 'the slower run served nothing: it was served');
        const record = await book.harness.store.read((tx) => tx.financing.eodRun(day));
        // Before: the slower run's page put the finished day back to running with its own count,
        // 0, and its finish left the day done with 0 facilities.
        assert.equal(record?.status, 'done');
        assert.equal(record?.facilitiesDone, 1n);
        for (const seen of dayRecords) assert.equal((seen as { status: string }).status, 'done');
        const facility = await advanceAgreeingWithLedger(book.harness, book.facilityId);
        assert.equal(facility.servicedThroughDay, day);
      } finally {
        await book.harness.dispose();
      }
    });
  });
}
