/**
 * Proves Money arithmetic is exact and stays in one currency: addition is commutative and
 * associative with zero as identity, subtraction undoes addition, a currency mismatch is always the
 * `currency_mismatch` result (never a conversion), results leaving the signed 64-bit range are
 * `amount_out_of_range`, and multiplying by a rate rounds exactly as the named mode says against an
 * exact rational reference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AssertionError } from '../assert.ts';
import type { Result } from '../result.ts';
import { type CurrencyCode, currencyCodes } from './currency.ts';
import { decimal, parseDecimal } from './decimal.ts';
import {
  addMoney,
  amountMinorMax,
  amountMinorMin,
  compareMoney,
  isNegativeMoney,
  isZeroMoney,
  money,
  moneyOf,
  multiplyByRate,
  negateMoney,
  subtractMoney,
  sumMoney,
  zeroMoney,
} from './money.ts';
import { roundingModes } from './rounding.ts';
import { referenceDivideRounded } from './rounding-reference.test-helper.ts';

const currencyArb = fc.constantFrom(...currencyCodes);
// Small enough that sums of three never leave the range, so the algebra is exercised unclipped.
const smallAmountArb = fc.bigInt({ min: -(2n ** 61n), max: 2n ** 61n });
const amountArb = fc.bigInt({ min: amountMinorMin, max: amountMinorMax });

function value<T>(result: Result<T, string>): T {
  assert.ok(
    result.ok,
    `expected ok, got ${JSON.stringify(result, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`,
  );
  return result.value;
}

describe('money arithmetic', () => {
  it('adds commutatively and associatively, with zero as identity and subtraction as inverse', () => {
    fc.assert(
      fc.property(currencyArb, smallAmountArb, smallAmountArb, smallAmountArb, (currency, x, y, z) => {
        const [a, b, c] = [money(x, currency), money(y, currency), money(z, currency)];
        assert.deepEqual(addMoney(a, b), addMoney(b, a));
        assert.deepEqual(addMoney(value(addMoney(a, b)), c), addMoney(a, value(addMoney(b, c))));
        assert.deepEqual(value(addMoney(a, zeroMoney(currency))), a);
        assert.deepEqual(value(subtractMoney(value(addMoney(a, b)), b)), a);
        assert.deepEqual(value(subtractMoney(a, b)), value(addMoney(a, negateMoney(b))));
        assert.deepEqual(negateMoney(negateMoney(a)), a);
      }),
    );
  });

  it('refuses to mix currencies in add, subtract, compare and sum', () => {
    const twoCurrenciesArb = fc.uniqueArray(currencyArb, { minLength: 2, maxLength: 2 });
    fc.assert(
      fc.property(twoCurrenciesArb, amountArb, amountArb, ([first, second], x, y) => {
        const a = money(x, first as CurrencyCode);
        const b = money(y, second as CurrencyCode);
        for (const result of [
          addMoney(a, b),
          subtractMoney(a, b),
          compareMoney(a, b),
          sumMoney([a, b], a.currency),
        ]) {
          assert.equal(result.ok, false);
          assert.equal(!result.ok && result.code, 'currency_mismatch');
        }
      }),
    );
  });

  it('reports amount_out_of_range at the signed 64-bit edge instead of wrapping', () => {
    const max = money(amountMinorMax, 'USD');
    const one = money(1n, 'USD');
    assert.deepEqual(addMoney(max, one), { ok: false, code: 'amount_out_of_range' });
    assert.deepEqual(subtractMoney(negateMoney(max), one), { ok: false, code: 'amount_out_of_range' });
    assert.deepEqual(value(addMoney(max, negateMoney(max))), zeroMoney('USD'));
    assert.deepEqual(negateMoney(money(amountMinorMin, 'USD')), max);
    assert.deepEqual(moneyOf(amountMinorMax + 1n, 'USD'), { ok: false, code: 'amount_out_of_range' });
    assert.deepEqual(moneyOf(amountMinorMin - 1n, 'USD'), { ok: false, code: 'amount_out_of_range' });
    assert.deepEqual(moneyOf(1n, 'usd'), { ok: false, code: 'currency_unknown', detail: 'usd' });
    assert.throws(() => money(amountMinorMax + 1n, 'USD'), AssertionError);
    assert.throws(() => money(1n, 'ZZZ' as CurrencyCode), AssertionError);
  });

  it('compares within a currency and answers the sign questions', () => {
    fc.assert(
      fc.property(currencyArb, amountArb, amountArb, (currency, x, y) => {
        const expected = x < y ? -1 : x > y ? 1 : 0;
        assert.deepEqual(compareMoney(money(x, currency), money(y, currency)), { ok: true, value: expected });
        assert.equal(isZeroMoney(money(x, currency)), x === 0n);
        assert.equal(isNegativeMoney(money(x, currency)), x < 0n);
      }),
    );
  });

  it('sums a list in any order, an empty list to zero, and checks only the total against the range', () => {
    fc.assert(
      fc.property(currencyArb, fc.array(smallAmountArb, { maxLength: 20 }), (currency, amounts) => {
        const items = amounts.map((amount) => money(amount, currency));
        const total = amounts.reduce((sum, amount) => sum + amount, 0n);
        const expected = total >= amountMinorMin && total <= amountMinorMax;
        const result = sumMoney(items, currency);
        assert.equal(result.ok, expected);
        if (result.ok) assert.equal(result.value.amountMinor, total);
        assert.deepEqual(sumMoney([...items].reverse(), currency), result);
      }),
    );
    assert.deepEqual(value(sumMoney([], 'JPY')), zeroMoney('JPY'));
    const max = money(amountMinorMax, 'EUR');
    const minusOne = money(-1n, 'EUR');
    assert.deepEqual(value(sumMoney([max, money(1n, 'EUR'), minusOne], 'EUR')), max);
  });
});

describe('multiplyByRate', () => {
  const rateArb = fc
    .tuple(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 14 }))
    .map(([coefficient, scale]) => decimal(coefficient, scale));

  it('equals amount × rate rounded by the named mode, against an exact rational reference', () => {
    fc.assert(
      fc.property(
        currencyArb,
        amountArb,
        rateArb,
        fc.constantFrom(...roundingModes),
        (currency, x, rate, mode) => {
          const denominator = 10n ** BigInt(rate.scale);
          const expected = referenceDivideRounded(x * rate.coefficient, denominator, mode);
          const result = multiplyByRate(money(x, currency), rate, mode);
          if (expected > amountMinorMax || expected < amountMinorMin) {
            assert.deepEqual(result, { ok: false, code: 'amount_out_of_range' });
            return;
          }
          const product = value(result);
          assert.equal(product.amountMinor, expected);
          assert.equal(product.currency, currency);
          // Within one minor unit of the exact product, and within half a unit for the half_* modes.
          const gap = product.amountMinor * denominator - x * rate.coefficient;
          const magnitude = gap < 0n ? -gap : gap;
          assert.ok(magnitude < denominator);
          if (mode.startsWith('half_')) assert.ok(2n * magnitude <= denominator);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('rounds the documented cases', () => {
    const rate = (text: string) => value(parseDecimal(text));
    const usd = (amountMinor: bigint) => money(amountMinor, 'USD');
    assert.deepEqual(value(multiplyByRate(usd(100_000n), rate('0.0125'), 'half_even')), usd(1250n));
    assert.deepEqual(value(multiplyByRate(usd(5n), rate('0.5'), 'half_even')), usd(2n));
    assert.deepEqual(value(multiplyByRate(usd(5n), rate('0.5'), 'half_up')), usd(3n));
    assert.deepEqual(value(multiplyByRate(usd(-5n), rate('0.5'), 'half_up')), usd(-3n));
    assert.deepEqual(value(multiplyByRate(usd(-5n), rate('0.5'), 'floor')), usd(-3n));
    assert.deepEqual(value(multiplyByRate(usd(-5n), rate('0.5'), 'ceiling')), usd(-2n));
    assert.deepEqual(value(multiplyByRate(usd(7n), rate('1'), 'down')), usd(7n));
    assert.deepEqual(multiplyByRate(usd(amountMinorMax), rate('1.01'), 'down'), {
      ok: false,
      code: 'amount_out_of_range',
    });
  });
});
