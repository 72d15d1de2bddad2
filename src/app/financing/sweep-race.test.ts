/**
 * Money for one merchant arriving all at once — its payouts committed and a direct repayment — on
 * real stores. On PostgreSQL each runs in a transaction of its own at the same moment; every one
 * takes the ledger's head lock before it reads the facilities, so they run one after the other,
 * each on what the one before left: all are answered, each payout swept once, and the facility
 * agrees with its ledger accounts. (Read before the lock, all of them wrote from one version, each
 * round of retries let one through, and the sixth used up its five attempts: a 500.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import {
  advanceAgreeingWithLedger,
  lendingAsOfDay,
  openBookWithAdvance,
} from '../../../test/support/lending-fixture.ts';
import type { WriteTransaction } from '../ports.ts';
import { repayFacility } from './repayments.ts';
import { sweepSettlement } from './sweep.ts';

/** How long a transaction waits at the meeting for the others, where they cannot come (SQLite). */
const aloneMs = 300;

/**
 * Wraps transactions so that each, after its first read of a merchant's facilities (a sweep) or of
 * one facility (a repayment), waits until `count` have read or a moment has passed: every attempt
 * reads before any writes, as requests arriving together can on PostgreSQL.
 */
function meetingAfterRead(count: number): (tx: WriteTransaction) => WriteTransaction {
  let arrived: (() => void)[] = [];
  const meet = () =>
    new Promise<void>((resolve) => {
      arrived.push(resolve);
      if (arrived.length === count) {
        for (const go of arrived) go();
        arrived = [];
      } else setTimeout(resolve, aloneMs);
    });
  return (tx) => {
    let met = false;
    const financing = new Proxy(tx.financing, {
      get(target, name) {
        const value = Reflect.get(target, name);
        if (typeof value !== 'function') return value;
        if (name !== 'facilitiesForMerchants' && name !== 'facility') return value.bind(target);
        return async (...args: unknown[]) => {
          const answer = await value.apply(target, args);
          if (!met) {
            met = true;
            await meet();
          }
          return answer;
        };
      },
    });
    return new Proxy(tx, {
      get: (target, name) => (name === 'financing' ? financing : Reflect.get(target, name)),
    });
  };
}

for (const backend of backendsUnderTest) {
  describe(`a merchant's money arriving at once on ${backend.name}`, { skip: backend.skip }, () => {
    it('answers every payout and repayment, each payout swept once, the books agreeing', async () => {
      const book = await openBookWithAdvance(backend);
      try {
        const day = lendingAsOfDay + 1;
        const payouts = 6;
        const meeting = meetingAfterRead(payouts + 1);
        const swept = Array.from({ length: payouts }, (_, i) =>
          book.harness.store.write((tx) =>
            sweepSettlement(meeting(tx), book.app, {
              settlementKey: `plt stl_${i}`,
              merchantId: book.merchantId,
              day,
              currency: 'USD',
              netMinor: 100_000n,
            }),
          ),
        );
        const repaid = book.harness.store.write((tx) =>
          repayFacility(meeting(tx), book.app, {
            facilityId: book.facilityId,
            day,
            reference: 'direct-1',
            amountMinor: 1_000n,
          }),
        );
        const answers = await Promise.all(swept);
        assert.ok((await repaid).ok);
        assert.deepEqual(
          answers.map((a) => a.ok && !a.value.replayed),
          answers.map(() => true),
        );
        const sweeps = await book.harness.query(
          'select settlement_key, deducted_minor from settlement_sweeps',
        );
        assert.equal(sweeps.length, payouts);
        const deducted = sweeps.reduce((sum, s) => sum + BigInt(s['deducted_minor'] as bigint), 0n);
        assert.ok(deducted > 0n);
        const swepts = await book.harness.store.read(async (tx) =>
          (await tx.financing.facilityEvents(book.facilityId, { limit: 100 })).filter(
            (e) => e.type === 'swept',
          ),
        );
        assert.equal(swepts.length, payouts);
        // The facility owes what its ledger accounts hold: nothing taken twice, nothing lost.
        await advanceAgreeingWithLedger(book.harness, book.facilityId);
      } finally {
        await book.harness.dispose();
      }
    });
  });
}
