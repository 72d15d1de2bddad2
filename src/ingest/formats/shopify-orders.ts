/**
 * A Shopify Orders export — the REST Admin API's `GET /orders.json?status=any` body, `{"orders":
 * [ … ]}` — turned into canonical events. The export names neither the platform nor the merchant, so
 * the caller passes `{ source: 'plt_…', subject: 'mer_…' }`.
 *
 * Per order, in this order (the record's `line` is where the order's `{` is, its `raw` the order's
 * JSON):
 * | event              | when                                               | id                                 |
 * | order.placed       | always                                             | shopify:order:<id>:placed          |
 * | payment.captured   | financial_status paid, partially_refunded, refunded | shopify:order:<id>:captured        |
 * | order.cancelled    | cancelled_at is set                                | shopify:order:<id>:cancelled       |
 * | order.refunded     | per refund that moved money                        | shopify:refund:<refund id>         |
 * | shipment.shipped   | per fulfillment with status "success"              | shopify:fulfillment:<id>:shipped   |
 * | shipment.delivered | that fulfillment's shipment_status is "delivered"  | shopify:fulfillment:<id>:delivered |
 * Their `time` is, in that order: created_at, processed_at (else created_at), cancelled_at, the
 * refund's created_at, the fulfillment's created_at, its updated_at (RFC 3339 with the shop's offset,
 * kept as written).
 * Ids depend only on Shopify's ids, so importing the same export twice changes nothing.
 *
 * Amounts: total_price, line item price and refund transaction amounts are decimal text in the
 * order's `currency` (the shop currency), converted exactly to minor units. order.placed, captured
 * and cancelled carry total_price; buyer_id is customer.id or "guest"; items come from line_items
 * (sku, or `line_item:<id>` for a custom item without one; omitted beyond orderItemsMax items).
 * A refund's amount is the sum of its transactions of kind "refund" whose status is "success" (or
 * absent); a refund of zero (restock only) makes no event. Its reason is "return" when a
 * refund_line_item has restock_type "return", else "other". promised_delivery_on is the fulfillment's
 * created_at date (as written, in the shop's offset) plus `promisedDeliveryDays` (default 5: Shopify
 * knows no promise); delivered_on is the date of updated_at.
 *
 * Streaming: orders are cut out of the stream one at a time (json-array-scanner.ts) and parsed
 * alone, so memory is bounded by `shopifyOrderCharsMax`, not by the file. A bad order is a record
 * with a `problem` naming the field; a file that is not such an export throws.
 */

import { assert } from '../../domain/assert.ts';
import {
  type CanonicalEvent,
  type Envelope,
  type EventDataByType,
  type EventType,
  type OrderItem,
  orderItemsMax,
} from '../../domain/events/catalog.ts';
import { currencyExponent } from '../../domain/money/currency.ts';
import { formatMinorUnits, isAmountMinorInRange } from '../../domain/money/money.ts';
import { addDays, dayNumberMax, parseCalendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';
import type { SourceRecord } from '../source-record.ts';
import { type FieldProblem, FieldReader, type JsonObject } from './field-reader.ts';
import { JsonArrayScanner, type ScannedElement } from './json-array-scanner.ts';
import { type ByteSource, type OnBytes, readText } from './lines.ts';
import { checkPlatformExportOptions, type PlatformExportOptions } from './platform-export.ts';

export const shopifyPromisedDeliveryDaysDefault = 5;
export const shopifyPromisedDeliveryDaysMax = 365;
/** Bound on one order's JSON; an order with hundreds of line items is well under it. */
export const shopifyOrderCharsMax = 4 * 1024 * 1024;

export interface ShopifyOptions extends PlatformExportOptions {
  readonly promisedDeliveryDays?: number;
  readonly onBytes?: OnBytes;
}

export type ShopifyOrderResult =
  | { readonly ok: true; readonly events: readonly CanonicalEvent[] }
  | { readonly ok: false; readonly problem: FieldProblem };

const capturedStatuses = new Set(['paid', 'partially_refunded', 'refunded']);

interface OrderContext {
  readonly reader: FieldReader;
  readonly options: ShopifyOptions;
  readonly orderId: string;
  readonly currency: string;
  readonly events: CanonicalEvent[];
}

function emit<T extends EventType>(
  context: OrderContext,
  id: string,
  type: T,
  time: string,
  data: EventDataByType[T],
): void {
  const { source, subject } = context.options;
  const event: Envelope<T> = { specversion: '1.0', id, source, type, time, subject, data };
  context.events.push(event as unknown as CanonicalEvent);
}

function readItems(context: OrderContext, order: JsonObject): OrderItem[] | undefined {
  const { reader, currency } = context;
  const lineItems = reader.array(order, 'line_items', 'line_items');
  if (lineItems.length === 0 || lineItems.length > orderItemsMax) return undefined;
  return lineItems.map((value, index) => {
    const path = `line_items[${index}]`;
    const item = reader.object(value, path);
    const sku =
      reader.optionalText(item, 'sku', `${path}.sku`) ?? `line_item:${reader.id(item, 'id', `${path}.id`)}`;
    const quantity = reader.quantity(item, 'quantity', `${path}.quantity`);
    const unitPrice = reader.nonNegativeAmountMinor(item, 'price', `${path}.price`, currency);
    return { sku, quantity, unit_price: formatMinorUnits(unitPrice) };
  });
}

function mapOrderLifecycle(context: OrderContext, order: JsonObject): void {
  const { reader, orderId, currency } = context;
  const createdAt = reader.instant(order, 'created_at', 'created_at');
  const amount = formatMinorUnits(
    reader.nonNegativeAmountMinor(order, 'total_price', 'total_price', currency),
  );
  const customer =
    order['customer'] === null || order['customer'] === undefined
      ? null
      : reader.object(order['customer'], 'customer');
  const buyerId = customer === null ? 'guest' : reader.id(customer, 'id', 'customer.id');
  const items = readItems(context, order);
  const placed = { order_id: orderId, buyer_id: buyerId, amount, currency };
  const placedData = items === undefined ? placed : { ...placed, items };
  emit(context, `shopify:order:${orderId}:placed`, 'order.placed', createdAt, placedData);
  const financialStatus = reader.optionalText(order, 'financial_status', 'financial_status');
  if (financialStatus !== null && capturedStatuses.has(financialStatus)) {
    const time = reader.optionalInstant(order, 'processed_at', 'processed_at') ?? createdAt;
    const data = { order_id: orderId, payment_id: `shopify:order:${orderId}:payment`, amount, currency };
    emit(context, `shopify:order:${orderId}:captured`, 'payment.captured', time, data);
  }
  const cancelledAt = reader.optionalInstant(order, 'cancelled_at', 'cancelled_at');
  if (cancelledAt !== null) {
    const reason = reader.optionalText(order, 'cancel_reason', 'cancel_reason');
    const cancelled = { order_id: orderId, amount, currency };
    const data = reason === null ? cancelled : { ...cancelled, reason };
    emit(context, `shopify:order:${orderId}:cancelled`, 'order.cancelled', cancelledAt, data);
  }
}

function mapRefund(context: OrderContext, value: unknown, path: string): void {
  const { reader, orderId, currency } = context;
  const refund = reader.object(value, path);
  const refundId = reader.id(refund, 'id', `${path}.id`);
  const time = reader.instant(refund, 'created_at', `${path}.created_at`);
  let amountMinor = 0n;
  reader.array(refund, 'transactions', `${path}.transactions`).forEach((item, index) => {
    const transactionPath = `${path}.transactions[${index}]`;
    const transaction = reader.object(item, transactionPath);
    const status = reader.optionalText(transaction, 'status', `${transactionPath}.status`);
    const kind = reader.optionalText(transaction, 'kind', `${transactionPath}.kind`);
    if (kind !== 'refund' || (status !== null && status !== 'success')) return;
    const transactionCurrency = reader.optionalText(transaction, 'currency', `${transactionPath}.currency`);
    if (transactionCurrency !== null && transactionCurrency !== currency) {
      reader.fail(
        'currency_mismatch',
        `${transactionPath}.currency`,
        `${transactionCurrency}, the order is in ${currency}`,
      );
    }
    amountMinor += reader.nonNegativeAmountMinor(
      transaction,
      'amount',
      `${transactionPath}.amount`,
      currency,
    );
  });
  const isReturn = reader
    .array(refund, 'refund_line_items', `${path}.refund_line_items`)
    .some((item, index) => {
      const linePath = `${path}.refund_line_items[${index}]`;
      const line = reader.object(item, linePath);
      return reader.optionalText(line, 'restock_type', `${linePath}.restock_type`) === 'return';
    });
  if (amountMinor === 0n) return;
  if (!isAmountMinorInRange(amountMinor)) {
    reader.fail('amount_out_of_range', `${path}.transactions`, 'the refund transactions sum out of range');
    return;
  }
  const data = {
    order_id: orderId,
    refund_id: refundId,
    amount: formatMinorUnits(amountMinor),
    currency,
    reason: isReturn ? ('return' as const) : ('other' as const),
  };
  emit(context, `shopify:refund:${refundId}`, 'order.refunded', time, data);
}

function mapFulfillment(context: OrderContext, value: unknown, path: string): void {
  const { reader, orderId } = context;
  const fulfillment = reader.object(value, path);
  const status = reader.optionalText(fulfillment, 'status', `${path}.status`);
  if (status !== null && status !== 'success') return;
  const shipmentId = reader.id(fulfillment, 'id', `${path}.id`);
  const shippedAt = reader.instant(fulfillment, 'created_at', `${path}.created_at`);
  const shippedOn = parseCalendarDate(shippedAt.slice(0, 10));
  const days = context.options.promisedDeliveryDays ?? shopifyPromisedDeliveryDaysDefault;
  if (!shippedOn.ok || toDayNumber(shippedOn.value) + days > dayNumberMax) {
    reader.fail('time_invalid', `${path}.created_at`, 'not a date a delivery can be promised after');
    return;
  }
  const promised = addDays(shippedOn.value, days);
  const carrier = reader.optionalText(fulfillment, 'tracking_company', `${path}.tracking_company`);
  const shipped = { shipment_id: shipmentId, order_id: orderId, promised_delivery_on: promised };
  const data = carrier === null ? shipped : { ...shipped, carrier };
  emit(context, `shopify:fulfillment:${shipmentId}:shipped`, 'shipment.shipped', shippedAt, data);
  if (reader.optionalText(fulfillment, 'shipment_status', `${path}.shipment_status`) !== 'delivered') return;
  const deliveredAt = reader.instant(fulfillment, 'updated_at', `${path}.updated_at`);
  const delivered = {
    shipment_id: shipmentId,
    order_id: orderId,
    promised_delivery_on: promised,
    delivered_on: deliveredAt.slice(0, 10),
  };
  emit(context, `shopify:fulfillment:${shipmentId}:delivered`, 'shipment.delivered', deliveredAt, delivered);
}

/** The canonical events of one order of the export, or the first problem found in it. */
export function shopifyOrderEvents(order: unknown, options: ShopifyOptions): ShopifyOrderResult {
  const days = options.promisedDeliveryDays ?? shopifyPromisedDeliveryDaysDefault;
  assert(
    Number.isSafeInteger(days) && days >= 0 && days <= shopifyPromisedDeliveryDaysMax,
    'promisedDeliveryDays out of range',
  );
  const reader = new FieldReader();
  const object = reader.object(order, 'order');
  const orderId = reader.id(object, 'id', 'id');
  const currency = reader.text(object, 'currency', 'currency');
  if (reader.problem === null && !currencyExponent(currency).ok)
    reader.fail('currency_invalid', 'currency', `unknown currency ${currency}`);
  if (reader.problem !== null) return { ok: false, problem: reader.problem };
  const context: OrderContext = { reader, options, orderId, currency, events: [] };
  mapOrderLifecycle(context, object);
  for (const [index, refund] of reader.array(object, 'refunds', 'refunds').entries()) {
    mapRefund(context, refund, `refunds[${index}]`);
  }
  for (const [index, fulfillment] of reader.array(object, 'fulfillments', 'fulfillments').entries()) {
    mapFulfillment(context, fulfillment, `fulfillments[${index}]`);
  }
  return reader.problem === null
    ? { ok: true, events: context.events }
    : { ok: false, problem: reader.problem };
}

/** Throws a clear error for options a user got wrong (the CLI passes them through). */
export function checkShopifyOptions(options: {
  readonly source?: string | undefined;
  readonly subject?: string | undefined;
  readonly promisedDeliveryDays?: number | undefined;
}): void {
  const days = options.promisedDeliveryDays;
  checkPlatformExportOptions('a Shopify orders export', options);
  if (
    days !== undefined &&
    !(Number.isSafeInteger(days) && days >= 0 && days <= shopifyPromisedDeliveryDaysMax)
  ) {
    throw new Error(
      `promised delivery days must be a whole number from 0 to ${shopifyPromisedDeliveryDaysMax}: ${days}`,
    );
  }
}

function* recordsOf(
  elements: readonly ScannedElement[],
  origin: string,
  options: ShopifyOptions,
): Generator<SourceRecord> {
  for (const element of elements) {
    const { line, text: raw } = element;
    if ('problem' in element) {
      yield {
        origin,
        line,
        raw,
        problem: { code: element.problem.code, field: null, detail: element.problem.detail },
      };
      continue;
    }
    let order: unknown;
    try {
      order = JSON.parse(raw);
    } catch (error) {
      yield {
        origin,
        line,
        raw,
        problem: { code: 'json_invalid', field: null, detail: (error as Error).message },
      };
      continue;
    }
    const result = shopifyOrderEvents(order, options);
    if (!result.ok) {
      yield { origin, line, raw, problem: result.problem };
      continue;
    }
    for (const value of result.events) yield { origin, line, raw, value };
  }
}

export async function* readShopifyOrders(
  input: ByteSource,
  origin: string,
  options: ShopifyOptions,
): AsyncGenerator<SourceRecord> {
  checkShopifyOptions(options);
  const scanner = new JsonArrayScanner('orders', shopifyOrderCharsMax);
  const notAnExport = () =>
    new Error(`${origin}: not a Shopify orders export ({"orders": […]}): ${scanner.structureError}`);
  for await (const text of readText(input, options.onBytes)) {
    yield* recordsOf(scanner.push(text), origin, options);
    if (scanner.structureError !== null) throw notAnExport();
  }
  yield* recordsOf(scanner.end(), origin, options);
  if (scanner.structureError !== null) throw notAnExport();
}
