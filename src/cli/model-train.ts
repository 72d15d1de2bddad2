/**
 * `capstan model train --data FILE.csv --target COLUMN …`: trains a scorecard or boosted trees on
 * a labelled CSV, writes the model (--out) and a Markdown report (--report), prints progress to
 * stderr and, as the last line of stdout, one JSON object with the hold-out metrics. Exit code 2
 * for anything wrong with the flags or the data (unknown target, constant target, empty file…),
 * 1 if the results cannot be written.
 */
import { stat, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DatasetSummary } from '../domain/risk/dataset.ts';
import { type Algorithm, type ModelArtifact, type TrainReport, trainModel } from '../domain/risk/model.ts';
import { buildTrainingReport } from '../domain/risk/report.ts';
import { checkTrainable } from '../domain/risk/train.ts';
import { type CsvDataset, readCsvDataset } from '../risk-io/csv-dataset.ts';
import { createProgress } from './progress.ts';

export interface ModelTrainDeps {
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WriteStream;
}

export interface ModelTrainFlags {
  data?: string;
  target?: string;
  positive?: string;
  exclude?: string;
  algorithm?: string;
  testFraction?: string | number;
  seed?: string | number;
  out?: string;
  report?: string;
}

interface Settings {
  readonly data: string;
  readonly target: string;
  readonly positive: string | undefined;
  readonly exclude: string[];
  readonly algorithm: Algorithm;
  readonly testFraction: number;
  readonly seed: number;
  readonly out: string | undefined;
  readonly report: string | undefined;
}

const testFractionDefault = 0.3;
const seedDefault = 42;

function parseFlags(flags: ModelTrainFlags): Settings | string {
  if (flags.data === undefined || flags.data === '') return '--data FILE.csv is required';
  if (flags.target === undefined || flags.target === '') return '--target COLUMN is required';
  const algorithm = flags.algorithm ?? 'scorecard';
  if (algorithm !== 'scorecard' && algorithm !== 'gbt')
    return `--algorithm must be scorecard or gbt, not ${algorithm}`;
  const testFraction = Number(flags.testFraction ?? testFractionDefault);
  if (!(testFraction >= 0.05 && testFraction <= 0.9))
    return '--test-fraction must be a number from 0.05 to 0.9';
  const seed = Number(flags.seed ?? seedDefault);
  if (!Number.isSafeInteger(seed)) return '--seed must be an integer';
  const exclude = (flags.exclude ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return {
    data: flags.data,
    target: flags.target,
    positive: flags.positive,
    exclude,
    algorithm,
    testFraction,
    seed,
    out: flags.out,
    report: flags.report,
  };
}

function fail(deps: ModelTrainDeps, message: string, code: number): void {
  deps.err.write(`capstan model train: ${message}\n`);
  process.exitCode = code;
}

/** Lines about the data set for stderr and the report: kinds, dropped columns, likely identifiers. */
function describeData(summary: DatasetSummary): { lines: string[]; notes: string[] } {
  const features = summary.columns.filter((column) => column.dropped === null);
  const numeric = features.filter((column) => column.kind === 'numeric').length;
  const notes = [
    `${summary.rows} rows, ${summary.positives} bad (${((summary.positives / summary.rows) * 100).toFixed(1)}%); ${features.length} feature columns (${numeric} numeric, ${features.length - numeric} categorical)`,
  ];
  if (summary.rowsWithoutTarget > 0)
    notes.push(`${summary.rowsWithoutTarget} rows without a target value were left out`);
  for (const column of summary.columns) {
    if (column.dropped !== null)
      notes.push(`column ${column.name} not used: ${column.dropped.replace('_', ' ')}`);
  }
  const lines = [...notes];
  for (const column of features) {
    if (column.distinct === summary.rows && summary.rows > 20) {
      lines.push(
        `hint: ${column.name} has a different value on every row; if it is an identifier, pass --exclude ${column.name}`,
      );
    }
  }
  return { lines, notes };
}

/** The CSV as a Dataset, with a progress bar in bytes; a message on failure. */
async function readData(deps: ModelTrainDeps, settings: Settings): Promise<CsvDataset | string> {
  let bytesTotal: number;
  try {
    bytesTotal = (await stat(settings.data)).size;
  } catch (error) {
    return `cannot read ${settings.data}: ${(error as Error).message}`;
  }
  const reading = createProgress(
    `reading ${basename(settings.data)}`,
    bytesTotal,
    deps.err,
    undefined,
    'bytes',
  );
  let bytesRead = 0;
  const options = {
    target: settings.target,
    exclude: settings.exclude,
    ...(settings.positive === undefined ? {} : { positive: settings.positive }),
  };
  const onBytes = (bytes: number) => {
    bytesRead += bytes;
    reading.update(bytesRead);
  };
  const read = await readCsvDataset(settings.data, options, { onBytes });
  reading.finish();
  return read.ok ? read.value : `${read.detail ?? read.code} [${read.code}]`;
}

async function writeResults(
  settings: Settings,
  model: ModelArtifact,
  report: TrainReport,
  notes: string[],
): Promise<void> {
  if (settings.out !== undefined) await writeFile(settings.out, `${JSON.stringify(model, null, 2)}\n`);
  if (settings.report === undefined) return;
  const context = { source: basename(settings.data), target: settings.target, notes };
  await writeFile(settings.report, buildTrainingReport(report, model, context));
}

function summaryLine(settings: Settings, report: TrainReport, seconds: number): string {
  const round = (value: number, digits: number) => Number(value.toFixed(digits));
  return JSON.stringify({
    algorithm: settings.algorithm,
    auc: round(report.auc, 4),
    gini: round(report.gini, 4),
    ks: round(report.ks, 4),
    trainRows: report.trainRows,
    testRows: report.testRows,
    features: report.features,
    seconds: round(seconds, 2),
  });
}

export async function modelTrainCommand(deps: ModelTrainDeps, flags: ModelTrainFlags): Promise<void> {
  const started = performance.now();
  const settings = parseFlags(flags);
  if (typeof settings === 'string') return fail(deps, settings, 2);
  const read = await readData(deps, settings);
  if (typeof read === 'string') return fail(deps, read, 2);
  const { dataset, summary } = read;
  const described = describeData(summary);
  for (const line of described.lines) deps.err.write(`${line}\n`);
  const trainable = checkTrainable(dataset, { testFraction: settings.testFraction });
  if (!trainable.ok) return fail(deps, `${trainable.detail ?? trainable.code} [${trainable.code}]`, 2);
  const { model, report } = trainModel(dataset, {
    algorithm: settings.algorithm,
    testFraction: settings.testFraction,
    seed: settings.seed,
    targetName: settings.target,
    progress: (message) => deps.err.write(`${message}\n`),
  });
  try {
    await writeResults(settings, model, report, described.notes);
  } catch (error) {
    return fail(deps, `cannot write the results: ${(error as Error).message}`, 1);
  }
  const written = [settings.out, settings.report].filter((path) => path !== undefined);
  deps.err.write(
    `${settings.algorithm}: hold-out AUC ${report.auc.toFixed(4)}, Gini ${report.gini.toFixed(4)}, KS ${report.ks.toFixed(4)}` +
      `${written.length === 0 ? ' (nothing written: pass --out and/or --report)' : `; wrote ${written.join(', ')}`}\n`,
  );
  deps.out.write(`${summaryLine(settings, report, (performance.now() - started) / 1000)}\n`);
}
