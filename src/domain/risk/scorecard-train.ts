/**
 * Training a scorecard: bin every feature, keep those with enough information value and not a
 * near-duplicate of a stronger one, fit an L2 logistic regression on their WoE, drop any feature
 * whose coefficient comes out with the wrong sign (a higher WoE must mean safer) and refit, then
 * calibrate and scale to points.
 *
 * Calibration: Platt scaling on out-of-fold raw log-odds — the whole pipeline (binning, selection,
 * regression) is refitted `calibrationFolds` times on the other folds of the training rows, and
 * the Platt fit on those predictions is applied to the final scorecard, fitted on all training rows.
 */
import { assert } from '../assert.ts';
import type { ScorecardArtifact, ScorecardScaling, ScorecardVariable, TrainingSummary } from './artifact.ts';
import { modelFormatVersion } from './artifact.ts';
import { columnBins } from './bin-lookup.ts';
import { binFeature, type FeatureBinning } from './binning.ts';
import { fitPlatt } from './calibration.ts';
import { type ColumnData, columnsOf, gatherColumn, gatherLabels } from './columns.ts';
import { fitLogistic } from './logistic.ts';
import type { Dataset, FeatureStatus, Label, ScorecardOptions } from './model.ts';
import type { Random } from './random.ts';
import { stratifiedFolds } from './split.ts';

export const scorecardDefaults: ScorecardOptions = {
  fineBins: 20,
  minBinShare: 0.05,
  chiMergeThreshold: 3.84,
  maxBins: 10,
  monotoneIvLossMax: 0.1,
  woeSmoothing: 0.5,
  minIv: 0.02,
  maxCorrelation: 0.9,
  l2: 10,
  calibrationFolds: 5,
  pdo: 20,
  baseScore: 600,
  baseOdds: 50,
};

export function checkScorecardOptions(options: ScorecardOptions): void {
  assert(
    Number.isInteger(options.fineBins) && options.fineBins >= 2 && options.fineBins <= 100,
    'fineBins in [2, 100]',
  );
  assert(options.minBinShare >= 0 && options.minBinShare < 0.5, 'minBinShare in [0, 0.5)');
  assert(Number.isInteger(options.maxBins) && options.maxBins >= 2, 'maxBins ≥ 2');
  assert(options.monotoneIvLossMax >= 0 && options.monotoneIvLossMax <= 1, 'monotoneIvLossMax in [0, 1]');
  assert(options.woeSmoothing > 0, 'woeSmoothing > 0');
  assert(options.maxCorrelation > 0 && options.maxCorrelation <= 1, 'maxCorrelation in (0, 1]');
  assert(Number.isInteger(options.calibrationFolds) && options.calibrationFolds >= 2, 'calibrationFolds ≥ 2');
  assert(options.pdo > 0 && options.baseOdds > 0, 'pdo and baseOdds > 0');
}

export interface SelectedFeature {
  readonly column: number;
  readonly binning: FeatureBinning;
  readonly coefficient: number;
}

export interface ScorecardFit {
  readonly binnings: readonly FeatureBinning[];
  readonly statuses: readonly FeatureStatus[];
  readonly selected: readonly SelectedFeature[];
  readonly intercept: number;
}

function woeColumn(binning: FeatureBinning, column: ColumnData): Float64Array {
  const woe = binning.bins.map((bin) => bin.woe);
  const bins = columnBins(
    binning.bins.map((bin) => bin.rule),
    column,
  );
  const result = new Float64Array(bins.length);
  for (let i = 0; i < bins.length; i += 1) result[i] = woe[bins[i] as number] as number;
  return result;
}

function correlation(a: Float64Array, b: Float64Array): number {
  const n = a.length;
  let meanA = 0;
  let meanB = 0;
  for (let i = 0; i < n; i += 1) {
    meanA += a[i] as number;
    meanB += b[i] as number;
  }
  meanA /= n;
  meanB /= n;
  let cov = 0;
  let varA = 0;
  let varB = 0;
  for (let i = 0; i < n; i += 1) {
    const da = (a[i] as number) - meanA;
    const db = (b[i] as number) - meanB;
    cov += da * db;
    varA += da * da;
    varB += db * db;
  }
  return varA > 0 && varB > 0 ? cov / Math.sqrt(varA * varB) : 0;
}

/** Candidates by IV (highest first), each kept unless nearly collinear with one kept before it. */
function screen(
  binnings: readonly FeatureBinning[],
  woe: readonly Float64Array[],
  options: ScorecardOptions,
) {
  const statuses: FeatureStatus[] = binnings.map((binning) =>
    binning.iv >= options.minIv ? 'selected' : 'low_iv',
  );
  const byIv = binnings
    .map((_, index) => index)
    .sort((a, b) => (binnings[b]?.iv ?? 0) - (binnings[a]?.iv ?? 0) || a - b);
  const kept: number[] = [];
  for (const index of byIv) {
    if (statuses[index] !== 'selected') continue;
    const column = woe[index] as Float64Array;
    if (
      kept.some((other) => Math.abs(correlation(column, woe[other] as Float64Array)) > options.maxCorrelation)
    ) {
      statuses[index] = 'near_duplicate';
    } else {
      kept.push(index);
    }
  }
  return { statuses, kept };
}

/** The design matrix (rows × features, row-major) of the given WoE columns. */
function designMatrix(woe: readonly Float64Array[], features: readonly number[], rows: number): Float64Array {
  const x = new Float64Array(rows * features.length);
  features.forEach((feature, j) => {
    const column = woe[feature] as Float64Array;
    for (let row = 0; row < rows; row += 1) x[row * features.length + j] = column[row] as number;
  });
  return x;
}

/** Binning, selection and regression on `rows` of the data set. */
export function fitScorecardPipeline(
  dataset: Dataset,
  rows: readonly number[],
  options: ScorecardOptions,
): ScorecardFit {
  const labels = gatherLabels(dataset, rows);
  const columns = columnsOf(dataset).map((column) => gatherColumn(column, rows));
  const binnings = columns.map((column) => binFeature(column, labels, options));
  const woe = binnings.map((binning, index) => woeColumn(binning, columns[index] as ColumnData));
  const { statuses, kept } = screen(binnings, woe, options);
  let features = [...kept].sort((a, b) => a - b);
  let start: { intercept: number; coefficients: readonly number[] } | undefined;
  for (let attempt = 0; attempt <= kept.length; attempt += 1) {
    const x = designMatrix(woe, features, rows.length);
    const fit = fitLogistic(
      x,
      labels,
      features.length,
      start === undefined ? { l2: options.l2 } : { l2: options.l2, start },
    );
    const worst = fit.coefficients.reduce(
      (best, value, j) => (value > (fit.coefficients[best] ?? 0) ? j : best),
      -1,
    );
    if (worst === -1 || (fit.coefficients[worst] ?? 0) <= 0) {
      const selected = features.map((column, j) => ({
        column,
        binning: binnings[column] as FeatureBinning,
        coefficient: fit.coefficients[j] as number,
      }));
      return { binnings, statuses, selected, intercept: fit.intercept };
    }
    statuses[features[worst] as number] = 'wrong_sign';
    features = features.filter((_, j) => j !== worst);
    start = { intercept: fit.intercept, coefficients: fit.coefficients.filter((_, j) => j !== worst) };
  }
  assert(false, 'the wrong-sign loop ends by running out of features');
}

/** Raw (uncalibrated) log-odds of bad for `rows`, from a fitted pipeline. */
export function pipelineLogits(fit: ScorecardFit, dataset: Dataset, rows: readonly number[]): number[] {
  const logits = new Float64Array(rows.length).fill(fit.intercept);
  const columns = columnsOf(dataset);
  for (const { column, binning, coefficient } of fit.selected) {
    const woe = woeColumn(binning, gatherColumn(columns[column] as ColumnData, rows));
    for (let i = 0; i < rows.length; i += 1)
      logits[i] = (logits[i] as number) + coefficient * (woe[i] as number);
  }
  return Array.from(logits);
}

export function scalingOf(options: ScorecardOptions): ScorecardScaling {
  const factor = options.pdo / Math.LN2;
  return {
    pdo: options.pdo,
    baseScore: options.baseScore,
    baseOdds: options.baseOdds,
    factor,
    offset: options.baseScore - factor * Math.log(options.baseOdds),
  };
}

export interface ScorecardTraining {
  readonly fit: ScorecardFit;
  /** The artifact without its training summary (added once the hold-out metrics are known). */
  readonly build: (training: TrainingSummary) => ScorecardArtifact;
}

export function trainScorecard(
  dataset: Dataset,
  trainRows: readonly number[],
  options: ScorecardOptions,
  random: Random,
  progress: (message: string) => void,
): ScorecardTraining {
  checkScorecardOptions(options);
  const folds = stratifiedFolds(dataset.target, trainRows, options.calibrationFolds, random);
  const outOfFold = new Map<number, number>();
  folds.forEach((fold, index) => {
    progress(`scorecard: calibration fold ${index + 1}/${folds.length}`);
    const inFold = new Set(fold);
    const fit = fitScorecardPipeline(
      dataset,
      trainRows.filter((row) => !inFold.has(row)),
      options,
    );
    pipelineLogits(fit, dataset, fold).forEach((logit, i) => {
      outOfFold.set(fold[i] as number, logit);
    });
  });
  const calibration = fitPlatt(
    trainRows.map((row) => outOfFold.get(row) as number),
    trainRows.map((row) => dataset.target[row] as Label),
    'out_of_fold',
  );
  progress('scorecard: binning and fitting on all training rows');
  const fit = fitScorecardPipeline(dataset, trainRows, options);
  const scaling = scalingOf(options);
  const variables: ScorecardVariable[] = fit.selected.map(({ binning, coefficient }) => ({
    name: binning.name,
    kind: binning.kind,
    iv: binning.iv,
    coefficient,
    bins: binning.bins.map((bin) => ({
      rule: bin.rule,
      label: bin.label,
      rows: bin.rows,
      bads: bin.bads,
      woe: bin.woe,
      points: -scaling.factor * calibration.slope * coefficient * bin.woe,
    })),
  }));
  const basePoints =
    scaling.offset - scaling.factor * (calibration.intercept + calibration.slope * fit.intercept);
  const build = (training: TrainingSummary): ScorecardArtifact => ({
    algorithm: 'scorecard',
    formatVersion: modelFormatVersion,
    features: variables.map(({ name, kind }) => ({ name, kind })),
    training,
    intercept: fit.intercept,
    calibration,
    scaling,
    basePoints,
    variables,
  });
  return { fit, build };
}
