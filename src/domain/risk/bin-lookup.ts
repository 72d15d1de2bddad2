/**
 * Which bin a value falls in, compiled once per feature from its bin rules: a binary search over
 * range bounds for numeric features, a Map for categorical ones. Values the feature cannot read
 * (text in a numeric feature, NaN) count as missing; so does an unlisted category when no bin
 * takes "other".
 */
import { assert } from '../assert.ts';
import type { BinRule } from './artifact.ts';
import type { ColumnData } from './columns.ts';
import { parseDecimal } from './dataset.ts';
import { bandOf } from './metrics.ts';
import type { FeatureKind, FeatureValue } from './model.ts';

export type BinLookup = (value: FeatureValue) => number;

/** A number a numeric feature can use, or null for missing. */
export function numericValue(value: FeatureValue): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  return typeof value === 'string' ? parseDecimal(value) : null;
}

/** A category as text, or null for missing. */
export function categoryValue(value: FeatureValue): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  return typeof value === 'string' ? value.trim() : null;
}

function missingBin(rules: readonly BinRule[]): number {
  const missingIndex = rules.findIndex((rule) => rule.kind === 'missing');
  assert(missingIndex !== -1, 'every binning has a missing bin');
  return missingIndex;
}

/** The upper bounds between numeric ranges (one fewer than the ranges), and how many ranges there are. */
function rangeBounds(rules: readonly BinRule[]): { uppers: number[]; ranges: number } {
  const ranges = rules.filter((rule) => rule.kind === 'range');
  assert(
    ranges.every((rule, index) => rules[index] === rule),
    'numeric ranges come first, in order',
  );
  const uppers = ranges.slice(0, -1).map((rule) => rule.upper as number);
  assert(
    uppers.every((upper, index) => index === 0 || upper > (uppers[index - 1] as number)),
    'range bounds increase',
  );
  return { uppers, ranges: ranges.length };
}

export function compileLookup(kind: FeatureKind, rules: readonly BinRule[]): BinLookup {
  const missingIndex = missingBin(rules);
  if (kind === 'numeric') {
    const { uppers, ranges } = rangeBounds(rules);
    return (value) => {
      const number = numericValue(value);
      return number === null || ranges === 0 ? missingIndex : bandOf(uppers, number);
    };
  }
  const byCategory = new Map<string, number>();
  let otherIndex = missingIndex;
  rules.forEach((rule, index) => {
    if (rule.kind !== 'categories') return;
    for (const category of rule.values) byCategory.set(category, index);
    if (rule.other) otherIndex = index;
  });
  return (value) => {
    const category = categoryValue(value);
    return category === null ? missingIndex : (byCategory.get(category) ?? otherIndex);
  };
}

/** The bin of every row of a typed column (see columns.ts). */
export function columnBins(rules: readonly BinRule[], column: ColumnData): Int32Array {
  const missingIndex = missingBin(rules);
  if (column.kind === 'numeric') {
    const { uppers, ranges } = rangeBounds(rules);
    const values = column.values;
    const bins = new Int32Array(values.length);
    for (let i = 0; i < values.length; i += 1) {
      const value = values[i] as number;
      bins[i] = Number.isNaN(value) || ranges === 0 ? missingIndex : bandOf(uppers, value);
    }
    return bins;
  }
  const lookup = compileLookup('categorical', rules);
  const byCode = column.categories.map((category) => lookup(category));
  const codes = column.codes;
  const bins = new Int32Array(codes.length);
  for (let i = 0; i < codes.length; i += 1) {
    const code = codes[i] as number;
    bins[i] = code < 0 ? missingIndex : (byCode[code] as number);
  }
  return bins;
}
