/**
 * The demo's champion: a scorecard trained on the marketplace's own history up to the day before
 * lending begins, labelled only with what the platform knew by then — which merchants had become
 * distressed, and when. Nothing from the lending year leaks into it, so the year's defaults by
 * grade are a fair test of the model.
 *
 * Each merchant is observed every `stepDays` from its 60th day (features as of that day) and
 * labelled bad when it became distressed within `horizonDays`. On a short history of few merchants
 * that may be too few bad observations to learn from; the label then widens to "distressed at any
 * time before lending began" (observations up to two steps before it), and if even that is too few
 * the demo stops and says why.
 */
import type { AppContext } from '../app/app-context.ts';
import { loadDecisionSettings } from '../app/risk/decision-settings.ts';
import { buildHistoryDataset, type HistoryDataset } from '../app/risk/history-dataset.ts';
import { registerModel } from '../app/risk/models.ts';
import { trainingReference } from '../app/risk/stability.ts';
import { err, ok, type Result } from '../domain/result.ts';
import { checkTrainable, trainModel } from '../domain/risk/model.ts';
import { fromDayNumber } from '../domain/time/calendar-date.ts';

export const championHorizonDays = 60;
export const championStepDays = 10;
/** Observations start once a merchant could have this much history (the trainer's own minimum). */
const firstObservationAfterDays = 60;
const testFraction = 0.3;

export interface ChampionWindow {
  /** The first simulated day (a day number). */
  readonly firstDay: number;
  /** The last day whose outcomes are known: the day before lending begins. */
  readonly lastKnownDay: number;
  readonly seed: number;
}

export interface Champion {
  readonly modelId: string;
  readonly version: number;
  /** On merchants held out of training. */
  readonly auc: number;
  readonly observations: number;
  readonly merchants: number;
  readonly bad: number;
  /** What "bad" meant: distressed within this many days of the observation… */
  readonly horizonDays: number;
  /** …or, on a thin history, at any time before lending began. */
  readonly widened: boolean;
}

export type ChampionProblem = 'history_too_thin';

function badCount(built: HistoryDataset): number {
  return built.dataset.target.reduce<number>((sum, label) => sum + label, 0);
}

/**
 * The training set for one label: observed every step up to `lastObservationDay`, bad when
 * distressed within `horizonDays` — and never later than the last known day, as `distressed` holds
 * nothing after it.
 */
async function history(
  app: AppContext,
  window: ChampionWindow,
  distressed: ReadonlyMap<string, number>,
  merchantIds: readonly string[],
  label: { readonly lastObservationDay: number; readonly horizonDays: number },
): Promise<HistoryDataset> {
  const distressDay = new Map(merchantIds.map((id) => [id, distressed.get(id) ?? null]));
  return buildHistoryDataset(
    app.store,
    {
      firstObservationDay: window.firstDay + firstObservationAfterDays,
      lastObservationDay: label.lastObservationDay,
      stepDays: championStepDays,
      horizonDays: label.horizonDays,
    },
    distressDay,
    await app.store.read(loadDecisionSettings),
  );
}

/** Trains on the history the platform had and registers the model as champion. */
export async function trainChampion(
  app: AppContext,
  window: ChampionWindow,
  distressed: ReadonlyMap<string, number>,
  merchantIds: readonly string[],
): Promise<Result<Champion, ChampionProblem>> {
  let horizonDays = championHorizonDays;
  let built = await history(app, window, distressed, merchantIds, {
    lastObservationDay: window.lastKnownDay - horizonDays,
    horizonDays,
  });
  if (!checkTrainable(built.dataset, { testFraction }).ok) {
    // Observations up to two steps before lending, bad when distressed at any time before it.
    horizonDays = window.lastKnownDay - window.firstDay;
    built = await history(app, window, distressed, merchantIds, {
      lastObservationDay: window.lastKnownDay - 2 * championStepDays,
      horizonDays,
    });
  }
  const trainable = checkTrainable(built.dataset, { testFraction });
  if (!trainable.ok)
    return err(
      'history_too_thin',
      `the history before lending has ${built.observations.length} observations of merchants the policy would score, ` +
        `${badCount(built)} of them before distress: too few to learn from (at least 10 of each are needed) — run with more --merchants or --warm-up-days`,
    );
  const { model, report } = trainModel(built.dataset, {
    algorithm: 'scorecard',
    testFraction,
    seed: window.seed,
    groups: built.observations.map((o) => o.merchantId),
  });
  const record = await app.store.write((tx) =>
    registerModel(tx, app, {
      artifact: model,
      algorithm: 'scorecard',
      metrics: { auc: report.auc, gini: report.gini, ks: report.ks, trainRows: report.trainRows },
      training: {
        source: 'capstan demo: the feature store up to the day before lending',
        asOf: fromDayNumber(window.lastKnownDay),
        horizonDays,
        observations: built.observations.length,
        stabilityReference: trainingReference(model, built.dataset),
      },
      status: 'champion',
    }),
  );
  return ok({
    modelId: record.id,
    version: record.version,
    auc: report.auc,
    observations: built.observations.length,
    merchants: new Set(built.observations.map((o) => o.merchantId)).size,
    bad: badCount(built),
    horizonDays,
    widened: horizonDays !== championHorizonDays,
  });
}
