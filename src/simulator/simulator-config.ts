/**
 * The shape of the simulator's parameters; the values are in config.ts and each is explained in
 * docs/simulator.md. Probabilities and rates are model parameters (floats are fine: they decide
 * how often things happen); amounts that reach an event are always whole minor units, and the
 * platform's take rate is in basis points because it touches money.
 */
/** A [low, high] range a per-merchant parameter is drawn from uniformly. */
export type Range = readonly [number, number];

export interface CurrencyConfig {
  readonly code: 'USD' | 'EUR' | 'GBP';
  readonly weight: number;
  /** Units of this currency per US dollar: prices are set in USD and converted. */
  readonly perUsd: number;
  readonly countries: readonly string[];
}

export interface CategoryConfig {
  readonly name: string;
  readonly weight: number;
  /** Average order value in US cents before currency conversion. */
  readonly averageOrderValueUsdMinor: number;
  /** Log-scale spread of SKU prices around the category's typical price. */
  readonly priceSigma: number;
  /** Share of delivered orders refunded by a healthy merchant. */
  readonly refundRate: number;
  /** Among refunds of delivered orders: share 'defective' (the rest are 'return' or 'other'). */
  readonly defectiveShare: number;
  /** The platform's take rate on gross sales. */
  readonly takeRateBps: number;
  /** Days from order to promised delivery. */
  readonly promiseDays: Range;
}

export interface ArchetypeConfig {
  readonly name: string;
  readonly weight: number;
  /** Median of the lognormal base order rate (orders per day) and its log-scale sigma. */
  readonly ordersPerDayMedian: number;
  readonly ordersPerDaySigma: number;
  /** Annual growth (log rate): normal with this mean and standard deviation. */
  readonly annualGrowthMean: number;
  readonly annualGrowthSd: number;
  /** 1 follows the platform's yearly pattern; 2 doubles its swings (a Q4 specialist). */
  readonly seasonalAmplitude: number;
  /** On-time delivery probability of a healthy merchant. */
  readonly onTimeRate: Range;
  /** Multiplies every distress hazard. */
  readonly riskMultiplier: number;
  /** Daily standard deviation of the latent health random walk. */
  readonly healthVolatility: number;
  readonly skuCount: Range;
  /** Probability that the merchant keeps stock in a platform warehouse. */
  readonly warehouseShare: number;
  /** Probability that the merchant also supplies B2B buyers (purchase orders, invoices). */
  readonly b2bShare: number;
  /** Share of consumer orders that come from the merchant's regular buyers, and how many it has. */
  readonly regularShare: Range;
  readonly regularBuyers: Range;
}

export interface DistressConfig {
  /** Latent health at or below this is distress. */
  readonly threshold: number;
  readonly slowDecline: {
    readonly dailyHazard: number;
    /** Hazard × exp(−sensitivity × health): a weak business is likelier to start declining. */
    readonly healthSensitivity: number;
    /** Added to health every day once the decline starts. */
    readonly driftPerDay: Range;
    readonly closeShare: number;
    readonly closeAfterDays: Range;
  };
  readonly shock: {
    readonly dailyHazard: number;
    /** Hazard × exp(−sensitivity × health): weaker merchants are more fragile. */
    readonly healthSensitivity: number;
    readonly drop: Range;
    readonly driftAfterPerDay: Range;
    readonly closeShare: number;
    readonly closeAfterDays: Range;
    readonly causes: readonly string[];
  };
  readonly fraud: {
    /** Share of merchants who join intending a bust-out. */
    readonly fraudsterShare: number;
    readonly onsetDailyHazard: number;
    readonly minimumTenureDays: number;
    readonly burstDays: Range;
    /** Peak order volume during the burst, as a multiple of the normal rate. */
    readonly burstVolume: Range;
    /** Probability an order placed in the burst is never delivered, rising from the first to the second. */
    readonly nonDelivery: Range;
    /** Share of burst orders placed by a small ring of colluding buyer accounts. */
    readonly ringShare: number;
    readonly ringBuyers: number;
    readonly chargebackShare: number;
    readonly duplicateInvoiceShare: number;
  };
}

export interface SimulatorConfig {
  readonly platformId: string;
  readonly currencies: readonly CurrencyConfig[];
  readonly categories: readonly CategoryConfig[];
  readonly archetypes: readonly ArchetypeConfig[];
  readonly onboarding: {
    readonly pendingKybShare: number;
    readonly fraudsterPendingKybShare: number;
    /** Share of merchants who join during the run (the rest on day one), within the first half. */
    readonly lateJoinerShare: number;
  };
  readonly seasonality: {
    /** Monday..Sunday. */
    readonly weekly: readonly number[];
    /** Mid-month level, January..December; days in between are interpolated. */
    readonly monthly: readonly number[];
    readonly singlesDay: number;
    readonly blackFriday: number;
    readonly cyberMonday: number;
    /** 22 Dec .. 26 Dec: late shipping cut-off, then Christmas. */
    readonly christmas: readonly number[];
    /** Orders by hour of day (UTC), 0..23. */
    readonly hourly: readonly number[];
  };
  readonly health: {
    readonly initialSd: number;
    /** Daily pull back toward 0 (Ornstein–Uhlenbeck). */
    readonly meanReversion: number;
    /** How health moves each signal: factor exp(±elasticity × health). */
    readonly elasticity: {
      readonly volume: number;
      readonly refund: number;
      readonly cancel: number;
      readonly onTimeLogit: number;
      readonly lateDays: number;
      readonly handling: number;
      readonly rating: number;
      readonly lost: number;
    };
  };
  readonly distress: DistressConfig;
  readonly buyers: {
    /** Consumer buyer pool = max(poolMin, merchants × poolPerMerchant). */
    readonly poolPerMerchant: number;
    readonly poolMin: number;
    /** Zipf exponent of a merchant's regular buyers: higher means more concentration. */
    readonly regularZipf: number;
  };
  readonly orders: {
    readonly linesWeights: readonly number[];
    readonly quantityWeights: readonly number[];
    readonly cancelRate: number;
    readonly cancelReasons: readonly string[];
    readonly handlingDaysMean: number;
    readonly lateDaysMean: number;
    readonly lostRate: number;
    readonly lostRefundShare: number;
    readonly returnAfterDays: Range;
    readonly partialRefundShare: number;
    readonly partialRefundBps: Range;
    readonly chargebackRate: number;
    readonly lateRefundBoost: number;
    readonly carriers: readonly string[];
  };
  readonly reviews: {
    readonly rate: number;
    readonly baseRating: Range;
    readonly noise: number;
    readonly latePenalty: number;
    readonly refundPenalty: number;
    readonly lostPenalty: number;
    readonly afterDays: Range;
  };
  readonly settlement: {
    readonly cadenceDays: readonly number[];
    readonly cadenceWeights: readonly number[];
    readonly payoutLagDays: number;
    readonly reserveBps: number;
    readonly pendingKybReserveBps: number;
    readonly reserveReleaseDays: number;
    /** Days after distress until the platform notices and starts holding a reserve. */
    readonly riskReviewLagDays: Range;
    readonly correctionRate: number;
    readonly correctionBpsMax: number;
  };
  readonly warehouses: {
    readonly count: number;
    readonly stockDays: Range;
    readonly reorderDays: number;
    readonly leadTimeDays: Range;
    readonly receiptShare: number;
    readonly snapshotEveryDays: number;
    readonly costRatio: Range;
    /** Below this health the merchant cannot pay for new stock. */
    readonly restockHealthMin: number;
  };
  readonly b2b: {
    /** Anchor buyers = max(anchorsMin, ceil(merchants / merchantsPerAnchor)). */
    readonly merchantsPerAnchor: number;
    readonly anchorsMin: number;
    readonly anchorsPerSupplier: Range;
    readonly purchaseOrderEveryDays: number;
    /** A purchase order is worth this many average orders (lognormal median) … */
    readonly purchaseOrderValueOrders: number;
    readonly purchaseOrderValueSigma: number;
    readonly deliverByDays: Range;
    readonly confirmRate: number;
    readonly cancelAfterConfirmRate: number;
    readonly paymentTermsDays: readonly number[];
    readonly approveRate: number;
    readonly approveAfterDays: Range;
    readonly latePaymentRate: number;
    readonly latePaymentDays: Range;
    /** Once the supplier is distressed, this share of its open invoices is never paid. */
    readonly unpaidAfterDistressRate: number;
  };
  readonly green: {
    readonly share: number;
    readonly schemes: readonly string[];
    readonly verifiers: readonly string[];
    readonly validDays: number;
    readonly attestWithinDays: number;
  };
}
