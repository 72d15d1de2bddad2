/**
 * What a merchant reads about a model's reason: the trainer's own sentence ("sales_trend_30d is
 * −0.14 (band ≤ −0.13): 44 points fewer than the best band") is for analysts and stays as the
 * reason's `detail`; the merchant gets a plain sentence about its business for each marketplace
 * feature and direction. Codes are unchanged, so a sentence can be reworded without touching them.
 */
import type { ReasonDirection } from '../risk/reasons.ts';

interface FeatureText {
  /** "your …": what the feature is about, for the generic sentences. */
  readonly noun: string;
  readonly high?: string;
  readonly low?: string;
}

const texts: Readonly<Record<string, FeatureText>> = {
  tenure_days: {
    noun: 'time selling on the platform',
    low: 'You have been selling on the platform for a short time.',
  },
  category: { noun: 'product category' },
  country: { noun: 'country' },
  gmv_30d: { noun: 'sales over the last 30 days', low: 'Your sales over the last 30 days are low.' },
  gmv_90d: { noun: 'sales over the last 90 days', low: 'Your sales over the last 90 days are low.' },
  gmv_365d: { noun: 'sales over the last year', low: 'Your sales over the last year are low.' },
  orders_30d: {
    noun: 'number of orders in the last 30 days',
    low: 'You had few orders in the last 30 days.',
  },
  orders_90d: {
    noun: 'number of orders in the last 90 days',
    low: 'You had few orders in the last 90 days.',
  },
  orders_365d: { noun: 'number of orders in the last year', low: 'You had few orders in the last year.' },
  average_order_value_90d: { noun: 'average order value' },
  growth_90d: {
    noun: 'sales growth',
    low: 'Your sales over the last 90 days were lower than in the 90 days before.',
  },
  sales_trend_30d: {
    noun: 'recent sales trend',
    low: 'Your sales over the last 30 days were below your average of the three months before.',
  },
  sales_volatility_90d: { noun: 'day-to-day sales', high: 'Your daily sales vary a lot from day to day.' },
  refund_rate_30d: { noun: 'refunds', high: 'A high share of your sales was refunded in the last 30 days.' },
  refund_rate_90d: { noun: 'refunds', high: 'A high share of your sales was refunded in the last 90 days.' },
  return_rate_90d: { noun: 'returns', high: 'A high share of your orders was returned in the last 90 days.' },
  cancellation_rate_90d: {
    noun: 'cancellations',
    high: 'A high share of your orders was cancelled in the last 90 days.',
  },
  days_since_last_sale: { noun: 'last sale', high: 'It has been several days since your last sale.' },
  buyer_concentration_hhi_365d: {
    noun: 'spread of buyers',
    high: 'A large share of your sales comes from a few buyers.',
  },
  top_buyer_share_365d: {
    noun: 'largest buyer',
    high: 'Your largest buyer accounts for a large share of your sales.',
  },
  settlements_90d: { noun: 'payouts', low: 'You received few payouts in the last 90 days.' },
  settlement_cadence_days_90d: { noun: 'payout schedule', high: 'Your payouts come far apart.' },
  settlement_net_90d: { noun: 'payouts', low: 'Your net payouts over the last 90 days are low.' },
  on_time_delivery_rate_30d: {
    noun: 'delivery times',
    low: 'Too many of your deliveries arrived late in the last 30 days.',
  },
  on_time_delivery_rate_90d: {
    noun: 'delivery times',
    low: 'Too many of your deliveries arrived late in the last 90 days.',
  },
  average_delivery_delay_days_90d: {
    noun: 'delivery delays',
    high: 'Your deliveries arrived days later than promised on average in the last 90 days.',
  },
  rating_average_90d: {
    noun: 'buyer ratings',
    low: 'Your average buyer rating over the last 90 days is low.',
  },
  rating_average_365d: { noun: 'buyer ratings', low: 'Your average buyer rating over the last year is low.' },
  rating_count_365d: { noun: 'buyer ratings', low: 'You have few buyer ratings.' },
  inventory_value: { noun: 'stock' },
  inventory_days_of_sales: { noun: 'stock compared with your sales' },
  warehouse_receipts_value: { noun: 'goods held in warehouses' },
  invoices_approved_unpaid_amount: { noun: 'approved invoices awaiting payment' },
  invoices_overdue_amount: {
    noun: 'invoices to business buyers',
    high: 'Some of your invoices to business buyers are overdue.',
  },
  purchase_orders_open_amount: { noun: 'open purchase orders' },
  sustainability_attestations_valid: {
    noun: 'sustainability attestations',
    low: 'You have no valid sustainability attestation.',
  },
};

/** The merchant's sentence for a model reason on `feature`, or null for a feature it does not know. */
export function plainReason(feature: string, direction: ReasonDirection): string | null {
  const text = texts[feature];
  if (text === undefined) return null;
  switch (direction) {
    case 'high':
      return text.high ?? `Your ${text.noun} is higher than we like to see.`;
    case 'low':
      return text.low ?? `Your ${text.noun} is lower than we like to see.`;
    case 'missing':
      return `We have no recent data about your ${text.noun}.`;
    case 'adverse':
      return `Your ${text.noun} carries more risk in our experience.`;
  }
}
