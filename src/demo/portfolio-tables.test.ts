/**
 * The demo's tables: money in the currency's own minor unit with thousands separators (never
 * through a float), rates as percentages, and columns that line up.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { facilitySnapshot } from '../domain/products/portfolio.test-helper.ts';
import { type FacilitySnapshot, portfolioFigures } from '../domain/products/portfolio.ts';
import { alignColumns, formatAmount, formatRate, portfolioTable } from './portfolio-tables.ts';

describe('demo portfolio tables', () => {
  it('formats amounts with the currency minor unit', () => {
    assert.equal(formatAmount(123_456_789n, 'USD'), '1,234,567.89');
    assert.equal(formatAmount(5n, 'EUR'), '0.05');
    assert.equal(formatAmount(0n, 'GBP'), '0.00');
    assert.equal(formatAmount(-100_000n, 'USD'), '-1,000.00');
    assert.equal(formatAmount(1_234_567n, 'JPY'), '1,234,567');
    assert.equal(formatAmount(1_234_567n, 'BHD'), '1,234.567');
    assert.equal(formatAmount(9_007_199_254_740_993_00n, 'USD'), '9,007,199,254,740,993.00');
  });

  it('formats rates as percentages, and nothing to divide by as a dash', () => {
    assert.equal(formatRate(0.123456), '12.35%');
    assert.equal(formatRate(0), '0.00%');
    assert.equal(formatRate(null), '—');
  });

  it('lines up columns: labels left, figures right', () => {
    assert.deepEqual(
      alignColumns([
        ['', 'n', 'amount'],
        ['total', '12', '1,000.00'],
        ['  advance', '3', '5.00'],
      ]),
      ['              n    amount', '  total      12  1,000.00', '    advance   3      5.00'],
    );
  });

  it('has a row for the total, each product, grade and financier', () => {
    const figures = portfolioFigures([]);
    const bucket = { facilities: 0, outstandingPrincipalMinor: 0n };
    const lines = portfolioTable(
      {
        currency: 'USD',
        total: figures,
        byProduct: { advance: figures },
        byGrade: { A: figures },
        byDelinquencyBucket: {
          current: { facilities: 2, outstandingPrincipalMinor: 150_000n },
          '1-30': bucket,
          '31-60': bucket,
          '61-90': bucket,
          '90+': bucket,
        },
        unservicedByStatus: {},
      },
      new Map([['fin_a', figures]]),
    );
    assert.match(lines[0] ?? '', /^USD: 0 facilities disbursed/);
    assert.match(lines[1] ?? '', /by days past due: current 2 \(1,500\.00\), 1-30 0 \(0\.00\)/);
    for (const label of ['total', 'by product', 'advance', 'by grade', 'A', 'by financier', 'fin_a'])
      assert.ok(
        lines.some((line) => line.trim().split(/\s{2,}/)[0] === label),
        `a ${label} row`,
      );
  });

  it('breaks the facilities disbursed down by status, a credit line never drawn said apart', () => {
    const snapshot = (id: string, change: Partial<FacilitySnapshot>) =>
      facilitySnapshot(id, { product: 'credit_line', grade: 'A', ...change });
    const figures = portfolioFigures([
      snapshot('drawn', { outstandingPrincipalMinor: 100_000n }),
      snapshot('undrawn', { originatedMinor: 0n }),
      snapshot('repaid', { product: 'advance', status: 'paid_off' }),
    ]);
    const bucket = { facilities: 0, outstandingPrincipalMinor: 0n };
    const [first] = portfolioTable(
      {
        currency: 'USD',
        total: figures,
        byProduct: {},
        byGrade: {},
        byDelinquencyBucket: {
          current: { facilities: 1, outstandingPrincipalMinor: 100_000n },
          '1-30': bucket,
          '31-60': bucket,
          '61-90': bucket,
          '90+': bucket,
        },
        unservicedByStatus: {},
      },
      new Map(),
    );
    // Two lent: the drawn line and the advance. The undrawn line lent nothing: it is not one of them.
    assert.match(
      first ?? '',
      /^USD: 2 facilities disbursed — 1 active, 1 paid off \(besides 1 credit line never drawn\);/,
    );
  });
});
