/**
 * Settings an operator may change, one named set each (the decision settings, the offer settings):
 * the defaults, overridden field by field by what was stored. Stored as tagged JSON so minor-unit
 * amounts stay exact.
 *
 * Every change is checked here, whatever the transport, field by field (type and range, one rule a
 * field) and then across fields, and refused as a whole naming every bad field. What is read back is
 * checked again before it is used: stored settings that fail the checks are a fault, never used.
 */
import { AssertionError } from '../../domain/assert.ts';
import { isCurrencyCode } from '../../domain/money/currency.ts';
import { type Err, err, type Ok, ok } from '../../domain/result.ts';
import { recordAudit } from '../audit/audit-log.ts';
import type { ReadTransaction, WriteTransaction } from '../ports.ts';
import { fromTaggedJson, toTaggedJson } from '../risk/tagged-json.ts';

/** The largest amount a setting may hold: it must fit a signed 64-bit column wherever it goes. */
export const settingsAmountMinorMax = 2n ** 63n - 1n;
export const gradeBandsMax = 25;
/** Grade F is what `gradeOf` answers above the last band: a band may not take its letter. */
const gradeBeyondBands = 'F';
const nanosecondsPerMillisecond = 1_000_000n;
const amountPattern = /^(0|[1-9][0-9]{0,18})$/;
const gradePattern = /^[A-Z]$/;

export type Rule =
  | { readonly kind: 'integer'; readonly min: number; readonly max: number; readonly orNull?: true }
  | { readonly kind: 'probability' }
  | { readonly kind: 'amount' }
  | { readonly kind: 'choice'; readonly values: readonly string[] }
  /** A list of whole numbers within [min, max], `count` of them at most (one at least), each below the one before. */
  | { readonly kind: 'descending'; readonly min: number; readonly max: number; readonly count: number }
  /** As `descending`, none at least, each above the one before. */
  | { readonly kind: 'ascending'; readonly min: number; readonly max: number; readonly count: number }
  /** Grade letters, each once. */
  | { readonly kind: 'grades' }
  /** Every one of `values`, each once, in the order wanted. */
  | { readonly kind: 'order'; readonly values: readonly string[] }
  | { readonly kind: 'grade_bands' }
  /** null, or `{periodDays, shareBps}`. */
  | { readonly kind: 'period_share'; readonly periodDaysMax: number }
  /** By ISO 4217 currency (`countMax` at most), an object of the named positive amounts, each given. */
  | {
      readonly kind: 'currency_amounts';
      readonly amounts: readonly string[];
      readonly countMax: number;
    };

export const integer = (min: number, max: number): Rule => ({ kind: 'integer', min, max });

export interface Problem {
  readonly field: string;
  readonly message: string;
}

/** One named set of settings: its defaults, a rule for each field, and the checks across fields. */
export interface SettingsKind<T> {
  /** The stored set's name, and the last segment of its endpoint (/v1/settings/{name}). */
  readonly name: string;
  readonly defaults: T;
  readonly rules: { readonly [K in keyof T]: Rule };
  /** Problems across fields; `valid` says whether fields passed their own rules. */
  across(settings: T, valid: (...names: (keyof T)[]) => boolean): Problem[];
  /**
   * Problems with the other sets in force: a setting bounded by one in another set (a holdback by
   * the daily cap on deductions, say). Asked with the rest of a change's checks, so a refusal names
   * every bad field; `valid` says whether fields passed their own rules.
   */
  readonly beside?: (
    tx: ReadTransaction,
    settings: T,
    valid: (...names: (keyof T)[]) => boolean,
  ) => Promise<Problem[]>;
}

/** A refused change: `fields` names each offending input (dotted), `detail` says what is wrong. */
export type SettingsInvalid = Err<'settings_invalid'> & { readonly fields: readonly string[] };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isProbability(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 && value < 1;
}

function isWhole(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** A minor-unit amount: a bigint, or the decimal string of a whole number. */
function amountOf(value: unknown): bigint | null {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' && amountPattern.test(value)) return BigInt(value);
  return null;
}

function gradeBandProblems(field: string, value: unknown): Problem[] {
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

function currencyAmountProblems(field: string, value: unknown, rule: Rule & { kind: 'currency_amounts' }) {
  const shape = `{${rule.amounts.join(', ')}}`;
  if (!isRecord(value) || Object.keys(value).length > rule.countMax)
    return [
      {
        field,
        message: `${field} must be an object of up to ${rule.countMax} currencies, each ${shape} in its minor units`,
      },
    ];
  const problems: Problem[] = [];
  for (const [currency, amounts] of Object.entries(value)) {
    const at = `${field}.${currency}`;
    if (!isCurrencyCode(currency))
      problems.push({
        field: at,
        message: `${at}: ${currency} is not an ISO 4217 currency with a minor unit`,
      });
    else if (
      !isRecord(amounts) ||
      Object.keys(amounts).length !== rule.amounts.length ||
      !rule.amounts.every((name) => {
        const amount = amountOf(amounts[name]);
        return amount !== null && amount > 0n && amount <= settingsAmountMinorMax;
      })
    )
      problems.push({
        field: at,
        message: `${at} must be ${shape}, each a positive whole number of minor units as a decimal string`,
      });
  }
  return problems;
}

/**
 * A currency_amounts value that passed its rule, in one form whatever the input's: currencies in
 * code order, each one's amounts as bigints in the rule's order — so the same table sent in
 * another order is the same setting, not an override of the defaults.
 */
function currencyAmountsOf(
  value: Record<string, Record<string, unknown>>,
  rule: Rule & { kind: 'currency_amounts' },
) {
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((currency) => [
        currency,
        Object.fromEntries(rule.amounts.map((name) => [name, amountOf(value[currency]?.[name])])),
      ]),
  );
}

function orderedProblems(field: string, value: unknown, rule: Rule & { kind: 'descending' | 'ascending' }) {
  const least = rule.kind === 'descending' ? 1 : 0;
  const order = rule.kind === 'descending' ? 'each below the one before' : 'each above the one before';
  const fine =
    Array.isArray(value) &&
    value.length >= least &&
    value.length <= rule.count &&
    value.every((v) => isWhole(v, rule.min, rule.max)) &&
    value.every((v: number, i) => {
      const before = value[i - 1] as number | undefined;
      return before === undefined || (rule.kind === 'descending' ? v < before : v > before);
    });
  return fine
    ? []
    : [
        {
          field,
          message: `${field} must be a list of ${least} to ${rule.count} whole numbers within ${rule.min}..${rule.max}, ${order}`,
        },
      ];
}

function fieldProblems(field: string, rule: Rule, value: unknown): Problem[] {
  const problem = (message: string) => [{ field, message: `${field} must be ${message}` }];
  switch (rule.kind) {
    case 'integer':
      return (rule.orNull === true && value === null) || isWhole(value, rule.min, rule.max)
        ? []
        : problem(`a whole number within ${rule.min}..${rule.max}${rule.orNull === true ? ', or null' : ''}`);
    case 'probability':
      return isProbability(value) ? [] : problem('between 0 and 1');
    case 'amount': {
      const amount = amountOf(value);
      return amount !== null && amount > 0n && amount <= settingsAmountMinorMax
        ? []
        : problem('a positive whole number of minor units as a decimal string, e.g. "50000"');
    }
    case 'choice':
      return typeof value === 'string' && rule.values.includes(value)
        ? []
        : problem(`one of ${rule.values.join(', ')}`);
    case 'descending':
    case 'ascending':
      return orderedProblems(field, value, rule);
    case 'grades':
      return Array.isArray(value) &&
        value.every((g) => typeof g === 'string' && gradePattern.test(g)) &&
        new Set(value).size === value.length
        ? []
        : problem('a list of grades, each one capital letter, each once');
    case 'order':
      return Array.isArray(value) &&
        value.length === rule.values.length &&
        rule.values.every((v) => value.includes(v))
        ? []
        : problem(`${rule.values.join(', ')}, each once, in the order wanted`);
    case 'grade_bands':
      return gradeBandProblems(field, value);
    case 'period_share':
      return value === null ||
        (isRecord(value) &&
          Object.keys(value).length === 2 &&
          isWhole(value['periodDays'], 1, rule.periodDaysMax) &&
          isWhole(value['shareBps'], 1, 10_000))
        ? []
        : problem(`null, or {periodDays: 1..${rule.periodDaysMax}, shareBps: 1..10000}`);
    case 'currency_amounts':
      return currencyAmountProblems(field, value, rule);
  }
}

/** Each field's type and range, then the rules across fields; amounts come out as bigints. */
function problemsOf<T>(
  kind: SettingsKind<T>,
  candidate: Readonly<Record<string, unknown>>,
): {
  readonly problems: Problem[];
  readonly settings: T;
  readonly valid: (...names: (keyof T)[]) => boolean;
} {
  const problems: Problem[] = [];
  const normalised: Record<string, unknown> = {};
  for (const name of Object.keys(kind.rules) as (keyof T & string)[]) {
    const rule = kind.rules[name];
    const value = candidate[name];
    const found = fieldProblems(name, rule, value);
    problems.push(...found);
    normalised[name] =
      found.length > 0
        ? value
        : rule.kind === 'amount'
          ? amountOf(value)
          : rule.kind === 'currency_amounts'
            ? currencyAmountsOf(value as Record<string, Record<string, unknown>>, rule)
            : value;
  }
  const bad = new Set(problems.map((p) => p.field.replace(/[[.].*$/, '')));
  const settings = normalised as T;
  const valid = (...names: (keyof T)[]) => names.every((name) => !bad.has(name as string));
  problems.push(...kind.across(settings, valid));
  return { problems, settings, valid };
}

function invalid(problems: readonly Problem[]): SettingsInvalid {
  return {
    ...err('settings_invalid', [...new Set(problems.map((p) => p.message))].join('; ')),
    fields: [...new Set(problems.map((p) => p.field))],
  };
}

/** Checks a complete set of settings; answers them with amounts as bigints, or every problem found. */
export function checkSettings<T>(
  kind: SettingsKind<T>,
  candidate: Readonly<Record<string, unknown>>,
): Ok<T> | SettingsInvalid {
  const { problems, settings } = problemsOf(kind, candidate);
  return problems.length > 0 ? invalid(problems) : ok(settings);
}

/** The defaults with the stored overrides (`stored`, as read) applied, not yet checked. */
function withDefaults<T>(kind: SettingsKind<T>, stored: string | undefined): Record<string, unknown> {
  return {
    ...kind.defaults,
    ...(stored === undefined ? {} : fromTaggedJson<Record<string, unknown>>(stored)),
  };
}

async function storedSettings<T>(
  tx: ReadTransaction,
  kind: SettingsKind<T>,
): Promise<Record<string, unknown>> {
  return withDefaults(kind, await tx.risk.setting(kind.name));
}

/**
 * Each set's settings as last read: checked once per stored text, not once per use (the sweep loads
 * its settings for every payout it is called with). Settings are never changed in place.
 */
const lastRead = new Map<string, { readonly stored: string | undefined; readonly settings: unknown }>();

/** The settings in force. */
export async function loadSettings<T>(tx: ReadTransaction, kind: SettingsKind<T>): Promise<T> {
  const stored = await tx.risk.setting(kind.name);
  const last = lastRead.get(kind.name);
  if (last !== undefined && last.stored === stored) return last.settings as T;
  const checked = checkSettings(kind, withDefaults(kind, stored));
  if (!checked.ok)
    throw new AssertionError(
      `the stored ${kind.name} settings are invalid (${checked.detail}): correct them with PUT /v1/settings/${kind.name}`,
    );
  lastRead.set(kind.name, { stored, settings: checked.value });
  return checked.value;
}

/**
 * Applies the changes given (any of the settings; amounts as bigints or decimal strings) over the
 * stored ones and stores them if the result passes every check; refused as a whole otherwise. A
 * change of any value goes in the audit log: when, by whom (`changedBy`), each field from what to what.
 */
export async function updateSettings<T>(
  tx: WriteTransaction,
  kind: SettingsKind<T>,
  nowNs: bigint,
  changes: unknown,
  changedBy: string,
): Promise<Ok<T> | SettingsInvalid> {
  if (!isRecord(changes))
    return invalid([{ field: '', message: 'the settings must be an object of the fields to change' }]);
  const unknown = Object.keys(changes).filter((key) => !Object.hasOwn(kind.rules, key));
  const unknownMessage = `unknown settings: ${unknown.join(', ')}`;
  // Two changes at once must not each apply theirs over the same stored set: the later would drop
  // the earlier's fields (on PostgreSQL, read committed), though both were answered as in force.
  await tx.risk.lockSettings();
  // Checked over the stored settings, not the loaded ones: a stored value that went bad can be corrected.
  const stored = await storedSettings(tx, kind);
  const { problems, settings, valid } = problemsOf(kind, { ...stored, ...changes });
  const beside = (await kind.beside?.(tx, settings, valid)) ?? [];
  const all = [...unknown.map((field) => ({ field, message: unknownMessage })), ...problems, ...beside];
  if (all.length > 0) return invalid(all);
  const overrides: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings as Record<string, unknown>)) {
    if (toTaggedJson(value) !== toTaggedJson((kind.defaults as Record<string, unknown>)[key]))
      overrides[key] = value;
  }
  const before = problemsOf(kind, stored).settings as Record<string, unknown>;
  const changed: Record<string, { from: unknown; to: unknown }> = {};
  for (const [key, value] of Object.entries(settings as Record<string, unknown>))
    if (toTaggedJson(value) !== toTaggedJson(before[key])) changed[key] = { from: before[key], to: value };
  // A change that changes nothing (the values in force sent again) leaves nothing to record.
  if (Object.keys(changed).length === 0) return ok(settings);
  const atMs = nowNs / nanosecondsPerMillisecond;
  await tx.risk.putSetting(kind.name, toTaggedJson(overrides), atMs);
  await recordAudit(tx, { actor: changedBy, atMs }, 'settings.changed', kind.name, { changes: changed });
  return ok(settings);
}
