/**
 * A credit line of 5,000.00 with 3,000.00 drawn at 18.25% (exactly 1.50 a day), through the ledger
 * state machine, by hand: a month's interest of 45.00 booked day by day; a statement on day 30
 * asking for the interest plus 5% of the principal (195.00), due on day 45 and until then collected
 * only at the sweep rate; once past due a sweep takes it first, before its holdback; unpaid, the line is delinquent on day 46 and charged one late fee
 * after the grace; paying cures it; and the line's receivables equal its balance every day. Unpaid,
 * each later statement asks for its own period's interest and fees, not again for those an earlier
 * one asks; paid up, only what is still owed of its period.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { disbursedBooks } from '../books.test-helper.ts';
import type { FacilityBook } from '../postings.ts';
import { settlementWaterfall } from '../waterfall.ts';
import { draw, emptyBalance } from './credit-line.ts';
import {
  applyCreditLinePayment,
  type CreditLineFacility,
  creditLineOwed,
  openedCreditLine,
  serviceCreditLineDay,
} from './servicing.ts';

const book: FacilityBook = { financierId: 'fin_a', currency: 'USD', facilityId: 'fac_line' };
const terms = {
  limitMinor: 500_000n,
  currency: 'USD',
  annualRateBps: 1_825,
  dayCount: 'act_365f' as const,
  sweepRateBps: 1_000,
  statementDays: 30,
  minimumPrincipalShareBps: 500,
  paymentDueDays: 15,
};

describe('a credit line, serviced', () => {
  const { post, receivables } = disbursedBooks(book, 300_000n);
  const matchesBooks = (f: CreditLineFacility) =>
    assert.deepEqual(receivables(), {
      principal: f.balance.principalMinor,
      interest: f.balance.interestMinor,
      fees: f.balance.feesMinor,
    });
  const drawn = draw(terms, emptyBalance, 300_000n);
  assert.ok(drawn.ok);
  let line = openedCreditLine(book, 'mer_1', terms, drawn.value, 0);
  const serve = (from: number, to: number) => {
    for (let day = from; day <= to; day += 1) {
      const step = serviceCreditLineDay(line, day, `d${day}`);
      post(step.postings);
      line = step.facility;
      matchesBooks(line);
    }
  };

  it('books 1.50 a day and states a minimum of interest plus 5% of principal on day 30', () => {
    serve(1, 30);
    assert.equal(line.balance.interestMinor, 4_500n);
    assert.deepEqual(line.unpaidStatements, [{ day: 30, dueDay: 45, minimumMinor: 19_500n }]);
    // Before its due date the minimum is collected only at the sweep rate, like the rest.
    const owed = creditLineOwed(line, 31);
    assert.deepEqual(owed.due, { fees: 0n, interest: 0n, principal: 0n });
    assert.deepEqual(owed.overdue, { fees: 0n, interest: 0n, principal: 0n });
    assert.deepEqual(owed.notYetDue, { fees: 0n, interest: 4_500n, principal: 300_000n });
    assert.equal(owed.holdbackRateBps, 1_000);
  });

  it('sweeps the minimum first once it is past due, then the holdback', () => {
    serve(31, 45);
    const split = settlementWaterfall({
      settlementNetMinor: 300_000n,
      dailyCapBps: 3_000,
      settledEarlierTodayMinor: 0n,
      deductedEarlierTodayMinor: 0n,
      facilities: [creditLineOwed(line, 46)],
    });
    assert.ok(split.ok);
    const [deduction] = split.value.deductions;
    // The stated minimum of 19,500 is past due; by day 46 the line owes 45 days of interest
    // (6,750), so the overdue amount is that interest and 12,750 of principal. The holdback — 10%
    // of 300,000 — takes what it has left of its 30,000 share from the principal not yet due.
    assert.deepEqual(deduction?.overdue, { fees: 0n, interest: 6_750n, principal: 12_750n });
    assert.deepEqual(deduction?.early, { fees: 0n, interest: 0n, principal: 10_500n });
    assert.equal(deduction?.total, 30_000n, 'the holdback share of 300,000 covers the overdue amount');
  });

  it('is delinquent the day after the due date, charged one late fee after the grace, and cured by paying', () => {
    serve(46, 46);
    assert.equal(line.status, 'delinquent');
    serve(47, 54);
    assert.equal(line.balance.feesMinor, 2_500n, 'one late fee, on the 8th day past due');
    assert.equal(line.daysPastDue, 9);
    const owed = creditLineOwed(line, 55);
    const pay = {
      fees: owed.overdue.fees,
      interest: owed.overdue.interest,
      principal: owed.overdue.principal,
    };
    const paid = applyCreditLinePayment(line, 'pay_1', pay);
    post(paid.postings);
    line = paid.facility;
    assert.deepEqual(line.unpaidStatements, []);
    serve(55, 55);
    assert.deepEqual([line.status, line.daysPastDue], ['active', 0]);
  });
});

describe('a defaulted credit line repaid in full', () => {
  /** 3,000.00 drawn and nothing paid, served day by day until it defaults, its books kept. */
  const defaultedLine = () => {
    const books = disbursedBooks(book, 300_000n);
    const drawn = draw(terms, emptyBalance, 300_000n);
    assert.ok(drawn.ok);
    let line = openedCreditLine(book, 'mer_1', terms, drawn.value, 0);
    for (let day = 1; day <= 140 && line.status !== 'defaulted'; day += 1) {
      const step = serviceCreditLineDay(line, day, `d${day}`);
      books.post(step.postings);
      line = step.facility;
    }
    assert.equal(line.status, 'defaulted');
    return { ...books, line };
  };

  it('is closed paid off, not left defaulted with nothing owed', () => {
    const { post, receivables, line } = defaultedLine();
    const { balance } = line;
    const paid = applyCreditLinePayment(line, 'pay_all', {
      fees: balance.feesMinor,
      interest: balance.interestMinor,
      principal: balance.principalMinor,
    });
    post(paid.postings);
    assert.equal(paid.facility.status, 'paid_off');
    assert.deepEqual(paid.events, [{ type: 'status_changed', from: 'defaulted', to: 'paid_off' }]);
    assert.deepEqual(receivables(), { principal: 0n, interest: 0n, fees: 0n });
    // Closed: the daily cycle has nothing more to do with it.
    const after = serviceCreditLineDay(paid.facility, 141, 'd141');
    assert.deepEqual([after.postings, after.events], [[], []]);
  });

  it('stays defaulted while anything is owed', () => {
    const { line } = defaultedLine();
    const partly = applyCreditLinePayment(line, 'pay_some', { fees: 0n, interest: 0n, principal: 1n });
    assert.equal(partly.facility.status, 'defaulted');
    assert.deepEqual(partly.events, []);
  });
});

describe("a credit line's statements, unpaid", () => {
  // 3,000.00 drawn at 18.25%: 1.50 a day; a statement every 30 days, 5% of principal, due 15 later.
  const drawn = draw(terms, emptyBalance, 300_000n);
  assert.ok(drawn.ok);
  const served = (line: CreditLineFacility, from: number, to: number) => {
    let current = line;
    for (let day = from; day <= to; day += 1)
      current = serviceCreditLineDay(current, day, `d${day}`).facility;
    return current;
  };
  const opened = openedCreditLine(book, 'mer_1', terms, drawn.value, 0);

  it('says when it issues a statement: the minimum and its due day', () => {
    const eve = served(opened, 1, 29);
    assert.deepEqual(
      serviceCreditLineDay(eve, 30, 'd30').events.filter((e) => e.type === 'statement_issued'),
      [{ type: 'statement_issued', minimumMinor: 19_500n, dueDay: 45 }],
    );
    assert.deepEqual(serviceCreditLineDay(eve, 29, 'd29').events, [], 'no statement between');
  });

  it('asks each period for its own interest and fees, not again for those an unpaid statement asks', () => {
    const line = served(opened, 1, 60);
    // Day 30: 30 days' interest (4,500) + 15,000. Day 60: its own 30 days (4,500) and the late fee
    // charged on day 53 (2,500) + 15,000 — not the first period's 4,500 again.
    assert.deepEqual(
      line.unpaidStatements.map((s) => [s.day, s.minimumMinor]),
      [
        [30, 19_500n],
        [60, 22_000n],
      ],
    );
  });

  it('asks only for what is still owed of its period once the earlier ones are paid', () => {
    let line = served(opened, 1, 75);
    // Day 75: both minimums paid (41,500): the fee, all the interest (75 days, 11,250), then 27,750
    // of principal.
    const paid = applyCreditLinePayment(line, 'pay', {
      fees: 2_500n,
      interest: line.balance.interestMinor,
      principal: 41_500n - 2_500n - line.balance.interestMinor,
    });
    assert.deepEqual(paid.facility.unpaidStatements, []);
    line = served(paid.facility, 76, 90);
    // Day 90: of its period's interest only the 15 days since the payment are owed — 272,250 at
    // 18.25% is 136.125 a day, 2,041.875 in 15 days, 2,041 booked — and 5% of the principal left
    // (13,612.5, rounded up to 13,613); not the period's 30 days of interest.
    assert.equal(line.balance.principalMinor, 272_250n);
    assert.equal(line.balance.interestMinor, 2_041n);
    assert.deepEqual(
      line.unpaidStatements.map((s) => [s.day, s.minimumMinor]),
      [[90, 2_041n + 13_613n]],
    );
  });

  it('asks a line stored before periods were kept, once, for what its unpaid statements do not', () => {
    const { chargedSinceStatementMinor: _, ...stored } = opened;
    const first = served(stored, 1, 30);
    assert.deepEqual(
      first.unpaidStatements.map((s) => s.minimumMinor),
      [19_500n],
      'none unpaid: all',
    );
    assert.equal(first.chargedSinceStatementMinor, 0n, 'kept from that statement on');
    // Stored between its statements of day 30 (unpaid, 19,500) and day 60: of the 9,000 of interest
    // and the 2,500 late fee owed on day 60, 19,500 is asked already — none is asked again.
    const { chargedSinceStatementMinor: __, ...between } = served(opened, 1, 59);
    const line = served(between, 60, 60);
    assert.deepEqual(
      line.unpaidStatements.map((s) => [s.day, s.minimumMinor]),
      [
        [30, 19_500n],
        [60, 15_000n],
      ],
    );
  });
});

describe('a credit line paid off', () => {
  it('drops the fraction of a cent carried, so the next draw is charged only for its own days', () => {
    // 1,010.00 at 18.25% is 0.505 a day: after 7 days 3.53 is booked and half a cent carried.
    const opened = draw(terms, emptyBalance, 101_000n);
    assert.ok(opened.ok);
    let line = openedCreditLine(book, 'mer_1', terms, opened.value, 0);
    for (let day = 1; day <= 7; day += 1) line = serviceCreditLineDay(line, day, `d${day}`).facility;
    assert.equal(line.balance.interestMinor, 353n);
    assert.ok(line.balance.accrualCarry > 0n, 'half a cent is carried while the line is drawn');
    const paid = applyCreditLinePayment(line, 'pay', { fees: 0n, interest: 353n, principal: 101_000n });
    assert.equal(paid.facility.balance.accrualCarry, 0n);
    // Drawn again, its first day is 0.505, booked 0.50: with the half cent carried from before the
    // payoff it would have been 0.51.
    const again = draw(terms, paid.facility.balance, 101_000n);
    assert.ok(again.ok);
    const next = serviceCreditLineDay({ ...paid.facility, balance: again.value }, 8, 'd8');
    assert.equal(next.facility.balance.interestMinor, 50n);
  });
});
