/**
 * Proves `capstan model train --data`: on a labelled CSV it writes the model and the report and
 * ends stdout with the one-line JSON summary; every problem with the flags or the data exits 2
 * with a message naming it and prints nothing on stdout.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, describe, it } from 'node:test';
import { checkModelArtifact } from '../domain/risk/artifact.ts';
import { scoreModel } from '../domain/risk/score.ts';
import { syntheticDataset } from '../domain/risk/synthetic.test-helper.ts';
import { type ModelTrainFlags, modelTrainCommand } from './model-train.ts';

function capture(): { stream: NodeJS.WriteStream; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => text };
}

async function run(flags: ModelTrainFlags) {
  const out = capture();
  const err = capture();
  await modelTrainCommand({ out: out.stream, err: err.stream }, flags);
  const exitCode = process.exitCode ?? 0;
  process.exitCode = 0;
  return { exitCode, out: out.text(), err: err.text() };
}

const directory = mkdtempSync(join(tmpdir(), 'capstan-model-train-'));
const file = (name: string, text: string) => {
  const path = join(directory, name);
  writeFileSync(path, text);
  return path;
};

const synthetic = syntheticDataset(1500, 21);
const header = ['merchant_id', ...synthetic.columns.map((column) => column.name), 'outcome'];
const lines = synthetic.rows.map((row, i) =>
  [
    `mer_${i}`,
    ...row.map((value) => (value === null ? 'NA' : String(value))),
    synthetic.target[i] === 1 ? 'default' : 'repaid',
  ].join(','),
);
const data = file('merchants.csv', `${[header.join(','), ...lines].join('\n')}\n`);

after(() => rmSync(directory, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = 0;
});

describe('capstan model train --data', () => {
  it('trains a scorecard, writes model and report, and ends stdout with the JSON summary', async () => {
    const modelPath = join(directory, 'model.json');
    const reportPath = join(directory, 'report.md');
    const result = await run({
      data,
      target: 'outcome',
      positive: 'default',
      exclude: 'merchant_id',
      seed: '7',
      out: modelPath,
      report: reportPath,
    });
    assert.equal(result.exitCode, 0, result.err);
    const last = result.out.trim().split('\n').at(-1) ?? '';
    const summary = JSON.parse(last);
    assert.deepEqual(Object.keys(summary), [
      'algorithm',
      'auc',
      'gini',
      'ks',
      'trainRows',
      'testRows',
      'features',
      'seconds',
    ]);
    assert.equal(summary.algorithm, 'scorecard');
    assert.equal(summary.trainRows + summary.testRows, 1500);
    assert.equal(summary.testRows, 450);
    assert.ok(summary.auc > 0.7 && summary.auc < 1);
    const model = checkModelArtifact(JSON.parse(readFileSync(modelPath, 'utf8')));
    assert.ok(model.ok);
    assert.equal(model.value.training.targetName, 'outcome');
    assert.ok(scoreModel(model.value, { refund_rate_90d: 0.2 }).pd > 0);
    const report = readFileSync(reportPath, 'utf8');
    for (const section of [
      '## Hold-out performance',
      '## Scorecard',
      '## Calibration by decile',
      '## Population stability',
      '### refund_rate_90d',
    ]) {
      assert.ok(report.includes(section), section);
    }
    assert.match(result.err, /1500 rows, \d+ bad/);
  });

  it('trains boosted trees', async () => {
    const result = await run({
      data,
      target: 'outcome',
      positive: 'default',
      exclude: 'merchant_id',
      algorithm: 'gbt',
    });
    assert.equal(result.exitCode, 0, result.err);
    assert.equal(JSON.parse(result.out.trim()).algorithm, 'gbt');
  });

  it('hints at an identifier column left in', async () => {
    const result = await run({ data, target: 'outcome', positive: 'default' });
    assert.equal(result.exitCode, 0, result.err);
    assert.match(result.err, /merchant_id has a different value on every row; .* --exclude merchant_id/);
  });

  const failures: [string, () => ModelTrainFlags, RegExp][] = [
    [
      'an unknown target column',
      () => ({ data, target: 'nope' }),
      /no column "nope".*\[target_column_unknown\]/,
    ],
    [
      'a constant target',
      () => ({ data: file('constant.csv', 'x,y\n1,0\n2,0\n'), target: 'y' }),
      /\[target_constant\]/,
    ],
    [
      'an empty file',
      () => ({ data: file('empty.csv', ''), target: 'y' }),
      /the file is empty \[dataset_empty\]/,
    ],
    [
      'a header without rows',
      () => ({ data: file('header.csv', 'x,y\n'), target: 'y' }),
      /\[dataset_empty\]/,
    ],
    [
      'a text target without --positive',
      () => ({ data, target: 'outcome' }),
      /pass --positive VALUE \[target_text_without_positive\]/,
    ],
    [
      'a --positive value not found',
      () => ({ data, target: 'outcome', positive: 'bad' }),
      /no row has target "bad".*\[positive_value_not_found\]/,
    ],
    [
      'a missing file',
      () => ({ data: join(directory, 'missing.csv'), target: 'y' }),
      /cannot read .*missing\.csv/,
    ],
    ['no --target', () => ({ data }), /--target COLUMN is required/],
    [
      'an unknown algorithm',
      () => ({ data, target: 'outcome', algorithm: 'forest' }),
      /--algorithm must be scorecard or gbt/,
    ],
    [
      'a test fraction out of range',
      () => ({ data, target: 'outcome', testFraction: '1.5' }),
      /--test-fraction/,
    ],
    [
      'a seed that is not an integer',
      () => ({ data, target: 'outcome', seed: 'abc' }),
      /--seed must be an integer/,
    ],
    [
      'too few rows of a class',
      () => ({ data: file('few.csv', 'x,y\n1,0\n2,1\n3,0\n4,1\n'), target: 'y' }),
      /\[too_few_rows_per_class\]/,
    ],
  ];
  for (const [name, flags, message] of failures) {
    it(`exits 2 on ${name}`, async () => {
      const result = await run(flags());
      assert.equal(result.exitCode, 2);
      assert.match(result.err, message);
      assert.equal(result.out, '');
    });
  }
});
