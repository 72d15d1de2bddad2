/**
 * From a table of text cells (a CSV after parsing) to a Dataset: missing-value tokens, column type
 * detection, the target as 0/1, excluded columns. Expected problems with the input are result codes,
 * checked in this order: dataset_empty, header_duplicate, row_width_mismatch,
 * target_column_unknown, exclude_column_unknown, target_text_without_positive, target_not_binary,
 * positive_value_not_found, target_constant, no_feature_columns.
 */
import { assert } from '../assert.ts';
import { err, ok, type Result } from '../result.ts';
import type { ColumnSpec, Dataset, FeatureKind, FeatureValue, Label } from './model.ts';

/** Cells that mean "no value", compared after trimming and ignoring case. */
export const missingTokens: ReadonlySet<string> = new Set(['', 'na', 'nan', 'null', 'n/a']);
/** Bounds on what one training run reads. */
export const datasetRowsMax = 5_000_000;
export const datasetColumnsMax = 1_000;
const valuesListedMax = 10;

export type DatasetProblem =
  | 'dataset_empty'
  | 'dataset_too_large'
  | 'header_duplicate'
  | 'row_width_mismatch'
  | 'target_column_unknown'
  | 'exclude_column_unknown'
  | 'target_text_without_positive'
  | 'target_not_binary'
  | 'positive_value_not_found'
  | 'target_constant'
  | 'no_feature_columns';

export interface TextTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

export interface DatasetOptions {
  readonly target: string;
  /** The target value that means bad (1); without it the target must be 0/1. */
  readonly positive?: string;
  readonly exclude?: readonly string[];
}

export interface ColumnSummary {
  readonly name: string;
  readonly kind: FeatureKind;
  readonly missing: number;
  readonly distinct: number;
  /** Why the column is not a feature, or null when it is one. */
  readonly dropped: 'excluded' | 'all_missing' | 'constant' | null;
}

export interface DatasetSummary {
  readonly rows: number;
  readonly positives: number;
  readonly rowsWithoutTarget: number;
  readonly columns: readonly ColumnSummary[];
}

const decimalPattern = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const longestMissingToken = 4;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

export function isMissingCell(cell: string): boolean {
  // Fast path for the common case: a cell longer than any token and not padded with spaces.
  if (
    cell.length > longestMissingToken &&
    !isSpace(cell.charCodeAt(0)) &&
    !isSpace(cell.charCodeAt(cell.length - 1))
  ) {
    return false;
  }
  return missingTokens.has(cell.trim().toLowerCase());
}

/** A finite decimal number (no hex, no thousands separators, no Infinity), or null. */
export function parseDecimal(cell: string): number | null {
  const text = cell.trim();
  const value = Number(text);
  // Number() also reads "", "0x1f", "Infinity"…; the pattern is the gate, tried only when Number() agrees.
  if (!Number.isFinite(value) || !decimalPattern.test(text)) return null;
  return value;
}

function listValues(values: Iterable<string>): string {
  const listed = [...values].slice(0, valuesListedMax);
  return listed.map((value) => JSON.stringify(value)).join(', ');
}

/** The target as 0/1 per row, or null where it is missing. */
function parseTarget(
  table: TextTable,
  targetIndex: number,
  positive: string | undefined,
): Result<(Label | null)[], DatasetProblem> {
  const cells = table.rows.map((row) => row[targetIndex] ?? '');
  const present = cells.filter((cell) => !isMissingCell(cell)).map((cell) => cell.trim());
  const distinct = new Set(present);
  if (positive === undefined) {
    if (present.some((cell) => parseDecimal(cell) === null)) {
      return err(
        'target_text_without_positive',
        `target values include text (${listValues(distinct)}): pass --positive VALUE`,
      );
    }
    const numbers = new Set(present.map((cell) => parseDecimal(cell)));
    if ([...numbers].some((value) => value !== 0 && value !== 1)) {
      return err(
        'target_not_binary',
        `target values are ${listValues(distinct)}, not 0/1: pass --positive VALUE`,
      );
    }
    return ok(cells.map((cell) => (isMissingCell(cell) ? null : parseDecimal(cell) === 1 ? 1 : 0)));
  }
  const wanted = positive.trim();
  const wantedNumber = parseDecimal(wanted);
  const matches = (cell: string) =>
    cell.trim() === wanted || (wantedNumber !== null && parseDecimal(cell) === wantedNumber);
  if (!present.some(matches)) {
    return err(
      'positive_value_not_found',
      `no row has target ${JSON.stringify(wanted)}; values are ${listValues(distinct)}`,
    );
  }
  return ok(cells.map((cell) => (isMissingCell(cell) ? null : matches(cell) ? 1 : 0)));
}

function checkShape(table: TextTable, options: DatasetOptions): Result<number, DatasetProblem> {
  if (table.header.length === 0 || table.rows.length === 0)
    return err('dataset_empty', 'no header or no data rows');
  if (table.rows.length > datasetRowsMax || table.header.length > datasetColumnsMax) {
    return err('dataset_too_large', `at most ${datasetRowsMax} rows and ${datasetColumnsMax} columns`);
  }
  const seen = new Set<string>();
  for (const name of table.header) {
    if (seen.has(name)) return err('header_duplicate', `column ${JSON.stringify(name)} appears twice`);
    seen.add(name);
  }
  const badRow = table.rows.findIndex((row) => row.length !== table.header.length);
  if (badRow !== -1) {
    const width = table.rows[badRow]?.length ?? 0;
    return err(
      'row_width_mismatch',
      `data row ${badRow + 1} has ${width} fields, the header ${table.header.length}`,
    );
  }
  const targetIndex = table.header.indexOf(options.target);
  if (targetIndex === -1) {
    return err(
      'target_column_unknown',
      `no column ${JSON.stringify(options.target)}; columns are ${listValues(table.header)}`,
    );
  }
  const unknown = (options.exclude ?? []).filter((name) => !seen.has(name));
  if (unknown.length > 0) return err('exclude_column_unknown', `no column ${listValues(unknown)} to exclude`);
  return ok(targetIndex);
}

interface ParsedColumn {
  readonly summary: ColumnSummary;
  readonly values: FeatureValue[];
}

/** Numeric when every present cell is a finite decimal; then numbers, else trimmed strings. */
function parseColumn(name: string, cells: readonly string[], excluded: boolean): ParsedColumn {
  let missing = 0;
  let numeric = true;
  const numbers = new Float64Array(cells.length);
  const isMissing = new Uint8Array(cells.length);
  cells.forEach((cell, index) => {
    if (isMissingCell(cell)) {
      missing += 1;
      isMissing[index] = 1;
      return;
    }
    if (!numeric) return;
    const number = parseDecimal(cell);
    if (number === null) numeric = false;
    else numbers[index] = number;
  });
  const values: FeatureValue[] = cells.map((cell, index) =>
    isMissing[index] === 1 ? null : numeric ? (numbers[index] as number) : cell.trim(),
  );
  const distinct = new Set(values).size - (missing > 0 ? 1 : 0);
  const dropped = excluded
    ? 'excluded'
    : distinct === 0
      ? 'all_missing'
      : distinct === 1 && missing === 0
        ? 'constant'
        : null;
  return { summary: { name, kind: numeric ? 'numeric' : 'categorical', missing, distinct, dropped }, values };
}

/** Header names are trimmed; an empty one (R writes one for row names) becomes `column_N`. */
export function normaliseHeader(header: readonly string[]): string[] {
  return header.map((name, index) => (name.trim() === '' ? `column_${index + 1}` : name.trim()));
}

export function buildDataset(
  input: TextTable,
  options: DatasetOptions,
): Result<{ dataset: Dataset; summary: DatasetSummary }, DatasetProblem> {
  const table: TextTable = { header: normaliseHeader(input.header), rows: input.rows };
  const shape = checkShape(table, options);
  if (!shape.ok) return shape;
  const targetIndex = shape.value;
  const parsedTarget = parseTarget(table, targetIndex, options.positive);
  if (!parsedTarget.ok) return parsedTarget;
  const kept = parsedTarget.value.flatMap((label, index) => (label === null ? [] : [index]));
  const target = kept.map((index) => parsedTarget.value[index] as Label);
  const positives = target.filter((label) => label === 1).length;
  if (kept.length === 0) return err('dataset_empty', 'every row is missing its target');
  if (positives === 0 || positives === target.length) {
    return err('target_constant', `every row has target ${positives === 0 ? 0 : 1}`);
  }
  const exclude = new Set(options.exclude ?? []);
  const parsed = table.header.flatMap((name, index) =>
    index === targetIndex
      ? []
      : [
          parseColumn(
            name,
            kept.map((row) => table.rows[row]?.[index] ?? ''),
            exclude.has(name),
          ),
        ],
  );
  const features = parsed.filter((column) => column.summary.dropped === null);
  if (features.length === 0) return err('no_feature_columns', 'no column is left to learn from');
  const columns: ColumnSpec[] = features.map(({ summary }) => ({ name: summary.name, kind: summary.kind }));
  const rows = kept.map((_, row) => features.map((column) => column.values[row] ?? null));
  const dataset: Dataset = { columns, rows, target };
  assert(rows.length === target.length, 'one target per row');
  const summary: DatasetSummary = {
    rows: rows.length,
    positives,
    rowsWithoutTarget: table.rows.length - kept.length,
    columns: parsed.map((column) => column.summary),
  };
  return ok({ dataset, summary });
}

/** The invariants every Dataset the trainer receives must hold; a violation is a caller's bug. */
export function assertDataset(dataset: Dataset): void {
  assert(dataset.rows.length === dataset.target.length, 'dataset: one target per row');
  const width = dataset.columns.length;
  for (const row of dataset.rows) assert(row.length === width, 'dataset: every row has a value per column');
  for (const label of dataset.target) assert(label === 0 || label === 1, 'dataset: targets are 0 or 1');
  dataset.columns.forEach((column, index) => {
    const type = column.kind === 'numeric' ? 'number' : 'string';
    for (const row of dataset.rows) {
      const value = row[index] ?? null;
      assert(value === null || typeof value === type, `dataset: ${column.name} holds ${type} values`);
      assert(typeof value !== 'number' || Number.isFinite(value), `dataset: ${column.name} is finite`);
    }
  });
}
