/**
 * The decision settings in force: the defaults, overridden field by field by what an operator
 * stored (PUT /v1/settings/decisioning), checked as ../settings/stored-settings.ts checks every set.
 * Without the checks a JSON number sent for a minor-unit amount was stored as a number, and every
 * later decision whose limit reached it failed mixing BigInt and number.
 */
import { type DecisionSettings, defaultDecisionSettings } from '../../domain/decisions/settings.ts';
import type { Ok } from '../../domain/result.ts';
import type { ReadTransaction, WriteTransaction } from '../ports.ts';
import {
  integer,
  loadSettings,
  type SettingsInvalid,
  type SettingsKind,
  updateSettings,
} from '../settings/stored-settings.ts';

const daysMax = 3_650;
const bpsWhole = 10_000;

export const decisionSettings: SettingsKind<DecisionSettings> = {
  name: 'decisioning',
  defaults: defaultDecisionSettings,
  // One rule per setting: adding a setting to DecisionSettings does not compile until it has one.
  rules: {
    minTenureDays: integer(1, daysMax),
    minOrders90d: integer(0, 1_000_000),
    maxPd: { kind: 'probability' },
    gradeBands: { kind: 'grade_bands' },
    // Up to a year of sales (12 × the 30-day forecast).
    salesMultipleBps: integer(1, 12 * bpsWhole),
    minLimitMinor: { kind: 'amount' },
    maxLimitMinor: { kind: 'amount' },
    currencyLimits: { kind: 'currency_amounts', amounts: ['minLimitMinor', 'maxLimitMinor'], countMax: 200 },
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
  },
  across(settings, valid) {
    const problems = [];
    if (valid('minLimitMinor', 'maxLimitMinor') && settings.minLimitMinor > settings.maxLimitMinor)
      problems.push({ field: 'minLimitMinor', message: 'minLimitMinor ≤ maxLimitMinor' });
    if (valid('currencyLimits'))
      for (const [currency, bounds] of Object.entries(settings.currencyLimits))
        if (bounds.minLimitMinor > bounds.maxLimitMinor)
          problems.push({
            field: `currencyLimits.${currency}`,
            message: `currencyLimits.${currency}: minLimitMinor ≤ maxLimitMinor`,
          });
    if (valid('minRateBps', 'maxRateBps') && settings.minRateBps > settings.maxRateBps)
      problems.push({ field: 'minRateBps', message: 'minRateBps ≤ maxRateBps' });
    const last = valid('maxPd', 'gradeBands')
      ? settings.gradeBands[settings.gradeBands.length - 1]
      : undefined;
    // Above the last band a merchant would be approved with no grade of its own (grade F).
    if (last !== undefined && settings.maxPd > last.maxPd)
      problems.push({
        field: 'maxPd',
        message: `maxPd must not exceed the last grade band's maxPd (${last.maxPd}), or merchants beyond every band would be approved`,
      });
    return problems;
  },
};

/** The settings in force. Stored settings that fail the checks are a fault: they are never used. */
export function loadDecisionSettings(tx: ReadTransaction): Promise<DecisionSettings> {
  return loadSettings(tx, decisionSettings);
}

/** Applies the changes given over the stored settings, stored if the result passes every check. */
export function updateDecisionSettings(
  tx: WriteTransaction,
  nowNs: bigint,
  changes: unknown,
  changedBy: string,
): Promise<Ok<DecisionSettings> | SettingsInvalid> {
  return updateSettings(tx, decisionSettings, nowNs, changes, changedBy);
}
