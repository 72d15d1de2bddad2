/**
 * Every number the decision engine uses, with defaults drawn from the public products DESIGN.md
 * names. Rates in basis points, amounts in minor units of the merchant's currency: nothing here is
 * a float that touches money. Operators override them (PUT /v1/settings/decisioning).
 */
export interface DecisionSettings {
  /** Knock-outs. */
  readonly minTenureDays: number;
  readonly minOrders90d: number;
  /** Declined above this probability of default. */
  readonly maxPd: number;
  /** Upper PD bound of each grade, best first; above the last band is grade F. */
  readonly gradeBands: readonly { readonly grade: string; readonly maxPd: number }[];
  /** The limit: a multiple of forecast 30-day sales, within [min, max] (minor units). */
  readonly salesMultipleBps: number;
  readonly minLimitMinor: bigint;
  readonly maxLimitMinor: bigint;
  /** Limits are rounded down to a multiple of this many major units. */
  readonly limitRoundingMajor: number;
  /**
   * The leverage cap: the sum of daily debt service over all of the merchant's facilities, new one
   * included, stays within this share of forecast daily sales. A new facility's daily service is
   * taken as principal × factor / term.
   */
  readonly debtServiceShareBps: number;
  readonly assumedTermDays: number;
  readonly assumedFactorBps: number;
  /** Price = cost of funds + PD × LGD + operating cost + margin − green discount, within bounds. */
  readonly costOfFundsBps: number;
  readonly lossGivenDefaultBps: number;
  readonly operatingCostBps: number;
  readonly marginBps: number;
  readonly greenDiscountBps: number;
  readonly minRateBps: number;
  readonly maxRateBps: number;
  readonly forecastHorizonDays: number;
}

export const defaultDecisionSettings: DecisionSettings = {
  minTenureDays: 90,
  minOrders90d: 20,
  maxPd: 0.15,
  gradeBands: [
    { grade: 'A', maxPd: 0.01 },
    { grade: 'B', maxPd: 0.025 },
    { grade: 'C', maxPd: 0.05 },
    { grade: 'D', maxPd: 0.1 },
    { grade: 'E', maxPd: 0.15 },
  ],
  salesMultipleBps: 10_000,
  minLimitMinor: 50_000n,
  maxLimitMinor: 50_000_000n,
  limitRoundingMajor: 10,
  debtServiceShareBps: 2_000,
  assumedTermDays: 180,
  assumedFactorBps: 11_200,
  costOfFundsBps: 500,
  lossGivenDefaultBps: 6_000,
  operatingCostBps: 200,
  marginBps: 300,
  greenDiscountBps: 50,
  minRateBps: 600,
  maxRateBps: 3_600,
  forecastHorizonDays: 180,
};
