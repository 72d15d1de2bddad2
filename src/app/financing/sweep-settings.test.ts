/**
 * Sweep settings on real stores (SQLite, and PostgreSQL when configured): a bad change is refused
 * as a whole; the daily cap and the order of fees, interest and principal are the settings in
 * force — for a preview and a commit alike, so the commit makes the split the preview showed — and
 * a direct repayment is applied in the same order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { bookWithAdvanceForSuite, lendingAsOfDay } from '../../../test/support/lending-fixture.ts';
import { defaultOfferSettings } from '../../domain/products/offers.ts';
import { fromTaggedJson } from '../risk/tagged-json.ts';
import { updateSettings } from '../settings/stored-settings.ts';
import { loadOfferSettings, offerSettings } from './offer-settings.ts';
import { repayFacility } from './repayments.ts';
import { previewSweep, sweepSettlement } from './sweep.ts';
import { defaultSweepSettings, loadSweepSettings, sweepSettings } from './sweep-settings.ts';

for (const backend of backendsUnderTest) {
  describe(`sweep settings on ${backend.name}`, { skip: backend.skip }, () => {
    const book = bookWithAdvanceForSuite(backend);
    const change = (changes: unknown) =>
      book.harness.store.write((tx) =>
        updateSettings(tx, sweepSettings, book.app.clock.nowNs(), changes, 'test'),
      );
    const payout = (key: string) => ({
      settlementKey: key,
      merchantId: book.merchantId,
      day: lendingAsOfDay + 1,
      currency: 'USD',
      netMinor: 200_000n,
    });

    it('refuses an order that leaves a component out or a cap out of range, storing nothing', async () => {
      const refused = await change({
        componentOrder: ['fees', 'fees', 'principal'],
        dailyDeductionCapBps: 0,
      });
      assert.ok(!refused.ok);
      assert.deepEqual([...refused.fields].sort(), ['componentOrder', 'dailyDeductionCapBps']);
      assert.deepEqual(await book.harness.store.read((tx) => loadSweepSettings(tx)), defaultSweepSettings);
    });

    it('pays by the order in force, within the cap in force, the commit as previewed', async () => {
      // By default the advance's fee first: the holdback is all fee while fee is owed.
      const byDefault = await book.harness.store.read((tx) =>
        previewSweep(tx, book.app, payout('plt stl_order_1')),
      );
      const [first] = byDefault.waterfall.deductions;
      assert.ok(first !== undefined && first.total > 0n);
      assert.equal(first.due.principal + first.early.principal, 0n);

      // A cap below what offers disclose is refused; first the offers are made to take less.
      const lowered = await book.harness.store.write((tx) =>
        updateSettings(
          tx,
          offerSettings,
          book.app.clock.nowNs(),
          {
            holdbackRateMinBps: 50,
            holdbackRateMaxBps: 100,
            creditLineGrades: [],
          },
          'test',
        ),
      );
      assert.ok(lowered.ok, lowered.ok ? '' : lowered.detail);
      const changed = await change({
        componentOrder: ['principal', 'interest', 'fees'],
        dailyDeductionCapBps: 100,
      });
      assert.ok(changed.ok, changed.ok ? '' : changed.detail);
      const previewed = await book.harness.store.read((tx) =>
        previewSweep(tx, book.app, payout('plt stl_order_1')),
      );
      const [deduction] = previewed.waterfall.deductions;
      // 1% of 200,000: 2,000, all of it principal now.
      assert.equal(previewed.waterfall.availableMinor, 2_000n);
      assert.equal(deduction?.total, 2_000n);
      assert.equal((deduction?.due.principal ?? 0n) + (deduction?.early.principal ?? 0n), 2_000n);
      const committed = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, payout('plt stl_order_1')),
      );
      assert.ok(committed.ok);
      assert.deepEqual(committed.value.waterfall, previewed.waterfall);
      // Recorded with the settings it was split by, so a later change leaves it explained.
      const recorded = await book.harness.store.read((tx) => tx.financing.sweepsByKey(['plt stl_order_1']));
      assert.deepEqual(
        fromTaggedJson<{ settings?: unknown }>(recorded.get('plt stl_order_1')?.splitJson ?? '{}').settings,
        { componentOrder: ['principal', 'interest', 'fees'], dailyDeductionCapBps: 100 },
      );

      // A direct repayment is applied in the same order: principal first.
      const repaid = await book.harness.store.write((tx) =>
        repayFacility(tx, book.app, {
          facilityId: book.facilityId,
          day: lendingAsOfDay + 1,
          reference: 'pay-principal-first',
          amountMinor: 1_000n,
        }),
      );
      assert.ok(repaid.ok, repaid.ok ? '' : repaid.detail);
      assert.deepEqual(repaid.value.applied, { fees: 0n, interest: 0n, principal: 1_000n });
      assert.ok((await change(defaultSweepSettings)).ok);
      const restored = await book.harness.store.write((tx) =>
        updateSettings(tx, offerSettings, book.app.clock.nowNs(), defaultOfferSettings, 'test'),
      );
      assert.ok(restored.ok);
    });

    it('refuses a cap below what offers disclose, and offers disclosing more than the cap, either way round', async () => {
      const offering = (changes: unknown) =>
        book.harness.store.write((tx) =>
          updateSettings(tx, offerSettings, book.app.clock.nowNs(), changes, 'test'),
        );
      // By default offers hold back up to 20% and lines sweep 10%: a cap of 15% leaves the holdback out.
      const belowHoldback = await change({ dailyDeductionCapBps: 1_500 });
      assert.ok(!belowHoldback.ok);
      assert.deepEqual(belowHoldback.fields, ['dailyDeductionCapBps']);
      assert.match(
        belowHoldback.detail ?? '',
        /holdbackRateMaxBps\) is 2000 bps, above the daily cap on deductions \(dailyDeductionCapBps, \/v1\/settings\/sweeping\) of 1500 bps/,
      );
      const belowBoth = await change({ dailyDeductionCapBps: 500 });
      assert.ok(!belowBoth.ok);
      assert.match(belowBoth.detail ?? '', /credit lines offered \(creditLineGrades\) is 1000 bps/);
      assert.deepEqual(await book.harness.store.read((tx) => loadSweepSettings(tx)), defaultSweepSettings);
      // The other way round: the offering change names its own fields.
      const aboveCap = await offering({ holdbackRateMaxBps: 3_500 });
      assert.ok(!aboveCap.ok);
      assert.deepEqual(aboveCap.fields, ['holdbackRateMaxBps']);
      // With another field bad too, the refusal names both: every bad field at once.
      const twoBad = await offering({ holdbackRateMaxBps: 3_500, validityDays: 3 });
      assert.ok(!twoBad.ok);
      assert.deepEqual([...twoBad.fields].sort(), ['holdbackRateMaxBps', 'validityDays']);
      assert.deepEqual(await book.harness.store.read((tx) => loadOfferSettings(tx)), defaultOfferSettings);
      // At the cap, it is taken.
      const atCap = await offering({ holdbackRateMaxBps: 3_000 });
      assert.ok(atCap.ok, atCap.ok ? '' : atCap.detail);
      assert.ok((await offering(defaultOfferSettings)).ok);
    });
  });
}
