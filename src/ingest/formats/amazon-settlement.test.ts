/**
 * Proves an Amazon V2 settlement report becomes one settlement.paid that adds up to the cent —
 * net = gross − fees − refunds − chargebacks + adjustments = total-amount, every bucket per the
 * classification table and never negative — plus one order.refunded per refunded order whose
 * amounts sum to the refunds; for the fixture exactly, for European number and date formats, for a
 * zero-exponent currency, and for random reports (a seeded property). Also that ids are
 * deterministic, that a bad row is a problem record that withholds the settlement rather than
 * mis-summing it, that rows which do not sum to total-amount are `settlement_total_mismatch`, that
 * whole-file errors throw with a clear message, and that every value validates against the schemas.
 */
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { SettlementPaid } from '../../domain/events/catalog.ts';
import { parseAmazonInstant, readAmazonSettlement } from './amazon-settlement.ts';
import { classifyAmazonRow } from './amazon-settlement-totals.ts';
import { chunked, collect, eventAt, fixturePath, schemaErrors } from './testing.ts';

const options = { source: 'plt_amzn', subject: 'mer_acme' };
const fixture = fixturePath('amazon-settlement-v2.txt');
const header =
  'settlement-id\tsettlement-start-date\tsettlement-end-date\tdeposit-date\ttotal-amount\tcurrency\ttransaction-type\torder-id\tamount-type\tamount-description\tamount\tposted-date';

function read(input: AsyncIterable<Buffer> = createReadStream(fixture)) {
  return collect(readAmazonSettlement(input, 'file:settlement.txt', options));
}

function report(summary: string, rows: readonly string[]): AsyncIterable<Buffer> {
  return chunked([header, summary, ...rows].join('\n'), 13);
}

function settlementOf(records: Awaited<ReturnType<typeof read>>): SettlementPaid {
  const record = records.find(
    (candidate) => (candidate.value as { type?: string } | undefined)?.type === 'settlement.paid',
  );
  assert.ok(record, 'a settlement.paid record');
  return (record.value as { data: SettlementPaid }).data;
}

function assertAddsUp(data: SettlementPaid): void {
  const [gross, fees, refunds, chargebacks, adjustments, net] = [
    data.gross,
    data.fees,
    data.refunds,
    data.chargebacks,
    data.adjustments ?? '0',
    data.net,
  ].map(BigInt);
  assert.equal(gross! - fees! - refunds! - chargebacks! + adjustments!, net);
  for (const bucket of [gross, fees, refunds, chargebacks]) assert.ok(bucket! >= 0n);
}

describe('readAmazonSettlement', () => {
  it('maps the fixture to one settlement that adds up and one refund per refunded order', async () => {
    const records = await read();
    const base = { specversion: '1.0', source: 'plt_amzn', subject: 'mer_acme' };
    assert.deepEqual(
      records.map(({ line, value }) => [line, value]),
      [
        [
          2,
          {
            ...base,
            id: 'amazon:settlement:12345678901',
            type: 'settlement.paid',
            time: '2026-03-17T07:00:00Z',
            data: {
              settlement_id: '12345678901',
              period_start: '2026-03-01',
              period_end: '2026-03-15',
              gross: '10998',
              fees: '8980',
              refunds: '6499',
              chargebacks: '1699',
              adjustments: '8234',
              net: '2054',
              currency: 'USD',
            },
          },
        ],
        [
          16,
          {
            ...base,
            id: 'amazon:refund:12345678901:112-2222222-2222222',
            type: 'order.refunded',
            time: '2026-03-10T16:05:12Z',
            data: {
              order_id: '112-2222222-2222222',
              refund_id: '52817364519',
              amount: '4999',
              currency: 'USD',
              reason: 'other',
            },
          },
        ],
        [
          19,
          {
            ...base,
            id: 'amazon:refund:12345678901:112-3333333-3333333',
            type: 'order.refunded',
            time: '2026-03-12T08:15:00Z',
            data: {
              order_id: '112-3333333-3333333',
              refund_id: '52817399102',
              amount: '1500',
              currency: 'USD',
              reason: 'other',
            },
          },
        ],
      ],
    );
    assertAddsUp(settlementOf(records));
    for (const record of records) assert.equal(schemaErrors(record.value), null);
    const lines = readFileSync(fixture, 'utf8').split('\n');
    assert.equal(records[0]?.raw, lines[1]);
    assert.equal(records[1]?.raw, lines.slice(15, 18).join('\n'), 'the refund keeps its three rows');
  });

  it('is idempotent and independent of chunking', async () => {
    const first = await read();
    assert.deepEqual(await read(), first);
    assert.deepEqual(await read(chunked(readFileSync(fixture), 5)), first);
  });

  it('reads European decimals and dates, and folds a negative fee total into adjustments', async () => {
    const records = await read(
      report(
        '777\t01.03.2026 00:00:00 UTC\t15.03.2026 00:00:00 UTC\t17.03.2026 06:30:00 UTC\t31,50\tEUR\t\t\t\t\t\t',
        [
          '777\t\t\t\t\t\tOrder\t302-1\tItemPrice\tPrincipal\t20,00\t02.03.2026',
          '777\t\t\t\t\t\tRefund\t302-9\tItemFees\tCommission\t1,50\t05.03.2026',
          '777\t\t\t\t\t\tother-transaction\t\tother-transaction\tPrevious Reserve Amount Balance\t10,00\t01.03.2026',
        ],
      ),
    );
    const data = settlementOf(records);
    assert.deepEqual(
      [
        data.period_start,
        data.period_end,
        data.gross,
        data.fees,
        data.refunds,
        data.adjustments,
        data.net,
        data.currency,
      ],
      ['2026-03-01', '2026-03-15', '2000', '0', '0', '1150', '3150', 'EUR'],
    );
    assert.equal(eventAt(records, 0).time, '2026-03-17T06:30:00Z');
    assertAddsUp(data);
    assert.equal(records.length, 1, 'a refund of fees only is no order.refunded');
  });

  it('uses the currency exponent: JPY amounts are whole yen', async () => {
    const records = await read(
      report('55\t2026-03-01\t2026-03-14\t2026-03-16\t1180\tJPY\t\t\t\t\t\t', [
        '55\t\t\t\t\t\tOrder\t250-1\tItemPrice\tPrincipal\t1500\t2026-03-02',
        '55\t\t\t\t\t\tOrder\t250-1\tItemFees\tCommission\t-120\t2026-03-02',
        '55\t\t\t\t\t\tRefund\t250-1\tItemPrice\tPrincipal\t-200\t2026-03-03',
      ]),
    );
    assert.deepEqual(settlementOf(records), {
      settlement_id: '55',
      period_start: '2026-03-01',
      period_end: '2026-03-14',
      gross: '1500',
      fees: '120',
      refunds: '200',
      chargebacks: '0',
      adjustments: '0',
      net: '1180',
      currency: 'JPY',
    });
    assert.equal(eventAt(records, 1).data.amount, '200');
    assert.equal(eventAt(records, 1).data.refund_id, '55:250-1');
  });

  it('withholds the settlement when a row is bad, and flags rows that do not sum to total-amount', async () => {
    const summary = '9\t2026-03-01\t2026-03-14\t2026-03-16\t10.00\tUSD\t\t\t\t\t\t';
    const bad = await read(
      report(summary, [
        '9\t\t\t\t\t\tOrder\t1-1\tItemPrice\tPrincipal\t10.00\t2026-03-02',
        '9\t\t\t\t\t\tRefund\t1-2\tItemPrice\tPrincipal\t-1.2.3\t2026-03-02',
        '8\t\t\t\t\t\tOrder\t1-3\tItemPrice\tPrincipal\t1.00\t2026-03-02',
        '9\t\t\t\t\t\tOrder\t1-4\tItemPrice\tPrincipal\t1.005\t2026-03-02',
      ]),
    );
    assert.deepEqual(
      bad.map((record) => [record.line, record.problem?.code, record.problem?.field]),
      [
        [4, 'amount_invalid', 'amount'],
        [5, 'settlement_id_mismatch', 'settlement-id'],
        [6, 'amount_too_precise', 'amount'],
        [2, 'settlement_incomplete', null],
      ],
    );
    const mismatch = await read(
      report(summary, ['9\t\t\t\t\t\tOrder\t1-1\tItemPrice\tPrincipal\t9.99\t2026-03-02']),
    );
    assert.deepEqual(mismatch[0]?.problem, {
      code: 'settlement_total_mismatch',
      field: 'total-amount',
      detail: 'the rows sum to 999 minor units, total-amount is 1000',
    });
  });

  it('throws for a file that is not a V2 settlement report or lacks the platform and merchant', async () => {
    const summary = '9\t2026-03-01\t2026-03-14\t2026-03-16\t10.00\tUSD\t\t\t\t\t\t';
    await assert.rejects(
      read(chunked(header.replace('\tamount-type', ''), 8)),
      /column "amount-type" is missing/,
    );
    await assert.rejects(
      read(chunked(`${header}\n9\t\t\t\t\t\tOrder\t1\tItemPrice\tPrincipal\t1.00\t2026-03-02`, 8)),
      /must be the settlement summary/,
    );
    await assert.rejects(read(chunked(`${header}\n`, 8)), /no settlement summary row/);
    await assert.rejects(read(report(summary.replace('USD', 'US$'), [])), /unknown currency "US\$"/);
    await assert.rejects(
      read(report(summary.replace('2026-03-16', '16/03/26'), [])),
      /deposit-date "16\/03\/26" is not a date/,
    );
    await assert.rejects(
      collect(readAmazonSettlement(chunked('', 1), 'x', { source: 'plt_a' } as typeof options)),
      /--subject mer_…/,
    );
  });
});

describe('settlement classification', () => {
  it('follows the table, first match wins', () => {
    const cases: [string, string, string, string][] = [
      ['Order', 'ItemPrice', 'Principal', 'gross'],
      ['Order', 'ItemPrice', 'Shipping', 'gross'],
      ['Order', 'Promotion', 'Shipping', 'gross'],
      ['Order', 'ItemWithheldTax', 'MarketplaceFacilitatorTax-Principal', 'gross'],
      ['Order', 'ItemFees', 'Commission', 'fees'],
      ['Order', 'ItemFees', 'ShippingChargeback', 'fees'],
      ['Refund', 'ItemPrice', 'Principal', 'refunds'],
      ['Refund', 'ItemFees', 'RefundCommission', 'fees'],
      ['ServiceFee', 'Cost of Advertising', 'TransactionTotalAmount', 'fees'],
      ['other-transaction', 'other-transaction', 'Subscription Fee', 'fees'],
      ['other-transaction', 'other-transaction', 'Storage Fee', 'fees'],
      ['Chargeback Refund', 'ItemPrice', 'Principal', 'chargebacks'],
      ['Chargeback Refund', 'ItemFees', 'Commission', 'chargebacks'],
      ['other-transaction', 'other-transaction', 'Current Reserve Amount', 'adjustments'],
      ['other-transaction', 'FBA Inventory Reimbursement', 'WAREHOUSE_DAMAGE', 'adjustments'],
      ['other-transaction', 'other-transaction', 'Successful charge', 'adjustments'],
    ];
    for (const [transaction, amountType, description, bucket] of cases) {
      assert.equal(
        classifyAmazonRow(transaction, amountType, description),
        bucket,
        `${transaction}/${amountType}/${description}`,
      );
    }
  });

  it('reads the date formats Amazon writes', () => {
    assert.deepEqual(parseAmazonInstant('2026-03-01 07:00:00 UTC'), {
      time: '2026-03-01T07:00:00Z',
      date: '2026-03-01',
    });
    assert.deepEqual(parseAmazonInstant('2003-10-03T16:00:00-07:00'), {
      time: '2003-10-03T16:00:00-07:00',
      date: '2003-10-03',
    });
    assert.deepEqual(parseAmazonInstant('31.12.2025'), { time: '2025-12-31T00:00:00Z', date: '2025-12-31' });
    assert.equal(parseAmazonInstant('2026-02-30'), null);
    assert.equal(parseAmazonInstant('03/01/26'), null);
  });

  it('adds up for random reports (seeded)', async () => {
    const kinds = [
      ['Order', 'ItemPrice', 'Principal'],
      ['Order', 'Promotion', 'Principal'],
      ['Order', 'ItemFees', 'Commission'],
      ['Refund', 'ItemPrice', 'Principal'],
      ['Refund', 'ItemFees', 'Commission'],
      ['Chargeback Refund', 'ItemPrice', 'Principal'],
      ['other-transaction', 'other-transaction', 'Current Reserve Amount'],
      ['ServiceFee', 'Cost of Advertising', 'TransactionTotalAmount'],
    ] as const;
    const row = fc.record({
      kind: fc.constantFrom(...kinds),
      order: fc.integer({ min: 1, max: 4 }),
      cents: fc.integer({ min: -99_999, max: 99_999 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 30 }), async (rows) => {
        const total = rows.reduce((sum, { cents }) => sum + cents, 0);
        const money = (cents: number) =>
          `${cents < 0 ? '-' : ''}${Math.trunc(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
        const lines = rows.map(
          ({ kind, order, cents }) =>
            `1\t\t\t\t\t\t${kind[0]}\t111-${order}\t${kind[1]}\t${kind[2]}\t${money(cents)}\t2026-03-02`,
        );
        const records = await read(
          report(`1\t2026-03-01\t2026-03-14\t2026-03-16\t${money(total)}\tUSD\t\t\t\t\t\t`, lines),
        );
        const data = settlementOf(records);
        assert.equal(data.net, String(total));
        assertAddsUp(data);
        for (const record of records)
          if (record.value !== undefined) assert.equal(schemaErrors(record.value), null);
        const refunded = records.filter((record) => record.value !== undefined).slice(1);
        for (const record of refunded)
          assert.ok(BigInt((record.value as { data: { amount: string } }).data.amount) > 0n);
      }),
      { seed: 20260317, numRuns: 200 },
    );
  });
});
