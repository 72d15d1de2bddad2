/**
 * Proves the scorecard binning: WoE and IV against hand-computed tables (with and without
 * smoothing), the chi-square of two bins, pooling of small bins, pool-adjacent-violators, and on
 * designed data that numeric bins are contiguous, big enough, monotone unless a real U-shape would
 * be lost, that categories keep their own bins with rare ones pooled as "other", that missing
 * values always have their own bin, and that row lookups agree with the column transform.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnBins, compileLookup } from './bin-lookup.ts';
import { binFeature, type FeatureBinning, rareCategoryRows } from './binning.ts';
import { type ColumnData, columnsOf } from './columns.ts';
import type { Dataset, FeatureValue, Label } from './model.ts';
import { scorecardDefaults } from './scorecard-train.ts';
import { badRate, chiSquare, type Group, mergeSmallGroups, poolAdjacentViolators, woeTable } from './woe.ts';

const close = (actual: number, expected: number, tolerance = 1e-6) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} ≠ ${expected}`);

function column(
  values: FeatureValue[],
  kind: 'numeric' | 'categorical',
): { column: ColumnData; dataset: Dataset } {
  const dataset: Dataset = {
    columns: [{ name: 'x', kind }],
    rows: values.map((value) => [value]),
    target: values.map(() => 0),
  };
  return { column: columnsOf(dataset)[0] as ColumnData, dataset };
}

function bin(values: FeatureValue[], labels: Label[], kind: 'numeric' | 'categorical'): FeatureBinning {
  return binFeature(column(values, kind).column, Uint8Array.from(labels), scorecardDefaults);
}

function group(first: number, rows: number, bads: number): Group {
  return { first, last: first, rows, bads };
}

describe('woe and iv', () => {
  const counts = [
    { rows: 40, bads: 4 },
    { rows: 40, bads: 12 },
    { rows: 20, bads: 14 },
  ];

  it('match the hand-computed table without smoothing', () => {
    // Goods 36/28/6 of 70, bads 4/12/14 of 30.
    const { rows, iv } = woeTable(counts, 0);
    close(rows[0]?.woe ?? 0, 1.349927); // ln((36/70) / (4/30))
    close(rows[1]?.woe ?? 1, 0); // ln((28/70) / (12/30))
    close(rows[2]?.woe ?? 0, -1.694596); // ln((6/70) / (14/30))
    close(rows[0]?.iv ?? 0, 0.514258); // (36/70 − 4/30) · WoE
    close(iv, 1.159818);
  });

  it('add the pseudo-count to every non-empty bin, and leave empty bins neutral', () => {
    const { rows } = woeTable([...counts, { rows: 0, bads: 0 }], 0.5);
    close(rows[0]?.woe ?? 0, Math.log((36 + 0.5) / (70 + 1.5) / ((4 + 0.5) / (30 + 1.5))), 1e-12);
    close(rows[0]?.woe ?? 0, 1.273525); // ln(0.5104895 / 0.1428571)
    assert.equal(rows[3]?.woe, 0);
    assert.equal(rows[3]?.iv, 0);
  });

  it('keep an all-good bin finite once smoothed', () => {
    const { rows } = woeTable(
      [
        { rows: 10, bads: 0 },
        { rows: 10, bads: 5 },
      ],
      0.5,
    );
    assert.ok(Number.isFinite(rows[0]?.woe) && (rows[0]?.woe ?? 0) > 0);
  });
});

describe('merging', () => {
  it('computes the 2×2 chi-square by hand', () => {
    // Bads 10 | 20, goods 40 | 30: expected 15 and 35 in each bin.
    close(
      chiSquare({ rows: 50, bads: 10 }, { rows: 50, bads: 20 }),
      25 / 15 + 25 / 35 + 25 / 15 + 25 / 35,
      1e-12,
    );
    assert.equal(chiSquare({ rows: 50, bads: 10 }, { rows: 100, bads: 20 }), 0);
  });

  it('pools a small bin into the neighbour whose bad rate is closer', () => {
    const merged = mergeSmallGroups([group(0, 50, 5), group(1, 3, 2), group(2, 47, 30)], 10);
    assert.deepEqual(
      merged.map((g) => [g.first, g.last, g.rows, g.bads]),
      [
        [0, 0, 50, 5],
        [1, 2, 50, 32],
      ],
    );
  });

  it('pools adjacent violators into a monotone bad rate', () => {
    const groups = [group(0, 10, 1), group(1, 10, 3), group(2, 10, 2), group(3, 10, 4)];
    const increasing = poolAdjacentViolators(groups, true);
    assert.deepEqual(
      increasing.map((g) => [g.first, g.last]),
      [
        [0, 0],
        [1, 2],
        [3, 3],
      ],
    );
    const decreasing = poolAdjacentViolators(groups, false);
    const rates = decreasing.map(badRate);
    assert.ok(rates.every((rate, i) => i === 0 || rate <= (rates[i - 1] as number)));
  });
});

describe('binFeature', () => {
  it('finds the cut of a step in the bad rate, with contiguous ranges and an empty missing bin', () => {
    const values = Array.from({ length: 400 }, (_, i) => i + 1);
    const labels = values.map((value): Label => (value > 280 ? 1 : 0));
    const binning = bin(values, labels, 'numeric');
    assert.equal(binning.shape, 'monotone');
    assert.deepEqual(
      binning.bins.map((b) => [b.label, b.rows, b.bads]),
      [
        ['≤ 280', 280, 0],
        ['> 280', 120, 120],
        ['missing', 0, 0],
      ],
    );
    assert.equal(binning.bins[2]?.woe, 0);
  });

  it('keeps a strongly significant U-shape rather than flatten it, and every bin ≥ 5% of rows', () => {
    const values = Array.from({ length: 3000 }, (_, i) => i);
    const labels = values.map(
      (value): Label => (value < 500 || value >= 2500 ? value % 2 : value % 20 === 0 ? 1 : 0) as Label,
    );
    const binning = bin(values, labels, 'numeric');
    assert.equal(binning.shape, 'free');
    const rates = binning.bins.filter((b) => b.rule.kind === 'range').map((b) => b.bads / b.rows);
    assert.ok(
      (rates[0] ?? 0) > 0.4 && (rates[rates.length - 1] ?? 0) > 0.4 && Math.min(...rates) < 0.1,
      `${rates}`,
    );
    for (const b of binning.bins)
      if (b.rule.kind === 'range') assert.ok(b.rows >= 150, `${b.label} has ${b.rows}`);
  });

  it('gives missing values their own bin', () => {
    const values: FeatureValue[] = Array.from({ length: 200 }, (_, i) => (i % 10 === 0 ? null : i));
    const labels = values.map((value): Label => (value === null ? 1 : 0));
    const binning = bin(values, labels, 'numeric');
    const missing = binning.bins[binning.bins.length - 1];
    assert.deepEqual([missing?.label, missing?.rows, missing?.bads], ['missing', 20, 20]);
    assert.ok((missing?.woe ?? 0) < -2);
  });

  it('keeps a bin per category, pools rare ones as "other" and sends unseen ones there', () => {
    const values: FeatureValue[] = [];
    const labels: Label[] = [];
    const add = (value: FeatureValue, rows: number, bads: number) => {
      for (let i = 0; i < rows; i += 1) {
        values.push(value);
        labels.push(i < bads ? 1 : 0);
      }
    };
    add('a', 300, 30);
    add('b', 300, 120);
    add('c', 300, 36);
    add('r1', 5, 1);
    add('r2', 5, 1);
    add(null, 50, 25);
    assert.equal(rareCategoryRows(values.length, 0.05), 10);
    const binning = bin(values, labels, 'categorical');
    assert.deepEqual(
      binning.bins.map((b) => b.label),
      // "other" (10 rows, 20% bad) is below 5% and joins c (12%) rather than b (40%).
      ['a', 'c, other', 'b', 'missing'],
    );
    const lookup = compileLookup(
      'categorical',
      binning.bins.map((b) => b.rule),
    );
    assert.equal(lookup('r1'), 1);
    assert.equal(lookup('never seen'), 1);
    assert.equal(lookup(' b '), 2);
    assert.equal(lookup(null), 3);
  });

  it('looks rows up exactly as the column transform bins them, numbers given as text included', () => {
    const values: FeatureValue[] = Array.from({ length: 500 }, (_, i) =>
      i % 7 === 0 ? null : (i * 37) % 101,
    );
    const labels = values.map((value, i): Label => (Number(value ?? 50) + (i % 13) > 70 ? 1 : 0));
    const { column: typed } = column(values, 'numeric');
    const binning = binFeature(typed, Uint8Array.from(labels), scorecardDefaults);
    const rules = binning.bins.map((b) => b.rule);
    const lookup = compileLookup('numeric', rules);
    const bins = columnBins(rules, typed);
    values.forEach((value, i) => {
      assert.equal(lookup(value), bins[i]);
      if (value !== null) assert.equal(lookup(String(value)), bins[i]);
    });
    assert.equal(lookup('not a number'), binning.bins.length - 1);
    assert.equal(lookup(Number.NaN), binning.bins.length - 1);
    assert.equal(lookup(-1e9), 0);
    assert.equal(lookup(1e9), binning.bins.length - 2);
  });
});
