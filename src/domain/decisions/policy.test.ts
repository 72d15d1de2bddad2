/**
 * The leverage cap's knock-out names the right cause: no room because the merchant's existing
 * facilities already take their share is `leverage_cap_reached`; no room although nothing is owed
 * means the forecast sales are too small to repay anything, `insufficient_sales_history`; a merchant
 * behind on a facility it has is declined first, `facility_in_arrears`. And
 * a knocked-out decision names no model, since none ran.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { creditConsent, steadyMerchantInputs } from '../../../test/support/steady-merchant.ts';
import { syntheticModel } from '../../../test/support/synthetic-model.ts';
import { computeFeatures, type FeatureInputs } from '../features/features.ts';
import { calendarDate, toDayNumber } from '../time/calendar-date.ts';
import { decide, decisionInputsFrom } from './decide.ts';
import { knockOut } from './policy.ts';
import { defaultDecisionSettings } from './settings.ts';

const merchantId = 'mer_policy';
const asOfDay = toDayNumber(calendarDate('2026-07-15'));

function sales(dailyGmvMinor: bigint): FeatureInputs {
  return steadyMerchantInputs({
    merchantId,
    asOfDay,
    tenureDays: 200,
    daily: { gmv: dailyGmvMinor, orders: 1n },
  });
}

describe('the leverage-cap knock-out', () => {
  const features = computeFeatures(sales(10_000n));
  const base = { hasConsent: true, features, fraudFlagged: false, arrears: [] };

  it('is leverage_cap_reached when existing facilities take all the room', () => {
    const reason = knockOut(
      { ...base, debtServiceRoomDailyMinor: 0n, existingDebtServiceDailyMinor: 2_000n },
      defaultDecisionSettings,
    );
    assert.equal(reason?.code, 'leverage_cap_reached');
  });

  it('is insufficient_sales_history when there is no room and nothing is owed', () => {
    const reason = knockOut(
      { ...base, debtServiceRoomDailyMinor: 0n, existingDebtServiceDailyMinor: 0n },
      defaultDecisionSettings,
    );
    assert.equal(reason?.code, 'insufficient_sales_history');
    assert.match(reason?.description ?? '', /too low to repay/);
  });

  it('lets a merchant with room through', () => {
    assert.equal(
      knockOut(
        { ...base, debtServiceRoomDailyMinor: 1n, existingDebtServiceDailyMinor: 0n },
        defaultDecisionSettings,
      ),
      null,
    );
  });

  it('declines a merchant behind on a facility it has, before the leverage cap, whatever its room', () => {
    for (const status of ['delinquent', 'defaulted', 'written_off'] as const) {
      const reason = knockOut(
        {
          ...base,
          arrears: [{ facilityId: 'fac_behind', status }],
          debtServiceRoomDailyMinor: 0n,
          existingDebtServiceDailyMinor: 2_000n,
        },
        defaultDecisionSettings,
      );
      assert.equal(reason?.code, 'facility_in_arrears', status);
      assert.match(reason?.description ?? '', /behind on financing it already has: facility fac_behind/);
    }
    // Decided in full: declined with that reason alone, no model run.
    const featureInputs = sales(10_000n);
    const decision = decide(
      decisionInputsFrom(featureInputs, computeFeatures(featureInputs), {
        consent: creditConsent(merchantId, asOfDay),
        fraudFlagged: false,
        existingDebtServiceDailyMinor: 0n,
        arrears: [{ facilityId: 'fac_behind', status: 'delinquent' }],
        settings: defaultDecisionSettings,
      }),
      { id: 'mdl_p', version: 3, artifact: syntheticModel('scorecard', 5) },
      [],
    );
    assert.deepEqual(
      [decision.outcome, decision.reasons.map((r) => r.code)],
      ['declined', ['facility_in_arrears']],
    );
  });

  it('decides a merchant selling 0.04 a day as too few sales, naming no model', () => {
    const featureInputs = sales(4n);
    const inputs = decisionInputsFrom(featureInputs, computeFeatures(featureInputs), {
      consent: creditConsent(merchantId, asOfDay),
      fraudFlagged: false,
      existingDebtServiceDailyMinor: 0n,
      settings: { ...defaultDecisionSettings, minOrders90d: 1 },
    });
    const decision = decide(
      inputs,
      { id: 'mdl_p', version: 3, artifact: syntheticModel('scorecard', 5) },
      [],
    );
    assert.equal(decision.outcome, 'declined');
    assert.equal(decision.debtServiceCapDailyMinor, 0n);
    assert.deepEqual(
      decision.reasons.map((r) => r.code),
      ['insufficient_sales_history'],
    );
    assert.equal(decision.modelId, null);
    assert.equal(decision.modelVersion, null);
  });
});
