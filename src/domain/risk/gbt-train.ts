/**
 * Gradient-boosted trees on the logistic loss: start from the training log-odds, then each round
 * fits a histogram tree (gbt-tree.ts) to the gradients and adds it, shrunk by the learning rate.
 * A stratified `validationFraction` of the training rows is held out: boosting stops once its
 * log-loss has not improved for `earlyStoppingRounds` rounds, the trees after the best round are
 * dropped, and Platt scaling is fitted on those same validation rows (the only other use of them).
 */
import { assert } from '../assert.ts';
import type { GbtArtifact, GbtFeature, GbtNode, TrainingSummary } from './artifact.ts';
import { modelFormatVersion } from './artifact.ts';
import { numericValue } from './bin-lookup.ts';
import { fitPlatt } from './calibration.ts';
import { buildBinner, encodeColumn, type HistogramBinner, histogramBinsMax } from './gbt-bins.ts';
import { type GrownTree, growTree, predictEncoded, type TrainNode, type TreeData } from './gbt-tree.ts';
import { sigmoid, softplus } from './logistic.ts';
import type { Dataset, FeatureValue, GbtOptions, Label } from './model.ts';
import type { Random } from './random.ts';
import { stratifiedSplit } from './split.ts';

export const gbtDefaults: GbtOptions = {
  learningRate: 0.05,
  maxRounds: 1000,
  maxLeaves: 8,
  maxDepth: 6,
  minLeafRows: 20,
  l2: 1,
  maxBins: 254,
  minCategoryRows: 10,
  validationFraction: 0.2,
  earlyStoppingRounds: 50,
};

export function checkGbtOptions(options: GbtOptions): void {
  assert(options.learningRate > 0 && options.learningRate <= 1, 'learningRate in (0, 1]');
  assert(
    Number.isInteger(options.maxRounds) && options.maxRounds >= 1 && options.maxRounds <= 100_000,
    'maxRounds in [1, 100000]',
  );
  assert(
    Number.isInteger(options.maxLeaves) && options.maxLeaves >= 2 && options.maxLeaves <= 1024,
    'maxLeaves in [2, 1024]',
  );
  assert(
    Number.isInteger(options.maxDepth) && options.maxDepth >= 1 && options.maxDepth <= 32,
    'maxDepth in [1, 32]',
  );
  assert(Number.isInteger(options.minLeafRows) && options.minLeafRows >= 1, 'minLeafRows ≥ 1');
  assert(options.l2 >= 0, 'l2 ≥ 0');
  assert(
    Number.isInteger(options.maxBins) && options.maxBins >= 2 && options.maxBins <= histogramBinsMax,
    'maxBins in [2, 254]',
  );
  assert(options.validationFraction > 0 && options.validationFraction < 1, 'validationFraction in (0, 1)');
  assert(
    Number.isInteger(options.earlyStoppingRounds) && options.earlyStoppingRounds >= 1,
    'earlyStoppingRounds ≥ 1',
  );
}

export interface GbtTraining {
  readonly rounds: number;
  readonly bestRound: number;
  /** The training rows held out for early stopping and calibration. */
  readonly validationRows: readonly number[];
  readonly validationLogLoss: number;
  /** Per dataset column: share of the total split gain. */
  readonly importance: readonly number[];
  readonly build: (training: TrainingSummary) => GbtArtifact;
}

interface Encoded {
  readonly data: TreeData;
  readonly labels: Label[];
}

function encode(dataset: Dataset, rows: readonly number[], binners: readonly HistogramBinner[]): Encoded {
  const features = binners.length;
  const codes = new Uint8Array(rows.length * features);
  binners.forEach((binner, column) => {
    const columnCodes = encodeColumn(
      binner,
      rows.map((row) => dataset.rows[row]?.[column] ?? null),
    );
    for (let i = 0; i < rows.length; i += 1) codes[i * features + column] = columnCodes[i] as number;
  });
  return {
    data: { codes, features, binners, rows: rows.length },
    labels: rows.map((row) => dataset.target[row] as Label),
  };
}

function median(values: readonly FeatureValue[]): number | null {
  const present = Float64Array.from(
    values.map(numericValue).filter((value): value is number => value !== null),
  ).sort();
  if (present.length === 0) return null;
  const middle = present.length >> 1;
  return present.length % 2 === 1
    ? (present[middle] as number)
    : ((present[middle - 1] as number) + (present[middle] as number)) / 2;
}

function logisticGradients(
  margins: Float64Array,
  labels: readonly Label[],
  gradients: Float64Array,
  hessians: Float64Array,
): void {
  for (let i = 0; i < margins.length; i += 1) {
    const p = sigmoid(margins[i] as number);
    gradients[i] = p - (labels[i] as number);
    hessians[i] = Math.max(p * (1 - p), 1e-16);
  }
}

function addTree(tree: GrownTree, margins: Float64Array): void {
  for (const leaf of tree.leaves) {
    const value = (tree.nodes[leaf.node] as TrainNode).value;
    for (let i = leaf.start; i < leaf.end; i += 1) {
      const row = tree.order[i] as number;
      margins[row] = (margins[row] as number) + value;
    }
  }
}

/** The artifact's node for a training node, with features renumbered to the used ones. */
function artifactNode(
  node: TrainNode,
  binners: readonly HistogramBinner[],
  featureIndex: readonly number[],
): GbtNode {
  if (node.kind === 'leaf') return { kind: 'leaf', value: node.value };
  const binner = binners[node.feature] as HistogramBinner;
  const feature = featureIndex[node.feature] as number;
  assert(feature >= 0, 'a used feature has an index');
  const links = { left: node.left, right: node.right, value: node.value };
  if (node.leftSet === null) {
    // All value bins left (only missing right): any number goes left, however large.
    const last = node.thresholdBin >= binner.uppers.length - 1;
    const threshold = last ? Number.MAX_VALUE : (binner.uppers[node.thresholdBin] as number);
    return { kind: 'numeric', feature, threshold, missingLeft: node.missingLeft, ...links };
  }
  const leftSet = node.leftSet;
  return {
    kind: 'categorical',
    feature,
    leftCategories: binner.categories.filter((_, code) => leftSet[code] === 1),
    otherLeft: leftSet[binner.otherCode] === 1,
    missingLeft: leftSet[binner.missingCode] === 1,
    ...links,
  };
}

function splitGains(trees: readonly (readonly TrainNode[])[], features: number): number[] {
  const gains = new Array<number>(features).fill(0);
  for (const nodes of trees)
    for (const node of nodes)
      if (node.kind === 'split') gains[node.feature] = (gains[node.feature] ?? 0) + node.gain;
  const total = gains.reduce((sum, gain) => sum + gain, 0);
  return gains.map((gain) => (total > 0 ? gain / total : 0));
}

interface Boosted {
  readonly trees: TrainNode[][];
  readonly bestRound: number;
  readonly rounds: number;
  readonly bestLoss: number;
  readonly validationMargins: Float64Array;
}

function boost(
  fit: Encoded,
  validation: Encoded,
  base: number,
  options: GbtOptions,
  progress: (message: string) => void,
): Boosted {
  const margins = new Float64Array(fit.data.rows).fill(base);
  const validationMargins = new Float64Array(validation.data.rows).fill(base);
  const gradients = new Float64Array(fit.data.rows);
  const hessians = new Float64Array(fit.data.rows);
  const trees: TrainNode[][] = [];
  const validationLoss = () => {
    let total = 0;
    for (let row = 0; row < validationMargins.length; row += 1) {
      const margin = validationMargins[row] as number;
      total += softplus(margin) - (validation.labels[row] as number) * margin;
    }
    return total / validationMargins.length;
  };
  let best = { loss: validationLoss(), round: 0, margins: validationMargins.slice() };
  let round = 0;
  while (round < options.maxRounds && round - best.round < options.earlyStoppingRounds) {
    logisticGradients(margins, fit.labels, gradients, hessians);
    const tree = growTree(fit.data, gradients, hessians, options);
    if (tree.nodes.length === 1) break;
    addTree(tree, margins);
    for (let row = 0; row < validation.data.rows; row += 1) {
      validationMargins[row] =
        (validationMargins[row] as number) +
        predictEncoded(tree.nodes, fit.data.binners, validation.data, row);
    }
    trees.push(tree.nodes);
    round += 1;
    const loss = validationLoss();
    if (loss < best.loss - 1e-9) best = { loss, round, margins: validationMargins.slice() };
    if (round % 50 === 0)
      progress(
        `gbt: round ${round}, validation log-loss ${loss.toFixed(5)} (best ${best.loss.toFixed(5)} at ${best.round})`,
      );
  }
  return {
    trees: trees.slice(0, best.round),
    bestRound: best.round,
    rounds: round,
    bestLoss: best.loss,
    validationMargins: best.margins,
  };
}

/** The features some split uses, renumbered in column order, with what scoring and reasons need. */
function usedFeatures(
  dataset: Dataset,
  fitRows: readonly number[],
  binners: readonly HistogramBinner[],
  trees: readonly (readonly TrainNode[])[],
  importance: readonly number[],
): { features: GbtFeature[]; featureIndex: number[] } {
  const used = dataset.columns.map((_, index) =>
    trees.some((nodes) => nodes.some((node) => node.kind === 'split' && node.feature === index)),
  );
  const featureIndex: number[] = [];
  let next = 0;
  for (const isUsed of used) featureIndex.push(isUsed ? next++ : -1);
  const features: GbtFeature[] = dataset.columns.flatMap((column, index) => {
    if (!used[index]) return [];
    const binner = binners[index] as HistogramBinner;
    const values = fitRows.map((row) => dataset.rows[row]?.[index] ?? null);
    return [
      {
        name: column.name,
        kind: column.kind,
        categories: column.kind === 'categorical' ? [...binner.categories] : null,
        median: column.kind === 'numeric' ? median(values) : null,
        importance: importance[index] as number,
      },
    ];
  });
  return { features, featureIndex };
}

export function trainGbt(
  dataset: Dataset,
  trainRows: readonly number[],
  options: GbtOptions,
  random: Random,
  progress: (message: string) => void,
): GbtTraining {
  checkGbtOptions(options);
  const split = stratifiedSplit(dataset.target, options.validationFraction, random, trainRows);
  const binners = dataset.columns.map((column, index) =>
    buildBinner(
      column.kind,
      split.train.map((row) => dataset.rows[row]?.[index] ?? null),
      options.maxBins,
      options.minCategoryRows,
    ),
  );
  const fit = encode(dataset, split.train, binners);
  const validation = encode(dataset, split.test, binners);
  const positives = fit.labels.reduce<number>((sum, label) => sum + label, 0);
  assert(positives > 0 && positives < fit.labels.length, 'gbt: both classes in the fitting rows');
  const base = Math.log(positives / (fit.labels.length - positives));
  progress(`gbt: ${split.train.length} rows to fit, ${split.test.length} for early stopping`);
  const boosted = boost(fit, validation, base, options, progress);
  const calibration = fitPlatt(Array.from(boosted.validationMargins), validation.labels, 'validation');
  const importance = splitGains(boosted.trees, binners.length);
  const { features, featureIndex } = usedFeatures(dataset, split.train, binners, boosted.trees, importance);
  const trees = boosted.trees.map((nodes) => ({
    nodes: nodes.map((node) => artifactNode(node, binners, featureIndex)),
  }));
  const { learningRate, maxLeaves, maxDepth, minLeafRows, l2, maxBins } = options;
  return {
    rounds: boosted.rounds,
    bestRound: boosted.bestRound,
    validationRows: split.test,
    validationLogLoss: boosted.bestLoss,
    importance,
    build: (training) => ({
      algorithm: 'gbt',
      formatVersion: modelFormatVersion,
      features,
      training,
      baseMargin: base,
      calibration,
      hyperParameters: { learningRate, maxLeaves, maxDepth, minLeafRows, l2, maxBins },
      trees,
    }),
  };
}
