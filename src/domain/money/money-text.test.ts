/**
 * Proves amounts cross text exactly: for every currency, parseMoney ∘ formatMoney is the identity over
 * the whole signed 64-bit range and formatMoney writes exactly the currency's exponent of fraction
 * digits; parseMoney refuses malformed text, excess precision and out-of-range amounts with their
 * codes; and parseMinorUnits accepts only canonical integer strings within the range.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { currencyCodes, exponentOf } from './currency.ts';
import {
  amountMinorMax,
  amountMinorMin,
  formatMinorUnits,
  formatMoney,
  money,
  parseMinorUnits,
  parseMoney,
} from './money.ts';

const amountArb = fc.oneof(
  fc.bigInt({ min: -100_000n, max: 100_000n }),
  fc.bigInt({ min: amountMinorMin, max: amountMinorMax }),
  fc.constantFrom(amountMinorMin, amountMinorMax, 0n, 1n, -1n),
);

function code(result: { readonly ok: boolean; readonly code?: string }): string {
  return result.ok ? 'ok' : (result.code ?? '');
}

describe('parseMoney and formatMoney', () => {
  it('round-trip every currency over the whole range, with exactly its exponent of fraction digits', () => {
    for (const currency of currencyCodes) {
      const exponent = exponentOf(currency);
      fc.assert(
        fc.property(amountArb, (amountMinor) => {
          const value = money(amountMinor, currency);
          const text = formatMoney(value);
          assert.equal(text.split('.')[1]?.length ?? 0, exponent, `${currency} ${text}`);
          assert.equal(text.includes('.'), exponent > 0);
          assert.deepEqual(parseMoney(text, currency), { ok: true, value });
        }),
        { numRuns: 40 },
      );
    }
  });

  it('reads major units with up to the currency exponent of fraction digits', () => {
    assert.deepEqual(parseMoney('12.34', 'USD'), { ok: true, value: money(1234n, 'USD') });
    assert.deepEqual(parseMoney('12.3', 'USD'), { ok: true, value: money(1230n, 'USD') });
    assert.deepEqual(parseMoney('12', 'USD'), { ok: true, value: money(1200n, 'USD') });
    assert.deepEqual(parseMoney('-0.5', 'USD'), { ok: true, value: money(-50n, 'USD') });
    assert.deepEqual(parseMoney('-0', 'USD'), { ok: true, value: money(0n, 'USD') });
    assert.deepEqual(parseMoney('1500', 'JPY'), { ok: true, value: money(1500n, 'JPY') });
    assert.deepEqual(parseMoney('1.005', 'KWD'), { ok: true, value: money(1005n, 'KWD') });
    assert.deepEqual(parseMoney('1.0001', 'CLF'), { ok: true, value: money(10001n, 'CLF') });
  });

  it('writes exactly the exponent of fraction digits with a leading minus', () => {
    assert.equal(formatMoney(money(1234n, 'USD')), '12.34');
    assert.equal(formatMoney(money(-1230n, 'USD')), '-12.30');
    assert.equal(formatMoney(money(-5n, 'USD')), '-0.05');
    assert.equal(formatMoney(money(0n, 'EUR')), '0.00');
    assert.equal(formatMoney(money(-1500n, 'JPY')), '-1500');
    assert.equal(formatMoney(money(7n, 'BHD')), '0.007');
    assert.equal(formatMoney(money(1n, 'UYW')), '0.0001');
    assert.equal(formatMoney(money(amountMinorMax, 'USD')), '92233720368547758.07');
    assert.equal(formatMoney(money(amountMinorMin, 'USD')), '-92233720368547758.07');
  });

  it('refuses bad text, excess precision, range and currency with codes in the documented order', () => {
    const cases: readonly (readonly [string, string, string])[] = [
      ['12.34', 'usd', 'currency_unknown'],
      ['nonsense', 'XYZ', 'currency_unknown'],
      ['1', 'XAU', 'currency_has_no_minor_unit'],
      ['', 'USD', 'amount_invalid'],
      ['+1.00', 'USD', 'amount_invalid'],
      ['1e2', 'USD', 'amount_invalid'],
      ['1.2e1', 'USD', 'amount_invalid'],
      [' 1.00', 'USD', 'amount_invalid'],
      ['1.00 ', 'USD', 'amount_invalid'],
      ['1 000.00', 'USD', 'amount_invalid'],
      ['1,000.00', 'USD', 'amount_invalid'],
      ['1,5', 'EUR', 'amount_invalid'],
      ['.50', 'USD', 'amount_invalid'],
      ['5.', 'USD', 'amount_invalid'],
      ['$5', 'USD', 'amount_invalid'],
      ['5 USD', 'USD', 'amount_invalid'],
      ['12.345', 'USD', 'amount_too_precise'],
      ['12.340', 'USD', 'amount_too_precise'],
      ['100.0', 'JPY', 'amount_too_precise'],
      ['1.0000', 'KWD', 'amount_too_precise'],
      ['1.00001', 'CLF', 'amount_too_precise'],
      ['92233720368547758.08', 'USD', 'amount_out_of_range'],
      ['-92233720368547758.08', 'USD', 'amount_out_of_range'],
      ['9223372036854775808', 'JPY', 'amount_out_of_range'],
    ];
    for (const [text, currency, expected] of cases) {
      assert.equal(code(parseMoney(text, currency)), expected, `${JSON.stringify(text)} ${currency}`);
    }
    assert.equal(code(parseMoney('9223372036854775807', 'JPY')), 'ok');
  });
});

describe('parseMinorUnits', () => {
  it('round-trips every amount in range through its canonical text', () => {
    fc.assert(
      fc.property(amountArb, (amountMinor) => {
        assert.deepEqual(parseMinorUnits(formatMinorUnits(amountMinor)), { ok: true, value: amountMinor });
      }),
      { numRuns: 1000 },
    );
  });

  it('accepts only canonical integers and bounds them to the range', () => {
    assert.deepEqual(parseMinorUnits('1234'), { ok: true, value: 1234n });
    assert.deepEqual(parseMinorUnits('-1'), { ok: true, value: -1n });
    assert.deepEqual(parseMinorUnits('0'), { ok: true, value: 0n });
    assert.deepEqual(parseMinorUnits('9223372036854775807'), { ok: true, value: amountMinorMax });
    assert.deepEqual(parseMinorUnits('-9223372036854775807'), { ok: true, value: amountMinorMin });
    const invalid = [
      '',
      '-',
      '+5',
      '05',
      '00',
      '-0',
      '-05',
      '1e3',
      '1.0',
      '12.34',
      ' 5',
      '5 ',
      '0x1F',
      '1_000',
      '١',
    ];
    for (const text of invalid) assert.equal(code(parseMinorUnits(text)), 'amount_minor_invalid', text);
    const outOfRange = [
      '9223372036854775808',
      '-9223372036854775808',
      '99999999999999999999',
      `1${'0'.repeat(400)}`,
    ];
    for (const text of outOfRange) assert.equal(code(parseMinorUnits(text)), 'amount_out_of_range', text);
  });
});
