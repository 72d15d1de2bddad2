/**
 * Who takes financing in the demo and what they pick: seeded, so the same merchant decides the same
 * way every run; about the configured share take it; a term loan is picked about as often as
 * configured when one is offered; a credit line is never picked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OfferRow } from '../app/ports.ts';
import { chooseOffer, defaultLendingTaste, isTaker } from './lending-desk.ts';

const taste = { seed: 'demo', ...defaultLendingTaste };

function offer(merchantId: string, product: string, amountMinor: bigint): OfferRow {
  return {
    id: `off_${product}_${amountMinor}`,
    merchantId,
    decisionId: 'dec_1',
    product,
    currency: 'USD',
    amountMinor,
    status: 'open',
    offeredOn: 0,
    expiresOn: 30,
    offerJson: '{}',
    createdAtMs: 0n,
    acceptedAtMs: null,
    acceptanceJson: null,
    facilityId: null,
  };
}

describe('demo lending desk', () => {
  it('a seeded share of merchants take financing, the same ones every time', () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => `mer_demo_${i + 1}`);
    const takers = ids.filter((id) => isTaker(taste, id));
    assert.ok(Math.abs(takers.length / ids.length - taste.takerShare) < 0.02, `${takers.length} takers`);
    assert.deepEqual(
      ids.filter((id) => isTaker(taste, id)),
      takers,
    );
  });

  it('picks term loans about as often as configured, advances otherwise, never a credit line', () => {
    const picks = new Map<string, number>();
    for (let i = 1; i <= 4_000; i += 1) {
      const merchantId = `mer_demo_${i}`;
      const offers = [
        offer(merchantId, 'credit_line', 100_000n),
        offer(merchantId, 'advance', 40_000n),
        offer(merchantId, 'advance', 100_000n),
        offer(merchantId, 'advance', 70_000n),
        offer(merchantId, 'term_loan', 100_000n),
      ];
      const chosen = chooseOffer(taste, offers, 20_000);
      assert.ok(chosen !== null);
      assert.deepEqual(chooseOffer(taste, offers, 20_000), chosen, 'the same draw every time');
      const key = `${chosen.product} ${chosen.amountMinor}`;
      picks.set(key, (picks.get(key) ?? 0) + 1);
    }
    assert.equal(picks.get('credit_line 100000'), undefined);
    assert.ok(Math.abs((picks.get('term_loan 100000') ?? 0) / 4_000 - taste.termLoanShare) < 0.03);
    // Of the advances, the full limit about half the time.
    const advances = 4_000 - (picks.get('term_loan 100000') ?? 0);
    assert.ok(Math.abs((picks.get('advance 100000') ?? 0) / advances - 0.5) < 0.04);
    assert.equal(chooseOffer(taste, [offer('mer_x', 'credit_line', 1n)], 1), null);
  });
});
