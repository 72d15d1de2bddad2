/**
 * A trained model as plain JSON data (no Map, no bigint, no Infinity): what is stored, versioned
 * and replayed. `formatVersion` changes whenever a reader of an older version would misread a newer
 * artifact. `checkModelArtifact` is the gate for artifacts read back from storage or disk.
 */
import { err, ok, type Result } from '../result.ts';
import type { FeatureKind } from './model.ts';

export const modelFormatVersion = 1;

export interface ArtifactFeature {
  readonly name: string;
  readonly kind: FeatureKind;
}

export interface TrainingSummary {
  readonly targetName: string | null;
  readonly trainRows: number;
  readonly testRows: number;
  readonly trainPositiveRate: number;
  readonly seed: number;
  readonly testFraction: number;
  /** Hold-out metrics. */
  readonly auc: number;
  readonly gini: number;
  readonly ks: number;
  readonly logLoss: number;
}

/** pd = σ(intercept + slope · raw log-odds). */
export interface PlattCalibration {
  readonly method: 'platt';
  readonly slope: number;
  readonly intercept: number;
  /** Scorecard: out-of-fold predictions on the training rows; gbt: the early-stopping split. */
  readonly fittedOn: 'out_of_fold' | 'validation';
}

/**
 * Which values fall in a bin. `range`: lower < x ≤ upper, null = unbounded. `categories`: the
 * listed values, and when `other` is true also every category the model has not listed anywhere
 * (rare in training, or never seen). `missing`: null, and for categoricals any unlisted category
 * when no bin has `other`.
 */
export type BinRule =
  | { readonly kind: 'range'; readonly lower: number | null; readonly upper: number | null }
  | { readonly kind: 'categories'; readonly values: readonly string[]; readonly other: boolean }
  | { readonly kind: 'missing' };

export interface ScorecardBin {
  readonly rule: BinRule;
  readonly label: string;
  /** Training rows in the bin, and how many of them were bad. */
  readonly rows: number;
  readonly bads: number;
  readonly woe: number;
  readonly points: number;
}

export interface ScorecardVariable {
  readonly name: string;
  readonly kind: FeatureKind;
  readonly iv: number;
  /** Coefficient of the WoE in the (uncalibrated) logistic regression on the log-odds of bad. */
  readonly coefficient: number;
  /** Numeric: ranges in increasing order, then the missing bin; categorical: groups, then missing. */
  readonly bins: readonly ScorecardBin[];
}

export interface ScorecardScaling {
  readonly pdo: number;
  readonly baseScore: number;
  readonly baseOdds: number;
  /** score = offset + factor · ln(good:bad odds); factor = pdo / ln 2. */
  readonly factor: number;
  readonly offset: number;
}

export interface ScorecardArtifact {
  readonly algorithm: 'scorecard';
  readonly formatVersion: typeof modelFormatVersion;
  readonly features: readonly ArtifactFeature[];
  readonly training: TrainingSummary;
  /** Log-odds of bad = calibration.intercept + calibration.slope · (intercept + Σ coefficient · woe). */
  readonly intercept: number;
  readonly calibration: PlattCalibration;
  readonly scaling: ScorecardScaling;
  /** score = basePoints + Σ bin points. */
  readonly basePoints: number;
  readonly variables: readonly ScorecardVariable[];
}

/**
 * A node of a regression tree on the raw log-odds. Every node carries the (shrunk) Newton value of
 * the training rows that reached it, so a path can be attributed feature by feature (Saabas).
 * Numeric: x ≤ threshold goes left. Categorical: the listed categories go left, and unlisted
 * categories when `otherLeft`. Missing values go left when `missingLeft`.
 */
export type GbtNode =
  | { readonly kind: 'leaf'; readonly value: number }
  | {
      readonly kind: 'numeric';
      readonly feature: number;
      readonly threshold: number;
      readonly missingLeft: boolean;
      readonly left: number;
      readonly right: number;
      readonly value: number;
    }
  | {
      readonly kind: 'categorical';
      readonly feature: number;
      readonly leftCategories: readonly string[];
      readonly otherLeft: boolean;
      readonly missingLeft: boolean;
      readonly left: number;
      readonly right: number;
      readonly value: number;
    };

/** Node 0 is the root. */
export interface GbtTree {
  readonly nodes: readonly GbtNode[];
}

export interface GbtFeature extends ArtifactFeature {
  /** Categorical: the categories with their own histogram bin; others are pooled as "other". */
  readonly categories: readonly string[] | null;
  /** Numeric: the training median, to word reason codes (`_high` / `_low`). */
  readonly median: number | null;
  /** Share of the total split gain. */
  readonly importance: number;
}

export interface GbtHyperParameters {
  readonly learningRate: number;
  readonly maxLeaves: number;
  readonly maxDepth: number;
  readonly minLeafRows: number;
  readonly l2: number;
  readonly maxBins: number;
}

export interface GbtArtifact {
  readonly algorithm: 'gbt';
  readonly formatVersion: typeof modelFormatVersion;
  readonly features: readonly GbtFeature[];
  readonly training: TrainingSummary;
  /** Raw log-odds before any tree: the training log-odds of bad. */
  readonly baseMargin: number;
  readonly calibration: PlattCalibration;
  readonly hyperParameters: GbtHyperParameters;
  readonly trees: readonly GbtTree[];
}

export type ModelArtifact = ScorecardArtifact | GbtArtifact;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A structural check of JSON read back from storage: the fields scoring relies on exist with the
 * right types and every tree link points inside its tree. Not a full schema; a bad artifact that
 * passes it would still fail an assertion while scoring rather than give a silent wrong answer.
 */
export function checkModelArtifact(
  value: unknown,
): Result<ModelArtifact, 'model_format_unknown' | 'model_malformed'> {
  if (!isRecord(value) || (value['algorithm'] !== 'scorecard' && value['algorithm'] !== 'gbt')) {
    return err('model_malformed', 'not a Capstan model artifact');
  }
  if (value['formatVersion'] !== modelFormatVersion) {
    return err('model_format_unknown', `formatVersion ${String(value['formatVersion'])} is not supported`);
  }
  if (!Array.isArray(value['features']) || !isRecord(value['calibration']) || !isRecord(value['training'])) {
    return err('model_malformed', 'features, calibration or training is missing');
  }
  if (value['algorithm'] === 'scorecard') {
    if (!Array.isArray(value['variables']) || typeof value['basePoints'] !== 'number') {
      return err('model_malformed', 'a scorecard needs variables and basePoints');
    }
    return ok(value as unknown as ScorecardArtifact);
  }
  const trees = value['trees'];
  if (!Array.isArray(trees) || typeof value['baseMargin'] !== 'number') {
    return err('model_malformed', 'a gbt model needs trees and baseMargin');
  }
  for (const tree of trees) {
    const nodes = isRecord(tree) ? tree['nodes'] : null;
    if (!Array.isArray(nodes) || nodes.length === 0) return err('model_malformed', 'a tree has no nodes');
    for (const [index, node] of nodes.entries()) {
      if (!isRecord(node) || typeof node['value'] !== 'number') return err('model_malformed', 'bad node');
      if (node['kind'] === 'leaf') continue;
      // Children come after their parent, so a walk from the root always ends.
      const linksValid = [node['left'], node['right']].every(
        (link) => typeof link === 'number' && Number.isInteger(link) && link > index && link < nodes.length,
      );
      if (!linksValid) return err('model_malformed', 'a tree link points outside its tree or backwards');
    }
  }
  return ok(value as unknown as GbtArtifact);
}
