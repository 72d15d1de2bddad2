/**
 * Population stability: how far the population a model now scores has drifted from the one it was
 * trained on, for its score and for each input. The reference is taken at training — the bands of
 * every input (training deciles for numbers, the categories seen for text, a band for missing) and
 * of the PD, with the training population's share in each — and stored with the model; a report
 * puts today's population into the same bands. PSI under 0.10 is stable, 0.10–0.25 worth watching,
 * 0.25 and over a shift that calls for a look at the model (the industry's usual reading).
 */
import { assert } from '../assert.ts';
import { bandOf, psi, quantileCuts } from './metrics.ts';
import type { FeatureRow, FeatureValue } from './model.ts';

export const psiWatch = 0.1;
export const psiShift = 0.25;
const bandsPerInput = 10;
/** Categories beyond this many (by training frequency) share one "other" band. */
const categoriesMax = 20;

export type StabilityStatus = 'stable' | 'watch' | 'shifted';

export interface InputReference {
  readonly name: string;
  readonly kind: 'numeric' | 'categorical';
  /** numeric: cut points, band i = (cuts[i-1], cuts[i]]; then one band for missing. */
  readonly cuts?: readonly number[];
  /** categorical: one band per category, then "other", then missing. */
  readonly categories?: readonly string[];
  readonly shares: readonly number[];
}

export interface StabilityReference {
  readonly rows: number;
  readonly score: { readonly cuts: readonly number[]; readonly shares: readonly number[] };
  readonly inputs: readonly InputReference[];
}

export interface StabilityBand {
  readonly label: string;
  readonly expectedShare: number;
  readonly actualShare: number;
}

export interface StabilityLine {
  readonly name: string;
  readonly psi: number;
  readonly status: StabilityStatus;
  readonly bands: readonly StabilityBand[];
}

export interface StabilityReport {
  readonly referenceRows: number;
  readonly rows: number;
  readonly score: StabilityLine;
  /** Inputs, most drifted first. */
  readonly inputs: readonly StabilityLine[];
}

export function stabilityStatus(value: number): StabilityStatus {
  if (value >= psiShift) return 'shifted';
  return value >= psiWatch ? 'watch' : 'stable';
}

function shares(counts: readonly number[], total: number): number[] {
  return counts.map((count) => (total === 0 ? 0 : count / total));
}

function numericBand(cuts: readonly number[], value: FeatureValue): number {
  return typeof value === 'number' && Number.isFinite(value) ? bandOf(cuts, value) : cuts.length + 1;
}

function categoricalBand(categories: readonly string[], value: FeatureValue): number {
  if (value === null || value === undefined) return categories.length + 1;
  const index = categories.indexOf(String(value));
  return index === -1 ? categories.length : index;
}

function inputReference(name: string, rows: readonly FeatureRow[]): InputReference {
  const present = rows.map((row) => row[name] ?? null).filter((value) => value !== null);
  const numeric = present.every((value) => typeof value === 'number');
  if (numeric) {
    const values = present as number[];
    const cuts = values.length === 0 ? [] : quantileCuts(values, bandsPerInput);
    const counts = new Array<number>(cuts.length + 2).fill(0);
    for (const row of rows) {
      const band = numericBand(cuts, row[name] ?? null);
      counts[band] = (counts[band] as number) + 1;
    }
    return { name, kind: 'numeric', cuts, shares: shares(counts, rows.length) };
  }
  const frequency = new Map<string, number>();
  for (const value of present) frequency.set(String(value), (frequency.get(String(value)) ?? 0) + 1);
  const categories = [...frequency.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, categoriesMax)
    .map(([category]) => category);
  const counts = new Array<number>(categories.length + 2).fill(0);
  for (const row of rows) {
    const band = categoricalBand(categories, row[name] ?? null);
    counts[band] = (counts[band] as number) + 1;
  }
  return { name, kind: 'categorical', categories, shares: shares(counts, rows.length) };
}

/** The training population's bands, to be stored with the model. */
export function stabilityReference(rows: readonly FeatureRow[], pds: readonly number[]): StabilityReference {
  assert(rows.length === pds.length && rows.length > 0, 'stabilityReference: one PD per row, some rows');
  const names = [...new Set(rows.flatMap((row) => Object.keys(row)))].sort();
  const cuts = quantileCuts(pds, bandsPerInput);
  const counts = new Array<number>(cuts.length + 1).fill(0);
  for (const pd of pds) counts[bandOf(cuts, pd)] = (counts[bandOf(cuts, pd)] as number) + 1;
  return {
    rows: rows.length,
    score: { cuts, shares: shares(counts, pds.length) },
    inputs: names.map((name) => inputReference(name, rows)),
  };
}

function rangeLabel(cuts: readonly number[], band: number): string {
  const format = (value: number) => Number(value.toPrecision(4)).toString();
  if (cuts.length === 0) return 'all';
  if (band === 0) return `≤ ${format(cuts[0] as number)}`;
  if (band === cuts.length) return `> ${format(cuts[cuts.length - 1] as number)}`;
  return `(${format(cuts[band - 1] as number)}, ${format(cuts[band] as number)}]`;
}

function line(
  name: string,
  expected: readonly number[],
  counts: readonly number[],
  labels: string[],
): StabilityLine {
  const total = counts.reduce((sum, count) => sum + count, 0);
  const actual = shares(counts, total);
  const value = psi(expected, actual);
  return {
    name,
    psi: value,
    status: stabilityStatus(value),
    bands: expected.map((share, band) => ({
      label: labels[band] as string,
      expectedShare: share,
      actualShare: actual[band] as number,
    })),
  };
}

/** Today's population against the reference: PSI of the score and of every input. */
export function stabilityReport(
  reference: StabilityReference,
  rows: readonly FeatureRow[],
  pds: readonly number[],
): StabilityReport {
  assert(rows.length === pds.length && rows.length > 0, 'stabilityReport: one PD per row, some rows');
  const scoreCuts = reference.score.cuts;
  const scoreCounts = new Array<number>(scoreCuts.length + 1).fill(0);
  for (const pd of pds)
    scoreCounts[bandOf(scoreCuts, pd)] = (scoreCounts[bandOf(scoreCuts, pd)] as number) + 1;
  const score = line(
    'pd',
    reference.score.shares,
    scoreCounts,
    reference.score.shares.map((_, band) => rangeLabel(scoreCuts, band)),
  );
  const inputs = reference.inputs.map((input) => {
    const counts = new Array<number>(input.shares.length).fill(0);
    for (const row of rows) {
      const value = row[input.name] ?? null;
      const band =
        input.kind === 'numeric'
          ? numericBand(input.cuts ?? [], value)
          : categoricalBand(input.categories ?? [], value);
      counts[band] = (counts[band] as number) + 1;
    }
    const labels =
      input.kind === 'numeric'
        ? [
            ...(input.cuts ?? []).map((_, band) => rangeLabel(input.cuts ?? [], band)),
            rangeLabel(input.cuts ?? [], (input.cuts ?? []).length),
            'missing',
          ]
        : [...(input.categories ?? []), 'other', 'missing'];
    return line(input.name, input.shares, counts, labels);
  });
  inputs.sort((a, b) => b.psi - a.psi || (a.name < b.name ? -1 : 1));
  return { referenceRows: reference.rows, rows: rows.length, score, inputs };
}
