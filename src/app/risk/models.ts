/**
 * The model registry: models are versioned and immutable; one is the champion the decisions use,
 * others run beside it as challengers on the same inputs (their PDs are kept with each decision),
 * the rest are retired. Parsed artifacts are cached by id — a stored model never changes.
 */
import type { RegisteredModel } from '../../domain/decisions/decide.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import type { ModelArtifact } from '../../domain/risk/model.ts';
import type {
  Clock,
  Entropy,
  ModelRecord,
  ModelStatus,
  ReadTransaction,
  WriteTransaction,
} from '../ports.ts';

const nanosecondsPerMillisecond = 1_000_000n;
const parsed = new Map<string, RegisteredModel>();

export function registeredModel(record: ModelRecord): RegisteredModel {
  let model = parsed.get(record.id);
  if (model === undefined) {
    model = {
      id: record.id,
      version: record.version,
      artifact: JSON.parse(record.artifactJson) as ModelArtifact,
    };
    parsed.set(record.id, model);
  }
  return model;
}

export interface ActiveModels {
  readonly champion: RegisteredModel | null;
  readonly challengers: readonly RegisteredModel[];
}

export async function activeModels(tx: ReadTransaction): Promise<ActiveModels> {
  const [champion] = await tx.risk.modelsByStatus('champion');
  const challengers = await tx.risk.modelsByStatus('challenger');
  return {
    champion: champion === undefined ? null : registeredModel(champion),
    challengers: challengers.map(registeredModel),
  };
}

export interface RegisterInput {
  readonly artifact: ModelArtifact;
  readonly algorithm: string;
  readonly metrics: unknown;
  readonly training: unknown;
  /** champion: replaces the current champion, which becomes a challenger. */
  readonly status: Exclude<ModelStatus, 'retired'>;
}

export async function registerModel(
  tx: WriteTransaction,
  context: { readonly clock: Clock; readonly entropy: Entropy },
  input: RegisterInput,
): Promise<ModelRecord> {
  const record: ModelRecord = {
    id: context.entropy.id('mdl'),
    version: await tx.risk.nextModelVersion(),
    algorithm: input.algorithm,
    status: 'challenger',
    artifactJson: JSON.stringify(input.artifact),
    metricsJson: JSON.stringify(input.metrics),
    trainingJson: JSON.stringify(input.training),
    createdAtMs: context.clock.nowNs() / nanosecondsPerMillisecond,
  };
  await tx.risk.insertModel(record);
  if (input.status === 'champion') await promoteModel(tx, record.id);
  return input.status === 'champion' ? { ...record, status: 'champion' } : record;
}

export async function promoteModel(
  tx: WriteTransaction,
  id: string,
): Promise<Result<ModelRecord, 'model_not_found'>> {
  const model = await tx.risk.model(id);
  if (model === undefined) return err('model_not_found', `no model ${id}`);
  for (const current of await tx.risk.modelsByStatus('champion')) {
    if (current.id !== id) await tx.risk.setModelStatus(current.id, 'challenger');
  }
  await tx.risk.setModelStatus(id, 'champion');
  return ok({ ...model, status: 'champion' });
}

export async function retireModel(
  tx: WriteTransaction,
  id: string,
): Promise<Result<ModelRecord, 'model_not_found' | 'model_is_champion'>> {
  const model = await tx.risk.model(id);
  if (model === undefined) return err('model_not_found', `no model ${id}`);
  if (model.status === 'champion')
    return err('model_is_champion', 'promote another model before retiring the champion');
  await tx.risk.setModelStatus(id, 'retired');
  return ok({ ...model, status: 'retired' });
}
