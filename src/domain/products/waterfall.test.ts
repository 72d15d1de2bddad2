/**
 * The settlement waterfall against a hand-worked payout, the day's shared cap, a payout with no
 * settled money, and — property-tested over random portfolios — its promises: never more than the
 * payout or the day's cap, never more than a component owes, every overdue amount before any due
 * one and every due one before any holdback, a holdback never above its share, the same answer
 * whatever order the facilities come in, and money conserved (merchant net + deductions = payout).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  type Amounts,
  components,
  type FacilityOwed,
  settlementWaterfall,
  sum,
  type WaterfallInput,
} from './waterfall.ts';

const none: Amounts = { fees: 0n, interest: 0n, principal: 0n };
const amounts = (fees: bigint, interest: bigint, principal: bigint): Amounts => ({
  fees,
  interest,
  principal,
});

const termLoan: FacilityOwed = {
  facilityId: 'fac_a_loan',
  financierId: 'fin_bank',
  oldestDueDay: 10,
  overdue: amounts(0n, 500n, 1_000n),
  due: none,
  notYetDue: amounts(0n, 0n, 20_000n),
  holdbackRateBps: null,
};
const creditLine: FacilityOwed = {
  facilityId: 'fac_b_line',
  financierId: 'fin_fund',
  oldestDueDay: 20,
  overdue: none,
  due: amounts(0n, 200n, 800n),
  notYetDue: amounts(0n, 0n, 9_000n),
  holdbackRateBps: null,
};
const advance: FacilityOwed = {
  facilityId: 'fac_c_advance',
  financierId: 'fin_bank',
  oldestDueDay: null,
  overdue: none,
  due: none,
  notYetDue: amounts(5_000n, 0n, 50_000n),
  holdbackRateBps: 1_000,
};

function run(input: WaterfallInput) {
  const result = settlementWaterfall(input);
  assert.ok(result.ok, result.ok ? '' : result.detail);
  return result.value;
}

describe('settlementWaterfall', () => {
  it('pays overdue, then due, then the holdback, within 30% of a 100.00 payout', () => {
    const result = run({
      settlementNetMinor: 10_000n,
      dailyCapBps: 3_000,
      settledEarlierTodayMinor: 0n,
      deductedEarlierTodayMinor: 0n,
      // Given out of order: the waterfall orders them itself.
      facilities: [advance, creditLine, termLoan],
    });
    assert.equal(result.availableMinor, 3_000n);
    const [loan, line, adv] = result.deductions;
    // 1. The loan's overdue interest and principal: 1,500 (1,500 left).
    assert.deepEqual(
      [loan?.facilityId, loan?.overdue, loan?.total],
      ['fac_a_loan', amounts(0n, 500n, 1_000n), 1_500n],
    );
    // 2. The line's due interest and principal: 1,000 (500 left).
    assert.deepEqual(
      [line?.facilityId, line?.due, line?.total],
      ['fac_b_line', amounts(0n, 200n, 800n), 1_000n],
    );
    // 3. The advance's holdback is 10% of 10,000 = 1,000, but only 500 is left: fees first.
    assert.deepEqual(
      [adv?.facilityId, adv?.early, adv?.total],
      ['fac_c_advance', amounts(500n, 0n, 0n), 500n],
    );
    assert.equal(result.totalDeductedMinor, 3_000n);
    assert.equal(result.merchantNetMinor, 7_000n);
    assert.deepEqual(result.byFinancier, [
      { financierId: 'fin_bank', totalMinor: 2_000n },
      { financierId: 'fin_fund', totalMinor: 1_000n },
    ]);
  });

  it('takes the holdback share from a payout with room, fees before principal', () => {
    const result = run({
      settlementNetMinor: 100_000n,
      dailyCapBps: 3_000,
      settledEarlierTodayMinor: 0n,
      deductedEarlierTodayMinor: 0n,
      facilities: [advance],
    });
    assert.deepEqual(result.deductions[0]?.early, amounts(5_000n, 0n, 5_000n));
    assert.equal(result.merchantNetMinor, 90_000n);
  });

  it('shares one cap between the payouts of a day', () => {
    const result = run({
      settlementNetMinor: 10_000n,
      dailyCapBps: 3_000,
      settledEarlierTodayMinor: 20_000n,
      deductedEarlierTodayMinor: 8_000n,
      facilities: [termLoan],
    });
    // 30% of 30,000 is 9,000, of which 8,000 was taken earlier.
    assert.equal(result.availableMinor, 1_000n);
    assert.deepEqual(result.deductions[0]?.overdue, amounts(0n, 500n, 500n));
  });

  it("caps a day's deductions at a share of its net: a negative payout earlier lowers it", () => {
    // Earlier: +10,000 (3,000 taken) and −5,000. The day's net with this 10,000 is 15,000: 30% is
    // 4,500, so 1,500 more — not 30% of the 20,000 paid out positive (6,000 − 3,000).
    const result = run({
      settlementNetMinor: 10_000n,
      dailyCapBps: 3_000,
      settledEarlierTodayMinor: 5_000n,
      deductedEarlierTodayMinor: 3_000n,
      facilities: [termLoan],
    });
    assert.equal(result.availableMinor, 1_500n);
    // Refunds outweighing the day so far: nothing while the day's net stays at or below zero.
    const under = run({
      settlementNetMinor: 4_000n,
      dailyCapBps: 3_000,
      settledEarlierTodayMinor: -6_000n,
      deductedEarlierTodayMinor: 0n,
      facilities: [termLoan],
    });
    assert.equal(under.availableMinor, 0n);
  });

  it('takes nothing from a payout whose chargebacks and refunds exceed its sales', () => {
    const result = run({
      settlementNetMinor: -2_500n,
      dailyCapBps: 3_000,
      settledEarlierTodayMinor: 0n,
      deductedEarlierTodayMinor: 0n,
      facilities: [termLoan, advance],
    });
    assert.equal(result.totalDeductedMinor, 0n);
    assert.equal(result.merchantNetMinor, -2_500n);
  });

  it('follows a configured component order', () => {
    const result = run({
      settlementNetMinor: 10_000n,
      dailyCapBps: 1_000,
      settledEarlierTodayMinor: 0n,
      deductedEarlierTodayMinor: 0n,
      componentOrder: ['principal', 'interest', 'fees'],
      facilities: [termLoan],
    });
    assert.deepEqual(result.deductions[0]?.overdue, amounts(0n, 0n, 1_000n));
  });

  it('refuses input it cannot apply, naming the problem', () => {
    const base = {
      settlementNetMinor: 1n,
      dailyCapBps: 3_000,
      settledEarlierTodayMinor: 0n,
      deductedEarlierTodayMinor: 0n,
    };
    const cases: [Partial<WaterfallInput>, RegExp][] = [
      [{ dailyCapBps: 10_001 }, /dailyCapBps/],
      [{ facilities: [termLoan, termLoan] }, /appears twice/],
      [{ facilities: [{ ...termLoan, due: amounts(-1n, 0n, 0n) }] }, /negative fees/],
      [{ facilities: [{ ...advance, holdbackRateBps: 1.5 }] }, /holdbackRateBps/],
      [{ componentOrder: ['fees', 'fees', 'principal'], facilities: [] }, /componentOrder/],
      [{ deductedEarlierTodayMinor: -1n, facilities: [] }, /negative/],
    ];
    for (const [change, message] of cases) {
      const result = settlementWaterfall({ ...base, facilities: [], ...change });
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.equal(result.code, 'waterfall_input_invalid');
        assert.match(result.detail ?? '', message);
      }
    }
  });

  it('keeps its promises for any portfolio and payout', () => {
    const money = fc.bigInt({ min: 0n, max: 50_000n });
    const owed = fc.record({ fees: money, interest: money, principal: money });
    const facility = fc.record({
      financierId: fc.constantFrom('fin_a', 'fin_b', 'fin_c'),
      oldestDueDay: fc.option(fc.integer({ min: 0, max: 60 }), { nil: null }),
      overdue: owed,
      due: owed,
      notYetDue: owed,
      holdbackRateBps: fc.option(fc.integer({ min: 0, max: 3_000 }), { nil: null }),
    });
    fc.assert(
      fc.property(
        fc.array(facility, { maxLength: 6 }),
        fc.bigInt({ min: -10_000n, max: 200_000n }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.bigInt({ min: 0n, max: 100_000n }),
        fc.bigInt({ min: 0n, max: 40_000n }),
        (drawn, net, capBps, settledEarlier, deductedEarlier) => {
          const facilities = drawn.map((f, i) => ({ ...f, facilityId: `fac_${i}` }));
          const input = {
            settlementNetMinor: net,
            dailyCapBps: capBps,
            settledEarlierTodayMinor: settledEarlier,
            deductedEarlierTodayMinor: deductedEarlier,
            facilities,
          };
          const result = run(input);
          const positiveNet = net > 0n ? net : 0n;
          const cap = ((settledEarlier + positiveNet) * BigInt(capBps)) / 10_000n - deductedEarlier;
          assert.ok(result.availableMinor <= positiveNet && result.availableMinor <= (cap > 0n ? cap : 0n));
          assert.ok(result.totalDeductedMinor <= result.availableMinor);
          assert.equal(result.merchantNetMinor + result.totalDeductedMinor, net);
          assert.equal(
            result.deductions.reduce((s, d) => s + d.total, 0n),
            result.totalDeductedMinor,
          );
          assert.equal(
            result.byFinancier.reduce((s, f) => s + f.totalMinor, 0n),
            result.totalDeductedMinor,
          );
          const owedOf = new Map(facilities.map((f) => [f.facilityId, f]));
          let overdueLeft = 0n;
          let dueLeft = 0n;
          let dueTaken = 0n;
          let earlyTaken = 0n;
          for (const d of result.deductions) {
            const f = owedOf.get(d.facilityId) as FacilityOwed;
            for (const c of components) {
              assert.ok(d.overdue[c] <= f.overdue[c] && d.due[c] <= f.due[c] && d.early[c] <= f.notYetDue[c]);
            }
            overdueLeft += sum(f.overdue) - sum(d.overdue);
            dueLeft += sum(f.due) - sum(d.due);
            dueTaken += sum(d.due);
            earlyTaken += sum(d.early);
            if (f.holdbackRateBps === null) assert.equal(sum(d.early), 0n);
            else if (sum(d.early) > 0n)
              assert.ok(
                d.total <= (positiveNet * BigInt(f.holdbackRateBps)) / 10_000n,
                'holdback within its share',
              );
          }
          if (dueTaken > 0n) assert.equal(overdueLeft, 0n, 'every overdue amount before any due one');
          if (earlyTaken > 0n) assert.equal(overdueLeft + dueLeft, 0n, 'every due amount before a holdback');
          const shuffled = run({ ...input, facilities: [...facilities].reverse() });
          assert.deepEqual(shuffled, result, 'the order facilities come in does not matter');
        },
      ),
    );
  });
});
