/**
 * Exact decimal numbers for rates, fees and factors: value = coefficient / 10^scale. A rate never
 * becomes a float on its way to an amount; money.ts multiplies by the coefficient and divides by
 * the power of ten with a named rounding mode.
 *
 * The scale is kept as written ('1.10' has scale 2) so a rate round-trips through text unchanged;
 * normalizeDecimal strips trailing zeros when a canonical form is wanted. Two decimals with the same
 * value and different scales are equal under compareDecimal but not under ===/deepEqual.
 */
import { assert } from '../assert.ts';
import { err, ok, type Result } from '../result.ts';

export type Decimal = { readonly coefficient: bigint; readonly scale: number };

/** 36 fraction digits is far past any rate we quote (1e-36 of a basis point is not a thing). */
export const DECIMAL_SCALE_MAX = 36;
/** Longest accepted text, sign and point included: bounds the work parseDecimal does on input. */
export const DECIMAL_TEXT_LENGTH_MAX = 80;

const basisPointsScale = 4;

/**
 * Accepted: an optional '-', one or more integer digits, and optionally '.' followed by one to
 * DECIMAL_SCALE_MAX digits. Rejected: empty text, '+1', '1.' and '.5' (a digit must stand on both
 * sides of the point, so a truncated value is not silently read), exponents ('1e-3'), whitespace,
 * thousands separators and commas as decimal points. Leading zeros ('007.5') are accepted; '-0'
 * reads as zero.
 */
const decimalPattern = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;

export function decimal(coefficient: bigint, scale: number): Decimal {
  assert(Number.isInteger(scale), 'decimal: scale must be an integer');
  assert(scale >= 0 && scale <= DECIMAL_SCALE_MAX, `decimal: scale must be within 0..${DECIMAL_SCALE_MAX}`);
  return { coefficient, scale };
}

export function parseDecimal(text: string): Result<Decimal, 'decimal_invalid'> {
  if (text.length > DECIMAL_TEXT_LENGTH_MAX) {
    return err('decimal_invalid', `longer than ${DECIMAL_TEXT_LENGTH_MAX} characters`);
  }
  const match = decimalPattern.exec(text);
  if (match === null) return err('decimal_invalid', 'expected digits with an optional sign and fraction');
  const negative = match[1] === '-';
  const integerDigits = match[2] ?? '';
  const fractionDigits = match[3] ?? '';
  if (fractionDigits.length > DECIMAL_SCALE_MAX) {
    return err('decimal_invalid', `more than ${DECIMAL_SCALE_MAX} fraction digits`);
  }
  const magnitude = BigInt(integerDigits + fractionDigits);
  return ok(decimal(negative ? -magnitude : magnitude, fractionDigits.length));
}

/** Exactly `scale` fraction digits, no exponent: formatDecimal(parseDecimal('1.10')) is '1.10'. */
export function formatDecimal(value: Decimal): string {
  assertDecimal(value);
  const negative = value.coefficient < 0n;
  const digits = (negative ? -value.coefficient : value.coefficient).toString();
  const sign = negative ? '-' : '';
  if (value.scale === 0) return sign + digits;
  const padded = digits.padStart(value.scale + 1, '0');
  const cut = padded.length - value.scale;
  return `${sign}${padded.slice(0, cut)}.${padded.slice(cut)}`;
}

/** 125 bps → 0.0125 (scale 4, kept even when it has trailing zeros). */
export function decimalFromBasisPoints(basisPoints: bigint): Decimal {
  return decimal(basisPoints, basisPointsScale);
}

/**
 * Exact product. Scales add; when the sum passes DECIMAL_SCALE_MAX the product is normalized, and a
 * product that still needs more than DECIMAL_SCALE_MAX fraction digits is a bug in the caller
 * (round an operand first, with a named mode).
 */
export function multiplyDecimals(a: Decimal, b: Decimal): Decimal {
  assertDecimal(a);
  assertDecimal(b);
  const coefficient = a.coefficient * b.coefficient;
  const scale = a.scale + b.scale;
  if (scale <= DECIMAL_SCALE_MAX) return decimal(coefficient, scale);
  const normalized = stripTrailingZeros(coefficient, scale);
  assert(
    normalized.scale <= DECIMAL_SCALE_MAX,
    `multiplyDecimals: exact product needs ${normalized.scale} fraction digits`,
  );
  return normalized;
}

/** Compares values, not representations: compareDecimal(1.10, 1.1) is 0. */
export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  assertDecimal(a);
  assertDecimal(b);
  const scale = Math.max(a.scale, b.scale);
  const left = a.coefficient * 10n ** BigInt(scale - a.scale);
  const right = b.coefficient * 10n ** BigInt(scale - b.scale);
  if (left < right) return -1;
  if (left > right) return 1;
  return 0;
}

/** The smallest scale that represents the same value; zero becomes { 0n, 0 }. */
export function normalizeDecimal(value: Decimal): Decimal {
  assertDecimal(value);
  return stripTrailingZeros(value.coefficient, value.scale);
}

function stripTrailingZeros(coefficient: bigint, scale: number): Decimal {
  if (coefficient === 0n) return { coefficient: 0n, scale: 0 };
  let stripped = coefficient;
  let strippedScale = scale;
  while (strippedScale > 0 && stripped % 10n === 0n) {
    stripped /= 10n;
    strippedScale -= 1;
  }
  return { coefficient: stripped, scale: strippedScale };
}

function assertDecimal(value: Decimal): void {
  assert(
    Number.isInteger(value.scale) && value.scale >= 0 && value.scale <= DECIMAL_SCALE_MAX,
    'Decimal scale must be an integer within 0..36',
  );
}
