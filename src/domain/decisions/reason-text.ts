/**
 * What a merchant reads about a model's reason: the trainer's own sentence ("sales_trend_30d is
 * −0.14 (band ≤ −0.13): 44 points fewer than the best band") is for analysts and stays as the
 * reason's `detail`; the merchant gets a plain sentence about its business for each marketplace
 * feature and direction. Codes are unchanged, so a sentence can be reworded without touching them.
 */
import type { ReasonDirection } from '../risk/reasons.ts';

interface FeatureText {
  /** A singular noun phrase after "your", for the missing and adverse sentences. */
  readonly noun: string;
  /** The value is above where the model sees least risk. */
  readonly high: string;
  /** The value is below where the model sees least risk. */
  readonly low: string;
}

const texts: Readonly<Record<string, FeatureText>> = {
  tenure_days: {
    noun: 'time selling on the platform',
    high: 'Merchants who have sold on the platform as long as you have carry more risk in our experience.',
    low: 'You have been selling on the platform for a short time.',
  },
  category: {
    noun: 'product category',
    high: 'Your product category carries more risk in our experience.',
    low: 'Your product category carries more risk in our experience.',
  },
  country: {
    noun: 'country',
    high: 'Your country carries more risk in our experience.',
    low: 'Your country carries more risk in our experience.',
  },
  gmv_30d: {
    noun: 'sales over the last 30 days',
    high: 'Your sales over the last 30 days were unusually high.',
    low: 'Your sales over the last 30 days were low.',
  },
  gmv_90d: {
    noun: 'sales over the last 90 days',
    high: 'Your sales over the last 90 days were unusually high.',
    low: 'Your sales over the last 90 days were low.',
  },
  gmv_365d: {
    noun: 'sales over the last year',
    high: 'Your sales over the last year were unusually high.',
    low: 'Your sales over the last year were low.',
  },
  orders_30d: {
    noun: 'number of orders in the last 30 days',
    high: 'You had an unusually high number of orders in the last 30 days.',
    low: 'You had few orders in the last 30 days.',
  },
  orders_90d: {
    noun: 'number of orders in the last 90 days',
    high: 'You had an unusually high number of orders in the last 90 days.',
    low: 'You had few orders in the last 90 days.',
  },
  orders_365d: {
    noun: 'number of orders in the last year',
    high: 'You had an unusually high number of orders in the last year.',
    low: 'You had few orders in the last year.',
  },
  average_order_value_90d: {
    noun: 'average order value',
    high: 'Your average order value is high.',
    low: 'Your average order value is low.',
  },
  growth_90d: {
    noun: 'sales growth',
    high: 'Your sales grew unusually fast over the last 90 days.',
    low: 'Your sales over the last 90 days were lower than in the 90 days before.',
  },
  sales_trend_30d: {
    noun: 'recent sales trend',
    high: 'Your sales over the last 30 days jumped well above the three months before.',
    low: 'Your sales over the last 30 days were below your average of the three months before.',
  },
  sales_volatility_90d: {
    noun: 'pattern of daily sales',
    high: 'Your daily sales vary a lot from day to day.',
    low: 'Your daily sales are unusually even from day to day.',
  },
  refund_rate_30d: {
    noun: 'refund rate',
    high: 'A high share of your sales was refunded in the last 30 days.',
    low: 'Your refunds in the last 30 days were unusually few.',
  },
  refund_rate_90d: {
    noun: 'refund rate',
    high: 'A high share of your sales was refunded in the last 90 days.',
    low: 'Your refunds in the last 90 days were unusually few.',
  },
  return_rate_90d: {
    noun: 'return rate',
    high: 'A high share of your orders was returned in the last 90 days.',
    low: 'Your returns in the last 90 days were unusually few.',
  },
  cancellation_rate_90d: {
    noun: 'cancellation rate',
    high: 'A high share of your orders was cancelled in the last 90 days.',
    low: 'Your cancellations in the last 90 days were unusually few.',
  },
  days_since_last_sale: {
    noun: 'most recent sale',
    high: 'It has been several days since your last sale.',
    low: 'Your most recent sale was very recent, which in our experience carries more risk.',
  },
  buyer_concentration_hhi_365d: {
    noun: 'mix of buyers',
    high: 'A large share of your sales comes from a few buyers.',
    low: 'Your sales are spread over many occasional buyers.',
  },
  top_buyer_share_365d: {
    noun: 'largest buyer',
    high: 'Your largest buyer accounts for a large share of your sales.',
    low: 'You have no buyer that accounts for a large share of your sales.',
  },
  settlements_90d: {
    noun: 'payout history',
    high: 'You received an unusually high number of payouts in the last 90 days.',
    low: 'You received few payouts in the last 90 days.',
  },
  settlement_cadence_days_90d: {
    noun: 'payout schedule',
    high: 'Your payouts come far apart.',
    low: 'Your payouts come unusually close together.',
  },
  settlement_net_90d: {
    noun: 'net payouts',
    high: 'Your net payouts over the last 90 days were unusually high.',
    low: 'Your net payouts over the last 90 days were low.',
  },
  on_time_delivery_rate_30d: {
    noun: 'delivery record',
    high: 'Your deliveries in the last 30 days were on time unusually often.',
    low: 'Too many of your deliveries arrived late in the last 30 days.',
  },
  on_time_delivery_rate_90d: {
    noun: 'delivery record',
    high: 'Your deliveries in the last 90 days were on time unusually often.',
    low: 'Too many of your deliveries arrived late in the last 90 days.',
  },
  average_delivery_delay_days_90d: {
    noun: 'delivery record',
    high: 'Your deliveries arrived days later than promised on average in the last 90 days.',
    low: 'Your deliveries were unusually punctual in the last 90 days.',
  },
  rating_average_90d: {
    noun: 'average buyer rating',
    high: 'Your average buyer rating over the last 90 days is unusually high.',
    low: 'Your average buyer rating over the last 90 days is low.',
  },
  rating_average_365d: {
    noun: 'average buyer rating',
    high: 'Your average buyer rating over the last year is unusually high.',
    low: 'Your average buyer rating over the last year is low.',
  },
  rating_count_365d: {
    noun: 'number of buyer ratings',
    high: 'You received an unusually high number of buyer ratings.',
    low: 'You have few buyer ratings.',
  },
  inventory_value: {
    noun: 'stock',
    high: 'Your stock is worth a lot compared with merchants like you.',
    low: 'Your stock is worth little compared with merchants like you.',
  },
  inventory_days_of_sales: {
    noun: 'stock compared with your sales',
    high: 'Your stock would take a long time to sell at your current sales.',
    low: 'Your stock covers only a few days of sales.',
  },
  warehouse_receipts_value: {
    noun: 'goods held in warehouses',
    high: 'You hold a lot of goods in warehouses.',
    low: 'You hold few goods in warehouses.',
  },
  invoices_approved_unpaid_amount: {
    noun: 'approved invoices awaiting payment',
    high: 'A lot of your approved invoices are awaiting payment.',
    low: 'You have few approved invoices awaiting payment.',
  },
  invoices_overdue_amount: {
    noun: 'invoices to business buyers',
    high: 'Some of your invoices to business buyers are overdue.',
    low: 'Your invoices to business buyers are paid unusually promptly.',
  },
  purchase_orders_open_amount: {
    noun: 'open purchase orders',
    high: 'You have a lot of open purchase orders.',
    low: 'You have few open purchase orders.',
  },
  sustainability_attestations_valid: {
    noun: 'sustainability attestations',
    high: 'Merchants with as many sustainability attestations as you carry more risk in our experience.',
    low: 'You have no valid sustainability attestation.',
  },
};

/** The merchant's sentence for a model reason on `feature`, or null for a feature it does not know. */
export function plainReason(feature: string, direction: ReasonDirection): string | null {
  const text = texts[feature];
  if (text === undefined) return null;
  switch (direction) {
    case 'high':
      return text.high;
    case 'low':
      return text.low;
    case 'missing':
      return `We have no recent data about your ${text.noun}.`;
    case 'adverse':
      return `Your ${text.noun} is one that carries more risk in our experience.`;
  }
}
