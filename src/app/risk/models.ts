/**
 * The model registry: models are versioned and immutable; one is the champion the decisions use,
 * others run beside it as challengers on the same inputs (their PDs are kept with each decision),
 * the rest are retired. Every artifact passes `checkModelArtifact` when it is registered and again
 * when it is read back to score with; parsed artifacts are cached by id — a stored model never changes.
 */
import type { RegisteredModel } from '../../domain/decisions/decide.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { checkModelArtifact, type ModelArtifact } from '../../domain/risk/model.ts';
import { type Actor, lockAuditedChanges, recordAudit } from '../audit/audit-log.ts';
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

/** Why an artifact cannot be scored with: not a model, or a format this version cannot read. */
export type ModelArtifactCode = 'model_malformed' | 'model_format_unknown';

/** A model in force whose stored artifact failed the check: it is not scored with. */
export interface RefusedModel {
  readonly id: string;
  readonly version: number;
  readonly status: ModelStatus;
  readonly code: ModelArtifactCode;
  readonly detail: string;
}

/** The gate for a stored artifact: parsed and checked once, then served from the cache. */
export function loadModel(record: ModelRecord): Result<RegisteredModel, ModelArtifactCode> {
  const cached = parsed.get(record.id);
  if (cached !== undefined) return ok(cached);
  let value: unknown;
  try {
    value = JSON.parse(record.artifactJson);
  } catch {
    return err(
      'model_malformed',
      `model ${record.id} (version ${record.version}): the stored artifact is not JSON`,
    );
  }
  const checked = checkModelArtifact(value);
  if (!checked.ok)
    return err(
      checked.code,
      `model ${record.id} (version ${record.version}): ${checked.detail ?? checked.code}`,
    );
  const model: RegisteredModel = { id: record.id, version: record.version, artifact: checked.value };
  parsed.set(record.id, model);
  return ok(model);
}

export interface ActiveModels {
  readonly champion: RegisteredModel | null;
  readonly challengers: readonly RegisteredModel[];
  /** Models in force left out because their stored artifact failed the check. */
  readonly refused: readonly RefusedModel[];
}

/**
 * The champion and the challengers. One whose artifact fails the check is left out and listed in
 * `refused`: a broken challenger does not stop decisions; a broken champion leaves none, and a
 * caller that answers a request says so (see `refusedChampion`).
 */
export async function activeModels(tx: ReadTransaction): Promise<ActiveModels> {
  const records = [
    ...(await tx.risk.modelsByStatus('champion')),
    ...(await tx.risk.modelsByStatus('challenger')),
  ];
  let champion: RegisteredModel | null = null;
  const challengers: RegisteredModel[] = [];
  const refused: RefusedModel[] = [];
  for (const record of records) {
    const loaded = loadModel(record);
    if (!loaded.ok) {
      const { id, version, status } = record;
      refused.push({ id, version, status, code: loaded.code, detail: loaded.detail ?? loaded.code });
    } else if (record.status === 'champion') champion ??= loaded.value;
    else challengers.push(loaded.value);
  }
  return { champion, challengers, refused };
}

/** The champion, when it is in force but its artifact failed the check. */
export function refusedChampion(models: ActiveModels): RefusedModel | undefined {
  return models.refused.find((model) => model.status === 'champion');
}

export interface RegisterInput {
  readonly artifact: ModelArtifact;
  readonly algorithm: string;
  readonly metrics: unknown;
  readonly training: unknown;
  /** champion: replaces the current champion, which becomes a challenger. */
  readonly status: Exclude<ModelStatus, 'retired'>;
}

/**
 * Registers an artifact from outside the process (a file, a request): it is checked as it will be
 * stored (JSON), and a malformed one is refused with its code, nothing stored.
 */
export async function registerModelArtifact(
  tx: WriteTransaction,
  context: { readonly clock: Clock; readonly entropy: Entropy },
  input: Omit<RegisterInput, 'artifact'> & { readonly artifact: unknown },
): Promise<Result<ModelRecord, ModelArtifactCode>> {
  const artifactJson = JSON.stringify(input.artifact);
  const checked = checkModelArtifact(artifactJson === undefined ? undefined : JSON.parse(artifactJson));
  if (!checked.ok)
    return err(checked.code, `the model artifact is refused: ${checked.detail ?? checked.code}`);
  const record: ModelRecord = {
    id: context.entropy.id('mdl'),
    version: await tx.risk.nextModelVersion(),
    algorithm: input.algorithm,
    status: 'challenger',
    artifactJson,
    metricsJson: JSON.stringify(input.metrics),
    trainingJson: JSON.stringify(input.training),
    createdAtMs: context.clock.nowNs() / nanosecondsPerMillisecond,
  };
  await tx.risk.insertModel(record);
  if (input.status === 'champion') await promoteModel(tx, record.id);
  return ok(input.status === 'champion' ? { ...record, status: 'champion' } : record);
}

/**
 * Registers a model trained in this process. Its artifact is checked like any other; failing the
 * check here is a bug in the trainer, so it throws (and the transaction rolls back).
 */
export async function registerModel(
  tx: WriteTransaction,
  context: { readonly clock: Clock; readonly entropy: Entropy },
  input: RegisterInput,
): Promise<ModelRecord> {
  const registered = await registerModelArtifact(tx, context, input);
  if (!registered.ok)
    throw new Error(
      `a trained model failed the artifact check (${registered.code}): ${registered.detail ?? ''}`,
    );
  return registered.value;
}

/** Why a model's status cannot change (one type for promote and retire, which callers pick between). */
export type ModelStatusChangeCode = 'model_not_found' | 'model_is_champion' | ModelArtifactCode;

/** Makes a model the champion; one whose stored artifact fails the check is refused. */
export async function promoteModel(
  tx: WriteTransaction,
  id: string,
): Promise<Result<ModelRecord, ModelStatusChangeCode>> {
  const model = await tx.risk.model(id);
  if (model === undefined) return err('model_not_found', `no model ${id}`);
  const loaded = loadModel(model);
  if (!loaded.ok) return loaded;
  for (const current of await tx.risk.modelsByStatus('champion')) {
    if (current.id !== id) await tx.risk.setModelStatus(current.id, 'challenger');
  }
  await tx.risk.setModelStatus(id, 'champion');
  return ok({ ...model, status: 'champion' });
}

export async function retireModel(
  tx: WriteTransaction,
  id: string,
): Promise<Result<ModelRecord, ModelStatusChangeCode>> {
  const model = await tx.risk.model(id);
  if (model === undefined) return err('model_not_found', `no model ${id}`);
  if (model.status === 'champion')
    return err('model_is_champion', 'promote another model before retiring the champion');
  await tx.risk.setModelStatus(id, 'retired');
  return ok({ ...model, status: 'retired' });
}

/**
 * A model promoted or retired (`change`), and the change in the audit log when the status moved:
 * from and to, and for a promotion the champion it replaced.
 */
export async function changeModel(
  tx: WriteTransaction,
  by: Actor,
  id: string,
  change: typeof promoteModel | typeof retireModel,
  action: 'model.promoted' | 'model.retired',
): Promise<Result<ModelRecord, ModelStatusChangeCode>> {
  await lockAuditedChanges(tx);
  const before = await tx.risk.model(id);
  const [champion] = await tx.risk.modelsByStatus('champion');
  const changed = await change(tx, id);
  if (changed.ok && before !== undefined && before.status !== changed.value.status)
    await recordAudit(tx, by, action, id, {
      from: before.status,
      to: changed.value.status,
      ...(action === 'model.promoted' && champion !== undefined && champion.id !== id
        ? { previousChampion: champion.id }
        : {}),
    });
  return changed;
}
