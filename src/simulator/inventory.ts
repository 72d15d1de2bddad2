/**
 * Stock in a platform warehouse. Sales draw stock down (an order for more than is on hand is
 * cancelled as out of stock); below a reorder point a healthy merchant buys a lot that arrives after
 * a lead time, and some lots are pledged as warehouse receipts. Once a week the warehouse reports
 * an inventory snapshot per SKU, and releases receipts first-in-first-out for the units sold since
 * the last snapshot. A merchant in trouble stops restocking: stock-outs are one of its signals.
 */
import type { OrderItem } from '../domain/events/catalog.ts';
import { daytime } from './calendar.ts';
import type { SimulatorConfig } from './config.ts';
import type { InventoryState, MerchantProfile, MerchantState, SimContext, SkuStock } from './model.ts';
import { isTrading, nextId } from './model.ts';
import type { Prng } from './prng.ts';

const lotUnitsMin = 10;
const demandSmoothing = 0.3;
const demandFloor = 0.02;

export function initialInventory(
  profile: MerchantProfile,
  rng: Prng,
  config: SimulatorConfig,
): InventoryState {
  const { stockDays, snapshotEveryDays } = config.warehouses;
  let previous = 0;
  const total = profile.skuWeights[profile.skuWeights.length - 1]!;
  const unitsPerOrder = profile.averageOrderValueMinor / meanUnitPrice(profile);
  const stocks: SkuStock[] = profile.skus.map((_, index) => {
    const share = (profile.skuWeights[index]! - previous) / total;
    previous = profile.skuWeights[index]!;
    const dailyDemand = Math.max(demandFloor, profile.baseOrdersPerDay * share * unitsPerOrder);
    return {
      quantity: Math.max(lotUnitsMin, Math.ceil(dailyDemand * rng.uniform(stockDays[0], stockDays[1]))),
      dailyDemand,
      soldSinceSnapshot: 0,
      inbound: [],
      openReceipts: [],
    };
  });
  return { warehouseId: profile.warehouseId!, stocks, snapshotPhase: rng.int(0, snapshotEveryDays - 1) };
}

function meanUnitPrice(profile: MerchantProfile): number {
  let total = 0;
  for (const sku of profile.skus) total += Number(sku.unitPriceMinor);
  return total / profile.skus.length;
}

/** Takes the order's units from stock if every line is available; otherwise takes nothing. */
export function takeStock(
  inventory: InventoryState,
  skuIndexes: readonly number[],
  items: readonly OrderItem[],
) {
  for (const [line, skuIndex] of skuIndexes.entries()) {
    if (inventory.stocks[skuIndex]!.quantity < items[line]!.quantity) return false;
  }
  for (const [line, skuIndex] of skuIndexes.entries()) {
    const stock = inventory.stocks[skuIndex]!;
    stock.quantity -= items[line]!.quantity;
    stock.soldSinceSnapshot += items[line]!.quantity;
  }
  return true;
}

/** Puts a cancelled order's units back. */
export function restock(
  inventory: InventoryState,
  skuIndexes: readonly number[],
  items: readonly OrderItem[],
) {
  for (const [line, skuIndex] of skuIndexes.entries()) {
    const stock = inventory.stocks[skuIndex]!;
    stock.quantity += items[line]!.quantity;
    stock.soldSinceSnapshot -= items[line]!.quantity;
  }
}

export function stepInventory(merchant: MerchantState, day: number, context: SimContext): void {
  const inventory = merchant.inventory;
  if (inventory === null || day <= merchant.profile.onboardDay) return;
  const trading = isTrading(merchant, day);
  for (const [skuIndex, stock] of inventory.stocks.entries()) {
    receiveLots(merchant, inventory, skuIndex, stock, day, context);
    if (trading) reorder(merchant, stock, day, context);
  }
  const { snapshotEveryDays } = context.config.warehouses;
  if (trading && (day - merchant.profile.onboardDay) % snapshotEveryDays === inventory.snapshotPhase) {
    snapshot(merchant, inventory, day, context);
  }
}

function receiveLots(
  merchant: MerchantState,
  inventory: InventoryState,
  skuIndex: number,
  stock: SkuStock,
  day: number,
  context: SimContext,
): void {
  const { profile, rng } = merchant;
  while (stock.inbound.length > 0 && stock.inbound[0]!.day === day) {
    const lot = stock.inbound.shift()!;
    stock.quantity += lot.quantity;
    if (!rng.chance(context.config.warehouses.receiptShare)) continue;
    const receiptId = nextId(merchant, 'wr');
    stock.openReceipts.push({ id: receiptId, remaining: lot.quantity });
    const sku = profile.skus[skuIndex]!;
    context.queue.schedule(daytime(rng, day, 10, 18), profile, 'warehouse_receipt.issued', {
      receipt_id: receiptId,
      warehouse_id: inventory.warehouseId,
      sku: sku.id,
      quantity: lot.quantity,
      unit_value: sku.unitCostText,
      currency: profile.currency,
    });
  }
}

function reorder(merchant: MerchantState, stock: SkuStock, day: number, context: SimContext): void {
  const { rng } = merchant;
  const { reorderDays, stockDays, leadTimeDays, restockHealthMin } = context.config.warehouses;
  if (merchant.health < restockHealthMin || stock.inbound.length > 0) return;
  if (stock.quantity >= stock.dailyDemand * reorderDays) return;
  const quantity = Math.max(
    lotUnitsMin,
    Math.ceil(stock.dailyDemand * rng.uniform(stockDays[0], stockDays[1])),
  );
  stock.inbound.push({ day: day + rng.int(leadTimeDays[0], leadTimeDays[1]), quantity });
}

/** Snapshots at night (02:00–03:00), one per SKU, then receipt releases for what was sold. */
function snapshot(
  merchant: MerchantState,
  inventory: InventoryState,
  day: number,
  context: SimContext,
): void {
  const { profile, rng } = merchant;
  const { snapshotEveryDays } = context.config.warehouses;
  for (const [skuIndex, stock] of inventory.stocks.entries()) {
    const sku = profile.skus[skuIndex]!;
    const at = daytime(rng, day, 2, 3);
    context.queue.schedule(at, profile, 'inventory.snapshot', {
      sku: sku.id,
      warehouse_id: inventory.warehouseId,
      quantity: stock.quantity,
      unit_cost: sku.unitCostText,
      currency: profile.currency,
    });
    let sold = stock.soldSinceSnapshot;
    while (sold > 0 && stock.openReceipts.length > 0) {
      const receipt = stock.openReceipts[0]!;
      const released = Math.min(sold, receipt.remaining);
      sold -= released;
      receipt.remaining -= released;
      const all = receipt.remaining === 0;
      if (all) stock.openReceipts.shift();
      const data = all ? { receipt_id: receipt.id } : { receipt_id: receipt.id, quantity: released };
      context.queue.schedule(at + 60, profile, 'warehouse_receipt.released', data);
    }
    const observed = stock.soldSinceSnapshot / snapshotEveryDays;
    stock.dailyDemand = Math.max(
      demandFloor,
      (1 - demandSmoothing) * stock.dailyDemand + demandSmoothing * observed,
    );
    stock.soldSinceSnapshot = 0;
  }
}
