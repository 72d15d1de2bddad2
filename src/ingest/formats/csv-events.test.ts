/**
 * Proves a CSV of canonical events becomes exactly the envelopes the JSON would carry: the type
 * from the file name or an option, columns in any order, integers as numbers, amounts as the same
 * minor-unit strings, empty optional cells omitted, source/subject from options when absent; that
 * each bad row is a problem record with its line and raw text (wrong field count, empty required
 * cell, non-integer) while good rows around it go through; that header errors throw naming the
 * column; and that every value produced validates against the canonical JSON Schemas.
 */
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { describe, it } from 'node:test';
import { csvColumnsOf, eventTypeFromFileName, readCsvEvents } from './csv-events.ts';
import { collect, eventAt, fixturePath, schemaErrors } from './testing.ts';

const platform = { source: 'plt_demo', subject: 'mer_acme' };

describe('eventTypeFromFileName', () => {
  it('reads the type from the last two dot-separated parts before .csv', () => {
    assert.equal(eventTypeFromFileName('order.placed.csv'), 'order.placed');
    assert.equal(eventTypeFromFileName('/tmp/exports/orders.order.placed.csv'), 'order.placed');
    assert.equal(eventTypeFromFileName('2026-03.warehouse_receipt.issued.CSV'), 'warehouse_receipt.issued');
    assert.equal(eventTypeFromFileName('orders.csv'), null);
    assert.equal(eventTypeFromFileName('order.shipped.csv'), null);
    assert.equal(eventTypeFromFileName('order.placed.json'), null);
  });

  it('derives columns from the schema, leaving out nested items', () => {
    const columns = csvColumnsOf('order.placed');
    assert.deepEqual(columns.required, [
      'id',
      'source',
      'time',
      'subject',
      'order_id',
      'buyer_id',
      'amount',
      'currency',
    ]);
    assert.deepEqual(columns.optional, []);
    assert.deepEqual(columns.nested, ['items']);
    assert.deepEqual([...csvColumnsOf('inventory.snapshot').integer], ['quantity']);
  });
});

describe('readCsvEvents', () => {
  it('reads review.posted rows (BOM, CRLF, defaults) into envelopes, bad rows into problems', async () => {
    const path = fixturePath('reviews.review.posted.csv');
    const records = await collect(
      readCsvEvents(createReadStream(path), 'file:reviews.review.posted.csv', platform),
    );
    const envelope = (id: string, time: string, data: object) => ({
      specversion: '1.0',
      id,
      source: 'plt_demo',
      type: 'review.posted',
      time,
      subject: 'mer_acme',
      data,
    });
    assert.deepEqual(records, [
      {
        origin: 'file:reviews.review.posted.csv',
        line: 2,
        raw: 'rev-evt-1,2026-03-10T08:00:00Z,rev_1,ord_1001,5',
        value: envelope('rev-evt-1', '2026-03-10T08:00:00Z', {
          review_id: 'rev_1',
          order_id: 'ord_1001',
          rating: 5,
        }),
      },
      {
        origin: 'file:reviews.review.posted.csv',
        line: 3,
        raw: 'rev-evt-2,2026-03-11T09:30:00Z,rev_2,,3',
        value: envelope('rev-evt-2', '2026-03-11T09:30:00Z', { review_id: 'rev_2', rating: 3 }),
      },
      {
        origin: 'file:reviews.review.posted.csv',
        line: 4,
        raw: 'rev-evt-3,2026-03-12T10:00:00Z,rev_3,ord_1003,4.5',
        problem: { code: 'integer_invalid', field: 'rating', detail: '"rating" is not an integer: 4.5' },
      },
      {
        origin: 'file:reviews.review.posted.csv',
        line: 5,
        raw: 'rev-evt-4,2026-03-12T11:00:00Z,rev_4',
        problem: {
          code: 'field_count_mismatch',
          field: null,
          detail: 'expected 5 fields as in the header, found 3',
        },
      },
      {
        origin: 'file:reviews.review.posted.csv',
        line: 6,
        raw: '"rev-evt-5","2026-03-13T12:00:00Z","rev_5","ord_1004","1"',
        value: envelope('rev-evt-5', '2026-03-13T12:00:00Z', {
          review_id: 'rev_5',
          order_id: 'ord_1004',
          rating: 1,
        }),
      },
    ]);
    for (const record of records)
      if (record.value !== undefined) assert.equal(schemaErrors(record.value), null);
  });

  it('keeps amounts as minor-unit strings and multi-line quoted text, omits empty optionals', async () => {
    const path = fixturePath('order.cancelled.csv');
    const records = await collect(readCsvEvents(createReadStream(path), 'file:order.cancelled.csv'));
    assert.deepEqual(
      records.map((record) => [record.line, record.problem?.code ?? 'ok']),
      [
        [2, 'ok'],
        [4, 'ok'],
        [5, 'field_required'],
      ],
    );
    assert.deepEqual(records[0]?.value, {
      specversion: '1.0',
      id: 'can-1',
      source: 'plt_demo',
      type: 'order.cancelled',
      time: '2026-03-05T17:00:00Z',
      subject: 'mer_acme',
      data: {
        order_id: 'ord_1003',
        amount: '1500',
        currency: 'USD',
        reason: 'Customer wrote: "wrong size, please cancel"\nand asked for a call',
      },
    });
    assert.deepEqual(eventAt(records, 1).data, {
      order_id: 'ord_1007',
      amount: '4999',
      currency: 'EUR',
    });
    assert.deepEqual(records[2]?.problem, {
      code: 'field_required',
      field: 'order_id',
      detail: '"order_id" is empty',
    });
    for (const record of records)
      if (record.value !== undefined) assert.equal(schemaErrors(record.value), null);
  });

  it('takes the type from an option and integer columns as numbers', async () => {
    const csv =
      'quantity,unit_cost,currency,sku,warehouse_id,id,time\n120,899,EUR,TEE-L,wh_berlin,inv-1,2026-03-01T00:00:00Z\n';
    const options = { ...platform, eventType: 'inventory.snapshot' as const };
    const [record] = await collect(readCsvEvents([csv], 'upload', options));
    assert.deepEqual(record?.value, {
      specversion: '1.0',
      id: 'inv-1',
      source: 'plt_demo',
      type: 'inventory.snapshot',
      time: '2026-03-01T00:00:00Z',
      subject: 'mer_acme',
      data: { sku: 'TEE-L', warehouse_id: 'wh_berlin', quantity: 120, unit_cost: '899', currency: 'EUR' },
    });
    assert.equal(schemaErrors(record?.value), null);
  });

  it('throws for the whole file, naming the column, when the header is wrong', async () => {
    const read = (csv: string, origin = 'file:order.placed.csv', options = {}) =>
      collect(readCsvEvents([csv], origin, options));
    const header = 'id,source,time,subject,order_id,buyer_id,amount,currency';
    await assert.rejects(read(`${header},colour\n`), /unknown column "colour" for order\.placed/);
    await assert.rejects(
      read(`${header},items\n`),
      /column "items": the nested items of order\.placed is not supported in CSV/,
    );
    await assert.rejects(
      read('id,source,time,subject,order_id,amount,currency\n'),
      /required column "buyer_id" is missing/,
    );
    await assert.rejects(
      read('id,time,order_id,buyer_id,amount,currency\n'),
      /required column "source" is missing/,
    );
    await assert.rejects(read(`${header},amount\n`), /column "amount" appears twice/);
    await assert.rejects(read(''), /the file is empty; expected a header row/);
    await assert.rejects(read(header, 'file:orders.csv'), /cannot tell which event type the CSV holds/);
    await assert.rejects(read('"id,source\n'), /bad header row/);
  });
});
