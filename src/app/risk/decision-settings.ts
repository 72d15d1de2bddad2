/**
 * The decision settings in force: the defaults, overridden field by field by what an operator
 * stored (PUT /v1/settings/decisioning). Stored as tagged JSON so minor-unit amounts stay exact.
 *
 * Every change is checked here, whatever the transport, field by field (type and range) and then
 * across fields. Without it a JSON number sent for a minor-unit amount was stored as a number, and
 * every later decision whose limit reached it failed mixing BigInt and number. What is read back is
 * checked again before a decision uses it.
 */
import { AssertionError } from '../../domain/assert.ts';
import { type DecisionSettings, defaultDecisionSettings } from '../../domain/decisions/settings.ts';
import { type Err, err, type Ok, ok } from '../../domain/result.ts';
import type { ReadTransaction, WriteTransaction } from '../ports.ts';
import { fromTaggedJson, toTaggedJson } from './tagged-json.ts';

export const decisionSettingsName = 'decisioning';
export const gradeBandsMax = 25;
/** The largest amount a setting may hold: it must fit a signed 64-bit column wherever it goes. */
export const settingsAmountMinorMax = 2n ** 63n - 1n;
const nanosecondsPerMillisecond = 1_000_000n;
const daysMax = 3_650;
const bpsWhole = 10_000;
/** Grade F is what `gradeOf` answers above the last band: a band may not take its letter. */
const gradeBeyondBands = 'F';
const amountPattern = /^(0|[1-9][0-9]{0,18})$/;
const gradePattern = /^[A-Z]$/;

type Rule =
  | { readonly kind: 'integer'; readonly min: number; readonly max: number }
  | { readonly kind: 'probability' }
  | { readonly kind: 'amount' }
  | { readonly kind: 'grade_bands' };

const integer = (min: number, max: number): Rule => ({ kind: 'integer', min, max });

/** One rule per setting: adding a setting to DecisionSettings does not compile until it has one. */
const rules: { readonly [K in keyof DecisionSettings]: Rule } = {
  minTenureDays: integer(1, daysMax),
  minOrders90d: integer(0, 1_000_000),
  maxPd: { kind: 'probability' },
  gradeBands: { kind: 'grade_bands' },
  // Up to a year of sales (12 × the 30-day forecast).
  salesMultipleBps: integer(1, 12 * bpsWhole),
  minLimitMinor: { kind: 'amount' },
  maxLimitMinor: { kind: 'amount' },
  // Zero would divide by zero when the limit is rounded.
  limitRoundingMajor: integer(1, 1_000_000),
  debtServiceShareBps: integer(1, bpsWhole),
  assumedTermDays: integer(1, daysMax),
  // A factor below 1 would repay less than the principal.
  assumedFactorBps: integer(bpsWhole, 2 * bpsWhole),
  costOfFundsBps: integer(0, bpsWhole),
  lossGivenDefaultBps: integer(0, bpsWhole),
  operatingCostBps: integer(0, bpsWhole),
  marginBps: integer(0, bpsWhole),
  greenDiscountBps: integer(0, bpsWhole),
  minRateBps: integer(0, bpsWhole),
  maxRateBps: integer(0, bpsWhole),
  forecastHorizonDays: integer(1, daysMax),
};

/** A refused change: `fields` names each offending input (dotted), `detail` says what is wrong. */
export type SettingsInvalid = Err<'settings_invalid'> & { readonly fields: readonly string[] };

interface Problem {
  readonly field: string;
  readonly message: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isProbability(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value < 1;
}

/** A minor-unit amount: a bigint, or the decimal string of a whole number. */
function amountOf(value: unknown): bigint | null {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' && amountPattern.test(value)) return BigInt(value);
  return null;
}

function gradeBandProblems(value: unknown): Problem[] {
  const field = 'gradeBands';
  if (!Array.isArray(value) || value.length === 0 || value.length > gradeBandsMax)
    return [
      { field, message: `${field} must be a list of 1 to ${gradeBandsMax} {grade, maxPd}, best first` },
    ];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  let previousPd: number | null = null;
  for (const [index, band] of value.entries()) {
    const at = `${field}[${index}]`;
    if (!isRecord(band)) {
      problems.push({ field: at, message: `${at} must be an object {grade, maxPd}` });
      previousPd = null;
      continue;
    }
    for (const key of Object.keys(band).filter((k) => k !== 'grade' && k !== 'maxPd'))
      problems.push({ field: `${at}.${key}`, message: `${at} has an unknown field ${key}` });
    const grade = band['grade'];
    if (typeof grade !== 'string' || !gradePattern.test(grade) || grade === gradeBeyondBands)
      problems.push({
        field: `${at}.grade`,
        message: `${at}.grade must be one capital letter other than ${gradeBeyondBands} (the grade beyond the last band)`,
      });
    else if (seen.has(grade))
      problems.push({ field: `${at}.grade`, message: `${at}.grade repeats grade ${grade}` });
    else seen.add(grade);
    const pd = band['maxPd'];
    if (!isProbability(pd)) {
      problems.push({ field: `${at}.maxPd`, message: `${at}.maxPd must be between 0 and 1` });
      previousPd = null;
      continue;
    }
    if (previousPd !== null && pd <= previousPd)
      problems.push({
        field: `${at}.maxPd`,
        message: `${at}.maxPd must be greater than the band before it (${previousPd})`,
      });
    previousPd = pd;
  }
  return problems;
}

function fieldProblems(name: keyof DecisionSettings, value: unknown): Problem[] {
  const rule = rules[name];
  switch (rule.kind) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) && value >= rule.min && value <= rule.max
        ? []
        : [{ field: name, message: `${name} must be a whole number within ${rule.min}..${rule.max}` }];
    case 'probability':
      return isProbability(value) ? [] : [{ field: name, message: `${name} must be between 0 and 1` }];
    case 'amount': {
      const amount = amountOf(value);
      return amount !== null && amount > 0n && amount <= settingsAmountMinorMax
        ? []
        : [
            {
              field: name,
              message: `${name} must be a positive whole number of minor units as a decimal string, e.g. "50000"`,
            },
          ];
    }
    case 'grade_bands':
      return gradeBandProblems(value);
  }
}

/** Each field's type and range, then the rules across fields; amounts come out as bigints. */
function problemsOf(candidate: Readonly<Record<string, unknown>>): {
  readonly problems: Problem[];
  readonly settings: DecisionSettings;
} {
  const problems: Problem[] = [];
  const normalised: Record<string, unknown> = {};
  for (const name of Object.keys(rules) as (keyof DecisionSettings)[]) {
    const value = candidate[name];
    const found = fieldProblems(name, value);
    problems.push(...found);
    normalised[name] = found.length === 0 && rules[name].kind === 'amount' ? amountOf(value) : value;
  }
  const bad = new Set(problems.map((p) => p.field.replace(/[[.].*$/, '')));
  const settings = normalised as unknown as DecisionSettings;
  const valid = (...names: (keyof DecisionSettings)[]) => names.every((name) => !bad.has(name));
  if (valid('minLimitMinor', 'maxLimitMinor') && settings.minLimitMinor > settings.maxLimitMinor)
    problems.push({ field: 'minLimitMinor', message: 'minLimitMinor ≤ maxLimitMinor' });
  if (valid('minRateBps', 'maxRateBps') && settings.minRateBps > settings.maxRateBps)
    problems.push({ field: 'minRateBps', message: 'minRateBps ≤ maxRateBps' });
  const last = valid('maxPd', 'gradeBands') ? settings.gradeBands[settings.gradeBands.length - 1] : undefined;
  // Above the last band a merchant would be approved with no grade of its own (grade F).
  if (last !== undefined && settings.maxPd > last.maxPd)
    problems.push({
      field: 'maxPd',
      message: `maxPd must not exceed the last grade band's maxPd (${last.maxPd}), or merchants beyond every band would be approved`,
    });
  return { problems, settings };
}

/** Checks a complete set of settings; answers them with amounts as bigints, or every problem found. */
export function checkDecisionSettings(
  candidate: Readonly<Record<string, unknown>>,
): Ok<DecisionSettings> | SettingsInvalid {
  const { problems, settings } = problemsOf(candidate);
  return problems.length > 0 ? invalid(problems) : ok(settings);
}

function invalid(problems: readonly Problem[]): SettingsInvalid {
  return {
    ...err('settings_invalid', [...new Set(problems.map((p) => p.message))].join('; ')),
    fields: [...new Set(problems.map((p) => p.field))],
  };
}

/** The defaults with the stored overrides applied, not yet checked. */
async function storedSettings(tx: ReadTransaction): Promise<Record<string, unknown>> {
  const stored = await tx.risk.setting(decisionSettingsName);
  return {
    ...defaultDecisionSettings,
    ...(stored === undefined ? {} : fromTaggedJson<Record<string, unknown>>(stored)),
  };
}

/** The settings in force. Stored settings that fail the checks are a fault: they are never used. */
export async function loadDecisionSettings(tx: ReadTransaction): Promise<DecisionSettings> {
  const checked = checkDecisionSettings(await storedSettings(tx));
  if (!checked.ok)
    throw new AssertionError(
      `the stored decision settings are invalid (${checked.detail}): correct them with PUT /v1/settings/decisioning`,
    );
  return checked.value;
}

/**
 * Applies the changes given (any of the settings; amounts as bigints or decimal strings) over the
 * stored ones and stores them if the result passes every check; refused as a whole otherwise.
 */
export async function updateDecisionSettings(
  tx: WriteTransaction,
  nowNs: bigint,
  changes: unknown,
): Promise<Ok<DecisionSettings> | SettingsInvalid> {
  if (!isRecord(changes))
    return invalid([{ field: '', message: 'the settings must be an object of the fields to change' }]);
  const unknown = Object.keys(changes).filter((key) => !Object.hasOwn(rules, key));
  const unknownMessage = `unknown settings: ${unknown.join(', ')}`;
  // Checked over the stored settings, not the loaded ones: a stored value that went bad can be corrected.
  const { problems, settings } = problemsOf({ ...(await storedSettings(tx)), ...changes });
  const all = [...unknown.map((field) => ({ field, message: unknownMessage })), ...problems];
  if (all.length > 0) return invalid(all);
  const overrides: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (
      toTaggedJson(value) !==
      toTaggedJson((defaultDecisionSettings as unknown as Record<string, unknown>)[key])
    )
      overrides[key] = value;
  }
  await tx.risk.putSetting(decisionSettingsName, toTaggedJson(overrides), nowNs / nanosecondsPerMillisecond);
  return ok(settings);
}
