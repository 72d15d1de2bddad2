/**
 * Proves the CSV reader follows RFC 4180 — quoted fields holding commas, doubled quotes and line
 * breaks, CRLF or LF records, a BOM — and reports each record's first line and exact raw text,
 * identically for every chunking; that blank lines are skipped but counted; and that malformed
 * input (text after a closing quote, an unterminated quote, a record or field count past its
 * bound) becomes a record with a problem while the records after it are still read.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CsvParser, type CsvRecord, readCsv } from './csv.ts';
import { chunked, collect } from './testing.ts';

function parse(text: string, options = {}): CsvRecord[] {
  const parser = new CsvParser(options);
  return [...parser.push(text), ...parser.end()];
}

describe('readCsv', () => {
  it('reads quoted fields with commas, escaped quotes and line breaks, with first-line numbers', async () => {
    const text = '\uFEFFa,b,c\r\n1,"x, y","say ""hi"""\r\n2,"line one\r\nline two",\r\n\r\n3,,"é😀"';
    const expected: CsvRecord[] = [
      { line: 1, raw: 'a,b,c', fields: ['a', 'b', 'c'] },
      { line: 2, raw: '1,"x, y","say ""hi"""', fields: ['1', 'x, y', 'say "hi"'] },
      { line: 3, raw: '2,"line one\r\nline two",', fields: ['2', 'line one\r\nline two', ''] },
      { line: 6, raw: '3,,"é😀"', fields: ['3', '', 'é😀'] },
    ];
    for (const size of [1, 2, 3, 4, 9, 1000]) {
      assert.deepEqual(await collect(readCsv(chunked(text, size))), expected, `chunks of ${size}`);
    }
  });

  it('treats LF, CRLF and a lone CR alike, with or without a final terminator', () => {
    const rows = (records: CsvRecord[]) => records.map((record) => [record.line, ...record.fields]);
    const expected = [
      [1, 'a', 'b'],
      [2, 'c', 'd'],
    ];
    assert.deepEqual(rows(parse('a,b\nc,d\n')), expected);
    assert.deepEqual(rows(parse('a,b\r\nc,d')), expected);
    assert.deepEqual(rows(parse('a,b\rc,d\r')), expected);
    assert.deepEqual(rows(parse('')), []);
    assert.deepEqual(rows(parse(',\n""')), [
      [1, '', ''],
      [2, ''],
    ]);
  });

  it('keeps a bare quote inside an unquoted field, but flags text after a closing quote', () => {
    assert.deepEqual(parse('5" screen,ok'), [{ line: 1, raw: '5" screen,ok', fields: ['5" screen', 'ok'] }]);
    const records = parse('"ab"c,d\ne,f');
    assert.equal(records[0]?.problem?.code, 'quote_misplaced');
    assert.equal(records[0]?.raw, '"ab"c,d');
    assert.deepEqual(records[1], { line: 2, raw: 'e,f', fields: ['e', 'f'] });
  });

  it('reports an unterminated quote at the end of the input with the line it started on', () => {
    const records = parse('a,b\n1,"never\nclosed');
    assert.equal(records.length, 2);
    assert.deepEqual(records[1], {
      line: 2,
      raw: '1,"never\nclosed',
      fields: [],
      problem: { code: 'quote_unterminated', field: null, detail: 'the input ended inside a quoted field' },
    });
  });

  it('bounds a record: too long or too many fields is a problem, and the next record is intact', () => {
    const long = parse(`short\n"${'x'.repeat(500)}\n${'y'.repeat(500)}",z\nnext`, { recordCharsMax: 100 });
    assert.deepEqual(
      long.map((record) => [record.line, record.problem?.code ?? 'ok', record.raw.length]),
      [
        [1, 'ok', 5],
        [2, 'record_too_long', 100],
        [4, 'ok', 4],
      ],
    );
    const wide = parse('a,b,c,d\n1,2', { fieldsMax: 3 });
    assert.equal(wide[0]?.problem?.code, 'record_too_many_fields');
    assert.deepEqual(wide[1]?.fields, ['1', '2']);
  });
});
