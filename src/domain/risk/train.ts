/**
 * `trainModel`: a stratified hold-out split with the seed, the chosen algorithm trained on the
 * training rows only, then the hold-out metrics (AUC, Gini, KS, log-loss, Brier, calibration by
 * decile, PSI of the PD between train and hold-out) and the artifact with its training summary.
 * Nothing about the hold-out rows reaches training: binning, selection, calibration and early
 * stopping all carve what they need from the training rows.
 */
import { assert } from '../assert.ts';
import { err, ok, type Result } from '../result.ts';
import type { ModelArtifact, TrainingSummary } from './artifact.ts';
import { binFeature, type FeatureBinning } from './binning.ts';
import { type ColumnData, columnsOf, gatherColumn, gatherLabels } from './columns.ts';
import { assertDataset } from './dataset.ts';
import { gbtDefaults, trainGbt } from './gbt-train.ts';
import { sigmoid } from './logistic.ts';
import { auc, brier, calibrationByDecile, gini, ks, logLoss, psiBands } from './metrics.ts';
import type {
  BinTableRow,
  Dataset,
  FeatureReport,
  FeatureValue,
  GbtOptions,
  Label,
  ScorecardOptions,
  TrainOptions,
  TrainReport,
} from './model.ts';
import { createRandom } from './random.ts';
import { compileModel } from './score.ts';
import { scorecardDefaults, trainScorecard } from './scorecard-train.ts';
import { groupedStratifiedSplit, stratifiedSplit } from './split.ts';

/** Each class needs this many rows for a hold-out split and a calibration split to hold both. */
export const classRowsMin = 10;

export type TrainProblem = 'too_few_rows_per_class' | 'test_fraction_invalid';

/** The expected reasons a data set cannot be trained on; `trainModel` asserts they do not apply. */
export function checkTrainable(
  dataset: Dataset,
  options: Pick<TrainOptions, 'testFraction'>,
): Result<true, TrainProblem> {
  if (!(options.testFraction >= 0.05 && options.testFraction <= 0.9)) {
    return err('test_fraction_invalid', 'the test fraction must be between 0.05 and 0.9');
  }
  const positives = dataset.target.reduce<number>((sum, label) => sum + label, 0);
  const fewest = Math.min(positives, dataset.target.length - positives);
  if (fewest < classRowsMin) {
    return err(
      'too_few_rows_per_class',
      `the rarer class has ${fewest} rows; at least ${classRowsMin} are needed`,
    );
  }
  return ok(true);
}

function rowValues(dataset: Dataset, columnIndex: readonly number[], row: number): FeatureValue[] {
  const values = dataset.rows[row] as readonly FeatureValue[];
  return columnIndex.map((column) => values[column] ?? null);
}

/** Calibrated PD of every listed row. */
export function predictRows(model: ModelArtifact, dataset: Dataset, rows: readonly number[]): number[] {
  const compiled = compileModel(model);
  const names = dataset.columns.map((column) => column.name);
  const columnIndex = compiled.features.map((feature) => names.indexOf(feature.name));
  assert(
    columnIndex.every((index) => index !== -1),
    'the model reads only columns of the data set',
  );
  return rows.map((row) => sigmoid(compiled.logit(rowValues(dataset, columnIndex, row))));
}

function binTable(binning: FeatureBinning, rows: number, points: readonly number[] | null): BinTableRow[] {
  return binning.bins.map((bin, index) => ({
    label: bin.label,
    rows: bin.rows,
    share: bin.rows / rows,
    bads: bin.bads,
    badRate: bin.rows === 0 ? 0 : bin.bads / bin.rows,
    woe: bin.woe,
    iv: bin.iv,
    points: points === null ? null : (points[index] ?? null),
  }));
}

function missingShare(dataset: Dataset, column: number, rows: readonly number[]): number {
  return rows.filter((row) => (dataset.rows[row]?.[column] ?? null) === null).length / rows.length;
}

interface Trained {
  readonly build: (training: TrainingSummary) => ModelArtifact;
  readonly featureReports: FeatureReport[];
  readonly details: string[];
}

function trainScorecardModel(
  dataset: Dataset,
  trainRows: readonly number[],
  options: TrainOptions,
  random: ReturnType<typeof createRandom>,
  progress: (message: string) => void,
): Trained {
  const settings: ScorecardOptions = { ...scorecardDefaults, ...options.scorecard };
  const training = trainScorecard(dataset, trainRows, settings, random, progress);
  const sample = training.build(placeholderSummary(options));
  const featureReports = training.fit.binnings.map((binning, column): FeatureReport => {
    const variable = sample.variables.find((candidate) => candidate.name === binning.name);
    return {
      name: binning.name,
      kind: binning.kind,
      missingShare: missingShare(dataset, column, trainRows),
      iv: binning.iv,
      status: training.fit.statuses[column] ?? 'low_iv',
      coefficient: variable?.coefficient ?? null,
      importance: null,
      bins: binTable(binning, trainRows.length, variable?.bins.map((bin) => bin.points) ?? null),
    };
  });
  const { calibration, scaling } = sample;
  const details = [
    `Binning: ${settings.fineBins} quantile bins, pooled to ≥ ${settings.minBinShare * 100}% of rows, ChiMerge at χ² ${settings.chiMergeThreshold} to at most ${settings.maxBins} bins, monotone unless that loses > ${settings.monotoneIvLossMax * 100}% of IV; WoE smoothing ${settings.woeSmoothing}.`,
    `Selection: IV ≥ ${settings.minIv}, |correlation of WoE| ≤ ${settings.maxCorrelation}, coefficients of the right sign; L2 ${settings.l2}.`,
    `Calibration: Platt scaling on ${settings.calibrationFolds}-fold out-of-fold predictions (slope ${calibration.slope.toFixed(4)}, intercept ${calibration.intercept.toFixed(4)}).`,
    `Points: ${scaling.baseScore} at ${scaling.baseOdds}:1 good:bad odds, ${scaling.pdo} points to double the odds; base points ${sample.basePoints.toFixed(1)}.`,
  ];
  return { build: training.build, featureReports, details };
}

function trainGbtModel(
  dataset: Dataset,
  trainRows: readonly number[],
  options: TrainOptions,
  random: ReturnType<typeof createRandom>,
  progress: (message: string) => void,
): Trained {
  const settings: GbtOptions = { ...gbtDefaults, ...options.gbt };
  const training = trainGbt(dataset, trainRows, settings, random, progress);
  const labels = gatherLabels(dataset, trainRows);
  const columns = columnsOf(dataset);
  const featureReports = dataset.columns.map((column, index): FeatureReport => {
    const binning = binFeature(
      gatherColumn(columns[index] as ColumnData, trainRows),
      labels,
      scorecardDefaults,
    );
    const importance = training.importance[index] ?? 0;
    return {
      name: column.name,
      kind: column.kind,
      missingShare: missingShare(dataset, index, trainRows),
      iv: binning.iv,
      status: importance > 0 ? 'used' : 'unused',
      coefficient: null,
      importance,
      bins: binTable(binning, trainRows.length, null),
    };
  });
  const details = [
    `Trees: ${training.bestRound} kept of ${training.rounds} grown (learning rate ${settings.learningRate}, at most ${settings.maxLeaves} leaves, depth ${settings.maxDepth}, ${settings.minLeafRows} rows per leaf, L2 ${settings.l2}, ${settings.maxBins} histogram bins).`,
    `Early stopping on ${training.validationRows.length} training rows held out (log-loss ${training.validationLogLoss.toFixed(5)}, patience ${settings.earlyStoppingRounds} rounds); Platt scaling fitted on the same rows.`,
    'Explanations: Saabas path attribution (change of node value at each split, credited to its feature).',
    'Feature IV below is univariate, from the scorecard binning, for reference.',
  ];
  return { build: training.build, featureReports, details };
}

function placeholderSummary(options: TrainOptions): TrainingSummary {
  return {
    targetName: options.targetName ?? null,
    trainRows: 0,
    testRows: 0,
    trainPositiveRate: 0,
    seed: options.seed,
    testFraction: options.testFraction,
    auc: 0,
    gini: 0,
    ks: 0,
    logLoss: 0,
  };
}

function positiveRate(dataset: Dataset, rows: readonly number[]): number {
  return rows.reduce((sum, row) => sum + (dataset.target[row] as number), 0) / rows.length;
}

export function trainModel(
  dataset: Dataset,
  options: TrainOptions,
): { model: ModelArtifact; report: TrainReport } {
  assertDataset(dataset);
  assert(Number.isSafeInteger(options.seed), 'seed is a safe integer');
  const trainable = checkTrainable(dataset, options);
  assert(trainable.ok, `trainable: ${trainable.ok ? '' : trainable.detail}`);
  const progress = options.progress ?? (() => {});
  const random = createRandom(options.seed);
  const split =
    options.groups === undefined
      ? stratifiedSplit(dataset.target, options.testFraction, random)
      : groupedStratifiedSplit(dataset.target, options.groups, options.testFraction, random);
  progress(
    `split: ${split.train.length} training rows, ${split.test.length} hold-out rows (seed ${options.seed})`,
  );
  const trained =
    options.algorithm === 'scorecard'
      ? trainScorecardModel(dataset, split.train, options, random, progress)
      : trainGbtModel(dataset, split.train, options, random, progress);
  const provisional = trained.build(placeholderSummary(options));
  const trainPd = predictRows(provisional, dataset, split.train);
  const testPd = predictRows(provisional, dataset, split.test);
  const testLabels = split.test.map((row) => dataset.target[row] as Label);
  const trainLabels = split.train.map((row) => dataset.target[row] as Label);
  const testAuc = auc(testPd, testLabels);
  const summary: TrainingSummary = {
    ...placeholderSummary(options),
    trainRows: split.train.length,
    testRows: split.test.length,
    trainPositiveRate: positiveRate(dataset, split.train),
    auc: testAuc,
    gini: gini(testAuc),
    ks: ks(testPd, testLabels),
    logLoss: logLoss(testPd, testLabels),
  };
  const model = trained.build(summary);
  const stability = psiBands(trainPd, testPd);
  const report: TrainReport = {
    algorithm: options.algorithm,
    auc: summary.auc,
    gini: summary.gini,
    ks: summary.ks,
    logLoss: summary.logLoss,
    brier: brier(testPd, testLabels),
    trainAuc: auc(trainPd, trainLabels),
    trainRows: split.train.length,
    testRows: split.test.length,
    trainPositiveRate: summary.trainPositiveRate,
    testPositiveRate: positiveRate(dataset, split.test),
    features: model.features.length,
    candidateFeatures: dataset.columns.length,
    seed: options.seed,
    calibration: calibrationByDecile(testPd, testLabels),
    psi: stability.psi,
    psiBands: stability.bands,
    featureReports: trained.featureReports,
    details: trained.details,
  };
  return { model, report };
}
