/**
 * Credit decisions: gather everything a decision needs (features as of today, the consent, flags,
 * the debt service of live facilities, the settings, the champion and challengers), decide (pure),
 * and store the decision with all its inputs, chained by SHA-256 onto the decision log that
 * `capstan verify` checks. The gathering is a read; the write is short: lock the chain head, append.
 */
import { consentFor } from '../../domain/consent/consent.ts';
import {
  type Decision,
  type DecisionInputs,
  decide,
  decisionInputsFrom,
  type RefillInView,
} from '../../domain/decisions/decide.ts';
import {
  canonicalRecord,
  DecisionChainVerifier,
  decisionHash,
} from '../../domain/decisions/decision-chain.ts';
import type { FacilityInArrears } from '../../domain/decisions/policy.ts';
import { computeFeatures } from '../../domain/features/features.ts';
import type { Sha256Hex } from '../../domain/ledger/hash-chain.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';
import { dayNumberOfInstant } from '../../domain/time/instant.ts';
import { advancesInHand } from '../financing/refill-candidate.ts';
import { inArrears } from '../financing/serviced.ts';
import {
  type Clock,
  type DecisionRow,
  type Entropy,
  type FacilityRow,
  type ReadTransaction,
  type Store,
  UnreadableChainHead,
  type WriteTransaction,
} from '../ports.ts';
import { type DecisionCache, decisionCacheOf } from './decision-cache.ts';
import { loadDecisionSettings } from './decision-settings.ts';
import { type ActiveModels, activeModels } from './models.ts';
import { fromTaggedJson, toTaggedJson } from './tagged-json.ts';

const nanosecondsPerMillisecond = 1_000_000n;
export const decideBatchMax = 500;

export interface DecisionContext {
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly sha256: Sha256Hex;
}

/** What is stored (and hashed): the decision as the API shows it, and its inputs, exactly. */
export interface DecisionRecord {
  readonly view: ReturnType<typeof decisionView>;
  readonly inputs: string;
}

export function decisionView(id: string, decidedAtMs: bigint, inputs: DecisionInputs, decision: Decision) {
  return {
    object: 'decision',
    id,
    merchant_id: inputs.merchantId,
    decided_at: new Date(Number(decidedAtMs)).toISOString(),
    as_of: fromDayNumber(inputs.asOfDay),
    outcome: decision.outcome,
    pd: decision.pd === null ? null : Number(decision.pd.toFixed(6)),
    score: decision.score === null ? null : Math.round(decision.score),
    grade: decision.grade,
    currency: decision.currency,
    limit: decision.limitMinor === null ? null : decision.limitMinor.toString(),
    ...(inputs.refill === undefined
      ? {}
      : {
          refill: {
            facility_id: inputs.refill.facilityId,
            debt_service_daily: inputs.refill.debtServiceDailyMinor.toString(),
            limit: decision.refillLimitMinor === null ? null : decision.refillLimitMinor.toString(),
          },
        }),
    annual_rate_bps: decision.annualRateBps,
    reasons: decision.reasons.map((r) => ({
      code: r.code,
      description: r.description,
      source: r.source,
      ...(r.detail === undefined ? {} : { detail: r.detail }),
    })),
    model: decision.modelId === null ? null : { id: decision.modelId, version: decision.modelVersion },
    consent_id: decision.consentId,
    challengers: decision.challengers.map((c) => ({
      model_id: c.modelId,
      model_version: c.modelVersion,
      pd: Number(c.pd.toFixed(6)),
    })),
    forecast_daily_sales: decision.forecastDailySalesMinor.toString(),
    debt_service_cap_daily: decision.debtServiceCapDailyMinor.toString(),
    existing_debt_service_daily: inputs.existingDebtServiceDailyMinor.toString(),
  };
}

/**
 * Everything a decision for the merchant as of a day depends on, read in one snapshot — or, when
 * nothing about the merchant or the configuration changed since, from the store's decision cache.
 */
export async function gatherInputs(
  tx: ReadTransaction,
  merchantId: string,
  asOfDay: number,
  nowMs: bigint,
  cache?: DecisionCache,
): Promise<DecisionInputs> {
  if (cache === undefined) return withFacilities(tx, await readInputs(tx, merchantId, asOfDay, nowMs));
  const versions = await tx.risk.versions(merchantId);
  const cached = cache.inputs(merchantId, asOfDay, versions, nowMs);
  if (cached !== undefined) return withFacilities(tx, cached);
  const inputs = await readInputs(tx, merchantId, asOfDay, nowMs);
  cache.keep(merchantId, asOfDay, versions, inputs);
  return withFacilities(tx, inputs);
}

/**
 * The inputs with what the merchant's facilities are now, read fresh: a facility's status and what
 * it has repaid move with the daily cycle and the sweep, which the cache's versions do not follow.
 * `arrears`: the facilities it is behind on (past due, defaulted, written off). `refill`: the
 * advance a new advance would refill (refill-candidate.ts), in the decision's currency and among
 * the facilities its existing debt service is of, with that advance's share of it. The same inputs
 * object when there are neither (serialised once, as the cache keeps it).
 */
async function withFacilities(tx: ReadTransaction, inputs: DecisionInputs): Promise<DecisionInputs> {
  const facilities = await tx.financing.facilitiesForMerchant(inputs.merchantId);
  const arrears = facilities.flatMap((row): FacilityInArrears[] =>
    inArrears(row) ? [{ facilityId: row.id, status: row.status }] : [],
  );
  const refill = await refillInView(tx, inputs, facilities);
  if (arrears.length === 0 && refill === undefined) return inputs;
  return {
    ...inputs,
    ...(arrears.length === 0 ? {} : { arrears }),
    ...(refill === undefined ? {} : { refill }),
  };
}

async function refillInView(
  tx: ReadTransaction,
  inputs: DecisionInputs,
  facilities: readonly FacilityRow[],
): Promise<RefillInView | undefined> {
  const { refillable } = advancesInHand(facilities, inputs.asOfDay);
  if (
    refillable === null ||
    refillable.row.currency !== inputs.features.currency ||
    !(inputs.debtServiceFacilityIds ?? []).includes(refillable.row.id)
  )
    return undefined;
  const service = (await tx.risk.debtService(inputs.merchantId)).find(
    (facility) => facility.facilityId === refillable.row.id,
  );
  return service === undefined
    ? undefined
    : { facilityId: refillable.row.id, debtServiceDailyMinor: service.dailyDebtServiceMinor };
}

/** The models in force, from the cache while the configuration has not changed. */
export async function currentModels(tx: ReadTransaction, cache?: DecisionCache): Promise<ActiveModels> {
  if (cache === undefined) return activeModels(tx);
  const { config } = await tx.risk.versions('');
  const cached = cache.activeModels(config);
  if (cached !== undefined) return cached;
  const models = await activeModels(tx);
  cache.keepModels(config, models);
  return models;
}

async function readInputs(
  tx: ReadTransaction,
  merchantId: string,
  asOfDay: number,
  nowMs: bigint,
): Promise<DecisionInputs> {
  const featureInputs = await tx.features.loadInputs(merchantId, asOfDay);
  const features = computeFeatures(featureInputs);
  const consent = consentFor(await tx.risk.consents(merchantId), 'credit_assessment', nowMs);
  const flags = await tx.risk.flags(merchantId);
  const existing = (await tx.risk.debtService(merchantId)).filter(
    (facility) => facility.currency === features.currency,
  );
  return decisionInputsFrom(featureInputs, features, {
    consent,
    fraudFlagged: flags.includes('fraud'),
    existingDebtServiceDailyMinor: existing.reduce(
      (sum, facility) => sum + facility.dailyDebtServiceMinor,
      0n,
    ),
    debtServiceFacilityIds: existing.map((facility) => facility.facilityId).sort(),
    settings: await loadDecisionSettings(tx),
  });
}

export interface Decided {
  readonly row: DecisionRow;
  readonly record: DecisionRecord;
}

/** Inputs served from the decision cache are the same object each time: serialise and hash once. */
const serialisedInputs = new WeakMap<DecisionInputs, { json: string; digest: string }>();

function taggedInputs(inputs: DecisionInputs, sha256: Sha256Hex): { json: string; digest: string } {
  let serialised = serialisedInputs.get(inputs);
  if (serialised === undefined) {
    const json = toTaggedJson(inputs);
    serialised = { json, digest: sha256(json) };
    serialisedInputs.set(inputs, serialised);
  }
  return serialised;
}

/** Decides for each merchant and appends the decisions to the chain, in one write. */
export async function storeDecisions(
  tx: WriteTransaction,
  context: DecisionContext,
  prepared: readonly { readonly inputs: DecisionInputs; readonly models: ActiveModels }[],
): Promise<Decided[]> {
  const head = await tx.risk.lockDecisionHead();
  const decidedAtMs = context.clock.nowNs() / nanosecondsPerMillisecond;
  let { lastHash, count } = head;
  const decided: Decided[] = [];
  for (const { inputs, models } of prepared) {
    const decision = decide(inputs, models.champion, models.challengers);
    const id = context.entropy.id('dec');
    const serialised = taggedInputs(inputs, context.sha256);
    const record: DecisionRecord = {
      view: decisionView(id, decidedAtMs, inputs, decision),
      inputs: serialised.json,
    };
    const recordJson = canonicalRecord(record.view);
    count += 1n;
    lastHash = decisionHash(context.sha256, lastHash, count, recordJson, serialised.digest);
    decided.push({
      record,
      row: {
        sequence: count,
        id,
        merchantId: inputs.merchantId,
        decidedAtMs,
        outcome: decision.outcome,
        recordJson,
        inputsJson: serialised.json,
        inputsDigest: serialised.digest,
        hash: lastHash,
      },
    });
  }
  await tx.risk.appendDecisions(
    decided.map((d) => d.row),
    { lastHash, count },
  );
  return decided;
}

/** One merchant, now: read, decide, store. */
export async function decideForMerchant(
  store: Store,
  context: DecisionContext,
  merchantId: string,
  asOfDay: number | null = null,
): Promise<Decided> {
  const nowNs = context.clock.nowNs();
  const day = asOfDay ?? dayNumberOfInstant(nowNs);
  const cache = decisionCacheOf(store);
  const prepared = await store.read(async (tx) => ({
    inputs: await gatherInputs(tx, merchantId, day, nowNs / nanosecondsPerMillisecond, cache),
    models: await currentModels(tx, cache),
  }));
  const [decided] = await store.write((tx) => storeDecisions(tx, context, [prepared]));
  return decided as Decided;
}

export function parseRecord(row: DecisionRow): DecisionRecord {
  return { view: JSON.parse(row.recordJson) as DecisionRecord['view'], inputs: row.inputsJson };
}

/** The stored inputs, as the engine saw them: feeding them to decide() again reproduces the decision. */
export function storedInputs(record: DecisionRecord): DecisionInputs {
  return fromTaggedJson<DecisionInputs>(record.inputs);
}

export async function verifyDecisionChain(store: Store, sha256: Sha256Hex) {
  return store.read(async (tx) => {
    const verifier = new DecisionChainVerifier(sha256);
    // The chain is read with each decision's inputs: one whose inputs are gone would not be read,
    // and the next would be blamed for a gap in the sequence. Named first, by itself.
    const orphan = await tx.risk.firstDecisionWithoutInputs();
    if (orphan !== undefined) {
      const detail = `decision ${orphan.id} (#${orphan.sequence}): its inputs (${orphan.inputsDigest.slice(0, 16)}…) are not stored, so it cannot be replayed or its hash checked`;
      return { failure: { rule: 'decision_inputs_missing', detail } as const, checked: 0 };
    }
    for (let after = 0n; ; ) {
      const page = await tx.risk.listDecisions(null, { afterSequence: after, limit: 1_000 });
      if (page.length === 0) break;
      const failure = verifier.add(page);
      if (failure !== null) return { failure, checked: verifier.checked };
      after = (page[page.length - 1] as DecisionRow).sequence;
    }
    const head = await tx.risk.decisionHead().catch((error: unknown) => {
      if (error instanceof UnreadableChainHead) return error;
      throw error;
    });
    if (head instanceof UnreadableChainHead) {
      const failure = { rule: 'decision_chain_head_unreadable', detail: head.message } as const;
      return { failure, checked: verifier.checked };
    }
    return { failure: verifier.finish(head), checked: verifier.checked };
  });
}
