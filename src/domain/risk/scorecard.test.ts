/**
 * Proves the scorecard end to end on seeded synthetic data with known effects: it selects the
 * informative features and leaves out noise, every coefficient has the right sign, points follow
 * the documented scaling (600 at 50:1, 20 points to double the odds), reason codes are exactly the
 * features that cost the most points against their best band, missing and unseen values go to the
 * missing / "other" bins, and a JSON round trip scores the same PDs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkModelArtifact, type ScorecardArtifact } from './artifact.ts';
import { compileLookup } from './bin-lookup.ts';
import type { Dataset, FeatureRow, Label } from './model.ts';
import { reasonsMax } from './reasons.ts';
import { attributeModel, scoreModel } from './score.ts';
import { syntheticDataset } from './synthetic.test-helper.ts';
import { trainModel } from './train.ts';

const dataset = syntheticDataset(4000, 3);
const { model, report } = trainModel(dataset, { algorithm: 'scorecard', testFraction: 0.3, seed: 9 });
const scorecard = model as ScorecardArtifact;

function asRow(values: readonly (number | string | null)[]): FeatureRow {
  return Object.fromEntries(dataset.columns.map((column, j) => [column.name, values[j] ?? null]));
}

const logit = (p: number) => Math.log(p / (1 - p));

describe('scorecard training', () => {
  it('selects the informative features, leaves out the noise, and gets every sign right', () => {
    assert.equal(model.algorithm, 'scorecard');
    assert.deepEqual(
      model.features.map((feature) => feature.name),
      ['refund_rate_90d', 'growth_90d', 'tenure_days', 'category'],
    );
    const noise = report.featureReports.find((feature) => feature.name === 'noise');
    assert.equal(noise?.status, 'low_iv');
    for (const variable of scorecard.variables)
      assert.ok(variable.coefficient < 0, `${variable.name} ${variable.coefficient}`);
    assert.equal(report.features, 4);
    assert.equal(report.candidateFeatures, 5);
  });

  it('ranks and calibrates on the hold-out', () => {
    assert.ok(report.auc > 0.75, `auc ${report.auc}`);
    assert.equal(report.gini, 2 * report.auc - 1);
    const meanPd =
      report.calibration.reduce((sum, band) => sum + band.meanPd * band.rows, 0) / report.testRows;
    assert.ok(Math.abs(meanPd - report.testPositiveRate) < 0.03, `${meanPd} vs ${report.testPositiveRate}`);
    assert.ok(report.psi < 0.1, `psi ${report.psi}`);
    assert.equal(report.trainRows + report.testRows, 4000);
  });

  it('bins refund rate monotonically, with the missing bin the riskiest', () => {
    const refund = scorecard.variables.find((variable) => variable.name === 'refund_rate_90d');
    assert.ok(refund !== undefined);
    const ranges = refund.bins.filter((bin) => bin.rule.kind === 'range');
    const rates = ranges.map((bin) => bin.bads / bin.rows);
    assert.ok(
      rates.every((rate, i) => i === 0 || rate >= (rates[i - 1] as number)),
      `${rates}`,
    );
    const missing = refund.bins[refund.bins.length - 1];
    assert.equal(missing?.rule.kind, 'missing');
    assert.ok((missing?.points ?? 0) < Math.min(...ranges.slice(0, 2).map((bin) => bin.points)));
  });

  it('is reproducible from its seed', () => {
    const again = trainModel(dataset, { algorithm: 'scorecard', testFraction: 0.3, seed: 9 });
    assert.deepEqual(again.model, model);
  });
});

describe('scorecard scoring', () => {
  const rows = dataset.rows.slice(0, 300).map(asRow);

  it('scales points: score = offset − factor · log-odds(bad), 600 at 50:1, 20 points per doubling', () => {
    const { factor, offset } = scorecard.scaling;
    assert.equal(factor, 20 / Math.LN2);
    assert.equal(offset, 600 - factor * Math.log(50));
    for (const row of rows) {
      const scored = scoreModel(model, row);
      assert.ok(scored.score !== null);
      assert.ok(Math.abs(scored.score - (offset - factor * logit(scored.pd))) <= 0.5 + 1e-9);
    }
  });

  it('names as reasons the features that cost the most points against their best band', () => {
    for (const row of rows) {
      const expected = scorecard.variables
        .map((variable) => {
          const lookup = compileLookup(
            variable.kind,
            variable.bins.map((bin) => bin.rule),
          );
          const points = variable.bins.map((bin) => bin.points);
          const bin = lookup(row[variable.name] ?? null);
          return {
            name: variable.name,
            cost: Math.max(...points) - (points[bin] as number),
            points: points[bin],
          };
        })
        .filter((entry) => entry.cost > 1e-9)
        .sort((a, b) => b.cost - a.cost)
        .slice(0, reasonsMax);
      const { reasons } = scoreModel(model, row);
      assert.deepEqual(
        reasons.map((reason) => [reason.feature, reason.points]),
        expected.map((entry) => [entry.name, entry.points]),
      );
    }
  });

  it('words reason codes by direction, and a missing value as missing', () => {
    const risky = scoreModel(model, {
      refund_rate_90d: 0.29,
      growth_90d: -0.5,
      tenure_days: 10,
      category: 'electronics',
    });
    const codes = risky.reasons.map((reason) => reason.code);
    assert.ok(codes.includes('refund_rate_90d_high'), `${codes}`);
    assert.ok(codes.includes('growth_90d_low'), `${codes}`);
    assert.ok(codes.includes('tenure_days_low'), `${codes}`);
    assert.ok(codes.includes('category_adverse'), `${codes}`);
    const missing = scoreModel(model, { growth_90d: 0.5, tenure_days: 1900, category: 'grocery' });
    assert.equal(missing.reasons[0]?.code, 'refund_rate_90d_missing');
    assert.match(missing.reasons[0]?.description ?? '', /refund_rate_90d is missing/);
    const safe = scoreModel(model, {
      refund_rate_90d: 0.01,
      growth_90d: 0.5,
      tenure_days: 1990,
      category: 'grocery',
    });
    assert.ok(safe.pd < risky.pd && (safe.score ?? 0) > (risky.score ?? 0));
    assert.ok(safe.reasons.length < risky.reasons.length);
  });

  it('ignores extra columns, reads numbers given as text, and scores unseen categories as "other" or missing', () => {
    const row = rows[0] as FeatureRow;
    const base = scoreModel(model, row);
    assert.deepEqual(scoreModel(model, { ...row, merchant_id: 'mer_1', noise: 'x' }), base);
    const asText = scoreModel(model, { ...row, tenure_days: String(row['tenure_days']) });
    assert.deepEqual(
      [asText.pd, asText.score, asText.reasons.map((reason) => reason.code)],
      [base.pd, base.score, base.reasons.map((reason) => reason.code)],
    );
    const category = scorecard.variables.find((variable) => variable.name === 'category');
    const fallback =
      category?.bins.findIndex((bin) => bin.rule.kind === 'categories' && bin.rule.other) ?? -1;
    const unseen = attributeModel(model, { ...row, category: 'never-seen' }).contributions[3]?.contribution;
    const expectedBin = fallback === -1 ? (category?.bins.length ?? 0) - 1 : fallback;
    const expected =
      scorecard.calibration.slope * (category?.coefficient ?? 0) * (category?.bins[expectedBin]?.woe ?? 0);
    assert.equal(unseen, expected);
  });

  it('attributes the whole log-odds: logit(pd) = baseline + Σ contributions', () => {
    for (const row of rows.slice(0, 50)) {
      const { baseline, contributions } = attributeModel(model, row);
      const total = contributions.reduce((sum, entry) => sum + entry.contribution, baseline);
      assert.ok(Math.abs(total - logit(scoreModel(model, row).pd)) < 1e-9);
    }
  });

  it('scores the same PDs after a JSON round trip', () => {
    const parsed = checkModelArtifact(JSON.parse(JSON.stringify(model)));
    assert.ok(parsed.ok);
    for (const row of rows) assert.deepEqual(scoreModel(parsed.value, row), scoreModel(model, row));
  });

  it('scores thousands of rows per second', () => {
    const started = performance.now();
    for (let i = 0; i < 20_000; i += 1) scoreModel(model, rows[i % rows.length] as FeatureRow);
    const perSecond = 20_000 / ((performance.now() - started) / 1000);
    assert.ok(perSecond > 20_000, `${Math.round(perSecond)} rows/s`);
  });
});

describe('scorecard edge cases', () => {
  it('trains an intercept-only scorecard when no feature carries information, and still scores', () => {
    const noise: Dataset = {
      columns: [
        { name: 'x', kind: 'numeric' },
        { name: 'empty_in_training', kind: 'categorical' },
      ],
      rows: Array.from({ length: 400 }, (_, i) => [(i * 7) % 13, null]),
      target: Array.from({ length: 400 }, (_, i): Label => (i % 5 === 0 ? 1 : 0)),
    };
    const trained = trainModel(noise, { algorithm: 'scorecard', testFraction: 0.3, seed: 1 });
    assert.equal(trained.model.features.length, 0);
    assert.equal(trained.report.auc, 0.5);
    const scored = scoreModel(trained.model, { x: 3 });
    assert.ok(Math.abs(scored.pd - 0.2) < 0.02, `${scored.pd}`);
    assert.deepEqual(scored.reasons, []);
  });
});
