/**
 * The ground truth of a run, written beside the events: for each merchant what it really was
 * (archetype and drawn parameters) and what really happened to it (whether, when and why it became
 * distressed, and whether it stopped trading). Models are scored against this; it is never part of
 * the event stream. The format is documented in docs/simulator.md.
 */
import type { DistressMechanism, MerchantState } from './model.ts';
import type { Simulation } from './simulation.ts';

export const groundTruthFormat = 'capstan.simulator.truth/1';
const decimals = 4;

export interface MerchantDistressTruth {
  readonly mechanism: DistressMechanism;
  /** shock: its cause; slow_decline: 'margin_erosion' (or 'drift'); fraud: 'bust_out'. */
  readonly detail: string;
  /** When the mechanism started (the shock day, the first day of decline or of the fraud burst). */
  readonly onset_on: string;
  /** First day of distress; null when the mechanism had not yet led to distress by the last day. */
  readonly distressed_on: string | null;
  /** The day it stopped taking business; null when it still trades on the last day. */
  readonly closed_on: string | null;
}

export interface MerchantTruth {
  readonly merchant_id: string;
  readonly legal_name: string;
  readonly archetype: string;
  readonly category: string;
  readonly currency: string;
  readonly country: string;
  readonly kyb_status: string;
  readonly onboarded_on: string;
  readonly parameters: Record<string, number | string | boolean | null | readonly string[]>;
  readonly distress: MerchantDistressTruth | null;
  readonly final_health: number;
}

export interface GroundTruth {
  readonly format: typeof groundTruthFormat;
  readonly source: string;
  readonly seed: string;
  readonly start: string;
  readonly end: string;
  readonly days: number;
  readonly merchants: readonly MerchantTruth[];
  readonly summary: {
    readonly merchants: number;
    readonly distressed: Record<DistressMechanism, number>;
    readonly at_risk: number;
    readonly closed: number;
  };
}

export function buildGroundTruth(simulation: Simulation): GroundTruth {
  const { context, merchants, options } = simulation;
  const distressed: Record<DistressMechanism, number> = { shock: 0, slow_decline: 0, fraud: 0 };
  let atRisk = 0;
  let closed = 0;
  const truths = merchants.map((merchant) => {
    const truth = merchantTruth(merchant, simulation);
    if (truth.distress !== null) {
      if (truth.distress.distressed_on !== null) distressed[truth.distress.mechanism] += 1;
      else atRisk += 1;
      if (truth.distress.closed_on !== null) closed += 1;
    }
    return truth;
  });
  return {
    format: groundTruthFormat,
    source: context.config.platformId,
    seed: options.seed,
    start: context.calendar.dateText(0),
    end: context.calendar.dateText(options.days - 1),
    days: options.days,
    merchants: truths,
    summary: { merchants: merchants.length, distressed, at_risk: atRisk, closed },
  };
}

function merchantTruth(merchant: MerchantState, simulation: Simulation): MerchantTruth {
  const { profile } = merchant;
  const { calendar } = simulation.context;
  const lastDay = simulation.options.days - 1;
  const within = (day: number | null) => (day !== null && day <= lastDay ? calendar.dateText(day) : null);
  return {
    merchant_id: profile.id,
    legal_name: profile.legalName,
    archetype: profile.archetype.name,
    category: profile.category.name,
    currency: profile.currency,
    country: profile.country,
    kyb_status: profile.kybStatus,
    onboarded_on: calendar.dateText(profile.onboardDay),
    parameters: {
      base_orders_per_day: round(profile.baseOrdersPerDay),
      annual_growth: round(profile.annualGrowth),
      seasonal_amplitude: profile.archetype.seasonalAmplitude,
      average_order_value_minor: Math.round(profile.averageOrderValueMinor),
      refund_rate: profile.category.refundRate,
      on_time_rate: round(profile.onTimeRate),
      base_rating: round(profile.baseRating),
      promise_days: profile.promiseDays,
      take_rate_bps: Number(profile.takeRateBps),
      settlement_cadence_days: profile.settlementCadenceDays,
      sku_count: profile.skus.length,
      regular_buyers: profile.regularBuyerIds.length,
      regular_share: round(profile.regularShare),
      warehouse_id: profile.warehouseId,
      b2b_anchor_buyer_ids: profile.anchorBuyerIds,
      green: profile.green,
      fraudster: profile.fraudster,
      initial_health: round(profile.initialHealth),
      health_volatility: profile.archetype.healthVolatility,
      risk_multiplier: profile.archetype.riskMultiplier,
    },
    distress:
      merchant.mechanism === null || merchant.onsetDay === null
        ? null
        : {
            mechanism: merchant.mechanism,
            detail: merchant.mechanismDetail ?? merchant.mechanism,
            onset_on: calendar.dateText(merchant.onsetDay),
            distressed_on: within(merchant.distressedDay),
            closed_on: within(merchant.closedDay),
          },
    final_health: round(merchant.health),
  };
}

function round(value: number): number {
  return Number(value.toFixed(decimals));
}

export function formatGroundTruth(truth: GroundTruth): string {
  return `${JSON.stringify(truth, null, 2)}\n`;
}
