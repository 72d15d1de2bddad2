/**
 * `capstan report portfolio` and `capstan report statement`: the reports the API answers (GET
 * /v1/portfolio/summary, GET /v1/merchants/{id}/statement), read from the database by an operator at
 * the shell — the portfolio as the demo prints it (a table per currency: total, by product, by
 * grade, by financier) or as the API's JSON; a merchant's statement as the API's CSV or JSON. Read
 * only: a mistyped --data-dir is said, not made into an empty database.
 */
import type { AppContext } from '../app/app-context.ts';
import {
  merchantStatement,
  statementDaysAheadMax,
  statementDaysMax,
} from '../app/financing/merchant-statement.ts';
import { type CurrencyReport, knownMerchant } from '../app/financing/reports.ts';
import { collectPortfolio } from '../demo/portfolio.ts';
import { portfolioLegend, portfolioTable } from '../demo/portfolio-tables.ts';
import type { PortfolioFigures } from '../domain/products/portfolio.ts';
import { financierIdLengthMax, financierIdPattern } from '../domain/products/postings.ts';
import { fromDayNumber, parseCalendarDate, toDayNumber } from '../domain/time/calendar-date.ts';
import { dayNumberOfInstant } from '../domain/time/instant.ts';
import { refuseMalformedMerchantIds } from './merchant-ids.ts';
import { openMigratedApp } from './open-migrated.ts';
import type { CliDeps, StorageFlags } from './program.ts';
import { UsageError } from './usage-error.ts';

/** As the API takes `financier_id`: an id no financier can have is a typo, not an empty book. */
const financierId = new RegExp(financierIdPattern);

export async function reportPortfolioCommand(
  deps: CliDeps,
  flags: StorageFlags & { financier?: string; json?: boolean },
): Promise<void> {
  if (flags.financier !== undefined && !financierId.test(flags.financier))
    throw new UsageError(
      `--financier must be a financier id (fin_ then 1 to ${financierIdLengthMax - 4} letters, digits, _ or -)`,
    );
  const views = await deps.loadReportViews();
  const app = await openMigratedApp(deps, flags);
  try {
    const { currencies, byFinancier } = await collectPortfolio(app, flags.financier);
    if (flags.json) {
      deps.out.write(`${JSON.stringify(views.portfolio(flags.financier ?? null, currencies), null, 2)}\n`);
      return;
    }
    deps.out.write(`${portfolioText(currencies, byFinancier, flags.financier).join('\n')}\n`);
  } finally {
    await app.store.close();
  }
}

function portfolioText(
  currencies: readonly CurrencyReport[],
  byFinancier: ReadonlyMap<string, ReadonlyMap<string, PortfolioFigures>>,
  financierId: string | undefined,
): string[] {
  const whose = financierId === undefined ? '' : ` funded by ${financierId}`;
  const lent = currencies.filter((report) => report.total.facilities > 0);
  if (lent.length === 0) return [`No facility${whose} has been disbursed yet.`];
  const lines = [`Portfolio${whose}, per currency (amounts in its own units):`];
  for (const report of lent)
    lines.push('', ...portfolioTable(report, byFinancier.get(report.currency) ?? new Map()));
  return [...lines, '', ...portfolioLegend];
}

export async function reportStatementCommand(
  deps: CliDeps,
  merchantId: string,
  flags: StorageFlags & { from?: string; to?: string; format?: string },
): Promise<void> {
  // Everything the command line says is checked before the database is opened.
  await refuseMalformedMerchantIds([merchantId]);
  const format = flags.format ?? 'csv';
  if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');
  const fromDay = dayOf(flags.from, '--from');
  const askedTo = flags.to === undefined ? null : dayOf(flags.to, '--to');
  if (askedTo !== null && askedTo < fromDay) throw new UsageError('--to must not be before --from');
  const views = await deps.loadReportViews();
  const app = await openMigratedApp(deps, flags);
  try {
    // As the API: through tomorrow at most — the latest day money may be dated.
    const last = dayNumberOfInstant(app.clock.nowNs()) + statementDaysAheadMax;
    if (fromDay > last)
      throw new UsageError(
        `--from is after ${fromDayNumber(last)} (tomorrow, UTC): a statement covers days money may be dated, tomorrow at most`,
      );
    const toDay = Math.min(askedTo ?? last, last);
    if (toDay - fromDay + 1 > statementDaysMax)
      throw new UsageError(`a statement covers at most ${statementDaysMax} days: ask for a shorter period`);
    const statement = await statementOf(app, merchantId, fromDay, toDay);
    if (statement === null) {
      deps.err.write(
        `capstan: no merchant ${merchantId}: no platform has sent an event about it and it has no facility\n`,
      );
      process.exitCode = 1;
      return;
    }
    deps.out.write(
      format === 'csv'
        ? views.statementCsv(statement)
        : `${JSON.stringify(views.statement(statement), null, 2)}\n`,
    );
  } finally {
    await app.store.close();
  }
}

function dayOf(text: string | undefined, flag: string): number {
  if (text === undefined) throw new UsageError(`${flag} is required: the first day, YYYY-MM-DD`);
  const parsed = parseCalendarDate(text);
  if (!parsed.ok) throw new UsageError(`${flag} must be a date, YYYY-MM-DD`);
  return toDayNumber(parsed.value);
}

/** The merchant's statement, or null for an id no event or facility names (a typo, not a merchant owing nothing). */
async function statementOf(app: AppContext, merchantId: string, fromDay: number, toDay: number) {
  return app.store.read(async (tx) =>
    (await knownMerchant(tx, merchantId))
      ? merchantStatement(tx, { merchantId, fromDay, toDay, scope: {} })
      : null,
  );
}
