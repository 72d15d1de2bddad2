/**
 * Histograms and split finding for the boosted trees. A histogram holds, per (feature, bin), the
 * sums of gradient and hessian and the row count, interleaved. Gain of a split =
 * G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ); each child needs `minLeafRows` rows.
 *
 * Numeric splits put value bins ≤ t left and try missing on each side; categorical splits order
 * the categories present by G/(H + categorySmoothing) and cut that order once (as LightGBM does).
 * Bins without rows in the node (missing, unseen categories) go to the side with more hessian.
 */
import type { HistogramBinner } from './gbt-bins.ts';

export interface TreeData {
  /** Row-major codes: row r's code for feature f is codes[r · features + f]. */
  readonly codes: Uint8Array;
  readonly features: number;
  readonly binners: readonly HistogramBinner[];
  readonly rows: number;
}

export interface TreeParams {
  readonly maxLeaves: number;
  readonly maxDepth: number;
  readonly minLeafRows: number;
  readonly l2: number;
  readonly learningRate: number;
}

/** Pseudo-hessian added when ordering categories, so a category seen on few rows is not extreme. */
const categorySmoothing = 10;
const minChildHessian = 1e-3;

/** The best split found so far for a node; mutated in place while scanning (hot loop). */
export interface Candidate {
  feature: number;
  gain: number;
  thresholdBin: number;
  leftSet: Uint8Array | null;
  missingLeft: boolean;
  gradientLeft: number;
  hessianLeft: number;
  rowsLeft: number;
}

export interface Layout {
  readonly offsets: Int32Array;
  readonly totalBins: number;
}

export function layoutOf(binners: readonly HistogramBinner[]): Layout {
  const offsets = new Int32Array(binners.length);
  let total = 0;
  binners.forEach((binner, feature) => {
    offsets[feature] = total;
    total += binner.binCount;
  });
  return { offsets, totalBins: total };
}

/** Gradient, hessian and row count per (feature, bin), interleaved. */
export function buildHistogram(
  data: TreeData,
  layout: Layout,
  order: Uint32Array,
  range: { start: number; end: number },
  gradients: Float64Array,
  hessians: Float64Array,
): Float64Array {
  const histogram = new Float64Array(layout.totalBins * 3);
  const size = range.end - range.start;
  const rows = order.subarray(range.start, range.end);
  const g = new Float64Array(size);
  const h = new Float64Array(size);
  for (let i = 0; i < size; i += 1) {
    const row = rows[i] as number;
    g[i] = gradients[row] as number;
    h[i] = hessians[row] as number;
  }
  const { codes, features } = data;
  const offsets = layout.offsets;
  for (let i = 0; i < size; i += 1) {
    const rowAt = (rows[i] as number) * features;
    const gi = g[i] as number;
    const hi = h[i] as number;
    for (let feature = 0; feature < features; feature += 1) {
      const at = ((offsets[feature] as number) + (codes[rowAt + feature] as number)) * 3;
      histogram[at] = (histogram[at] as number) + gi;
      histogram[at + 1] = (histogram[at + 1] as number) + hi;
      histogram[at + 2] = (histogram[at + 2] as number) + 1;
    }
  }
  return histogram;
}

interface NodeTotals {
  readonly gradient: number;
  readonly hessian: number;
  readonly rows: number;
}

function gainOf(params: TreeParams, totals: NodeTotals, gl: number, hl: number, cl: number): number {
  const gr = totals.gradient - gl;
  const hr = totals.hessian - hl;
  const cr = totals.rows - cl;
  if (cl < params.minLeafRows || cr < params.minLeafRows || hl < minChildHessian || hr < minChildHessian)
    return -1;
  const λ = params.l2;
  return (
    (gl * gl) / (hl + λ) + (gr * gr) / (hr + λ) - (totals.gradient * totals.gradient) / (totals.hessian + λ)
  );
}

function bestNumeric(
  histogram: Float64Array,
  base: number,
  binner: HistogramBinner,
  totals: NodeTotals,
  params: TreeParams,
  best: Candidate,
  feature: number,
): void {
  const missingAt = (base + binner.missingCode) * 3;
  const gm = histogram[missingAt] as number;
  const hm = histogram[missingAt + 1] as number;
  const cm = histogram[missingAt + 2] as number;
  let gl = 0;
  let hl = 0;
  let cl = 0;
  for (let bin = 0; bin < binner.missingCode; bin += 1) {
    const at = (base + bin) * 3;
    if (histogram[at + 2] === 0) continue;
    gl += histogram[at] as number;
    hl += histogram[at + 1] as number;
    cl += histogram[at + 2] as number;
    for (let side = cm > 0 ? 2 : 1, missingLeft = false; side > 0; side -= 1, missingLeft = true) {
      const g = missingLeft ? gl + gm : gl;
      const h = missingLeft ? hl + hm : hl;
      const c = missingLeft ? cl + cm : cl;
      const gain = gainOf(params, totals, g, h, c);
      if (gain > best.gain) {
        best.feature = feature;
        best.gain = gain;
        best.thresholdBin = bin;
        best.leftSet = null;
        best.gradientLeft = g;
        best.hessianLeft = h;
        best.rowsLeft = c;
        // Without missing rows here, missing values met later follow the heavier side.
        best.missingLeft = cm > 0 ? missingLeft : h >= totals.hessian - h;
      }
    }
  }
}

function bestCategorical(
  histogram: Float64Array,
  base: number,
  binner: HistogramBinner,
  totals: NodeTotals,
  params: TreeParams,
  best: Candidate,
  feature: number,
): void {
  const present: number[] = [];
  for (let code = 0; code < binner.binCount; code += 1)
    if ((histogram[(base + code) * 3 + 2] as number) > 0) present.push(code);
  const ratio = (code: number) =>
    (histogram[(base + code) * 3] as number) /
    ((histogram[(base + code) * 3 + 1] as number) + categorySmoothing);
  present.sort((a, b) => ratio(a) - ratio(b) || a - b);
  let gl = 0;
  let hl = 0;
  let cl = 0;
  for (let j = 0; j + 1 < present.length; j += 1) {
    const at = (base + (present[j] as number)) * 3;
    gl += histogram[at] as number;
    hl += histogram[at + 1] as number;
    cl += histogram[at + 2] as number;
    const gain = gainOf(params, totals, gl, hl, cl);
    if (gain <= best.gain) continue;
    const leftSet = new Uint8Array(binner.binCount).fill(hl >= totals.hessian - hl ? 1 : 0);
    present.forEach((code, index) => {
      leftSet[code] = index <= j ? 1 : 0;
    });
    Object.assign(best, {
      feature,
      gain,
      thresholdBin: -1,
      leftSet,
      gradientLeft: gl,
      hessianLeft: hl,
      rowsLeft: cl,
    });
    best.missingLeft = leftSet[binner.missingCode] === 1;
  }
}

export function findBest(
  data: TreeData,
  layout: Layout,
  histogram: Float64Array,
  totals: NodeTotals,
  params: TreeParams,
): Candidate | null {
  const best: Candidate = {
    feature: -1,
    gain: 0,
    thresholdBin: -1,
    leftSet: null,
    missingLeft: false,
    gradientLeft: 0,
    hessianLeft: 0,
    rowsLeft: 0,
  };
  data.binners.forEach((binner, feature) => {
    const base = layout.offsets[feature] as number;
    if (binner.kind === 'numeric') bestNumeric(histogram, base, binner, totals, params, best, feature);
    else bestCategorical(histogram, base, binner, totals, params, best, feature);
  });
  return best.feature === -1 ? null : best;
}
