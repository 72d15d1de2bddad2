/**
 * A 12-month term loan of 10,000.00 at 12% through the ledger state machine, by hand: the schedule
 * is the shared amortization table to the cent; the first instalment's interest is booked on its
 * due date; unpaid, it is past due the next day and delinquent; one late fee after the grace;
 * paying what is overdue cures it; an early payoff costs the principal plus 14 days of interest
 * (4,240) and nothing more, and the schedule then shows the second instalment charged that and the
 * ten after it not needed; and the books end with every receivable at zero.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pmt } from '../../finance/excel.ts';
import { calendarDate, toDayNumber } from '../../time/calendar-date.ts';
import type { ServicingEvent } from '../advance/servicing.ts';
import { disbursedBooks } from '../books.test-helper.ts';
import { type FacilityBook, financierAccount } from '../postings.ts';
import { instalmentsAsJudged, instalmentsPaid, projectedInstalments } from './schedule-view.ts';
import {
  applyTermLoanPayment,
  disbursedTermLoan,
  type Instalment,
  payoffAmount,
  serviceTermLoanDay,
  type TermLoanFacility,
  termLoanOwed,
  termLoanSchedule,
} from './servicing.ts';

const book: FacilityBook = { financierId: 'fin_a', currency: 'USD', facilityId: 'fac_loan' };
const day = (text: string) => toDayNumber(calendarDate(text));
const vectors = JSON.parse(
  readFileSync(new URL('../../../../../shared/vectors/finance-math.json', import.meta.url), 'utf8'),
) as {
  amortization: { rows: [string, string, string, string][] };
};
const cents = (text: string) => BigInt(text.replace('.', ''));

/** 10,000.00 at 12% over 12 level monthly instalments, disbursed on 2026-01-15. */
const openedLoan = () =>
  disbursedTermLoan(
    book,
    'mer_1',
    {
      amountMinor: 1_000_000n,
      currency: 'USD',
      annualRateBps: 1_200,
      months: 12,
      amortization: 'level_payment',
      rounding: 'cent',
    },
    day('2026-01-15'),
  );

describe('a term loan, serviced', () => {
  const { ledger, post, receivables } = disbursedBooks(book, 1_000_000n);
  const matchesBooks = (f: TermLoanFacility) => assert.deepEqual(receivables(), f.owed);
  const opened = openedLoan();
  assert.ok(opened.ok);
  let loan = opened.value;

  it('schedules the shared amortization table to the cent, monthly from disbursement', () => {
    const rows = vectors.amortization.rows;
    assert.equal(loan.instalments.length, rows.length);
    for (const [index, [payment, interest, principal, balance]] of rows.entries()) {
      const row = loan.instalments[index];
      assert.deepEqual(
        [row?.paymentMinor, row?.interestMinor, row?.principalMinor, row?.balanceMinor],
        [cents(payment), cents(interest), cents(principal), cents(balance)],
        `period ${index + 1}`,
      );
    }
    assert.equal(loan.instalments[0]?.dueDay, day('2026-02-15'));
    assert.equal(loan.instalments[11]?.dueDay, day('2027-01-15'));
  });

  it('books the first instalment’s interest on its due date and asks for the instalment', () => {
    for (let d = day('2026-01-16'); d <= day('2026-02-15'); d += 1) {
      const step = serviceTermLoanDay(loan, d, `d${d}`);
      post(step.postings);
      loan = step.facility;
      if (d === day('2026-02-15'))
        assert.deepEqual(step.events, [
          {
            type: 'instalment_charged',
            period: 1,
            dueDay: d,
            interestMinor: 10_000n,
            toPayMinor: 88_849n,
            collectionsPaused: false,
          },
        ]);
      else assert.deepEqual(step.events, []);
    }
    assert.equal(loan.owed.interest, 10_000n);
    assert.equal(loan.status, 'active');
    const owed = termLoanOwed(loan, day('2026-02-15'));
    assert.deepEqual(owed.due, { fees: 0n, interest: 10_000n, principal: 78_849n });
    assert.deepEqual(owed.overdue, { fees: 0n, interest: 0n, principal: 0n });
    matchesBooks(loan);
  });

  it('is delinquent the day after, charged one late fee after the grace, and cured by paying', () => {
    const next = serviceTermLoanDay(loan, day('2026-02-16'), '2026-02-16');
    assert.equal(next.facility.status, 'delinquent');
    loan = next.facility;
    assert.deepEqual(termLoanOwed(loan, day('2026-02-16')).overdue, {
      fees: 0n,
      interest: 10_000n,
      principal: 78_849n,
    });
    for (let d = day('2026-02-17'); d <= day('2026-02-24'); d += 1) {
      const step = serviceTermLoanDay(loan, d, `d${d}`);
      post(step.postings);
      loan = step.facility;
    }
    assert.equal(loan.owed.fees, 2_500n, 'one late fee, on the 8th day past due');
    assert.equal(loan.daysPastDue, 9);
    const paid = applyTermLoanPayment(loan, day('2026-02-25'), '2026-02-25', 'pay_1', {
      fees: 2_500n,
      interest: 10_000n,
      principal: 78_849n,
    });
    post(paid.postings);
    const cured = serviceTermLoanDay(paid.facility, day('2026-02-25'), '2026-02-25');
    post(cured.postings);
    loan = cured.facility;
    assert.deepEqual([loan.status, loan.daysPastDue], ['active', 0]);
    matchesBooks(loan);
  });

  it('pays off early for the principal and the interest of the days run, and the books empty', () => {
    // 921,151 × 12% × 14 / 365 = 4,239.82…: 4,240.
    const payoff = payoffAmount(loan, day('2026-03-01'));
    assert.deepEqual(payoff, { fees: 0n, interest: 4_240n, principal: 921_151n });
    const paid = applyTermLoanPayment(loan, day('2026-03-01'), '2026-03-01', 'payoff', payoff);
    post(paid.postings);
    loan = paid.facility;
    assert.equal(loan.status, 'paid_off');
    matchesBooks(loan);
    assert.equal(ledger.creditBalance(financierAccount.interestIncome(book)), 14_240n);
    assert.equal(ledger.creditBalance(financierAccount.feeIncome(book)), 2_500n);
    assert.equal(ledger.verify(), null);
    // Its schedule as charged and paid: the second instalment charged the 14 days the payoff booked
    // and repaying the 9,211.51 left; the ten after it never needed.
    const rows = projectedInstalments(loan);
    assert.deepEqual(
      rows.slice(0, 3).map((i) => [i.interestMinor, i.principalMinor, i.balanceMinor]),
      [
        [10_000n, 78_849n, 921_151n],
        [4_240n, 921_151n, 0n],
        [0n, 0n, 0n],
      ],
    );
    assert.deepEqual(
      instalmentsAsJudged(loan, rows).map((r) => r.status),
      ['paid', 'paid', ...Array.from({ length: 10 }, () => 'not_needed')],
    );
    assert.deepEqual(serviceTermLoanDay(loan, day('2026-03-02'), '2026-03-02').postings, []);
  });

  it('charges the periods after a prepayment interest on what is left, and an unpaid loan no more than scheduled', () => {
    const prepaidBook: FacilityBook = { ...book, facilityId: 'fac_prepaid' };
    const books = disbursedBooks(prepaidBook, 1_000_000n);
    const fresh = openedLoan();
    assert.ok(fresh.ok);
    let prepaid: TermLoanFacility = { ...fresh.value, book: prepaidBook };
    let unpaid = fresh.value;
    /** Both loans through the days from `from` to `to`: the prepaid one's events. */
    const through = (to: string, from: number) => {
      const events: ServicingEvent[] = [];
      for (let d = from; d <= day(to); d += 1) {
        const step = serviceTermLoanDay(prepaid, d, `d${d}`);
        books.post(step.postings);
        prepaid = step.facility;
        events.push(...step.events);
        unpaid = serviceTermLoanDay(unpaid, d, `d${d}`).facility;
      }
      return events;
    };
    const pay = (text: string, applied: { interest: bigint; principal: bigint }) => {
      const step = applyTermLoanPayment(prepaid, day(text), text, `pay_${text}`, { fees: 0n, ...applied });
      books.post(step.postings);
      prepaid = step.facility;
    };
    through('2026-02-15', day('2026-01-16'));
    pay('2026-02-15', { interest: 10_000n, principal: 78_849n });
    // 5,000.00 of principal ahead, within the second period: it counts from the next due date.
    pay('2026-02-20', { interest: 0n, principal: 500_000n });
    through('2026-03-15', day('2026-02-16'));
    // The second period began at 9,211.51, as scheduled: 1% of it, 92.1151 → 92.12.
    assert.equal(prepaid.instalments[1]?.interestMinor, cents(vectors.amortization.rows[1]?.[1] ?? ''));
    assert.equal(prepaid.owed.interest, 9_212n);
    // Charged after the principal paid ahead, it leaves 4,211.51, not the schedule's 8,415.14: its
    // principal was paid already, so nothing of the balance goes with it.
    assert.equal(projectedInstalments(prepaid)[1]?.balanceMinor, 421_151n);
    assert.deepEqual(termLoanOwed(prepaid, day('2026-03-15')).due, {
      fees: 0n,
      interest: 9_212n,
      principal: 0n,
    });
    // The April instalment will be charged on 4,211.51, and so will each after it until the
    // schedule's balance is below that: the eighth period's 4,312.20 is not (42.12, not 43.12), the
    // ninth's 3,466.83 is (34.67, as scheduled).
    const projected = projectedInstalments(prepaid);
    assert.deepEqual(
      projected.slice(1, 4).map((i) => i.interestMinor),
      [9_212n, 4_212n, 4_212n],
    );
    assert.deepEqual(
      [projected[7]?.interestMinor, projected[8]?.interestMinor],
      [4_212n, cents(vectors.amortization.rows[8]?.[1] ?? '')],
    );
    // What is left after each instalment not yet charged, paid as asked: 4,211.51 until the
    // schedule's balance falls below it (after the eighth instalment, 3,466.83), then the schedule's.
    assert.deepEqual(
      projected.slice(2, 7).map((i) => i.balanceMinor),
      [421_151n, 421_151n, 421_151n, 421_151n, 421_151n],
    );
    assert.ok((prepaid.instalments[6]?.balanceMinor ?? 0n) > 421_151n, 'the schedule said more');
    assert.equal(projected[7]?.balanceMinor, 346_683n);
    assert.deepEqual(
      projected.slice(7).map((i) => i.balanceMinor),
      prepaid.instalments.slice(7).map((i) => i.balanceMinor),
    );
    assert.deepEqual(projectedInstalments(unpaid), unpaid.instalments, 'without a prepayment, the schedule');
    pay('2026-03-15', { interest: 9_212n, principal: 0n });
    const charged = through('2026-04-15', day('2026-03-16')).filter((e) => e.type === 'instalment_charged');
    // Its principal was paid ahead: only the interest is still to pay.
    assert.deepEqual(charged, [
      {
        type: 'instalment_charged',
        period: 3,
        dueDay: day('2026-04-15'),
        interestMinor: 4_212n,
        toPayMinor: 4_212n,
        collectionsPaused: false,
      },
    ]);
    // The third began at 4,211.51, not the schedule's 8,415.14 (84.15): 1% of it, 42.1151 → 42.12.
    const third = prepaid.instalments[2];
    assert.ok(third !== undefined);
    assert.ok(cents(vectors.amortization.rows[2]?.[1] ?? '') > 8_000n, 'the schedule said more');
    assert.deepEqual([third.interestMinor, third.paymentMinor], [4_212n, third.principalMinor + 4_212n]);
    assert.deepEqual(
      projectedInstalments(prepaid).slice(0, 3),
      prepaid.instalments.slice(0, 3),
      'as projected',
    );
    assert.equal(prepaid.owed.interest, 4_212n);
    assert.deepEqual(books.receivables(), prepaid.owed, 'the books say the same');
    assert.equal(books.ledger.creditBalance(financierAccount.interestIncome(prepaidBook)), 23_424n);
    // Never paid, the loan owes the schedule's interest, no more: arrears are charged late fees.
    assert.equal(
      unpaid.owed.interest,
      [0, 1, 2].reduce((sum, k) => sum + cents(vectors.amortization.rows[k]?.[1] ?? ''), 0n),
    );
  });

  it('charges the instalment falling due on a payoff that day, before the daily cycle books it', () => {
    const fresh = openedLoan();
    assert.ok(fresh.ok);
    // Due 2026-02-15, not yet booked by the daily cycle: the instalment's interest as scheduled,
    // 1% of 10,000.00 = 100.00; a day later, a day of the next period accrues beside it on what
    // that period is charged on — the schedule's 9,211.51, the instalment's principal being overdue,
    // not charged interest — 12% for 1 day, ACT/365F = 3.028… → 3.03.
    assert.deepEqual(payoffAmount(fresh.value, day('2026-02-15')), {
      fees: 0n,
      interest: 10_000n,
      principal: 1_000_000n,
    });
    assert.deepEqual(payoffAmount(fresh.value, day('2026-02-16')), {
      fees: 0n,
      interest: 10_303n,
      principal: 1_000_000n,
    });
  });

  /** The loan served by the daily cycle from the day after its payout through `to`. */
  const servedThrough = (loan: TermLoanFacility, to: string) => {
    let served = loan;
    for (let d = day('2026-01-16'); d <= day(to); d += 1)
      served = serviceTermLoanDay(served, d, `d${d}`).facility;
    return served;
  };
  /** `principal` paid on `date`, all of it taken as principal (no interest is booked before a due date). */
  const paidAhead = (loan: TermLoanFacility, date: string, principal: bigint) =>
    applyTermLoanPayment(loan, day(date), date, `pay_${date}`, { fees: 0n, interest: 0n, principal })
      .facility;

  it('counts an instalment paid a few days early as paid: not late, no late fee', () => {
    const fresh = openedLoan();
    assert.ok(fresh.ok);
    // The first instalment, 888.49, paid on 2026-02-10: all of it principal, no interest being
    // booked before its due date on 02-15, when 100.00 is. In all, what was due is paid.
    const loan = servedThrough(paidAhead(fresh.value, '2026-02-10', 88_849n), '2026-03-05');
    assert.deepEqual([loan.status, loan.daysPastDue, loan.owed.fees], ['active', 0, 0n]);
    assert.equal(loan.owed.interest, 10_000n, 'its interest is still owed');
    assert.equal(termLoanOwed(loan, day('2026-03-05')).oldestDueDay, null);
    // Shown as the arrears judge it: the first instalment paid, not partly paid with its
    // principal spilling into the second's.
    assert.deepEqual(instalmentsPaid(loan).slice(0, 3), ['paid', 'unpaid', 'unpaid']);
    const partly = paidAhead(fresh.value, '2026-02-10', 50_000n);
    assert.deepEqual(instalmentsPaid(partly).slice(0, 2), ['partly_paid', 'unpaid']);
    // Paid ahead by more than an instalment: the next one is covered too, as far as it goes.
    const ahead = paidAhead(fresh.value, '2026-02-10', 88_849n + 90_000n);
    assert.deepEqual(instalmentsPaid(ahead).slice(0, 3), ['paid', 'paid', 'partly_paid']);
    // Each row shown so, its paid interest and principal agreeing with its status: 1,788.49 over
    // the first instalment (888.49) and the second — to be charged 1% of the 8,211.51 left after
    // the 900.00 ahead, 82.12, so 878.49 — then 21.51 of the third's interest.
    assert.deepEqual(
      instalmentsAsJudged(ahead, projectedInstalments(ahead))
        .slice(0, 3)
        .map((r) => [r.interest, r.principal, r.status]),
      [
        [10_000n, 78_849n, 'paid'],
        [8_212n, 79_637n, 'paid'],
        [2_151n, 0n, 'partly_paid'],
      ],
    );
    assert.deepEqual(
      instalmentsAsJudged(loan, projectedInstalments(loan))
        .slice(0, 2)
        .map((r) => r.status),
      ['paid', 'unpaid'],
    );
  });

  it('accrues a payoff on what the period is charged on: a prepayment does not take its interest away', () => {
    const fresh = openedLoan();
    assert.ok(fresh.ok);
    // 9,999.99 paid on 2026-01-29, all of it principal (no interest is booked yet): a payoff then
    // still owes the 14 days run on the 10,000.00 the period began with, 12% × 14 / 365 = 46.03
    // (it was 0.00 on the 0.01 left, and the period's interest never charged).
    const prepaid = paidAhead(fresh.value, '2026-01-29', 999_999n);
    assert.deepEqual(payoffAmount(prepaid, day('2026-01-29')), { fees: 0n, interest: 4_603n, principal: 1n });
    // Never more than the period's interest, and never more a day before its due date than on it:
    // with the first instalment unpaid, the second period accrues on the schedule's 9,211.51.
    const unpaid = servedThrough(fresh.value, '2026-03-14');
    const before = payoffAmount(unpaid, day('2026-03-14'));
    const on = payoffAmount(unpaid, day('2026-03-15'));
    assert.ok(before.interest <= on.interest, `${before.interest} before, ${on.interest} on the due date`);
    // 100.00 booked, and 27 days of 12% on 9,211.51: 81.77 (below the period's 92.12).
    assert.equal(before.interest - unpaid.owed.interest, 8_177n);
  });

  it("pays Excel's PMT rounded to the cent, whatever the term, the last payment clearing the balance", () => {
    // 10,000.00 at 12%: PMT(1%, 6, 10000) = 1,725.4837…, PMT(1%, 24, 10000) = 470.7347…
    for (const [months, payment] of [
      [6, 172_548n],
      [12, 88_849n],
      [24, 47_073n],
    ] as const) {
      const scheduled = termLoanSchedule(
        {
          amountMinor: 1_000_000n,
          currency: 'USD',
          annualRateBps: 1_200,
          months,
          amortization: 'level_payment',
          rounding: 'cent',
        },
        day('2026-01-15'),
      );
      assert.ok(scheduled.ok);
      const rows = scheduled.value;
      assert.equal(BigInt(Math.round(-pmt({ rate: 0.01, nper: months, pv: 10_000 }) * 100)), payment);
      assert.deepEqual(new Set(rows.slice(0, -1).map((r) => r.paymentMinor)), new Set([payment]));
      assert.equal(
        rows.reduce((t, r) => t + r.principalMinor, 0n),
        1_000_000n,
      );
      assert.equal(rows.at(-1)?.balanceMinor, 0n);
    }
    // A loan (or offer) made before keeps the rounding it was disclosed with: PMT rounded up.
    const before = termLoanSchedule(
      {
        amountMinor: 1_000_000n,
        currency: 'USD',
        annualRateBps: 1_200,
        months: 6,
        amortization: 'level_payment',
      },
      day('2026-01-15'),
    );
    assert.ok(before.ok);
    assert.equal(before.value[0]?.paymentMinor, 172_549n);
  });

  it('pays off after its last instalment for what it owes: no period runs past maturity', () => {
    // Every instalment paid on its due date but the last, missed; twenty days later.
    const fresh = openedLoan();
    assert.ok(fresh.ok);
    let unpaid = fresh.value;
    const last = unpaid.instalments.at(-1) as Instalment;
    for (let d = day('2026-01-16'); d <= last.dueDay + 20; d += 1) {
      if (d < last.dueDay && unpaid.instalments.some((i) => i.dueDay === d))
        unpaid = applyTermLoanPayment(unpaid, d, `d${d}`, `pay_${d}`, termLoanOwed(unpaid, d).due).facility;
      unpaid = serviceTermLoanDay(unpaid, d, `d${d}`).facility;
    }
    assert.equal(unpaid.status, 'delinquent');
    assert.equal(unpaid.instalmentsBooked, unpaid.instalments.length);
    const [payment, interest, principal] = vectors.amortization.rows.at(-1) ?? [];
    assert.deepEqual(
      [unpaid.owed.interest, unpaid.owed.principal],
      [cents(interest ?? ''), cents(principal ?? '')],
    );
    assert.ok(cents(payment ?? '') > 0n);
    // The last instalment's interest, as scheduled, and no more: nothing accrues past maturity.
    assert.deepEqual(payoffAmount(unpaid, last.dueDay + 20), unpaid.owed);
    assert.deepEqual(payoffAmount(unpaid, last.dueDay + 1), unpaid.owed);
  });

  it('pays an instalment on its due date as interest and principal, before the daily cycle books it', () => {
    const fresh = openedLoan();
    assert.ok(fresh.ok);
    const loan = fresh.value;
    const first = loan.instalments[0] as Instalment;
    const due = first.dueDay;
    const owed = termLoanOwed(loan, due);
    assert.deepEqual(owed.due, { fees: 0n, interest: first.interestMinor, principal: first.principalMinor });
    const paid = applyTermLoanPayment(loan, due, '2026-02-15', 'pay_due', {
      fees: 0n,
      interest: first.interestMinor,
      principal: first.principalMinor,
    });
    assert.equal(paid.facility.instalmentsBooked, 1);
    assert.deepEqual(paid.facility.owed, {
      fees: 0n,
      interest: 0n,
      principal: 1_000_000n - first.principalMinor,
    });
    assert.deepEqual(
      paid.events.map((e) => e.type),
      ['instalment_charged'],
    );
    // The daily cycle that night books nothing again, finds nothing past due, and opens the next
    // period on the balance after the payment.
    const night = serviceTermLoanDay(paid.facility, due, '2026-02-15');
    assert.deepEqual(night.postings, []);
    assert.equal(night.facility.daysPastDue, 0);
    assert.equal(night.facility.principalAtPeriodStart, 1_000_000n - first.principalMinor);
  });
});
