/**
 * Proves the Markdown report holds what a credit committee reads — hold-out metrics, the scorecard
 * or the tree importances, calibration by decile, PSI, every feature's binning table — and that
 * text from the data cannot break its tables.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Dataset } from './model.ts';
import { buildTrainingReport } from './report.ts';
import { syntheticDataset } from './synthetic.test-helper.ts';
import { trainModel } from './train.ts';

const base = syntheticDataset(2000, 8);
// A category with a pipe and a line break in it, as a CSV may well hold.
const dataset: Dataset = {
  ...base,
  rows: base.rows.map((row) => row.map((value) => (value === 'home' ? 'home | garden\nand more' : value))),
};

describe('buildTrainingReport', () => {
  it('reports a scorecard with its points, calibration, stability and binning tables', () => {
    const { model, report } = trainModel(dataset, { algorithm: 'scorecard', testFraction: 0.3, seed: 1 });
    const markdown = buildTrainingReport(report, model, {
      source: 'merchants.csv',
      target: 'bad',
      notes: ['12 rows without a target were left out'],
    });
    for (const text of [
      '# Credit model report: scorecard',
      '- Data: `merchants.csv`',
      '- 12 rows without a target were left out',
      `| AUC | ${report.auc.toFixed(4)} |`,
      '## Scorecard',
      '## Calibration by decile (hold-out)',
      '## Population stability of the PD',
      '### refund_rate_90d — IV',
      '| band | rows | share | bads | bad rate | WoE | IV | points |',
    ]) {
      assert.ok(markdown.includes(text), text);
    }
    assert.ok(markdown.includes('home \\| garden and more'));
    const tableRows = markdown.split('\n').filter((line) => line.startsWith('| ') && line.includes('garden'));
    for (const line of tableRows) assert.equal(line.split(/(?<!\\)\|/).length, 10, line);
  });

  it('reports boosted trees with their feature importance', () => {
    const { model, report } = trainModel(dataset, { algorithm: 'gbt', testFraction: 0.3, seed: 1 });
    const markdown = buildTrainingReport(report, model);
    assert.ok(markdown.includes('# Credit model report: gbt'));
    assert.ok(markdown.includes('## Feature importance (share of split gain)'));
    assert.ok(markdown.includes('Saabas'));
    assert.ok(!markdown.includes('## Scorecard'));
  });
});
