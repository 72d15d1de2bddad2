/**
 * Proves a Shopify Orders export becomes exactly the canonical events of the mapping table in
 * shopify-orders.ts — amounts to the cent in minor units, guest buyers, custom items, the failed
 * refund transaction left out, the restock-only refund and the cancelled fulfillment making no
 * event, promised delivery 5 days (or as configured) after shipping — each on the line where its
 * order starts; that ids are deterministic, so a second import is identical; that the result does
 * not depend on chunking; that a bad order is one problem record naming the field while the orders
 * around it go through; that a file that is not an export, or missing options, throws; and that
 * every value validates against the canonical JSON Schemas.
 */
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { JsonArrayScanner } from './json-array-scanner.ts';
import { readShopifyOrders, shopifyOrderEvents } from './shopify-orders.ts';
import { chunked, collect, eventAt, fixturePath, schemaErrors } from './testing.ts';

const options = { source: 'plt_shop', subject: 'mer_acme' };
const fixture = fixturePath('shopify-orders.json');

/** [line, id, type, time, data] — the envelope's other fields are checked once for all. */
function summary(records: Awaited<ReturnType<typeof read>>) {
  return records.map((record) => {
    const value = record.value as { id: string; type: string; time: string; data: object };
    return [record.line, value.id, value.type, value.time, value.data];
  });
}

function read(input = createReadStream(fixture) as AsyncIterable<Buffer>, extra = {}) {
  return collect(readShopifyOrders(input, 'file:shopify-orders.json', { ...options, ...extra }));
}

const usd = { currency: 'USD' };
const expected = [
  [
    3,
    'shopify:order:5801234567890:placed',
    'order.placed',
    '2026-03-02T10:15:00-05:00',
    {
      order_id: '5801234567890',
      buyer_id: '7001234567890',
      amount: '12990',
      ...usd,
      items: [
        { sku: 'MUG-BLU', quantity: 2, unit_price: '3995' },
        { sku: 'TEE-L', quantity: 1, unit_price: '5000' },
      ],
    },
  ],
  [
    3,
    'shopify:order:5801234567890:captured',
    'payment.captured',
    '2026-03-02T10:15:02-05:00',
    { order_id: '5801234567890', payment_id: 'shopify:order:5801234567890:payment', amount: '12990', ...usd },
  ],
  [
    3,
    'shopify:fulfillment:4401000001:shipped',
    'shipment.shipped',
    '2026-03-03T09:00:00-05:00',
    {
      shipment_id: '4401000001',
      order_id: '5801234567890',
      promised_delivery_on: '2026-03-08',
      carrier: 'UPS',
    },
  ],
  [
    3,
    'shopify:fulfillment:4401000001:delivered',
    'shipment.delivered',
    '2026-03-06T14:20:00-05:00',
    {
      shipment_id: '4401000001',
      order_id: '5801234567890',
      promised_delivery_on: '2026-03-08',
      delivered_on: '2026-03-06',
    },
  ],
  [
    45,
    'shopify:order:5801234567891:placed',
    'order.placed',
    '2026-03-04T18:40:12-05:00',
    {
      order_id: '5801234567891',
      buyer_id: '7001234567891',
      amount: '6450',
      ...usd,
      items: [{ sku: 'CANDLE-01', quantity: 3, unit_price: '1950' }],
    },
  ],
  [
    45,
    'shopify:order:5801234567891:captured',
    'payment.captured',
    '2026-03-04T18:40:14-05:00',
    { order_id: '5801234567891', payment_id: 'shopify:order:5801234567891:payment', amount: '6450', ...usd },
  ],
  [
    45,
    'shopify:refund:910100001',
    'order.refunded',
    '2026-03-12T11:00:00-05:00',
    { order_id: '5801234567891', refund_id: '910100001', amount: '1950', ...usd, reason: 'return' },
  ],
  [
    45,
    'shopify:fulfillment:4401000002:shipped',
    'shipment.shipped',
    '2026-03-05T08:00:00-05:00',
    {
      shipment_id: '4401000002',
      order_id: '5801234567891',
      promised_delivery_on: '2026-03-10',
      carrier: 'USPS',
    },
  ],
  [
    97,
    'shopify:order:5801234567892:placed',
    'order.placed',
    '2026-03-05T09:12:00-05:00',
    {
      order_id: '5801234567892',
      buyer_id: 'guest',
      amount: '1500',
      ...usd,
      items: [{ sku: 'line_item:14001000020', quantity: 1, unit_price: '1500' }],
    },
  ],
  [
    97,
    'shopify:order:5801234567892:cancelled',
    'order.cancelled',
    '2026-03-05T12:00:00-05:00',
    { order_id: '5801234567892', amount: '1500', ...usd, reason: 'customer' },
  ],
  [
    119,
    'shopify:order:5801234567893:placed',
    'order.placed',
    '2026-03-06T20:05:00-05:00',
    {
      order_id: '5801234567893',
      buyer_id: '7001234567893',
      amount: '25000',
      ...usd,
      items: [{ sku: 'LAMP-OAK', quantity: 1, unit_price: '25000' }],
    },
  ],
  [
    119,
    'shopify:order:5801234567893:captured',
    'payment.captured',
    '2026-03-06T20:05:01-05:00',
    { order_id: '5801234567893', payment_id: 'shopify:order:5801234567893:payment', amount: '25000', ...usd },
  ],
  [
    119,
    'shopify:refund:910100002',
    'order.refunded',
    '2026-03-20T09:30:00-04:00',
    { order_id: '5801234567893', refund_id: '910100002', amount: '25000', ...usd, reason: 'other' },
  ],
  [
    119,
    'shopify:fulfillment:4401000005:shipped',
    'shipment.shipped',
    '2026-03-07T09:00:00-05:00',
    {
      shipment_id: '4401000005',
      order_id: '5801234567893',
      promised_delivery_on: '2026-03-12',
      carrier: 'FedEx',
    },
  ],
  [
    119,
    'shopify:fulfillment:4401000005:delivered',
    'shipment.delivered',
    '2026-03-10T16:45:00-05:00',
    {
      shipment_id: '4401000005',
      order_id: '5801234567893',
      promised_delivery_on: '2026-03-12',
      delivered_on: '2026-03-10',
    },
  ],
];

describe('readShopifyOrders', () => {
  it('maps the fixture to exactly the expected events, each on its order’s line', async () => {
    const records = await read();
    assert.deepEqual(summary(records), expected);
    const text = readFileSync(fixture, 'utf8');
    for (const record of records) {
      assert.equal(record.problem, undefined);
      assert.equal(record.origin, 'file:shopify-orders.json');
      const value = record.value as Record<string, unknown>;
      assert.equal(value.specversion, '1.0');
      assert.equal(value.source, 'plt_shop');
      assert.equal(value.subject, 'mer_acme');
      assert.equal(schemaErrors(value), null, JSON.stringify(value));
      const order = JSON.parse(record.raw) as { id: number };
      assert.equal(text.split('\n')[(record.line ?? 0) - 1]?.trim(), '{', 'line points at the order');
      assert.equal(String(order.id), (value.data as { order_id: string }).order_id);
    }
  });

  it('is idempotent: ids are unique and a second import, in any chunking, is identical', async () => {
    const first = await read();
    const ids = first.map((record) => (record.value as { id: string }).id);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual(await read(), first);
    for (const size of [1, 7, 1000])
      assert.deepEqual(await read(chunked(readFileSync(fixture), size)), first);
  });

  it('takes the promised delivery days as an option', async () => {
    const records = await read(undefined, { promisedDeliveryDays: 2 });
    const shipped = records.map(
      (record) => record.value as { type: string; data: { promised_delivery_on?: string } },
    );
    assert.deepEqual(
      shipped
        .filter((value) => value.type === 'shipment.shipped')
        .map((value) => value.data.promised_delivery_on),
      ['2026-03-05', '2026-03-07', '2026-03-09'],
    );
  });

  it('makes one problem record of a bad order, naming the field, and reads the others', async () => {
    const good = {
      id: 1,
      created_at: '2026-03-01T10:00:00Z',
      currency: 'JPY',
      total_price: '1200',
      customer: null,
    };
    const orders = [
      { ...good, total_price: '12.345', currency: 'USD' },
      { ...good, id: 2 },
      { ...good, id: 3, currency: 'XYZ' },
      {
        ...good,
        id: 4,
        refunds: [
          {
            id: 9,
            created_at: '2026-03-02T10:00:00Z',
            transactions: [{ kind: 'refund', amount: '5', currency: 'EUR' }],
          },
        ],
      },
      { ...good, id: 5, created_at: '2026-03-01 10:00' },
      { ...good, id: 6, line_items: [{ id: 1, sku: 'A', quantity: -1, price: '1' }] },
    ];
    const text = `{"orders":[${orders.map((order) => JSON.stringify(order)).join(',\n')},\n{"id": 7, oops}]}`;
    const records = await read(chunked(text, 5));
    assert.deepEqual(
      records.map((record) => [record.line, record.problem ?? (record.value as { id: string }).id]),
      [
        [1, { code: 'amount_too_precise', field: 'total_price', detail: '"12.345" is not an amount in USD' }],
        [2, 'shopify:order:2:placed'],
        [3, { code: 'currency_invalid', field: 'currency', detail: 'unknown currency XYZ' }],
        [
          4,
          {
            code: 'currency_mismatch',
            field: 'refunds[0].transactions[0].currency',
            detail: 'EUR, the order is in JPY',
          },
        ],
        [
          5,
          {
            code: 'time_invalid',
            field: 'created_at',
            detail: 'expected an RFC 3339 date-time, found "2026-03-01 10:00"',
          },
        ],
        [
          6,
          {
            code: 'quantity_invalid',
            field: 'line_items[0].quantity',
            detail: 'expected a whole number, found -1',
          },
        ],
        [7, { code: 'json_invalid', field: null, detail: records[6]?.problem?.detail ?? '' }],
      ],
    );
    assert.equal(eventAt(records, 1).data.amount, '1200', 'JPY has no minor unit');
  });

  it('throws when the file is not an orders export or the platform and merchant are not given', async () => {
    await assert.rejects(read(chunked('[{"id":1}]', 4)), /not a Shopify orders export.*not a JSON object/);
    await assert.rejects(read(chunked('{"products":[]}', 4)), /no "orders" array/);
    await assert.rejects(read(chunked('{"orders":[{"id":1}', 4)), /json_truncated|truncated/);
    await assert.rejects(
      collect(readShopifyOrders(chunked('{"orders":[]}', 4), 'x', { source: 'plt_x' } as typeof options)),
      /pass --source plt_… and --subject mer_…/,
    );
    await assert.rejects(
      collect(readShopifyOrders(chunked('{"orders":[]}', 4), 'x', { source: 'shop', subject: 'mer_a' })),
      /--source must be a platform id/,
    );
    assert.deepEqual(await read(chunked('{"orders":[]}', 4)), []);
  });

  it('maps one order directly, with a problem value instead of an exception', () => {
    const result = shopifyOrderEvents({ id: 'abc def' }, options);
    assert.deepEqual(result, {
      ok: false,
      problem: { code: 'id_invalid', field: 'id', detail: 'expected a whole-number id, found "abc def"' },
    });
    assert.deepEqual(shopifyOrderEvents(null, options), {
      ok: false,
      problem: { code: 'field_invalid', field: 'order', detail: 'expected an object' },
    });
  });
});

describe('JsonArrayScanner', () => {
  it('cuts out each element with its line, skipping other keys and strings that look like JSON', () => {
    const scanner = new JsonArrayScanner('orders', 1000);
    const text = '{"meta":{"orders":[1]},\n"note":"}]{\\"",\n"orders":[\n{"a":"[{"},\n {"b":{"c":[]}}\n]}';
    const elements = [...scanner.push(text), ...scanner.end()];
    assert.deepEqual(elements, [
      { line: 4, text: '{"a":"[{"}' },
      { line: 5, text: '{"b":{"c":[]}}' },
    ]);
    assert.equal(scanner.structureError, null);
  });

  it('bounds an element, flags non-objects and a truncated element', () => {
    const scanner = new JsonArrayScanner('orders', 20);
    const elements = [
      ...scanner.push(`{"orders":[{"a":"${'x'.repeat(50)}"},null,{"b":1},{"c":`),
      ...scanner.end(),
    ];
    assert.deepEqual(
      elements.map((element) => ('problem' in element ? element.problem.code : element.text)),
      ['element_too_large', 'element_not_object', '{"b":1}', 'json_truncated'],
    );
  });
});
