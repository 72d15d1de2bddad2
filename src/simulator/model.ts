/**
 * The simulator's state: the run context shared by every merchant, each merchant's fixed profile
 * (drawn once when it is created) and its mutable state (latent health, distress, counters, and the
 * books of its settlement, warehouse and B2B business).
 */
import type { KybStatus } from '../domain/events/catalog.ts';
import type { CurrencyCode } from '../domain/money/currency.ts';
import type { SimCalendar } from './calendar.ts';
import type { ArchetypeConfig, CategoryConfig, SimulatorConfig } from './config.ts';
import type { EventQueue } from './event-queue.ts';
import type { Prng } from './prng.ts';

export type DistressMechanism = 'shock' | 'slow_decline' | 'fraud';

export interface SimContext {
  readonly config: SimulatorConfig;
  readonly calendar: SimCalendar;
  readonly queue: EventQueue;
  readonly seed: string;
  readonly seedHash: number;
  readonly merchantCount: number;
  readonly buyerPoolSize: number;
  readonly anchorBuyerIds: readonly string[];
  readonly warehouseIds: readonly string[];
  readonly tables: SimTables;
}

/** Cumulative weight tables for Prng.weighted, built once per run. */
export interface SimTables {
  readonly hourly: Float64Array;
  readonly lines: Float64Array;
  readonly quantity: Float64Array;
}

export interface Sku {
  readonly id: string;
  readonly unitPriceMinor: bigint;
  readonly unitPriceText: string;
  readonly unitCostMinor: bigint;
  readonly unitCostText: string;
}

export interface MerchantProfile {
  readonly index: number;
  readonly id: string;
  /** Short key that makes the merchant's object ids unique: `${seed}_${index}`. */
  readonly key: string;
  readonly legalName: string;
  readonly country: string;
  readonly currency: CurrencyCode;
  readonly category: CategoryConfig;
  readonly archetype: ArchetypeConfig;
  readonly kybStatus: KybStatus;
  readonly onboardDay: number;
  readonly baseOrdersPerDay: number;
  readonly annualGrowth: number;
  readonly onTimeRate: number;
  readonly baseRating: number;
  readonly promiseDays: number;
  readonly takeRateBps: bigint;
  readonly settlementCadenceDays: number;
  readonly skus: readonly Sku[];
  readonly skuWeights: Float64Array;
  /** Expected order value in minor units (a model number used to size purchase orders). */
  readonly averageOrderValueMinor: number;
  readonly regularBuyerIds: readonly string[];
  readonly regularBuyerWeights: Float64Array;
  readonly regularShare: number;
  readonly warehouseId: string | null;
  readonly anchorBuyerIds: readonly string[];
  readonly green: boolean;
  readonly fraudster: boolean;
  readonly initialHealth: number;
}

export interface FraudState {
  readonly burstStartDay: number;
  readonly bustDay: number;
  readonly peakVolume: number;
  readonly ringBuyerIds: readonly string[];
}

export interface PendingAmount {
  readonly day: number;
  readonly amountMinor: bigint;
}

export interface SettlementState {
  periodStartDay: number;
  grossMinor: bigint;
  refundsMinor: bigint;
  /** Chargebacks are not events of their own: they reach the platform only through a settlement. */
  chargebacks: PendingAmount[];
  /** Reserves held, each released (a positive adjustment) on its day. */
  heldReserves: PendingAmount[];
  /** From this day the platform holds a rolling reserve because the merchant looks risky. */
  riskReserveFromDay: number | null;
}

export interface SkuStock {
  quantity: number;
  dailyDemand: number;
  soldSinceSnapshot: number;
  inbound: { day: number; quantity: number }[];
  openReceipts: { id: string; remaining: number }[];
}

export interface InventoryState {
  readonly warehouseId: string;
  readonly stocks: SkuStock[];
  readonly snapshotPhase: number;
}

export type PurchaseOrderStage = 'issued' | 'confirmed' | 'invoiced' | 'approved';

export interface PurchaseOrderState {
  readonly poId: string;
  readonly buyerId: string;
  readonly amountMinor: bigint;
  readonly deliverByDay: number;
  readonly termsDays: number;
  stage: PurchaseOrderStage;
  /** The day the next step happens (confirmation, delivery and invoice, approval, payment). */
  nextDay: number;
  invoiceId: string | null;
  dueDay: number | null;
}

export interface B2bState {
  open: PurchaseOrderState[];
  nextPurchaseOrderDay: number;
  invoiceSerial: number;
}

export interface MerchantState {
  readonly profile: MerchantProfile;
  readonly rng: Prng;
  health: number;
  /** Added to health every day while a distress mechanism runs. */
  drift: number;
  mechanism: DistressMechanism | null;
  mechanismDetail: string | null;
  onsetDay: number | null;
  distressedDay: number | null;
  /** From this day the merchant takes no new business (it has stopped trading). */
  closedDay: number | null;
  fraud: FraudState | null;
  serial: number;
  readonly settlement: SettlementState;
  readonly inventory: InventoryState | null;
  readonly b2b: B2bState | null;
  nextAttestationDay: number | null;
}

export function nextId(merchant: MerchantState, prefix: string): string {
  merchant.serial += 1;
  return `${prefix}_${merchant.profile.key}_${merchant.serial}`;
}

/** Onboarded on an earlier day and not closed: it takes new orders today. */
export function isTrading(merchant: MerchantState, day: number): boolean {
  return day > merchant.profile.onboardDay && (merchant.closedDay === null || day < merchant.closedDay);
}
