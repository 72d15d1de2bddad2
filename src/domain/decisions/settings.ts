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
  /**
   * The limit's bounds in a currency whose minor unit weighs far from a dollar cent's, instead of
   * the two above: one number of minor units for all would cap a rupiah limit at Rp 500,000.00.
   */
  readonly currencyLimits: Readonly<Record<string, LimitBounds>>;
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

export interface LimitBounds {
  readonly minLimitMinor: bigint;
  readonly maxLimitMinor: bigint;
}

/**
 * A limit's bounds by currency, of about the weight of 500.00 and 500,000.00 dollars, where a
 * currency's minor unit weighs far from a cent (as offers.ts `offerAmountsByCurrency`); the others
 * take `minLimitMinor` and `maxLimitMinor`.
 */
export const limitBoundsByCurrency: Readonly<Record<string, LimitBounds>> = {
  BHD: { minLimitMinor: 200_000n, maxLimitMinor: 200_000_000n },
  BRL: { minLimitMinor: 250_000n, maxLimitMinor: 250_000_000n },
  CNY: { minLimitMinor: 350_000n, maxLimitMinor: 350_000_000n },
  HKD: { minLimitMinor: 400_000n, maxLimitMinor: 400_000_000n },
  IDR: { minLimitMinor: 800_000_000n, maxLimitMinor: 800_000_000_000n },
  INR: { minLimitMinor: 4_000_000n, maxLimitMinor: 4_000_000_000n },
  JOD: { minLimitMinor: 350_000n, maxLimitMinor: 350_000_000n },
  KRW: { minLimitMinor: 700_000n, maxLimitMinor: 700_000_000n },
  KWD: { minLimitMinor: 150_000n, maxLimitMinor: 150_000_000n },
  MXN: { minLimitMinor: 1_000_000n, maxLimitMinor: 1_000_000_000n },
  OMR: { minLimitMinor: 200_000n, maxLimitMinor: 200_000_000n },
};

/** A limit's bounds in `currency` (null: unknown), by the settings. */
export function limitBoundsIn(settings: DecisionSettings, currency: string | null): LimitBounds {
  return (
    (currency === null ? undefined : settings.currencyLimits[currency]) ?? {
      minLimitMinor: settings.minLimitMinor,
      maxLimitMinor: settings.maxLimitMinor,
    }
  );
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
  currencyLimits: limitBoundsByCurrency,
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
