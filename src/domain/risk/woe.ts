/**
 * Weight of evidence and information value of a binning, and the merge steps binning is built
 * from: pooling bins below a minimum size, ChiMerge, and pool-adjacent-violators for a monotone
 * bad rate. Bins are "groups" of consecutive atoms (distinct values, or categories in order).
 *
 * WoE_i = ln( ((goods_i + a) / (G + a·k)) / ((bads_i + a) / (B + a·k)) ), with a the smoothing
 * pseudo-count and k the number of non-empty bins; IV = Σ (goodShare_i − badShare_i) · WoE_i on the
 * same smoothed shares. An empty bin has WoE 0 (an average applicant) and adds nothing to IV.
 */
import { assert } from '../assert.ts';

export interface BinCount {
  readonly rows: number;
  readonly bads: number;
}

export interface WoeRow extends BinCount {
  readonly woe: number;
  readonly iv: number;
}

/** Atoms first..last (inclusive) pooled into one bin. */
export interface Group extends BinCount {
  readonly first: number;
  readonly last: number;
}

export function woeTable(counts: readonly BinCount[], smoothing: number): { rows: WoeRow[]; iv: number } {
  assert(smoothing >= 0, 'woe smoothing ≥ 0');
  let goodsTotal = 0;
  let badsTotal = 0;
  let nonEmpty = 0;
  for (const count of counts) {
    assert(count.bads >= 0 && count.bads <= count.rows, 'woe: 0 ≤ bads ≤ rows');
    goodsTotal += count.rows - count.bads;
    badsTotal += count.bads;
    if (count.rows > 0) nonEmpty += 1;
  }
  let iv = 0;
  const rows = counts.map((count) => {
    if (count.rows === 0) return { ...count, woe: 0, iv: 0 };
    const goodShare = (count.rows - count.bads + smoothing) / (goodsTotal + smoothing * nonEmpty);
    const badShare = (count.bads + smoothing) / (badsTotal + smoothing * nonEmpty);
    // Without smoothing an all-good or all-bad bin has infinite WoE; it is clamped rather than kept.
    const woe = goodShare > 0 && badShare > 0 ? Math.log(goodShare / badShare) : goodShare > 0 ? 20 : -20;
    const binIv = goodShare > 0 && badShare > 0 ? (goodShare - badShare) * woe : 0;
    iv += binIv;
    return { ...count, woe, iv: binIv };
  });
  return { rows, iv };
}

export function badRate(count: BinCount): number {
  return count.rows === 0 ? 0 : count.bads / count.rows;
}

export function mergeGroups(a: Group, b: Group): Group {
  assert(a.last + 1 === b.first, 'only adjacent groups merge');
  return { first: a.first, last: b.last, rows: a.rows + b.rows, bads: a.bads + b.bads };
}

/** Pearson chi-square of the 2×2 table (two bins × good/bad); expected counts floored at 0.5. */
export function chiSquare(a: BinCount, b: BinCount): number {
  const rows = a.rows + b.rows;
  if (rows === 0) return 0;
  const bads = a.bads + b.bads;
  let statistic = 0;
  for (const bin of [a, b]) {
    for (const [observed, columnTotal] of [
      [bin.bads, bads],
      [bin.rows - bin.bads, rows - bads],
    ] as const) {
      const expected = Math.max(0.5, (bin.rows * columnTotal) / rows);
      statistic += (observed - expected) ** 2 / expected;
    }
  }
  return statistic;
}

/** Merges the smallest group below `minRows` into its neighbour with the closer bad rate, until none is left. */
export function mergeSmallGroups(groups: readonly Group[], minRows: number): Group[] {
  const result = [...groups];
  while (result.length > 1) {
    let smallest = -1;
    for (let i = 0; i < result.length; i += 1) {
      const rows = (result[i] as Group).rows;
      if (rows < minRows && (smallest === -1 || rows < (result[smallest] as Group).rows)) smallest = i;
    }
    if (smallest === -1) break;
    const group = result[smallest] as Group;
    const left = result[smallest - 1];
    const right = result[smallest + 1];
    const rate = badRate(group);
    const useLeft =
      left !== undefined &&
      (right === undefined || Math.abs(badRate(left) - rate) <= Math.abs(badRate(right) - rate));
    const at = useLeft ? smallest - 1 : smallest;
    result.splice(at, 2, mergeGroups(result[at] as Group, result[at + 1] as Group));
  }
  return result;
}

/**
 * ChiMerge: merges the adjacent pair with the least different bad rates while that difference is
 * not significant (chi-square below `threshold`) or there are more than `maxGroups` groups.
 */
export function chiMerge(groups: readonly Group[], threshold: number, maxGroups: number): Group[] {
  assert(maxGroups >= 1, 'chiMerge keeps at least one group');
  const result = [...groups];
  while (result.length > 1) {
    let best = 0;
    let bestStatistic = Number.POSITIVE_INFINITY;
    for (let i = 0; i + 1 < result.length; i += 1) {
      const statistic = chiSquare(result[i] as Group, result[i + 1] as Group);
      if (statistic < bestStatistic) {
        bestStatistic = statistic;
        best = i;
      }
    }
    if (bestStatistic >= threshold && result.length <= maxGroups) break;
    result.splice(best, 2, mergeGroups(result[best] as Group, result[best + 1] as Group));
  }
  return result;
}

/** Pool adjacent violators: the coarsest pooling needed for a bad rate that rises (or falls) with the atoms. */
export function poolAdjacentViolators(groups: readonly Group[], increasing: boolean): Group[] {
  const stack: Group[] = [];
  for (const group of groups) {
    let current = group;
    for (;;) {
      const top = stack[stack.length - 1];
      if (top === undefined) break;
      const violates = increasing ? badRate(top) > badRate(current) : badRate(top) < badRate(current);
      if (!violates) break;
      stack.pop();
      current = mergeGroups(top, current);
    }
    stack.push(current);
  }
  return stack;
}
