/**
 * Deductions across currencies: a payout in one currency repaying a facility in another (DESIGN,
 * "Cross-border"). The waterfall runs in the payout's currency, so every facility competes for the
 * same payout and the same daily cap in one order; a facility in another currency takes part with
 * what it owes converted at the rate supplied with the settlement, each component of each bucket
 * rounded down — so nothing is ever taken above what is owed. What the waterfall then takes from it
 * is converted back to the facility's currency, rounded down again, except that a component taken
 * whole clears the facility's whole amount of it (the rounding left over from converting it there
 * and back is the FX position's, not the merchant's): a facility repaid through foreign payouts
 * can reach exactly zero. So does a component's overdue or due amount taken whole: an instalment
 * or a minimum the payout covered is paid, not left a cent short and late. What is taken in part
 * keeps from the payout only the least that converts to what it repays (`convertibleDeduction`):
 * the rest, less than one of the facility's minor units, stays the merchant's — a yen that
 * converts to no cent is not withheld at all.
 */
import { minBigint } from '../money/bigint-min.ts';
import type { CurrencyCode } from '../money/currency.ts';
import { type Conversion, convert, type FxRate } from '../money/fx.ts';
import {
  type Amounts,
  type Component,
  components,
  type FacilityDeduction,
  type FacilityOwed,
} from './waterfall.ts';

function converted(
  amountMinor: bigint,
  from: CurrencyCode,
  to: CurrencyCode,
  rate: FxRate,
  mode: 'down' | 'up' = 'down',
): bigint {
  const result = convert(amountMinor, from, to, rate, mode);
  if (!result.ok) throw new Error(`fx-deductions: ${result.detail ?? result.code}`);
  return result.value.toMinor;
}

function convertedAmounts(amounts: Amounts, from: CurrencyCode, to: CurrencyCode, rate: FxRate): Amounts {
  return {
    fees: converted(amounts.fees, from, to, rate),
    interest: converted(amounts.interest, from, to, rate),
    principal: converted(amounts.principal, from, to, rate),
  };
}

/** The rate among `rates` that converts between the two currencies (either way round), if any. */
export function rateBetween(rates: readonly FxRate[], a: CurrencyCode, b: CurrencyCode): FxRate | undefined {
  return rates.find((r) => (r.base === a && r.quote === b) || (r.base === b && r.quote === a));
}

/** What a facility in `facilityCurrency` owes, in the payout's currency: every amount rounded down. */
export function owedInPayoutCurrency(
  owed: FacilityOwed,
  facilityCurrency: CurrencyCode,
  payoutCurrency: CurrencyCode,
  rate: FxRate,
): FacilityOwed {
  return {
    ...owed,
    overdue: convertedAmounts(owed.overdue, facilityCurrency, payoutCurrency, rate),
    due: convertedAmounts(owed.due, facilityCurrency, payoutCurrency, rate),
    notYetDue: convertedAmounts(owed.notYetDue, facilityCurrency, payoutCurrency, rate),
  };
}

const totalOf = (owed: FacilityOwed, component: Component) =>
  owed.overdue[component] + owed.due[component] + owed.notYetDue[component];

/** Each bucket of a deduction, latest first, and the bucket of what is owed it was taken from. */
const bucketSources = [
  ['early', 'notYetDue'],
  ['due', 'due'],
  ['overdue', 'overdue'],
] as const;

/** Whether the waterfall took a bucket of a component whole: something, and all it owed there. */
const takenWhole = (
  deduction: FacilityDeduction,
  owedInPayout: FacilityOwed,
  [bucket, source]: (typeof bucketSources)[number],
  component: Component,
) => deduction[bucket][component] > 0n && deduction[bucket][component] === owedInPayout[source][component];

/** What the waterfall took of a component from the buckets it did not take whole. */
function takenInPart(deduction: FacilityDeduction, owedInPayout: FacilityOwed, component: Component): bigint {
  let part = 0n;
  for (const buckets of bucketSources)
    if (!takenWhole(deduction, owedInPayout, buckets, component)) part += deduction[buckets[0]][component];
  return part;
}

/**
 * The waterfall's deduction from a facility in another currency, trimmed to what it can repay:
 * what each component took in part keeps the least payout amount that converts (down) to what
 * the whole of it would have repaid — so the facility is repaid exactly as before, and the
 * merchant keeps the rest, taken back from the latest bucket the waterfall filled (early, due,
 * overdue) of those it did not take whole. A component, or a bucket of it, taken whole is kept
 * whole. Never more than the deduction; applying it again changes nothing.
 */
export function convertibleDeduction(
  deduction: FacilityDeduction,
  owedInPayout: FacilityOwed,
  facilityCurrency: CurrencyCode,
  payoutCurrency: CurrencyCode,
  rate: FxRate,
): FacilityDeduction {
  const buckets = {
    overdue: { ...deduction.overdue },
    due: { ...deduction.due },
    early: { ...deduction.early },
  };
  let total = deduction.total;
  for (const component of components) {
    const taken = deduction.overdue[component] + deduction.due[component] + deduction.early[component];
    const part = takenInPart(deduction, owedInPayout, component);
    if (part === 0n || taken === totalOf(owedInPayout, component)) continue;
    const repays = converted(part, payoutCurrency, facilityCurrency, rate);
    const kept = converted(repays, facilityCurrency, payoutCurrency, rate, 'up');
    let excess = part - kept;
    total -= excess;
    for (const bucketSource of bucketSources) {
      if (takenWhole(deduction, owedInPayout, bucketSource, component)) continue;
      const bucket = buckets[bucketSource[0]];
      const back = minBigint(bucket[component], excess);
      bucket[component] -= back;
      excess -= back;
    }
  }
  return { ...deduction, ...buckets, total };
}

export interface ForeignDeduction {
  /** What the waterfall took, in the payout's currency: what leaves the payout. */
  readonly payoutMinor: bigint;
  /** What it repays, by component, in the facility's currency. */
  readonly applied: Amounts;
  /** The conversion of the whole deduction, with the rate quoted and its source, for the record. */
  readonly conversion: Conversion;
}

/**
 * A deduction the waterfall took (in the payout's currency) from a facility in another currency,
 * as it repays that facility: `owed` is what the facility owes in its own currency, `owedInPayout`
 * the same converted (owedInPayoutCurrency), and never more than `owed` is applied. A component
 * taken whole repays all of it; else each bucket of it taken whole repays that bucket, and what
 * was taken in part is converted down.
 */
export function appliedInFacilityCurrency(
  deduction: FacilityDeduction,
  owed: FacilityOwed,
  owedInPayout: FacilityOwed,
  facilityCurrency: CurrencyCode,
  payoutCurrency: CurrencyCode,
  rate: FxRate,
): ForeignDeduction {
  const applied = { fees: 0n, interest: 0n, principal: 0n };
  for (const component of components) {
    const taken = deduction.overdue[component] + deduction.due[component] + deduction.early[component];
    if (taken === 0n) continue;
    if (taken === totalOf(owedInPayout, component)) {
      applied[component] = totalOf(owed, component);
      continue;
    }
    let repaid = converted(
      takenInPart(deduction, owedInPayout, component),
      payoutCurrency,
      facilityCurrency,
      rate,
    );
    for (const bucketSource of bucketSources)
      if (takenWhole(deduction, owedInPayout, bucketSource, component))
        repaid += owed[bucketSource[1]][component];
    applied[component] = repaid;
  }
  const conversion = convert(deduction.total, payoutCurrency, facilityCurrency, rate, 'down');
  if (!conversion.ok) throw new Error(`fx-deductions: ${conversion.detail ?? conversion.code}`);
  return {
    payoutMinor: deduction.total,
    applied,
    conversion: {
      ...conversion.value,
      toMinor: applied.fees + applied.interest + applied.principal,
    },
  };
}
