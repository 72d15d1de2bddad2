/**
 * The marketplace simulation: builds the run (calendar, buyers, anchors, warehouses, merchants)
 * from the options and then steps it one simulated day at a time. Each day every merchant moves
 * its health, restocks and snapshots its warehouse, takes orders, advances its B2B documents and
 * attests; the day's events are taken from the queue in time order, booked into the open
 * settlement periods, and periods ending today schedule their payouts. Pure and deterministic: the
 * same options give the same events, in the same order, every time.
 */
import { assert } from '../domain/assert.ts';
import type { CalendarDate } from '../domain/time/calendar-date.ts';
import { stepB2b } from './b2b.ts';
import { createCalendar, daytime } from './calendar.ts';
import { daysMax, defaultSimulatorConfig, merchantsMax, type SimulatorConfig } from './config.ts';
import { EventQueue, type SimEvent } from './event-queue.ts';
import { computeSignals, type DaySignals, emptySignals, stepHealth } from './health.ts';
import { stepInventory } from './inventory.ts';
import { createMerchant } from './merchant.ts';
import { isTrading, type MerchantState, nextId, type SimContext } from './model.ts';
import { generateOrders } from './orders.ts';
import { cumulativeWeights, hashText } from './prng.ts';
import { accrueSettlement, closeSettlementPeriod } from './settlement.ts';

/** Seeds become part of every id, so they are kept to characters ids allow. */
export const seedPattern = /^[A-Za-z0-9]{1,32}$/;

export interface SimulationOptions {
  readonly merchants: number;
  readonly days: number;
  readonly seed: string;
  readonly start: CalendarDate;
  readonly config?: SimulatorConfig;
}

export interface SimulatedDay {
  readonly dayIndex: number;
  readonly date: CalendarDate;
  /** In time order. */
  readonly events: readonly SimEvent[];
}

export interface Simulation {
  readonly options: SimulationOptions;
  readonly context: SimContext;
  readonly merchants: readonly MerchantState[];
  /** Steps the simulation; iterate once, to the end, before reading the ground truth. */
  days(): Generator<SimulatedDay, void, void>;
}

export function createSimulation(options: SimulationOptions): Simulation {
  const { merchants: merchantCount, days, seed, start } = options;
  assert(Number.isInteger(merchantCount) && merchantCount >= 1 && merchantCount <= merchantsMax, 'merchants');
  assert(Number.isInteger(days) && days >= 1 && days <= daysMax, 'days');
  assert(seedPattern.test(seed), 'seed must be 1 to 32 letters or digits');
  const config = options.config ?? defaultSimulatorConfig;
  const { b2b, buyers, warehouses } = config;
  const anchorCount = Math.max(b2b.anchorsMin, Math.ceil(merchantCount / b2b.merchantsPerAnchor));
  const context: SimContext = {
    config,
    calendar: createCalendar(start, days, config),
    queue: new EventQueue(days),
    seed,
    seedHash: hashText(seed),
    merchantCount,
    buyerPoolSize: Math.max(buyers.poolMin, merchantCount * buyers.poolPerMerchant),
    anchorBuyerIds: Array.from({ length: anchorCount }, (_, anchor) => `byr_${seed}_anchor${anchor + 1}`),
    warehouseIds: Array.from({ length: warehouses.count }, (_, warehouse) => `wh_${seed}_${warehouse + 1}`),
    tables: {
      hourly: cumulativeWeights(config.seasonality.hourly),
      lines: cumulativeWeights(config.orders.linesWeights),
      quantity: cumulativeWeights(config.orders.quantityWeights),
    },
  };
  const merchants = Array.from({ length: merchantCount }, (_, index) => createMerchant(context, index));
  return {
    options,
    context,
    merchants,
    *days() {
      const signals = emptySignals();
      for (let day = 0; day < days; day += 1) yield stepDay(context, merchants, day, signals);
    },
  };
}

function stepDay(
  context: SimContext,
  merchants: readonly MerchantState[],
  day: number,
  signals: DaySignals,
): SimulatedDay {
  for (const merchant of merchants) {
    if (day === merchant.profile.onboardDay) onboard(merchant, day, context);
    stepHealth(merchant, day, context);
    if (day <= merchant.profile.onboardDay) continue;
    computeSignals(merchant, day, context, signals);
    stepInventory(merchant, day, context);
    if (isTrading(merchant, day)) generateOrders(merchant, day, context, signals);
    stepB2b(merchant, day, context, signals);
    attest(merchant, day, context);
  }
  const events = context.queue.take(day);
  for (const event of events) accrueSettlement(merchants[event.merchant]!, event);
  for (const merchant of merchants) closeSettlementPeriod(merchant, day, context);
  return { dayIndex: day, date: context.calendar.dateText(day), events };
}

/** The merchant's first event; its business starts the next day. */
function onboard(merchant: MerchantState, day: number, context: SimContext): void {
  const { profile, rng } = merchant;
  context.queue.schedule(daytime(rng, day, 0, 1), profile, 'merchant.onboarded', {
    legal_name: profile.legalName,
    country: profile.country,
    currency: profile.currency,
    category: profile.category.name,
    kyb_status: profile.kybStatus,
  });
}

/** Green merchants attest on joining and renew a few weeks before each attestation lapses. */
function attest(merchant: MerchantState, day: number, context: SimContext): void {
  if (merchant.nextAttestationDay !== day || !isTrading(merchant, day)) return;
  const { profile, rng } = merchant;
  const { green } = context.config;
  context.queue.schedule(daytime(rng, day, 9, 17), profile, 'sustainability.attested', {
    attestation_id: nextId(merchant, 'att'),
    scheme: green.schemes[profile.index % green.schemes.length]!,
    verified_by: rng.pick(green.verifiers),
    valid_until: context.calendar.dateText(day + green.validDays),
  });
  merchant.nextAttestationDay = day + green.validDays - rng.int(7, 30);
}
