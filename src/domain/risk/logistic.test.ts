/**
 * Proves the logistic regression against known solutions: the closed form for one binary feature
 * (intercept = logit of the bad rate where x = 0, coefficient = the difference of logits), a zero
 * gradient of the penalised objective at the L2 solution (checked independently here), the
 * Cholesky solve on the textbook matrix, and Platt scaling recovering a known slope and intercept.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fitPlatt } from './calibration.ts';
import { choleskySolve } from './linear-algebra.ts';
import { fitLogistic, sigmoid, softplus } from './logistic.ts';
import type { Label } from './model.ts';
import { createRandom } from './random.ts';

const close = (actual: number, expected: number, tolerance: number) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected} ± ${tolerance}`);

const logit = (p: number) => Math.log(p / (1 - p));

describe('choleskySolve', () => {
  it('solves the textbook system A = L·Lᵀ with L = [[2,0,0],[6,1,0],[−8,5,3]]', () => {
    const a = Float64Array.from([4, 12, -16, 12, 37, -43, -16, -43, 98]);
    const x = choleskySolve(a, Float64Array.from([-20, -43, 192]), 3);
    for (const [i, expected] of [1, 2, 3].entries()) close(x[i] as number, expected, 1e-12);
  });

  it('refuses a matrix that is not positive definite', () => {
    assert.throws(
      () => choleskySolve(Float64Array.from([1, 2, 2, 1]), Float64Array.from([1, 1]), 2),
      /positive definite/,
    );
  });
});

describe('fitLogistic', () => {
  it('matches the closed form for one binary feature', () => {
    // x = 0: 40 rows, 10 bad (25%); x = 1: 60 rows, 30 bad (50%).
    const x = [...new Array<number>(40).fill(0), ...new Array<number>(60).fill(1)];
    const y = x.map((value, i): Label => (value === 0 ? (i < 10 ? 1 : 0) : i - 40 < 30 ? 1 : 0));
    const fit = fitLogistic(Float64Array.from(x), y, 1, { l2: 0 });
    close(fit.intercept, logit(0.25), 1e-7); // −1.098612
    close(fit.coefficients[0] ?? 0, logit(0.5) - logit(0.25), 1e-7); // 1.098612
    assert.ok(fit.iterations < 20);
  });

  it('lands where the gradient of the penalised objective is zero', () => {
    const random = createRandom(5);
    const rows = 500;
    const p = 3;
    const x = new Float64Array(rows * p);
    const y: Label[] = [];
    for (let row = 0; row < rows; row += 1) {
      for (let j = 0; j < p; j += 1) x[row * p + j] = random.nextFloat() * 2 - 1;
      const eta = 0.3 + 2 * (x[row * p] as number) - (x[row * p + 1] as number);
      y.push(random.nextFloat() < sigmoid(eta) ? 1 : 0);
    }
    const l2 = 5;
    const fit = fitLogistic(x, y, p, { l2 });
    // ∂/∂b = Σ (μ − y); ∂/∂w_j = Σ (μ − y)·x_j + l2·w_j — computed here, not by the fitter.
    const gradient = new Array<number>(p + 1).fill(0);
    for (let row = 0; row < rows; row += 1) {
      let eta = fit.intercept;
      for (let j = 0; j < p; j += 1) eta += (fit.coefficients[j] as number) * (x[row * p + j] as number);
      const residual = sigmoid(eta) - (y[row] as number);
      gradient[0] = (gradient[0] as number) + residual;
      for (let j = 0; j < p; j += 1)
        gradient[j + 1] = (gradient[j + 1] as number) + residual * (x[row * p + j] as number);
    }
    for (let j = 0; j < p; j += 1)
      gradient[j + 1] = (gradient[j + 1] as number) + l2 * (fit.coefficients[j] as number);
    for (const component of gradient) close(component, 0, 1e-6);
    // The penalty shrinks: the unpenalised fit has larger coefficients.
    const free = fitLogistic(x, y, p, { l2: 0 });
    assert.ok(Math.abs(free.coefficients[0] ?? 0) > Math.abs(fit.coefficients[0] ?? 0));
  });

  it('stays finite on perfectly separated data when penalised', () => {
    const x = Float64Array.from([-2, -1, 1, 2]);
    const fit = fitLogistic(x, [0, 0, 1, 1], 1, { l2: 1 });
    assert.ok(Number.isFinite(fit.coefficients[0]) && (fit.coefficients[0] ?? 0) > 0);
  });

  it('computes softplus and sigmoid without overflow', () => {
    close(softplus(1000), 1000, 1e-9);
    close(softplus(-1000), 0, 1e-12);
    close(sigmoid(-1000), 0, 1e-12);
    close(sigmoid(0), 0.5, 1e-15);
  });
});

describe('fitPlatt', () => {
  it('recovers the slope and intercept that generated the labels', () => {
    const random = createRandom(11);
    const scores: number[] = [];
    const labels: Label[] = [];
    for (let i = 0; i < 20_000; i += 1) {
      const score = random.nextFloat() * 6 - 3;
      scores.push(score);
      labels.push(random.nextFloat() < sigmoid(0.5 + 2 * score) ? 1 : 0);
    }
    const calibration = fitPlatt(scores, labels, 'validation');
    close(calibration.slope, 2, 0.15);
    close(calibration.intercept, 0.5, 0.1);
  });

  it('keeps the identity when the scores rank backwards', () => {
    const calibration = fitPlatt([-2, -1, 1, 2], [1, 1, 0, 0], 'out_of_fold');
    assert.deepEqual(calibration, { method: 'platt', slope: 1, intercept: 0, fittedOn: 'out_of_fold' });
  });
});
