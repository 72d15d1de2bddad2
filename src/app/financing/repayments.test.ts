/**
 * Direct repayments on real stores (SQLite, and PostgreSQL when configured): an advance and a term
 * loan originated and disbursed; a partial repayment is applied fees → interest → principal and the
 * facility's receivables in the ledger fall by exactly the split; the same reference again answers
 * the same repayment and posts nothing, and a different repayment under it is refused; an amount
 * above everything owed is refused and changes nothing; an early payoff leaves the facility paid
 * off with no receivable and no deferred fee — a term loan's interest accrued to the day included;
 * a paid-off facility takes no new repayment, and a facility of another merchant does not exist.
 * In another component order (principal first) an amount still cures what is overdue first, as a
 * payout's sweep would.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import {
  disburse,
  type LendingBook,
  lendingAsOfDay,
  netDebits,
  offersOfAFreshDecision,
  openLendingBook,
  servicedFacility,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { facilityAccount } from '../../domain/products/postings.ts';
import type { AppContext } from '../app-context.ts';
import type { FacilityRow } from '../ports.ts';
import { updateSettings } from '../settings/stored-settings.ts';
import { runEndOfDay } from './eod.ts';
import { makeOffers } from './origination.ts';
import { repayFacility, repaymentEventId } from './repayments.ts';
import { facilityReport } from './reports.ts';
import { owedOf, servicedOf } from './serviced.ts';
import { sweepSettings } from './sweep-settings.ts';

const asOfDay = lendingAsOfDay;

for (const backend of backendsUnderTest) {
  describe(`direct repayments on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let merchantId = '';
    let advanceId = '';
    let termLoanId = '';
    before(async () => {
      // Grade D reaches the synthetic model's 19–31%: term loans are offered to grade D.
      const book = await openLendingBook(backend, {
        topBand: { grade: 'D', maxPd: 0.4 },
        poolMinor: 1_000_000_000n,
      });
      ({ harness, app, merchantId } = book);
      const offers = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(offers.ok);
      const advance = offers.value.filter((o) => o.product === 'advance').at(-1);
      assert.ok(advance, 'an approved merchant with an advance');
      advanceId = await disburse(book, advance);
      const termLoan = (await offersOfAFreshDecision(book)).find((o) => o.product === 'term_loan');
      assert.ok(termLoan, 'and a term loan beside it');
      termLoanId = await disburse(book, termLoan);
    });
    after(async () => harness?.dispose());

    const stateOf = (facilityId: string) =>
      servicedFacility<{ owed: Record<string, bigint>; deferredFeeMinor?: bigint }>(harness, facilityId);
    /** The facility's receivables and deferred fee, as the ledger has them. */
    const books = async (facilityId: string) => {
      const book = { financierId: 'fin_pool', currency: 'USD', facilityId };
      const net = await netDebits(harness, {
        fees: facilityAccount.fees(book),
        interest: facilityAccount.interest(book),
        principal: facilityAccount.principal(book),
        deferredFee: facilityAccount.deferredFee(book),
      });
      return { ...net, deferredFee: -net.deferredFee };
    };
    const day = asOfDay + 3;
    let firstAmountMinor = 0n;

    it('applies a partial repayment fees first: the receivables fall by exactly the split', async () => {
      const before = await books(advanceId);
      const { state } = await stateOf(advanceId);
      assert.deepEqual(
        { fees: before.fees, principal: before.principal },
        { fees: state.owed.fees, principal: state.owed.principal },
      );
      const amountMinor = before.fees + 1_000n;
      firstAmountMinor = amountMinor;
      // The day of the repayment has come, an hour in: the days before it are closed.
      (app.clock as ManualClock).set(BigInt(day) * 86_400_000_000_000n + 3_600_000_000_000n);
      const repaid = await harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId: advanceId, merchantId, day, amountMinor, reference: 'pay-1' }),
      );
      assert.ok(repaid.ok, repaid.ok ? '' : repaid.detail);
      assert.equal(repaid.value.replayed, false);
      assert.deepEqual(repaid.value.applied, { fees: before.fees, interest: 0n, principal: 1_000n });
      assert.equal(repaid.value.status, 'active');
      assert.equal(repaid.value.outstandingMinor, before.fees + before.principal - amountMinor);
      const afterBooks = await books(advanceId);
      // The two days since the payout, which the daily cycle had not yet served, were served first
      // (their share of the fee recognised), then the repayment split.
      const { state: now } = await stateOf(advanceId);
      assert.deepEqual(afterBooks, {
        fees: 0n,
        interest: 0n,
        principal: before.principal - 1_000n,
        deferredFee: now.deferredFeeMinor,
      });
      assert.ok(afterBooks.deferredFee < before.deferredFee, 'fee recognised for the days caught up');
      const serviced = await harness.store.read(async (tx) =>
        servicedOf((await tx.financing.facility(advanceId)) as FacilityRow),
      );
      assert.equal(serviced?.servicedThroughDay, day - 1);
      const transfers = await harness.store.write((tx) =>
        tx.ledger.transfersByIds([`${repaymentEventId(app, 'pay-1')}:${advanceId}:p`]),
      );
      assert.equal(transfers.size, 1, 'the repayment transfers carry the reference');
    });

    it('answers the same reference with the same repayment, posting nothing', async () => {
      const before = await books(advanceId);
      const again = await harness.store.write((tx) =>
        repayFacility(tx, app, {
          facilityId: advanceId,
          merchantId,
          day: day + 1,
          amountMinor: firstAmountMinor,
          reference: 'pay-1',
        }),
      );
      assert.ok(again.ok, again.ok ? '' : again.detail);
      assert.equal(again.value.replayed, true);
      assert.deepEqual(await books(advanceId), before);
      const other = await harness.store.write((tx) =>
        repayFacility(tx, app, {
          facilityId: advanceId,
          merchantId,
          day,
          amountMinor: 7n,
          reference: 'pay-1',
        }),
      );
      assert.equal(other.ok ? '' : other.code, 'repayment_reference_reused');
      assert.deepEqual(await books(advanceId), before);
    });

    it('refuses an amount above everything owed, and changes nothing', async () => {
      const before = await books(advanceId);
      const { row } = await stateOf(advanceId);
      const over = await harness.store.write((tx) =>
        repayFacility(tx, app, {
          facilityId: advanceId,
          merchantId,
          day,
          amountMinor: before.fees + before.principal + 1n,
          reference: 'pay-over',
        }),
      );
      assert.equal(over.ok ? '' : over.code, 'repayment_exceeds_balance');
      assert.deepEqual(await books(advanceId), before);
      assert.equal((await stateOf(advanceId)).row?.version, row?.version);
      const stranger = await harness.store.write((tx) =>
        repayFacility(tx, app, {
          facilityId: advanceId,
          merchantId: 'mer_someone_else',
          day,
          amountMinor: 1n,
          reference: 'pay-x',
        }),
      );
      assert.equal(stranger.ok ? '' : stranger.code, 'facility_not_found');
      const badReference = await harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId: advanceId, day, amountMinor: 1n, reference: 'bad ref' }),
      );
      assert.equal(badReference.ok ? '' : badReference.code, 'reference_invalid');
      // A refill's payoff is named after the new facility: no one else may take its name first.
      const refillName = await harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId: advanceId, day, amountMinor: 1n, reference: 'refill.fac_next' }),
      );
      assert.equal(refillName.ok ? '' : refillName.code, 'reference_invalid');
    });

    it('pays an advance off early: paid off, receivables and deferred fee zero', async () => {
      const before = await books(advanceId);
      assert.ok(before.deferredFee > 0n, 'some of the fee is still deferred');
      const reference = 'payoff-with-a-reference-of-forty-chars.1';
      assert.equal(reference.length, 40);
      const paid = await harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId: advanceId, merchantId, day, payoff: true, reference }),
      );
      assert.ok(paid.ok, paid.ok ? '' : paid.detail);
      assert.deepEqual(paid.value.applied, { fees: 0n, interest: 0n, principal: before.principal });
      assert.equal(paid.value.status, 'paid_off');
      assert.equal(paid.value.outstandingMinor, 0n);
      assert.deepEqual(await books(advanceId), { fees: 0n, interest: 0n, principal: 0n, deferredFee: 0n });
      const { row, state } = await stateOf(advanceId);
      assert.equal(row?.status, 'paid_off');
      assert.equal(state.deferredFeeMinor, 0n);
      const replay = await harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId: advanceId, merchantId, day: day + 5, payoff: true, reference }),
      );
      assert.ok(replay.ok);
      assert.equal(replay.value.replayed, true);
      assert.equal(replay.value.status, 'paid_off');
      const more = await harness.store.write((tx) =>
        repayFacility(tx, app, {
          facilityId: advanceId,
          merchantId,
          day,
          amountMinor: 1n,
          reference: 'late',
        }),
      );
      assert.equal(more.ok ? '' : more.code, 'facility_not_serviced');
    });

    it('pays a term loan off with the interest accrued to the day', async () => {
      assert.notEqual(termLoanId, '', 'a term loan was offered and disbursed');
      // Forty-five days on, at 02:00, and no daily cycle run: the first instalment fell due and
      // was missed, its late fee due after the grace, all of it booked by the catch-up a repayment
      // makes first — and quoted by the facility's report the same way.
      const payoffDay = asOfDay + 45;
      (app.clock as ManualClock).set(BigInt(payoffDay) * 86_400_000_000_000n + 7_200_000_000_000n);
      const before = await books(termLoanId);
      assert.equal(before.interest, 0n, 'no instalment has been booked');
      const quote = await harness.store.read((tx) =>
        facilityReport(tx, {
          facilityId: termLoanId,
          scope: {},
          day: payoffDay,
          nowMs: app.clock.nowNs() / 1_000_000n,
          afterSequence: 0,
          limit: 1,
        }),
      );
      const quoted = quote?.balances?.payoffMinor;
      assert.ok(
        quoted !== undefined && quoted !== null && (quote?.balances?.fees ?? 0n) > 0n,
        'a late fee quoted',
      );
      const partial = await harness.store.write((tx) =>
        repayFacility(tx, app, {
          facilityId: termLoanId,
          merchantId,
          day: payoffDay,
          amountMinor: (quoted as bigint) + 1n,
          reference: 'tl-beyond',
        }),
      );
      assert.equal(partial.ok ? '' : partial.code, 'repayment_exceeds_balance', 'a cent more than the quote');
      const paid = await harness.store.write((tx) =>
        repayFacility(tx, app, {
          facilityId: termLoanId,
          merchantId,
          day: payoffDay,
          payoff: true,
          reference: 'tl-payoff',
        }),
      );
      assert.ok(paid.ok, paid.ok ? '' : paid.detail);
      assert.equal(paid.value.status, 'paid_off');
      assert.equal(paid.value.applied.principal, before.principal);
      assert.ok(paid.value.applied.interest > 0n, 'interest accrued');
      const { fees, interest, principal } = paid.value.applied;
      assert.equal(fees + interest + principal, quoted, 'the payoff takes what the report quoted');
      assert.deepEqual(await books(termLoanId), { fees: 0n, interest: 0n, principal: 0n, deferredFee: 0n });
    });
  });

  describe(`direct repayments in another component order on ${backend.name}`, { skip: backend.skip }, () => {
    let book: LendingBook | undefined;
    after(async () => book?.harness.dispose());

    it('cures what is overdue before anything else, principal first or not', async () => {
      book = await openLendingBook(backend, {
        topBand: { grade: 'D', maxPd: 0.4 },
        poolMinor: 1_000_000_000n,
      });
      const { harness, app } = book;
      const offers = await harness.store.write((tx) => makeOffers(tx, app, book?.decisionId ?? ''));
      assert.ok(offers.ok);
      const loan = offers.value.find((o) => o.product === 'term_loan');
      assert.ok(loan, 'a term loan is offered to grade D');
      const loanId = await disburse(book, loan);
      // Forty-five days on, the daily cycle run: the first instalment missed, its late fee charged.
      const payDay = asOfDay + 45;
      (app.clock as ManualClock).set(BigInt(payDay) * 86_400_000_000_000n + 3_600_000_000_000n);
      assert.ok((await runEndOfDay(app, payDay - 1)).ok);
      const serviced = () =>
        harness.store.read(async (tx) => servicedOf((await tx.financing.facility(loanId)) as FacilityRow));
      const before = await serviced();
      assert.ok(before !== null);
      const { overdue } = owedOf(before, payDay);
      assert.ok(
        overdue.fees > 0n && overdue.interest > 0n && overdue.principal > 0n,
        'an instalment overdue',
      );
      const changed = await harness.store.write((tx) =>
        updateSettings(
          tx,
          sweepSettings,
          app.clock.nowNs(),
          {
            componentOrder: ['principal', 'interest', 'fees'],
          },
          'test',
        ),
      );
      assert.ok(changed.ok);
      const repaid = await harness.store.write((tx) =>
        repayFacility(tx, app, {
          facilityId: loanId,
          merchantId: book?.merchantId ?? '',
          day: payDay,
          amountMinor: overdue.fees + overdue.interest + overdue.principal,
          reference: 'cure-overdue',
        }),
      );
      assert.ok(repaid.ok, repaid.ok ? '' : repaid.detail);
      // Not principal of instalments still to come, leaving the missed one's interest and fee unpaid.
      assert.deepEqual(repaid.value.applied, overdue);
      const after = await serviced();
      assert.ok(after !== null);
      assert.deepEqual(owedOf(after, payDay).overdue, { fees: 0n, interest: 0n, principal: 0n });
    });
  });
}
