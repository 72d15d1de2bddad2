/**
 * Money is an exact integer count of minor units of one currency: { amountMinor: 1234n, currency:
 * 'USD' } is 12.34 USD. There is no float anywhere on the way in or out, and amounts in two
 * currencies never meet: adding, subtracting or comparing them is the Result code `currency_mismatch`,
 * never a silent conversion (a conversion is a separate, explicit step with its own rate and date).
 *
 * Range: |amountMinor| <= amountMinorMax = 2^63 - 1, so every amount fits a signed 64-bit column
 * (SQLite INTEGER, PostgreSQL bigint). The range is symmetric (-2^63 is left out) so negating an
 * amount can never overflow. Operations whose exact result leaves the range return
 * `amount_out_of_range`; a Money value outside it is a bug and fails an assertion.
 *
 * Text: `parseMoney`/`formatMoney` read and write major units ('12.34') with exactly the currency's
 * exponent; `parseMinorUnits`/`formatMinorUnits` read and write the integer strings the API carries
 * ('1234'), because JSON numbers lose precision past 2^53.
 */
import { assert } from '../assert.ts';
import { err, ok, type Result } from '../result.ts';
import {
  type CurrencyCode,
  type CurrencyResultCode,
  currencyExponent,
  exponentOf,
  isCurrencyCode,
} from './currency.ts';
import { type Decimal, decimal, formatDecimal, parseDecimal } from './decimal.ts';
import { divideRounded, type RoundingMode } from './rounding.ts';

export type Money = { readonly amountMinor: bigint; readonly currency: CurrencyCode };

/** The largest magnitude an amount may have, in minor units: signed 64-bit, made symmetric. */
export const amountMinorMax = 2n ** 63n - 1n;
export const amountMinorMin = -amountMinorMax;
/** '-9223372036854775807' is 20 characters; longer canonical integer text is out of range. */
export const amountMinorTextLengthMax = amountMinorMin.toString().length;
/** One allocation splits an amount into at most this many parts (a batch of invoices, not a ledger). */
export const allocationPartsMax = 10_000;

export type AmountRangeCode = 'amount_out_of_range';
export type MoneyArithmeticCode = 'currency_mismatch' | AmountRangeCode;
export type AllocateResultCode = 'ratios_empty' | 'ratios_too_many' | 'ratio_negative' | 'ratios_all_zero';
export type ParseMoneyResultCode =
  | CurrencyResultCode
  | 'amount_invalid'
  | 'amount_too_precise'
  | AmountRangeCode;
export type ParseMinorUnitsResultCode = 'amount_minor_invalid' | AmountRangeCode;

export function isAmountMinorInRange(amountMinor: bigint): boolean {
  return amountMinor >= amountMinorMin && amountMinor <= amountMinorMax;
}

/** For amounts the caller already knows are in range (constants, values read back); asserts it. */
export function money(amountMinor: bigint, currency: CurrencyCode): Money {
  const value = { amountMinor, currency };
  assertMoney(value);
  return value;
}

/** For untrusted input: checks the currency first, then the range. */
export function moneyOf(
  amountMinor: bigint,
  currency: string,
): Result<Money, CurrencyResultCode | AmountRangeCode> {
  const exponent = currencyExponent(currency);
  if (!exponent.ok) return exponent;
  if (!isAmountMinorInRange(amountMinor)) return err('amount_out_of_range');
  return ok({ amountMinor, currency: currency as CurrencyCode });
}

export function zeroMoney(currency: CurrencyCode): Money {
  return money(0n, currency);
}

/** Checks, in order: currency_mismatch, amount_out_of_range. */
export function addMoney(a: Money, b: Money): Result<Money, MoneyArithmeticCode> {
  assertMoney(a);
  assertMoney(b);
  if (a.currency !== b.currency) return mismatch(a, b);
  return inRange(a.amountMinor + b.amountMinor, a.currency);
}

/** a - b. Checks, in order: currency_mismatch, amount_out_of_range. */
export function subtractMoney(a: Money, b: Money): Result<Money, MoneyArithmeticCode> {
  assertMoney(a);
  assertMoney(b);
  if (a.currency !== b.currency) return mismatch(a, b);
  return inRange(a.amountMinor - b.amountMinor, a.currency);
}

export function compareMoney(a: Money, b: Money): Result<-1 | 0 | 1, 'currency_mismatch'> {
  assertMoney(a);
  assertMoney(b);
  if (a.currency !== b.currency) return mismatch(a, b);
  if (a.amountMinor < b.amountMinor) return ok(-1);
  if (a.amountMinor > b.amountMinor) return ok(1);
  return ok(0);
}

/** Never overflows: the range is symmetric. */
export function negateMoney(value: Money): Money {
  assertMoney(value);
  return { amountMinor: -value.amountMinor, currency: value.currency };
}

export function isZeroMoney(value: Money): boolean {
  assertMoney(value);
  return value.amountMinor === 0n;
}

export function isNegativeMoney(value: Money): boolean {
  assertMoney(value);
  return value.amountMinor < 0n;
}

/**
 * The total of `items`, all of which must be in `currency` (an empty list sums to zero, which is why
 * the currency is an argument). Partial sums are exact bigints; only the total must be in range, so
 * the order of the items never changes the outcome.
 */
export function sumMoney(
  items: readonly Money[],
  currency: CurrencyCode,
): Result<Money, MoneyArithmeticCode> {
  assert(isCurrencyCode(currency), 'sumMoney: currency must be a currency code');
  let totalMinor = 0n;
  for (const [index, item] of items.entries()) {
    assertMoney(item);
    if (item.currency !== currency) {
      return err('currency_mismatch', `items[${index}] is ${item.currency}, expected ${currency}`);
    }
    totalMinor += item.amountMinor;
  }
  return inRange(totalMinor, currency);
}

/**
 * amount × rate, rounded to whole minor units with the named mode: 1000.00 USD × 0.0125 is exactly
 * 12.50 USD; 0.05 USD × 0.5 is 0.025, which is 0.02 under 'half_even' and 0.03 under 'half_up'.
 */
export function multiplyByRate(
  value: Money,
  rate: Decimal,
  mode: RoundingMode,
): Result<Money, AmountRangeCode> {
  assertMoney(value);
  const productMinor = divideRounded(value.amountMinor * rate.coefficient, 10n ** BigInt(rate.scale), mode);
  return inRange(productMinor, value.currency);
}

/**
 * Splits `whole` in proportion to `ratios` so the parts always sum exactly to the whole. Each part is
 * first its exact share rounded toward zero; the minor units left over go one each to the parts with
 * the largest discarded remainders, ties to the earliest part (largest-remainder method). So every
 * part is within one minor unit of its exact share, a zero ratio gets exactly zero, and the same
 * input always gives the same split. A negative whole is split as its magnitude and negated, so
 * allocate(-x) is the negation of allocate(x).
 *
 * Checks, in order: ratios_empty, ratios_too_many (> allocationPartsMax), ratio_negative,
 * ratios_all_zero.
 */
export function allocate(
  whole: Money,
  ratios: readonly bigint[],
): Result<readonly Money[], AllocateResultCode> {
  assertMoney(whole);
  if (ratios.length === 0) return err('ratios_empty');
  if (ratios.length > allocationPartsMax)
    return err('ratios_too_many', `at most ${allocationPartsMax} parts`);
  let ratioTotal = 0n;
  for (const [index, ratio] of ratios.entries()) {
    if (ratio < 0n) return err('ratio_negative', `ratios[${index}]`);
    ratioTotal += ratio;
  }
  if (ratioTotal === 0n) return err('ratios_all_zero');

  const negative = whole.amountMinor < 0n;
  const magnitude = negative ? -whole.amountMinor : whole.amountMinor;
  const partsMinor = allocateMagnitude(magnitude, ratios, ratioTotal);
  const parts = partsMinor.map((partMinor) => money(negative ? -partMinor : partMinor, whole.currency));
  assert(
    parts.reduce((total, part) => total + part.amountMinor, 0n) === whole.amountMinor,
    'allocate: parts must sum to the whole',
  );
  return ok(parts);
}

function allocateMagnitude(magnitude: bigint, ratios: readonly bigint[], ratioTotal: bigint): bigint[] {
  assert(magnitude >= 0n && ratioTotal > 0n, 'allocateMagnitude: magnitude >= 0 and ratioTotal > 0');
  const partsMinor = ratios.map((ratio) => (magnitude * ratio) / ratioTotal);
  const remainders = ratios.map((ratio) => (magnitude * ratio) % ratioTotal);
  const leftoverMinor = magnitude - partsMinor.reduce((total, part) => total + part, 0n);
  // Each part lost less than one unit, so fewer units are left than there are parts with a remainder.
  assert(leftoverMinor >= 0n && leftoverMinor < BigInt(ratios.length), 'allocate: leftover out of bounds');

  const order = ratios.map((_, index) => index);
  order.sort((left, right) => {
    const leftRemainder = remainders[left]!;
    const rightRemainder = remainders[right]!;
    if (leftRemainder !== rightRemainder) return leftRemainder > rightRemainder ? -1 : 1;
    return left - right;
  });
  for (let rank = 0; rank < Number(leftoverMinor); rank += 1) {
    const index = order[rank]!;
    assert(remainders[index]! > 0n, 'allocate: a leftover unit must go to a part with a remainder');
    partsMinor[index]! += 1n;
  }
  return partsMinor;
}

/**
 * Reads major units: parseMoney('12.34', 'USD') is 1234n USD, '12.3' is 1230n, '-0.5' is -50n.
 * Syntax is parseDecimal's (no '+', exponent, whitespace, separators, '.5' or '5.'). More fraction
 * digits than the currency has is `amount_too_precise`, even when they are zeros ('12.340' USD,
 * '100.0' JPY): input that claims a precision the currency cannot hold is refused, not rounded.
 *
 * Checks, in order: the currency (currency_unknown, currency_has_no_minor_unit), amount_invalid,
 * amount_too_precise, amount_out_of_range.
 */
export function parseMoney(text: string, currency: string): Result<Money, ParseMoneyResultCode> {
  const exponent = currencyExponent(currency);
  if (!exponent.ok) return exponent;
  const parsed = parseDecimal(text);
  if (!parsed.ok) return err('amount_invalid', parsed.detail);
  if (parsed.value.scale > exponent.value) {
    return err('amount_too_precise', `${currency} has ${exponent.value} fraction digits`);
  }
  const amountMinor = parsed.value.coefficient * 10n ** BigInt(exponent.value - parsed.value.scale);
  return inRange(amountMinor, currency as CurrencyCode);
}

/** Exactly the currency's exponent of fraction digits and a leading '-' when negative: '-12.30'. */
export function formatMoney(value: Money): string {
  assertMoney(value);
  return formatDecimal(decimal(value.amountMinor, exponentOf(value.currency)));
}

/**
 * Canonical integer text only: '0', or an optional '-' and digits without leading zeros. One amount
 * has one spelling, so two equal requests hash alike for idempotency; '+5', '05', '-0', '1e3',
 * '1.0' and ' 5' are `amount_minor_invalid`.
 */
const minorUnitsPattern = /^(?:0|-?[1-9][0-9]*)$/;

/** Checks, in order: amount_minor_invalid, amount_out_of_range. */
export function parseMinorUnits(text: string): Result<bigint, ParseMinorUnitsResultCode> {
  if (!minorUnitsPattern.test(text)) {
    return err('amount_minor_invalid', 'expected an integer without sign, spaces or leading zeros');
  }
  // Longer canonical text is out of range whatever its digits; skip the BigInt of a huge string.
  if (text.length > amountMinorTextLengthMax) return err('amount_out_of_range');
  const amountMinor = BigInt(text);
  if (!isAmountMinorInRange(amountMinor)) return err('amount_out_of_range');
  return ok(amountMinor);
}

export function formatMinorUnits(amountMinor: bigint): string {
  assert(isAmountMinorInRange(amountMinor), 'formatMinorUnits: amount out of range');
  return amountMinor.toString();
}

function inRange(amountMinor: bigint, currency: CurrencyCode): Result<Money, AmountRangeCode> {
  if (!isAmountMinorInRange(amountMinor)) return err('amount_out_of_range');
  return ok({ amountMinor, currency });
}

function mismatch(a: Money, b: Money) {
  return err('currency_mismatch', `${a.currency} and ${b.currency}`);
}

function assertMoney(value: Money): void {
  assert(typeof value.amountMinor === 'bigint', 'Money amountMinor must be a bigint');
  assert(isAmountMinorInRange(value.amountMinor), 'Money amountMinor out of range');
  assert(isCurrencyCode(value.currency), 'Money currency must be a currency code');
}
