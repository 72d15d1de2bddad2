/**
 * A merchant's features as of a date, from the feature store's rows dated on or before it. Pure:
 * storage loads the rows (point in time: nothing with an event time after the date), this turns
 * them into numbers the risk models read. Money is in the merchant's home currency (from its
 * onboarding, else the currency it sells most in) as integer minor units; rates are plain numbers
 * rounded to 6 decimals, null when their denominator is zero. Windows end on and include the as-of
 * day: "90d" is the 90 days asOf−89 … asOf.
 */
import { type DailyCounters, type DailyRow, emptyCounters, type Fact } from './projection.ts';

export const featureHistoryDays = 365;
/** A stock count older than this says nothing about today's stock. */
export const inventorySnapshotAgeDaysMax = 90;
/** A purchase order not invoiced this long after its delivery date is no longer counted as open. */
export const purchaseOrderOverdueDaysMax = 30;

type FactOf<K extends Fact['kind']> = Extract<Fact, { kind: K }>;

export interface FeatureInputs {
  readonly merchantId: string;
  readonly asOfDay: number;
  /** Daily rows with asOfDay − 364 ≤ day ≤ asOfDay, every currency, including currency ''. */
  readonly daily: readonly DailyRow[];
  /** The first day with any activity, and the last day with an order, on or before asOfDay. */
  readonly firstActivityDay: number | null;
  readonly lastSaleDay: number | null;
  readonly profiles: readonly FactOf<'profile'>[];
  /** GMV per buyer over the 365-day window, per currency. */
  readonly buyers: readonly {
    readonly buyerId: string;
    readonly currency: string;
    readonly amount: bigint;
  }[];
  readonly invoices: readonly FactOf<'invoice'>[];
  readonly purchaseOrders: readonly FactOf<'purchase_order'>[];
  readonly receipts: readonly FactOf<'receipt'>[];
  /** The latest snapshot of each (SKU, warehouse) on or before asOfDay. */
  readonly inventory: readonly FactOf<'inventory'>[];
  readonly attestations: readonly FactOf<'attestation'>[];
}

export interface MerchantFeatures {
  readonly merchantId: string;
  readonly asOfDay: number;
  readonly currency: string | null;
  readonly profile: {
    readonly legalName: string;
    readonly country: string;
    readonly category: string;
    readonly kybStatus: string;
    readonly onboardedDay: number;
  } | null;
  readonly tenureDays: number | null;
  readonly daysSinceLastSale: number | null;
  readonly gmv30d: bigint;
  readonly gmv90d: bigint;
  readonly gmv365d: bigint;
  readonly orders30d: number;
  readonly orders90d: number;
  readonly orders365d: number;
  readonly averageOrderValue90d: bigint | null;
  readonly growth90d: number | null;
  readonly salesTrend30d: number | null;
  readonly salesVolatility90d: number | null;
  readonly refundRate30d: number | null;
  readonly refundRate90d: number | null;
  readonly returnRate90d: number | null;
  readonly cancellationRate90d: number | null;
  readonly onTimeDeliveryRate30d: number | null;
  readonly onTimeDeliveryRate90d: number | null;
  readonly averageDeliveryDelayDays90d: number | null;
  readonly ratingAverage90d: number | null;
  readonly ratingAverage365d: number | null;
  readonly ratingCount365d: number;
  readonly buyerConcentrationHhi365d: number | null;
  readonly topBuyerShare365d: number | null;
  readonly settlements90d: number;
  readonly settlementCadenceDays90d: number | null;
  readonly settlementNet90d: bigint;
  readonly inventoryValue: bigint;
  readonly inventoryDaysOfSales: number | null;
  readonly warehouseReceiptsValue: bigint;
  readonly invoicesApprovedUnpaidAmount: bigint;
  readonly invoicesApprovedUnpaidCount: number;
  readonly invoicesOverdueAmount: bigint;
  readonly purchaseOrdersOpenAmount: bigint;
  readonly sustainabilityAttestationsValid: number;
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

function ratio(numerator: bigint, denominator: bigint): number | null {
  return denominator === 0n ? null : round6(Number(numerator) / Number(denominator));
}

/** The profile in force: the latest onboarding by event time, ties broken by event key. */
function latestProfile(profiles: readonly FactOf<'profile'>[]): FactOf<'profile'> | null {
  let latest: FactOf<'profile'> | null = null;
  for (const profile of profiles) {
    if (
      latest === null ||
      profile.timeNs > latest.timeNs ||
      (profile.timeNs === latest.timeNs && profile.eventKey > latest.eventKey)
    ) {
      latest = profile;
    }
  }
  return latest;
}

function homeCurrency(profile: FactOf<'profile'> | null, daily: readonly DailyRow[]): string | null {
  if (profile !== null) return profile.currency;
  const gmvByCurrency = new Map<string, bigint>();
  for (const row of daily)
    if (row.currency !== '')
      gmvByCurrency.set(row.currency, (gmvByCurrency.get(row.currency) ?? 0n) + row.counters.gmv);
  let best: string | null = null;
  for (const [currency, gmv] of [...gmvByCurrency].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (best === null || gmv > (gmvByCurrency.get(best) ?? 0n)) best = currency;
  }
  return best;
}

interface Windows {
  readonly money: (days: number, endOffset?: number) => DailyCounters;
  readonly all: (days: number) => DailyCounters;
  readonly dailyGmv: (days: number) => bigint[];
}

function windows(daily: readonly DailyRow[], asOfDay: number, currency: string | null): Windows {
  const sum = (days: number, endOffset: number, include: (row: DailyRow) => boolean): DailyCounters => {
    const total = emptyCounters();
    const last = asOfDay - endOffset;
    for (const row of daily) {
      if (row.day > last || row.day <= last - days || !include(row)) continue;
      for (const name of Object.keys(total) as (keyof DailyCounters)[]) total[name] += row.counters[name];
    }
    return total;
  };
  return {
    money: (days, endOffset = 0) => sum(days, endOffset, (row) => row.currency === currency),
    all: (days) => sum(days, 0, () => true),
    dailyGmv: (days) => {
      const series = new Array<bigint>(days).fill(0n);
      for (const row of daily) {
        const index = asOfDay - row.day;
        if (row.currency === currency && index >= 0 && index < days)
          series[index] = (series[index] as bigint) + row.counters.gmv;
      }
      return series;
    },
  };
}

/** A month's sales against the three months before it need a month of those to compare with. */
const salesTrendPriorDaysMin = 30;

/**
 * Average daily sales of the last 30 days against those of the 90 days before them, as a relative
 * change (−0.25: a quarter lower). Only days the merchant existed count, so a young merchant is
 * compared with the days it has.
 */
function salesTrend(recent: bigint, recentDays: number, prior: bigint, priorDays: number): number | null {
  if (priorDays < salesTrendPriorDaysMin || prior === 0n) return null;
  return round6(Number(recent) / recentDays / (Number(prior) / priorDays) - 1);
}

/** Coefficient of variation (population standard deviation over mean) of a daily series. */
function coefficientOfVariation(series: readonly bigint[]): number | null {
  const values = series.map(Number);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  if (mean === 0) return null;
  const variance = values.reduce((acc, v) => acc + (v - mean) ** 2, 0) / values.length;
  return round6(Math.sqrt(variance) / mean);
}

export function computeFeatures(inputs: FeatureInputs): MerchantFeatures {
  const { asOfDay } = inputs;
  const profile = latestProfile(inputs.profiles);
  const currency = homeCurrency(profile, inputs.daily);
  const w = windows(inputs.daily, asOfDay, currency);
  const money30 = w.money(30);
  const money90 = w.money(90);
  const moneyBefore30 = w.money(90, 30);
  const all30 = w.all(30);
  const moneyPrior90 = w.money(90, 90);
  const money365 = w.money(365);
  const all90 = w.all(90);
  const all365 = w.all(365);
  // Tenure counts from the first onboarding: a re-sent profile (a KYB update) does not reset it.
  const firstOnboarded = inputs.profiles.reduce<number | null>(
    (min, p) => (min === null || p.day < min ? p.day : min),
    null,
  );
  const startDay = firstOnboarded ?? inputs.firstActivityDay;
  // Windows shorter than the merchant's life would count days before it existed as zero sales.
  const observed = (days: number) =>
    startDay === null ? days : Math.max(1, Math.min(days, asOfDay - startDay + 1));
  return {
    merchantId: inputs.merchantId,
    asOfDay,
    currency,
    profile:
      profile === null
        ? null
        : {
            legalName: profile.legalName,
            country: profile.country,
            category: profile.category,
            kybStatus: profile.kybStatus,
            onboardedDay: firstOnboarded ?? profile.day,
          },
    tenureDays: startDay === null ? null : asOfDay - startDay,
    daysSinceLastSale: inputs.lastSaleDay === null ? null : asOfDay - inputs.lastSaleDay,
    gmv30d: money30.gmv,
    gmv90d: money90.gmv,
    gmv365d: money365.gmv,
    orders30d: Number(w.all(30).orders),
    orders90d: Number(all90.orders),
    orders365d: Number(all365.orders),
    averageOrderValue90d: money90.orders === 0n ? null : money90.gmv / money90.orders,
    growth90d:
      moneyPrior90.gmv === 0n
        ? null
        : round6(Number(money90.gmv - moneyPrior90.gmv) / Number(moneyPrior90.gmv)),
    salesTrend30d: salesTrend(money30.gmv, observed(30), moneyBefore30.gmv, observed(120) - observed(30)),
    salesVolatility90d: coefficientOfVariation(w.dailyGmv(observed(90))),
    refundRate30d: ratio(money30.refunded_amount, money30.gmv),
    refundRate90d: ratio(money90.refunded_amount, money90.gmv),
    returnRate90d: ratio(all90.returns, all90.orders),
    cancellationRate90d: ratio(all90.cancelled_orders, all90.orders),
    onTimeDeliveryRate30d: ratio(all30.on_time_deliveries, all30.deliveries),
    onTimeDeliveryRate90d: ratio(all90.on_time_deliveries, all90.deliveries),
    averageDeliveryDelayDays90d: ratio(all90.delay_days, all90.deliveries),
    ratingAverage90d: ratio(all90.rating_sum, all90.ratings),
    ratingAverage365d: ratio(all365.rating_sum, all365.ratings),
    ratingCount365d: Number(all365.ratings),
    ...buyerConcentration(inputs.buyers, currency),
    settlements90d: Number(money90.settlements),
    settlementCadenceDays90d:
      money90.settlements === 0n ? null : round6(observed(90) / Number(money90.settlements)),
    settlementNet90d: money90.settlement_net,
    ...inventoryFeatures(
      inputs.inventory.filter((s) => s.day > asOfDay - inventorySnapshotAgeDaysMax),
      currency,
      money90.gmv,
    ),
    warehouseReceiptsValue: receiptsValue(inputs.receipts, currency),
    ...invoiceFeatures(inputs.invoices, currency, asOfDay),
    purchaseOrdersOpenAmount: openPurchaseOrders(inputs.purchaseOrders, inputs.invoices, currency, asOfDay),
    sustainabilityAttestationsValid: inputs.attestations.filter((a) => a.validUntilDay >= asOfDay).length,
  };
}

function buyerConcentration(buyers: FeatureInputs['buyers'], currency: string | null) {
  const amounts = buyers.filter((b) => b.currency === currency && b.amount > 0n).map((b) => b.amount);
  const total = amounts.reduce((a, b) => a + b, 0n);
  if (total === 0n) return { buyerConcentrationHhi365d: null, topBuyerShare365d: null };
  let hhi = 0;
  let top = 0n;
  for (const amount of amounts) {
    const share = Number(amount) / Number(total);
    hhi += share * share;
    if (amount > top) top = amount;
  }
  return { buyerConcentrationHhi365d: round6(hhi), topBuyerShare365d: round6(Number(top) / Number(total)) };
}

function inventoryFeatures(inventory: FeatureInputs['inventory'], currency: string | null, gmv90d: bigint) {
  const value = inventory
    .filter((s) => s.currency === currency)
    .reduce((sum, s) => sum + s.quantity * s.unitCost, 0n);
  return {
    inventoryValue: value,
    inventoryDaysOfSales: gmv90d === 0n ? null : round6((Number(value) * 90) / Number(gmv90d)),
  };
}

/** Value of receipts still in the warehouse: issued units less released ones, at their unit value. */
function receiptsValue(receipts: FeatureInputs['receipts'], currency: string | null): bigint {
  const byId = new Map<
    string,
    { issued: FactOf<'receipt'> | null; released: bigint; releasedAll: boolean }
  >();
  for (const fact of receipts) {
    const entry = byId.get(fact.receiptId) ?? { issued: null, released: 0n, releasedAll: false };
    if (fact.step === 'issued') entry.issued = fact;
    else if (fact.quantity === null) entry.releasedAll = true;
    else entry.released += fact.quantity;
    byId.set(fact.receiptId, entry);
  }
  let value = 0n;
  for (const { issued, released, releasedAll } of byId.values()) {
    if (issued === null || issued.currency !== currency || releasedAll || issued.quantity === null) continue;
    const remaining = issued.quantity - released;
    if (remaining > 0n) value += remaining * issued.unitValue;
  }
  return value;
}

function invoiceFeatures(invoices: FeatureInputs['invoices'], currency: string | null, asOfDay: number) {
  const byId = new Map<string, { issued: FactOf<'invoice'> | null; approved: boolean; paid: bigint }>();
  for (const fact of invoices) {
    const entry = byId.get(fact.invoiceId) ?? { issued: null, approved: false, paid: 0n };
    if (fact.step === 'issued') entry.issued = fact;
    else if (fact.step === 'approved') entry.approved = true;
    else if (entry.issued === null || fact.currency === entry.issued.currency) entry.paid += fact.amount;
    byId.set(fact.invoiceId, entry);
  }
  let approvedUnpaid = 0n;
  let approvedUnpaidCount = 0;
  let overdue = 0n;
  for (const { issued, approved, paid } of byId.values()) {
    if (issued === null || issued.currency !== currency) continue;
    const outstanding = issued.amount - paid;
    if (outstanding <= 0n) continue;
    if (approved) {
      approvedUnpaid += outstanding;
      approvedUnpaidCount += 1;
    }
    if (issued.dueDay !== null && issued.dueDay < asOfDay) overdue += outstanding;
  }
  return {
    invoicesApprovedUnpaidAmount: approvedUnpaid,
    invoicesApprovedUnpaidCount: approvedUnpaidCount,
    invoicesOverdueAmount: overdue,
  };
}

/**
 * Confirmed purchase orders not yet cancelled, invoiced (an invoice names the PO) or long past
 * their delivery date: the buyer's firm commitments still ahead.
 */
function openPurchaseOrders(
  facts: FeatureInputs['purchaseOrders'],
  invoices: FeatureInputs['invoices'],
  currency: string | null,
  asOfDay: number,
): bigint {
  const invoiced = new Set(
    invoices.flatMap((fact) => (fact.poId === null || fact.poId === undefined ? [] : [fact.poId])),
  );
  const byId = new Map<
    string,
    { issued: FactOf<'purchase_order'> | null; confirmed: boolean; cancelled: boolean }
  >();
  for (const fact of facts) {
    const entry = byId.get(fact.poId) ?? { issued: null, confirmed: false, cancelled: false };
    if (fact.step === 'issued') entry.issued = fact;
    else if (fact.step === 'confirmed') entry.confirmed = true;
    else entry.cancelled = true;
    byId.set(fact.poId, entry);
  }
  let open = 0n;
  for (const [poId, { issued, confirmed, cancelled }] of byId) {
    if (issued === null || !confirmed || cancelled || invoiced.has(poId) || issued.currency !== currency)
      continue;
    if (issued.dueDay !== null && issued.dueDay < asOfDay - purchaseOrderOverdueDaysMax) continue;
    open += issued.amount;
  }
  return open;
}

/** The merchant's daily sales in one currency, index 0 = the as-of day, 365 days back. */
export function dailySalesSeries(inputs: FeatureInputs, currency: string | null): number[] {
  const series = new Array<number>(featureHistoryDays).fill(0);
  for (const row of inputs.daily) {
    const index = inputs.asOfDay - row.day;
    if (row.currency === currency && index >= 0 && index < featureHistoryDays)
      series[index] = (series[index] as number) + Number(row.counters.gmv);
  }
  return series;
}
