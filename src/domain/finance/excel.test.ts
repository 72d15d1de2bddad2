/**
 * Proves excel.ts computes Excel's PMT, IPMT, PPMT, CUMIPMT, RATE, XNPV and XIRR: every "excel"
 * vector of ../shared/vectors/finance-math.json to the decimals the vector prints, and the identities
 * that tie the functions together (PPMT + IPMT = PMT, principal parts repay pv, CUMIPMT is a sum of
 * IPMT, RATE inverts PMT, XNPV is zero at XIRR), with Excel's sign convention and the failures RATE
 * and XIRR report when no rate exists.
 *
 * "To the decimals the vector prints" is taken literally for both sides: the computed value must lie
 * within half a unit of the expected value's last printed digit, widened by what the inputs' own
 * printing can move the result (|∂f/∂x| × half a unit of each non-integer input's last digit). The
 * widening matters for one vector: its rate 0.0083333333333333 is 1/120 cut at 16 digits, and Excel's
 * printed -66.6666666666667 is the interest at 1/120 itself, 3e-13 away from the interest at the
 * printed rate. XIRR is also allowed Excel's own stopping rule: Excel documents that XIRR iterates
 * until the rate is within 0.000001 percent, and its printed 0.373362535 is 1.5e-9 from the root
 * (0.37336253351883…, 40-digit arithmetic), which this implementation reaches; a separate test shows
 * XNPV is closer to zero at our rate than at Excel's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type CalendarDate, calendarDate } from '../time/calendar-date.ts';
import { cumipmt, ipmt, pmt, ppmt, rate, xirr, xnpv } from './excel.ts';

type ExcelVector = { fn: string; args: Record<string, unknown>; expect: number };

const vectorsUrl = new URL('../../../../shared/vectors/finance-math.json', import.meta.url);
const vectors = (JSON.parse(readFileSync(vectorsUrl, 'utf8')) as { excel: ExcelVector[] }).excel;

function decimalsPrinted(value: number): number {
  const text = String(value);
  assert.ok(!/e/i.test(text), `vector value ${text} must be plain decimal text`);
  return text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
}

function halfUnit(value: number): number {
  return 0.5 * 10 ** -decimalsPrinted(value);
}

/** The vector's function on its arguments, as a plain number (Results unwrapped). */
function evaluate(fn: string, args: Record<string, unknown>): number {
  const withDates =
    args['dates'] === undefined
      ? args
      : { ...args, dates: (args['dates'] as string[]).map((date) => calendarDate(date)) };
  // biome-ignore lint/suspicious/noExplicitAny: the vector file names the function and its arguments.
  const a = withDates as any;
  switch (fn) {
    case 'PMT':
      return pmt(a);
    case 'IPMT':
      return ipmt(a);
    case 'PPMT':
      return ppmt(a);
    case 'CUMIPMT':
      return cumipmt(a);
    case 'RATE': {
      const solved = rate(a);
      assert.ok(solved.ok, `RATE found no rate: ${JSON.stringify(args)}`);
      return solved.value;
    }
    case 'XNPV': {
      const value = xnpv(a);
      assert.ok(value.ok);
      return value.value;
    }
    case 'XIRR': {
      const solved = xirr(a);
      assert.ok(solved.ok, `XIRR found no rate: ${JSON.stringify(args)}`);
      return solved.value;
    }
    default:
      throw new Error(`no such Excel function in the vectors: ${fn}`);
  }
}

/** Excel: "XIRR ... iterates until the result is accurate within 0.000001 percent". */
const excelXirrRelativeAccuracy = 1e-8;

/** How far the printing of the non-integer scalar inputs can move the result. */
function inputPrintingSlack(fn: string, args: Record<string, unknown>): number {
  let slack = 0;
  for (const [name, value] of Object.entries(args)) {
    if (typeof value !== 'number' || Number.isInteger(value)) continue;
    const step = Math.max(Math.abs(value) * 1e-7, 1e-12);
    const slope =
      (evaluate(fn, { ...args, [name]: value + step }) - evaluate(fn, { ...args, [name]: value - step })) /
      (2 * step);
    slack += Math.abs(slope) * halfUnit(value);
  }
  return slack;
}

describe('Excel functions against shared/vectors/finance-math.json', () => {
  it('has vectors for all seven functions', () => {
    assert.deepEqual([...new Set(vectors.map((v) => v.fn))].sort(), [
      'CUMIPMT',
      'IPMT',
      'PMT',
      'PPMT',
      'RATE',
      'XIRR',
      'XNPV',
    ]);
  });

  for (const vector of vectors) {
    it(`${vector.fn}(${JSON.stringify(vector.args)}) = ${vector.expect}`, () => {
      const computed = evaluate(vector.fn, vector.args);
      const excelStoppingRule =
        vector.fn === 'XIRR' ? Math.abs(vector.expect) * excelXirrRelativeAccuracy : 0;
      const tolerance =
        halfUnit(vector.expect) + inputPrintingSlack(vector.fn, vector.args) + excelStoppingRule;
      assert.ok(
        Math.abs(computed - vector.expect) <= tolerance,
        `computed ${computed}, expected ${vector.expect} ± ${tolerance}`,
      );
    });
  }
});

describe('Excel identities and edge cases', () => {
  it("solves XIRR closer to the root than Excel's printed rate", () => {
    const vector = vectors.find((v) => v.fn === 'XIRR')!;
    const values = vector.args['values'] as number[];
    const dates = (vector.args['dates'] as string[]).map((date) => calendarDate(date));
    const ours = evaluate('XIRR', vector.args);
    const atOurs = xnpv({ rate: ours, values, dates });
    const atExcels = xnpv({ rate: vector.expect, values, dates });
    assert.ok(atOurs.ok && atExcels.ok);
    assert.ok(Math.abs(atOurs.value) < 1e-8, `XNPV at our XIRR is ${atOurs.value}`);
    assert.ok(Math.abs(atOurs.value) < Math.abs(atExcels.value));
  });

  // Two periods at least: one payment in advance repays pv at any rate, so RATE has no answer.
  // Loans whose balance grows at most 10,000-fold unpaid: past that, Excel's closed forms subtract
  // numbers so much larger than the balance that doubles keep fewer than ten significant digits.
  const loanArb = fc
    .record({
      rate: fc.double({ min: 0.0001, max: 0.05, noNaN: true }),
      nper: fc.integer({ min: 2, max: 480 }),
      pv: fc.double({ min: 100, max: 10_000_000, noNaN: true }),
      type: fc.constantFrom<0 | 1>(0, 1),
    })
    .filter(({ rate: r, nper }) => (1 + r) ** nper <= 10_000);

  it('splits every payment into interest and principal (PPMT + IPMT = PMT) that repay pv', () => {
    fc.assert(
      fc.property(loanArb, ({ rate: r, nper, pv, type }) => {
        const payment = pmt({ rate: r, nper, pv, type });
        assert.ok(payment < 0, 'a loan received is repaid with negative payments');
        let principalTotal = 0;
        for (let per = 1; per <= nper; per += 1) {
          const interest = ipmt({ rate: r, per, nper, pv, type });
          const principal = ppmt({ rate: r, per, nper, pv, type });
          assert.ok(Math.abs(interest + principal - payment) <= 1e-9 * Math.abs(payment));
          principalTotal += principal;
        }
        assert.ok(
          Math.abs(principalTotal + pv) <= 1e-9 * pv,
          `principal parts ${principalTotal} repay ${pv}`,
        );
      }),
      { numRuns: 60 },
    );
  });

  it('sums IPMT over the periods asked for in CUMIPMT', () => {
    const args = { rate: 0.0075, nper: 360, pv: 125_000, type: 0 as const };
    let total = 0;
    for (let per = 13; per <= 24; per += 1) total += ipmt({ ...args, per });
    assert.ok(Math.abs(cumipmt({ ...args, start: 13, end: 24 }) - total) < 1e-9);
  });

  it('answers no interest in the first period when payments are made in advance', () => {
    assert.equal(ipmt({ rate: 0.01, per: 1, nper: 12, pv: 1000, type: 1 }), 0);
  });

  it('divides evenly at a zero rate', () => {
    assert.equal(pmt({ rate: 0, nper: 4, pv: 1000 }), -250);
    assert.equal(pmt({ rate: 0, nper: 4, pv: 1000, fv: 200 }), -300);
  });

  it('recovers the rate PMT was computed at (RATE inverts PMT)', () => {
    fc.assert(
      fc.property(loanArb, ({ rate: r, nper, pv, type }) => {
        const payment = pmt({ rate: r, nper, pv, type });
        const solved = rate({ nper, pmt: payment, pv, type });
        assert.ok(solved.ok);
        assert.ok(Math.abs(solved.value - r) < 1e-9, `RATE ${solved.value} for ${r}`);
      }),
      { numRuns: 100 },
    );
  });

  it('reports that no rate exists when every flow has the same sign', () => {
    const solved = rate({ nper: 10, pmt: 100, pv: 1000 });
    assert.equal(solved.ok, false);
    const dates: CalendarDate[] = [calendarDate('2024-01-01'), calendarDate('2024-07-01')];
    const irr = xirr({ values: [100, 100], dates });
    assert.deepEqual(irr.ok ? null : irr.code, 'cash_flows_need_both_signs');
  });

  it('makes XNPV zero at the XIRR, and refuses a date before the first', () => {
    const dates = ['2024-01-15', '2024-03-01', '2024-09-30', '2025-06-15'].map(calendarDate);
    const values = [-5000, 1500, 2000, 2500];
    const solved = xirr({ values, dates });
    assert.ok(solved.ok);
    const npv = xnpv({ rate: solved.value, values, dates });
    assert.ok(npv.ok && Math.abs(npv.value) < 1e-7, `XNPV at XIRR is ${npv.ok ? npv.value : npv.code}`);
    const early = xnpv({ rate: 0.1, values, dates: [...dates.slice(0, 3), calendarDate('2023-12-31')] });
    assert.equal(early.ok ? null : early.code, 'date_before_first_date');
  });

  it('finds a negative XIRR (money lost) from the default guess', () => {
    const dates = ['2024-01-01', '2025-01-01'].map(calendarDate);
    const solved = xirr({ values: [-1000, 900], dates });
    assert.ok(solved.ok);
    assert.ok(Math.abs(solved.value - (900 / 1000) ** (365 / 366) + 1) < 1e-12);
  });
});
