/**
 * The 12-month term loan of 10,000.00 at 12% (first instalment 100.00 of interest and 788.49 of
 * principal, due 2026-02-15) through pauses of collections, by hand, with its books:
 *
 * - paused 2026-02-10 to 2026-02-24 (15 days), the first instalment's interest is still booked on
 *   its date but the sweep is asked for nothing; the schedule runs 15 days late, so the instalment
 *   falls due on 2026-03-02, is past due on 2026-03-03 and charged the late fee on 2026-03-10;
 * - paused 2026-02-21 to 2026-03-02 while 5 days past due, it stays 5 days past due and delinquent,
 *   without the late fee due on 2026-02-23; it is 8 days past due on 2026-03-05 and charged then;
 *   the second instalment's interest is booked on 2026-03-15 and collected from 2026-03-25.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calendarDate, toDayNumber } from '../../time/calendar-date.ts';
import type { ServicingEvent } from '../advance/servicing.ts';
import { disbursedBooks } from '../books.test-helper.ts';
import { pauseCollections } from '../collections-pause.ts';
import type { FacilityBook } from '../postings.ts';
import { settlementWaterfall } from '../waterfall.ts';
import { disbursedTermLoan, serviceTermLoanDay, type TermLoanFacility, termLoanOwed } from './servicing.ts';

const book: FacilityBook = { financierId: 'fin_a', currency: 'USD', facilityId: 'fac_loan' };
const day = (text: string) => toDayNumber(calendarDate(text));
const none = { fees: 0n, interest: 0n, principal: 0n };

function openedLoan(pauseFrom: string, pauseUntil: string): TermLoanFacility {
  const opened = disbursedTermLoan(
    book,
    'mer_1',
    {
      amountMinor: 1_000_000n,
      currency: 'USD',
      annualRateBps: 1_200,
      months: 12,
      amortization: 'level_payment',
    },
    day('2026-01-15'),
  );
  assert.ok(opened.ok);
  const paused = pauseCollections(opened.value, {
    fromDay: day(pauseFrom),
    untilDay: day(pauseUntil),
    reason: 'platform dispute',
  });
  assert.ok(paused.ok);
  return paused.value;
}

/** The loan and its books, served day by day, the books checked against the loan each day. */
function servedLoan(pauseFrom: string, pauseUntil: string) {
  const { post, receivables } = disbursedBooks(book, 1_000_000n);
  let loan = openedLoan(pauseFrom, pauseUntil);
  const events: (ServicingEvent & { day: number })[] = [];
  const serve = (from: string, to: string) => {
    for (let d = day(from); d <= day(to); d += 1) {
      const step = serviceTermLoanDay(loan, d, `d${d}`);
      post(step.postings);
      loan = step.facility;
      events.push(...step.events.map((event) => ({ ...event, day: d })));
      assert.deepEqual(receivables(), loan.owed);
    }
    return loan;
  };
  return { serve, events };
}

describe('a term loan paused over its first due date', () => {
  const { serve, events } = servedLoan('2026-02-10', '2026-02-24');

  it('books the interest on its date but asks the sweep for nothing while paused', () => {
    const loan = serve('2026-01-16', '2026-02-15');
    assert.equal(loan.owed.interest, 10_000n);
    const owed = termLoanOwed(loan, day('2026-02-15'));
    assert.deepEqual([owed.overdue, owed.due, owed.notYetDue], [none, none, none]);
    const split = settlementWaterfall({
      settlementNetMinor: 500_000n,
      dailyCapBps: 3_000,
      settledEarlierTodayMinor: 0n,
      deductedEarlierTodayMinor: 0n,
      facilities: [owed],
    });
    assert.ok(split.ok);
    assert.equal(split.value.totalDeductedMinor, 0n);
    assert.deepEqual(
      events.filter((e) => e.type === 'collections_paused').map((e) => e.day),
      [day('2026-02-10')],
    );
    // Charged on its date, asked for once collections resume: on 2026-03-02, 15 days late.
    assert.deepEqual(
      events.filter((e) => e.type === 'instalment_charged'),
      [
        {
          type: 'instalment_charged',
          period: 1,
          dueDay: day('2026-03-02'),
          interestMinor: 10_000n,
          toPayMinor: 88_849n,
          collectionsPaused: true,
          day: day('2026-02-15'),
        },
      ],
    );
  });

  it('asks for the instalment 15 days late, on 2026-03-02, and is active until then', () => {
    const loan = serve('2026-02-16', '2026-03-02');
    assert.deepEqual([loan.status, loan.daysPastDue], ['active', 0]);
    assert.deepEqual(
      events.filter((e) => e.type === 'collections_resumed').map((e) => e.day),
      [day('2026-02-25')],
    );
    // 2026-03-01 is 45 days after disbursement, 30 of them collected: 2026-02-14 on the schedule.
    assert.deepEqual(termLoanOwed(loan, day('2026-03-01')).due, none);
    assert.deepEqual(termLoanOwed(loan, day('2026-03-01')).notYetDue, {
      fees: 0n,
      interest: 10_000n,
      principal: 1_000_000n,
    });
    assert.deepEqual(termLoanOwed(loan, day('2026-03-02')).due, {
      fees: 0n,
      interest: 10_000n,
      principal: 78_849n,
    });
  });

  it('is past due on 2026-03-03 and charged the late fee on 2026-03-10', () => {
    const loan = serve('2026-03-03', '2026-03-10');
    assert.deepEqual([loan.status, loan.daysPastDue, loan.owed.fees], ['delinquent', 8, 2_500n]);
    assert.deepEqual(
      events.filter((e) => e.type === 'status_changed' || e.type === 'late_fee_charged'),
      [
        { type: 'status_changed', from: 'active', to: 'delinquent', day: day('2026-03-03') },
        // Told as the day it was asked for, not the schedule's 2026-02-15.
        { type: 'late_fee_charged', amountMinor: 2_500n, dueDay: day('2026-03-02'), day: day('2026-03-10') },
      ],
    );
  });
});

describe('a term loan paused while past due', () => {
  const { serve, events } = servedLoan('2026-02-21', '2026-03-02');

  it('stays 5 days past due and delinquent, without a late fee, while paused', () => {
    const eve = serve('2026-01-16', '2026-02-20');
    assert.deepEqual([eve.status, eve.daysPastDue], ['delinquent', 5]);
    const loan = serve('2026-02-21', '2026-03-02');
    assert.deepEqual([loan.status, loan.daysPastDue, loan.owed.fees], ['delinquent', 5, 0n]);
  });

  it('counts on when collecting again: 8 days past due and the late fee on 2026-03-05', () => {
    const loan = serve('2026-03-03', '2026-03-05');
    assert.deepEqual([loan.daysPastDue, loan.owed.fees], [8, 2_500n]);
    assert.deepEqual(
      events.filter((e) => e.type === 'late_fee_charged').map((e) => e.day),
      [day('2026-03-05')],
    );
  });

  it('books the second instalment’s interest on 2026-03-15 and asks for it from 2026-03-25', () => {
    const loan = serve('2026-03-06', '2026-03-25');
    // 921,151 × 1% = 9,211.51: 9,212 of interest, and 88,849 − 9,212 = 79,637 of principal.
    assert.equal(loan.owed.interest, 10_000n + 9_212n);
    assert.deepEqual(termLoanOwed(loan, day('2026-03-24')).due, none);
    assert.deepEqual(termLoanOwed(loan, day('2026-03-25')).due, {
      fees: 0n,
      interest: 9_212n,
      principal: 79_637n,
    });
    assert.deepEqual(termLoanOwed(loan, day('2026-03-25')).overdue, {
      fees: 2_500n,
      interest: 10_000n,
      principal: 78_849n,
    });
    assert.equal(loan.daysPastDue, 28, '5 before the pause, 23 after it');
    // Told as due the day it is asked for, as the facility's schedule shows it: not 2026-03-15.
    assert.deepEqual(
      events.filter((e) => e.type === 'instalment_charged').map((e) => [e.day, 'dueDay' in e && e.dueDay]),
      [
        [day('2026-02-15'), day('2026-02-15')],
        [day('2026-03-15'), day('2026-03-25')],
      ],
    );
  });
});
