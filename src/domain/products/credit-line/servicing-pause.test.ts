/**
 * The credit line of the servicing story (3,000.00 drawn at 18.25%: 1.50 a day; a statement every
 * 30 days asking for the interest of its 30 days plus 5% of the principal, due 15 days later) through pauses of
 * collections, by hand, with its books:
 *
 * - paused on days 40–49, the statement of day 30 (195.00, due day 45) is not asked for while
 *   paused and its window counts only collected days (9 before the pause, 6 after), so it is past
 *   due on day 56, not 46; interest still accrues every day; the late fee comes on day 63;
 * - paused on days 51–64 while 5 days past due, it stays 5 days past due without the late fee due
 *   on day 53; the statement issued on day 60, inside the pause, is past due on day 80, not 76.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServicingEvent } from '../advance/servicing.ts';
import { disbursedBooks } from '../books.test-helper.ts';
import { pauseCollections } from '../collections-pause.ts';
import type { FacilityBook } from '../postings.ts';
import { draw, emptyBalance } from './credit-line.ts';
import {
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
const none = { fees: 0n, interest: 0n, principal: 0n };

/** The line and its books, paused on days `fromDay`–`untilDay`, served with its books checked daily. */
function servedLine(fromDay: number, untilDay: number) {
  const { post, receivables } = disbursedBooks(book, 300_000n);
  const drawn = draw(terms, emptyBalance, 300_000n);
  assert.ok(drawn.ok);
  const paused = pauseCollections(openedCreditLine(book, 'mer_1', terms, drawn.value, 0), {
    fromDay,
    untilDay,
    reason: 'hardship',
  });
  assert.ok(paused.ok);
  let line: CreditLineFacility = paused.value;
  const events: (ServicingEvent & { day: number })[] = [];
  const serve = (from: number, to: number) => {
    for (let day = from; day <= to; day += 1) {
      const step = serviceCreditLineDay(line, day, `d${day}`);
      post(step.postings);
      line = step.facility;
      events.push(...step.events.map((event) => ({ ...event, day })));
      assert.deepEqual(receivables(), {
        principal: line.balance.principalMinor,
        interest: line.balance.interestMinor,
        fees: line.balance.feesMinor,
      });
    }
    return line;
  };
  return { serve, events };
}

describe('a credit line paused inside a statement’s payment window', () => {
  const { serve, events } = servedLine(40, 49);

  it('accrues interest but asks the sweep for nothing while paused', () => {
    const line = serve(1, 49);
    assert.equal(line.balance.interestMinor, 49n * 150n);
    const owed = creditLineOwed(line, 45);
    assert.deepEqual([owed.overdue, owed.due, owed.notYetDue], [none, none, none]);
    assert.equal(owed.holdbackRateBps, null);
    assert.equal(creditLineOwed(line, 50).holdbackRateBps, 1_000, 'swept again once resumed');
    assert.deepEqual(
      events.filter((e) => e.type.startsWith('collections_')).map((e) => [e.type, e.day]),
      [['collections_paused', 40]],
    );
  });

  it('is past due on day 56, when 16 collected days have run since the statement', () => {
    const before = serve(50, 55);
    assert.deepEqual([before.status, before.daysPastDue], ['active', 0]);
    assert.deepEqual(creditLineOwed(before, 55).overdue, none);
    const line = serve(56, 56);
    assert.deepEqual([line.status, line.daysPastDue], ['delinquent', 1]);
    assert.deepEqual(creditLineOwed(line, 56).overdue, { fees: 0n, interest: 8_400n, principal: 11_100n });
  });

  it('charges the late fee on day 63, 8 days past due', () => {
    const line = serve(57, 63);
    assert.deepEqual([line.daysPastDue, line.balance.feesMinor], [8, 2_500n]);
    assert.deepEqual(
      events.filter((e) => e.type === 'late_fee_charged'),
      // Told as the day it fell due (its window moved 10 paused days on from day 45): day 55.
      [{ type: 'late_fee_charged', amountMinor: 2_500n, dueDay: 55, day: 63 }],
    );
    assert.deepEqual(
      events.filter((e) => e.type === 'collections_resumed').map((e) => e.day),
      [50],
    );
    // The pause known when the statement of day 30 was issued moved its due day then: day 55,
    // not 45; the one of day 60, after the pause, is due 15 days later.
    assert.deepEqual(
      events.filter((e) => e.type === 'statement_issued').map((e) => [e.day, 'dueDay' in e && e.dueDay]),
      [
        [30, 55],
        [60, 75],
      ],
    );
  });
});

describe('a credit line paused while past due', () => {
  const { serve, events } = servedLine(51, 64);

  it('stays 5 days past due and delinquent, without a late fee, while paused', () => {
    const eve = serve(1, 50);
    assert.deepEqual([eve.status, eve.daysPastDue], ['delinquent', 5]);
    const line = serve(51, 64);
    assert.deepEqual([line.status, line.daysPastDue, line.balance.feesMinor], ['delinquent', 5, 0n]);
    // The statement of day 60: the 4,500 of interest of its own 30 days (the first 30 days' is
    // asked by the statement of day 30, still unpaid) and 5% of 300,000, due day 75.
    assert.deepEqual(line.unpaidStatements[1], { day: 60, dueDay: 75, minimumMinor: 19_500n });
  });

  it('charges the late fee on day 67, 8 days past due', () => {
    const line = serve(65, 67);
    assert.deepEqual([line.daysPastDue, line.balance.feesMinor], [8, 2_500n]);
    assert.deepEqual(
      events.filter((e) => e.type === 'late_fee_charged').map((e) => e.day),
      [67],
    );
  });

  it('asks for the statement issued while paused from day 80, 15 collected days after the pause', () => {
    const before = serve(68, 79);
    // Day 79: the first statement's 19,500 overdue — the late fee, 79 days of interest, then principal.
    assert.deepEqual(creditLineOwed(before, 79).overdue, {
      fees: 2_500n,
      interest: 11_850n,
      principal: 5_150n,
    });
    const line = serve(80, 80);
    // Day 80: both statements, 19,500 + 19,500.
    assert.deepEqual(creditLineOwed(line, 80).overdue, {
      fees: 2_500n,
      interest: 12_000n,
      principal: 24_500n,
    });
    assert.equal(line.daysPastDue, 21, 'the first statement: 50 days since, 14 paused, 15 allowed');
    // Each statement told as due the day it is asked for, as the facility's schedule shows it.
    assert.deepEqual(
      events.filter((e) => e.type === 'statement_issued').map((e) => [e.day, 'dueDay' in e && e.dueDay]),
      [
        [30, 45],
        [60, 79],
      ],
    );
  });
});
