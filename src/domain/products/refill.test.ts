/**
 * Refills of an advance of 1,000.00 at a factor of 1.12 (112,000 repayable), by hand: 83,999 repaid
 * is 7,499 bps — not yet; 84,000 is exactly 75% — eligible; a late fee paid is not progress; a
 * delinquent advance or one whose collections are paused is not refilled; the threshold is a
 * setting. A refill of 1,500.00 on 28,000 outstanding pays 28,000 off and 122,000 to the merchant;
 * a new advance no larger than the payoff is refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AdvanceTerms } from './advance/advance.ts';
import { type AdvanceFacility, applyAdvanceDeduction, disbursedAdvance } from './advance/servicing.ts';
import { pauseCollections } from './collections-pause.ts';
import type { FacilityBook } from './postings.ts';
import { refillAmount, refillEligibility, repaidShareBps } from './refill.ts';

const book: FacilityBook = { financierId: 'fin_a', currency: 'USD', facilityId: 'fac_1' };
const terms: AdvanceTerms = {
  amountMinor: 100_000n,
  currency: 'USD',
  factorBps: 11_200,
  holdbackRateBps: 1_000,
  minimumPayment: { periodDays: 60, shareBps: 556 },
  maxTermDays: null,
};
const start = 1_000;
const fresh = disbursedAdvance(book, 'mer_1', terms, 0.0005, start);

/** The advance after repayments applied fees first, then principal. */
function repaid(facility: AdvanceFacility, amountMinor: bigint): AdvanceFacility {
  const fees = amountMinor < facility.owed.fees ? amountMinor : facility.owed.fees;
  return applyAdvanceDeduction(facility, start + 30, 'd30', 'pay', {
    fees,
    interest: 0n,
    principal: amountMinor - fees,
  }).facility;
}

describe('refillEligibility', () => {
  it('is not eligible at 83,999 of 112,000 repaid: 7,499 bps, rounded down', () => {
    assert.deepEqual(refillEligibility(repaid(fresh, 83_999n), start + 30), {
      eligible: false,
      repaidShareBps: 7_499,
      reason: 'repaid_share_below_threshold',
    });
  });

  it('is eligible at 84,000 repaid, exactly 75%', () => {
    assert.deepEqual(refillEligibility(repaid(fresh, 84_000n), start + 30), {
      eligible: true,
      repaidShareBps: 7_500,
      reason: 'eligible',
    });
  });

  it('starts at 0 and ends at 10,000 bps', () => {
    assert.equal(repaidShareBps(fresh), 0);
    assert.equal(repaidShareBps(repaid(fresh, 112_000n)), 10_000);
  });

  it('does not count a late fee paid as progress', () => {
    // A late fee of 2,500 charged, then 84,000 paid: 112,000 + 2,500 − 84,000 = 30,500 outstanding,
    // so 81,500 of 112,000 repaid: 7,276.7… bps.
    const charged = { ...fresh, owed: { ...fresh.owed, fees: fresh.owed.fees + 2_500n } };
    const answer = refillEligibility(repaid(charged, 84_000n), start + 30);
    assert.deepEqual([answer.eligible, answer.repaidShareBps], [false, 7_276]);
  });

  it('does not hold a late fee still owed against progress', () => {
    // 84,000 of 112,000 paid to the advance, exactly 75%, with a late fee of 2,500 still owed.
    const paid = repaid(fresh, 84_000n);
    const owing = {
      ...paid,
      owed: { ...paid.owed, fees: paid.owed.fees + 2_500n },
      lateFeesOwedMinor: paid.lateFeesOwedMinor + 2_500n,
    };
    const answer = refillEligibility(owing, start + 30);
    assert.deepEqual([answer.eligible, answer.repaidShareBps], [true, 7_500]);
  });

  it('refuses a facility that is not active, whatever it has repaid', () => {
    const mostly = repaid(fresh, 100_000n);
    for (const status of ['delinquent', 'defaulted', 'paid_off', 'written_off'] as const) {
      const answer = refillEligibility({ ...mostly, status }, start + 30);
      assert.deepEqual([answer.eligible, answer.reason], [false, 'facility_not_active'], status);
    }
  });

  it('refuses while collections are paused or set to be, and not after', () => {
    const pause = pauseCollections(repaid(fresh, 100_000n), {
      fromDay: 1_040,
      untilDay: 1_049,
      reason: 'dispute',
    });
    assert.ok(pause.ok);
    assert.deepEqual(
      [1_039, 1_040, 1_049, 1_050].map((day) => refillEligibility(pause.value, day).reason),
      // The day before, the pause is set to come: a refill's acceptance could not hold the advance.
      ['collections_paused', 'collections_paused', 'collections_paused', 'eligible'],
    );
  });

  it('takes the threshold as a setting', () => {
    const half = repaid(fresh, 56_000n);
    assert.equal(refillEligibility(half, start + 30).eligible, false);
    assert.deepEqual(refillEligibility(half, start + 30, 5_000), {
      eligible: true,
      repaidShareBps: 5_000,
      reason: 'eligible',
    });
  });
});

describe('refillAmount', () => {
  const previous = repaid(fresh, 84_000n);

  // 84,000 repaid of 112,000, fee first: 28,000 of principal left, the 12,000 fee repaid, and none
  // of it yet earned (no day has been served): all 12,000 pays for time the advance will not run.
  const paidOff = { principalMinor: 28_000n, feeMinor: 0n, lateFeesMinor: 0n, unearnedFeeMinor: 12_000n };

  it('pays the previous advance off first and the rest to the merchant, itemised', () => {
    assert.deepEqual(refillAmount(previous, 150_000n), {
      ok: true,
      value: { payoffMinor: 28_000n, payoff: paidOff, netToMerchantMinor: 122_000n },
    });
    assert.deepEqual(refillAmount(previous, 28_001n), {
      ok: true,
      value: { payoffMinor: 28_000n, payoff: paidOff, netToMerchantMinor: 1n },
    });
  });

  it('names the fee still owed, which the new advance pays and charges its own fee on', () => {
    const answer = refillAmount(repaid(fresh, 5_000n), 150_000n);
    assert.ok(answer.ok);
    assert.deepEqual(answer.value, {
      payoffMinor: 107_000n,
      payoff: { principalMinor: 100_000n, feeMinor: 7_000n, lateFeesMinor: 0n, unearnedFeeMinor: 12_000n },
      netToMerchantMinor: 43_000n,
    });
  });

  it('includes late fees owed in the payoff, apart from the fee', () => {
    const charged = {
      ...previous,
      owed: { ...previous.owed, fees: previous.owed.fees + 2_500n },
      lateFeesOwedMinor: 2_500n,
    };
    const answer = refillAmount(charged, 150_000n);
    assert.ok(answer.ok);
    assert.deepEqual(answer.value, {
      payoffMinor: 30_500n,
      payoff: { ...paidOff, lateFeesMinor: 2_500n },
      netToMerchantMinor: 119_500n,
    });
  });

  it('refuses a new advance no larger than the payoff', () => {
    for (const amount of [28_000n, 1n, 0n, -5n]) {
      const answer = refillAmount(previous, amount);
      assert.equal(answer.ok ? null : answer.code, 'refill_amount_too_small', `${amount}`);
    }
  });

  it('refuses an advance no longer serviced', () => {
    const answer = refillAmount(repaid(fresh, 112_000n), 150_000n);
    assert.equal(answer.ok ? null : answer.code, 'facility_not_serviced');
  });
});
