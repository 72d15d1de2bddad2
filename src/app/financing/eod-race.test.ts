/**
 * The daily cycle racing a repayment on PostgreSQL, where the two run in transactions of their own
 * at once: a repayment committed between a page's read and its write moves the facility's version,
 * and the page is run again on what the repayment left (WriteConflict, retried by the store) — the
 * run finishes, nothing posted twice. (It failed the whole run: `capstan eod` exited 1.) SQLite has
 * one writer, so the two cannot interleave there.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { lendingAsOfDay, openBookWithAdvance, receivablesOf } from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import type { AppContext } from '../app-context.ts';
import type { Store } from '../ports.ts';
import { runEndOfDay } from './eod.ts';
import { repayFacility } from './repayments.ts';
import { servicedOf } from './serviced.ts';

const dayNs = 86_400_000_000_000n;

for (const backend of backendsUnderTest.filter((b) => b.name === 'postgres')) {
  describe(`the daily cycle racing a repayment on ${backend.name}`, { skip: backend.skip }, () => {
    it('runs a page again when a repayment commits between its read and its write', async () => {
      const book = await openBookWithAdvance(backend);
      try {
        const day = lendingAsOfDay + 3;
        (book.app.clock as ManualClock).set(BigInt(day + 1) * dayNs + 3_600_000_000_000n);
        const other = book.harness.openAnother();
        const otherApp: AppContext = { ...book.app, store: other };
        let reads = 0;
        // The cycle's store, whose page read lets a merchant repay (another connection) at once.
        const store: Store = Object.create(book.harness.store);
        store.write = (work) =>
          book.harness.store.write((tx) => {
            const financing = Object.create(tx.financing);
            financing.facilitiesByStatus = async (
              ...args: Parameters<typeof tx.financing.facilitiesByStatus>
            ) => {
              const rows = await tx.financing.facilitiesByStatus(...args);
              reads += 1;
              if (reads === 1 && rows.length > 0) {
                const repaid = await other.write((t) =>
                  repayFacility(t, otherApp, {
                    facilityId: book.facilityId,
                    day: day + 1,
                    reference: 'r1',
                    amountMinor: 100n,
                  }),
                );
                assert.ok(repaid.ok);
              }
              return rows;
            };
            return work({ ...tx, financing });
          });
        const run = await runEndOfDay({ ...book.app, store }, day);
        assert.ok(run.ok, run.ok ? '' : run.detail);
        assert.ok(reads >= 2, 'the page was read again');
        const row = await book.harness.store.read((tx) => tx.financing.facility(book.facilityId));
        assert.equal(row && servicedOf(row)?.servicedThroughDay, day);
        // The books agree (each page asserts it too): what the facility owes is what its accounts hold.
        const receivables = await receivablesOf(book.harness, book.facilityId);
        assert.ok(receivables.principal > 0n);
      } finally {
        await book.harness.dispose();
      }
    });
  });
}
