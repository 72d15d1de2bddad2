/**
 * The offer settings in force (PUT /v1/settings/offering): what offers a decision makes — validity,
 * advance sizes, target term and holdback range, the minimum payment, term-loan terms and
 * amortization, which grades get term loans and credit lines, a credit line's day count, the
 * smallest offer, the rounding of amounts, and the days a payout has to be confirmed. Checked as every stored set is
 * (../settings/stored-settings.ts).
 */
import { defaultOfferSettings, type OfferSettings } from '../../domain/products/offers.ts';
import type { ReadTransaction } from '../ports.ts';
import { integer, loadSettings, type SettingsKind } from '../settings/stored-settings.ts';
import { loadSweepSettings, rateAboveCap } from './sweep-settings.ts';

const bpsWhole = 10_000;
/** The most days a decision's as-of day may lie behind today for offers to be made from it. */
export const offerDecisionAgeDaysMax = 7;

/** An advance may run at most this long (the forecast offers are made from: origination.ts). */
export const advanceDaysMax = 540;

/** The longest a payout may take to be confirmed before its reservation is released. */
export const disbursementDeadlineDaysMax = 60;

export const offerSettings: SettingsKind<OfferSettings> = {
  name: 'offering',
  defaults: defaultOfferSettings,
  rules: {
    // Dated from the decision's day, which may be a week back: an offer is open some days after.
    validityDays: integer(offerDecisionAgeDaysMax + 1, 365),
    // Up to three sizes of the advance, as platforms offer them, largest first.
    advanceSizesBps: { kind: 'descending', min: 1, max: bpsWhole, count: 3 },
    advanceTargetTermDays: integer(1, advanceDaysMax),
    holdbackRateMinBps: integer(1, bpsWhole),
    holdbackRateMaxBps: integer(1, bpsWhole),
    minimumPayment: { kind: 'period_share', periodDaysMax: 365 },
    advanceMaxTermDays: { kind: 'integer', min: 1, max: advanceDaysMax, orNull: true },
    termLoanMonths: { kind: 'ascending', min: 1, max: 360, count: 6 },
    termLoanGrades: { kind: 'grades' },
    termLoanAmortization: { kind: 'choice', values: ['level_payment', 'equal_principal'] },
    creditLineGrades: { kind: 'grades' },
    creditLineDayCount: { kind: 'choice', values: ['act_365f', 'act_360'] },
    minimumOfferMinor: { kind: 'amount' },
    amountRoundingMinor: { kind: 'amount' },
    currencyAmounts: {
      kind: 'currency_amounts',
      amounts: ['minimumOfferMinor', 'amountRoundingMinor'],
      countMax: 200,
    },
    disbursementDeadlineDays: integer(1, disbursementDeadlineDaysMax),
  },
  across(settings, valid) {
    const problems = [];
    if (
      valid('holdbackRateMinBps', 'holdbackRateMaxBps') &&
      settings.holdbackRateMinBps > settings.holdbackRateMaxBps
    )
      problems.push({ field: 'holdbackRateMinBps', message: 'holdbackRateMinBps ≤ holdbackRateMaxBps' });
    if (
      valid('advanceMaxTermDays', 'advanceTargetTermDays') &&
      settings.advanceMaxTermDays !== null &&
      settings.advanceMaxTermDays < settings.advanceTargetTermDays
    )
      problems.push({
        field: 'advanceMaxTermDays',
        message: 'advanceMaxTermDays must be null or at least advanceTargetTermDays',
      });
    return problems;
  },
  beside: async (tx, settings, valid) =>
    valid('holdbackRateMaxBps', 'creditLineGrades')
      ? rateAboveCap(settings, await loadSweepSettings(tx))
      : [],
};

export function loadOfferSettings(tx: ReadTransaction): Promise<OfferSettings> {
  return loadSettings(tx, offerSettings);
}
