/**
 * The daily cycle on real stores (SQLite, and PostgreSQL when configured): an advance and a term
 * loan disbursed and taken through their days — fee earned and interest booked through the ledger,
 * the facilities' balances equal to their ledger accounts after every day; a day run twice changes
 * nothing; missed days are caught up in order; a run cut short resumes after its cursor; an advance
 * whose merchant never pays misses its minimum, is charged a late fee after the grace, becomes
 * delinquent, defaults and is written off, each step a facility event; money paid on it then is a
 * recovery against the loss, and no new advance is offered while it is recovered; and offers lapse
 * at the end of their expiry day.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import {
  disburse,
  lendingAsOfDay,
  offersOfAFreshDecision,
  openLendingBook,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { financierAccount } from '../../domain/products/postings.ts';
import type { AppContext } from '../app-context.ts';
import type { OfferRow, ReadTransaction } from '../ports.ts';
import { grantConsent } from '../risk/consents.ts';
import { decideForMerchant } from '../risk/decisions.ts';
import { runEndOfDay } from './eod.ts';
import { makeOffers } from './origination.ts';
import { repayFacility } from './repayments.ts';
import { servicedOf } from './serviced.ts';

const asOfDay = lendingAsOfDay;
const dayNs = 86_400_000_000_000n;

for (const backend of backendsUnderTest) {
  describe(`daily cycle on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let offers: OfferRow[] = [];
    let advanceId = '';
    let loanId = '';
    before(async () => {
      const book = await openLendingBook(backend, {
        topBand: { grade: 'D', maxPd: 0.4 },
        poolMinor: 100_000_000n,
      });
      ({ harness, app } = book);
      const made = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(made.ok);
      offers = made.value;
      const advance = offers.filter((o) => o.product === 'advance').at(-1);
      assert.ok(advance, 'an advance is offered');
      advanceId = await disburse(book, advance);
      const loan = (await offersOfAFreshDecision(book)).find((o) => o.product === 'term_loan');
      assert.ok(loan, 'a term loan is offered beside it');
      loanId = await disburse(book, loan);
    });
    after(async () => harness?.dispose());

    /** Midnight after `day`: the day has ended. */
    const endOf = (day: number) => (app.clock as ManualClock).set(BigInt(day + 1) * dayNs);
    const facility = async (id: string) => {
      const row = await harness.store.read((tx) => tx.financing.facility(id));
      assert.ok(row);
      const serviced = servicedOf(row);
      assert.ok(serviced);
      return serviced;
    };
    const income = async () => {
      const book = { financierId: 'fin_pool', currency: 'USD' };
      const accounts = await harness.store.read((tx) =>
        tx.ledger.accountsByIds([financierAccount.feeIncome(book), financierAccount.interestIncome(book)]),
      );
      const credit = (id: string) =>
        (accounts.get(id)?.creditsPosted ?? 0n) - (accounts.get(id)?.debitsPosted ?? 0n);
      return {
        fees: credit(financierAccount.feeIncome(book)),
        interest: credit(financierAccount.interestIncome(book)),
      };
    };

    it('refuses a day that has not ended, and a page size out of range', async () => {
      endOf(asOfDay);
      const future = await runEndOfDay(app, asOfDay + 1);
      assert.ok(!future.ok);
      assert.equal(future.code, 'eod_date_invalid');
      // Nor today at its last moment: money dated today may still come.
      (app.clock as ManualClock).set(BigInt(asOfDay + 2) * dayNs - 1n);
      const today = await runEndOfDay(app, asOfDay + 1);
      assert.equal(today.ok ? 'ran' : today.code, 'eod_date_invalid');
      const page = await runEndOfDay(app, asOfDay, { pageSize: 0 });
      assert.equal(page.ok ? 'ran' : page.code, 'eod_page_size_invalid');
    });

    it('takes the facilities through a day: fee earned through the ledger, totals kept, once', async () => {
      endOf(asOfDay + 1);
      const before = await facility(advanceId);
      const run = await runEndOfDay(app, asOfDay + 1);
      assert.ok(run.ok);
      assert.equal(run.value.length, 1);
      assert.equal(run.value[0]?.facilities, 2);
      const after = await facility(advanceId);
      assert.equal(after.servicedThroughDay, asOfDay + 1);
      assert.equal(after.product, 'advance');
      assert.ok(before.product === 'advance' && after.product === 'advance');
      const earned = before.state.deferredFeeMinor - after.state.deferredFeeMinor;
      assert.ok(earned > 0n, 'a day of fee is earned');
      assert.equal(after.tally.feeIncomeMinor, earned);
      // The payout's day and the day served, each with the whole amount out.
      assert.equal(after.tally.principalDaysMinor, 2n * after.state.owed.principal);
      assert.equal((await income()).fees, earned);

      const again = await runEndOfDay(app, asOfDay + 1);
      assert.ok(again.ok);
      assert.deepEqual(again.value, [], 'a finished day is not run again');
      assert.equal((await facility(advanceId)).row.version, after.row.version);
    });

    it('catches up missed days in order, and books the term loan’s instalment interest on its due day', async () => {
      const through = asOfDay + 40;
      endOf(through);
      // Each day is told as it is finished, not only in the answer at the end.
      const told: string[] = [];
      const run = await runEndOfDay(app, through, {
        onDay: (d) => told.push(`${d.day} after ${told.length} told`),
      });
      assert.ok(run.ok);
      assert.equal(run.value.length, 39);
      assert.deepEqual(
        told,
        run.value.map((d, index) => `${d.day} after ${index} told`),
      );
      assert.deepEqual(
        run.value.map((d) => d.day),
        [...run.value.map((d) => d.day)].sort(),
      );
      const loan = await facility(loanId);
      assert.ok(loan.product === 'term_loan');
      const first = loan.state.instalments[0];
      assert.ok(first !== undefined && first.dueDay <= through);
      assert.equal(loan.state.instalmentsBooked, 1);
      assert.equal(loan.tally.interestIncomeMinor, first.interestMinor);
      assert.equal((await income()).interest, first.interestMinor);
      // Nothing was paid: the instalment is past due.
      assert.equal(loan.state.daysPastDue, through - first.dueDay);
      assert.equal(loan.row.status, 'delinquent');
      const events = await harness.store.read((tx) => tx.financing.facilityEvents(loanId, { limit: 100 }));
      assert.ok(events.some((e) => e.type === 'status_changed'));
    });

    it('resumes a run cut short after its last committed page', async () => {
      const day = asOfDay + 41;
      endOf(day);
      let pages = 0;
      await assert.rejects(
        runEndOfDay(app, day, {
          pageSize: 1,
          onPage: () => {
            pages += 1;
            throw new Error('the machine lost power');
          },
        }),
        /lost power/,
      );
      assert.equal(pages, 1);
      const cut = await harness.store.read((tx) => tx.financing.eodRun(day));
      assert.equal(cut?.status, 'running');
      assert.equal(cut?.facilitiesDone, 1n);
      const resumed = await runEndOfDay(app, day, { pageSize: 1 });
      assert.ok(resumed.ok);
      assert.equal(resumed.value[0]?.resumed, true);
      assert.equal(resumed.value[0]?.facilities, 1, 'only what was left is serviced');
      for (const id of [advanceId, loanId]) assert.equal((await facility(id)).servicedThroughDay, day);
      assert.equal((await harness.store.read((tx) => tx.financing.eodRun(day)))?.status, 'done');
    });

    it('an advance never paid misses its minimum, pays a late fee, defaults and is written off', async () => {
      const through = asOfDay + 320;
      endOf(through);
      const run = await runEndOfDay(app, through, { pageSize: 1 });
      assert.ok(run.ok);
      const advance = await facility(advanceId);
      assert.equal(advance.row.status, 'written_off');
      assert.ok(advance.product === 'advance');
      assert.equal(advance.state.owed.principal, 0n);
      assert.equal(advance.state.deferredFeeMinor, 0n);
      assert.equal(advance.tally.writtenOffPrincipalMinor > 0n, true);
      const events = await harness.store.read((tx) => tx.financing.facilityEvents(advanceId, { limit: 100 }));
      const types = events.map((e) => e.type);
      assert.ok(types.includes('late_fee_charged'));
      assert.ok(types.includes('minimum_payment_near_breach'));
      const moves = events
        .filter((e) => e.type === 'status_changed')
        .map((e) => JSON.parse(e.detailJson) as { to: string })
        .map((d) => d.to);
      assert.deepEqual(moves, ['delinquent', 'defaulted', 'written_off']);
      // Each move between delinquency buckets told once, the day it happens.
      const buckets = events
        .filter((e) => e.type === 'delinquency_bucket_changed')
        .map((e) => JSON.parse(e.detailJson) as { from: string; to: string; daysPastDue: number });
      assert.deepEqual(
        buckets.map((b) => `${b.from}→${b.to} at ${b.daysPastDue}`),
        ['current→1-30 at 1', '1-30→31-60 at 31', '31-60→61-90 at 61', '61-90→90+ at 91'],
      );
      assert.equal(
        types.filter((t) => t === 'minimum_payment_near_breach').length,
        1,
        'near breach is told once, when it starts',
      );
      const debtService = await harness.store.read((tx) => tx.risk.debtService(advance.row.merchantId));
      assert.ok(
        !debtService.some((d) => d.facilityId === advanceId),
        'a written-off advance no longer counts',
      );
    });

    it('money paid on the written-off advance is a recovery against the loss, never above it', async () => {
      const advance = await facility(advanceId);
      const lost = advance.tally.writtenOffPrincipalMinor;
      const book = { financierId: 'fin_pool', currency: 'USD' };
      const losses = async () => {
        const id = financierAccount.creditLosses(book);
        const account = (await harness.store.read((tx) => tx.ledger.accountsByIds([id]))).get(id);
        return (account?.debitsPosted ?? 0n) - (account?.creditsPosted ?? 0n);
      };
      const before = await losses();
      const day = asOfDay + 320;
      const recovered = await harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId: advanceId, day, reference: 'rec-1', amountMinor: 1_000n }),
      );
      assert.ok(recovered.ok, recovered.ok ? '' : recovered.detail);
      assert.equal(recovered.value.recoveredMinor, 1_000n);
      assert.equal(recovered.value.status, 'written_off');
      assert.equal(await losses(), before - 1_000n);
      assert.equal((await facility(advanceId)).tally.recoveredMinor, 1_000n);
      const tooMuch = await harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId: advanceId, day, reference: 'rec-2', amountMinor: lost }),
      );
      assert.ok(!tooMuch.ok && tooMuch.code === 'repayment_exceeds_balance');
      const payoff = await harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId: advanceId, day, reference: 'rec-3', payoff: true }),
      );
      assert.ok(!payoff.ok && payoff.code === 'amount_invalid');
    });

    it('offers lapse at the end of their expiry day', async () => {
      // A book of its own: this one's merchant, written off, is declined now.
      const book = await openLendingBook(backend, { topBand: { grade: 'D', maxPd: 0.4 }, poolMinor: 1n });
      try {
        const clock = book.app.clock as ManualClock;
        const made = await book.harness.store.write((tx) => makeOffers(tx, book.app, book.decisionId));
        assert.ok(made.ok && made.value.length > 0);
        // A decision whose offers were not asked for in time: a month on, it is too old to make them.
        const unused = await decideForMerchant(book.harness.store, book.app, book.merchantId, asOfDay);
        const runOf = async (day: number) => {
          clock.set(BigInt(day + 1) * dayNs);
          const run = await runEndOfDay(book.app, day);
          assert.ok(run.ok);
          return run.value.reduce((sum, d) => sum + d.offersExpired, 0);
        };
        // Made from the decision of day 0, they expire on day 30: the day before's run leaves them open…
        assert.equal(await runOf(asOfDay + 29), 0);
        assert.ok(made.value.every((o) => o.expiresOn === asOfDay + 30));
        const stale = await book.harness.store.write((tx) => makeOffers(tx, book.app, unused.row.id));
        assert.equal(stale.ok ? '' : stale.code, 'decision_not_current');
        assert.match(
          stale.ok ? '' : (stale.detail ?? ''),
          /offers are made from a decision of the last 7 days/,
        );
        // …and the run at the end of their expiry day lapses them.
        assert.equal(await runOf(asOfDay + 30), made.value.length);
        for (const offer of made.value) {
          const read = <T>(work: (tx: ReadTransaction) => Promise<T>) => book.harness.store.read(work);
          assert.equal((await read((tx) => tx.financing.offer(offer.id)))?.status, 'expired');
          // Made, then lapsed: each told as it happened, and put out for webhooks.
          const events = await read((tx) => tx.financing.offerEvents(offer.id));
          assert.deepEqual(
            events.map((e) => [e.sequence, e.type]),
            [
              [1, 'created'],
              [2, 'expired'],
            ],
          );
        }
      } finally {
        await book.harness.dispose();
      }
    });

    it('lends the merchant nothing more while it is behind: the written-off advance declines it', async () => {
      const advance = await facility(advanceId);
      assert.ok(advance.tally.writtenOffPrincipalMinor > advance.tally.recoveredMinor, 'still recovering');
      const later = app.clock.nowNs();
      (app.clock as ManualClock).set(BigInt(asOfDay) * dayNs);
      // A new decision on the same sales, with the merchant's consent renewed: approved before, and
      // offered advances of up to its whole limit again (the advance written off never paid a cent).
      await harness.store.write((tx) =>
        grantConsent(tx, app, advance.row.merchantId, {
          purpose: 'credit_assessment',
          dataSources: ['sales'],
          expiresAtMs: app.clock.nowNs() / 1_000_000n + 86_400_000n,
        }),
      );
      const fresh = await decideForMerchant(harness.store, app, advance.row.merchantId, asOfDay);
      (app.clock as ManualClock).set(later);
      assert.equal(fresh.record.view.outcome, 'declined');
      assert.deepEqual(
        fresh.record.view.reasons.map((r) => [r.code, r.description]),
        [
          [
            'facility_in_arrears',
            `The merchant is behind on financing it already has: facility ${advanceId} was written off.`,
          ],
        ],
      );
      const made = await harness.store.write((tx) => makeOffers(tx, app, fresh.row.id));
      assert.equal(made.ok ? 'made' : made.code, 'decision_not_approved');
    });
  });
}
