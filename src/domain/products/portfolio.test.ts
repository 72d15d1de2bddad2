/**
 * The portfolio summary against a hand-worked book of five facilities in two currencies: sums,
 * yield from principal-days, PAR30, default and loss rates overall and by product and grade, offers
 * not yet disbursed left out of every figure, and nothing divided by zero; a default since repaid
 * still a default, an undrawn credit line in no figure, refills' payoffs and recoveries told apart.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { facilitySnapshot } from './portfolio.test-helper.ts';
import { type FacilitySnapshot, portfolioFigures, portfolioSummary } from './portfolio.ts';

const facility = facilitySnapshot;

const book: FacilitySnapshot[] = [
  // Paid off: 1,000.00 lent for 100 days on average, 120.00 of fee earned.
  facility('a', {
    status: 'paid_off',
    collectedMinor: 112_000n,
    feeIncomeMinor: 12_000n,
    principalDaysMinor: 10_000_000n,
  }),
  // Active, 45 days past due: 600.00 outstanding.
  facility('b', {
    status: 'delinquent',
    outstandingPrincipalMinor: 60_000n,
    outstandingTotalMinor: 66_000n,
    collectedMinor: 46_000n,
    feeIncomeMinor: 6_000n,
    principalDaysMinor: 8_000_000n,
    daysPastDue: 45,
  }),
  // A term loan, current, grade A: 2,000.00 lent, 1,500.00 outstanding.
  facility('c', {
    product: 'term_loan',
    grade: 'A',
    originatedMinor: 200_000n,
    outstandingPrincipalMinor: 150_000n,
    outstandingTotalMinor: 150_000n,
    collectedMinor: 60_000n,
    interestIncomeMinor: 10_000n,
    principalDaysMinor: 16_500_000n,
  }),
  // Written off: 800.00 of principal lost, 100.00 recovered.
  facility('d', {
    status: 'written_off',
    reachedDefault: true,
    writtenOffPrincipalMinor: 80_000n,
    recoveredMinor: 10_000n,
    collectedMinor: 30_000n,
    feeIncomeMinor: 2_000n,
    principalDaysMinor: 5_500_000n,
    daysPastDue: 180,
  }),
  // An offer accepted but not yet disbursed: in no figure.
  facility('e', { status: 'disbursing' }),
];

describe('portfolio summary', () => {
  it('adds up a book by hand', () => {
    const [usd] = portfolioSummary(book);
    assert.ok(usd);
    const t = usd.total;
    assert.equal(t.facilities, 4);
    assert.equal(t.originatedMinor, 500_000n);
    assert.equal(t.outstandingPrincipalMinor, 210_000n);
    assert.equal(t.collectedMinor, 248_000n);
    assert.equal(t.recoveredMinor, 10_000n);
    assert.equal(t.refinancedMinor, 0n);
    // (12,000 + 6,000 + 10,000 + 2,000) × 365 / 40,000,000 principal-days = 0.27375.
    assert.equal(t.annualisedYield, 0.27375);
    // 60,000 of 210,000 outstanding is more than 30 days past due.
    assert.equal(t.par30, 0.285714);
    assert.equal(t.defaultRateByCount, 0.25);
    assert.equal(t.defaultRateByAmount, 0.2);
    // (80,000 − 10,000) / 500,000.
    assert.equal(t.lossRate, 0.14);
    assert.deepEqual(t.byStatus, { paid_off: 1, delinquent: 1, active: 1, written_off: 1, disbursing: 1 });
  });

  it('breaks the book down by product and by grade', () => {
    const [usd] = portfolioSummary(book);
    assert.deepEqual(Object.keys(usd?.byProduct ?? {}), ['advance', 'term_loan']);
    assert.equal(usd?.byProduct['term_loan']?.par30, 0);
    assert.equal(usd?.byProduct['advance']?.originatedMinor, 300_000n);
    assert.deepEqual(Object.keys(usd?.byGrade ?? {}), ['A', 'B']);
    assert.equal(usd?.byGrade['A']?.lossRate, 0);
  });

  it('counts a default since repaid, leaves an undrawn line out, and tells refinancing apart', () => {
    const t = portfolioFigures([
      ...book,
      // Defaulted, then repaid in full: paid off, and a default all the same.
      facility('f', { status: 'paid_off', reachedDefault: true, collectedMinor: 110_000n }),
      // A credit line never drawn: it has lent nothing.
      facility('g', { product: 'credit_line', originatedMinor: 0n }),
      // A refill of 1,500.00 whose payout paid off 400.00 of the advance it replaced.
      facility('h', {
        originatedMinor: 150_000n,
        outstandingPrincipalMinor: 150_000n,
        refinancedMinor: 40_000n,
      }),
    ]);
    assert.equal(t.facilities, 6);
    // d and f of a, b, c, d, f, h.
    assert.equal(t.defaultRateByCount, 0.333333);
    // (100,000 + 100,000) / 750,000.
    assert.equal(t.defaultRateByAmount, 0.266667);
    assert.equal(t.originatedMinor, 750_000n);
    assert.equal(t.refinancedMinor, 40_000n);
    assert.equal(t.byStatus['active'], 3, 'the undrawn line is still counted by status');
  });

  it('keeps currencies apart and divides by nothing', () => {
    const summary = portfolioSummary([
      ...book,
      facility('eur', { currency: 'EUR', status: 'paid_off', principalDaysMinor: 0n }),
    ]);
    assert.deepEqual(
      summary.map((c) => c.currency),
      ['EUR', 'USD'],
    );
    assert.equal(summary[0]?.total.annualisedYield, null);
    assert.equal(summary[0]?.total.par30, null);
    const empty = portfolioFigures([]);
    assert.deepEqual([empty.facilities, empty.defaultRateByCount, empty.lossRate], [0, null, null]);
  });
});
