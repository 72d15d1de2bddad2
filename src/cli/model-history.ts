/**
 * `capstan model train --from-history`, `capstan model backtest`, and the registry commands
 * (`model list | promote | retire`). Training sets come from the feature store, labels from the
 * simulator's ground truth (`--truth`).
 */
import { readFileSync } from 'node:fs';
import type { AppContext } from '../app/app-context.ts';
import { cliActor } from '../app/audit/audit-log.ts';
import { loadDecisionSettings } from '../app/risk/decision-settings.ts';
import {
  buildHistoryDataset,
  distressFromGroundTruth,
  type HistoryDataset,
} from '../app/risk/history-dataset.ts';
import { changeModel, promoteModel, registerModel, retireModel } from '../app/risk/models.ts';
import { modelStability, trainingReference } from '../app/risk/stability.ts';
import { assert } from '../domain/assert.ts';
import { auc, checkTrainable, type Dataset, ks, scoreModel, trainModel } from '../domain/risk/model.ts';
import { calendarDate, fromDayNumber, parseCalendarDate, toDayNumber } from '../domain/time/calendar-date.ts';
import { openMigratedApp } from './open-migrated.ts';
import type { CliDeps, StorageFlags } from './program.ts';
import { createProgress } from './progress.ts';
import { UsageError } from './usage-error.ts';

export interface HistoryFlags extends StorageFlags {
  readonly asOf?: string;
  readonly horizonDays?: string;
  readonly truth?: string;
  readonly algorithm?: string;
  readonly seed?: string;
  readonly stepDays?: string;
  readonly from?: string;
  readonly champion?: boolean;
  readonly testFraction?: string;
}

function day(text: string, flag: string): number {
  const parsed = parseCalendarDate(text);
  if (!parsed.ok) throw new UsageError(`${flag} must be a date, YYYY-MM-DD`);
  return toDayNumber(parsed.value);
}

function wholeNumber(
  text: string | undefined,
  fallback: number,
  flag: string,
  min: number,
  max: number,
): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}`);
  return value;
}

interface HistorySettings {
  readonly horizonDays: number;
  readonly stepDays: number;
  readonly seed: number;
  readonly algorithm: 'scorecard' | 'gbt';
  readonly testFraction: number;
}

function historySettings(flags: HistoryFlags): HistorySettings {
  const algorithm = flags.algorithm ?? 'scorecard';
  if (algorithm !== 'scorecard' && algorithm !== 'gbt')
    throw new UsageError(`--algorithm must be scorecard or gbt, not ${algorithm}`);
  const testFraction = Number(flags.testFraction ?? 0.3);
  if (!(testFraction >= 0.05 && testFraction <= 0.9))
    throw new UsageError('--test-fraction must be a number from 0.05 to 0.9');
  return {
    testFraction,
    horizonDays: wholeNumber(flags.horizonDays, 180, '--horizon-days', 1, 3_650),
    stepDays: wholeNumber(flags.stepDays, 30, '--step-days', 1, 3_650),
    seed: wholeNumber(flags.seed, 42, '--seed', 0, Number.MAX_SAFE_INTEGER),
    algorithm,
  };
}

interface Truth {
  readonly distressDay: Map<string, number | null>;
  /** The last day the ground truth knows about: outcomes after it are unknown. */
  readonly lastDay: number | null;
}

function groundTruth(truthPath: string | undefined): Truth {
  if (truthPath === undefined)
    throw new UsageError(
      '--truth FILE is required: the distress dates to learn (the simulator writes them beside its events)',
    );
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(truthPath, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read the ground truth ${truthPath}: ${(error as Error).message}`);
  }
  try {
    const dayOf = (date: string) => toDayNumber(calendarDate(date));
    const end = (parsed as { end?: unknown }).end;
    return {
      distressDay: distressFromGroundTruth(parsed, dayOf),
      lastDay: typeof end === 'string' ? dayOf(end) : null,
    };
  } catch (error) {
    throw new UsageError(`${truthPath}: ${(error as Error).message}`);
  }
}

/** Outcomes must be known up to `day`: a later date would label merchants good for lack of news. */
function withinTruth(truth: Truth, day: number, flag: string): void {
  if (truth.lastDay !== null && day > truth.lastDay)
    throw new UsageError(
      `${flag} ${fromDayNumber(day)} is after the ground truth's last day, ${fromDayNumber(truth.lastDay)}: outcomes after it are unknown`,
    );
}

async function history(
  app: AppContext,
  deps: CliDeps,
  truth: Truth,
  settings: HistorySettings,
  firstDay: number,
  lastDay: number,
) {
  const { horizonDays } = settings;
  let progress: ReturnType<typeof createProgress> | undefined;
  const built = await buildHistoryDataset(
    app.store,
    {
      firstObservationDay: firstDay,
      lastObservationDay: lastDay,
      stepDays: settings.stepDays,
      horizonDays,
    },
    truth.distressDay,
    await app.store.read(loadDecisionSettings),
    (done, total) => {
      progress ??= createProgress('building the training set (merchants)', total, deps.err);
      progress.update(done);
    },
  );
  (progress ?? createProgress('building the training set (merchants)', 0, deps.err)).finish(
    `${built.observations.length} observations of ${new Set(built.observations.map((o) => o.merchantId)).size} merchants that pass the policy's data knock-outs, ${built.observations.filter((o) => o.label === 1).length} distressed within ${horizonDays} days`,
  );
  return built;
}

export async function modelTrainFromHistoryCommand(deps: CliDeps, flags: HistoryFlags): Promise<void> {
  const app = await openMigratedApp(deps, flags);
  try {
    const settings = historySettings(flags);
    const { horizonDays, algorithm } = settings;
    const asOf = day(flags.asOf ?? '', '--as-of');
    const first = flags.from === undefined ? asOf - 3 * 365 : day(flags.from, '--from');
    const truth = groundTruth(flags.truth);
    withinTruth(truth, asOf, '--as-of');
    const started = performance.now();
    const built = await history(app, deps, truth, settings, first, asOf - horizonDays);
    const { testFraction } = settings;
    trainable(built, testFraction, 'the training window');
    // The hold-out takes whole merchants: its AUC is on merchants the model never saw.
    const { model, report } = trainModel(built.dataset, {
      algorithm,
      testFraction,
      seed: settings.seed,
      groups: built.observations.map((o) => o.merchantId),
    });
    const record = await app.store.write(async (tx) => {
      const registered = await registerModel(tx, app, {
        artifact: model,
        algorithm,
        metrics: {
          auc: report.auc,
          gini: report.gini,
          ks: report.ks,
          trainRows: report.trainRows,
          testRows: report.testRows,
        },
        training: {
          source: 'feature_store',
          asOf: fromDayNumber(asOf),
          horizonDays,
          observations: built.observations.length,
          truth: flags.truth,
          stabilityReference: trainingReference(model, built.dataset),
        },
        status: 'challenger',
      });
      if (!flags.champion) return registered;
      // Made the champion as `capstan model promote` makes one: in the audit log, by the command.
      const promoted = await changeModel(tx, cliActor(app), registered.id, promoteModel, 'model.promoted');
      assert(promoted.ok, 'a model just registered, its artifact checked, can be promoted');
      return promoted.value;
    });
    deps.err.write(`registered model ${record.id} (version ${record.version}) as ${record.status}\n`);
    deps.out.write(
      `${JSON.stringify({ algorithm, auc: round(report.auc), gini: round(report.gini), ks: round(report.ks), trainRows: report.trainRows, testRows: report.testRows, features: report.features, seconds: round((performance.now() - started) / 1000), modelId: record.id, version: record.version, status: record.status })}\n`,
    );
  } finally {
    await app.store.close();
  }
}

/** Refuses, with the reason and a way out, a training set the trainer cannot learn from. */
function trainable(built: HistoryDataset | Dataset, testFraction: number, what: string): void {
  const dataset = 'dataset' in built ? built.dataset : built;
  const checked = checkTrainable(dataset, { testFraction });
  if (!checked.ok)
    throw new UsageError(
      `${what} cannot be trained on (${checked.code}): ${checked.detail ?? ''}. Widen the window with --from or a later date, or shorten --horizon-days.`,
    );
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function subset(built: HistoryDataset, keep: (day: number) => boolean): Dataset {
  const indexes = built.observations.flatMap((o, i) => (keep(o.day) ? [i] : []));
  return {
    columns: built.dataset.columns,
    rows: indexes.map((i) => built.dataset.rows[i] as (typeof built.dataset.rows)[number]),
    target: indexes.map((i) => built.dataset.target[i] as 0 | 1),
  };
}

/** Train on observations up to `--train-until` − horizon, score those after `--train-until`. */
export async function modelBacktestCommand(
  deps: CliDeps,
  flags: HistoryFlags & { trainUntil?: string; testUntil?: string },
): Promise<void> {
  const app = await openMigratedApp(deps, flags);
  try {
    const settings = historySettings(flags);
    const { horizonDays, algorithm } = settings;
    const trainUntil = day(flags.trainUntil ?? '', '--train-until');
    const testUntil = day(flags.testUntil ?? '', '--test-until');
    if (testUntil <= trainUntil) throw new UsageError('--test-until must be after --train-until');
    const first = flags.from === undefined ? trainUntil - 3 * 365 : day(flags.from, '--from');
    const truth = groundTruth(flags.truth);
    withinTruth(truth, testUntil, '--test-until');
    const built = await history(app, deps, truth, settings, first, testUntil - horizonDays);
    const train = subset(built, (d) => d <= trainUntil - horizonDays);
    const test = subset(built, (d) => d > trainUntil && d <= testUntil - horizonDays);
    if (test.rows.length === 0 || !test.target.includes(1) || !test.target.includes(0)) {
      throw new UsageError(
        'the test window has no observations of both kinds: widen --test-until or shorten --horizon-days',
      );
    }
    trainable(train, 0.2, 'the training window (before --train-until)');
    const { model } = trainModel(train, { algorithm, testFraction: 0.2, seed: settings.seed });
    const columns = test.columns.map((c) => c.name);
    const pds = test.rows.map(
      (row) => scoreModel(model, Object.fromEntries(columns.map((name, i) => [name, row[i] ?? null]))).pd,
    );
    const calibration = decileTable(pds, test.target);
    for (const line of calibration) {
      deps.err.write(
        `decile ${line.decile}: mean PD ${line.meanPd.toFixed(4)}, observed ${line.observed.toFixed(4)} (${line.count})\n`,
      );
    }
    deps.out.write(
      `${JSON.stringify({ backtest: algorithm, trainRows: train.rows.length, testRows: test.rows.length, testPositives: test.target.filter((t) => t === 1).length, auc: round(auc(pds, test.target)), ks: round(ks(pds, test.target)), calibration })}\n`,
    );
  } finally {
    await app.store.close();
  }
}

function decileTable(pds: readonly number[], labels: readonly (0 | 1)[]) {
  const order = pds.map((pd, i) => ({ pd, label: labels[i] as number })).sort((a, b) => a.pd - b.pd);
  return Array.from({ length: 10 }, (_, d) => {
    const slice = order.slice(Math.floor((d * order.length) / 10), Math.floor(((d + 1) * order.length) / 10));
    const count = slice.length;
    return {
      decile: d + 1,
      count,
      meanPd: round(slice.reduce((s, x) => s + x.pd, 0) / Math.max(count, 1)),
      observed: round(slice.reduce((s, x) => s + x.label, 0) / Math.max(count, 1)),
    };
  });
}

export async function modelListCommand(deps: CliDeps, flags: StorageFlags): Promise<void> {
  const app = await openMigratedApp(deps, flags);
  try {
    const models = await app.store.read((tx) => tx.risk.listModels(100));
    for (const m of models) {
      const metrics = JSON.parse(m.metricsJson) as { auc?: number };
      deps.out.write(
        `${m.id}  v${m.version}  ${m.status.padEnd(10)} ${m.algorithm.padEnd(9)} AUC ${metrics.auc ?? '-'}  ${new Date(Number(m.createdAtMs)).toISOString()}\n`,
      );
    }
    if (models.length === 0) deps.out.write('no models yet: `capstan model train …`\n');
  } finally {
    await app.store.close();
  }
}

export async function modelStatusCommand(
  deps: CliDeps,
  id: string,
  action: 'promote' | 'retire',
  flags: StorageFlags,
): Promise<void> {
  const app = await openMigratedApp(deps, flags);
  try {
    const result = await app.store.write((tx) =>
      action === 'promote'
        ? changeModel(tx, cliActor(app), id, promoteModel, 'model.promoted')
        : changeModel(tx, cliActor(app), id, retireModel, 'model.retired'),
    );
    if (!result.ok) {
      deps.err.write(`${result.detail ?? result.code}\n`);
      process.exitCode = 1;
      return;
    }
    deps.out.write(`${id} is now ${result.value.status}\n`);
  } finally {
    await app.store.close();
  }
}

/** `capstan model monitor`: population stability of a model's score and inputs over recent decisions. */
export async function modelMonitorCommand(
  deps: CliDeps,
  flags: StorageFlags & { model?: string; days?: string },
): Promise<void> {
  const days = Number(flags.days ?? 30);
  if (!Number.isInteger(days) || days < 1)
    throw new UsageError('--days must be a whole number of days, at least 1');
  const app = await openMigratedApp(deps, flags);
  try {
    const sinceMs = app.clock.nowNs() / 1_000_000n - BigInt(days) * 86_400_000n;
    const result = await modelStability(app.store, flags.model ?? null, sinceMs);
    if (!result.ok) {
      deps.err.write(`${result.detail ?? result.code}\n`);
      process.exitCode = 1;
      return;
    }
    const { model, report } = result.value;
    deps.err.write(
      `model ${model.id} (v${model.version}, ${model.status}): ${report.rows} merchants decided in the last ${days} days against ${report.referenceRows} training rows\n`,
    );
    deps.err.write(
      `  ${'score (pd)'.padEnd(36)} PSI ${report.score.psi.toFixed(4)}  ${report.score.status}\n`,
    );
    for (const input of report.inputs) {
      deps.err.write(`  ${input.name.padEnd(36)} PSI ${input.psi.toFixed(4)}  ${input.status}\n`);
    }
    deps.out.write(
      `${JSON.stringify({
        model: model.id,
        version: model.version,
        days,
        merchants: report.rows,
        scorePsi: round(report.score.psi),
        scoreStatus: report.score.status,
        inputs: report.inputs.map((input) => ({
          name: input.name,
          psi: round(input.psi),
          status: input.status,
        })),
      })}\n`,
    );
  } finally {
    await app.store.close();
  }
}
