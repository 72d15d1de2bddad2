/**
 * The decision settings in force: the defaults, overridden field by field by what an operator
 * stored (PUT /v1/settings/decisioning). Stored as tagged JSON so minor-unit amounts stay exact.
 */
import { type DecisionSettings, defaultDecisionSettings } from '../../domain/decisions/settings.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import type { ReadTransaction, WriteTransaction } from '../ports.ts';
import { fromTaggedJson, toTaggedJson } from './tagged-json.ts';

export const decisionSettingsName = 'decisioning';
const nanosecondsPerMillisecond = 1_000_000n;

export async function loadDecisionSettings(tx: ReadTransaction): Promise<DecisionSettings> {
  const stored = await tx.risk.setting(decisionSettingsName);
  return stored === undefined
    ? defaultDecisionSettings
    : { ...defaultDecisionSettings, ...fromTaggedJson<Partial<DecisionSettings>>(stored) };
}

/** Checks the relationships a setting must keep before storing it. */
export async function updateDecisionSettings(
  tx: WriteTransaction,
  nowNs: bigint,
  changes: Partial<DecisionSettings>,
): Promise<Result<DecisionSettings, 'settings_invalid'>> {
  const unknown = Object.keys(changes).filter((key) => !Object.hasOwn(defaultDecisionSettings, key));
  if (unknown.length > 0) return err('settings_invalid', `unknown settings: ${unknown.join(', ')}`);
  const current = await loadDecisionSettings(tx);
  const next = { ...current, ...changes };
  const problems: string[] = [];
  if (!(next.maxPd > 0 && next.maxPd < 1)) problems.push('maxPd must be between 0 and 1');
  if (next.minLimitMinor <= 0n || next.minLimitMinor > next.maxLimitMinor)
    problems.push('0 < minLimitMinor ≤ maxLimitMinor');
  if (next.debtServiceShareBps <= 0 || next.debtServiceShareBps > 10_000)
    problems.push('debtServiceShareBps must be within 1..10000');
  if (next.minRateBps > next.maxRateBps) problems.push('minRateBps ≤ maxRateBps');
  if (next.assumedTermDays <= 0 || next.assumedFactorBps < 10_000)
    problems.push('assumedTermDays > 0 and assumedFactorBps ≥ 10000');
  if (problems.length > 0) return err('settings_invalid', problems.join('; '));
  const overrides: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(next)) {
    if (
      toTaggedJson(value) !==
      toTaggedJson((defaultDecisionSettings as unknown as Record<string, unknown>)[key])
    )
      overrides[key] = value;
  }
  await tx.risk.putSetting(decisionSettingsName, toTaggedJson(overrides), nowNs / nanosecondsPerMillisecond);
  return ok(next);
}
