/**
 * The book at the end of the demo, read in one snapshot through the engine's own portfolio report
 * (src/app/financing/reports.ts — what GET /v1/portfolio/summary answers): per currency, overall,
 * by product, by grade and by days past due, and the same per financier, two pools having competed
 * for the same merchants.
 */
import type { AppContext } from '../app/app-context.ts';
import { type CurrencyReport, portfolioReport } from '../app/financing/reports.ts';
import type { PortfolioFigures } from '../domain/products/portfolio.ts';

export interface DemoPortfolio {
  readonly currencies: readonly CurrencyReport[];
  /** Per currency, per financier. */
  readonly byFinancier: ReadonlyMap<string, ReadonlyMap<string, PortfolioFigures>>;
  /** Facilities accepted but never serviced (a payout voided, or awaiting one), by status. */
  readonly unserviced: ReadonlyMap<string, number>;
}

/** The whole book, or with `financierId` (as `capstan report portfolio --financier`) that one's only. */
export async function collectPortfolio(app: AppContext, financierId?: string): Promise<DemoPortfolio> {
  return app.store.read(async (tx) => {
    const currencies = await portfolioReport(tx, financierId === undefined ? {} : { financierId });
    const financiers =
      financierId === undefined
        ? [...new Set((await tx.financing.pools()).map((pool) => pool.financierId))].sort()
        : [financierId];
    const byFinancier = new Map<string, Map<string, PortfolioFigures>>();
    for (const financier of financiers)
      for (const report of await portfolioReport(tx, { financierId: financier })) {
        const mine = byFinancier.get(report.currency) ?? new Map<string, PortfolioFigures>();
        mine.set(financier, report.total);
        byFinancier.set(report.currency, mine);
      }
    const unserviced = new Map<string, number>();
    for (const report of currencies)
      for (const [status, count] of Object.entries(report.unservicedByStatus))
        unserviced.set(status, (unserviced.get(status) ?? 0) + count);
    return { currencies, byFinancier, unserviced };
  });
}
