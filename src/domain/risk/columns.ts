/**
 * The data set's feature columns in typed arrays, built once per Dataset and shared by every fit
 * (calibration folds, the final fit, the report): numbers as a Float64Array with NaN for missing,
 * categories as indexes into a sorted dictionary with −1 for missing. Binning, WoE transforms and
 * histogram codes all read these instead of boxed row values.
 */
import type { Dataset, FeatureKind, Label } from './model.ts';

export type ColumnData =
  | { readonly kind: 'numeric'; readonly name: string; readonly values: Float64Array }
  | {
      readonly kind: 'categorical';
      readonly name: string;
      readonly codes: Int32Array;
      readonly categories: readonly string[];
    };

const cache = new WeakMap<Dataset, readonly ColumnData[]>();

function buildColumn(dataset: Dataset, index: number, name: string, kind: FeatureKind): ColumnData {
  const rows = dataset.rows;
  if (kind === 'numeric') {
    const values = new Float64Array(rows.length);
    for (let row = 0; row < rows.length; row += 1) {
      const value = rows[row]?.[index] ?? null;
      values[row] = typeof value === 'number' ? value : Number.NaN;
    }
    return { kind, name, values };
  }
  const distinct = new Set<string>();
  for (const row of rows) {
    const value = row[index] ?? null;
    if (value !== null) distinct.add(String(value));
  }
  const categories = [...distinct].sort();
  const codeOf = new Map(categories.map((category, code) => [category, code]));
  const codes = new Int32Array(rows.length);
  for (let row = 0; row < rows.length; row += 1) {
    const value = rows[row]?.[index] ?? null;
    codes[row] = value === null ? -1 : (codeOf.get(String(value)) ?? -1);
  }
  return { kind, name, codes, categories };
}

export function columnsOf(dataset: Dataset): readonly ColumnData[] {
  const cached = cache.get(dataset);
  if (cached !== undefined) return cached;
  const columns = dataset.columns.map((spec, index) => buildColumn(dataset, index, spec.name, spec.kind));
  cache.set(dataset, columns);
  return columns;
}

/** A column restricted to `rows`, in that order. */
export function gatherColumn(column: ColumnData, rows: readonly number[]): ColumnData {
  if (column.kind === 'numeric') {
    const values = new Float64Array(rows.length);
    for (let i = 0; i < rows.length; i += 1) values[i] = column.values[rows[i] as number] as number;
    return { ...column, values };
  }
  const codes = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i += 1) codes[i] = column.codes[rows[i] as number] as number;
  return { ...column, codes };
}

export function gatherLabels(dataset: Dataset, rows: readonly number[]): Uint8Array {
  const labels = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i += 1) labels[i] = dataset.target[rows[i] as number] as Label;
  return labels;
}
