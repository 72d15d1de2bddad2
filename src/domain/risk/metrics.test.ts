/**
 * Proves the metrics against hand-computed values — AUC and KS with tied scores, Gini, PSI — and
 * against their brute-force definitions on random inputs (fast-check): AUC is the share of
 * (bad, good) pairs ranked right, ties counting one half; KS is the largest TPR − FPR gap over
 * thresholds that never split a tie.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  auc,
  bandOf,
  brier,
  calibrationByDecile,
  gini,
  ks,
  logLoss,
  psi,
  psiBands,
  quantileCuts,
} from './metrics.ts';
import type { Label } from './model.ts';

const close = (actual: number, expected: number, tolerance = 1e-12) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`);

function pairwiseAuc(scores: readonly number[], labels: readonly Label[]): number {
  let total = 0;
  let pairs = 0;
  scores.forEach((bad, i) => {
    if (labels[i] !== 1) return;
    scores.forEach((good, j) => {
      if (labels[j] !== 0) return;
      pairs += 1;
      total += bad > good ? 1 : bad === good ? 0.5 : 0;
    });
  });
  return total / pairs;
}

function thresholdKs(scores: readonly number[], labels: readonly Label[]): number {
  const positives = labels.filter((label) => label === 1).length;
  const negatives = labels.length - positives;
  let best = 0;
  for (const threshold of new Set(scores)) {
    const above = scores.map((score, i) => [score >= threshold, labels[i]] as const);
    const tpr = above.filter(([hit, label]) => hit && label === 1).length / positives;
    const fpr = above.filter(([hit, label]) => hit && label === 0).length / negatives;
    best = Math.max(best, Math.abs(tpr - fpr));
  }
  return best;
}

const scoredLabels = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.constantFrom<Label>(0, 1)), {
    minLength: 2,
    maxLength: 40,
  })
  .filter((pairs) => pairs.some(([, label]) => label === 1) && pairs.some(([, label]) => label === 0));

describe('auc, gini, ks', () => {
  const scores = [0.1, 0.4, 0.35, 0.8, 0.4];
  const labels: Label[] = [0, 0, 1, 1, 1];

  it('match the hand-computed values with a tie between a bad and a good', () => {
    // Pairs (bad, good): (.35,.1)=1 (.35,.4)=0 (.8,.1)=1 (.8,.4)=1 (.4,.1)=1 (.4,.4)=½ → 4.5 / 6.
    close(auc(scores, labels), 0.75);
    close(gini(0.75), 0.5);
    close(gini(scores, labels), 0.5);
    // Thresholds between distinct scores: ≥.8 → (1/3, 0); ≥.4 → (2/3, 1/2); ≥.35 → (1, 1/2); ≥.1 → (1, 1).
    close(ks(scores, labels), 0.5);
  });

  it('give 1 for a perfect ranking, 0 for a reversed one and 0.5 when every score is equal', () => {
    close(auc([1, 2, 3, 4], [0, 0, 1, 1]), 1);
    close(auc([4, 3, 2, 1], [0, 0, 1, 1]), 0);
    close(auc([5, 5, 5, 5], [0, 1, 0, 1]), 0.5);
    close(ks([1, 2, 3, 4], [0, 0, 1, 1]), 1);
    close(ks([5, 5, 5, 5], [0, 1, 0, 1]), 0);
  });

  it('agree with the pairwise and threshold definitions on random scores with ties', () => {
    fc.assert(
      fc.property(scoredLabels, (pairs) => {
        const s = pairs.map(([score]) => score);
        const l = pairs.map(([, label]) => label);
        close(auc(s, l), pairwiseAuc(s, l), 1e-9);
        close(
          auc(
            s.map((score) => -score),
            l,
          ),
          1 - pairwiseAuc(s, l),
          1e-9,
        );
        close(ks(s, l), thresholdKs(s, l), 1e-9);
      }),
    );
  });

  it('refuse a single class: that is a caller bug', () => {
    assert.throws(() => auc([1, 2], [1, 1]), /both classes/);
  });
});

describe('log-loss, Brier, calibration', () => {
  it('match hand-computed values', () => {
    close(logLoss([0.8, 0.4], [1, 0]), -(Math.log(0.8) + Math.log(0.6)) / 2);
    close(brier([0.8, 0.4], [1, 0]), (0.04 + 0.16) / 2);
  });

  it('cuts rows sorted by PD into ten bands with their mean PD and observed rate', () => {
    const pd = Array.from({ length: 20 }, (_, i) => (i + 1) / 21);
    const labels = pd.map((_, i): Label => (i % 4 === 3 ? 1 : 0));
    const bands = calibrationByDecile(pd, labels);
    assert.equal(bands.length, 10);
    assert.deepEqual(
      bands.map((band) => band.rows),
      new Array(10).fill(2),
    );
    close(bands[0]?.meanPd ?? 0, 1.5 / 21);
    close(bands[1]?.observedRate ?? 0, 0.5);
    close(bands[9]?.maxPd ?? 0, 20 / 21);
  });
});

describe('psi', () => {
  it('matches the hand-computed value and is zero for identical distributions', () => {
    // (0.25 − 0.5)·ln(0.25/0.5) + (0.75 − 0.5)·ln(0.75/0.5)
    close(psi([0.5, 0.5], [0.25, 0.75]), 0.25 * Math.log(2) + 0.25 * Math.log(1.5));
    close(psi([10, 30], [1, 3]), 0);
  });

  it('floors an empty band instead of dividing by zero', () => {
    assert.ok(Number.isFinite(psi([1, 1], [0, 2])));
    assert.ok(psi([1, 1], [0, 2]) > 1);
  });

  it('bands the actual scores by the deciles of the expected ones', () => {
    const expected = Array.from({ length: 100 }, (_, i) => i);
    assert.equal(quantileCuts(expected, 10).length, 9);
    assert.equal(bandOf([9, 19], 9), 0);
    assert.equal(bandOf([9, 19], 9.5), 1);
    assert.equal(bandOf([9, 19], 100), 2);
    const same = psiBands(expected, expected);
    close(same.psi, 0);
    assert.equal(same.bands.length, 10);
    const shifted = psiBands(
      expected,
      expected.map((value) => value + 50),
    );
    assert.ok(shifted.psi > 1, `psi ${shifted.psi}`);
    close(
      shifted.bands.reduce((sum, band) => sum + band.psi, 0),
      shifted.psi,
      1e-9,
    );
  });
});
