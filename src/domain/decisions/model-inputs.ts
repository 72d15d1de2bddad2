/**
 * What a model sees of a merchant: its features as numbers (amounts in major units, so that
 * currencies with different exponents compare), with the features of every data source the
 * merchant has not consented to set to missing. Profile facts (tenure, category, country) come
 * with onboarding and are always there.
 */
import type { DataSource } from '../consent/consent.ts';
import type { MerchantFeatures } from '../features/features.ts';
import type { FeatureRow, FeatureValue } from '../risk/model.ts';

type Extract = (f: MerchantFeatures, major: (amount: bigint | null) => number | null) => FeatureValue;

/** Each model feature, the data it comes from (null: the profile), and how it is read. */
export const modelFeatures: readonly {
  readonly name: string;
  readonly source: DataSource | null;
  readonly read: Extract;
}[] = [
  { name: 'tenure_days', source: null, read: (f) => f.tenureDays },
  { name: 'category', source: null, read: (f) => f.profile?.category ?? null },
  { name: 'country', source: null, read: (f) => f.profile?.country ?? null },
  { name: 'gmv_30d', source: 'sales', read: (f, major) => major(f.gmv30d) },
  { name: 'gmv_90d', source: 'sales', read: (f, major) => major(f.gmv90d) },
  { name: 'gmv_365d', source: 'sales', read: (f, major) => major(f.gmv365d) },
  { name: 'orders_30d', source: 'sales', read: (f) => f.orders30d },
  { name: 'orders_90d', source: 'sales', read: (f) => f.orders90d },
  { name: 'orders_365d', source: 'sales', read: (f) => f.orders365d },
  { name: 'average_order_value_90d', source: 'sales', read: (f, major) => major(f.averageOrderValue90d) },
  { name: 'growth_90d', source: 'sales', read: (f) => f.growth90d },
  { name: 'sales_trend_30d', source: 'sales', read: (f) => f.salesTrend30d },
  { name: 'refund_rate_30d', source: 'sales', read: (f) => f.refundRate30d },
  { name: 'sales_volatility_90d', source: 'sales', read: (f) => f.salesVolatility90d },
  { name: 'refund_rate_90d', source: 'sales', read: (f) => f.refundRate90d },
  { name: 'return_rate_90d', source: 'sales', read: (f) => f.returnRate90d },
  { name: 'cancellation_rate_90d', source: 'sales', read: (f) => f.cancellationRate90d },
  { name: 'days_since_last_sale', source: 'sales', read: (f) => f.daysSinceLastSale },
  { name: 'buyer_concentration_hhi_365d', source: 'sales', read: (f) => f.buyerConcentrationHhi365d },
  { name: 'top_buyer_share_365d', source: 'sales', read: (f) => f.topBuyerShare365d },
  { name: 'settlements_90d', source: 'settlements', read: (f) => f.settlements90d },
  { name: 'settlement_cadence_days_90d', source: 'settlements', read: (f) => f.settlementCadenceDays90d },
  { name: 'settlement_net_90d', source: 'settlements', read: (f, major) => major(f.settlementNet90d) },
  { name: 'on_time_delivery_rate_30d', source: 'fulfilment', read: (f) => f.onTimeDeliveryRate30d },
  { name: 'on_time_delivery_rate_90d', source: 'fulfilment', read: (f) => f.onTimeDeliveryRate90d },
  {
    name: 'average_delivery_delay_days_90d',
    source: 'fulfilment',
    read: (f) => f.averageDeliveryDelayDays90d,
  },
  { name: 'rating_average_90d', source: 'reviews', read: (f) => f.ratingAverage90d },
  { name: 'rating_average_365d', source: 'reviews', read: (f) => f.ratingAverage365d },
  { name: 'rating_count_365d', source: 'reviews', read: (f) => f.ratingCount365d },
  { name: 'inventory_value', source: 'inventory', read: (f, major) => major(f.inventoryValue) },
  { name: 'inventory_days_of_sales', source: 'inventory', read: (f) => f.inventoryDaysOfSales },
  {
    name: 'warehouse_receipts_value',
    source: 'inventory',
    read: (f, major) => major(f.warehouseReceiptsValue),
  },
  {
    name: 'invoices_approved_unpaid_amount',
    source: 'receivables',
    read: (f, major) => major(f.invoicesApprovedUnpaidAmount),
  },
  {
    name: 'invoices_overdue_amount',
    source: 'receivables',
    read: (f, major) => major(f.invoicesOverdueAmount),
  },
  {
    name: 'purchase_orders_open_amount',
    source: 'receivables',
    read: (f, major) => major(f.purchaseOrdersOpenAmount),
  },
  {
    name: 'sustainability_attestations_valid',
    source: 'sustainability',
    read: (f) => f.sustainabilityAttestationsValid,
  },
];

/**
 * The model's input row. `consented` null means "all sources" (training on the platform's own
 * history, where consent was checked when the data was used to decide).
 */
export function modelRow(
  features: MerchantFeatures,
  exponent: number,
  consented: readonly DataSource[] | null,
): FeatureRow {
  const scale = 10 ** exponent;
  const major = (amount: bigint | null) => (amount === null ? null : Number(amount) / scale);
  const row: Record<string, FeatureValue> = {};
  for (const feature of modelFeatures) {
    const allowed = feature.source === null || consented === null || consented.includes(feature.source);
    row[feature.name] = allowed ? feature.read(features, major) : null;
  }
  return row;
}
