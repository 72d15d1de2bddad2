/**
 * Foreign exchange for deductions across currencies: a payout in one currency repaying a facility
 * in another. The rate is a decimal (units of the quote currency per unit of the base currency, as
 * quoted: EUR→USD 1.0842) with where it came from, recorded with every conversion so any deduction
 * can be re-derived. Conversion is exact until one rounding to the target's minor unit, with the
 * two currencies' exponents applied (JPY has none, KWD three).
 */
import { err, ok, type Result } from '../result.ts';
import { type CurrencyCode, exponentOf, isCurrencyCode } from './currency.ts';
import { type Decimal, formatDecimal, parseDecimal } from './decimal.ts';
import { divideRounded, type RoundingMode } from './rounding.ts';

export interface FxRate {
  readonly base: CurrencyCode;
  readonly quote: CurrencyCode;
  /** Quote units per base unit. */
  readonly rate: Decimal;
  /** Where the rate came from (a feed, the platform's settlement report), for the record. */
  readonly source: string;
  /** When the rate was observed, RFC 3339. */
  readonly asOf: string;
}

export type FxProblem = 'fx_rate_invalid' | 'fx_currency_mismatch';

/** A rate, either way round, is at most this far from 1. */
const fxRateBound = 100_000_000n;

export function fxRate(
  base: string,
  quote: string,
  rate: string,
  source: string,
  asOf: string,
): Result<FxRate, FxProblem> {
  if (!isCurrencyCode(base) || !isCurrencyCode(quote))
    return err('fx_rate_invalid', 'base and quote must be ISO 4217 codes');
  if (base === quote) return err('fx_rate_invalid', 'a rate converts between two different currencies');
  const parsed = parseDecimal(rate);
  if (!parsed.ok || parsed.value.coefficient <= 0n)
    return err('fx_rate_invalid', `rate must be a positive decimal, not ${rate}`);
  // No two currencies with minor units stand further apart than about 10^7 (a dinar in rials or
  // pounds): a rate beyond 10^±8 is a mistyped one, and would convert a debt into an absurd sum.
  const { coefficient, scale } = parsed.value;
  const unit = 10n ** BigInt(scale);
  if (coefficient * fxRateBound < unit || coefficient > unit * fxRateBound)
    return err('fx_rate_invalid', `rate must be within 0.00000001 to 100000000, not ${rate}`);
  if (source.trim() === '') return err('fx_rate_invalid', 'a rate needs its source');
  return ok({ base, quote, rate: parsed.value, source, asOf });
}

/** A rate is observed at most this many days before the payout's day (and no later than the day after). */
export const fxRateAgeDaysMax = 7;

/**
 * Why a rate observed on `asOfDay` cannot convert a payout of `payoutDay`, or null: one observed
 * after the day following the payout is mistyped (or not yet known), one from more than a week
 * before is not the payout's rate. Both would be recorded with the split as its basis.
 */
export function fxRateDayProblem(asOfDay: number, payoutDay: number): string | null {
  if (asOfDay > payoutDay + 1) return 'as_of is after the day following the payout';
  if (asOfDay < payoutDay - fxRateAgeDaysMax)
    return `as_of is more than ${fxRateAgeDaysMax} days before the payout`;
  return null;
}

export interface Conversion {
  readonly fromMinor: bigint;
  readonly from: CurrencyCode;
  readonly toMinor: bigint;
  readonly to: CurrencyCode;
  /** The rate as quoted, its source and time: what to record beside the deduction. */
  readonly rate: string;
  readonly source: string;
  readonly asOf: string;
}

/**
 * `amountMinor` of `from` in `to`, at the rate in either direction (base→quote multiplies, quote→base
 * divides), rounded once with `mode`.
 */
export function convert(
  amountMinor: bigint,
  from: CurrencyCode,
  to: CurrencyCode,
  rate: FxRate,
  mode: RoundingMode,
): Result<Conversion, FxProblem> {
  const forward = rate.base === from && rate.quote === to;
  const backward = rate.base === to && rate.quote === from;
  if (!forward && !backward)
    return err('fx_currency_mismatch', `a ${rate.base}/${rate.quote} rate cannot convert ${from} to ${to}`);
  // amount_to = amount_from × 10^(e_to − e_from) × rate (or ÷ rate), with rate = c / 10^s.
  const scale = 10n ** BigInt(rate.rate.scale);
  const coefficient = rate.rate.coefficient;
  let numerator = amountMinor * 10n ** BigInt(exponentOf(to));
  let denominator = 10n ** BigInt(exponentOf(from));
  if (forward) {
    numerator *= coefficient;
    denominator *= scale;
  } else {
    numerator *= scale;
    denominator *= coefficient;
  }
  return ok({
    fromMinor: amountMinor,
    from,
    toMinor: divideRounded(numerator, denominator, mode),
    to,
    rate: `${rate.base}/${rate.quote} ${formatDecimal(rate.rate)}`,
    source: rate.source,
    asOf: rate.asOf,
  });
}

/**
 * The index of the first rate that does not convert the payout's currency (a EUR/JPY rate with a
 * USD payout), or null: a payout repays a facility in another currency at a rate between the two,
 * and Capstan does not cross one rate with another — a rate that converts neither way would be
 * taken and silently not used.
 */
export function rateBesidePayout(
  rates: readonly { readonly base: string; readonly quote: string }[],
  payoutCurrency: string,
): number | null {
  const index = rates.findIndex(({ base, quote }) => base !== payoutCurrency && quote !== payoutCurrency);
  return index === -1 ? null : index;
}

/** The detail of a rate `rateBesidePayout` finds. */
export function rateBesidePayoutDetail(
  rate: { readonly base: string; readonly quote: string },
  payoutCurrency: string,
): string {
  return `a ${rate.base}/${rate.quote} rate does not convert the payout's ${payoutCurrency}: each rate is between the payout's currency and a facility's`;
}

/**
 * The index of the first rate between two currencies an earlier rate already converts between
 * (either way round), or null: a payout brings one rate a pair, or which to use would be a guess.
 */
export function repeatedPair(
  rates: readonly { readonly base: string; readonly quote: string }[],
): number | null {
  const seen = new Set<string>();
  for (const [index, { base, quote }] of rates.entries()) {
    const pair = base < quote ? `${base}/${quote}` : `${quote}/${base}`;
    if (seen.has(pair)) return index;
    seen.add(pair);
  }
  return null;
}
