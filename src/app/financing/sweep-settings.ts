/**
 * The sweep settings in force (PUT /v1/settings/sweeping): the cap on a merchant's deductions of a
 * day, as a share of the day's settled money, and the order in which the waterfall pays each
 * facility's fees, interest and principal (overdue before due before early, whatever the order).
 * The commit, the preview and ingestion all sweep by them, so a preview is what a commit does.
 * Checked as every stored set is (../settings/stored-settings.ts).
 */
import { creditLineServicingDefaults } from '../../domain/products/credit-line/servicing.ts';
import type { OfferSettings } from '../../domain/products/offers.ts';
import { type Component, components, defaultComponentOrder } from '../../domain/products/waterfall.ts';
import type { ReadTransaction } from '../ports.ts';
import { integer, loadSettings, type Problem, type SettingsKind } from '../settings/stored-settings.ts';
import { loadOfferSettings } from './offer-settings.ts';

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
  beside: async (tx, settings, valid) =>
    valid('dailyDeductionCapBps')
      ? rateAboveCap(await loadOfferSettings(tx), settings).map((p) => ({
          ...p,
          field: 'dailyDeductionCapBps',
        }))
      : [],
};

/**
 * A rate the daily cap on deductions would not let the sweep take: offers disclose their schedules
 * at the holdback rate, and payouts would repay less than they show — nor would a credit line be
 * repaid at the share of each payout its offer discloses. So the cap is at least the highest
 * holdback an offer may have, and a line's sweep rate while lines are offered. Checked whichever
 * of the two sets is changed; `field` is the offering setting that sets the rate.
 */
export function rateAboveCap(offering: OfferSettings, sweeping: SweepSettings): Problem[] {
  const cap = sweeping.dailyDeductionCapBps;
  const rates = [
    {
      field: 'holdbackRateMaxBps',
      what: 'the highest holdback an offer may have (holdbackRateMaxBps)',
      bps: offering.holdbackRateMaxBps,
    },
    ...(offering.creditLineGrades.length > 0
      ? [
          {
            field: 'creditLineGrades',
            what: 'the sweep rate of the credit lines offered (creditLineGrades)',
            bps: creditLineServicingDefaults.sweepRateBps,
          },
        ]
      : []),
  ];
  return rates
    .filter((rate) => rate.bps > cap)
    .map((rate) => ({
      field: rate.field,
      message: `${rate.what} is ${rate.bps} bps, above the daily cap on deductions (dailyDeductionCapBps, /v1/settings/sweeping) of ${cap} bps: payouts could not repay what offers disclose`,
    }));
}

export function loadSweepSettings(tx: ReadTransaction): Promise<SweepSettings> {
  return loadSettings(tx, sweepSettings);
}
