/**
 * One merchant's events and its features as of 2026-03-31, computed by hand (the arithmetic is in
 * the comments), for the feature store's tests. Windows end on and include the as-of day: 30d is
 * 2026-03-02…03-31, 90d is 2026-01-01…03-31, the prior 90d 2025-10-03…12-31, 365d 2025-04-01…
 * 2026-03-31. Events dated after 03-31 are there to prove they are not seen.
 */
import type { CanonicalEvent } from '../../src/domain/events/catalog.ts';
import { event } from './events.ts';

const m = 'mer_fixture';

export const fixtureAsOf = '2026-03-31';

export const fixtureEvents: CanonicalEvent[] = [
  event('merchant.onboarded', 'f-01', '2026-01-01T10:00:00Z', m, {
    legal_name: 'Fixture Shop',
    country: 'US',
    currency: 'USD',
    category: 'toys',
    kyb_status: 'verified',
  }),
  event('order.placed', 'f-02', '2026-03-31T09:00:00Z', m, {
    order_id: 'o1',
    buyer_id: 'b1',
    amount: '10000',
    currency: 'USD',
  }),
  event('order.placed', 'f-03', '2026-03-15T09:00:00Z', m, {
    order_id: 'o2',
    buyer_id: 'b2',
    amount: '30000',
    currency: 'USD',
  }),
  event('order.placed', 'f-04', '2026-02-10T09:00:00Z', m, {
    order_id: 'o3',
    buyer_id: 'b1',
    amount: '20000',
    currency: 'USD',
  }),
  event('order.placed', 'f-05', '2025-12-20T09:00:00Z', m, {
    order_id: 'o4',
    buyer_id: 'b3',
    amount: '40000',
    currency: 'USD',
  }),
  event('order.placed', 'f-06', '2026-04-05T09:00:00Z', m, {
    order_id: 'o5',
    buyer_id: 'b1',
    amount: '99999',
    currency: 'USD',
  }),
  event('order.placed', 'f-07', '2026-03-01T09:00:00Z', m, {
    order_id: 'o6',
    buyer_id: 'b2',
    amount: '5000',
    currency: 'USD',
  }),
  event('order.refunded', 'f-08', '2026-03-20T12:00:00Z', m, {
    order_id: 'o2',
    refund_id: 'r1',
    amount: '6000',
    currency: 'USD',
    reason: 'return',
  }),
  event('order.cancelled', 'f-09', '2026-02-11T12:00:00Z', m, {
    order_id: 'o3',
    amount: '20000',
    currency: 'USD',
  }),
  event('shipment.delivered', 'f-10', '2026-03-17T12:00:00Z', m, {
    shipment_id: 's2',
    order_id: 'o2',
    promised_delivery_on: '2026-03-18',
    delivered_on: '2026-03-17',
  }),
  event('shipment.delivered', 'f-11', '2026-03-06T12:00:00Z', m, {
    shipment_id: 's6',
    order_id: 'o6',
    promised_delivery_on: '2026-03-04',
    delivered_on: '2026-03-06',
  }),
  event('shipment.delivered', 'f-12', '2025-12-28T12:00:00Z', m, {
    shipment_id: 's4',
    order_id: 'o4',
    promised_delivery_on: '2025-12-24',
    delivered_on: '2025-12-28',
  }),
  event('review.posted', 'f-13', '2026-03-20T18:00:00Z', m, { review_id: 'rv1', order_id: 'o2', rating: 4 }),
  event('review.posted', 'f-14', '2025-06-01T18:00:00Z', m, { review_id: 'rv2', rating: 2 }),
  event('review.posted', 'f-15', '2025-03-01T18:00:00Z', m, { review_id: 'rv3', rating: 5 }),
  event('settlement.paid', 'f-16', '2026-03-07T23:00:00Z', m, {
    settlement_id: 'st1',
    period_start: '2026-03-01',
    period_end: '2026-03-07',
    gross: '35000',
    fees: '1750',
    refunds: '0',
    chargebacks: '0',
    net: '33250',
    currency: 'USD',
  }),
  event('settlement.paid', 'f-17', '2026-03-28T23:00:00Z', m, {
    settlement_id: 'st2',
    period_start: '2026-03-08',
    period_end: '2026-03-28',
    gross: '10000',
    fees: '500',
    refunds: '6000',
    chargebacks: '0',
    net: '3500',
    currency: 'USD',
  }),
  event('inventory.snapshot', 'f-18', '2026-03-01T06:00:00Z', m, {
    sku: 'A',
    warehouse_id: 'wh1',
    quantity: 10,
    unit_cost: '1000',
    currency: 'USD',
  }),
  event('inventory.snapshot', 'f-19', '2026-03-20T06:00:00Z', m, {
    sku: 'A',
    warehouse_id: 'wh1',
    quantity: 8,
    unit_cost: '1000',
    currency: 'USD',
  }),
  event('inventory.snapshot', 'f-20', '2026-03-25T06:00:00Z', m, {
    sku: 'B',
    warehouse_id: 'wh1',
    quantity: 5,
    unit_cost: '2000',
    currency: 'USD',
  }),
  event('inventory.snapshot', 'f-21', '2026-04-02T06:00:00Z', m, {
    sku: 'A',
    warehouse_id: 'wh1',
    quantity: 100,
    unit_cost: '1000',
    currency: 'USD',
  }),
  event('warehouse_receipt.issued', 'f-22', '2026-02-01T08:00:00Z', m, {
    receipt_id: 'rc1',
    warehouse_id: 'wh1',
    sku: 'A',
    quantity: 20,
    unit_value: '900',
    currency: 'USD',
  }),
  event('warehouse_receipt.released', 'f-23', '2026-03-01T08:00:00Z', m, { receipt_id: 'rc1', quantity: 5 }),
  event('purchase_order.issued', 'f-24', '2026-03-01T08:00:00Z', m, {
    po_id: 'po1',
    buyer_id: 'anchor',
    amount: '50000',
    currency: 'USD',
    deliver_by: '2026-04-15',
  }),
  event('purchase_order.confirmed', 'f-25', '2026-03-02T08:00:00Z', m, { po_id: 'po1', buyer_id: 'anchor' }),
  event('purchase_order.issued', 'f-26', '2026-03-05T08:00:00Z', m, {
    po_id: 'po2',
    buyer_id: 'anchor',
    amount: '30000',
    currency: 'USD',
    deliver_by: '2026-04-20',
  }),
  event('purchase_order.confirmed', 'f-27', '2026-03-06T08:00:00Z', m, { po_id: 'po2', buyer_id: 'anchor' }),
  event('purchase_order.cancelled', 'f-28', '2026-03-10T08:00:00Z', m, { po_id: 'po2' }),
  event('invoice.issued', 'f-29', '2026-02-01T08:00:00Z', m, {
    invoice_id: 'inv1',
    invoice_number: 'INV-1',
    buyer_id: 'anchor',
    amount: '40000',
    currency: 'USD',
    issued_on: '2026-02-01',
    due_on: '2026-03-03',
  }),
  event('invoice.approved', 'f-30', '2026-02-05T08:00:00Z', m, { invoice_id: 'inv1', buyer_id: 'anchor' }),
  event('invoice.paid', 'f-31', '2026-03-20T08:00:00Z', m, {
    invoice_id: 'inv1',
    amount: '15000',
    currency: 'USD',
    paid_on: '2026-03-20',
  }),
  event('invoice.issued', 'f-32', '2026-03-10T08:00:00Z', m, {
    invoice_id: 'inv2',
    invoice_number: 'INV-2',
    buyer_id: 'anchor',
    amount: '20000',
    currency: 'USD',
    issued_on: '2026-03-10',
    due_on: '2026-04-09',
  }),
  event('invoice.approved', 'f-33', '2026-03-12T08:00:00Z', m, { invoice_id: 'inv2', buyer_id: 'anchor' }),
  event('invoice.issued', 'f-34', '2026-03-15T08:00:00Z', m, {
    invoice_id: 'inv3',
    invoice_number: 'INV-3',
    buyer_id: 'anchor',
    amount: '7000',
    currency: 'USD',
    issued_on: '2026-03-15',
    due_on: '2026-04-14',
  }),
  event('sustainability.attested', 'f-35', '2026-01-15T08:00:00Z', m, {
    attestation_id: 'a1',
    scheme: 'iso_14001',
    verified_by: 'Bureau Veritas',
    valid_until: '2026-12-31',
  }),
  event('sustainability.attested', 'f-36', '2025-01-01T08:00:00Z', m, {
    attestation_id: 'a2',
    scheme: 'b_corp',
    verified_by: 'B Lab',
    valid_until: '2026-01-31',
  }),
];

/** By hand; see each line. */
export const fixtureFeatures = {
  object: 'merchant_features',
  merchant_id: m,
  as_of: fixtureAsOf,
  currency: 'USD',
  profile: {
    legal_name: 'Fixture Shop',
    country: 'US',
    category: 'toys',
    kyb_status: 'verified',
    onboarded_on: '2026-01-01',
  },
  tenure_days: 89, // 2026-01-01 → 03-31
  days_since_last_sale: 0, // o1 on the as-of day
  gmv_30d: '40000', // o1 10,000 + o2 30,000 (o6 on 03-01 is day 31)
  gmv_90d: '65000', // + o3 20,000 + o6 5,000
  gmv_365d: '105000', // + o4 40,000; o5 (04-05) is in the future
  orders_30d: 2,
  orders_90d: 4,
  orders_365d: 5,
  average_order_value_90d: '16250', // 65,000 / 4
  growth_90d: 0.625, // (65,000 − 40,000) / 40,000
  // Last 30 days' average daily sales against the 90 days before them (12-02…03-01): those hold
  // o4, o3 and o6 (65,000) but only 60 of them are since onboarding, so (40,000 / 30) ÷ (65,000 / 60) − 1.
  sales_trend_30d: 0.230769,
  sales_volatility_90d: 5.418028, // population sd / mean of 90 daily values {10k, 30k, 20k, 5k, 86 × 0}
  refund_rate_30d: 0.15, // 6,000 / 40,000
  refund_rate_90d: 0.092308, // 6,000 / 65,000
  return_rate_90d: 0.25, // 1 return / 4 orders
  cancellation_rate_90d: 0.25, // 1 cancellation / 4 orders
  on_time_delivery_rate_30d: 0.5, // s2 (03-17) early, s6 (03-06) late
  on_time_delivery_rate_90d: 0.5, // s2 early, s6 two days late (s4 is before the window)
  average_delivery_delay_days_90d: 1, // (0 + 2) / 2
  rating_average_90d: 4, // rv1 only
  rating_average_365d: 3, // (4 + 2) / 2; the 5 of 2025-03-01 is older than 365 days
  rating_count_365d: 2,
  buyer_concentration_hhi_365d: 0.337868, // b1 30k, b2 35k, b3 40k of 105k: Σ share²
  top_buyer_share_365d: 0.380952, // 40k / 105k
  settlements_90d: 2,
  settlement_cadence_days_90d: 45, // 90 / 2
  settlement_net_90d: '36750', // 33,250 + 3,500
  inventory_value: '18000', // A: 8 × 1,000 (the 03-20 snapshot; 04-02 is future) + B: 5 × 2,000
  inventory_days_of_sales: 24.923077, // 18,000 × 90 / 65,000
  warehouse_receipts_value: '13500', // (20 − 5) × 900
  invoices_approved_unpaid_amount: '45000', // inv1 40,000 − 15,000 + inv2 20,000 (inv3 not approved)
  invoices_approved_unpaid_count: 2,
  invoices_overdue_amount: '25000', // inv1, due 03-03
  purchase_orders_open_amount: '50000', // po1 confirmed; po2 cancelled
  sustainability_attestations_valid: 1, // a1; a2 expired 01-31
};
