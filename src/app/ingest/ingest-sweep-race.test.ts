/**
 * A payout ingested while the advance it repays is being paid out, on PostgreSQL, where the two run
 * in transactions of their own at once: the ingest reads the merchant's facilities (the advance
 * still awaiting its payout), the platform's confirmation of the advance's payout commits, and the
 * ingest goes on. The payout, dated the day the advance was paid out, repays it — the ingest takes
 * the ledger's head lock and reads the facilities again before it judges what a payout may repay.
 * (Judged on the first read, it was left unswept: no sweep recorded, the holdback never taken.)
 * On SQLite one write runs at a time, so the two cannot interleave.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { postgresBackend } from '../../../test/support/backends.ts';
import { settlementPaid } from '../../../test/support/events.ts';
import { lendingAsOfDay, openLendingBook } from '../../../test/support/lending-fixture.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';
import { parseRecord as parseEvent } from '../../ingest/parse-record.ts';
import { acceptOffer, confirmDisbursement, makeOffers } from '../financing/origination.ts';
import type { WriteTransaction } from '../ports.ts';
import { ingestBatch } from './ingest.ts';

describe('a payout ingested while its advance is paid out, on postgres', {
  skip: postgresBackend.skip,
}, () => {
  it('repays the advance: the facilities are read again under the head lock', async () => {
    const book = await openLendingBook(postgresBackend, {
      topBand: { grade: 'E', maxPd: 0.4 },
      poolMinor: 100_000_000n,
    });
    const { harness, app, merchantId } = book;
    try {
      const offers = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(offers.ok);
      const advance = offers.value.filter((o) => o.product === 'advance').at(-1);
      assert.ok(advance);
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: advance.id, merchantId, day: lendingAsOfDay }),
      );
      assert.ok(accepted.ok);
      const facilityId = accepted.value.facility.id;

      // The ingest's first read of the merchant's facilities waits until the payout of the
      // advance, confirmed in a transaction of its own, has committed.
      let confirmed: Promise<unknown> | undefined;
      const confirmingAfterFirstRead = (tx: WriteTransaction): WriteTransaction => {
        const financing = new Proxy(tx.financing, {
          get(target, name) {
            const value = Reflect.get(target, name);
            if (typeof value !== 'function') return value;
            if (name !== 'facilitiesForMerchants' && name !== 'facilitiesForMerchant')
              return value.bind(target);
            return async (...args: unknown[]) => {
              const rows = await value.apply(target, args);
              confirmed ??= harness.store.write((other) =>
                confirmDisbursement(other, app, { facilityId, day: lendingAsOfDay }),
              );
              await confirmed;
              return rows;
            };
          },
        });
        return { ...tx, financing };
      };
      const payout = parseEvent({
        origin: 'test',
        line: null,
        raw: JSON.stringify(
          settlementPaid({
            eventId: 'stl_race',
            settlementId: 'stl_race',
            subject: merchantId,
            date: String(fromDayNumber(lendingAsOfDay)),
            net: 200_000n,
            fees: 1_000n,
          }),
        ),
      });
      const outcomes = await harness.store.write((tx) =>
        ingestBatch(confirmingAfterFirstRead(tx), app, [payout]),
      );
      assert.equal(outcomes[0]?.status, 'applied');
      assert.ok(confirmed, 'the payout of the advance was confirmed during the ingest');
      const sweep = await harness.store.read((tx) => tx.financing.sweep('plt_test stl_race'));
      assert.ok(sweep, 'the payout was swept');
      assert.ok(sweep.deductedMinor > 0n, 'and repaid the advance paid out that day');
    } finally {
      await harness.dispose();
    }
  });
});
