/**
 * Scoring a row with any model artifact. The artifact is compiled (lookups, flattened trees) on
 * first use and the compiled form cached per artifact object, so scoring many rows with one model
 * costs a few microseconds each. Columns the model does not use are ignored; absent ones are missing.
 */
import type { ArtifactFeature, ModelArtifact } from './artifact.ts';
import { compileGbt } from './gbt-score.ts';
import type { FeatureRow, FeatureValue, Scored } from './model.ts';
import { compileScorecard } from './scorecard-score.ts';

export interface CompiledModel {
  readonly features: readonly ArtifactFeature[];
  /** Calibrated log-odds of bad; `values` aligned with `features`. */
  logit(values: readonly FeatureValue[]): number;
  score(values: readonly FeatureValue[]): Scored;
  attribute(values: readonly FeatureValue[]): { baseline: number; contributions: Float64Array };
}

/**
 * Every feature's effect on the calibrated log-odds of bad for one row, not just the top reasons:
 * logit(pd) = baseline + Σ contribution. Scorecard: against an average applicant (WoE 0); gbt:
 * Saabas attribution against the sum of the trees' root values.
 */
export interface Attribution {
  readonly baseline: number;
  readonly contributions: readonly {
    readonly feature: string;
    readonly value: FeatureValue;
    readonly contribution: number;
  }[];
}

const compiledModels = new WeakMap<ModelArtifact, CompiledModel>();

export function compileModel(model: ModelArtifact): CompiledModel {
  const cached = compiledModels.get(model);
  if (cached !== undefined) return cached;
  const compiled = model.algorithm === 'scorecard' ? compileScorecard(model) : compileGbt(model);
  const result: CompiledModel = { features: model.features, ...compiled };
  compiledModels.set(model, result);
  return result;
}

/** The row's values for the model's features, in order; an absent column is missing. */
export function featureValues(features: readonly ArtifactFeature[], row: FeatureRow): FeatureValue[] {
  return features.map((feature) => (Object.hasOwn(row, feature.name) ? (row[feature.name] ?? null) : null));
}

export function scoreModel(model: ModelArtifact, row: FeatureRow): Scored {
  const compiled = compileModel(model);
  return compiled.score(featureValues(compiled.features, row));
}

export function attributeModel(model: ModelArtifact, row: FeatureRow): Attribution {
  const compiled = compileModel(model);
  const values = featureValues(compiled.features, row);
  const { baseline, contributions } = compiled.attribute(values);
  return {
    baseline,
    contributions: compiled.features.map((feature, j) => ({
      feature: feature.name,
      value: values[j] ?? null,
      contribution: contributions[j] as number,
    })),
  };
}
