/**
 * The risk domain's public vocabulary: data sets, model artifacts, scores with reasons, and the
 * training report. The decision engine builds on these names; functions are re-exported here so
 * that `../risk/model.ts` is the one import it needs (see index.ts for the full surface).
 *
 * Sign conventions, used everywhere in this folder:
 * - the positive class (1) is the *bad* outcome (default, late payment); PD is its probability;
 * - a `contribution` is an effect on the log-odds of bad: positive = riskier;
 * - weight of evidence is ln(share of goods / share of bads): positive = safer (credit-scoring
 *   custom), so a scorecard's coefficients on WoE are negative;
 * - scorecard points go the other way from PD: higher = safer.
 */
export type FeatureValue = number | string | null;
export type FeatureRow = Readonly<Record<string, FeatureValue>>;
export type FeatureKind = 'numeric' | 'categorical';
export type Algorithm = 'scorecard' | 'gbt';
export type Label = 0 | 1;

export interface ColumnSpec {
  readonly name: string;
  readonly kind: FeatureKind;
}

/**
 * Feature columns only (the target is separate): a numeric column holds numbers or null, a
 * categorical one strings or null; `rows[i][j]` is row i's value of `columns[j]`.
 */
export interface Dataset {
  readonly columns: readonly ColumnSpec[];
  readonly rows: readonly (readonly FeatureValue[])[];
  readonly target: readonly Label[];
}

export interface Explanation {
  readonly feature: string;
  readonly value: FeatureValue;
  /** Effect on the log-odds of default, + = riskier (scorecard: against an average applicant). */
  readonly contribution: number;
  /** Scorecard only: the points this feature earned. */
  readonly points?: number;
  /** Stable machine code: `${feature}_high`, `${feature}_low`, `${feature}_missing`, `${feature}_adverse`. */
  readonly code: string;
  readonly description: string;
}

export interface Scored {
  /** Calibrated probability of the positive (bad) class. */
  readonly pd: number;
  /** Scorecard points, higher = safer; null for gbt. */
  readonly score: number | null;
  /** Most adverse first, at most `reasonsMax`. */
  readonly reasons: readonly Explanation[];
}

export interface ScorecardOptions {
  /** Quantile bins a numeric feature starts from, before merging. */
  readonly fineBins: number;
  /** No bin (other than the missing bin) holds fewer than this share of the training rows. */
  readonly minBinShare: number;
  /** Adjacent bins whose bad rates differ less than this chi-square (1 df) are merged; 3.84 is p = 0.05. */
  readonly chiMergeThreshold: number;
  readonly maxBins: number;
  /** The monotone binning is kept unless it loses more than this share of the information value. */
  readonly monotoneIvLossMax: number;
  /** Pseudo-count added to goods and bads in every bin when computing WoE. */
  readonly woeSmoothing: number;
  /** Features with a lower information value are left out. */
  readonly minIv: number;
  /** Of two features whose WoE columns correlate above this, the one with lower IV is left out. */
  readonly maxCorrelation: number;
  /** L2 penalty on the coefficients (not the intercept), on the summed log-loss. */
  readonly l2: number;
  /** Folds for the out-of-fold predictions that Platt scaling is fitted on. */
  readonly calibrationFolds: number;
  readonly pdo: number;
  readonly baseScore: number;
  /** Good:bad odds at which the score equals baseScore. */
  readonly baseOdds: number;
}

export interface GbtOptions {
  readonly learningRate: number;
  readonly maxRounds: number;
  readonly maxLeaves: number;
  readonly maxDepth: number;
  readonly minLeafRows: number;
  readonly l2: number;
  /** Histogram bins per numeric feature, missing bin excluded; at most 254. */
  readonly maxBins: number;
  /** Categories seen on fewer training rows are pooled as "other". */
  readonly minCategoryRows: number;
  /** Share of the training rows held out for early stopping and Platt scaling. */
  readonly validationFraction: number;
  /** Stop after this many rounds without a better validation log-loss. */
  readonly earlyStoppingRounds: number;
}

export interface TrainOptions {
  algorithm: Algorithm;
  /** Share of rows held out (stratified) for the reported metrics, in (0, 1). */
  testFraction: number;
  seed: number;
  /**
   * Rows that belong together (one merchant observed on several dates): the hold-out then takes
   * whole groups, so the reported metrics are on groups the model never saw a row of.
   */
  groups?: readonly string[];
  scorecard?: Partial<ScorecardOptions>;
  gbt?: Partial<GbtOptions>;
  /** Recorded in the artifact. */
  targetName?: string;
  /** Called with a line of progress at each stage; the domain never writes anywhere itself. */
  progress?: (message: string) => void;
}

export interface CalibrationBand {
  readonly decile: number;
  readonly rows: number;
  readonly minPd: number;
  readonly maxPd: number;
  readonly meanPd: number;
  readonly observedRate: number;
}

export interface PsiBand {
  /** Bounds on the PD; the band holds lower < pd ≤ upper, null = unbounded. */
  readonly lower: number | null;
  readonly upper: number | null;
  readonly expectedShare: number;
  readonly actualShare: number;
  readonly psi: number;
}

export interface BinTableRow {
  readonly label: string;
  readonly rows: number;
  readonly share: number;
  readonly bads: number;
  readonly badRate: number;
  readonly woe: number;
  readonly iv: number;
  /** Scorecard points of the bin, when the feature is in the scorecard. */
  readonly points: number | null;
}

export type FeatureStatus = 'selected' | 'low_iv' | 'near_duplicate' | 'wrong_sign' | 'used' | 'unused';

export interface FeatureReport {
  readonly name: string;
  readonly kind: FeatureKind;
  readonly missingShare: number;
  /** Information value of the feature's (scorecard) binning on the training rows. */
  readonly iv: number;
  readonly status: FeatureStatus;
  /** Scorecard: the coefficient on WoE; gbt: null. */
  readonly coefficient: number | null;
  /** Gbt: share of the total split gain; scorecard: null. */
  readonly importance: number | null;
  readonly bins: readonly BinTableRow[];
}

export interface TrainReport {
  readonly algorithm: Algorithm;
  /** Hold-out metrics. */
  readonly auc: number;
  readonly gini: number;
  readonly ks: number;
  readonly logLoss: number;
  readonly brier: number;
  readonly trainAuc: number;
  readonly trainRows: number;
  readonly testRows: number;
  readonly trainPositiveRate: number;
  readonly testPositiveRate: number;
  /** Features the model uses. */
  readonly features: number;
  readonly candidateFeatures: number;
  readonly seed: number;
  /** Hold-out rows in ten bands of predicted PD. */
  readonly calibration: readonly CalibrationBand[];
  /** Stability of the predicted PD, train (expected) against hold-out (actual), in train deciles. */
  readonly psi: number;
  readonly psiBands: readonly PsiBand[];
  readonly featureReports: readonly FeatureReport[];
  readonly details: readonly string[];
}

export type {
  GbtArtifact,
  GbtNode,
  GbtTree,
  ModelArtifact,
  ScorecardArtifact,
  ScorecardBin,
  ScorecardVariable,
} from './artifact.ts';
export { checkModelArtifact } from './artifact.ts';
export { auc, gini, ks, psi } from './metrics.ts';
export { attributeModel, scoreModel } from './score.ts';
export { checkTrainable, trainModel } from './train.ts';
