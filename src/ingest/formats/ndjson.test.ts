/**
 * Proves the NDJSON reader yields one record per non-empty line with its 1-based line number and
 * the line's exact text, whatever the chunking: CRLF and LF, a UTF-8 BOM, blank lines, a last line
 * without a newline, multi-byte characters split across chunks; that an over-long line becomes a
 * `line_too_long` record carrying only a short prefix (and the lines after it are still read), that
 * invalid UTF-8 is `encoding_invalid`, and that every byte read is reported for progress.
 */
import assert from 'node:assert/strict';
import { createReadStream, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { overlongRawBytesMax } from './lines.ts';
import { ndjsonLineBytesMax, readNdjson } from './ndjson.ts';
import { chunked, collect, fixturePath } from './testing.ts';

describe('readNdjson', () => {
  it('reads the fixture: BOM dropped, CRLF stripped, blank line skipped, bad JSON passed on as raw', async () => {
    const path = fixturePath('events.ndjson');
    let bytesRead = 0;
    const onBytes = (bytes: number) => {
      bytesRead += bytes;
    };
    const records = await collect(readNdjson(createReadStream(path), 'file:events.ndjson', { onBytes }));
    assert.deepEqual(
      records.map(({ line, raw }) => [line, raw.slice(0, 40)]),
      [
        [1, '{"specversion":"1.0","id":"evt_0001","so'],
        [3, '{"specversion":"1.0","id":"evt_0002","so'],
        [4, '{"specversion":"1.0","id":"evt_0003","so'],
        [5, '{"specversion":"1.0","id":"evt_0004","so'],
      ],
    );
    for (const record of records) {
      assert.equal(record.origin, 'file:events.ndjson');
      assert.equal(record.value, undefined, 'NDJSON leaves parsing to the inbox');
      assert.equal(record.problem, undefined);
      assert.ok(!record.raw.includes('\r') && !record.raw.startsWith('\uFEFF'));
    }
    // The truncated line 4 is not the reader's business: the inbox quarantines it with its line.
    assert.throws(() => JSON.parse(records[2]?.raw ?? ''));
    assert.deepEqual(JSON.parse(records[3]?.raw ?? '').data, {
      review_id: 'rev_9',
      order_id: 'ord_1001',
      rating: 5,
    });
    assert.equal(bytesRead, readFileSync(path).length);
  });

  it('gives the same records for every chunk size, characters and CRLFs split included', async () => {
    const text = '\uFEFF{"a":"é€😀"}\r\n\r\n  \n{"b":2}\n{"c":3}';
    const expected = [
      { origin: 't', line: 1, raw: '{"a":"é€😀"}' },
      { origin: 't', line: 4, raw: '{"b":2}' },
      { origin: 't', line: 5, raw: '{"c":3}' },
    ];
    for (const size of [1, 2, 3, 5, 7, 64]) {
      assert.deepEqual(await collect(readNdjson(chunked(text, size), 't')), expected, `chunks of ${size}`);
    }
  });

  it('accepts strings as chunks and an input that ends with a newline or with nothing', async () => {
    assert.deepEqual(await collect(readNdjson(['{"a":1}\n'], 't')), [
      { origin: 't', line: 1, raw: '{"a":1}' },
    ]);
    assert.deepEqual(await collect(readNdjson([], 't')), []);
    assert.deepEqual(await collect(readNdjson(['\r\n\n'], 't')), []);
  });

  it('turns an over-long line into line_too_long with a bounded prefix, and reads on', async () => {
    const lineBytesMax = 2048;
    const long = `{"pad":"${'x'.repeat(10_000)}"}`;
    const text = `{"a":1}\n${long}\r\n{"b":2}\n${'y'.repeat(lineBytesMax)}\r\n${'z'.repeat(lineBytesMax + 1)}`;
    for (const size of [100, 4096]) {
      const records = await collect(readNdjson(chunked(text, size), 't', { lineBytesMax }));
      assert.deepEqual(
        records.map((record) => [record.line, record.problem?.code ?? 'ok', record.raw.length]),
        [
          [1, 'ok', 7],
          [2, 'line_too_long', overlongRawBytesMax],
          [3, 'ok', 7],
          [4, 'ok', lineBytesMax],
          [5, 'line_too_long', overlongRawBytesMax],
        ],
      );
      assert.ok(records[1]?.raw.startsWith('{"pad":"xxx'));
      assert.equal(records[1]?.problem?.field, null);
      assert.match(records[1]?.problem?.detail ?? '', /longer than 2048 bytes/);
    }
    assert.equal(ndjsonLineBytesMax, 1024 * 1024);
  });

  it('reports invalid UTF-8 as encoding_invalid on its line', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"a":1}\n{"b":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}\n'),
    ]);
    const records = await collect(readNdjson(chunked(bytes, 3), 't'));
    assert.deepEqual(
      records.map((record) => [record.line, record.problem?.code]),
      [
        [1, undefined],
        [2, 'encoding_invalid'],
      ],
    );
  });
});
