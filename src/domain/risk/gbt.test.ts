/**
 * Proves the boosted trees: histogram binning (at most 254 value bins plus missing, rare categories
 * pooled), one tree's split and leaf values against a hand computation, early stopping on noise,
 * that the artifact (raw thresholds) predicts exactly what training (bin codes) predicted, Saabas
 * attributions that add up to the log-odds, reasons that follow the contributions, missing and
 * unseen values routed by the tree, and PDs unchanged by a JSON round trip.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkModelArtifact, type GbtArtifact, type TrainingSummary } from './artifact.ts';
import { calibratedLogit } from './calibration.ts';
import { buildBinner, codeFunction, encodeColumn } from './gbt-bins.ts';
import { gbtDefaults, trainGbt } from './gbt-train.ts';
import { growTree } from './gbt-tree.ts';
import { softplus } from './logistic.ts';
import type { Dataset, FeatureRow, FeatureValue, Label } from './model.ts';
import { createRandom } from './random.ts';
import { attributeModel, compileModel, scoreModel } from './score.ts';
import { syntheticDataset } from './synthetic.test-helper.ts';
import { predictRows, trainModel } from './train.ts';

const summary: TrainingSummary = {
  targetName: null,
  trainRows: 0,
  testRows: 0,
  trainPositiveRate: 0,
  seed: 0,
  testFraction: 0.3,
  auc: 0,
  gini: 0,
  ks: 0,
  logLoss: 0,
};
const logit = (p: number) => Math.log(p / (1 - p));

describe('histogram binning', () => {
  it('gives each distinct value its own bin when there are few, then missing', () => {
    const binner = buildBinner('numeric', [3, 1, 2, 2, null, 3, 10], 254, 10);
    assert.deepEqual(binner.uppers, [1, 2, 3, 10]);
    assert.equal(binner.missingCode, 4);
    assert.deepEqual(Array.from(encodeColumn(binner, [1, 2.5, 3, 11, null, 'x'])), [0, 2, 2, 3, 4, 4]);
  });

  it('cuts many distinct values into at most maxBins quantile bins of similar size', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => (i * 7919) % 10_007);
    const binner = buildBinner('numeric', values, 254, 10);
    assert.ok(binner.uppers.length <= 254 && binner.uppers.length >= 250, `${binner.uppers.length}`);
    const counts = new Array<number>(binner.binCount).fill(0);
    for (const code of encodeColumn(binner, values)) counts[code] = (counts[code] ?? 0) + 1;
    assert.ok(Math.max(...counts.slice(0, -1)) <= 2 * Math.ceil(10_000 / 254));
  });

  it('keeps frequent categories, pools rare and unseen ones as other, and has a missing code', () => {
    const values: FeatureValue[] = [...new Array(30).fill('a'), ...new Array(12).fill('b'), 'c', 'd', null];
    const binner = buildBinner('categorical', values, 254, 10);
    assert.deepEqual(binner.categories, ['a', 'b']);
    const code = codeFunction(binner);
    assert.deepEqual([code('a'), code('b'), code('c'), code('zzz'), code(null)], [0, 1, 2, 2, 3]);
  });
});

describe('growTree', () => {
  it('splits a step at the right place with the Newton leaf values', () => {
    // x = 0 … 39, bad when x ≥ 20; at margin 0: p = ½, g = ½ − y, h = ¼.
    const values = Array.from({ length: 40 }, (_, i) => i);
    const binner = buildBinner('numeric', values, 254, 10);
    const codes = encodeColumn(binner, values);
    const gradients = Float64Array.from(values, (x) => 0.5 - (x >= 20 ? 1 : 0));
    const hessians = new Float64Array(40).fill(0.25);
    const params = { maxLeaves: 2, maxDepth: 3, minLeafRows: 5, l2: 1, learningRate: 1 };
    const tree = growTree({ codes, features: 1, binners: [binner], rows: 40 }, gradients, hessians, params);
    const [root, left, right] = tree.nodes;
    assert.ok(root?.kind === 'split');
    assert.equal(root.thresholdBin, 19);
    assert.ok(root.value === 0);
    // Left: G = 20 · ½ = 10, H = 20 · ¼ = 5 → −G / (H + λ) = −10/6.
    assert.equal(left?.value, -10 / 6);
    assert.equal(right?.value, 10 / 6);
    // Gain = G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ) = 100/6 + 100/6 − 0.
    assert.ok(Math.abs(root.gain - 200 / 6) < 1e-12);
  });
});

describe('gbt training', () => {
  const dataset = syntheticDataset(4000, 3);
  const { model, report } = trainModel(dataset, { algorithm: 'gbt', testFraction: 0.3, seed: 9 });
  const gbt = model as GbtArtifact;
  const rows: FeatureRow[] = dataset.rows
    .slice(0, 200)
    .map((values) =>
      Object.fromEntries(dataset.columns.map((column, j) => [column.name, values[j] ?? null])),
    );

  it('ranks the hold-out about as well as the scorecard, and stops early', () => {
    const scorecard = trainModel(dataset, { algorithm: 'scorecard', testFraction: 0.3, seed: 9 }).report;
    assert.ok(report.auc > scorecard.auc - 0.02, `gbt ${report.auc} vs scorecard ${scorecard.auc}`);
    assert.ok(gbt.trees.length > 10 && gbt.trees.length < gbtDefaults.maxRounds);
    assert.equal(report.features, gbt.features.length);
    const importance = Object.fromEntries(gbt.features.map((feature) => [feature.name, feature.importance]));
    assert.ok((importance['refund_rate_90d'] ?? 0) > (importance['noise'] ?? 0));
  });

  it('predicts from raw thresholds exactly what training predicted from bin codes', () => {
    const training = trainGbt(
      dataset,
      dataset.target.map((_, i) => i),
      gbtDefaults,
      createRandom(1),
      () => {},
    );
    const artifact = training.build(summary);
    const raw = { ...artifact, calibration: { ...artifact.calibration, slope: 1, intercept: 0 } };
    const compiled = compileModel(raw);
    let loss = 0;
    for (const row of training.validationRows) {
      const margin = compiled.logit(dataset.rows[row] as FeatureValue[]);
      loss += softplus(margin) - (dataset.target[row] as Label) * margin;
    }
    assert.ok(Math.abs(loss / training.validationRows.length - training.validationLogLoss) < 1e-12);
  });

  it('attributes the whole log-odds and gives the most adverse contributions as reasons', () => {
    for (const row of rows) {
      const { baseline, contributions } = attributeModel(model, row);
      const scored = scoreModel(model, row);
      const total = contributions.reduce((sum, entry) => sum + entry.contribution, baseline);
      assert.ok(Math.abs(total - logit(scored.pd)) < 1e-9);
      const expected = contributions
        .filter((entry) => entry.contribution > 1e-9)
        .sort((a, b) => b.contribution - a.contribution)
        .slice(0, 5)
        .map((entry) => entry.feature);
      assert.deepEqual(
        scored.reasons.map((reason) => reason.feature),
        expected,
      );
      assert.equal(scored.score, null);
    }
  });

  it('routes a missing refund rate to the risky side and words the codes', () => {
    const base = { growth_90d: 0, tenure_days: 1000, category: 'home' };
    const missing = scoreModel(model, base);
    const low = scoreModel(model, { ...base, refund_rate_90d: 0.02 });
    assert.ok(missing.pd > low.pd, `${missing.pd} vs ${low.pd}`);
    assert.equal(missing.reasons[0]?.code, 'refund_rate_90d_missing');
    const high = scoreModel(model, {
      refund_rate_90d: 0.29,
      growth_90d: -0.5,
      tenure_days: 10,
      category: 'electronics',
    });
    assert.ok(high.reasons.some((reason) => reason.code === 'refund_rate_90d_high'));
    assert.ok(high.reasons.some((reason) => reason.code === 'growth_90d_low'));
    assert.doesNotThrow(() => scoreModel(model, { ...base, category: 'never-seen', extra: 1 }));
  });

  it('scores the same PDs after a JSON round trip', () => {
    const parsed = checkModelArtifact(JSON.parse(JSON.stringify(model)));
    assert.ok(parsed.ok);
    for (const row of rows) assert.deepEqual(scoreModel(parsed.value, row), scoreModel(model, row));
    assert.deepEqual(predictRows(parsed.value, dataset, [0, 1, 2]), predictRows(model, dataset, [0, 1, 2]));
  });

  it('stops after a few rounds when the labels are noise', () => {
    const random = createRandom(4);
    const noise: Dataset = {
      columns: [{ name: 'x', kind: 'numeric' }],
      rows: Array.from({ length: 2000 }, () => [random.nextFloat()]),
      target: Array.from({ length: 2000 }, (): Label => (random.nextFloat() < 0.3 ? 1 : 0)),
    };
    const training = trainGbt(
      noise,
      noise.target.map((_, i) => i),
      gbtDefaults,
      createRandom(2),
      () => {},
    );
    assert.ok(training.bestRound < 30, `best round ${training.bestRound}`);
    assert.ok(training.rounds <= training.bestRound + gbtDefaults.earlyStoppingRounds);
  });

  it('splits on categories, sending unseen ones to one side', () => {
    const random = createRandom(6);
    const risk: Record<string, number> = { a: 0.05, b: 0.6, c: 0.1, d: 0.5 };
    const categories = Object.keys(risk);
    const data: Dataset = {
      columns: [{ name: 'segment', kind: 'categorical' }],
      rows: Array.from({ length: 3000 }, (_, i) => [categories[i % 4] as string]),
      target: Array.from(
        { length: 3000 },
        (_, i): Label => (random.nextFloat() < (risk[categories[i % 4] as string] ?? 0) ? 1 : 0),
      ),
    };
    const trained = trainModel(data, { algorithm: 'gbt', testFraction: 0.3, seed: 1 }).model as GbtArtifact;
    const first = trained.trees[0]?.nodes[0];
    assert.ok(first?.kind === 'categorical');
    // The safe segments on one side, the risky ones on the other.
    assert.ok(['a,c', 'b,d'].includes([...first.leftCategories].sort().join()), `${first.leftCategories}`);
    const pd = (segment: string | null) => scoreModel(trained, { segment }).pd;
    assert.ok(pd('a') < pd('b') && pd('c') < pd('d'));
    assert.ok(Number.isFinite(pd('zzz')) && Number.isFinite(pd(null)));
    assert.equal(calibratedLogit(trained.calibration, 0), trained.calibration.intercept);
  });
});
