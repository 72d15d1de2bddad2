/**
 * Proves allocate never loses or invents a minor unit: the parts always sum exactly to the whole,
 * each part is within one minor unit of its exact share (ratio / total × whole), zero ratios get
 * zero, leftover units go to the largest remainders with ties to the earliest part, a negative whole
 * splits as the mirror image of the positive one, the same input always gives the same split, and
 * malformed ratio lists are refused with their codes in the documented order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { Result } from '../result.ts';
import { currencyCodes } from './currency.ts';
import { allocate, allocationPartsMax, amountMinorMax, amountMinorMin, type Money, money } from './money.ts';

const currencyArb = fc.constantFrom(...currencyCodes);
const amountArb = fc.oneof(
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.bigInt({ min: amountMinorMin, max: amountMinorMax }),
);
const ratiosArb = fc
  .array(
    fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 10n }), fc.bigInt({ min: 0n, max: 10n ** 18n })),
    {
      minLength: 1,
      maxLength: 30,
    },
  )
  .filter((ratios) => ratios.some((ratio) => ratio > 0n));

function parts(result: Result<readonly Money[], string>): bigint[] {
  assert.ok(result.ok, `expected ok, got ${!result.ok && result.code}`);
  return result.value.map((part) => part.amountMinor);
}

function usdParts(amountMinor: bigint, ratios: readonly bigint[]): bigint[] {
  return parts(allocate(money(amountMinor, 'USD'), ratios));
}

describe('allocate', () => {
  it('sums exactly to the whole, each part within one unit of its exact share', () => {
    fc.assert(
      fc.property(currencyArb, amountArb, ratiosArb, (currency, amountMinor, ratios) => {
        const result = allocate(money(amountMinor, currency), ratios);
        assert.ok(result.ok);
        assert.equal(result.value.length, ratios.length);
        const total = ratios.reduce((sum, ratio) => sum + ratio, 0n);
        let sum = 0n;
        for (const [index, part] of result.value.entries()) {
          assert.equal(part.currency, currency);
          sum += part.amountMinor;
          const ratio = ratios[index]!;
          // |part - whole·ratio/total| < 1  ⇔  |part·total - whole·ratio| < total
          const gap = part.amountMinor * total - amountMinor * ratio;
          assert.ok((gap < 0n ? -gap : gap) < total, `part ${index} strays from its share`);
          if (ratio === 0n) assert.equal(part.amountMinor, 0n);
          // Every part has the whole's sign (or is zero): nothing is taken from one part to pay another.
          assert.ok(amountMinor >= 0n ? part.amountMinor >= 0n : part.amountMinor <= 0n);
        }
        assert.equal(sum, amountMinor);
      }),
      { numRuns: 1000 },
    );
  });

  it('splits a negative whole as the mirror image of the positive one', () => {
    fc.assert(
      fc.property(amountArb, ratiosArb, (amountMinor, ratios) => {
        const negated = usdParts(-amountMinor, ratios).map((part) => -part);
        assert.deepEqual(negated, usdParts(amountMinor, ratios));
      }),
    );
  });

  it('is deterministic and equivariant: scaling all ratios does not change the split', () => {
    fc.assert(
      fc.property(amountArb, ratiosArb, fc.bigInt({ min: 1n, max: 1000n }), (amountMinor, ratios, factor) => {
        const split = usdParts(amountMinor, ratios);
        assert.deepEqual(usdParts(amountMinor, ratios), split);
        assert.deepEqual(
          usdParts(
            amountMinor,
            ratios.map((ratio) => ratio * factor),
          ),
          split,
        );
      }),
    );
  });

  it('hands leftover units to the largest remainders, ties to the earliest part', () => {
    assert.deepEqual(usdParts(100n, [1n, 1n, 1n]), [34n, 33n, 33n]);
    assert.deepEqual(usdParts(-100n, [1n, 1n, 1n]), [-34n, -33n, -33n]);
    assert.deepEqual(usdParts(5n, [1n, 1n]), [3n, 2n]);
    assert.deepEqual(usdParts(1n, [1n, 1n, 1n, 1n]), [1n, 0n, 0n, 0n]);
    // Exact shares 2.5, 1.5, 1.0 (and 1.5, 2.5, 1.0): the halves tie, so the earlier one gets the unit.
    assert.deepEqual(usdParts(5n, [5n, 3n, 2n]), [3n, 1n, 1n]);
    assert.deepEqual(usdParts(5n, [3n, 5n, 2n]), [2n, 2n, 1n]);
    // Exact shares 0.7, 0.2, 0.1 of one unit: 0.7 is the largest remainder.
    assert.deepEqual(usdParts(1n, [7n, 2n, 1n]), [1n, 0n, 0n]);
    // Exact shares 1.3, 1.7: the second has the larger remainder.
    assert.deepEqual(usdParts(3n, [13n, 17n]), [1n, 2n]);
    assert.deepEqual(usdParts(10n, [0n, 1n, 0n, 1n]), [0n, 5n, 0n, 5n]);
    assert.deepEqual(usdParts(0n, [1n, 2n]), [0n, 0n]);
    assert.deepEqual(usdParts(amountMinorMax, [1n, 1n]), [2n ** 62n, 2n ** 62n - 1n]);
  });

  it('refuses malformed ratio lists, checked in order: empty, too many, negative, all zero', () => {
    const whole = money(100n, 'USD');
    const code = (ratios: readonly bigint[]) => {
      const result = allocate(whole, ratios);
      return result.ok ? 'ok' : result.code;
    };
    assert.equal(code([]), 'ratios_empty');
    assert.equal(code(Array(allocationPartsMax + 1).fill(-1n)), 'ratios_too_many');
    assert.equal(code([1n, -1n, 0n]), 'ratio_negative');
    assert.equal(code([0n, -1n]), 'ratio_negative');
    assert.equal(code([0n, 0n]), 'ratios_all_zero');
    assert.equal(code(Array(allocationPartsMax).fill(1n)), 'ok');
  });
});
