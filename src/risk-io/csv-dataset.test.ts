/**
 * Proves reading a CSV into a Dataset at the edge: a UTF-8 BOM, quoted fields holding commas,
 * quotes and line breaks, CRLF, missing-value tokens, and the problems (empty file, header only,
 * a row of the wrong width, an unterminated quote) as result codes naming the line — for every
 * chunking of the bytes, and from a file on disk.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readCsvDataset, readCsvTable } from './csv-dataset.ts';

function chunks(text: string, size: number): Buffer[] {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) parts.push(bytes.subarray(at, at + size));
  return parts;
}

const sample =
  '\uFEFFid,amount,"city, country",note,bad\r\n' +
  '1,100.5,"Paris, FR","said ""hi""",0\r\n' +
  '2,NA,"Lyon, FR","two\r\nlines",1\r\n' +
  '3,,N/A,null,0\r\n' +
  '4,250,"Köln, DE",é😀,1\r\n';

describe('readCsvTable', () => {
  it('reads the header and rows whatever the chunking, BOM dropped', async () => {
    for (const size of [1, 2, 3, 7, 1000]) {
      const table = await readCsvTable(chunks(sample, size));
      assert.ok(table.ok);
      assert.deepEqual(table.value.header, ['id', 'amount', 'city, country', 'note', 'bad']);
      assert.deepEqual(table.value.rows[0], ['1', '100.5', 'Paris, FR', 'said "hi"', '0']);
      assert.deepEqual(table.value.rows[1], ['2', 'NA', 'Lyon, FR', 'two\r\nlines', '1']);
      assert.deepEqual(table.value.rows[3], ['4', '250', 'Köln, DE', 'é😀', '1']);
    }
  });

  it('answers an empty file, a header without rows, a short row and a broken quote with the line', async () => {
    const code = async (text: string) => {
      const table = await readCsvTable([text]);
      return table.ok ? 'ok' : `${table.code}: ${table.detail}`;
    };
    assert.match(await code(''), /^dataset_empty: the file is empty/);
    assert.match(await code('\uFEFF\n\n'), /^dataset_empty/);
    assert.match(await code('a,b\n'), /^dataset_empty: the file has a header but no data rows/);
    assert.match(await code('a,b\n1,2\n3\n'), /^row_width_mismatch: line 3 has 1 fields, the header 2/);
    assert.match(await code('a,b\n1,"2\n'), /^csv_malformed: line 2: quote_unterminated/);
  });
});

describe('readCsvDataset', () => {
  const directory = mkdtempSync(join(tmpdir(), 'capstan-csv-dataset-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('reads a file into typed columns with missing values and the target', async () => {
    const path = join(directory, 'sample.csv');
    writeFileSync(path, sample);
    const read = await readCsvDataset(path, { target: 'bad', exclude: ['id'] });
    assert.ok(read.ok);
    const { dataset, summary } = read.value;
    assert.deepEqual(dataset.columns, [
      { name: 'amount', kind: 'numeric' },
      { name: 'city, country', kind: 'categorical' },
      { name: 'note', kind: 'categorical' },
    ]);
    assert.deepEqual(dataset.rows, [
      [100.5, 'Paris, FR', 'said "hi"'],
      [null, 'Lyon, FR', 'two\r\nlines'],
      [null, null, null],
      [250, 'Köln, DE', 'é😀'],
    ]);
    assert.deepEqual(dataset.target, [0, 1, 0, 1]);
    assert.equal(summary.columns.find((column) => column.name === 'id')?.dropped, 'excluded');
  });

  it('passes the data set problems through with their codes', async () => {
    const path = join(directory, 'text-target.csv');
    writeFileSync(path, 'x,status\n1,good\n2,bad\n');
    const missingPositive = await readCsvDataset(path, { target: 'status' });
    assert.equal(missingPositive.ok ? 'ok' : missingPositive.code, 'target_text_without_positive');
    const withPositive = await readCsvDataset(path, { target: 'status', positive: 'bad' });
    assert.ok(withPositive.ok);
    assert.deepEqual(withPositive.value.dataset.target, [0, 1]);
    const unknown = await readCsvDataset(path, { target: 'nope' });
    assert.equal(unknown.ok ? 'ok' : unknown.code, 'target_column_unknown');
  });

  it('counts bytes as it reads, for the progress bar', async () => {
    const path = join(directory, 'bytes.csv');
    writeFileSync(path, sample);
    let bytes = 0;
    const read = await readCsvDataset(path, { target: 'bad' }, { onBytes: (count) => (bytes += count) });
    assert.ok(read.ok);
    assert.equal(bytes, Buffer.byteLength(sample));
  });
});
