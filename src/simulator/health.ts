/**
 * Latent merchant health: a number around 0 that nobody outside the simulator sees, and that moves
 * every observable signal (order volume, refunds, cancellations, handling time, on-time delivery,
 * lost parcels, ratings). Each day it takes a random-walk step pulled back toward 0; a distress
 * mechanism can start and push it down:
 *
 * - slow decline: a steady negative drift that takes weeks to months to reach the threshold, so
 *   every signal worsens gradually before distress;
 * - shock: a sudden drop (supplier failure, account suspension…), more likely when health is
 *   already weak, followed by a further drift;
 * - fraud (bust-out): a merchant that joined intending it inflates sales for a few weeks while
 *   shipping less and less, then stops shipping and vanishes, leaving refunds and chargebacks.
 *
 * Distress is the first day health is at or below the threshold (fraud: the bust day).
 */
import type { MerchantState, SimContext } from './model.ts';

const healthEffectMin = -5;
const healthEffectMax = 1.5;
const refundRateMax = 0.6;
const cancelRateMax = 0.5;
const lostRateMax = 0.5;
const fraudRampShare = 1 / 3;

/** What one merchant's business looks like today, derived from its health. */
export interface DaySignals {
  volume: number;
  refundRate: number;
  cancelRate: number;
  onTimeRate: number;
  lateDaysMean: number;
  handlingDaysMean: number;
  lostRate: number;
  ratingShift: number;
  /** Fraud burst only: probability an order is never delivered. */
  nonDeliveryRate: number;
}

export function emptySignals(): DaySignals {
  return {
    volume: 1,
    refundRate: 0,
    cancelRate: 0,
    onTimeRate: 1,
    lateDaysMean: 0,
    handlingDaysMean: 0,
    lostRate: 0,
    ratingShift: 0,
    nonDeliveryRate: 0,
  };
}

export function stepHealth(merchant: MerchantState, day: number, context: SimContext): void {
  const { profile, rng } = merchant;
  if (day <= profile.onboardDay || (merchant.closedDay !== null && day >= merchant.closedDay)) return;
  const { distress, health } = context.config;
  if (merchant.mechanism === null) maybeStartMechanism(merchant, day, context);
  if (
    merchant.mechanism === null ||
    (merchant.mechanism === 'slow_decline' && merchant.distressedDay === null)
  ) {
    maybeShock(merchant, day, context);
  }
  const reversion = merchant.mechanism === null ? health.meanReversion * merchant.health : 0;
  merchant.health += merchant.drift - reversion + profile.archetype.healthVolatility * rng.normal();

  if (merchant.fraud !== null) {
    if (day === merchant.fraud.bustDay) {
      markDistressed(merchant, day, context);
      merchant.closedDay = day;
    }
  } else if (merchant.distressedDay === null && merchant.health <= distress.threshold) {
    if (merchant.mechanism === null) {
      merchant.mechanism = 'slow_decline';
      merchant.mechanismDetail = 'drift';
      merchant.onsetDay = day;
    }
    markDistressed(merchant, day, context);
    const closing = merchant.mechanism === 'shock' ? distress.shock : distress.slowDecline;
    if (rng.chance(closing.closeShare)) {
      merchant.closedDay = day + rng.int(closing.closeAfterDays[0], closing.closeAfterDays[1]);
    }
  }
}

function maybeStartMechanism(merchant: MerchantState, day: number, context: SimContext): void {
  const { profile, rng } = merchant;
  const { slowDecline, fraud } = context.config.distress;
  if (profile.fraudster) {
    if (day - profile.onboardDay >= fraud.minimumTenureDays && rng.chance(fraud.onsetDailyHazard)) {
      const ringBuyerIds = Array.from(
        { length: fraud.ringBuyers },
        (_, ring) => `byr_${context.seed}_ring${profile.index}_${ring}`,
      );
      merchant.mechanism = 'fraud';
      merchant.mechanismDetail = 'bust_out';
      merchant.onsetDay = day;
      merchant.fraud = {
        burstStartDay: day,
        bustDay: day + rng.int(fraud.burstDays[0], fraud.burstDays[1]),
        peakVolume: rng.uniform(fraud.burstVolume[0], fraud.burstVolume[1]),
        ringBuyerIds,
      };
    }
    return;
  }
  const hazard =
    slowDecline.dailyHazard *
    profile.archetype.riskMultiplier *
    Math.exp(-slowDecline.healthSensitivity * merchant.health);
  if (rng.chance(hazard)) {
    merchant.mechanism = 'slow_decline';
    merchant.mechanismDetail = 'margin_erosion';
    merchant.onsetDay = day;
    merchant.drift = rng.uniform(slowDecline.driftPerDay[0], slowDecline.driftPerDay[1]);
  }
}

function maybeShock(merchant: MerchantState, day: number, context: SimContext): void {
  const { profile, rng } = merchant;
  const { shock } = context.config.distress;
  const hazard =
    shock.dailyHazard *
    profile.archetype.riskMultiplier *
    Math.exp(-shock.healthSensitivity * merchant.health);
  if (!rng.chance(hazard)) return;
  merchant.mechanism = 'shock';
  merchant.mechanismDetail = rng.pick(shock.causes);
  merchant.onsetDay = day;
  merchant.health -= rng.uniform(shock.drop[0], shock.drop[1]);
  merchant.drift = rng.uniform(shock.driftAfterPerDay[0], shock.driftAfterPerDay[1]);
}

function markDistressed(merchant: MerchantState, day: number, context: SimContext): void {
  const lag = context.config.settlement.riskReviewLagDays;
  merchant.distressedDay = day;
  merchant.settlement.riskReserveFromDay = day + merchant.rng.int(lag[0], lag[1]);
}

/** Fills `signals` (reused across merchants to avoid garbage) for one merchant and day. */
export function computeSignals(
  merchant: MerchantState,
  day: number,
  context: SimContext,
  signals: DaySignals,
): DaySignals {
  const { profile } = merchant;
  const { orders, health } = context.config;
  const elasticity = health.elasticity;
  const h = Math.max(healthEffectMin, Math.min(healthEffectMax, merchant.health));
  signals.volume = Math.exp(elasticity.volume * h);
  signals.refundRate = Math.min(
    refundRateMax,
    profile.category.refundRate * Math.exp(-elasticity.refund * h),
  );
  signals.cancelRate = Math.min(cancelRateMax, orders.cancelRate * Math.exp(-elasticity.cancel * h));
  signals.onTimeRate = logistic(logit(profile.onTimeRate) + elasticity.onTimeLogit * h);
  signals.lateDaysMean = orders.lateDaysMean * Math.exp(-elasticity.lateDays * h);
  signals.handlingDaysMean = orders.handlingDaysMean * Math.exp(-elasticity.handling * h);
  signals.lostRate = Math.min(lostRateMax, orders.lostRate * Math.exp(-elasticity.lost * h));
  signals.ratingShift = elasticity.rating * h;
  signals.nonDeliveryRate = 0;
  const fraud = merchant.fraud;
  if (fraud !== null && day >= fraud.burstStartDay && day < fraud.bustDay) {
    const progress = (day - fraud.burstStartDay) / (fraud.bustDay - fraud.burstStartDay);
    const [first, last] = context.config.distress.fraud.nonDelivery;
    signals.nonDeliveryRate = first + (last - first) * progress;
    signals.volume *= 1 + (fraud.peakVolume - 1) * Math.min(1, progress / fraudRampShare);
  }
  return signals;
}

function logit(probability: number): number {
  return Math.log(probability / (1 - probability));
}

function logistic(value: number): number {
  return 1 / (1 + Math.exp(-value));
}
