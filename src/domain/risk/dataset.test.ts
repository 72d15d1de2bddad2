/**
 * Proves the text-table → Dataset step: missing-value tokens, numeric detection (finite decimals
 * only), a 0/1 or text target with --positive, dropped columns, and every expected problem as its
 * result code, checked in the documented order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDataset, type DatasetOptions, isMissingCell, parseDecimal, type TextTable } from './dataset.ts';

function build(header: string[], rows: string[][], options: DatasetOptions) {
  return buildDataset({ header, rows }, options);
}

function codeOf(table: TextTable, options: DatasetOptions): string {
  const result = buildDataset(table, options);
  return result.ok ? 'ok' : result.code;
}

describe('cells', () => {
  it('treats empty, NA, NaN, null and N/A as missing, in any case and with spaces', () => {
    for (const cell of ['', ' ', 'NA', 'na', 'NaN', 'nan', 'null', 'NULL', 'N/A', 'n/a', '  NA ']) {
      assert.equal(isMissingCell(cell), true, JSON.stringify(cell));
    }
    for (const cell of ['0', 'none', 'NAB', 'nullable', '-', 'A11'])
      assert.equal(isMissingCell(cell), false, cell);
  });

  it('reads finite decimals only: no hex, binary, Infinity, thousands separators or words', () => {
    const cases: [string, number | null][] = [
      ['12', 12],
      [' -3.5 ', -3.5],
      ['+.5', 0.5],
      ['1.', 1],
      ['1e3', 1000],
      ['2.5E-2', 0.025],
      ['0x10', null],
      ['0b1', null],
      ['Infinity', null],
      ['-Infinity', null],
      ['1e400', null],
      ['1,000', null],
      ['12abc', null],
      ['', null],
      ['.', null],
    ];
    for (const [cell, expected] of cases) assert.equal(parseDecimal(cell), expected, cell);
  });
});

describe('buildDataset', () => {
  it('detects numeric and categorical columns, keeps missing values as null and drops the target', () => {
    const result = build(
      ['age', 'city', 'bad', 'income'],
      [
        ['30', 'Paris', '0', '1000'],
        ['NA', 'Lyon', '1', ''],
        ['45', '', '0', '2500.5'],
        ['52', ' Paris ', '1', 'NaN'],
      ],
      { target: 'bad' },
    );
    assert.ok(result.ok);
    const { dataset, summary } = result.value;
    assert.deepEqual(dataset.columns, [
      { name: 'age', kind: 'numeric' },
      { name: 'city', kind: 'categorical' },
      { name: 'income', kind: 'numeric' },
    ]);
    assert.deepEqual(dataset.rows, [
      [30, 'Paris', 1000],
      [null, 'Lyon', null],
      [45, null, 2500.5],
      [52, 'Paris', null],
    ]);
    assert.deepEqual(dataset.target, [0, 1, 0, 1]);
    assert.deepEqual(
      summary.columns.map((column) => [column.name, column.kind, column.missing, column.distinct]),
      [
        ['age', 'numeric', 1, 3],
        ['city', 'categorical', 1, 2],
        ['income', 'numeric', 2, 2],
      ],
    );
  });

  it('keeps low-cardinality integer codes numeric and a column with one text value categorical', () => {
    const result = build(
      ['code', 'mixed', 'y'],
      [
        ['1', '1', '0'],
        ['2', '2', '1'],
        ['1', 'x', '0'],
      ],
      { target: 'y' },
    );
    assert.ok(result.ok);
    assert.deepEqual(
      result.value.dataset.columns.map((column) => column.kind),
      ['numeric', 'categorical'],
    );
    assert.deepEqual(result.value.dataset.rows[0], [1, '1']);
  });

  it('maps a text target with --positive, and a numeric one compared as a number', () => {
    const text = build(
      ['x', 'status'],
      [
        ['1', 'good'],
        ['2', 'bad'],
        ['3', ' bad '],
      ],
      { target: 'status', positive: 'bad' },
    );
    assert.ok(text.ok);
    assert.deepEqual(text.value.dataset.target, [0, 1, 1]);
    const coded = build(
      ['x', 'class'],
      [
        ['1', '1'],
        ['2', '2.0'],
        ['3', '1'],
      ],
      { target: 'class', positive: '2' },
    );
    assert.ok(coded.ok);
    assert.deepEqual(coded.value.dataset.target, [0, 1, 0]);
  });

  it('leaves out rows without a target, excluded, all-missing and constant columns, and says why', () => {
    const result = build(
      ['id', 'empty', 'same', 'x', 'y'],
      [
        ['a1', '', '7', '1', '0'],
        ['a2', 'NA', '7', '2', 'NA'],
        ['a3', '', '7', '3', '1'],
      ],
      { target: 'y', exclude: ['id'] },
    );
    assert.ok(result.ok);
    assert.deepEqual(result.value.dataset.columns, [{ name: 'x', kind: 'numeric' }]);
    assert.deepEqual(result.value.dataset.rows, [[1], [3]]);
    assert.equal(result.value.summary.rowsWithoutTarget, 1);
    assert.deepEqual(
      result.value.summary.columns.map((column) => column.dropped),
      ['excluded', 'all_missing', 'constant', null],
    );
  });

  it('trims header names and names an empty one after its position', () => {
    const result = build(
      ['', ' x ', 'y'],
      [
        ['r1', '1', '0'],
        ['r2', '2', '1'],
      ],
      { target: 'y' },
    );
    assert.ok(result.ok);
    assert.deepEqual(
      result.value.summary.columns.map((column) => column.name),
      ['column_1', 'x'],
    );
  });

  it('answers each problem with its code', () => {
    const table = (header: string[], rows: string[][]): TextTable => ({ header, rows });
    const ok = table(
      ['x', 'y'],
      [
        ['1', '0'],
        ['2', '1'],
      ],
    );
    assert.equal(codeOf(table(['x', 'y'], []), { target: 'y' }), 'dataset_empty');
    assert.equal(codeOf(table([], []), { target: 'y' }), 'dataset_empty');
    assert.equal(codeOf(table(['x', 'x'], [['1', '0']]), { target: 'x' }), 'header_duplicate');
    assert.equal(codeOf(table(['x', 'y'], [['1']]), { target: 'y' }), 'row_width_mismatch');
    assert.equal(codeOf(ok, { target: 'z' }), 'target_column_unknown');
    assert.equal(codeOf(ok, { target: 'y', exclude: ['nope'] }), 'exclude_column_unknown');
    assert.equal(
      codeOf(
        table(
          ['x', 'y'],
          [
            ['1', 'good'],
            ['2', 'bad'],
          ],
        ),
        { target: 'y' },
      ),
      'target_text_without_positive',
    );
    assert.equal(
      codeOf(
        table(
          ['x', 'y'],
          [
            ['1', '1'],
            ['2', '2'],
          ],
        ),
        { target: 'y' },
      ),
      'target_not_binary',
    );
    assert.equal(codeOf(ok, { target: 'y', positive: 'bad' }), 'positive_value_not_found');
    assert.equal(
      codeOf(
        table(
          ['x', 'y'],
          [
            ['1', '0'],
            ['2', '0'],
          ],
        ),
        { target: 'y' },
      ),
      'target_constant',
    );
    assert.equal(
      codeOf(
        table(
          ['x', 'y'],
          [
            ['1', 'bad'],
            ['2', 'bad'],
          ],
        ),
        { target: 'y', positive: 'bad' },
      ),
      'target_constant',
    );
    assert.equal(codeOf(table(['x', 'y'], [['NA', 'NA']]), { target: 'y' }), 'dataset_empty');
    assert.equal(codeOf(ok, { target: 'y', exclude: ['x'] }), 'no_feature_columns');
    assert.equal(codeOf(ok, { target: 'y' }), 'ok');
  });

  it('names the values it found when the positive value is not among them', () => {
    const result = build(
      ['x', 'y'],
      [
        ['1', 'yes'],
        ['2', 'no'],
      ],
      { target: 'y', positive: 'Y' },
    );
    assert.ok(!result.ok);
    assert.match(result.detail ?? '', /"yes", "no"/);
  });
});
