/**
 * Scoring with a scorecard artifact: each feature's bin, its points and its effect on the
 * calibrated log-odds; reasons are the features that cost the most points against their best bin.
 */
import { assert } from '../assert.ts';
import type { ScorecardArtifact, ScorecardVariable } from './artifact.ts';
import { type BinLookup, compileLookup } from './bin-lookup.ts';
import { sigmoid } from './logistic.ts';
import type { Explanation, FeatureValue, Scored } from './model.ts';
import { describeValue, type ReasonDirection, reasonCode, shortNumber, topReasons } from './reasons.ts';

interface CompiledVariable {
  readonly variable: ScorecardVariable;
  readonly lookup: BinLookup;
  /** Per bin: effect on the calibrated log-odds of bad. */
  readonly contributions: Float64Array;
  readonly points: Float64Array;
  readonly bestBin: number;
  readonly missingBin: number;
}

export interface CompiledScorecard {
  logit(values: readonly FeatureValue[]): number;
  score(values: readonly FeatureValue[]): Scored;
  /** logit = baseline + Σ contributions; the baseline is an applicant with WoE 0 everywhere. */
  attribute(values: readonly FeatureValue[]): { baseline: number; contributions: Float64Array };
}

function compileVariable(model: ScorecardArtifact, variable: ScorecardVariable): CompiledVariable {
  assert(variable.bins.length > 0, `scorecard variable ${variable.name} has bins`);
  const points = Float64Array.from(variable.bins, (bin) => bin.points);
  let bestBin = 0;
  points.forEach((value, index) => {
    if (value > (points[bestBin] as number)) bestBin = index;
  });
  return {
    variable,
    lookup: compileLookup(
      variable.kind,
      variable.bins.map((bin) => bin.rule),
    ),
    contributions: Float64Array.from(
      variable.bins,
      (bin) => model.calibration.slope * variable.coefficient * bin.woe,
    ),
    points,
    bestBin,
    missingBin: variable.bins.findIndex((bin) => bin.rule.kind === 'missing'),
  };
}

function direction(compiled: CompiledVariable, bin: number): ReasonDirection {
  if (bin === compiled.missingBin) return 'missing';
  if (compiled.variable.kind === 'categorical' || compiled.bestBin === compiled.missingBin) return 'adverse';
  return bin > compiled.bestBin ? 'high' : 'low';
}

function explain(compiled: CompiledVariable, bin: number, value: FeatureValue): Explanation {
  const { variable } = compiled;
  const points = compiled.points[bin] as number;
  const cost = (compiled.points[compiled.bestBin] as number) - points;
  const label = variable.bins[bin]?.label ?? '';
  const best = variable.bins[compiled.bestBin]?.label ?? '';
  return {
    feature: variable.name,
    value,
    contribution: compiled.contributions[bin] as number,
    points,
    code: reasonCode(variable.name, direction(compiled, bin)),
    description: `${variable.name} is ${describeValue(value)} (band ${label}): ${shortNumber(cost)} points fewer than the best band (${best})`,
  };
}

/** `values` are aligned with `model.features` (the same order as `model.variables`). */
export function compileScorecard(model: ScorecardArtifact): CompiledScorecard {
  assert(
    model.features.length === model.variables.length &&
      model.variables.every((variable, index) => variable.name === model.features[index]?.name),
    'scorecard features and variables agree',
  );
  const variables = model.variables.map((variable) => compileVariable(model, variable));
  const baseLogit = model.calibration.intercept + model.calibration.slope * model.intercept;
  const logit = (values: readonly FeatureValue[]): number => {
    let total = baseLogit;
    variables.forEach((compiled, j) => {
      total += compiled.contributions[compiled.lookup(values[j] ?? null)] as number;
    });
    return total;
  };
  const score = (values: readonly FeatureValue[]): Scored => {
    let total = baseLogit;
    let points = model.basePoints;
    const candidates = variables.map((compiled, j) => {
      const value = values[j] ?? null;
      const bin = compiled.lookup(value);
      total += compiled.contributions[bin] as number;
      points += compiled.points[bin] as number;
      const weight = (compiled.points[compiled.bestBin] as number) - (compiled.points[bin] as number);
      return { weight, feature: compiled.variable.name, bin, value, compiled };
    });
    const reasons = topReasons(candidates, (candidate) =>
      explain(candidate.compiled, candidate.bin, candidate.value),
    );
    return { pd: sigmoid(total), score: Math.round(points), reasons };
  };
  const attribute = (values: readonly FeatureValue[]) => ({
    baseline: baseLogit,
    contributions: Float64Array.from(
      variables,
      (compiled, j) => compiled.contributions[compiled.lookup(values[j] ?? null)] as number,
    ),
  });
  return { logit, score, attribute };
}
