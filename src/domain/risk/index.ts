/** The risk domain's public surface: model.ts (the stable vocabulary) and the tools around it. */

export {
  type ArtifactFeature,
  type BinRule,
  type GbtFeature,
  type GbtHyperParameters,
  modelFormatVersion,
  type PlattCalibration,
  type ScorecardScaling,
  type TrainingSummary,
} from './artifact.ts';
export {
  buildDataset,
  type ColumnSummary,
  type DatasetOptions,
  type DatasetProblem,
  type DatasetSummary,
  isMissingCell,
  missingTokens,
  parseDecimal,
  type TextTable,
} from './dataset.ts';
export { gbtDefaults } from './gbt-train.ts';
export { brier, calibrationByDecile, logLoss, psiBands } from './metrics.ts';
export * from './model.ts';
export { createRandom, type Random } from './random.ts';
export { reasonsMax } from './reasons.ts';
export { buildTrainingReport } from './report.ts';
export { type Attribution, type CompiledModel, compileModel } from './score.ts';
export { scorecardDefaults } from './scorecard-train.ts';
export { stratifiedSplit } from './split.ts';
export { classRowsMin, predictRows, type TrainProblem } from './train.ts';
