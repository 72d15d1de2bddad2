/**
 * The portfolio summary an operator and a financier watch: per currency (amounts in different
 * currencies are never added), overall and by product and by risk grade — originations,
 * outstanding, collected, fee and interest income, annualised yield, PAR30, default and loss rates.
 *
 * Every figure is the book's life to date. A facility counts once it has lent: an advance or a
 * term loan once its payout is confirmed, a credit line once a draw is paid out (an undrawn line
 * has lent nothing, and is only counted in `byStatus`).
 *
 * Definitions:
 * - **originated** = principal lent; **collected** = repayments received while serviced (fees,
 *   interest, principal); both are gross of refinancing: a refill's payout pays off the advance it
 *   replaces, so that payoff is in both, and **refinanced** says how much (new money lent =
 *   originated − refinanced); **recovered** = money recovered after write-off (not in collected);
 * - **annualised yield** = (fee + interest income) × 365 ÷ principal-days, where principal-days is
 *   the sum over days of the principal outstanding (what was actually lent, for how long);
 * - **PAR30** = principal outstanding of facilities more than 30 days past due ÷ all principal
 *   outstanding (written-off principal is no longer outstanding);
 * - **default rate** = facilities that ever reached default (defaulted, written off, or defaulted
 *   and then repaid) ÷ facilities that have lent, by count and by amount originated;
 * - **loss rate** = principal written off, less recoveries, ÷ principal originated.
 */
import type { FacilityState } from './lifecycle.ts';
import type { Product } from './offers.ts';

export interface FacilitySnapshot {
  readonly facilityId: string;
  readonly product: Product;
  /** The decision's grade at origination; null when unknown. */
  readonly grade: string | null;
  readonly currency: string;
  readonly status: FacilityState;
  readonly originatedMinor: bigint;
  readonly outstandingPrincipalMinor: bigint;
  readonly outstandingTotalMinor: bigint;
  readonly collectedMinor: bigint;
  readonly feeIncomeMinor: bigint;
  readonly interestIncomeMinor: bigint;
  readonly writtenOffPrincipalMinor: bigint;
  readonly recoveredMinor: bigint;
  /** Σ over days of the principal outstanding at the end of the day. */
  readonly principalDaysMinor: bigint;
  readonly daysPastDue: number;
  /** Whether it has ever been defaulted (it may since have been repaid, or written off). */
  readonly reachedDefault: boolean;
  /** A refill's payoff of the advance it replaced, out of its own payout. */
  readonly refinancedMinor: bigint;
}

export interface PortfolioFigures {
  readonly facilities: number;
  readonly originatedMinor: bigint;
  readonly outstandingPrincipalMinor: bigint;
  readonly outstandingTotalMinor: bigint;
  readonly collectedMinor: bigint;
  /** Of originated and of collected alike: refills paying off the advances they replaced. */
  readonly refinancedMinor: bigint;
  readonly recoveredMinor: bigint;
  readonly feeIncomeMinor: bigint;
  readonly interestIncomeMinor: bigint;
  /** Fractions (0.1234 is 12.34%), rounded to 6 decimals; null with nothing to divide by. */
  readonly annualisedYield: number | null;
  readonly par30: number | null;
  readonly defaultRateByCount: number | null;
  readonly defaultRateByAmount: number | null;
  readonly lossRate: number | null;
  /** Every facility by status: a credit line never drawn included, though it is in no other figure. */
  readonly byStatus: Readonly<Record<string, number>>;
  /** The facilities that have lent (`facilities`) by status: they add up to `facilities`. */
  readonly lentByStatus: Readonly<Record<string, number>>;
  /** Credit lines open (or closed) and never drawn: in `byStatus`, in no figure. */
  readonly undrawnLines: number;
}

export interface CurrencyPortfolio {
  readonly currency: string;
  readonly total: PortfolioFigures;
  readonly byProduct: Readonly<Record<string, PortfolioFigures>>;
  readonly byGrade: Readonly<Record<string, PortfolioFigures>>;
}

const disbursedStates: ReadonlySet<FacilityState> = new Set([
  'active',
  'delinquent',
  'defaulted',
  'written_off',
  'paid_off',
]);

function ratio(numerator: bigint | number, denominator: bigint | number): number | null {
  const d = Number(denominator);
  return d === 0 ? null : Math.round((Number(numerator) / d) * 1e6) / 1e6;
}

export function portfolioFigures(snapshots: readonly FacilitySnapshot[]): PortfolioFigures {
  const disbursed = snapshots.filter((s) => disbursedStates.has(s.status) && s.originatedMinor > 0n);
  const sum = (pick: (s: FacilitySnapshot) => bigint, of: readonly FacilitySnapshot[] = disbursed) =>
    of.reduce((total, s) => total + pick(s), 0n);
  const originated = sum((s) => s.originatedMinor);
  const outstandingPrincipal = sum((s) => s.outstandingPrincipalMinor);
  const income = sum((s) => s.feeIncomeMinor + s.interestIncomeMinor);
  const principalDays = sum((s) => s.principalDaysMinor);
  const pastDue30 = sum(
    (s) => s.outstandingPrincipalMinor,
    disbursed.filter((s) => s.daysPastDue > 30),
  );
  const defaulted = disbursed.filter((s) => s.reachedDefault);
  const countByStatus = (of: readonly FacilitySnapshot[]) => {
    const counts: Record<string, number> = {};
    for (const s of of) counts[s.status] = (counts[s.status] ?? 0) + 1;
    return counts;
  };
  return {
    facilities: disbursed.length,
    originatedMinor: originated,
    outstandingPrincipalMinor: outstandingPrincipal,
    outstandingTotalMinor: sum((s) => s.outstandingTotalMinor),
    collectedMinor: sum((s) => s.collectedMinor),
    refinancedMinor: sum((s) => s.refinancedMinor),
    recoveredMinor: sum((s) => s.recoveredMinor),
    feeIncomeMinor: sum((s) => s.feeIncomeMinor),
    interestIncomeMinor: sum((s) => s.interestIncomeMinor),
    annualisedYield: ratio(income * 365n, principalDays),
    par30: ratio(pastDue30, outstandingPrincipal),
    defaultRateByCount: ratio(defaulted.length, disbursed.length),
    defaultRateByAmount: ratio(
      sum((s) => s.originatedMinor, defaulted),
      originated,
    ),
    lossRate: ratio(
      sum((s) => s.writtenOffPrincipalMinor - s.recoveredMinor),
      originated,
    ),
    byStatus: countByStatus(snapshots),
    lentByStatus: countByStatus(disbursed),
    undrawnLines: snapshots.filter((s) => disbursedStates.has(s.status) && s.originatedMinor === 0n).length,
  };
}

function groupBy(
  snapshots: readonly FacilitySnapshot[],
  key: (s: FacilitySnapshot) => string,
): Record<string, PortfolioFigures> {
  const groups = new Map<string, FacilitySnapshot[]>();
  for (const s of snapshots) {
    const k = key(s);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [s]);
    else group.push(s);
  }
  return Object.fromEntries(
    [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, g]) => [k, portfolioFigures(g)]),
  );
}

/** One summary per currency, in code order. */
export function portfolioSummary(snapshots: readonly FacilitySnapshot[]): CurrencyPortfolio[] {
  const currencies = [...new Set(snapshots.map((s) => s.currency))].sort();
  return currencies.map((currency) => {
    const mine = snapshots.filter((s) => s.currency === currency);
    return {
      currency,
      total: portfolioFigures(mine),
      byProduct: groupBy(mine, (s) => s.product),
      byGrade: groupBy(mine, (s) => s.grade ?? 'ungraded'),
    };
  });
}
