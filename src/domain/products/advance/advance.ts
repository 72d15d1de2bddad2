/**
 * The revenue-based advance (Alibaba/MYbank, Shopify Capital, Stripe Capital): a lump sum now for a
 * fixed fee — the factor — repaid by a holdback, a share of every settled payout, until the
 * advance and the fee are paid. A minimum payment per period keeps a slow merchant repaying; an
 * optional maximum term says when whatever is left falls due.
 *
 * Fee income is recognised by the effective interest method, not straight-line: the daily rate r
 * that discounts the forecast holdback stream back to the amount advanced
 * (amount = Σ repaymentₜ / (1 + r)ᵗ, t in days) is fixed at disbursement; each day the carrying
 * amount earns r, repayments reduce it, and what it earns is fee income, up to the fee. When the
 * advance is paid off — early, late or on forecast — whatever fee is still deferred is recognised
 * that day, so the deferred fee is exactly zero at payoff.
 */
import { assert } from '../../assert.ts';
import { solveInBracket } from '../../finance/root-finding.ts';
import { divideRounded } from '../../money/rounding.ts';
import { err, ok, type Result } from '../../result.ts';

const bps = 10_000n;

export interface MinimumPayment {
  /** Each period's length in days, from disbursement. */
  readonly periodDays: number;
  /** What must be repaid each period: a share of the advance plus fee. */
  readonly shareBps: number;
}

export interface AdvanceTerms {
  readonly amountMinor: bigint;
  readonly currency: string;
  /** Total repaid ÷ amount, in basis points: 11,200 is a factor of 1.12, a fee of 12%. */
  readonly factorBps: number;
  /** Share of each settled payout withheld, in basis points. */
  readonly holdbackRateBps: number;
  readonly minimumPayment: MinimumPayment | null;
  /** Days after disbursement when whatever is left falls due; null: none. */
  readonly maxTermDays: number | null;
}

export type AdvanceProblem = 'advance_terms_invalid' | 'advance_forecast_never_repays';

export function checkAdvanceTerms(terms: AdvanceTerms): Result<AdvanceTerms, AdvanceProblem> {
  const problems: string[] = [];
  if (terms.amountMinor <= 0n) problems.push('amountMinor must be positive');
  if (!Number.isInteger(terms.factorBps) || terms.factorBps < 10_000 || terms.factorBps > 20_000)
    problems.push('factorBps must be a whole number from 10000 to 20000');
  if (!Number.isInteger(terms.holdbackRateBps) || terms.holdbackRateBps < 1 || terms.holdbackRateBps > 5_000)
    problems.push('holdbackRateBps must be a whole number from 1 to 5000');
  const minimum = terms.minimumPayment;
  if (
    minimum !== null &&
    (!Number.isInteger(minimum.periodDays) ||
      minimum.periodDays < 1 ||
      !Number.isInteger(minimum.shareBps) ||
      minimum.shareBps < 1 ||
      minimum.shareBps > 10_000)
  )
    problems.push('minimumPayment needs whole periodDays ≥ 1 and shareBps from 1 to 10000');
  if (terms.maxTermDays !== null && (!Number.isInteger(terms.maxTermDays) || terms.maxTermDays < 1))
    problems.push('maxTermDays must be a whole number of days, at least 1');
  return problems.length === 0 ? ok(terms) : err('advance_terms_invalid', problems.join('; '));
}

/** The fee: amount × (factor − 1), rounded half-even to the minor unit. */
export function advanceFee(terms: AdvanceTerms): bigint {
  return divideRounded(terms.amountMinor * BigInt(terms.factorBps - 10_000), bps, 'half_even');
}

export function totalRepayable(terms: AdvanceTerms): bigint {
  return terms.amountMinor + advanceFee(terms);
}

/** What each period's minimum payment is, in minor units (rounded up: never below the share). */
export function minimumPerPeriod(terms: AdvanceTerms): bigint | null {
  if (terms.minimumPayment === null) return null;
  return divideRounded(totalRepayable(terms) * BigInt(terms.minimumPayment.shareBps), bps, 'up');
}

export interface HoldbackForecast {
  /** Repayment forecast for each day after disbursement (index 0 = the first day), minor units. */
  readonly daily: readonly bigint[];
  /** Days until the forecast repays everything. */
  readonly daysToRepay: number;
  /** The effective daily rate that discounts `daily` to the amount advanced. */
  readonly dailyRate: number;
  /** The same, annualised by compounding over 365 days. */
  readonly effectiveAnnualRate: number;
}

/**
 * The holdback stream forecast from daily sales (minor units, day 1 onwards; the last day's
 * forecast repeats if the stream outlives it), capped at what is left to repay. Minimum payments
 * and the maximum term are applied: a period whose holdback falls short of its minimum is topped
 * up on its last day, and whatever remains at the maximum term is due that day.
 */
export function forecastHoldback(
  terms: AdvanceTerms,
  forecastDailySalesMinor: readonly bigint[],
  horizonDaysMax = 3_650,
): Result<HoldbackForecast, AdvanceProblem> {
  const checked = checkAdvanceTerms(terms);
  if (!checked.ok) return checked;
  if (forecastDailySalesMinor.length === 0)
    return err('advance_forecast_never_repays', 'no sales forecast to repay from');
  const minimum = minimumPerPeriod(terms);
  const periodDays = terms.minimumPayment?.periodDays ?? 0;
  let left = totalRepayable(terms);
  const daily: bigint[] = [];
  let paidThisPeriod = 0n;
  for (let day = 1; left > 0n; day += 1) {
    if (day > horizonDaysMax)
      return err(
        'advance_forecast_never_repays',
        `the forecast does not repay within ${horizonDaysMax} days`,
      );
    const sales = forecastDailySalesMinor[Math.min(day, forecastDailySalesMinor.length) - 1] as bigint;
    let pay = sales > 0n ? divideRounded(sales * BigInt(terms.holdbackRateBps), bps, 'down') : 0n;
    paidThisPeriod += pay;
    if (minimum !== null && day % periodDays === 0) {
      if (paidThisPeriod < minimum) pay += minimum - paidThisPeriod;
      paidThisPeriod = 0n;
    }
    if (terms.maxTermDays !== null && day >= terms.maxTermDays) pay = left;
    if (pay > left) pay = left;
    daily.push(pay);
    left -= pay;
  }
  const dailyRate = solveDailyRate(terms.amountMinor, daily);
  return ok({
    daily,
    daysToRepay: daily.length,
    dailyRate,
    effectiveAnnualRate: (1 + dailyRate) ** 365 - 1,
  });
}

/**
 * The r ≥ 0 with amount = Σ daily[t−1] / (1 + r)ᵗ. The present value falls as r rises, so once the
 * total repaid is at least the amount the root lies between 0 and a rate found by doubling, and
 * the finance module's safeguarded Newton finds it there. Deterministic.
 */
export function solveDailyRate(amountMinor: bigint, daily: readonly bigint[]): number {
  const amount = Number(amountMinor);
  const objective = (r: number) => {
    let value = -amount;
    let slope = 0;
    let discount = 1;
    for (const [index, payment] of daily.entries()) {
      discount /= 1 + r;
      value += Number(payment) * discount;
      slope -= ((index + 1) * Number(payment) * discount) / (1 + r);
    }
    return { value, slope };
  };
  if (objective(0).value <= 0) return 0;
  let high = 1;
  while (objective(high).value > 0) high *= 2;
  const root = solveInBracket(objective, 0, high);
  assert(root.ok, 'solveDailyRate: the bracket holds a root');
  return root.value;
}

export interface FeeRecognitionDay {
  /** Carrying amount at the start of the day: advanced, plus fee earned, less repaid. */
  readonly carryingMinor: bigint;
  /** Fee recognised as income this day. */
  readonly incomeMinor: bigint;
  readonly repaidMinor: bigint;
  /** Fee not yet recognised, after this day. */
  readonly deferredFeeMinor: bigint;
}

/**
 * Day-by-day fee recognition at the effective daily rate fixed at disbursement, over the actual
 * repayments (index 0 = the first day after disbursement). Each day earns
 * round_half_even(carrying × r), never more than the fee still deferred and never so little that
 * the deferred fee exceeds what is left to repay (repayments ahead of forecast bring income
 * forward); so on the day the advance is repaid in full, all the fee still deferred is recognised
 * and the carrying amount never goes below zero.
 */
/**
 * One day's fee income: the carrying amount at the start of the day (advanced, plus fee earned,
 * less repaid) at the effective daily rate, rounded half even — as the rate was solved, each day's
 * repayment discounted from its day — never more than the fee still deferred, and never so little
 * that the deferred fee exceeds what is left to repay after the day's repayments (repayments
 * ahead of forecast bring income forward; all of it is earned by payoff). The one rule both the
 * schedule below and the daily servicing step use.
 */
export function feeIncomeForDay(
  openingCarryingMinor: bigint,
  deferredFeeMinor: bigint,
  leftToRepayMinor: bigint,
  dailyRate: number,
): bigint {
  // The rate as an exact fraction with 18 decimal digits: the day's income is then one rounding.
  const scale = 10n ** 18n;
  let income =
    openingCarryingMinor > 0n
      ? divideRounded(openingCarryingMinor * BigInt(Math.round(dailyRate * 1e18)), scale, 'half_even')
      : 0n;
  if (income < deferredFeeMinor - leftToRepayMinor) income = deferredFeeMinor - leftToRepayMinor;
  if (income < 0n) income = 0n;
  return income > deferredFeeMinor ? deferredFeeMinor : income;
}

export function recogniseFee(
  terms: AdvanceTerms,
  dailyRate: number,
  repaymentsMinor: readonly bigint[],
): FeeRecognitionDay[] {
  const fee = advanceFee(terms);
  const total = totalRepayable(terms);
  let carrying = terms.amountMinor;
  let deferred = fee;
  let repaid = 0n;
  const days: FeeRecognitionDay[] = [];
  for (const repayment of repaymentsMinor) {
    const start = carrying;
    repaid += repayment;
    const income = feeIncomeForDay(start, deferred, total > repaid ? total - repaid : 0n, dailyRate);
    deferred -= income;
    carrying = start + income - repayment;
    days.push({
      carryingMinor: start,
      incomeMinor: income,
      repaidMinor: repayment,
      deferredFeeMinor: deferred,
    });
    if (repaid >= total) break;
  }
  return days;
}
