/**
 * Histogram binning for boosted trees: each feature's values become one-byte codes, learned on the
 * rows the trees are fitted on. Numeric: value bins 0 … k−1 (each distinct value its own bin when
 * there are at most `maxBins` of them, else quantile bins), bin t holding uppers[t−1] < x ≤ uppers[t]
 * and the last bin everything above; code k is missing. Categorical: the categories with at least
 * `minCategoryRows` rows (most frequent first, at most maxBins − 1), then "other", then missing.
 */
import { assert } from '../assert.ts';
import { categoryValue, numericValue } from './bin-lookup.ts';
import { bandOf } from './metrics.ts';
import type { FeatureKind, FeatureValue } from './model.ts';

/** One byte per code, the missing bin included. */
export const histogramBinsMax = 254;

export interface HistogramBinner {
  readonly kind: FeatureKind;
  /** Numeric: the largest training value in each value bin. */
  readonly uppers: readonly number[];
  /** Categorical: categories with their own bin, code = index. */
  readonly categories: readonly string[];
  /** Codes 0 … binCount − 1; the last is missing. */
  readonly binCount: number;
  readonly missingCode: number;
  /** Categorical: the code of "other"; −1 for numeric. */
  readonly otherCode: number;
}

function numericBinner(values: readonly FeatureValue[], maxBins: number): HistogramBinner {
  const present: number[] = [];
  for (const value of values) {
    const number = numericValue(value);
    if (number !== null) present.push(number);
  }
  const sorted = Float64Array.from(present).sort();
  let distinct = 0;
  for (let i = 0; i < sorted.length; i += 1) if (sorted[i + 1] !== sorted[i]) distinct += 1;
  const everyValue = distinct <= maxBins;
  const uppers: number[] = [];
  let bin = 0;
  for (let i = 0; i < sorted.length; i += 1) {
    const value = sorted[i] as number;
    if (sorted[i + 1] === value) continue;
    // Close a bin at the end of a run of equal values once its quantile is reached.
    if (everyValue || i + 1 >= ((bin + 1) * sorted.length) / maxBins || i === sorted.length - 1) {
      uppers.push(value);
      bin += 1;
    }
  }
  return {
    kind: 'numeric',
    uppers,
    categories: [],
    binCount: uppers.length + 1,
    missingCode: uppers.length,
    otherCode: -1,
  };
}

function categoricalBinner(
  values: readonly FeatureValue[],
  maxBins: number,
  minCategoryRows: number,
): HistogramBinner {
  const counts = new Map<string, number>();
  for (const value of values) {
    const category = categoryValue(value);
    if (category !== null) counts.set(category, (counts.get(category) ?? 0) + 1);
  }
  const categories = [...counts]
    .filter(([, rows]) => rows >= minCategoryRows)
    .sort(([a, rowsA], [b, rowsB]) => rowsB - rowsA || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, maxBins - 1)
    .map(([category]) => category);
  return {
    kind: 'categorical',
    uppers: [],
    categories,
    binCount: categories.length + 2,
    missingCode: categories.length + 1,
    otherCode: categories.length,
  };
}

export function buildBinner(
  kind: FeatureKind,
  values: readonly FeatureValue[],
  maxBins: number,
  minCategoryRows: number,
): HistogramBinner {
  assert(
    Number.isInteger(maxBins) && maxBins >= 2 && maxBins <= histogramBinsMax,
    `maxBins in [2, ${histogramBinsMax}]`,
  );
  return kind === 'numeric'
    ? numericBinner(values, maxBins)
    : categoricalBinner(values, maxBins, minCategoryRows);
}

/** A code for any value, including ones the binner never saw. */
export function codeFunction(binner: HistogramBinner): (value: FeatureValue) => number {
  if (binner.kind === 'numeric') {
    const cuts = binner.uppers.slice(0, -1);
    return (value) => {
      const number = numericValue(value);
      return number === null || binner.uppers.length === 0 ? binner.missingCode : bandOf(cuts, number);
    };
  }
  const codes = new Map(binner.categories.map((category, index) => [category, index]));
  return (value) => {
    const category = categoryValue(value);
    return category === null ? binner.missingCode : (codes.get(category) ?? binner.otherCode);
  };
}

export function encodeColumn(binner: HistogramBinner, values: readonly FeatureValue[]): Uint8Array {
  const code = codeFunction(binner);
  return Uint8Array.from(values, (value) => code(value));
}
