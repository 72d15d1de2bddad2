/**
 * Platt scaling: pd = σ(intercept + slope · s) fitted on raw log-odds s of rows the model did not
 * learn from, with Platt's smoothed targets ((N₊+1)/(N₊+2) for bads, 1/(N₋+2) for goods) so a small
 * calibration set cannot push the fit to certainty. A slope that comes out ≤ 0 means the raw score
 * ranks backwards on those rows — the fit would invert the model — so the identity is kept instead.
 */
import type { PlattCalibration } from './artifact.ts';
import { fitLogistic, sigmoid } from './logistic.ts';
import type { Label } from './model.ts';

export function fitPlatt(
  logits: readonly number[],
  labels: readonly Label[],
  fittedOn: PlattCalibration['fittedOn'],
): PlattCalibration {
  const positives = labels.reduce<number>((sum, label) => sum + label, 0);
  const negatives = labels.length - positives;
  const high = (positives + 1) / (positives + 2);
  const low = 1 / (negatives + 2);
  const targets = labels.map((label) => (label === 1 ? high : low));
  const fit = fitLogistic(Float64Array.from(logits), targets, 1, { l2: 0 });
  const slope = fit.coefficients[0] ?? 0;
  if (!(slope > 0) || !Number.isFinite(fit.intercept))
    return { method: 'platt', slope: 1, intercept: 0, fittedOn };
  return { method: 'platt', slope, intercept: fit.intercept, fittedOn };
}

export function calibratedLogit(calibration: PlattCalibration, rawLogit: number): number {
  return calibration.intercept + calibration.slope * rawLogit;
}

export function calibratedPd(calibration: PlattCalibration, rawLogit: number): number {
  return sigmoid(calibratedLogit(calibration, rawLogit));
}
