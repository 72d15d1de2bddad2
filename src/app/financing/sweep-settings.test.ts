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
import { fromTaggedJson } from '../risk/tagged-json.ts';
import { updateSettings } from '../settings/stored-settings.ts';
import { repayFacility } from './repayments.ts';
import { previewSweep, sweepSettlement } from './sweep.ts';
import { defaultSweepSettings, loadSweepSettings, sweepSettings } from './sweep-settings.ts';

for (const backend of backendsUnderTest) {
  describe(`sweep settings on ${backend.name}`, { skip: backend.skip }, () => {
    const book = bookWithAdvanceForSuite(backend);
    const change = (changes: unknown) =>
      book.harness.store.write((tx) => updateSettings(tx, sweepSettings, book.app.clock.nowNs(), changes));
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
    });
  });
}
