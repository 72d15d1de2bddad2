/**
 * Draws a merchant: archetype, category, currency and country, size (lognormal: most are small,
 * a few are large), growth, service levels, catalogue, regular buyers, warehouse, B2B anchors and
 * latent intent (a few join to commit fraud). Every draw comes from the merchant's own stream, so
 * merchant 17 of seed 42 is the same merchant whatever the other flags.
 */

import { assert } from '../domain/assert.ts';
import type { KybStatus } from '../domain/events/catalog.ts';
import { isCurrencyCode } from '../domain/money/currency.ts';
import { initialB2b } from './b2b.ts';
import type { SimulatorConfig } from './config.ts';
import { initialInventory } from './inventory.ts';
import type { MerchantProfile, MerchantState, SimContext, Sku } from './model.ts';
import { legalName } from './names.ts';
import { cumulativeWeights, Prng } from './prng.ts';

/** Stream 0 is the run's own; merchant i draws from stream i + 1. */
const merchantStreamOffset = 1;
const annualGrowthLimit = 1.5;
const skuPopularityZipf = 0.9;
const minorPerMajor = 100;

export function createMerchant(context: SimContext, index: number): MerchantState {
  const rng = new Prng(context.seedHash, index + merchantStreamOffset);
  const profile = drawProfile(context, index, rng);
  const merchant: MerchantState = {
    profile,
    rng,
    health: profile.initialHealth,
    drift: 0,
    mechanism: null,
    mechanismDetail: null,
    onsetDay: null,
    distressedDay: null,
    closedDay: null,
    fraud: null,
    serial: 0,
    settlement: {
      periodStartDay: profile.onboardDay + 1,
      grossMinor: 0n,
      refundsMinor: 0n,
      chargebacks: [],
      heldReserves: [],
      riskReserveFromDay: null,
    },
    inventory: profile.warehouseId === null ? null : initialInventory(profile, rng, context.config),
    b2b: profile.anchorBuyerIds.length === 0 ? null : initialB2b(profile, rng, context.config),
    nextAttestationDay: profile.green
      ? profile.onboardDay + rng.int(1, context.config.green.attestWithinDays)
      : null,
  };
  return merchant;
}

function drawProfile(context: SimContext, index: number, rng: Prng): MerchantProfile {
  const { config } = context;
  const archetype = config.archetypes[rng.weighted(weightsOf(config.archetypes))]!;
  const category = config.categories[rng.weighted(weightsOf(config.categories))]!;
  const currency = config.currencies[rng.weighted(weightsOf(config.currencies))]!;
  assert(isCurrencyCode(currency.code), 'drawProfile: currency must be an ISO 4217 code');
  const country = rng.pick(currency.countries);
  const fraudster = rng.chance(config.distress.fraud.fraudsterShare);
  const pendingShare = fraudster
    ? config.onboarding.fraudsterPendingKybShare
    : config.onboarding.pendingKybShare;
  const kybStatus: KybStatus = rng.chance(pendingShare) ? 'pending' : 'verified';
  const lateJoinWindow = Math.floor(context.calendar.days / 2);
  const onboardDay =
    lateJoinWindow >= 1 && rng.chance(config.onboarding.lateJoinerShare) ? rng.int(1, lateJoinWindow) : 0;
  const key = `${context.seed}_${index}`;
  const skus = drawSkus(key, rng, config, category, currency.perUsd, archetype.skuCount);
  const regularCount = rng.int(archetype.regularBuyers[0], archetype.regularBuyers[1]);
  const regularBuyerIds = Array.from(
    { length: regularCount },
    () => `byr_${context.seed}_${rng.int(0, context.buyerPoolSize - 1)}`,
  );
  const growth = archetype.annualGrowthMean + archetype.annualGrowthSd * rng.normal();
  return {
    index,
    id: `mer_${key}`,
    key,
    legalName: legalName(rng, country),
    country,
    currency: currency.code,
    category,
    archetype,
    kybStatus,
    onboardDay,
    baseOrdersPerDay: rng.lognormal(archetype.ordersPerDayMedian, archetype.ordersPerDaySigma),
    annualGrowth: Math.max(-annualGrowthLimit, Math.min(annualGrowthLimit, growth)),
    onTimeRate: rng.uniform(archetype.onTimeRate[0], archetype.onTimeRate[1]),
    baseRating: rng.uniform(config.reviews.baseRating[0], config.reviews.baseRating[1]),
    promiseDays: rng.int(category.promiseDays[0], category.promiseDays[1]),
    takeRateBps: BigInt(category.takeRateBps),
    settlementCadenceDays:
      config.settlement.cadenceDays[rng.weighted(cumulativeWeights(config.settlement.cadenceWeights))]!,
    skus,
    skuWeights: zipfWeights(skus.length, skuPopularityZipf),
    averageOrderValueMinor: averageOrderValue(skus, config),
    regularBuyerIds,
    regularBuyerWeights: zipfWeights(regularCount, config.buyers.regularZipf),
    regularShare: rng.uniform(archetype.regularShare[0], archetype.regularShare[1]),
    warehouseId: rng.chance(archetype.warehouseShare) ? rng.pick(context.warehouseIds) : null,
    anchorBuyerIds: rng.chance(archetype.b2bShare) ? drawAnchors(context, rng) : [],
    green: rng.chance(config.green.share),
    fraudster,
    initialHealth: config.health.initialSd * rng.normal(),
  };
}

/**
 * SKU prices: lognormal around the category's typical item price, converted to the merchant's
 * currency and charm-priced (whole units minus one minor unit: 19.99).
 */
function drawSkus(
  key: string,
  rng: Prng,
  config: SimulatorConfig,
  category: SimulatorConfig['categories'][number],
  perUsd: number,
  skuCount: readonly [number, number],
): Sku[] {
  const itemsPerOrder = meanOf(config.orders.linesWeights) * meanOf(config.orders.quantityWeights);
  const typicalPrice = (category.averageOrderValueUsdMinor * perUsd) / itemsPerOrder;
  const costRatio = rng.uniform(config.warehouses.costRatio[0], config.warehouses.costRatio[1]);
  const count = rng.int(skuCount[0], skuCount[1]);
  return Array.from({ length: count }, (_, skuIndex) => {
    const wholeUnits = Math.max(
      1,
      Math.round(rng.lognormal(typicalPrice, category.priceSigma) / minorPerMajor),
    );
    const unitPriceMinor = BigInt(wholeUnits * minorPerMajor - 1);
    const unitCostMinor = BigInt(Math.max(1, Math.round(Number(unitPriceMinor) * costRatio)));
    return {
      id: `SKU-${key}-${String(skuIndex + 1).padStart(3, '0')}`,
      unitPriceMinor,
      unitPriceText: unitPriceMinor.toString(),
      unitCostMinor,
      unitCostText: unitCostMinor.toString(),
    };
  });
}

function drawAnchors(context: SimContext, rng: Prng): string[] {
  const { anchorsPerSupplier } = context.config.b2b;
  const wanted = Math.min(
    context.anchorBuyerIds.length,
    rng.int(anchorsPerSupplier[0], anchorsPerSupplier[1]),
  );
  const chosen = new Set<string>();
  while (chosen.size < wanted) chosen.add(rng.pick(context.anchorBuyerIds));
  return [...chosen];
}

function averageOrderValue(skus: readonly Sku[], config: SimulatorConfig): number {
  const popularity = zipfWeights(skus.length, skuPopularityZipf);
  let expectedPrice = 0;
  let previous = 0;
  for (const [index, sku] of skus.entries()) {
    expectedPrice += (popularity[index]! - previous) * Number(sku.unitPriceMinor);
    previous = popularity[index]!;
  }
  const itemsPerOrder = meanOf(config.orders.linesWeights) * meanOf(config.orders.quantityWeights);
  return (expectedPrice / previous) * itemsPerOrder;
}

/** Cumulative Zipf weights 1/(k+1)^s over `count` items. */
export function zipfWeights(count: number, exponent: number): Float64Array {
  return cumulativeWeights(Array.from({ length: count }, (_, rank) => 1 / (rank + 1) ** exponent));
}

/** Mean of 1..n when value k+1 has weight weights[k]. */
function meanOf(weights: readonly number[]): number {
  let total = 0;
  let weighted = 0;
  for (const [index, weight] of weights.entries()) {
    total += weight;
    weighted += weight * (index + 1);
  }
  return weighted / total;
}

const weightTables = new WeakMap<readonly { weight: number }[], Float64Array>();

function weightsOf(items: readonly { weight: number }[]): Float64Array {
  let table = weightTables.get(items);
  if (table === undefined) {
    table = cumulativeWeights(items.map((item) => item.weight));
    weightTables.set(items, table);
  }
  return table;
}
