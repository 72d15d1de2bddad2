/**
 * A credit decision, pure and reproducible: knock-outs, then the champion model's PD, a grade, a
 * limit from forecast sales under the leverage cap, and a risk-based price. Everything it used is in
 * its inputs, which are stored with it, so `decide(record.inputs, model)` gives the same decision
 * again.
 */
import type { Consent } from '../consent/consent.ts';
import { dailySalesSeries, type FeatureInputs, type MerchantFeatures } from '../features/features.ts';
import { exponentOf, isCurrencyCode } from '../money/currency.ts';
import { divideRounded } from '../money/rounding.ts';
import { type FeatureRow, type ModelArtifact, scoreModel } from '../risk/model.ts';
import { featureSlug, type ReasonDirection } from '../risk/reasons.ts';
import { forecastSales, observedSalesDays } from './forecast.ts';
import { modelRow } from './model-inputs.ts';
import { type FacilityInArrears, knockOut, type Reason } from './policy.ts';
import { plainReason } from './reason-text.ts';
import { type DecisionSettings, type LimitBounds, limitBoundsIn } from './settings.ts';

const bps = 10_000n;

export interface RegisteredModel {
  readonly id: string;
  readonly version: number;
  readonly artifact: ModelArtifact;
}

export interface DecisionInputs {
  readonly merchantId: string;
  readonly asOfDay: number;
  readonly features: MerchantFeatures;
  /** The merchant's daily sales in its home currency, index 0 = the as-of day, up to 365 days. */
  readonly salesHistory: readonly number[];
  readonly consent: Consent | null;
  readonly fraudFlagged: boolean;
  /** Daily debt service of the merchant's existing facilities, in its home currency. */
  readonly existingDebtServiceDailyMinor: bigint;
  /**
   * The facilities that debt service is of: what the decision's limit already allows for. Absent
   * from decisions made before it was recorded.
   */
  readonly debtServiceFacilityIds?: readonly string[];
  /**
   * The merchant's facilities it is behind on (past due, defaulted, written off), in id order.
   * Absent from decisions made before it was recorded: none then.
   */
  readonly arrears?: readonly FacilityInArrears[];
  /**
   * The advance a new advance would refill (src/domain/products/refill.ts), in the decision's
   * currency, and its daily debt service: a refill pays it off, so its own limit has that room too.
   * Absent when there is none, and from decisions made before it was recorded.
   */
  readonly refill?: RefillInView;
  readonly settings: DecisionSettings;
}

/** An advance open to a refill, one of those the existing debt service is of. */
export interface RefillInView {
  readonly facilityId: string;
  readonly debtServiceDailyMinor: bigint;
}

export interface Decision {
  readonly outcome: 'approved' | 'declined';
  readonly reasons: readonly Reason[];
  readonly pd: number | null;
  readonly score: number | null;
  readonly grade: string | null;
  readonly currency: string | null;
  readonly limitMinor: bigint | null;
  /**
   * With `inputs.refill`, once scored: the limit of an advance that refills it — sized to the room
   * left once the advance it pays off no longer takes any, so never below `limitMinor`, which is
   * what the decision lends beside that advance (every other product). Else null.
   */
  readonly refillLimitMinor: bigint | null;
  readonly annualRateBps: number | null;
  readonly forecastDailySalesMinor: bigint;
  readonly debtServiceCapDailyMinor: bigint;
  readonly modelId: string | null;
  readonly modelVersion: number | null;
  readonly consentId: string | null;
  readonly challengers: readonly {
    readonly modelId: string;
    readonly modelVersion: number;
    readonly pd: number;
  }[];
}

export function decisionInputsFrom(
  inputs: FeatureInputs,
  features: MerchantFeatures,
  rest: Omit<DecisionInputs, 'merchantId' | 'asOfDay' | 'features' | 'salesHistory'>,
): DecisionInputs {
  return {
    merchantId: inputs.merchantId,
    asOfDay: inputs.asOfDay,
    features,
    salesHistory: dailySalesSeries(inputs, features.currency),
    ...rest,
  };
}

export function gradeOf(pd: number, settings: DecisionSettings): string {
  for (const band of settings.gradeBands) if (pd <= band.maxPd) return band.grade;
  return 'F';
}

/** Cost of funds + PD × LGD + operating cost + margin − green discount, within the bounds. */
export function priceBps(pd: number, green: boolean, settings: DecisionSettings): number {
  const expectedLoss = Math.round(pd * settings.lossGivenDefaultBps);
  const raw =
    settings.costOfFundsBps +
    expectedLoss +
    settings.operatingCostBps +
    settings.marginBps -
    (green ? settings.greenDiscountBps : 0);
  return Math.min(settings.maxRateBps, Math.max(settings.minRateBps, raw));
}

function declined(base: Omit<Decision, 'outcome' | 'reasons'>, reasons: readonly Reason[]): Decision {
  return { ...base, outcome: 'declined', reasons };
}

export function decide(
  inputs: DecisionInputs,
  champion: RegisteredModel | null,
  challengers: readonly RegisteredModel[],
): Decision {
  const { settings, features } = inputs;
  const currency = features.currency;
  const exponent = currency !== null && isCurrencyCode(currency) ? exponentOf(currency) : 2;
  const forecast = forecastSales(
    inputs.salesHistory,
    inputs.asOfDay,
    settings.forecastHorizonDays,
    observedSalesDays(features.tenureDays, inputs.salesHistory.length),
  );
  const forecastDaily = BigInt(Math.floor(forecast.averageDaily));
  const capDaily = divideRounded(forecastDaily * BigInt(settings.debtServiceShareBps), bps, 'down');
  const room = capDaily - inputs.existingDebtServiceDailyMinor;
  // A refill takes the place of the advance it pays off: that advance's debt service is room for it.
  const refillRoom = inputs.refill === undefined ? null : room + inputs.refill.debtServiceDailyMinor;
  const base = {
    pd: null,
    score: null,
    grade: null,
    currency,
    limitMinor: null,
    refillLimitMinor: null,
    annualRateBps: null,
    forecastDailySalesMinor: forecastDaily,
    debtServiceCapDailyMinor: capDaily,
    modelId: champion?.id ?? null,
    modelVersion: champion?.version ?? null,
    consentId: inputs.consent?.id ?? null,
    challengers: [] as Decision['challengers'],
  };
  const knocked = knockOut(
    {
      hasConsent: inputs.consent !== null,
      features,
      fraudFlagged: inputs.fraudFlagged,
      arrears: inputs.arrears ?? [],
      debtServiceRoomDailyMinor: refillRoom ?? room,
      existingDebtServiceDailyMinor: inputs.existingDebtServiceDailyMinor,
    },
    settings,
  );
  // A knock-out is the policy's answer: no model ran, so none is named.
  if (knocked !== null) return declined({ ...base, modelId: null, modelVersion: null }, [knocked]);
  if (champion === null) {
    return declined(base, [
      { code: 'model_missing', description: 'No champion model is registered.', source: 'policy' },
    ]);
  }
  const row = scoringRow(inputs);
  const scored = scoreModel(champion.artifact, row);
  const modelReasons: Reason[] = scored.reasons.map((r) => {
    const plain = plainReason(r.feature, r.code.slice(featureSlug(r.feature).length + 1) as ReasonDirection);
    return plain === null
      ? { code: r.code, description: r.description, source: 'model' }
      : { code: r.code, description: plain, source: 'model', detail: r.description };
  });
  const scoredBase = {
    ...base,
    pd: scored.pd,
    score: scored.score,
    grade: gradeOf(scored.pd, settings),
    challengers: challengers.map((m) => ({
      modelId: m.id,
      modelVersion: m.version,
      pd: scoreModel(m.artifact, row).pd,
    })),
  };
  if (scored.pd > settings.maxPd) {
    return declined(scoredBase, [
      {
        code: 'risk_too_high',
        description: 'The estimated risk of default is above what we can lend against.',
        source: 'model',
      },
      ...modelReasons,
    ]);
  }
  const bounds = limitBoundsIn(settings, currency);
  const limit = limitMinor(forecast.next30Days, room, exponent, settings, bounds);
  const refillLimit =
    refillRoom === null ? null : limitMinor(forecast.next30Days, refillRoom, exponent, settings, bounds);
  if ((refillLimit ?? limit) < bounds.minLimitMinor) {
    return declined({ ...scoredBase, limitMinor: limit, refillLimitMinor: refillLimit }, [
      {
        code: 'limit_below_minimum',
        description: 'Forecast sales support less than the smallest amount we lend.',
        source: 'limit',
      },
      ...modelReasons,
    ]);
  }
  const green =
    features.sustainabilityAttestationsValid > 0 &&
    (inputs.consent?.dataSources.includes('sustainability') ?? false);
  // Approved for a refill alone, it lends nothing beside the advance (not less than the least),
  // and says so first: an approval with a limit of 0 is otherwise a puzzle to the merchant.
  const refillOnly = limit < bounds.minLimitMinor;
  const refillFacility = inputs.refill?.facilityId ?? '';
  return {
    ...scoredBase,
    outcome: 'approved',
    reasons: refillOnly
      ? [
          {
            code: 'refill_only',
            description: `Only a refill of your advance ${refillFacility} fits: what you repay on it leaves no room for other financing beside it.`,
            source: 'limit',
          },
          ...modelReasons,
        ]
      : modelReasons,
    limitMinor: refillOnly ? 0n : limit,
    refillLimitMinor: refillLimit,
    annualRateBps: priceBps(scored.pd, green, settings),
  };
}

/**
 * The daily debt service a facility of `principalMinor` is taken to need under the leverage cap, as
 * limitMinor sizes one (principal × factor ÷ term), rounded up: what a credit line's whole limit
 * takes of the room, drawn or not.
 */
export function assumedDailyDebtService(
  principalMinor: bigint,
  settings: Pick<DecisionSettings, 'assumedFactorBps' | 'assumedTermDays'>,
): bigint {
  return divideRounded(
    principalMinor * BigInt(settings.assumedFactorBps),
    bps * BigInt(settings.assumedTermDays),
    'up',
  );
}

/**
 * The smallest of: a multiple of forecast 30-day sales, what the leverage room repays (principal ×
 * factor / term ≤ room per day), and the product maximum — rounded down to whole units; none
 * without room.
 */
function limitMinor(
  next30Days: number,
  roomDailyMinor: bigint,
  exponent: number,
  settings: DecisionSettings,
  bounds: LimitBounds,
): bigint {
  const salesBased = divideRounded(
    BigInt(Math.floor(next30Days)) * BigInt(settings.salesMultipleBps),
    bps,
    'down',
  );
  const leverageBased = divideRounded(
    roomDailyMinor * BigInt(settings.assumedTermDays) * bps,
    BigInt(settings.assumedFactorBps),
    'down',
  );
  if (roomDailyMinor <= 0n) return 0n;
  let limit = salesBased;
  if (leverageBased < limit) limit = leverageBased;
  if (limit > bounds.maxLimitMinor) limit = bounds.maxLimitMinor;
  const unit = BigInt(settings.limitRoundingMajor) * 10n ** BigInt(exponent);
  return limit - (limit % unit);
}

/** The row the models see for these inputs: features the consent does not cover are missing. */
export function scoringRow(inputs: DecisionInputs): FeatureRow {
  const currency = inputs.features.currency;
  const exponent = currency !== null && isCurrencyCode(currency) ? exponentOf(currency) : 2;
  return modelRow(inputs.features, exponent, inputs.consent?.dataSources ?? []);
}
