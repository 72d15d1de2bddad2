/**
 * JSON Schemas (TypeBox) of the canonical events: the structural half of validation, compiled once
 * with ajv. The semantic half — currencies, amounts in range, dates that exist, a settlement that
 * adds up — is src/domain/events/check-event.ts. The compile-time checks at the bottom keep these
 * schemas and the domain's types (src/domain/events/catalog.ts) the same shape.
 */
import { type Static, type TSchema, Type } from 'typebox';
import {
  type EventDataByType,
  type EventType,
  eventIdLengthMax,
  eventTypes,
  orderItemsMax,
  quantityMax,
  referenceLengthMax,
  textLengthMax,
} from '../domain/events/catalog.ts';

const Reference = Type.String({ minLength: 1, maxLength: referenceLengthMax, pattern: '^[\\x21-\\x7e]+$' });
const Text = Type.String({ minLength: 1, maxLength: textLengthMax });
const Amount = Type.String({
  pattern: '^(0|[1-9][0-9]{0,18})$',
  description: 'integer minor units, not negative',
});
const SignedAmount = Type.String({ pattern: '^(0|-?[1-9][0-9]{0,18})$', description: 'integer minor units' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217' });
const CalendarDate = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' });
const Quantity = Type.Integer({ minimum: 0, maximum: quantityMax });

function data<P extends Record<string, TSchema>>(properties: P) {
  return Type.Object(properties, { additionalProperties: false });
}

export const eventDataSchemas = {
  'merchant.onboarded': data({
    legal_name: Text,
    country: Type.String({ pattern: '^[A-Z]{2}$', description: 'ISO 3166-1 alpha-2' }),
    currency: Currency,
    category: Text,
    kyb_status: Type.Union([Type.Literal('verified'), Type.Literal('pending'), Type.Literal('rejected')]),
  }),
  'order.placed': data({
    order_id: Reference,
    buyer_id: Reference,
    amount: Amount,
    currency: Currency,
    items: Type.Optional(
      Type.Array(data({ sku: Reference, quantity: Quantity, unit_price: Amount }), {
        maxItems: orderItemsMax,
      }),
    ),
  }),
  'order.cancelled': data({
    order_id: Reference,
    amount: Amount,
    currency: Currency,
    reason: Type.Optional(Text),
  }),
  'order.refunded': data({
    order_id: Reference,
    refund_id: Reference,
    amount: Amount,
    currency: Currency,
    reason: Type.Union([
      Type.Literal('return'),
      Type.Literal('not_received'),
      Type.Literal('defective'),
      Type.Literal('other'),
    ]),
  }),
  'payment.captured': data({
    order_id: Reference,
    payment_id: Reference,
    amount: Amount,
    currency: Currency,
  }),
  'settlement.paid': data({
    settlement_id: Reference,
    period_start: CalendarDate,
    period_end: CalendarDate,
    gross: Amount,
    fees: Amount,
    refunds: Amount,
    chargebacks: Amount,
    adjustments: Type.Optional(SignedAmount),
    net: SignedAmount,
    currency: Currency,
    fx_rates: Type.Optional(
      Type.Array(
        Type.Object(
          {
            base: Currency,
            quote: Currency,
            rate: Type.String({
              pattern: '^[0-9]{1,12}(\\.[0-9]{1,12})?$',
              description: 'quote units per base unit',
            }),
            source: Type.String({ minLength: 1, maxLength: 100 }),
            as_of: Type.String({ minLength: 1, maxLength: 64, description: 'RFC 3339 date-time' }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 20 },
      ),
    ),
  }),
  'shipment.shipped': data({
    shipment_id: Reference,
    order_id: Reference,
    promised_delivery_on: CalendarDate,
    carrier: Type.Optional(Text),
  }),
  'shipment.delivered': data({
    shipment_id: Reference,
    order_id: Reference,
    promised_delivery_on: CalendarDate,
    delivered_on: CalendarDate,
  }),
  'review.posted': data({
    review_id: Reference,
    order_id: Type.Optional(Reference),
    rating: Type.Integer({ minimum: 1, maximum: 5 }),
  }),
  'inventory.snapshot': data({
    sku: Reference,
    warehouse_id: Reference,
    quantity: Quantity,
    unit_cost: Amount,
    currency: Currency,
  }),
  'warehouse_receipt.issued': data({
    receipt_id: Reference,
    warehouse_id: Reference,
    sku: Reference,
    quantity: Quantity,
    unit_value: Amount,
    currency: Currency,
  }),
  'warehouse_receipt.released': data({ receipt_id: Reference, quantity: Type.Optional(Quantity) }),
  'purchase_order.issued': data({
    po_id: Reference,
    buyer_id: Reference,
    amount: Amount,
    currency: Currency,
    deliver_by: CalendarDate,
  }),
  'purchase_order.confirmed': data({ po_id: Reference, buyer_id: Reference }),
  'purchase_order.cancelled': data({ po_id: Reference, reason: Type.Optional(Text) }),
  'invoice.issued': data({
    invoice_id: Reference,
    invoice_number: Reference,
    buyer_id: Reference,
    amount: Amount,
    currency: Currency,
    issued_on: CalendarDate,
    due_on: CalendarDate,
    po_id: Type.Optional(Reference),
  }),
  'invoice.approved': data({ invoice_id: Reference, buyer_id: Reference }),
  'invoice.paid': data({ invoice_id: Reference, amount: Amount, currency: Currency, paid_on: CalendarDate }),
  'sustainability.attested': data({
    attestation_id: Reference,
    scheme: Text,
    verified_by: Text,
    valid_until: CalendarDate,
  }),
} satisfies Record<EventType, TSchema>;

export const platformIdPattern = '^plt_[A-Za-z0-9_-]{1,60}$';
export const merchantIdPattern = '^mer_[A-Za-z0-9_-]{1,60}$';

/** The CloudEvents envelope around one type's data. */
export function envelopeSchema<T extends EventType>(type: T) {
  return Type.Object(
    {
      specversion: Type.Literal('1.0'),
      id: Type.String({ minLength: 1, maxLength: eventIdLengthMax, pattern: '^[\\x21-\\x7e]+$' }),
      source: Type.String({ pattern: platformIdPattern, description: 'the platform: plt_…' }),
      type: Type.Literal(type),
      // RFC 3339, checked exactly (and only once) by the domain's instant parser.
      time: Type.String({ minLength: 20, maxLength: 40, description: 'RFC 3339 date-time with an offset' }),
      subject: Type.String({ pattern: merchantIdPattern, description: 'the merchant: mer_…' }),
      datacontenttype: Type.Optional(Type.Literal('application/json')),
      dataschema: Type.Optional(Type.Literal(`urn:capstan:event:${type}:1`)),
      data: eventDataSchemas[type],
    },
    { additionalProperties: false },
  );
}

export const eventTypeList = eventTypes;

// Compile-time: each schema's static type is the domain's type for that event, both ways.
type SchemaData = { [T in EventType]: Static<(typeof eventDataSchemas)[T]> };
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemasMatchCatalog: { [T in EventType]: Same<SchemaData[T], EventDataByType[T]> } = {
  'merchant.onboarded': true,
  'order.placed': true,
  'order.cancelled': true,
  'order.refunded': true,
  'payment.captured': true,
  'settlement.paid': true,
  'shipment.shipped': true,
  'shipment.delivered': true,
  'review.posted': true,
  'inventory.snapshot': true,
  'warehouse_receipt.issued': true,
  'warehouse_receipt.released': true,
  'purchase_order.issued': true,
  'purchase_order.confirmed': true,
  'purchase_order.cancelled': true,
  'invoice.issued': true,
  'invoice.approved': true,
  'invoice.paid': true,
  'sustainability.attested': true,
};
void schemasMatchCatalog;
