/**
 * Proves decimal.ts reads and writes exact decimals: formatDecimal ∘ parseDecimal is the identity on
 * canonical text and parseDecimal ∘ formatDecimal is the identity on values (scale kept as written),
 * malformed text is refused with `decimal_invalid`, basis points are scale 4, and products and
 * comparisons are exact.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AssertionError } from '../assert.ts';
import {
  compareDecimal,
  DECIMAL_SCALE_MAX,
  DECIMAL_TEXT_LENGTH_MAX,
  type Decimal,
  decimal,
  decimalFromBasisPoints,
  formatDecimal,
  multiplyDecimals,
  normalizeDecimal,
  parseDecimal,
} from './decimal.ts';

const decimalArb = fc
  .tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: DECIMAL_SCALE_MAX }))
  .map(([coefficient, scale]) => decimal(coefficient, scale));

function parsed(text: string): Decimal {
  const result = parseDecimal(text);
  assert.ok(result.ok, `expected ${text} to parse`);
  return result.value;
}

describe('parseDecimal and formatDecimal', () => {
  it('round-trip every value: parse(format(d)) is d, scale included', () => {
    fc.assert(
      fc.property(decimalArb, (value) => {
        const text = formatDecimal(value);
        if (text.length <= DECIMAL_TEXT_LENGTH_MAX) assert.deepEqual(parsed(text), value);
      }),
      { numRuns: 1000 },
    );
  });

  it('round-trip canonical text: format(parse(t)) is t', () => {
    const canonicalArb = fc
      .tuple(
        fc.boolean(),
        fc.stringMatching(/^(?:0|[1-9][0-9]{0,20})$/),
        fc.option(fc.stringMatching(/^[0-9]{1,20}$/), { nil: undefined }),
      )
      .map(([negative, integer, fraction]) => {
        const body = fraction === undefined ? integer : `${integer}.${fraction}`;
        // '-0' and '-0.00' are read as zero and written without the sign, so they are not canonical.
        return negative && /[1-9]/.test(body) ? `-${body}` : body;
      });
    fc.assert(
      fc.property(canonicalArb, (text) => {
        assert.equal(formatDecimal(parsed(text)), text);
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps the written scale and reads the documented edge cases', () => {
    assert.deepEqual(parsed('1.10'), { coefficient: 110n, scale: 2 });
    assert.deepEqual(parsed('007.5'), { coefficient: 75n, scale: 1 });
    assert.deepEqual(parsed('-0'), { coefficient: 0n, scale: 0 });
    assert.deepEqual(parsed('-0.0125'), { coefficient: -125n, scale: 4 });
    assert.equal(formatDecimal(decimal(5n, 3)), '0.005');
    assert.equal(formatDecimal(decimal(-5n, 3)), '-0.005');
    assert.equal(formatDecimal(decimal(0n, 2)), '0.00');
    assert.equal(formatDecimal(decimal(-1234n, 0)), '-1234');
  });

  it('refuses malformed text with decimal_invalid', () => {
    const rejected = [
      '',
      '+1',
      '1.',
      '.5',
      '-',
      '-.5',
      '1e-3',
      '1E3',
      ' 1',
      '1 ',
      '1,000',
      '1,5',
      '1_000',
      '0x10',
      '١',
      'NaN',
      'Infinity',
      '--1',
      '1.2.3',
      `0.${'1'.repeat(DECIMAL_SCALE_MAX + 1)}`,
      '9'.repeat(DECIMAL_TEXT_LENGTH_MAX + 1),
    ];
    for (const text of rejected) {
      const result = parseDecimal(text);
      assert.equal(result.ok, false, `expected ${JSON.stringify(text)} to be rejected`);
      assert.equal(!result.ok && result.code, 'decimal_invalid');
    }
    assert.ok(parseDecimal(`0.${'1'.repeat(DECIMAL_SCALE_MAX)}`).ok);
    assert.ok(parseDecimal('9'.repeat(DECIMAL_TEXT_LENGTH_MAX)).ok);
  });
});

describe('decimal arithmetic', () => {
  it('reads basis points at scale 4: 125 bps is 0.0125', () => {
    assert.deepEqual(decimalFromBasisPoints(125n), { coefficient: 125n, scale: 4 });
    assert.equal(formatDecimal(decimalFromBasisPoints(10_000n)), '1.0000');
  });

  it('multiplies exactly, adding scales, and compares values not representations', () => {
    const halfScaleArb = decimalArb.map((value) => decimal(value.coefficient, value.scale % 19));
    fc.assert(
      fc.property(halfScaleArb, halfScaleArb, (a, b) => {
        const product = multiplyDecimals(a, b);
        // product = a·b exactly: product.coefficient / 10^ps = a.c·b.c / 10^(as+bs)
        const left = product.coefficient * 10n ** BigInt(a.scale + b.scale);
        const right = a.coefficient * b.coefficient * 10n ** BigInt(product.scale);
        assert.equal(left, right);
        // Antisymmetric (summed, since −0 is not 0 to a strict assertion when a equals b).
        assert.equal(compareDecimal(a, b) + compareDecimal(b, a), 0);
        assert.equal(compareDecimal(normalizeDecimal(a), a), 0);
      }),
    );
    assert.equal(compareDecimal(parsed('1.10'), parsed('1.1')), 0);
    assert.equal(compareDecimal(parsed('-0.01'), parsed('0')), -1);
    assert.deepEqual(normalizeDecimal(parsed('1.2300')), { coefficient: 123n, scale: 2 });
    assert.deepEqual(normalizeDecimal(parsed('0.000')), { coefficient: 0n, scale: 0 });
  });

  it('normalizes a product past DECIMAL_SCALE_MAX and treats one that stays past it as a bug', () => {
    assert.deepEqual(multiplyDecimals(decimal(1000n, 20), decimal(1000n, 20)), {
      coefficient: 1n,
      scale: 34,
    });
    assert.throws(() => multiplyDecimals(decimal(1n, 20), decimal(1n, 20)), AssertionError);
  });

  it('treats a scale outside 0..DECIMAL_SCALE_MAX as a bug', () => {
    assert.throws(() => decimal(1n, -1), AssertionError);
    assert.throws(() => decimal(1n, DECIMAL_SCALE_MAX + 1), AssertionError);
    assert.throws(() => decimal(1n, 1.5), AssertionError);
  });
});
