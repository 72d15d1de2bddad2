/**
 * Proves currency.ts knows the active ISO 4217 currencies and their minor-unit exponents: the
 * well-known exponents (0, 2, 3 and 4 digits), that withdrawn, lower-case, padded and
 * prototype-property names are not currencies, and that codes without a minor unit (gold, XXX) are
 * refused with their own code.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  currencyCodes,
  currencyExponent,
  currencyExponentMax,
  currencyOf,
  exponentOf,
  isCurrencyCode,
} from './currency.ts';

describe('currency table', () => {
  it('holds every active ISO 4217 code with a minor unit, sorted and unique', () => {
    assert.equal(currencyCodes.length, 165);
    assert.deepEqual([...currencyCodes].sort(), currencyCodes);
    assert.equal(new Set(currencyCodes).size, currencyCodes.length);
    for (const code of currencyCodes) {
      assert.match(code, /^[A-Z]{3}$/);
      assert.ok(isCurrencyCode(code));
      const exponent = exponentOf(code);
      assert.ok([0, 2, 3, 4].includes(exponent) && exponent <= currencyExponentMax);
    }
  });

  it('gives the ISO exponents', () => {
    const expected: Record<string, number> = {
      USD: 2,
      EUR: 2,
      GBP: 2,
      CHF: 2,
      CNY: 2,
      INR: 2,
      JPY: 0,
      KRW: 0,
      VND: 0,
      ISK: 0,
      CLP: 0,
      XOF: 0,
      XAF: 0,
      UGX: 0,
      KWD: 3,
      BHD: 3,
      JOD: 3,
      OMR: 3,
      TND: 3,
      IQD: 3,
      LYD: 3,
      CLF: 4,
      UYW: 4,
      XCG: 2,
      ZWG: 2,
      SLE: 2,
      VES: 2,
      VED: 2,
    };
    for (const [code, exponent] of Object.entries(expected)) {
      assert.deepEqual(currencyExponent(code), { ok: true, value: exponent }, code);
    }
    const fourDigit = currencyCodes.filter((code) => exponentOf(code) === 4);
    assert.deepEqual(fourDigit, ['CLF', 'UYW']);
  });

  it('rejects what is not an active currency with currency_unknown', () => {
    const rejected = [
      'usd',
      'Usd',
      ' USD',
      'USD ',
      'US',
      'USDD',
      '',
      'HRK',
      'CUC',
      'SLL',
      'ZWL',
      'ANG',
      'DEM',
    ];
    for (const code of [...rejected, 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      assert.equal(isCurrencyCode(code), false, code);
      const result = currencyExponent(code);
      assert.equal(!result.ok && result.code, 'currency_unknown', code);
    }
  });

  it('knows the codes without a minor unit and refuses to hold amounts in them', () => {
    for (const code of ['XAU', 'XAG', 'XPT', 'XPD', 'XDR', 'XTS', 'XXX', 'XBA', 'XSU', 'XUA']) {
      assert.equal(isCurrencyCode(code), false, code);
      const result = currencyOf(code);
      assert.equal(!result.ok && result.code, 'currency_has_no_minor_unit', code);
    }
  });

  it('builds a Currency from a valid code', () => {
    assert.deepEqual(currencyOf('KWD'), { ok: true, value: { code: 'KWD', exponent: 3 } });
  });
});
