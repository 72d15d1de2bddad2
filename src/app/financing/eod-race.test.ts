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
