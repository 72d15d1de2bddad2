/**
 * Proves `openImportFile` picks the format by --format, else by extension and the file's first
 * bytes as the table in detect.ts says; that each fixture opens as its format and yields its
 * records, with bytesTotal the file size and bytesRead() reaching it; and that it refuses, before
 * reading, a file whose format cannot be told, a platform export without --source/--subject, and
 * a CSV whose event type cannot be told.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { detectFormat, type ImportFileOptions, openImportFile } from './detect.ts';
import { collect, eventAt, fixturePath } from './testing.ts';

const platform = { source: 'plt_demo', subject: 'mer_acme' };
const scratch = mkdtempSync(join(tmpdir(), 'capstan-import-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

function scratchFile(name: string, content: string): string {
  const path = join(scratch, name);
  writeFileSync(path, content);
  return path;
}

describe('detectFormat', () => {
  it('follows the table: extension first, then content', () => {
    const cases: [string, string, string | null][] = [
      ['events.ndjson', '', 'ndjson'],
      ['events.JSONL', '{"a":1}', 'ndjson'],
      ['order.placed.csv', 'id,source', 'csv'],
      ['export.json', '\uFEFF{\n  "orders": [', 'shopify'],
      ['export.json', '{"orders":[]}', 'shopify'],
      ['export.json', '{"products":[]}', null],
      ['export.json', '[{"id":1}]', null],
      ['settlement.txt', 'settlement-id\tsettlement-start-date\t', 'amazon-settlement'],
      ['settlement.tsv', 'settlement-id,settlement-start-date', null],
      ['report.txt', 'hello', null],
      ['dump', '{"specversion":"1.0"}', 'ndjson'],
      ['dump', '{"orders":[', 'shopify'],
      ['dump', 'settlement-id\t', 'amazon-settlement'],
    ];
    for (const [name, head, format] of cases)
      assert.equal(detectFormat(name, head), format, `${name}: ${head}`);
  });
});

describe('openImportFile', () => {
  const fixtures: [string, ImportFileOptions, string, number][] = [
    ['events.ndjson', {}, 'ndjson', 4],
    ['reviews.review.posted.csv', platform, 'csv', 5],
    ['order.cancelled.csv', {}, 'csv', 3],
    ['shopify-orders.json', platform, 'shopify', 15],
    ['amazon-settlement-v2.txt', platform, 'amazon-settlement', 3],
  ];
  for (const [name, options, format, count] of fixtures) {
    it(`opens ${name} as ${format} and counts its bytes`, async () => {
      const path = fixturePath(name);
      const file = openImportFile(path, options);
      assert.equal(file.format, format);
      assert.equal(file.bytesTotal, statSync(path).size);
      assert.equal(file.bytesRead(), 0, 'nothing is read before iteration');
      const records = await collect(file.records);
      assert.equal(records.length, count);
      assert.ok(records.every((record) => record.origin === `file:${name}`));
      assert.equal(file.bytesRead(), file.bytesTotal);
    });
  }

  it('lets --format and the type option override the file name', async () => {
    const path = scratchFile('reviews.txt', 'id,time,review_id,rating\nr-1,2026-03-10T08:00:00Z,rev_1,4\n');
    const file = openImportFile(path, { ...platform, format: 'csv', eventType: 'review.posted' });
    const records = await collect(file.records);
    assert.deepEqual(eventAt(records, 0).data, { review_id: 'rev_1', rating: 4 });
  });

  it('asks for --format for a pipe, whose start it cannot read twice, and reads it with one', async () => {
    const fifo = join(scratch, 'events');
    execFileSync('mkfifo', [fifo]);
    assert.throws(
      () => openImportFile(fifo),
      /cannot tell the format of .*events, which is not a regular file .*: pass --format ndjson\|csv/,
    );
    const file = openImportFile(fifo, { format: 'ndjson' });
    const writer = new Promise<void>((resolve, reject) =>
      writeFile(fifo, `${JSON.stringify({ id: 'e-1' })}\n`).then(resolve, reject),
    );
    const records = await collect(file.records);
    await writer;
    assert.equal(records.length, 1);
  });

  it('refuses a flag the format has no use for, rather than drop it', () => {
    const ndjson = scratchFile('events.ndjson', '{"id":"e-1"}\n');
    assert.throws(
      () => openImportFile(ndjson, { source: 'plt_demo' }),
      /^Error: --source does not apply to ndjson: each NDJSON record names its own type, source and subject/,
    );
    assert.throws(
      () => openImportFile(ndjson, platform),
      /^Error: --source and --subject do not apply to ndjson/,
    );
    assert.throws(
      () => openImportFile(fixturePath('shopify-orders.json'), { ...platform, eventType: 'order.placed' }),
      /^Error: --type does not apply to shopify: --type names the event type of a CSV file/,
    );
    assert.equal(openImportFile(ndjson).format, 'ndjson');
  });

  it('refuses what it cannot read, before reading records', () => {
    const unknown = scratchFile('export.json', '{"products":[]}');
    assert.throws(
      () => openImportFile(unknown),
      /cannot tell the format of .*export\.json: pass --format ndjson\|csv\|shopify\|amazon-settlement/,
    );
    const shopify = fixturePath('shopify-orders.json');
    assert.throws(
      () => openImportFile(shopify),
      /Shopify orders export names neither the platform nor the merchant/,
    );
    assert.throws(() => openImportFile(shopify, { source: 'plt_demo' }), /--subject mer_…/);
    assert.throws(
      () => openImportFile(shopify, { ...platform, promisedDeliveryDays: 1.5 }),
      /promised delivery days/,
    );
    assert.throws(
      () => openImportFile(fixturePath('amazon-settlement-v2.txt'), { subject: 'mer_acme' }),
      /^Error: an Amazon settlement report names neither the platform nor the merchant/,
    );
    assert.throws(
      () => openImportFile(shopify, { format: 'xml' }),
      /unknown format "xml": one of ndjson, csv/,
    );
    assert.throws(
      () => openImportFile(shopify, { format: 'csv', eventType: 'order.shipped' }),
      /unknown event type "order.shipped"/,
    );
    const csv = scratchFile('orders.csv', 'id\n');
    assert.throws(() => openImportFile(csv), /cannot tell which event type .*orders\.csv holds/);
  });
});
