/**
 * An independent reference for rounding an exact rational to an integer, used by the property tests
 * of rounding.ts and money.ts. It works from the floor and the remainder in [0, d) (rounding.ts works
 * from truncation toward zero), so a shared mistake is unlikely.
 */
import type { RoundingMode } from './rounding.ts';

export function referenceDivideRounded(numerator: bigint, denominator: bigint, mode: RoundingMode): bigint {
  if (denominator === 0n) throw new Error('referenceDivideRounded: zero denominator');
  const dividend = denominator < 0n ? -numerator : numerator;
  const divisor = denominator < 0n ? -denominator : denominator;
  const floor = dividend >= 0n ? dividend / divisor : -((-dividend + divisor - 1n) / divisor);
  const remainder = dividend - floor * divisor;
  if (remainder < 0n || remainder >= divisor) throw new Error('referenceDivideRounded: bad floor');
  if (remainder === 0n) return floor;
  const ceiling = floor + 1n;
  const towardZero = dividend > 0n ? floor : ceiling;
  const awayFromZero = dividend > 0n ? ceiling : floor;
  // Sign of (exact - floor) - 1/2: negative means nearer the floor, positive nearer the ceiling.
  const halfSign = 2n * remainder - divisor;
  const nearest = (tie: bigint): bigint => (halfSign < 0n ? floor : halfSign > 0n ? ceiling : tie);
  switch (mode) {
    case 'floor':
      return floor;
    case 'ceiling':
      return ceiling;
    case 'down':
      return towardZero;
    case 'up':
      return awayFromZero;
    case 'half_up':
      return nearest(awayFromZero);
    case 'half_down':
      return nearest(towardZero);
    case 'half_even':
      return nearest(floor % 2n === 0n ? floor : ceiling);
  }
}
