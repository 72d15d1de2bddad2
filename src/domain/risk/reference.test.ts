/**
 * The reference results on the real credit data in ../shared/data (see its README): hold-out AUC
 * on a stratified 70/30 split. German credit (1,000 rows) is noisy from split to split, so besides
 * the default seed 42 — an unlucky split for every model here — the mean over seeds 1–10 is held
 * to the published level. Taiwan (30,000 rows) must match the published WoE scorecard (0.766) and
 * gradient boosting (0.777), and train in seconds.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCsvDataset } from '../../risk-io/csv-dataset.ts';
import type { Dataset } from './model.ts';
import { trainModel } from './train.ts';

const sharedData = (name: string) =>
  fileURLToPath(new URL(`../../../../shared/data/${name}`, import.meta.url));

async function load(name: string, target: string, exclude: string[] = []): Promise<Dataset> {
  const read = await readCsvDataset(sharedData(name), { target, exclude });
  assert.ok(read.ok, read.ok ? '' : `${read.code}: ${read.detail}`);
  return read.value.dataset;
}

function holdOut(dataset: Dataset, algorithm: 'scorecard' | 'gbt', seed: number) {
  const started = performance.now();
  const { report } = trainModel(dataset, { algorithm, testFraction: 0.3, seed });
  assert.ok(Math.abs(report.gini - (2 * report.auc - 1)) < 1e-12);
  return { ...report, seconds: (performance.now() - started) / 1000 };
}

describe('German credit (target bad)', () => {
  let german: Dataset;
  before(async () => {
    german = await load('german-credit.csv', 'bad');
  });

  it('scorecard: mean AUC over seeds 1–10 ≥ 0.77 (published 0.799, 0.788 cross-validated), ≥ 0.745 on seed 42', () => {
    const seed42 = holdOut(german, 'scorecard', 42);
    assert.equal(seed42.trainRows, 700);
    assert.equal(seed42.testRows, 300);
    assert.ok(seed42.auc >= 0.745, `seed 42: ${seed42.auc}`);
    assert.ok(seed42.ks > 0.35 && seed42.ks < 0.6, `ks ${seed42.ks}`);
    const aucs = Array.from({ length: 10 }, (_, i) => holdOut(german, 'scorecard', i + 1).auc);
    const mean = aucs.reduce((sum, value) => sum + value, 0) / aucs.length;
    assert.ok(mean >= 0.77, `mean over seeds 1–10: ${mean} (${aucs.map((value) => value.toFixed(3))})`);
  });

  it('gbt: AUC ≥ 0.745 on seed 42 (published gradient boosting: 0.772)', () => {
    const report = holdOut(german, 'gbt', 42);
    assert.ok(report.auc >= 0.745, `auc ${report.auc}`);
  });
});

describe('Taiwan default of credit card clients (target default payment next month, ID excluded)', () => {
  let taiwan: Dataset;
  before(async () => {
    taiwan = await load('taiwan-default-credit-card-clients.csv', 'default payment next month', ['ID']);
  });

  it('scorecard: AUC ≥ 0.765 (published 0.766) in seconds', () => {
    const report = holdOut(taiwan, 'scorecard', 42);
    assert.equal(report.trainRows, 21_000);
    assert.ok(report.auc >= 0.765, `auc ${report.auc}`);
    assert.ok(report.psi < 0.01, `psi ${report.psi}`);
    assert.ok(report.seconds < 15, `${report.seconds}s`);
  });

  it('gbt: AUC ≥ 0.78 (published 0.777) in seconds', () => {
    const report = holdOut(taiwan, 'gbt', 42);
    assert.ok(report.auc >= 0.78, `auc ${report.auc}`);
    assert.ok(report.seconds < 15, `${report.seconds}s`);
  });
});
