/**
 * A training set from the marketplace's own history: for each merchant and each observation date,
 * its features as of that date (point in time: nothing after it) and a label — did it become
 * distressed within the horizon after? The distress dates come from outside: the simulator's
 * ground truth for backtests, and in production the platform's own outcomes (defaults, missed
 * minimum payments) once facilities exist.
 */
import { modelFeatures, modelRow } from '../../domain/decisions/model-inputs.ts';
import { passesDataKnockOuts } from '../../domain/decisions/policy.ts';
import type { DecisionSettings } from '../../domain/decisions/settings.ts';
import { computeFeatures } from '../../domain/features/features.ts';
import { exponentOf, isCurrencyCode } from '../../domain/money/currency.ts';
import type { Dataset, FeatureValue, Label } from '../../domain/risk/model.ts';
import type { Store } from '../ports.ts';

export const observationStepDaysDefault = 30;
/** A merchant is observed only once it has this much history. */
export const observationTenureDaysMin = 60;
export const historyMerchantsMax = 200_000;

export interface HistoryWindow {
  /** Observation dates run from here… */
  readonly firstObservationDay: number;
  /** …to here, every `stepDays` (labels look up to `horizonDays` past each). */
  readonly lastObservationDay: number;
  readonly stepDays: number;
  readonly horizonDays: number;
}

export interface Observation {
  readonly merchantId: string;
  readonly day: number;
  readonly label: Label;
}

export interface HistoryDataset {
  readonly dataset: Dataset;
  readonly observations: readonly Observation[];
}

/** The model's columns: every model feature, categorical for the profile's words. */
export const historyColumns = modelFeatures.map((feature) => ({
  name: feature.name,
  kind:
    feature.name === 'category' || feature.name === 'country'
      ? ('categorical' as const)
      : ('numeric' as const),
}));

export async function buildHistoryDataset(
  store: Store,
  window: HistoryWindow,
  distressDay: ReadonlyMap<string, number | null>,
  settings: DecisionSettings,
  onProgress?: (done: number, total: number) => void,
): Promise<HistoryDataset> {
  const merchants: string[] = [];
  for (let after: string | undefined; merchants.length < historyMerchantsMax; ) {
    const page = await store.read((tx) =>
      tx.features.listMerchants(after === undefined ? { limit: 1_000 } : { after, limit: 1_000 }),
    );
    if (page.length === 0) break;
    merchants.push(...page);
    after = page[page.length - 1];
  }
  const rows: FeatureValue[][] = [];
  const target: Label[] = [];
  const observations: Observation[] = [];
  for (const [index, merchantId] of merchants.entries()) {
    const distressed = distressDay.get(merchantId) ?? null;
    for (let day = window.firstObservationDay; day <= window.lastObservationDay; day += window.stepDays) {
      if (distressed !== null && distressed <= day) break; // already distressed: nothing left to predict
      const features = await store.read(async (tx) =>
        computeFeatures(await tx.features.loadInputs(merchantId, day)),
      );
      // Only the population the model will be asked about: a merchant the policy knocks out on its
      // own data (too new, too few sales, KYB not verified — or no longer trading) is never scored.
      if (features.tenureDays === null || features.tenureDays < observationTenureDaysMin) continue;
      if (!passesDataKnockOuts(features, settings)) continue;
      const exponent =
        features.currency !== null && isCurrencyCode(features.currency) ? exponentOf(features.currency) : 2;
      const row = modelRow(features, exponent, null);
      const label: Label = distressed !== null && distressed <= day + window.horizonDays ? 1 : 0;
      rows.push(historyColumns.map((column) => row[column.name] ?? null));
      target.push(label);
      observations.push({ merchantId, day, label });
    }
    onProgress?.(index + 1, merchants.length);
  }
  return { dataset: { columns: historyColumns, rows, target }, observations };
}

/** The simulator's ground truth: each merchant's distress date, or null. */
export function distressFromGroundTruth(
  truth: unknown,
  dayOf: (date: string) => number,
): Map<string, number | null> {
  const merchants = (
    truth as { merchants?: { merchant_id: string; distress: { distressed_on: string | null } | null }[] }
  ).merchants;
  if (!Array.isArray(merchants)) throw new Error('not a simulator ground-truth file (no "merchants" list)');
  return new Map(
    merchants.map((m) => [m.merchant_id, m.distress?.distressed_on ? dayOf(m.distress.distressed_on) : null]),
  );
}
