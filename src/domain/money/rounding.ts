/**
 * Integer division with a named rounding mode. Every place that turns an exact ratio into whole
 * minor units goes through here, so the mode is written at the call site and never implied.
 *
 * Modes, for the exact quotient q = numerator / denominator:
 * - 'down': toward zero (truncation).       - 'up': away from zero.
 * - 'floor': toward negative infinity.      - 'ceiling': toward positive infinity.
 * - 'half_up': nearest, ties away from zero (commercial rounding: 2.5 → 3, -2.5 → -3).
 * - 'half_down': nearest, ties toward zero (2.5 → 2, -2.5 → -2).
 * - 'half_even': nearest, ties to the even neighbour (banker's rounding: 2.5 → 2, 3.5 → 4).
 */
import { assert, unreachable } from '../assert.ts';

export type RoundingMode = 'half_even' | 'half_up' | 'half_down' | 'down' | 'up' | 'floor' | 'ceiling';

export const roundingModes: readonly RoundingMode[] = [
  'half_even',
  'half_up',
  'half_down',
  'down',
  'up',
  'floor',
  'ceiling',
];

/** Exact for every sign of numerator and denominator; the denominator must not be zero. */
export function divideRounded(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  assert(denominator !== 0n, 'divideRounded: denominator must not be zero');
  // Move the sign onto the numerator so the divisor is positive and the quotient's sign is the
  // numerator's sign.
  const dividend = denominator < 0n ? -numerator : numerator;
  const divisor = denominator < 0n ? -denominator : denominator;
  // BigInt division truncates toward zero; the remainder carries the dividend's sign.
  const truncated = dividend / divisor;
  const remainder = dividend % divisor;
  if (remainder === 0n) return truncated;

  // The exact quotient lies strictly between `truncated` and `awayFromZero`.
  const sign = dividend < 0n ? -1n : 1n;
  const awayFromZero = truncated + sign;
  // Compare the discarded fraction |remainder| / divisor against one half without dividing.
  const twiceRemainder = 2n * (remainder < 0n ? -remainder : remainder);

  switch (mode) {
    case 'down':
      return truncated;
    case 'up':
      return awayFromZero;
    case 'floor':
      return sign < 0n ? awayFromZero : truncated;
    case 'ceiling':
      return sign > 0n ? awayFromZero : truncated;
    case 'half_up':
      return twiceRemainder >= divisor ? awayFromZero : truncated;
    case 'half_down':
      return twiceRemainder > divisor ? awayFromZero : truncated;
    case 'half_even':
      if (twiceRemainder > divisor) return awayFromZero;
      if (twiceRemainder < divisor) return truncated;
      return truncated % 2n === 0n ? truncated : awayFromZero;
    default:
      return unreachable(mode, 'divideRounded: unknown rounding mode');
  }
}

export function divideHalfEven(numerator: bigint, denominator: bigint): bigint {
  return divideRounded(numerator, denominator, 'half_even');
}

export function divideHalfUp(numerator: bigint, denominator: bigint): bigint {
  return divideRounded(numerator, denominator, 'half_up');
}

export function divideDown(numerator: bigint, denominator: bigint): bigint {
  return divideRounded(numerator, denominator, 'down');
}

export function divideUp(numerator: bigint, denominator: bigint): bigint {
  return divideRounded(numerator, denominator, 'up');
}
