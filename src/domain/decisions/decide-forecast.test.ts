/**
 * A decision forecasts a young merchant from the days it existed. Its inputs carry a 365-day sales
 * series padded with zeros before its first day and its tenure; a merchant onboarded five months
 * ago that sells steadily gets a limit from those sales, where the padding used to zero the
 * forecast (a limit of 0, or no room under the leverage cap). And the decision is reproduced from
 * its inputs alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { creditConsent, steadyMerchantInputs } from '../../../test/support/steady-merchant.ts';
import { syntheticModel } from '../../../test/support/synthetic-model.ts';
import { computeFeatures, type FeatureInputs } from '../features/features.ts';
import { calendarDate, toDayNumber } from '../time/calendar-date.ts';
import { decide, decisionInputsFrom, type RegisteredModel } from './decide.ts';
import { defaultDecisionSettings } from './settings.ts';

const merchantId = 'mer_young';
const asOfDay = toDayNumber(calendarDate('2026-07-15'));
const tenureDays = 150;
/** 500.00 USD a day in four orders, every day from the day after onboarding. */
const dailyGmvMinor = 50_000n;

function steadySales(): FeatureInputs {
  return steadyMerchantInputs({
    merchantId,
    asOfDay,
    tenureDays,
    daily: { gmv: dailyGmvMinor, orders: 4n, captured_amount: dailyGmvMinor },
  });
}

const consent = creditConsent(merchantId, asOfDay);

const champion: RegisteredModel = {
  id: 'mod_scorecard',
  version: 1,
  artifact: syntheticModel('scorecard', 5),
};

describe('a decision for a merchant younger than a year', () => {
  const featureInputs = steadySales();
  const features = computeFeatures(featureInputs);
  const inputs = decisionInputsFrom(featureInputs, features, {
    consent,
    fraudFlagged: false,
    existingDebtServiceDailyMinor: 0n,
    settings: defaultDecisionSettings,
  });

  it('forecasts the steady sales of a five-month-old merchant and lends against them', () => {
    assert.equal(features.tenureDays, tenureDays);
    assert.equal(inputs.salesHistory.length, 365, 'the series is padded to a year');
    const decision = decide(inputs, champion, []);
    assert.equal(decision.forecastDailySalesMinor, dailyGmvMinor, 'forecast daily sales = daily sales');
    // 20% of 500.00 a day may go to debt service.
    assert.equal(decision.debtServiceCapDailyMinor, 10_000n);
    assert.deepEqual(
      decision.reasons.filter((r) => r.source !== 'model').map((r) => r.code),
      [],
      `no knock-out or limit reason: ${decision.reasons.map((r) => r.code).join(', ')}`,
    );
    assert.equal(decision.outcome, 'approved');
    assert.ok(decision.limitMinor !== null && decision.limitMinor > 0n, `limit ${decision.limitMinor}`);
    // The limit is the smaller of 30 days of sales (15,000.00) and what the room repays
    // (100.00 × 180 / 1.12 = 16,071.43), rounded down to 10.00: 15,000.00.
    assert.equal(decision.limitMinor, 1_500_000n);
  });

  it('is reproduced from a copy of its inputs alone', () => {
    assert.deepEqual(decide(structuredClone(inputs), champion, []), decide(inputs, champion, []));
  });
});

describe("a limit's bounds in a currency whose minor unit is not a cent's weight", () => {
  const decisionIn = (currency: string, daily: bigint, settings = defaultDecisionSettings) => {
    const featureInputs = steadyMerchantInputs({
      merchantId,
      asOfDay,
      tenureDays,
      currency,
      daily: { gmv: daily, orders: 4n, captured_amount: daily },
    });
    return decide(
      decisionInputsFrom(featureInputs, computeFeatures(featureInputs), {
        consent,
        fraudFlagged: false,
        existingDebtServiceDailyMinor: 0n,
        settings,
      }),
      champion,
      [],
    );
  };

  it('lends a rupiah merchant its 30 days of sales, not Rp 500,000.00, and nothing under Rp 8,000,000.00', () => {
    // Rp 50,000,000.00 a day: 30 days is Rp 1,500,000,000.00, under the rupiah's Rp 8,000,000,000.00.
    const large = decisionIn('IDR', 5_000_000_000n);
    assert.equal(large.outcome, 'approved');
    assert.equal(large.limitMinor, 150_000_000_000n);
    // Rp 100,000.00 a day: 30 days is Rp 3,000,000.00, under the rupiah's smallest limit.
    const small = decisionIn('IDR', 10_000_000n);
    assert.equal(small.outcome, 'declined');
    assert.ok(small.reasons.some((r) => r.code === 'limit_below_minimum'));
    // A dollar merchant selling 5,000,000.00 a day is still capped at 500,000.00.
    assert.equal(decisionIn('USD', 500_000_000n).limitMinor, 50_000_000n);
    // The settings may name a currency's own bounds.
    const capped = decisionIn('IDR', 5_000_000_000n, {
      ...defaultDecisionSettings,
      currencyLimits: { IDR: { minLimitMinor: 800_000_000n, maxLimitMinor: 100_000_000_000n } },
    });
    assert.equal(capped.limitMinor, 100_000_000_000n);
  });

  it('caps a dinar merchant at about 500,000.00 dollars, not 50,000 dinars, and lends no less than about 500.00', () => {
    // 5,000 Jordanian dinars (three decimals) a day: 30 days is 150,000 dinars, over the 50,000
    // dinars (about $70,000) a dollar's figures gave; the dinar's own cap is 350,000.000.
    assert.equal(decisionIn('JOD', 5_000_000n).limitMinor, 150_000_000n);
    assert.equal(decisionIn('KWD', 50_000_000n).limitMinor, 150_000_000n, '150,000 Kuwaiti dinars');
    assert.equal(decisionIn('BHD', 50_000_000n).limitMinor, 200_000_000n, '200,000 Bahraini dinars');
    // 10 dinars a day: 300 dinars in 30 days, under the Jordanian dinar's 350.000 (about $500).
    const small = decisionIn('JOD', 10_000n);
    assert.equal(small.outcome, 'declined');
    assert.ok(small.reasons.some((r) => r.code === 'limit_below_minimum'));
  });
});

describe('a refill under the leverage cap', () => {
  const featureInputs = steadySales();
  const features = computeFeatures(featureInputs);
  // The cap is 100.00 a day (20% of 500.00); an advance repaid at 98.00 a day takes nearly all of it.
  const withAdvance = (refill: boolean) =>
    decide(
      decisionInputsFrom(featureInputs, features, {
        consent,
        fraudFlagged: false,
        existingDebtServiceDailyMinor: 9_800n,
        debtServiceFacilityIds: ['fac_old'],
        ...(refill ? { refill: { facilityId: 'fac_old', debtServiceDailyMinor: 9_800n } } : {}),
        settings: defaultDecisionSettings,
      }),
      champion,
      [],
    );

  it('lends beside the advance only what room it leaves, and sizes its refill with its room freed', () => {
    // Not yet open to a refill: 2.00 a day of room repays 2.00 × 180 / 1.12 = 321.43, under the
    // smallest limit (500.00).
    const beside = withAdvance(false);
    assert.equal(beside.outcome, 'declined');
    assert.equal(beside.reasons[0]?.code, 'limit_below_minimum');
    assert.equal(beside.limitMinor, 32_000n);
    assert.equal(beside.refillLimitMinor, null);
    // Open to a refill, which pays it off: the whole cap is room for the refill (15,000.00 on 30
    // days of sales, as with no advance), and nothing beside it: 320.00 is less than it lends.
    const refill = withAdvance(true);
    assert.equal(refill.outcome, 'approved');
    assert.equal(refill.refillLimitMinor, 1_500_000n);
    assert.equal(refill.limitMinor, 0n);
    // Said first, in plain words: an approval lending nothing beside the advance.
    assert.deepEqual(refill.reasons[0], {
      code: 'refill_only',
      description:
        'Only a refill of your advance fac_old fits: what you repay on it leaves no room for other financing beside it.',
      source: 'limit',
    });
    assert.equal(
      withAdvance(true).reasons.filter((r) => r.source !== 'model').length,
      1,
      'no other reason than the model’s',
    );
  });

  it('passes the leverage knock-out on the room the refill frees, and only on that', () => {
    const full = (refill: boolean, existing: bigint) =>
      decide(
        decisionInputsFrom(featureInputs, features, {
          consent,
          fraudFlagged: false,
          existingDebtServiceDailyMinor: existing,
          ...(refill ? { refill: { facilityId: 'fac_old', debtServiceDailyMinor: 10_000n } } : {}),
          settings: defaultDecisionSettings,
        }),
        champion,
        [],
      );
    assert.equal(full(false, 10_000n).reasons[0]?.code, 'leverage_cap_reached');
    const refilled = full(true, 10_000n);
    assert.equal(refilled.outcome, 'approved');
    assert.equal(refilled.limitMinor, 0n, 'nothing beside it');
    assert.equal(refilled.reasons[0]?.code, 'refill_only');
    assert.equal(refilled.refillLimitMinor, 1_500_000n);
    // Another facility's 100.00 a day beside it still takes the whole cap from the refill.
    assert.equal(full(true, 20_000n).reasons[0]?.code, 'leverage_cap_reached');
  });
});
