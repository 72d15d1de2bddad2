/**
 * Reason codes: stable machine codes and human sentences for the features that pushed a score
 * towards "bad". Codes are `${feature}_${direction}` with the feature name slugged to snake_case:
 * `_high` / `_low` (the value is above / below where the model sees least risk), `_missing`, and
 * `_adverse` when no direction applies (a category, or a feature whose safest value is "missing").
 */
import type { Explanation, FeatureValue } from './model.ts';

/** At most this many reasons per decision. */
export const reasonsMax = 5;
/** Costs and contributions below this are rounding noise, not reasons. */
export const reasonEpsilon = 1e-9;

export type ReasonDirection = 'high' | 'low' | 'missing' | 'adverse';

export function featureSlug(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return slug === '' ? 'feature' : slug;
}

export function reasonCode(feature: string, direction: ReasonDirection): string {
  return `${featureSlug(feature)}_${direction}`;
}

export function describeValue(value: FeatureValue): string {
  if (value === null) return 'missing';
  if (typeof value === 'number') return String(Number(value.toPrecision(6)));
  return JSON.stringify(value);
}

/** Rounds to 2 decimals for display in sentences. */
export function shortNumber(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** The `count` candidates with the largest positive `weight` (ties by feature name), explained, most adverse first. */
export function topReasons<T extends { readonly weight: number; readonly feature: string }>(
  candidates: readonly T[],
  explain: (candidate: T) => Explanation,
  count: number = reasonsMax,
): Explanation[] {
  return candidates
    .filter((candidate) => candidate.weight > reasonEpsilon)
    .sort((a, b) => b.weight - a.weight || (a.feature < b.feature ? -1 : a.feature > b.feature ? 1 : 0))
    .slice(0, count)
    .map(explain);
}
