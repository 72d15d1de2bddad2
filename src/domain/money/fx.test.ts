/**
 * Conversions for cross-currency deductions, by hand: both directions of a quote, currencies with
 * no minor unit and with three, one rounding in the named mode, the rate and its source kept for
 * the record, and clear refusals of a bad rate or the wrong pair.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convert, type FxRate, fxRate } from './fx.ts';

function rate(base: string, quote: string, value: string): FxRate {
  const result = fxRate(base, quote, value, 'ecb_reference', '2026-11-25T14:15:00Z');
  assert.ok(result.ok, result.ok ? '' : result.detail);
  return result.value;
}

describe('fx', () => {
  const eurUsd = rate('EUR', 'USD', '1.0842');

  it('converts base to quote by multiplying and quote to base by dividing, rounding once', () => {
    // 1,000.00 EUR × 1.0842 = 1,084.20 USD.
    const forward = convert(100_000n, 'EUR', 'USD', eurUsd, 'half_even');
    assert.ok(forward.ok);
    assert.equal(forward.value.toMinor, 108_420n);
    assert.equal(forward.value.rate, 'EUR/USD 1.0842');
    assert.equal(forward.value.source, 'ecb_reference');
    // 1,084.20 USD ÷ 1.0842 = 1,000.00 EUR; 10.00 USD ÷ 1.0842 = 9.2234…: 9.22 down, 9.23 up.
    const back = convert(108_420n, 'USD', 'EUR', eurUsd, 'half_even');
    assert.equal(back.ok && back.value.toMinor, 100_000n);
    const down = convert(1_000n, 'USD', 'EUR', eurUsd, 'down');
    const up = convert(1_000n, 'USD', 'EUR', eurUsd, 'up');
    assert.deepEqual([down.ok && down.value.toMinor, up.ok && up.value.toMinor], [922n, 923n]);
  });

  it('applies each currency’s exponent', () => {
    // 100.00 USD at 151.37 JPY per USD is 15,137 yen; 1,000 yen back to 6.61 USD (6.6063…).
    const usdJpy = rate('USD', 'JPY', '151.37');
    const yen = convert(10_000n, 'USD', 'JPY', usdJpy, 'half_even');
    assert.equal(yen.ok && yen.value.toMinor, 15_137n);
    const dollars = convert(1_000n, 'JPY', 'USD', usdJpy, 'half_even');
    assert.equal(dollars.ok && dollars.value.toMinor, 661n);
    // 10.000 KWD at 3.2536 USD per KWD: 32.54 USD (32.536).
    const kwdUsd = rate('KWD', 'USD', '3.2536');
    const usd = convert(10_000n, 'KWD', 'USD', kwdUsd, 'half_even');
    assert.equal(usd.ok && usd.value.toMinor, 3_254n);
  });

  it('refuses a bad rate and a rate for another pair', () => {
    for (const [base, quote, value, source] of [
      ['EUR', 'EUR', '1', 'feed'],
      ['EUR', 'XXX', '1', 'feed'],
      ['EUR', 'USD', '0', 'feed'],
      ['EUR', 'USD', '-1.1', 'feed'],
      ['EUR', 'USD', 'abc', 'feed'],
      ['EUR', 'USD', '1.1', ' '],
      ['EUR', 'USD', '0.000000000001', 'feed'],
      ['EUR', 'USD', '100000000.01', 'feed'],
    ] as const) {
      const result = fxRate(base, quote, value, source, '2026-11-25T00:00:00Z');
      assert.equal(result.ok ? '' : result.code, 'fx_rate_invalid', `${base}/${quote} ${value} "${source}"`);
    }
    // As far apart as currencies stand: a Kuwaiti dinar in Iranian rials, and back.
    assert.ok(fxRate('KWD', 'IRR', '3400000', 'feed', '2026-11-25T00:00:00Z').ok);
    assert.ok(fxRate('IRR', 'KWD', '0.000000294', 'feed', '2026-11-25T00:00:00Z').ok);
    assert.ok(fxRate('EUR', 'USD', '0.00000001', 'feed', '2026-11-25T00:00:00Z').ok, 'the bound itself');
    const wrong = convert(100n, 'GBP', 'USD', eurUsd, 'half_even');
    assert.equal(wrong.ok ? '' : wrong.code, 'fx_currency_mismatch');
  });
});
