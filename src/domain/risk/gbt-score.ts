/**
 * Scoring with a boosted-trees artifact. The trees are flattened into typed arrays once per
 * artifact. Explanations are Saabas path attributions: walking a tree, the change in node value
 * at each split is credited to the split's feature, so the contributions of a row add up exactly
 * to its raw log-odds minus the sum of the root values; scaled by the Platt slope they are effects
 * on the calibrated log-odds. O(depth) per tree, so explaining costs no more than predicting.
 */
import { assert } from '../assert.ts';
import type { GbtArtifact, GbtFeature } from './artifact.ts';
import { categoryValue, numericValue } from './bin-lookup.ts';
import { calibratedLogit } from './calibration.ts';
import { sigmoid } from './logistic.ts';
import type { Explanation, FeatureValue, Scored } from './model.ts';
import { describeValue, type ReasonDirection, reasonCode, shortNumber, topReasons } from './reasons.ts';

const leafKind = 0;
const numericKind = 1;
const categoricalKind = 2;

interface FlatTrees {
  readonly roots: Int32Array;
  readonly kind: Uint8Array;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly missingLeft: Uint8Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
  /** Categorical nodes: 1 = left, per category code (known categories, then other, then missing). */
  readonly leftCodes: (Uint8Array | null)[];
}

export interface CompiledGbt {
  logit(values: readonly FeatureValue[]): number;
  score(values: readonly FeatureValue[]): Scored;
  /** logit = baseline + Σ contributions; the baseline is the calibrated sum of the root values. */
  attribute(values: readonly FeatureValue[]): { baseline: number; contributions: Float64Array };
}

function flatten(model: GbtArtifact): FlatTrees {
  const total = model.trees.reduce((sum, tree) => sum + tree.nodes.length, 0);
  const flat: FlatTrees = {
    roots: new Int32Array(model.trees.length),
    kind: new Uint8Array(total),
    feature: new Int32Array(total).fill(-1),
    threshold: new Float64Array(total),
    missingLeft: new Uint8Array(total),
    left: new Int32Array(total).fill(-1),
    right: new Int32Array(total).fill(-1),
    value: new Float64Array(total),
    leftCodes: new Array<Uint8Array | null>(total).fill(null),
  };
  let offset = 0;
  model.trees.forEach((tree, index) => {
    flat.roots[index] = offset;
    tree.nodes.forEach((node, local) => {
      const at = offset + local;
      flat.value[at] = node.value;
      if (node.kind === 'leaf') return;
      const feature = model.features[node.feature];
      assert(feature !== undefined && node.left > local && node.right > local, 'tree links are valid');
      flat.feature[at] = node.feature;
      flat.left[at] = offset + node.left;
      flat.right[at] = offset + node.right;
      flat.missingLeft[at] = node.missingLeft ? 1 : 0;
      if (node.kind === 'numeric') {
        flat.kind[at] = numericKind;
        flat.threshold[at] = node.threshold;
        return;
      }
      flat.kind[at] = categoricalKind;
      const categories = feature.categories ?? [];
      const codes = new Uint8Array(categories.length + 2);
      const left = new Set(node.leftCategories);
      categories.forEach((category, code) => {
        codes[code] = left.has(category) ? 1 : 0;
      });
      codes[categories.length] = node.otherLeft ? 1 : 0;
      codes[categories.length + 1] = node.missingLeft ? 1 : 0;
      flat.leftCodes[at] = codes;
    });
    offset += tree.nodes.length;
  });
  assert(
    flat.kind.every((kind, at) => kind === leafKind || flat.feature[at]! >= 0),
    'every split has a feature',
  );
  return flat;
}

interface PreparedRow {
  /** NaN = missing. */
  readonly numbers: Float64Array;
  readonly codes: Int32Array;
}

function rowPreparer(features: readonly GbtFeature[]): (values: readonly FeatureValue[]) => PreparedRow {
  const maps = features.map((feature) =>
    feature.kind === 'categorical'
      ? new Map((feature.categories ?? []).map((category, code) => [category, code]))
      : null,
  );
  return (values) => {
    const numbers = new Float64Array(features.length);
    const codes = new Int32Array(features.length);
    features.forEach((feature, j) => {
      const value = values[j] ?? null;
      const map = maps[j];
      if (map === undefined || map === null) {
        numbers[j] = numericValue(value) ?? Number.NaN;
        return;
      }
      const size = feature.categories?.length ?? 0;
      const category = categoryValue(value);
      codes[j] = category === null ? size + 1 : (map.get(category) ?? size);
    });
    return { numbers, codes };
  };
}

function child(flat: FlatTrees, node: number, row: PreparedRow): number {
  const feature = flat.feature[node] as number;
  let goLeft: boolean;
  if (flat.kind[node] === numericKind) {
    const x = row.numbers[feature] as number;
    goLeft = Number.isNaN(x) ? flat.missingLeft[node] === 1 : x <= (flat.threshold[node] as number);
  } else {
    goLeft = (flat.leftCodes[node] as Uint8Array)[row.codes[feature] as number] === 1;
  }
  return goLeft ? (flat.left[node] as number) : (flat.right[node] as number);
}

function direction(feature: GbtFeature, value: FeatureValue): ReasonDirection {
  if (feature.kind === 'categorical') return categoryValue(value) === null ? 'missing' : 'adverse';
  const number = numericValue(value);
  if (number === null) return 'missing';
  if (feature.median === null) return 'adverse';
  return number > feature.median ? 'high' : 'low';
}

export function compileGbt(model: GbtArtifact): CompiledGbt {
  const flat = flatten(model);
  const prepare = rowPreparer(model.features);
  const margin = (row: PreparedRow, contributions: Float64Array | null): number => {
    let total = model.baseMargin;
    for (let tree = 0; tree < flat.roots.length; tree += 1) {
      let node = flat.roots[tree] as number;
      while (flat.kind[node] !== leafKind) {
        const next = child(flat, node, row);
        if (contributions !== null) {
          const feature = flat.feature[node] as number;
          contributions[feature] =
            (contributions[feature] as number) + (flat.value[next] as number) - (flat.value[node] as number);
        }
        node = next;
      }
      total += flat.value[node] as number;
    }
    return total;
  };
  let rootsTotal = model.baseMargin;
  for (const root of flat.roots) rootsTotal += flat.value[root] as number;
  const baseline = calibratedLogit(model.calibration, rootsTotal);
  return {
    logit: (values) => calibratedLogit(model.calibration, margin(prepare(values), null)),
    attribute(values) {
      const contributions = new Float64Array(model.features.length);
      margin(prepare(values), contributions);
      return { baseline, contributions: contributions.map((value) => value * model.calibration.slope) };
    },
    score(values) {
      const contributions = new Float64Array(model.features.length);
      const logit = calibratedLogit(model.calibration, margin(prepare(values), contributions));
      const slope = model.calibration.slope;
      const candidates = model.features.map((feature, j) => ({
        feature: feature.name,
        weight: slope * (contributions[j] as number),
        index: j,
      }));
      const explain = (candidate: (typeof candidates)[number]): Explanation => {
        const feature = model.features[candidate.index] as GbtFeature;
        const value = values[candidate.index] ?? null;
        return {
          feature: feature.name,
          value,
          contribution: candidate.weight,
          code: reasonCode(feature.name, direction(feature, value)),
          description: `${feature.name} is ${describeValue(value)}: raises the log-odds of default by ${shortNumber(candidate.weight)}`,
        };
      };
      return { pd: sigmoid(logit), score: null, reasons: topReasons(candidates, explain) };
    },
  };
}
