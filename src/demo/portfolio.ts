/**
 * The book at the end of the demo, read in one snapshot: every facility's portfolio snapshot
 * (src/app/financing/serviced.ts) summarised per currency by the pure portfolio summary, plus the
 * same figures per financier — two pools competing for the same merchants — and the facilities that
 * never reached servicing.
 */
import type { AppContext } from '../app/app-context.ts';
import { servicedOf, snapshotOf } from '../app/financing/serviced.ts';
import type { FacilityRow } from '../app/ports.ts';
import { facilityStates } from '../domain/products/lifecycle.ts';
import {
  type CurrencyPortfolio,
  type FacilitySnapshot,
  type PortfolioFigures,
  portfolioFigures,
  portfolioSummary,
} from '../domain/products/portfolio.ts';

const pageSize = 500;

export interface DemoPortfolio {
  readonly currencies: readonly CurrencyPortfolio[];
  /** Per currency, per financier. */
  readonly byFinancier: ReadonlyMap<string, ReadonlyMap<string, PortfolioFigures>>;
  /** Facilities accepted but never serviced (a payout voided, or awaiting one), by status. */
  readonly unserviced: ReadonlyMap<string, number>;
}

export async function collectPortfolio(app: AppContext): Promise<DemoPortfolio> {
  return app.store.read(async (tx) => {
    const snapshots: { financierId: string; snapshot: FacilitySnapshot }[] = [];
    const unserviced = new Map<string, number>();
    for (let after: string | undefined; ; ) {
      const page: FacilityRow[] = await tx.financing.facilitiesByStatus(facilityStates, {
        ...(after === undefined ? {} : { after }),
        limit: pageSize,
      });
      for (const row of page) {
        const serviced = servicedOf(row);
        if (serviced === null) unserviced.set(row.status, (unserviced.get(row.status) ?? 0) + 1);
        else snapshots.push({ financierId: row.financierId, snapshot: snapshotOf(serviced) });
      }
      if (page.length < pageSize) break;
      after = page.at(-1)?.id;
    }
    const byFinancier = new Map<string, Map<string, PortfolioFigures>>();
    for (const currency of new Set(snapshots.map((s) => s.snapshot.currency))) {
      const mine = snapshots.filter((s) => s.snapshot.currency === currency);
      const financiers = [...new Set(mine.map((s) => s.financierId))].sort();
      byFinancier.set(
        currency,
        new Map(
          financiers.map((id) => [
            id,
            portfolioFigures(mine.filter((s) => s.financierId === id).map((s) => s.snapshot)),
          ]),
        ),
      );
    }
    return { currencies: portfolioSummary(snapshots.map((s) => s.snapshot)), byFinancier, unserviced };
  });
}
