/**
 * How good and how stable a model is: AUC (ties count one half), Gini, KS, log-loss, Brier score,
 * calibration by decile, and the population stability index. Scores are "higher = more likely
 * bad" (a PD or a log-odds); labels are 1 for bad.
 */
import { assert } from '../assert.ts';
import type { CalibrationBand, Label, PsiBand } from './model.ts';

/** PSI treats a share below this as this, so an empty band costs a large but finite amount. */
export const psiShareFloor = 1e-4;
const probabilityFloor = 1e-15;

function classCounts(labels: readonly Label[]): { positives: number; negatives: number } {
  let positives = 0;
  for (const label of labels) positives += label;
  return { positives, negatives: labels.length - positives };
}

function orderBy(scores: readonly number[]): number[] {
  const order = scores.map((_, index) => index);
  order.sort((a, b) => (scores[a] as number) - (scores[b] as number));
  return order;
}

/** Area under the ROC curve, by the Mann–Whitney rank sum with mid-ranks for ties. */
export function auc(scores: readonly number[], labels: readonly Label[]): number {
  assert(scores.length === labels.length, 'auc: one label per score');
  const { positives, negatives } = classCounts(labels);
  assert(positives > 0 && negatives > 0, 'auc needs both classes');
  const order = orderBy(scores);
  let positiveRankSum = 0;
  let start = 0;
  while (start < order.length) {
    let end = start + 1;
    while (end < order.length && scores[order[end] as number] === scores[order[start] as number]) end += 1;
    const midRank = (start + 1 + end) / 2;
    for (let i = start; i < end; i += 1) if (labels[order[i] as number] === 1) positiveRankSum += midRank;
    start = end;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Gini = 2·AUC − 1, from an AUC or from the scores and labels themselves. */
export function gini(aucValue: number): number;
export function gini(scores: readonly number[], labels: readonly Label[]): number;
export function gini(aucOrScores: number | readonly number[], labels?: readonly Label[]): number {
  if (typeof aucOrScores === 'number') return 2 * aucOrScores - 1;
  assert(labels !== undefined, 'gini: labels with the scores');
  return 2 * auc(aucOrScores, labels) - 1;
}

/** Kolmogorov–Smirnov: max |TPR − FPR| over thresholds placed between distinct scores. */
export function ks(scores: readonly number[], labels: readonly Label[]): number {
  assert(scores.length === labels.length, 'ks: one label per score');
  const { positives, negatives } = classCounts(labels);
  assert(positives > 0 && negatives > 0, 'ks needs both classes');
  const order = orderBy(scores).reverse();
  let truePositives = 0;
  let falsePositives = 0;
  let best = 0;
  for (let i = 0; i < order.length; i += 1) {
    const index = order[i] as number;
    if (labels[index] === 1) truePositives += 1;
    else falsePositives += 1;
    const next = order[i + 1];
    if (next !== undefined && scores[next] === scores[index]) continue;
    best = Math.max(best, Math.abs(truePositives / positives - falsePositives / negatives));
  }
  return best;
}

export function logLoss(probabilities: readonly number[], labels: readonly Label[]): number {
  assert(probabilities.length === labels.length && labels.length > 0, 'logLoss: one label per probability');
  let total = 0;
  for (let i = 0; i < labels.length; i += 1) {
    const p = Math.min(1 - probabilityFloor, Math.max(probabilityFloor, probabilities[i] as number));
    total -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  }
  return total / labels.length;
}

export function brier(probabilities: readonly number[], labels: readonly Label[]): number {
  assert(probabilities.length === labels.length && labels.length > 0, 'brier: one label per probability');
  let total = 0;
  for (let i = 0; i < labels.length; i += 1)
    total += ((probabilities[i] as number) - (labels[i] as number)) ** 2;
  return total / labels.length;
}

/** Rows sorted by predicted PD, cut into `bands` groups of (nearly) equal size. */
export function calibrationByDecile(
  probabilities: readonly number[],
  labels: readonly Label[],
  bands = 10,
): CalibrationBand[] {
  assert(probabilities.length === labels.length, 'calibration: one label per probability');
  const order = orderBy(probabilities);
  const result: CalibrationBand[] = [];
  for (let band = 0; band < bands; band += 1) {
    const start = Math.floor((band * order.length) / bands);
    const end = Math.floor(((band + 1) * order.length) / bands);
    if (end <= start) continue;
    let pdSum = 0;
    let bads = 0;
    for (let i = start; i < end; i += 1) {
      const index = order[i] as number;
      pdSum += probabilities[index] as number;
      bads += labels[index] as number;
    }
    result.push({
      decile: band + 1,
      rows: end - start,
      minPd: probabilities[order[start] as number] as number,
      maxPd: probabilities[order[end - 1] as number] as number,
      meanPd: pdSum / (end - start),
      observedRate: bads / (end - start),
    });
  }
  return result;
}

/** Population stability index of two distributions over the same bins (counts or shares). */
export function psi(expected: readonly number[], actual: readonly number[]): number {
  assert(expected.length === actual.length && expected.length > 0, 'psi: the same bins on both sides');
  const expectedTotal = expected.reduce((sum, value) => sum + value, 0);
  const actualTotal = actual.reduce((sum, value) => sum + value, 0);
  assert(expectedTotal > 0 && actualTotal > 0, 'psi: both distributions are non-empty');
  let total = 0;
  for (let i = 0; i < expected.length; i += 1) {
    total += psiTerm((expected[i] as number) / expectedTotal, (actual[i] as number) / actualTotal);
  }
  return total;
}

/** Cut points at the `bands`-quantiles of `scores`, duplicates removed: band i is (cut[i-1], cut[i]]. */
export function quantileCuts(scores: readonly number[], bands: number): number[] {
  const sorted = [...scores].sort((a, b) => a - b);
  const cuts: number[] = [];
  for (let band = 1; band < bands; band += 1) {
    const cut = sorted[Math.min(sorted.length - 1, Math.floor((band * sorted.length) / bands) - 1)];
    if (cut !== undefined && cut !== cuts[cuts.length - 1] && cut < (sorted[sorted.length - 1] as number)) {
      cuts.push(cut);
    }
  }
  return cuts;
}

/** Index of the band (lower < x ≤ upper) of `value` among sorted cut points, by binary search. */
export function bandOf(cuts: readonly number[], value: number): number {
  let low = 0;
  let high = cuts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (value <= (cuts[middle] as number)) high = middle;
    else low = middle + 1;
  }
  return low;
}

/** PSI of `actual` against `expected` in the deciles of `expected`, band by band. */
export function psiBands(
  expected: readonly number[],
  actual: readonly number[],
  bands = 10,
): { psi: number; bands: PsiBand[] } {
  const cuts = quantileCuts(expected, bands);
  const expectedCounts = new Array<number>(cuts.length + 1).fill(0);
  const actualCounts = new Array<number>(cuts.length + 1).fill(0);
  for (const value of expected)
    expectedCounts[bandOf(cuts, value)] = (expectedCounts[bandOf(cuts, value)] ?? 0) + 1;
  for (const value of actual)
    actualCounts[bandOf(cuts, value)] = (actualCounts[bandOf(cuts, value)] ?? 0) + 1;
  const result: PsiBand[] = expectedCounts.map((count, band) => {
    const expectedShare = count / expected.length;
    const actualShare = (actualCounts[band] as number) / actual.length;
    return {
      lower: band === 0 ? null : (cuts[band - 1] as number),
      upper: band === cuts.length ? null : (cuts[band] as number),
      expectedShare,
      actualShare,
      psi: psiTerm(expectedShare, actualShare),
    };
  });
  return { psi: psi(expectedCounts, actualCounts), bands: result };
}

function psiTerm(expectedShare: number, actualShare: number): number {
  const e = Math.max(psiShareFloor, expectedShare);
  const a = Math.max(psiShareFloor, actualShare);
  return (a - e) * Math.log(a / e);
}
