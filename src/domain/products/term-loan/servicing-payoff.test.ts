/**
 * A term loan's schedule once it stops running, as a lender's statement shows it, checked against
 * its books. Paid off early — mid-period, on a due date, the day after disbursement, in default,
 * level payment or equal principal — the instalments before the payoff's period are as charged and
 * paid; that period is charged the interest the payoff booked and repays the principal left, down
 * to 0; the instalments after it are `not_needed`, charged and paid nothing. So the interest paid
 * over the rows is the interest income, the principal paid is what was lent, and the balance never
 * rises nor falls below 0 — for a loan paid off before the payoff's day was kept, too. Written off,
 * the instalments never charged show no interest. The worked loan: 419,000 at 28.38% over 6 months,
 * the first instalment paid on its due date, 100,000 paid ahead on day 45, paid off on day 100 for
 * 253,183 of principal, 8,353 + 5,988 of interest booked and 8 days accrued on the 216,843 the
 * fourth period is charged on, 216,843 × 28.38% × 8 / 365 = 1,348.8… → 1,349.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minBigint } from '../../money/bigint-min.ts';
import { calendarDate, toDayNumber } from '../../time/calendar-date.ts';
import { disbursedBooks } from '../books.test-helper.ts';
import { type FacilityBook, financierAccount } from '../postings.ts';
import type { Amounts } from '../waterfall.ts';
import { instalmentsAsJudged, instalmentsPaid, projectedInstalments } from './schedule-view.ts';
import {
  applyTermLoanPayment,
  chargeDue,
  disbursedTermLoan,
  payoffAmount,
  serviceTermLoanDay,
  type TermLoanFacility,
  type TermLoanTerms,
} from './servicing.ts';

const book: FacilityBook = { financierId: 'fin_a', currency: 'USD', facilityId: 'fac_loan' };
const day0 = toDayNumber(calendarDate('2026-07-15'));

const terms = (overrides: Partial<TermLoanTerms> = {}): TermLoanTerms => ({
  amountMinor: 419_000n,
  currency: 'USD',
  annualRateBps: 2_838,
  months: 6,
  amortization: 'level_payment',
  rounding: 'cent',
  ...overrides,
});

/** A payment on day0 + `day`: an amount taken fees, interest, principal, or a payoff. */
type Payment = { readonly day: number } & ({ readonly amountMinor: bigint } | { readonly payoff: true });

/**
 * The loan served by the daily cycle every day from its payout through day0 + `throughDay`, each
 * payment made during its day (before that day's cycle), its books posted and checked.
 */
function served(loanTerms: TermLoanTerms, payments: readonly Payment[], throughDay: number) {
  const { ledger, post, receivables } = disbursedBooks(book, loanTerms.amountMinor);
  const opened = disbursedTermLoan(book, 'mer_1', loanTerms, day0);
  assert.ok(opened.ok);
  let loan = opened.value;
  for (let d = day0 + 1; d <= day0 + throughDay; d += 1) {
    for (const payment of payments.filter((p) => day0 + p.day === d)) {
      const applied = 'payoff' in payment ? payoffAmount(loan, d) : taken(loan, d, payment.amountMinor);
      const step = applyTermLoanPayment(loan, d, `d${d}`, `pay_${d}`, applied);
      post(step.postings);
      loan = step.facility;
    }
    const step = serviceTermLoanDay(loan, d, `d${d}`);
    post(step.postings);
    loan = step.facility;
    assert.deepEqual(receivables(), loan.owed, `the books agree on day ${d - day0}`);
  }
  const income = ledger.account(financierAccount.interestIncome(book));
  // Charged is every interest booked; income, less what a write-off took back.
  return {
    loan,
    interestCharged: income.creditsPosted,
    interestIncome: income.creditsPosted - income.debitsPosted,
  };
}

/** `amountMinor` taken from what is booked as owed on `day`: fees, then interest, then principal. */
function taken(loan: TermLoanFacility, day: number, amountMinor: bigint): Amounts {
  const owed = chargeDue(loan, day).facility.owed;
  const fees = minBigint(amountMinor, owed.fees);
  const interest = minBigint(amountMinor - fees, owed.interest);
  const principal = amountMinor - fees - interest;
  assert.ok(principal <= owed.principal, 'not more than is owed');
  return { fees, interest, principal };
}

/** The rows the facility view shows: [interest, principal, balance, paid interest, paid principal, status]. */
function statement(loan: TermLoanFacility) {
  const rows = projectedInstalments(loan);
  const judged = instalmentsAsJudged(loan, rows);
  return rows.map((row, index) => {
    const paid = judged[index];
    assert.ok(paid);
    assert.equal(row.paymentMinor, row.interestMinor + row.principalMinor, `period ${row.period} adds up`);
    return [
      row.interestMinor,
      row.principalMinor,
      row.balanceMinor,
      paid.interest,
      paid.principal,
      paid.status,
    ];
  });
}

/**
 * What a loan's schedule must agree with: its books — interest charged and paid, and for a loan paid
 * off, principal lent — and a balance never rising nor falling below 0.
 */
function assertAgreesWithBooks(
  loan: TermLoanFacility,
  books: { interestCharged: bigint; interestIncome: bigint },
) {
  const { interestCharged, interestIncome } = books;
  const rows = projectedInstalments(loan);
  const judged = instalmentsAsJudged(loan, rows);
  assert.equal(
    judged.reduce((t, r) => t + r.interest, 0n),
    interestIncome,
    'the interest paid over the rows is the interest income',
  );
  assert.equal(
    rows.reduce((t, r) => t + r.interestMinor, 0n),
    interestCharged,
    'no row shows interest never charged',
  );
  if (loan.status === 'paid_off')
    assert.equal(
      judged.reduce((t, r) => t + r.principal, 0n),
      loan.terms.amountMinor,
      'the principal paid over the rows is what was lent',
    );
  for (const [index, row] of rows.entries()) {
    assert.ok(row.balanceMinor >= 0n, `period ${row.period}: not below 0`);
    if (index > 0)
      assert.ok(row.balanceMinor <= (rows[index - 1]?.balanceMinor ?? 0n), `period ${row.period}: no rise`);
  }
  assert.deepEqual(
    instalmentsPaid(loan),
    judged.map((r) => r.status),
    'judged the same way row by row',
  );
}

/** The loan as stored before the payoff's day and interest were kept. */
const storedBefore = (loan: TermLoanFacility): TermLoanFacility => {
  const { paidOff: _kept, ...before } = loan;
  return before;
};

describe('a term loan paid off early, its schedule as charged and paid', () => {
  const worked: Payment[] = [
    { day: 31, amountMinor: 75_726n },
    { day: 45, amountMinor: 100_000n },
    { day: 100, payoff: true },
  ];

  it('shows the payoff’s period charged the 8 days it booked, and the instalments after it not needed', () => {
    const { loan, ...books } = served(terms(), worked, 110);
    assert.equal(loan.status, 'paid_off');
    assert.deepEqual(loan.paidOff, { day: day0 + 100, accruedInterestMinor: 1_349n });
    assert.equal(books.interestIncome, 9_909n + 8_353n + 5_988n + 1_349n);
    assert.deepEqual(statement(loan), [
      [9_909n, 65_817n, 353_183n, 9_909n, 65_817n, 'paid'],
      [8_353n, 67_373n, 253_183n, 8_353n, 67_373n, 'paid'],
      [5_988n, 68_967n, 216_843n, 5_988n, 68_967n, 'paid'],
      [1_349n, 216_843n, 0n, 1_349n, 216_843n, 'paid'],
      [0n, 0n, 0n, 0n, 0n, 'not_needed'],
      [0n, 0n, 0n, 0n, 0n, 'not_needed'],
    ]);
    assertAgreesWithBooks(loan, books);
  });

  it('reads a loan paid off before the payoff was kept the same way', () => {
    const { loan, ...books } = served(terms(), worked, 110);
    const before = storedBefore(loan);
    assert.deepEqual(statement(before), statement(loan));
    assertAgreesWithBooks(before, books);
  });

  it('closes on the instalment a payoff falls on, the daily cycle not yet having booked it', () => {
    // The first instalment paid on its date; paid off on the second's (day 62): that instalment's
    // interest, 2.365% of 353,183 = 8,352.78… → 8,353, and no day of the next period.
    const { loan, ...books } = served(
      terms(),
      [
        { day: 31, amountMinor: 75_726n },
        { day: 62, payoff: true },
      ],
      70,
    );
    assert.deepEqual(loan.paidOff, { day: day0 + 62, accruedInterestMinor: 0n });
    assert.deepEqual(statement(loan), [
      [9_909n, 65_817n, 353_183n, 9_909n, 65_817n, 'paid'],
      [8_353n, 353_183n, 0n, 8_353n, 353_183n, 'paid'],
      [0n, 0n, 0n, 0n, 0n, 'not_needed'],
      [0n, 0n, 0n, 0n, 0n, 'not_needed'],
      [0n, 0n, 0n, 0n, 0n, 'not_needed'],
      [0n, 0n, 0n, 0n, 0n, 'not_needed'],
    ]);
    assertAgreesWithBooks(loan, books);
    assert.deepEqual(statement(storedBefore(loan)), statement(loan));
  });

  it('charges a payoff the day after the payout one day, the first instalment all of the principal', () => {
    // 419,000 × 28.38% × 1 / 365 = 325.79… → 326.
    const { loan, ...books } = served(terms(), [{ day: 1, payoff: true }], 5);
    assert.equal(books.interestIncome, 326n);
    assert.deepEqual(statement(loan), [
      [326n, 419_000n, 0n, 326n, 419_000n, 'paid'],
      ...Array.from({ length: 5 }, () => [0n, 0n, 0n, 0n, 0n, 'not_needed']),
    ]);
    assertAgreesWithBooks(loan, books);
    assert.deepEqual(statement(storedBefore(loan)), statement(loan));
  });

  it('shows an equal-principal loan paid off mid-period the same way', () => {
    // 69,834 of principal a month for two months, 69,833 for four; the first instalment 9,909 +
    // 69,834 paid on its date; paid off 10 days into the second period on the 349,166 it began
    // with: 349,166 × 28.38% × 10 / 365 = 2,714.88… → 2,715.
    const { loan, ...books } = served(
      terms({ amortization: 'equal_principal' }),
      [
        { day: 31, amountMinor: 9_909n + 69_834n },
        { day: 41, payoff: true },
      ],
      50,
    );
    assert.equal(loan.instalments[0]?.principalMinor, 69_834n);
    assert.equal(books.interestIncome, 9_909n + 2_715n);
    assert.deepEqual(statement(loan).slice(0, 3), [
      [9_909n, 69_834n, 349_166n, 9_909n, 69_834n, 'paid'],
      [2_715n, 349_166n, 0n, 2_715n, 349_166n, 'paid'],
      [0n, 0n, 0n, 0n, 0n, 'not_needed'],
    ]);
    assertAgreesWithBooks(loan, books);
  });

  it('shows a loan paid off in default: its arrears charged as they were, the running period accrued', () => {
    // Never paid: in default 90 days past the first due date (day 121), paid off on day 130 — four
    // instalments charged, 9 days of the fifth period accrued, the sixth not needed.
    assert.equal(served(terms(), [], 129).loan.status, 'defaulted');
    const { loan, ...books } = served(terms(), [{ day: 130, payoff: true }], 135);
    assert.equal(loan.status, 'paid_off');
    assert.equal(loan.instalmentsBooked, 4);
    const rows = statement(loan);
    assert.deepEqual(
      rows.map((r) => r[5]),
      ['paid', 'paid', 'paid', 'paid', 'paid', 'not_needed'],
    );
    assert.equal(rows[4]?.[0], loan.paidOff?.accruedInterestMinor);
    assert.ok((loan.paidOff?.accruedInterestMinor ?? 0n) > 0n);
    assertAgreesWithBooks(loan, books);
  });
});

describe('a term loan written off, or prepaid in part, its schedule', () => {
  it('shows the instalments a written-off loan was never charged with no interest', () => {
    // 12 months, never paid: written off 180 days past the first due date (day 211), with six
    // instalments charged and six never to be.
    const { loan, ...books } = served(terms({ months: 12 }), [], 240);
    assert.equal(loan.status, 'written_off');
    assert.equal(loan.instalmentsBooked, 6);
    const rows = projectedInstalments(loan);
    assert.deepEqual(
      rows.slice(6).map((r) => r.interestMinor),
      [0n, 0n, 0n, 0n, 0n, 0n],
    );
    assert.deepEqual(
      instalmentsAsJudged(loan, rows).map((r) => r.status),
      Array.from({ length: 12 }, () => 'unpaid'),
    );
    assertAgreesWithBooks(loan, books);
  });

  it('keeps projecting a loan prepaid in part, its balance never rising', () => {
    const { loan } = served(
      terms(),
      [
        { day: 31, amountMinor: 75_726n },
        { day: 45, amountMinor: 100_000n },
      ],
      70,
    );
    assert.equal(loan.status, 'active');
    const rows = projectedInstalments(loan);
    for (const [index, row] of rows.entries()) {
      assert.ok(row.balanceMinor >= 0n);
      if (index > 0) assert.ok(row.balanceMinor <= (rows[index - 1]?.balanceMinor ?? 0n));
    }
    assert.equal(rows.at(-1)?.balanceMinor, 0n);
    assert.ok(instalmentsAsJudged(loan, rows).every((r) => r.status !== 'not_needed'));
  });
});
