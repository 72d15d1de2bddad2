/**
 * The shapes the risk routes answer in (consents, decisions, flags, the model registry and its
 * stability, merchant features, the settings sets), as JSON Schema for the OpenAPI document. Like
 * schemas-financing.ts they describe the answers, written as JSON text by the views, and do not
 * shape them; the HTTP tests check every answer against the document (test/support/http.ts).
 */
import { type TSchema, Type } from 'typebox';
import { decisionSettings } from '../app/risk/decision-settings.ts';
import { gradeBandsMax, type Rule, type SettingsKind } from '../app/settings/stored-settings.ts';
import { consentPurposes, dataSources } from '../domain/consent/consent.ts';
import { featureHistoryDays, type MerchantFeatures } from '../domain/features/features.ts';
import { listSchema } from './plumbing.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const literals = (values: readonly string[]) => Type.Union(values.map((value) => Type.Literal(value)));

const integerText = '^-?(0|[1-9][0-9]*)$';
/** Integer minor units as a string (`"-1250"`); negative only where a field says so. */
const Amount = (description?: string) =>
  Type.String({ pattern: integerText, ...(description === undefined ? {} : { description }) });
/** A bigint in the engine's tagged JSON (src/app/risk/tagged-json.ts): `{"$bigint":"1250"}`. */
const Tagged = (description: string, pattern = integerText) =>
  Type.Object({ $bigint: Type.String({ pattern }) }, { description });
const DateText = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' });
const Timestamp = Type.String({ description: 'RFC 3339 date-time, UTC' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' });
const Probability = (description?: string) =>
  Type.Number({ minimum: 0, maximum: 1, ...(description === undefined ? {} : { description }) });
const Grade = (description?: string) =>
  Type.String({ pattern: '^[A-Z]$', ...(description === undefined ? {} : { description }) });
const KybStatus = literals(['verified', 'pending', 'rejected']);
const ModelStatus = literals(['champion', 'challenger', 'retired']);
const DataSources = Type.Array(literals(dataSources), {
  minItems: 1,
  uniqueItems: true,
  description: 'sorted',
});

export const ConsentSchema = Type.Object({
  object: Type.Literal('consent'),
  id: Type.String(),
  merchant_id: Type.String(),
  purpose: literals(consentPurposes),
  data_sources: DataSources,
  granted_at: Timestamp,
  expires_at: Timestamp,
  revoked_at: Nullable(Timestamp),
});

export const ConsentListSchema = listSchema(ConsentSchema);

// Merchant features: the API's view (snake_case) and a decision's stored inputs (camelCase).

type FeatureName = Exclude<keyof MerchantFeatures, 'merchantId' | 'asOfDay' | 'currency' | 'profile'>;
/** How a feature's type may be written: a bigint as an amount; a number (its type cannot say which) as a whole count or any number. */
type FeatureKindOf<V> = [V] extends [bigint]
  ? 'amount'
  : [V] extends [bigint | null]
    ? 'amount or null'
    : [V] extends [number]
      ? 'count'
      : 'count or null' | 'number or null';

/**
 * How each feature is written (docs/features.md defines them): amounts in minor units, whole
 * counts, and numbers (rates, averages, days); keyed by the engine's name, so a feature added to
 * MerchantFeatures does not compile until it is described here.
 */
const featureKinds: { readonly [K in FeatureName]: FeatureKindOf<MerchantFeatures[K]> } = {
  tenureDays: 'count or null',
  daysSinceLastSale: 'count or null',
  gmv30d: 'amount',
  gmv90d: 'amount',
  gmv365d: 'amount',
  orders30d: 'count',
  orders90d: 'count',
  orders365d: 'count',
  averageOrderValue90d: 'amount or null',
  growth90d: 'number or null',
  salesTrend30d: 'number or null',
  salesVolatility90d: 'number or null',
  refundRate30d: 'number or null',
  refundRate90d: 'number or null',
  returnRate90d: 'number or null',
  cancellationRate90d: 'number or null',
  onTimeDeliveryRate30d: 'number or null',
  onTimeDeliveryRate90d: 'number or null',
  averageDeliveryDelayDays90d: 'number or null',
  ratingAverage90d: 'number or null',
  ratingAverage365d: 'number or null',
  ratingCount365d: 'count',
  buyerConcentrationHhi365d: 'number or null',
  topBuyerShare365d: 'number or null',
  settlements90d: 'count',
  settlementCadenceDays90d: 'number or null',
  settlementNet90d: 'amount',
  inventoryValue: 'amount',
  inventoryDaysOfSales: 'number or null',
  warehouseReceiptsValue: 'amount',
  invoicesApprovedUnpaidAmount: 'amount',
  invoicesApprovedUnpaidCount: 'count',
  invoicesOverdueAmount: 'amount',
  purchaseOrdersOpenAmount: 'amount',
  sustainabilityAttestationsValid: 'count',
};

type FeatureKind = (typeof featureKinds)[FeatureName];

/** The API's name of a feature (features-json.ts): `averageOrderValue90d` is `average_order_value_90d`. */
const snakeCase = (name: string) => name.replace(/([a-z])([A-Z0-9])/g, '$1_$2').toLowerCase();

function featureSchemas(name: (feature: string) => string, amount: () => TSchema) {
  const written: Record<FeatureKind, () => TSchema> = {
    amount,
    'amount or null': () => Nullable(amount()),
    count: () => Type.Integer(),
    'count or null': () => Nullable(Type.Integer()),
    'number or null': () => Nullable(Type.Number()),
  };
  return Object.fromEntries(
    Object.entries(featureKinds).map(([feature, kind]) => [name(feature), written[kind]()]),
  );
}

export const MerchantFeaturesSchema = Type.Object(
  {
    object: Type.Literal('merchant_features'),
    merchant_id: Type.String(),
    as_of: DateText,
    currency: Nullable(Currency),
    profile: Nullable(
      Type.Object({
        legal_name: Type.String(),
        country: Type.String({ description: 'ISO 3166-1 alpha-2' }),
        category: Type.String(),
        kyb_status: KybStatus,
        onboarded_on: DateText,
      }),
    ),
    ...featureSchemas(snakeCase, () => Amount()),
  },
  {
    description:
      'The features (docs/features.md): amounts as integer strings of minor units, rates as fractions, null where there is nothing to compute from',
  },
);

const minorTagged = () => Tagged('minor units');
const msTagged = (what: string) => Tagged(`${what}, milliseconds since the Unix epoch`);

/** MerchantFeatures as the engine holds them: camelCase, days as day numbers, amounts tagged. */
const StoredFeatures = Type.Object({
  merchantId: Type.String(),
  asOfDay: Type.Integer({ description: 'days since 1970-01-01' }),
  currency: Nullable(Currency),
  profile: Nullable(
    Type.Object({
      legalName: Type.String(),
      country: Type.String(),
      category: Type.String(),
      kybStatus: KybStatus,
      onboardedDay: Type.Integer({ description: 'days since 1970-01-01' }),
    }),
  ),
  ...featureSchemas((feature) => feature, minorTagged),
});

// The settings sets (GET and PUT /v1/settings/{name}), from each set's own rules.

const positiveTaggedAmount = '^[1-9][0-9]{0,18}$';

/** A setting as the settings answer it (tagged JSON), from the rule every stored value passes. */
function settingSchema(rule: Rule): TSchema {
  switch (rule.kind) {
    case 'integer': {
      const whole = Type.Integer({ minimum: rule.min, maximum: rule.max });
      return rule.orNull === true ? Nullable(whole) : whole;
    }
    case 'probability':
      return Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 });
    case 'amount':
      return Tagged('minor units, positive', positiveTaggedAmount);
    case 'choice':
      return literals(rule.values);
    case 'descending':
    case 'ascending':
      return Type.Array(Type.Integer({ minimum: rule.min, maximum: rule.max }), {
        minItems: rule.kind === 'descending' ? 1 : 0,
        maxItems: rule.count,
        description: rule.kind === 'descending' ? 'each below the one before' : 'each above the one before',
      });
    case 'grades':
      return Type.Array(Grade(), { uniqueItems: true });
    case 'order':
      return Type.Array(literals(rule.values), {
        minItems: rule.values.length,
        maxItems: rule.values.length,
        uniqueItems: true,
        description: 'each once, in the order wanted',
      });
    case 'grade_bands':
      return Type.Array(
        Type.Object({
          // F is the grade beyond the last band (stored-settings.ts): never a band's.
          grade: Type.String({ pattern: '^[A-EG-Z]$' }),
          maxPd: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
        }),
        { minItems: 1, maxItems: gradeBandsMax, description: 'best first, `maxPd` increasing' },
      );
    case 'period_share':
      return Nullable(
        Type.Object({
          periodDays: Type.Integer({ minimum: 1, maximum: rule.periodDaysMax }),
          shareBps: Type.Integer({ minimum: 1, maximum: 10_000 }),
        }),
      );
    case 'currency_amounts':
      return Type.Record(
        Type.String({ pattern: '^[A-Z]{3}$' }),
        Type.Object(
          Object.fromEntries(
            rule.amounts.map((name) => [name, Tagged('minor units, positive', positiveTaggedAmount)]),
          ),
        ),
        { description: `by ISO 4217 currency, up to ${rule.countMax}` },
      );
  }
}

/** Every setting of a set, as GET and PUT answer them: the engine's names, amounts tagged. */
export function settingsSchema<T>(kind: SettingsKind<T>) {
  return Type.Object(
    Object.fromEntries(
      Object.entries<Rule>(kind.rules as Record<string, Rule>).map(([name, rule]) => [
        name,
        settingSchema(rule),
      ]),
    ),
    { description: 'every setting of the set in force, amounts as `{"$bigint":"…"}`' },
  );
}

const decisionProperties = {
  object: Type.Literal('decision'),
  id: Type.String(),
  merchant_id: Type.String(),
  decided_at: Timestamp,
  as_of: DateText,
  outcome: literals(['approved', 'declined']),
  pd: Nullable(
    Probability(
      "the champion's calibrated probability of default, six decimals; null when a knock-out declined or no champion is registered",
    ),
  ),
  score: Nullable(Type.Integer({ description: 'scorecard points; null for boosted trees' })),
  grade: Nullable(Grade("the PD's grade band (A to E by default), F beyond the last band")),
  currency: Nullable(Currency),
  limit: Nullable(
    Amount(
      'approved, or the computed limit when it is below the minimum; with `refill`, what is lent beside the advance it names, 0 on an approval for the refill alone',
    ),
  ),
  refill: Type.Optional(
    Type.Object(
      {
        facility_id: Type.String({ description: 'the advance a new advance would refill (pay off)' }),
        debt_service_daily: Amount('its daily debt service, part of `existing_debt_service_daily`'),
        limit: Nullable(
          Amount(
            "a refill's limit: room under the leverage cap with that debt service freed; null when no limit was computed (a knock-out, risk_too_high, model_missing)",
          ),
        ),
      },
      {
        description:
          'present when the merchant has an advance open to a refill (75% repaid, active, not paused) in the decision currency',
      },
    ),
  ),
  annual_rate_bps: Nullable(Type.Integer({ description: 'the price, when approved' })),
  reasons: Type.Array(
    Type.Object({
      code: Type.String({
        description:
          'a knock-out, decline or model reason code, or refill_only first on an approval for a refill alone',
      }),
      description: Type.String({ description: 'for the merchant, in plain words' }),
      source: literals(['policy', 'model', 'limit']),
      detail: Type.Optional(
        Type.String({
          description: "on a model's reason, for analysts: the feature's value and what it cost",
        }),
      ),
    }),
  ),
  model: Nullable(
    Type.Object(
      { id: Type.String(), version: Type.Integer() },
      { description: 'the champion that scored it; null when no model ran' },
    ),
  ),
  consent_id: Nullable(Type.String({ description: 'the consent the decision relied on' })),
  challengers: Type.Array(
    Type.Object({ model_id: Type.String(), model_version: Type.Integer(), pd: Probability() }),
    { description: "each challenger's PD on the same inputs" },
  ),
  forecast_daily_sales: Amount(),
  debt_service_cap_daily: Amount(),
  existing_debt_service_daily: Amount(),
};

export const DecisionSchema = Type.Object(decisionProperties);

/** DecisionInputs (src/domain/decisions/decide.ts) as stored with the decision, in tagged JSON. */
const DecisionInputsSchema = Type.Object(
  {
    merchantId: Type.String(),
    asOfDay: Type.Integer({ description: 'days since 1970-01-01' }),
    features: StoredFeatures,
    salesHistory: Type.Array(Type.Integer(), {
      maxItems: featureHistoryDays,
      description: 'daily sales in minor units of the home currency, index 0 the as-of day',
    }),
    consent: Nullable(
      Type.Object({
        id: Type.String(),
        merchantId: Type.String(),
        purpose: literals(consentPurposes),
        dataSources: DataSources,
        grantedAtMs: msTagged('granted'),
        expiresAtMs: msTagged('expires'),
        revokedAtMs: Nullable(msTagged('revoked')),
      }),
    ),
    fraudFlagged: Type.Boolean(),
    existingDebtServiceDailyMinor: minorTagged(),
    debtServiceFacilityIds: Type.Optional(
      Type.Array(Type.String(), { description: 'absent from decisions made before it was recorded' }),
    ),
    arrears: Type.Optional(
      Type.Array(
        Type.Object({
          facilityId: Type.String(),
          status: literals(['delinquent', 'defaulted', 'written_off']),
        }),
        {
          description:
            'the facilities of the merchant’s it was behind on when decided (the knock-out facility_in_arrears); absent when none',
        },
      ),
    ),
    refill: Type.Optional(
      Type.Object(
        { facilityId: Type.String(), debtServiceDailyMinor: minorTagged() },
        { description: 'the advance open to a refill and its daily debt service; absent when none' },
      ),
    ),
    settings: settingsSchema(decisionSettings),
  },
  { description: 'everything the decision was made from, in the engine’s own names (camelCase)' },
);

export const DecisionWithInputsSchema = Type.Object({
  ...decisionProperties,
  inputs: DecisionInputsSchema,
  hash: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'its SHA-256 in the decision log' }),
  sequence: Type.String({ pattern: '^[1-9][0-9]*$', description: 'its place in the decision log' }),
});

export const DecisionReadSchema = Type.Union([DecisionSchema, DecisionWithInputsSchema], {
  description: 'the decision as it was answered; with `include=inputs`, also `inputs`, `hash` and `sequence`',
});

const flagsProperties = {
  object: Type.Literal('merchant_flags'),
  merchant_id: Type.String(),
  flags: Type.Array(Type.Literal('fraud'), { description: 'the flags set (`fraud` is the only flag)' }),
};

export const MerchantFlagsSchema = Type.Object(flagsProperties);

export const MerchantFlaggedSchema = Type.Object({
  ...flagsProperties,
  offers_withdrawn: Type.Integer({ minimum: 0, description: 'open offers withdrawn with the flag' }),
});

const modelProperties = {
  id: Type.String(),
  version: Type.Integer({ minimum: 1 }),
  status: ModelStatus,
};

/** A model after its status changed (promote, retire). */
export const ModelChangedSchema = Type.Object({ object: Type.Literal('model'), ...modelProperties });

export const ModelSchema = Type.Object({
  object: Type.Literal('model'),
  ...modelProperties,
  algorithm: Type.String({ description: '`scorecard` or `gbt`' }),
  created_at: Timestamp,
  metrics: Type.Record(Type.String(), Type.Unknown(), {
    description: 'hold-out metrics as recorded at training (`auc`, `gini`, `ks`, `trainRows`, …)',
  }),
  training: Type.Record(Type.String(), Type.Unknown(), {
    description:
      'the training record (`source`, `asOf`, `horizonDays`, `observations`, …), without its stability bands',
  }),
});

export const ModelListSchema = listSchema(ModelSchema);

const StabilityLine = Type.Object({
  name: Type.String({ description: '`pd` for the score, else the input' }),
  psi: Type.Number({ minimum: 0, description: 'population stability index, six decimals' }),
  status: literals(['stable', 'watch', 'shifted']),
  bands: Type.Array(
    Type.Object({
      label: Type.String(),
      expected_share: Type.Number({ minimum: 0, maximum: 1, description: 'in the training population' }),
      actual_share: Type.Number({ minimum: 0, maximum: 1, description: 'in the recent decisions' }),
    }),
  ),
});

export const ModelStabilitySchema = Type.Object({
  object: Type.Literal('model_stability'),
  model: Type.Object(modelProperties),
  since: Timestamp,
  days: Type.Integer({ minimum: 1 }),
  merchants: Type.Integer({ minimum: 0, description: 'merchants counted by their latest scored decision' }),
  reference_rows: Type.Integer({ minimum: 0, description: 'rows of the training population' }),
  score: StabilityLine,
  inputs: Type.Array(StabilityLine, { description: 'most drifted first' }),
});
