/**
 * The portfolio summary as text a person reads in a terminal: one table per currency, a row per
 * product, per risk grade and per financier under the total, money in the currency's own minor
 * unit with thousands separators, rates as percentages. Pure: numbers in, lines out.
 */

import type { CurrencyReport } from '../app/financing/reports.ts';
import { exponentOf, isCurrencyCode } from '../domain/money/currency.ts';
import type { PortfolioFigures } from '../domain/products/portfolio.ts';

/** 123456789n USD → '1,234,567.89'; a currency without a minor unit has no decimals. */
export function formatAmount(amountMinor: bigint, currency: string): string {
  const exponent = isCurrencyCode(currency) ? exponentOf(currency) : 2;
  const negative = amountMinor < 0n;
  const digits = (negative ? -amountMinor : amountMinor).toString().padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fraction = exponent === 0 ? '' : `.${digits.slice(digits.length - exponent)}`;
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** 0.12345 → '12.35%'; null (nothing to divide by) → '—'. */
export function formatRate(value: number | null): string {
  return value === null ? '—' : `${(value * 100).toFixed(2)}%`;
}

const headers = [
  '',
  'facilities',
  'originated',
  'outstanding',
  'collected',
  'fee income',
  'interest',
  'yield',
  'PAR30',
  'default',
  'loss',
];

function figuresRow(label: string, figures: PortfolioFigures, currency: string): string[] {
  return [
    label,
    figures.facilities.toLocaleString('en-US'),
    formatAmount(figures.originatedMinor, currency),
    formatAmount(figures.outstandingPrincipalMinor, currency),
    formatAmount(figures.collectedMinor, currency),
    formatAmount(figures.feeIncomeMinor, currency),
    formatAmount(figures.interestIncomeMinor, currency),
    formatRate(figures.annualisedYield),
    formatRate(figures.par30),
    formatRate(figures.defaultRateByCount),
    formatRate(figures.lossRate),
  ];
}

/** Columns padded to their widest cell: the first left-aligned, numbers right-aligned. */
export function alignColumns(rows: readonly (readonly string[])[], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  return rows.map(
    (row) =>
      indent +
      row
        .map((cell, index) =>
          index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0),
        )
        .join('  ')
        .trimEnd(),
  );
}

/**
 * The facilities disbursed by status (they add up to the count before them); credit lines never
 * drawn, counted in `byStatus` but lent nothing, said apart.
 */
function statusLine(figures: PortfolioFigures): string {
  const order = ['active', 'delinquent', 'defaulted', 'written_off', 'paid_off'];
  const parts = Object.entries(figures.lentByStatus)
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([status, count]) => `${count.toLocaleString('en-US')} ${status.replace('_', ' ')}`);
  const undrawn = figures.undrawnLines;
  return (
    parts.join(', ') +
    (undrawn === 0
      ? ''
      : ` (besides ${undrawn.toLocaleString('en-US')} credit line${undrawn === 1 ? '' : 's'} never drawn)`)
  );
}

/** Principal outstanding by days past due: 'current 120 (150,000.00), 1-30 10 (9,000.00), …'. */
function bucketsLine(report: CurrencyReport): string {
  return Object.entries(report.byDelinquencyBucket)
    .map(
      ([bucket, figures]) =>
        `${bucket} ${figures.facilities.toLocaleString('en-US')} (${formatAmount(figures.outstandingPrincipalMinor, report.currency)})`,
    )
    .join(', ');
}

/** One currency's book: total, by product, by grade and by financier, and where the facilities stand. */
export function portfolioTable(
  portfolio: CurrencyReport,
  byFinancier: ReadonlyMap<string, PortfolioFigures>,
): string[] {
  const { currency, total } = portfolio;
  const rows: string[][] = [headers, figuresRow('total', total, currency)];
  const group = (title: string, entries: [string, PortfolioFigures][]) => {
    rows.push([title]);
    for (const [name, figures] of entries) rows.push(figuresRow(`  ${name}`, figures, currency));
  };
  group('by product', Object.entries(portfolio.byProduct));
  group('by grade', Object.entries(portfolio.byGrade));
  group('by financier', [...byFinancier.entries()]);
  return [
    `${currency}: ${total.facilities.toLocaleString('en-US')} facilities disbursed — ${statusLine(total)}; ` +
      `default rate by amount ${formatRate(total.defaultRateByAmount)}; refinanced by refills ${formatAmount(total.refinancedMinor, currency)}`,
    `  principal outstanding by days past due: ${bucketsLine(portfolio)}`,
    ...alignColumns(rows),
  ];
}

export const portfolioLegend = [
  'originated: principal lent; outstanding: principal still owed; collected: all money repaid (fees, interest, principal);',
  "both gross of refinancing (a refill's payout paying off the advance it replaces, told apart on each currency's line);",
  'yield: fee and interest income × 365 ÷ principal-days lent; PAR30: principal more than 30 days past due ÷ principal',
  'outstanding; default: facilities that ever defaulted (written off or since repaid included) ÷ facilities that lent;',
  'loss: principal written off, less recoveries, ÷ principal originated.',
];
