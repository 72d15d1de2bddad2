/**
 * Population stability of a registered model: the reference bands taken from its training
 * population (stored in the model's training record) against the merchants it has recently been
 * asked about — the latest scored decision of each merchant in the window, re-scored by this model
 * from the decision's stored inputs, so a challenger is monitored on exactly the champion's traffic.
 * A merchant whose latest decision was a knock-out still counts with its latest scored one in the
 * window: knock-outs never reached a model, but they must not hide what the model did see.
 */
import { scoringRow } from '../../domain/decisions/decide.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { type Dataset, type FeatureRow, type ModelArtifact, scoreModel } from '../../domain/risk/model.ts';
import {
  type StabilityReference,
  type StabilityReport,
  stabilityReference,
  stabilityReport,
} from '../../domain/risk/stability.ts';
import type { DecisionRow, ModelRecord, Store } from '../ports.ts';
import { type DecisionRecord, parseRecord, storedInputs } from './decisions.ts';
import { loadModel, type ModelArtifactCode } from './models.ts';

/** The training population's bands, for `RegisterInput.training.stabilityReference`. */
export function trainingReference(model: ModelArtifact, dataset: Dataset): StabilityReference {
  const names = dataset.columns.map((column) => column.name);
  const rows: FeatureRow[] = dataset.rows.map((values) =>
    Object.fromEntries(names.map((name, i) => [name, values[i] ?? null])),
  );
  return stabilityReference(
    rows,
    rows.map((row) => scoreModel(model, row).pd),
  );
}

export function referenceOf(model: ModelRecord): StabilityReference | undefined {
  const training = JSON.parse(model.trainingJson) as { stabilityReference?: StabilityReference };
  return training.stabilityReference;
}

export interface ModelStability {
  readonly model: ModelRecord;
  readonly sinceMs: bigint;
  readonly report: StabilityReport;
}

export async function modelStability(
  store: Store,
  modelId: string | null,
  sinceMs: bigint,
): Promise<
  Result<
    ModelStability,
    'model_not_found' | 'model_without_reference' | 'no_recent_decisions' | ModelArtifactCode
  >
> {
  return store.read(async (tx) => {
    const model =
      modelId === null ? (await tx.risk.modelsByStatus('champion'))[0] : await tx.risk.model(modelId);
    if (model === undefined)
      return err('model_not_found', modelId === null ? 'no champion model' : `no model ${modelId}`);
    const reference = referenceOf(model);
    if (reference === undefined)
      return err(
        'model_without_reference',
        `model ${model.id} was registered without its training population's bands; retrain it to monitor it`,
      );
    const loaded = loadModel(model);
    if (!loaded.ok) return loaded;
    const artifact = loaded.value.artifact;
    // Knocked-out decisions never reached a model (no PD): they are not its population.
    const latestScored = new Map<string, DecisionRecord>();
    for (let after = 0n; ; ) {
      const page = await tx.risk.listDecisions(null, { afterSequence: after, limit: 1_000 });
      if (page.length === 0) break;
      for (const row of page) {
        if (row.decidedAtMs < sinceMs) continue;
        const record = parseRecord(row);
        if (record.view.pd !== null) latestScored.set(row.merchantId, record);
      }
      after = (page[page.length - 1] as DecisionRow).sequence;
    }
    const rows: FeatureRow[] = [];
    const pds: number[] = [];
    for (const record of latestScored.values()) {
      const features = scoringRow(storedInputs(record));
      rows.push(features);
      pds.push(scoreModel(artifact, features).pd);
    }
    if (rows.length === 0)
      return err('no_recent_decisions', 'no scored decisions in the window: widen it or decide first');
    return ok({ model, sinceMs, report: stabilityReport(reference, rows, pds) });
  });
}
