/**
 * One regression tree of a boosting round, grown leaf-wise: the open leaf whose best split gains
 * most is split next, until `maxLeaves` leaves, `maxDepth`, or no split gains. A child's histogram
 * is built for the smaller side only; the larger is parent − smaller (gbt-histogram.ts).
 */
import { assert } from '../assert.ts';
import type { HistogramBinner } from './gbt-bins.ts';
import {
  buildHistogram,
  type Candidate,
  findBest,
  type Layout,
  layoutOf,
  type TreeData,
  type TreeParams,
} from './gbt-histogram.ts';

export type { TreeData, TreeParams } from './gbt-histogram.ts';

export type TrainNode =
  | { readonly kind: 'leaf'; readonly value: number }
  | {
      readonly kind: 'split';
      readonly feature: number;
      /** Numeric: codes ≤ thresholdBin go left; −1 for categorical. */
      readonly thresholdBin: number;
      /** Per code, 1 = left (categorical; missing included). Numeric: null. */
      readonly leftSet: Uint8Array | null;
      readonly missingLeft: boolean;
      readonly left: number;
      readonly right: number;
      readonly value: number;
      readonly gain: number;
    };

export interface GrownTree {
  readonly nodes: TrainNode[];
  /** The row permutation: each leaf holds order[start … end). */
  readonly order: Uint32Array;
  readonly leaves: readonly { readonly node: number; readonly start: number; readonly end: number }[];
}

interface OpenLeaf {
  readonly node: number;
  readonly start: number;
  readonly end: number;
  readonly depth: number;
  readonly histogram: Float64Array;
  readonly gradient: number;
  readonly hessian: number;
  readonly best: Candidate | null;
}

export function goesLeft(
  node: Extract<TrainNode, { kind: 'split' }>,
  binner: HistogramBinner,
  code: number,
): boolean {
  if (node.leftSet !== null) return node.leftSet[code] === 1;
  return code === binner.missingCode ? node.missingLeft : code <= node.thresholdBin;
}

/** Moves the rows going left to the front of order[start … end); returns where the right side starts. */
function partition(
  data: TreeData,
  order: Uint32Array,
  leaf: OpenLeaf,
  node: Extract<TrainNode, { kind: 'split' }>,
): number {
  const { codes, features } = data;
  const binner = data.binners[node.feature] as HistogramBinner;
  let i = leaf.start;
  let j = leaf.end - 1;
  while (i <= j) {
    const row = order[i] as number;
    if (goesLeft(node, binner, codes[row * features + node.feature] as number)) {
      i += 1;
    } else {
      order[i] = order[j] as number;
      order[j] = row;
      j -= 1;
    }
  }
  return i;
}

function leafValue(params: TreeParams, gradient: number, hessian: number): number {
  return (-gradient / (hessian + params.l2)) * params.learningRate;
}

/** Everything one tree's growth shares. */
interface Growth {
  readonly data: TreeData;
  readonly layout: Layout;
  readonly order: Uint32Array;
  readonly gradients: Float64Array;
  readonly hessians: Float64Array;
  readonly params: TreeParams;
  readonly nodes: TrainNode[];
}

interface LeafSpec {
  readonly node: number;
  readonly start: number;
  readonly end: number;
  readonly depth: number;
  readonly histogram: Float64Array;
  readonly gradient: number;
  readonly hessian: number;
}

/** A leaf with its best split, or none when a limit forbids splitting it. */
function openLeaf(growth: Growth, spec: LeafSpec): OpenLeaf {
  const { params } = growth;
  const rows = spec.end - spec.start;
  const splittable = spec.depth < params.maxDepth && rows >= 2 * params.minLeafRows;
  const totals = { gradient: spec.gradient, hessian: spec.hessian, rows };
  const best = splittable ? findBest(growth.data, growth.layout, spec.histogram, totals, params) : null;
  return { ...spec, best };
}

/** The open leaf whose best split gains most, or −1. */
function pickLeaf(open: readonly OpenLeaf[]): number {
  let pick = -1;
  let gain = 0;
  open.forEach((leaf, index) => {
    if (leaf.best !== null && (pick === -1 || leaf.best.gain > gain)) {
      pick = index;
      gain = leaf.best.gain;
    }
  });
  return pick;
}

/** Turns the leaf into a split node with two new leaves; the children's histograms come from one pass. */
function splitLeaf(growth: Growth, leaf: OpenLeaf): [OpenLeaf, OpenLeaf] {
  const { nodes, params } = growth;
  const best = leaf.best as Candidate;
  const left = nodes.length;
  const split: TrainNode = {
    kind: 'split',
    feature: best.feature,
    thresholdBin: best.thresholdBin,
    leftSet: best.leftSet,
    missingLeft: best.missingLeft,
    left,
    right: left + 1,
    value: (nodes[leaf.node] as TrainNode).value,
    gain: best.gain,
  };
  nodes[leaf.node] = split;
  const middle = partition(growth.data, growth.order, leaf, split);
  assert(middle - leaf.start === best.rowsLeft, 'the partition matches the histogram');
  const gradientRight = leaf.gradient - best.gradientLeft;
  const hessianRight = leaf.hessian - best.hessianLeft;
  nodes.push({ kind: 'leaf', value: leafValue(params, best.gradientLeft, best.hessianLeft) });
  nodes.push({ kind: 'leaf', value: leafValue(params, gradientRight, hessianRight) });
  const leftSmaller = middle - leaf.start <= leaf.end - middle;
  const smallRange = leftSmaller ? { start: leaf.start, end: middle } : { start: middle, end: leaf.end };
  const small = buildHistogram(
    growth.data,
    growth.layout,
    growth.order,
    smallRange,
    growth.gradients,
    growth.hessians,
  );
  const large = leaf.histogram;
  for (let i = 0; i < large.length; i += 1) large[i] = (large[i] as number) - (small[i] as number);
  const depth = leaf.depth + 1;
  return [
    openLeaf(growth, {
      node: left,
      start: leaf.start,
      end: middle,
      depth,
      histogram: leftSmaller ? small : large,
      gradient: best.gradientLeft,
      hessian: best.hessianLeft,
    }),
    openLeaf(growth, {
      node: left + 1,
      start: middle,
      end: leaf.end,
      depth,
      histogram: leftSmaller ? large : small,
      gradient: gradientRight,
      hessian: hessianRight,
    }),
  ];
}

export function growTree(
  data: TreeData,
  gradients: Float64Array,
  hessians: Float64Array,
  params: TreeParams,
): GrownTree {
  assert(
    params.maxLeaves >= 2 && params.maxDepth >= 1 && params.minLeafRows >= 1,
    'tree limits are positive',
  );
  const order = new Uint32Array(data.rows);
  let gradient = 0;
  let hessian = 0;
  for (let i = 0; i < data.rows; i += 1) {
    order[i] = i;
    gradient += gradients[i] as number;
    hessian += hessians[i] as number;
  }
  const nodes: TrainNode[] = [{ kind: 'leaf', value: leafValue(params, gradient, hessian) }];
  const growth: Growth = { data, layout: layoutOf(data.binners), order, gradients, hessians, params, nodes };
  const histogram = buildHistogram(
    data,
    growth.layout,
    order,
    { start: 0, end: data.rows },
    gradients,
    hessians,
  );
  const open = [
    openLeaf(growth, { node: 0, start: 0, end: data.rows, depth: 0, histogram, gradient, hessian }),
  ];
  for (let leaves = 1; leaves < params.maxLeaves; leaves += 1) {
    const pick = pickLeaf(open);
    if (pick === -1) break;
    const [leaf] = open.splice(pick, 1) as [OpenLeaf];
    open.push(...splitLeaf(growth, leaf));
  }
  const leaves = open.map(({ node, start, end }) => ({ node, start, end }));
  return { nodes, order, leaves };
}

/** The leaf value an encoded row reaches. */
export function predictEncoded(
  nodes: readonly TrainNode[],
  binners: readonly HistogramBinner[],
  data: TreeData,
  row: number,
): number {
  let node = nodes[0] as TrainNode;
  while (node.kind === 'split') {
    const code = data.codes[row * data.features + node.feature] as number;
    node = nodes[
      goesLeft(node, binners[node.feature] as HistogramBinner, code) ? node.left : node.right
    ] as TrainNode;
  }
  return node.value;
}
