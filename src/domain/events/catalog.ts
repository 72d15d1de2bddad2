/**
 * The canonical commerce events a platform sends Capstan, version 1: the CloudEvents 1.0 envelope
 * and one data shape per type. These are the wire shapes (snake_case, amounts as integer strings of
 * minor units), so that the domain, the JSON Schemas in src/ingest/event-schemas.ts, the docs and
 * the simulator all speak of the same fields by the same names. docs/events.md has an example of
 * each type.
 *
 * Dates are calendar dates ('YYYY-MM-DD'); `time` is an RFC 3339 instant. An amount is a string of
 * integer minor units with the `currency` beside it, never a float.
 */

export const eventTypes = [
  'merchant.onboarded',
  'order.placed',
  'order.cancelled',
  'order.refunded',
  'payment.captured',
  'settlement.paid',
  'shipment.shipped',
  'shipment.delivered',
  'review.posted',
  'inventory.snapshot',
  'warehouse_receipt.issued',
  'warehouse_receipt.released',
  'purchase_order.issued',
  'purchase_order.confirmed',
  'purchase_order.cancelled',
  'invoice.issued',
  'invoice.approved',
  'invoice.paid',
  'sustainability.attested',
] as const;

export type EventType = (typeof eventTypes)[number];

export function isEventType(type: string): type is EventType {
  return (eventTypes as readonly string[]).includes(type);
}

/** The only data version so far; `dataschema` may name it as `urn:capstan:event:<type>:1`. */
export const eventDataVersion = 1;

export function dataschemaOf(type: EventType): string {
  return `urn:capstan:event:${type}:${eventDataVersion}`;
}

export type KybStatus = 'verified' | 'pending' | 'rejected';
export type RefundReason = 'return' | 'not_received' | 'defective' | 'other';

export interface MerchantOnboarded {
  legal_name: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
  /** The merchant's home currency (ISO 4217): its features are in this currency. */
  currency: string;
  category: string;
  kyb_status: KybStatus;
}

export interface OrderItem {
  sku: string;
  quantity: number;
  unit_price: string;
}

export interface OrderPlaced {
  order_id: string;
  buyer_id: string;
  amount: string;
  currency: string;
  items?: OrderItem[];
}

export interface OrderCancelled {
  order_id: string;
  amount: string;
  currency: string;
  reason?: string;
}

export interface OrderRefunded {
  order_id: string;
  refund_id: string;
  amount: string;
  currency: string;
  reason: RefundReason;
}

export interface PaymentCaptured {
  order_id: string;
  payment_id: string;
  amount: string;
  currency: string;
}

/** A payout to the merchant: net = gross − fees − refunds − chargebacks + adjustments. */
export interface SettlementPaid {
  settlement_id: string;
  period_start: string;
  period_end: string;
  gross: string;
  fees: string;
  refunds: string;
  chargebacks: string;
  /** Signed: reserves released (+) or held (−), corrections. Defaults to "0". */
  adjustments?: string;
  net: string;
  currency: string;
  /**
   * Rates for repaying the merchant's facilities in other currencies from this payout (quote units
   * per base unit, as quoted), each with where it came from and when.
   */
  fx_rates?: SettlementFxRate[];
}

export interface SettlementFxRate {
  base: string;
  quote: string;
  rate: string;
  source: string;
  as_of: string;
}

export interface ShipmentShipped {
  shipment_id: string;
  order_id: string;
  promised_delivery_on: string;
  carrier?: string;
}

export interface ShipmentDelivered {
  shipment_id: string;
  order_id: string;
  promised_delivery_on: string;
  delivered_on: string;
}

export interface ReviewPosted {
  review_id: string;
  order_id?: string;
  /** 1 to 5 stars. */
  rating: number;
}

/** The stock of one SKU in one warehouse at `time`; a later snapshot replaces it. */
export interface InventorySnapshot {
  sku: string;
  warehouse_id: string;
  quantity: number;
  unit_cost: string;
  currency: string;
}

export interface WarehouseReceiptIssued {
  receipt_id: string;
  warehouse_id: string;
  sku: string;
  quantity: number;
  unit_value: string;
  currency: string;
}

export interface WarehouseReceiptReleased {
  receipt_id: string;
  /** Units released; absent means all that remain. */
  quantity?: number;
}

export interface PurchaseOrderIssued {
  po_id: string;
  buyer_id: string;
  amount: string;
  currency: string;
  deliver_by: string;
}

export interface PurchaseOrderConfirmed {
  po_id: string;
  buyer_id: string;
}

export interface PurchaseOrderCancelled {
  po_id: string;
  reason?: string;
}

export interface InvoiceIssued {
  invoice_id: string;
  invoice_number: string;
  buyer_id: string;
  amount: string;
  currency: string;
  issued_on: string;
  due_on: string;
  po_id?: string;
}

export interface InvoiceApproved {
  invoice_id: string;
  buyer_id: string;
}

export interface InvoicePaid {
  invoice_id: string;
  amount: string;
  currency: string;
  paid_on: string;
}

export interface SustainabilityAttested {
  attestation_id: string;
  scheme: string;
  verified_by: string;
  valid_until: string;
}

export interface EventDataByType {
  'merchant.onboarded': MerchantOnboarded;
  'order.placed': OrderPlaced;
  'order.cancelled': OrderCancelled;
  'order.refunded': OrderRefunded;
  'payment.captured': PaymentCaptured;
  'settlement.paid': SettlementPaid;
  'shipment.shipped': ShipmentShipped;
  'shipment.delivered': ShipmentDelivered;
  'review.posted': ReviewPosted;
  'inventory.snapshot': InventorySnapshot;
  'warehouse_receipt.issued': WarehouseReceiptIssued;
  'warehouse_receipt.released': WarehouseReceiptReleased;
  'purchase_order.issued': PurchaseOrderIssued;
  'purchase_order.confirmed': PurchaseOrderConfirmed;
  'purchase_order.cancelled': PurchaseOrderCancelled;
  'invoice.issued': InvoiceIssued;
  'invoice.approved': InvoiceApproved;
  'invoice.paid': InvoicePaid;
  'sustainability.attested': SustainabilityAttested;
}

/** A CloudEvents 1.0 envelope around one canonical event. */
export interface Envelope<T extends EventType = EventType> {
  specversion: '1.0';
  /** Unique per source: (source, id) is the event's identity and idempotency key. */
  id: string;
  /** The platform that sends it: `plt_…`. */
  source: string;
  type: T;
  /** When it happened, RFC 3339. Features as of a date see only events with `time` on or before it. */
  time: string;
  /** The merchant it is about: `mer_…`. */
  subject: string;
  datacontenttype?: 'application/json';
  dataschema?: string;
  data: EventDataByType[T];
}

export type CanonicalEvent = { [T in EventType]: Envelope<T> }[EventType];

/** Field limits, declared once; the JSON Schemas use them. */
export const eventIdLengthMax = 128;
export const referenceLengthMax = 128;
export const textLengthMax = 500;
export const orderItemsMax = 500;
export const quantityMax = 1_000_000_000;
