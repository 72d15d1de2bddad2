/**
 * A term loan paid off early, as its facility view shows it — the schedule a lender's statement
 * would print, agreeing with the ledger. 419,000 over 6 months at 28.38%, level payment, disbursed
 * on 2026-07-15 and served by the daily cycle every day: the first instalment paid on its due date,
 * 100,000 paid ahead on day 45, the loan paid off on day 100, 8 days into its fourth period. The
 * payoff is the principal 253,183, the second and third instalments' interest (8,353 and 5,988) and
 * 8 days on the 216,843 the fourth period is charged on, 216,843 × 28.38% × 8 / 365 = 1,348.8… →
 * 1,349: 268,873. Its schedule then shows the three instalments as charged, the fourth charged the
 * 1,349 the payoff booked and repaying the rest of the principal down to 0, and the fifth and sixth
 * not needed — nothing charged, nothing paid. Paid interest over the rows is the interest income
 * (9,909 + 8,353 + 5,988 + 1,349 = 25,599) in the facility's tally and the ledger; paid principal
 * is the 419,000 lent. (It showed the fourth instalment's whole 5,128 of interest as paid, and the
 * fifth and sixth paid at a balance of 0: 3,779 of interest never charged.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { lendingAsOfDay, openLendingBook } from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { financierAccount } from '../../domain/products/postings.ts';
import type { AppContext } from '../app-context.ts';
import { runEndOfDay } from './eod.ts';
import { acceptOffer, confirmDisbursement, makeOffers } from './origination.ts';
import { repayFacility } from './repayments.ts';
import { facilityReport } from './reports.ts';
import { servicedOf } from './serviced.ts';

const day0 = lendingAsOfDay;
const dayNs = 86_400_000_000_000n;

for (const backend of backendsUnderTest) {
  describe(`a term loan paid off early, its schedule, on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let facilityId = '';
    let served = day0;

    /** The daily cycle run for every day through `to`, each at the midnight after it. */
    const eodThrough = async (to: number) => {
      for (; served <= to; served += 1) {
        (app.clock as ManualClock).set(BigInt(served + 1) * dayNs);
        const run = await runEndOfDay(app, served);
        assert.ok(run.ok);
      }
    };
    /** Paid at noon of its day, the days before it served. */
    const repay = async (
      input: { day: number; reference: string } & ({ amountMinor: bigint } | { payoff: true }),
    ) => {
      await eodThrough(input.day - 1);
      (app.clock as ManualClock).set(BigInt(input.day) * dayNs + dayNs / 2n);
      const paid = await harness.store.write((tx) => repayFacility(tx, app, { ...input, facilityId }));
      assert.ok(paid.ok, paid.ok ? '' : paid.detail);
      return paid.value;
    };
    const report = (day: number) =>
      harness.store.read((tx) =>
        facilityReport(tx, { facilityId, scope: {}, day, afterSequence: 0, limit: 10 }),
      );

    before(async () => {
      const book = await openLendingBook(backend, {
        topBand: { grade: 'C', maxPd: 0.4 },
        poolMinor: 1_000_000_000n,
      });
      ({ harness, app } = book);
      const made = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(made.ok);
      const offer = made.value.find((o) => o.product === 'term_loan');
      assert.ok(offer, 'a term loan is offered');
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: offer.id, merchantId: book.merchantId, day: day0 }),
      );
      assert.ok(accepted.ok);
      facilityId = accepted.value.facility.id;
      const confirmed = await harness.store.write((tx) =>
        confirmDisbursement(tx, app, { facilityId, day: day0 }),
      );
      assert.ok(confirmed.ok);
    });
    after(async () => harness?.dispose());

    it('is the loan the figures are worked for: 419,000 over 6 months at 28.38%', async () => {
      const row = await harness.store.read((tx) => tx.financing.facility(facilityId));
      assert.ok(row);
      const loan = servicedOf(row);
      assert.ok(loan?.product === 'term_loan');
      assert.deepEqual(loan.state.terms, {
        amountMinor: 419_000n,
        currency: 'USD',
        annualRateBps: 2_838,
        months: 6,
        amortization: 'level_payment',
        rounding: 'cent',
      });
    });

    it('pays off for the principal, the interest booked and 8 days accrued: 268,873', async () => {
      await repay({ day: day0 + 31, reference: 'inst-1', amountMinor: 75_726n });
      await repay({ day: day0 + 45, reference: 'ahead', amountMinor: 100_000n });
      await eodThrough(day0 + 99);
      const quoted = await report(day0 + 100);
      assert.equal(quoted?.balances?.payoffMinor, 268_873n);
      const payoff = await repay({ day: day0 + 100, reference: 'payoff', payoff: true });
      assert.equal(payoff.status, 'paid_off');
      assert.deepEqual(payoff.applied, { fees: 0n, interest: 8_353n + 5_988n + 1_349n, principal: 253_183n });
      await eodThrough(day0 + 105);
    });

    it('shows the schedule as charged and paid, the payoff period as the payoff booked it', async () => {
      const view = await report(day0 + 105);
      assert.ok(view?.schedule?.kind === 'instalments');
      const rows = view.schedule.instalments;
      assert.deepEqual(
        rows.map((r) => [
          r.period,
          r.interestMinor,
          r.principalMinor,
          r.balanceMinor,
          r.paidInterestMinor,
          r.paidPrincipalMinor,
          r.status,
        ]),
        [
          [1, 9_909n, 65_817n, 353_183n, 9_909n, 65_817n, 'paid'],
          // Its principal paid ahead by the 100,000: the balance after it is what was owed.
          [2, 8_353n, 67_373n, 253_183n, 8_353n, 67_373n, 'paid'],
          [3, 5_988n, 68_967n, 216_843n, 5_988n, 68_967n, 'paid'],
          // The payoff's period: 8 days of interest, and the principal left, down to 0.
          [4, 1_349n, 216_843n, 0n, 1_349n, 216_843n, 'paid'],
          [5, 0n, 0n, 0n, 0n, 0n, 'not_needed'],
          [6, 0n, 0n, 0n, 0n, 0n, 'not_needed'],
        ],
      );
      assert.deepEqual(
        rows.map((r) => r.paymentMinor),
        rows.map((r) => r.interestMinor + r.principalMinor),
      );
      const row = await harness.store.read((tx) => tx.financing.facility(facilityId));
      assert.ok(row);
      const loan = servicedOf(row);
      assert.ok(loan);
      const book = { financierId: 'fin_pool', currency: 'USD' };
      const accounts = await harness.store.read((tx) =>
        tx.ledger.accountsByIds([financierAccount.interestIncome(book)]),
      );
      const income = accounts.get(financierAccount.interestIncome(book));
      // The only facility of the pool: its interest income is the facility's.
      const ledgerInterest = (income?.creditsPosted ?? 0n) - (income?.debitsPosted ?? 0n);
      const paidInterest = rows.reduce((t, r) => t + r.paidInterestMinor, 0n);
      assert.equal(paidInterest, 25_599n);
      assert.equal(paidInterest, loan.tally.interestIncomeMinor);
      assert.equal(paidInterest, ledgerInterest);
      assert.equal(
        rows.reduce((t, r) => t + r.paidPrincipalMinor, 0n),
        loan.tally.originatedMinor,
      );
      assert.ok(
        rows.every(
          (r, i) => r.balanceMinor >= 0n && (i === 0 || r.balanceMinor <= (rows[i - 1]?.balanceMinor ?? 0n)),
        ),
        'the balance never rises, nor falls below 0',
      );
    });
  });
}
