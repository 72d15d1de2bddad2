/**
 * The sweep settings in force (PUT /v1/settings/sweeping): the cap on a merchant's deductions of a
 * day, as a share of the day's settled money, and the order in which the waterfall pays each
 * facility's fees, interest and principal (overdue before due before early, whatever the order).
 * The commit, the preview and ingestion all sweep by them, so a preview is what a commit does.
 * Checked as every stored set is (../settings/stored-settings.ts).
 */
import { type Component, components, defaultComponentOrder } from '../../domain/products/waterfall.ts';
import type { ReadTransaction } from '../ports.ts';
import { integer, loadSettings, type SettingsKind } from '../settings/stored-settings.ts';

export interface SweepSettings {
  /** The most of a day's settled money (per currency) that the day's deductions may take. */
  readonly dailyDeductionCapBps: number;
  /** Within each facility's overdue, due and early amounts, the components paid first to last. */
  readonly componentOrder: readonly Component[];
}

export const defaultSweepSettings: SweepSettings = {
  dailyDeductionCapBps: 3_000,
  componentOrder: defaultComponentOrder,
};

export const sweepSettings: SettingsKind<SweepSettings> = {
  name: 'sweeping',
  defaults: defaultSweepSettings,
  rules: {
    dailyDeductionCapBps: integer(1, 10_000),
    componentOrder: { kind: 'order', values: components },
  },
  across: () => [],
};

export function loadSweepSettings(tx: ReadTransaction): Promise<SweepSettings> {
  return loadSettings(tx, sweepSettings);
}
