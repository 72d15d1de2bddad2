/**
 * A merchant's features as JSON: the shape the API and the CLI answer and the one models are
 * trained on. snake_case names, amounts as integer strings of minor units, dates as YYYY-MM-DD.
 */
import type { MerchantFeatures } from '../../domain/features/features.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';

const amount = (value: bigint | null) => (value === null ? null : value.toString());

export function featuresView(f: MerchantFeatures) {
  return {
    object: 'merchant_features',
    merchant_id: f.merchantId,
    as_of: fromDayNumber(f.asOfDay),
    currency: f.currency,
    profile:
      f.profile === null
        ? null
        : {
            legal_name: f.profile.legalName,
            country: f.profile.country,
            category: f.profile.category,
            kyb_status: f.profile.kybStatus,
            onboarded_on: fromDayNumber(f.profile.onboardedDay),
          },
    tenure_days: f.tenureDays,
    days_since_last_sale: f.daysSinceLastSale,
    gmv_30d: amount(f.gmv30d),
    gmv_90d: amount(f.gmv90d),
    gmv_365d: amount(f.gmv365d),
    orders_30d: f.orders30d,
    orders_90d: f.orders90d,
    orders_365d: f.orders365d,
    average_order_value_90d: amount(f.averageOrderValue90d),
    growth_90d: f.growth90d,
    sales_trend_30d: f.salesTrend30d,
    sales_volatility_90d: f.salesVolatility90d,
    refund_rate_30d: f.refundRate30d,
    refund_rate_90d: f.refundRate90d,
    return_rate_90d: f.returnRate90d,
    cancellation_rate_90d: f.cancellationRate90d,
    on_time_delivery_rate_30d: f.onTimeDeliveryRate30d,
    on_time_delivery_rate_90d: f.onTimeDeliveryRate90d,
    average_delivery_delay_days_90d: f.averageDeliveryDelayDays90d,
    rating_average_90d: f.ratingAverage90d,
    rating_average_365d: f.ratingAverage365d,
    rating_count_365d: f.ratingCount365d,
    buyer_concentration_hhi_365d: f.buyerConcentrationHhi365d,
    top_buyer_share_365d: f.topBuyerShare365d,
    settlements_90d: f.settlements90d,
    settlement_cadence_days_90d: f.settlementCadenceDays90d,
    settlement_net_90d: amount(f.settlementNet90d),
    inventory_value: amount(f.inventoryValue),
    inventory_days_of_sales: f.inventoryDaysOfSales,
    warehouse_receipts_value: amount(f.warehouseReceiptsValue),
    invoices_approved_unpaid_amount: amount(f.invoicesApprovedUnpaidAmount),
    invoices_approved_unpaid_count: f.invoicesApprovedUnpaidCount,
    invoices_overdue_amount: amount(f.invoicesOverdueAmount),
    purchase_orders_open_amount: amount(f.purchaseOrdersOpenAmount),
    sustainability_attestations_valid: f.sustainabilityAttestationsValid,
  };
}
