/**
 * A merchant reads its model reasons in plain words about its business; the trainer's sentence
 * (value, band, points) stays as the analyst's `detail`, and the machine code is unchanged. Every
 * model input the engine scores has words for each direction.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { creditConsent, steadyMerchantInputs } from '../../../test/support/steady-merchant.ts';
import { syntheticModel } from '../../../test/support/synthetic-model.ts';
import { computeFeatures } from '../features/features.ts';
import { calendarDate, toDayNumber } from '../time/calendar-date.ts';
import { decide, decisionInputsFrom } from './decide.ts';
import { modelFeatures } from './model-inputs.ts';
import { plainReason } from './reason-text.ts';
import { defaultDecisionSettings } from './settings.ts';

describe('plain reasons', () => {
  it('has a sentence for every model input in every direction, addressed to the merchant', () => {
    for (const feature of modelFeatures) {
      for (const direction of ['high', 'low', 'missing', 'adverse'] as const) {
        const text = plainReason(feature.name, direction);
        assert.ok(text !== null, `${feature.name} ${direction}`);
        assert.match(
          text,
          /^(Your|You|We|A|Too|It|Some|Merchants) /,
          `${feature.name} ${direction}: ${text}`,
        );
        assert.doesNotMatch(text, /_/, `no feature names in plain words: ${text}`);
      }
    }
    assert.equal(plainReason('a_column_of_some_csv', 'high'), null);
    // A low concentration index means many buyers, not a lack of them.
    assert.equal(
      plainReason('buyer_concentration_hhi_365d', 'low'),
      'Your sales are spread over many occasional buyers.',
    );
  });

  it('gives a decision plain descriptions and keeps the model sentence as the detail', () => {
    const merchantId = 'mer_refunds';
    const asOfDay = toDayNumber(calendarDate('2026-07-15'));
    const featureInputs = steadyMerchantInputs({
      merchantId,
      asOfDay,
      tenureDays: 300,
      daily: { gmv: 50_000n, orders: 4n, cancelled_orders: 1n, refunded_amount: 20_000n },
    });
    const consent = creditConsent(merchantId, asOfDay);
    const inputs = decisionInputsFrom(featureInputs, computeFeatures(featureInputs), {
      consent,
      fraudFlagged: false,
      existingDebtServiceDailyMinor: 0n,
      settings: defaultDecisionSettings,
    });
    const decision = decide(
      inputs,
      { id: 'mdl_t', version: 1, artifact: syntheticModel('scorecard', 5) },
      [],
    );
    const refund = decision.reasons.find((r) => r.code === 'refund_rate_90d_high');
    assert.ok(refund !== undefined, decision.reasons.map((r) => r.code).join(', '));
    assert.equal(refund.description, 'A high share of your sales was refunded in the last 90 days.');
    assert.match(refund.detail ?? '', /refund_rate_90d is 0\.4\b/);
    assert.equal(refund.source, 'model');
  });
});
