/**
 * Deductions across currencies: what a facility owes converted down into the payout's currency,
 * and what the waterfall takes converted back — never above what is owed, a component taken whole
 * cleared whole, and so an instalment due taken whole, JPY's missing minor unit and KWD's third
 * honoured.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CurrencyCode } from '../money/currency.ts';
import { fxRate } from '../money/fx.ts';
import {
  appliedInFacilityCurrency,
  convertibleDeduction,
  owedInPayoutCurrency,
  rateBetween,
} from './fx-deductions.ts';
import { type Amounts, type FacilityOwed, settlementWaterfall } from './waterfall.ts';

const none: Amounts = { fees: 0n, interest: 0n, principal: 0n };
const owed = (notYetDue: Amounts, overdue: Amounts = none): FacilityOwed => ({
  facilityId: 'fac_1',
  financierId: 'fin_1',
  oldestDueDay: null,
  overdue,
  due: none,
  notYetDue,
  holdbackRateBps: 2_000,
});
const rate = (base: string, quote: string, value: string) => {
  const r = fxRate(base, quote, value, 'test', '2026-07-16T12:00:00Z');
  assert.ok(r.ok);
  return r.value;
};

/** The waterfall's deduction from the one facility, in the payout's currency. */
function taken(
  o: FacilityOwed,
  from: CurrencyCode,
  to: CurrencyCode,
  r: ReturnType<typeof rate>,
  net: bigint,
) {
  const inPayout = owedInPayoutCurrency(o, from, to, r);
  const waterfall = settlementWaterfall({
    settlementNetMinor: net,
    dailyCapBps: 3_000,
    settledEarlierTodayMinor: 0n,
    deductedEarlierTodayMinor: 0n,
    facilities: [inPayout],
  });
  assert.ok(waterfall.ok);
  const [deduction] = waterfall.value.deductions;
  assert.ok(deduction);
  return { inPayout, deduction };
}

/**
 * The waterfall's deduction repaying the facility as it is (`untrimmed`), and first trimmed to what
 * converts (`trimmed`, `repaid`), as the sweep does.
 */
function repayments(
  o: FacilityOwed,
  from: CurrencyCode,
  to: CurrencyCode,
  r: ReturnType<typeof rate>,
  net: bigint,
) {
  const { inPayout, deduction } = taken(o, from, to, r, net);
  const trimmed = convertibleDeduction(deduction, inPayout, from, to, r);
  return {
    inPayout,
    taken: deduction,
    trimmed,
    untrimmed: appliedInFacilityCurrency(deduction, o, inPayout, from, to, r),
    repaid: appliedInFacilityCurrency(trimmed, o, inPayout, from, to, r),
    again: convertibleDeduction(trimmed, inPayout, from, to, r),
  };
}

const currencies = ['USD', 'EUR', 'JPY', 'KWD'] as const;
/** Any facility owed in one currency, a payout in another, and a rate between them. */
const anyForeignPayout = fc
  .record({
    from: fc.constantFrom(...currencies),
    to: fc.constantFrom(...currencies),
    rateTenThousandths: fc.integer({ min: 1, max: 10_000_000 }),
    fees: fc.bigInt({ min: 0n, max: 10_000_000n }),
    principal: fc.bigInt({ min: 0n, max: 10_000_000n }),
    overduePrincipal: fc.bigInt({ min: 0n, max: 10_000_000n }),
    net: fc.bigInt({ min: -1_000n, max: 100_000_000n }),
  })
  .filter(({ from, to }) => from !== to)
  .map((c) => ({
    ...c,
    r: rate(c.from, c.to, (c.rateTenThousandths / 10_000).toFixed(4)),
    o: owed(
      { fees: c.fees, interest: 0n, principal: c.principal },
      { fees: 0n, interest: 0n, principal: c.overduePrincipal },
    ),
  }));

describe('deductions across currencies', () => {
  it('converts what is owed down into the payout currency, each bucket on its own', () => {
    const usdOwed = owed(
      { fees: 1_001n, interest: 0n, principal: 100_000n },
      { fees: 3n, interest: 0n, principal: 0n },
    );
    // 1,000.00 USD at EUR/USD 1.0842 is 922.34 EUR (922.3390…, down); 10.01 USD is 9.23 EUR.
    const inEur = owedInPayoutCurrency(usdOwed, 'USD', 'EUR', rate('EUR', 'USD', '1.0842'));
    assert.deepEqual(inEur.notYetDue, { fees: 923n, interest: 0n, principal: 92_233n });
    assert.deepEqual(inEur.overdue, { fees: 2n, interest: 0n, principal: 0n });
    // Into JPY (no minor unit): 1,000.00 USD at USD/JPY 151.37 is ¥151,370.
    const inJpy = owedInPayoutCurrency(usdOwed, 'USD', 'JPY', rate('USD', 'JPY', '151.37'));
    assert.equal(inJpy.notYetDue.principal, 151_370n);
  });

  it('repays by the holdback converted back down, and clears a component taken whole', () => {
    const usdOwed = owed({ fees: 5_000n, interest: 0n, principal: 100_000n });
    const r = rate('EUR', 'USD', '1.0842');
    // 20% of a 100.00 EUR payout is 20.00 EUR = 21.684 USD, so 21.68 USD of fees.
    const small = repayments(usdOwed, 'USD', 'EUR', r, 10_000n).untrimmed;
    assert.deepEqual(small.applied, { fees: 2_168n, interest: 0n, principal: 0n });
    assert.equal(small.payoutMinor, 2_000n);
    assert.equal(small.conversion.rate, 'EUR/USD 1.0842');
    // A payout large enough to take everything clears the facility to the cent.
    const whole = repayments(usdOwed, 'USD', 'EUR', r, 10_000_000n).untrimmed;
    assert.deepEqual(whole.applied, usdOwed.notYetDue);
  });

  it('withholds only what converts into a repayment: no yen for no cent', () => {
    const usdOwed = owed({ fees: 5_000n, interest: 0n, principal: 100_000n });
    const r = rate('USD', 'JPY', '151.37');
    // A ¥5 payout's 20% is ¥1 = 0.66 cents: nothing repaid, so nothing withheld.
    const yen = repayments(usdOwed, 'USD', 'JPY', r, 5n);
    assert.equal(yen.taken.total, 1n);
    assert.equal(yen.trimmed.total, 0n);
    assert.deepEqual(yen.repaid.applied, none);
    // ¥301 = 198.85 cents → $1.98 of fees, which is ¥299.71: ¥300 withheld, ¥1 left to the merchant.
    const part = repayments(usdOwed, 'USD', 'JPY', r, 1_505n);
    assert.equal(part.taken.total, 301n);
    assert.deepEqual(part.trimmed.early, { fees: 300n, interest: 0n, principal: 0n });
    assert.equal(part.trimmed.total, 300n);
    assert.deepEqual(part.repaid.applied, { fees: 198n, interest: 0n, principal: 0n });
    assert.equal(part.repaid.payoutMinor, 300n);
    // Taken whole, a component is kept whole: the fees' ¥7,568 (down from $50.00) clear $50.00.
    const whole = repayments(usdOwed, 'USD', 'JPY', r, 100_000n);
    assert.equal(whole.trimmed.early.fees, 7_568n);
    assert.equal(whole.repaid.applied.fees, 5_000n);
  });

  it('pays an instalment due in full from a payout that covers it, not a cent short', () => {
    // A USD term loan's instalment falls due: interest 99.09 and principal 306.05, 3,883.95 of
    // principal not yet due; the payout is ¥300,000 at USD/JPY 151.37 (30% cap: ¥90,000).
    const loan: FacilityOwed = {
      ...owed({ fees: 0n, interest: 0n, principal: 388_395n }),
      due: { fees: 0n, interest: 9_909n, principal: 30_605n },
      holdbackRateBps: null,
    };
    const r = rate('USD', 'JPY', '151.37');
    const { inPayout, taken, trimmed, repaid } = repayments(loan, 'USD', 'JPY', r, 300_000n);
    // In yen, down: 99.09 × 151.37 = 14,999.2533 → ¥14,999; 306.05 × 151.37 = 46,326.7885 → ¥46,326.
    assert.deepEqual(inPayout.due, { fees: 0n, interest: 14_999n, principal: 46_326n });
    // The waterfall takes what is due, whole: ¥61,325, none of it trimmed.
    assert.deepEqual(taken.due, inPayout.due);
    assert.equal(trimmed.total, 61_325n);
    // The due principal taken whole is repaid whole: 306.05, not ¥46,326 ÷ 151.37 = 306.0448… →
    // 306.04, which left the instalment a cent short, the loan delinquent and charged a late fee.
    assert.deepEqual(repaid.applied, { fees: 0n, interest: 9_909n, principal: 30_605n });
    assert.equal(repaid.payoutMinor, 61_325n);
  });

  it('trims a deduction to the least that repays the same, for any amounts and rate', () => {
    fc.assert(
      fc.property(anyForeignPayout, ({ from, to, r, o, net }) => {
        const { inPayout, taken, trimmed, untrimmed, repaid, again } = repayments(o, from, to, r, net);
        assert.ok(trimmed.total <= taken.total && trimmed.total >= 0n);
        for (const bucket of ['overdue', 'due', 'early'] as const)
          for (const c of ['fees', 'interest', 'principal'] as const)
            assert.ok(trimmed[bucket][c] >= 0n && trimmed[bucket][c] <= taken[bucket][c]);
        assert.equal(
          trimmed.total,
          (['overdue', 'due', 'early'] as const).reduce(
            (sum, b) => sum + trimmed[b].fees + trimmed[b].interest + trimmed[b].principal,
            0n,
          ),
        );
        assert.deepEqual(repaid.applied, untrimmed.applied, 'it repays exactly what the whole would');
        assert.deepEqual(again, trimmed, 'trimming again changes nothing');
        if (repaid.applied.fees + repaid.applied.principal === 0n) assert.equal(trimmed.total, 0n);
        // What is overdue, taken whole, is repaid whole.
        if (taken.overdue.principal > 0n && taken.overdue.principal === inPayout.overdue.principal)
          assert.ok(repaid.applied.principal >= o.overdue.principal);
      }),
    );
  });

  it('finds the rate between two currencies whichever way it is quoted', () => {
    const r = rate('EUR', 'USD', '1.0842');
    assert.equal(rateBetween([r], 'USD', 'EUR'), r);
    assert.equal(rateBetween([r], 'EUR', 'USD'), r);
    assert.equal(rateBetween([r], 'USD', 'GBP'), undefined);
  });

  it('never applies more than is owed, for any owed amounts, rate and payout', () => {
    fc.assert(
      fc.property(anyForeignPayout, ({ from, to, r, o, net, fees, principal, overduePrincipal }) => {
        const result = repayments(o, from, to, r, net).untrimmed;
        assert.ok(result.applied.fees <= fees);
        assert.ok(result.applied.principal <= principal + overduePrincipal);
        assert.ok(result.applied.interest === 0n);
      }),
    );
  });
});
