/**
 * Proves divideRounded (rounding.ts) rounds every exact quotient n/d to the integer its named mode
 * promises, for every sign of numerator and denominator: the documented examples, agreement with an
 * independent floor-based reference, the distance bounds of each mode, exactness on whole quotients,
 * the symmetries between modes, and that a zero denominator is a bug.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AssertionError } from '../assert.ts';
import {
  divideDown,
  divideHalfEven,
  divideHalfUp,
  divideRounded,
  divideUp,
  type RoundingMode,
  roundingModes,
} from './rounding.ts';
import { referenceDivideRounded } from './rounding-reference.test-helper.ts';

const modeArb = fc.constantFrom(...roundingModes);
const numeratorArb = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n });
const denominatorArb = fc
  .oneof(fc.bigInt({ min: -1000n, max: 1000n }), fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }))
  .filter((denominator) => denominator !== 0n);

describe('divideRounded', () => {
  it('rounds the documented examples (±2.5, ±3.5, ±2.4, ±2.6) as each mode says', () => {
    // [numerator, denominator, half_even, half_up, half_down, down, up, floor, ceiling]
    const table: readonly (readonly bigint[])[] = [
      [25n, 10n, 2n, 3n, 2n, 2n, 3n, 2n, 3n],
      [-25n, 10n, -2n, -3n, -2n, -2n, -3n, -3n, -2n],
      [35n, 10n, 4n, 4n, 3n, 3n, 4n, 3n, 4n],
      [-35n, 10n, -4n, -4n, -3n, -3n, -4n, -4n, -3n],
      [24n, 10n, 2n, 2n, 2n, 2n, 3n, 2n, 3n],
      [-26n, 10n, -3n, -3n, -3n, -2n, -3n, -3n, -2n],
      [25n, -10n, -2n, -3n, -2n, -2n, -3n, -3n, -2n],
      [-1n, 3n, 0n, 0n, 0n, 0n, -1n, -1n, 0n],
      [0n, -7n, 0n, 0n, 0n, 0n, 0n, 0n, 0n],
    ];
    const modes: readonly RoundingMode[] = [
      'half_even',
      'half_up',
      'half_down',
      'down',
      'up',
      'floor',
      'ceiling',
    ];
    for (const [numerator, denominator, ...expected] of table) {
      for (const [index, mode] of modes.entries()) {
        assert.equal(
          divideRounded(numerator!, denominator!, mode),
          expected[index],
          `${numerator}/${denominator} ${mode}`,
        );
      }
    }
  });

  it('agrees with the independent reference for every mode and sign', () => {
    fc.assert(
      fc.property(numeratorArb, denominatorArb, modeArb, (numerator, denominator, mode) => {
        assert.equal(
          divideRounded(numerator, denominator, mode),
          referenceDivideRounded(numerator, denominator, mode),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the reference on exact ties (k + 1/2), where the half_* modes differ', () => {
    const tieArb = fc
      .tuple(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), fc.bigInt({ min: 1n, max: 10n ** 9n }))
      .map(([whole, half]) => ({ numerator: whole * 2n * half + half, denominator: 2n * half }));
    fc.assert(
      fc.property(tieArb, fc.boolean(), modeArb, ({ numerator, denominator }, flip, mode) => {
        const signedDenominator = flip ? -denominator : denominator;
        assert.equal(
          divideRounded(numerator, signedDenominator, mode),
          referenceDivideRounded(numerator, signedDenominator, mode),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with the reference on every small fraction, exhaustively', () => {
    for (let numerator = -40n; numerator <= 40n; numerator += 1n) {
      for (let denominator = -8n; denominator <= 8n; denominator += 1n) {
        if (denominator === 0n) continue;
        for (const mode of roundingModes) {
          assert.equal(
            divideRounded(numerator, denominator, mode),
            referenceDivideRounded(numerator, denominator, mode),
            `${numerator}/${denominator} ${mode}`,
          );
        }
      }
    }
  });

  it('lands within one unit of the exact quotient, and within half a unit for the half_* modes', () => {
    fc.assert(
      fc.property(numeratorArb, denominatorArb, modeArb, (numerator, denominator, mode) => {
        const quotient = divideRounded(numerator, denominator, mode);
        // |quotient - n/d| = |quotient·d - n| / |d|
        const gap = abs(quotient * denominator - numerator);
        assert.ok(gap < abs(denominator));
        if (mode.startsWith('half_')) assert.ok(2n * gap <= abs(denominator));
      }),
    );
  });

  it('rounds in the promised direction: floor ≤ exact ≤ ceiling, down toward zero, up away', () => {
    fc.assert(
      fc.property(numeratorArb, denominatorArb, (numerator, denominator) => {
        const sign = denominator < 0n ? -1n : 1n;
        // Compare quotient with n/d by comparing quotient·|d| with n·sign(d).
        const scaled = (mode: RoundingMode) => divideRounded(numerator, denominator, mode) * abs(denominator);
        const exact = numerator * sign;
        assert.ok(scaled('floor') <= exact && scaled('ceiling') >= exact);
        assert.ok(abs(scaled('down')) <= abs(exact) && abs(scaled('up')) >= abs(exact));
      }),
    );
  });

  it('is exact when the denominator divides the numerator, whatever the mode', () => {
    fc.assert(
      fc.property(numeratorArb, denominatorArb, modeArb, (quotient, denominator, mode) => {
        assert.equal(divideRounded(quotient * denominator, denominator, mode), quotient);
      }),
    );
  });

  it('is odd for the symmetric modes and mirrors floor/ceiling under negation', () => {
    const symmetric: readonly RoundingMode[] = ['half_even', 'half_up', 'half_down', 'down', 'up'];
    fc.assert(
      fc.property(numeratorArb, denominatorArb, (numerator, denominator) => {
        for (const mode of symmetric) {
          assert.equal(
            divideRounded(-numerator, denominator, mode),
            -divideRounded(numerator, denominator, mode),
          );
        }
        assert.equal(
          divideRounded(-numerator, denominator, 'floor'),
          -divideRounded(numerator, denominator, 'ceiling'),
        );
        for (const mode of roundingModes) {
          assert.equal(
            divideRounded(numerator, -denominator, mode),
            divideRounded(-numerator, denominator, mode),
          );
        }
      }),
    );
  });

  it('names the common modes with helpers that match divideRounded', () => {
    fc.assert(
      fc.property(numeratorArb, denominatorArb, (numerator, denominator) => {
        assert.equal(
          divideHalfEven(numerator, denominator),
          divideRounded(numerator, denominator, 'half_even'),
        );
        assert.equal(divideHalfUp(numerator, denominator), divideRounded(numerator, denominator, 'half_up'));
        assert.equal(divideDown(numerator, denominator), divideRounded(numerator, denominator, 'down'));
        assert.equal(divideUp(numerator, denominator), divideRounded(numerator, denominator, 'up'));
      }),
    );
  });

  it('treats a zero denominator as a bug', () => {
    assert.throws(() => divideRounded(1n, 0n, 'half_even'), AssertionError);
  });
});

function abs(value: bigint): bigint {
  return value < 0n ? -value : value;
}
