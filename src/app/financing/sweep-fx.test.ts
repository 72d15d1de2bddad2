/**
 * Payouts in another currency than the facility's, on real stores (SQLite, and PostgreSQL when
 * configured): a USD advance repaid from EUR payouts at the rate that came with each. The split
 * records the rate and its source; the waterfall's amounts are the payout's (EUR) and the facility
 * is repaid in USD, converted down, through the financier's FX positions — EUR cash in, the EUR
 * position short, the USD position long, the USD pool's cash untouched; the same settlement again
 * replays the same conversion; a payout with no rate for the facility's currency repays nothing and
 * says so; and EUR payouts pay the advance off exactly, its receivables at zero.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import {
  bookWithAdvanceForSuite,
  lendingAsOfDay,
  netDebits,
  receivablesOf,
  servicedFacility,
} from '../../../test/support/lending-fixture.ts';
import { fxRate } from '../../domain/money/fx.ts';
import type { AdvanceFacility } from '../../domain/products/advance/servicing.ts';
import { financierAccount } from '../../domain/products/postings.ts';
import { previewSweep, type Settlement, sweepSettlement } from './sweep.ts';

const asOfDay = lendingAsOfDay;
const financierId = 'fin_pool';
const eurUsd = fxRate('EUR', 'USD', '1.0842', 'ECB reference rate', '2026-07-16T14:00:00+01:00');
assert.ok(eurUsd.ok);

for (const backend of backendsUnderTest) {
  describe(`settlement sweep across currencies on ${backend.name}`, { skip: backend.skip }, () => {
    // A grade E book whose merchant has taken its smallest advance: quick to repay in the test.
    const book = bookWithAdvanceForSuite(backend);

    const eurPayout = (key: string, day: number, netMinor: bigint): Settlement => ({
      settlementKey: key,
      merchantId: book.merchantId,
      day,
      currency: 'EUR',
      netMinor,
      fxRates: [eurUsd.value],
    });
    const balances = () =>
      netDebits(book.harness, {
        eurCash: financierAccount.cash({ financierId, currency: 'EUR' }),
        eurPosition: financierAccount.fxPosition({ financierId, currency: 'EUR' }),
        usdPosition: financierAccount.fxPosition({ financierId, currency: 'USD' }),
        usdCash: financierAccount.cash({ financierId, currency: 'USD' }),
      });

    it('repays a USD advance from a EUR payout at the rate given, and records the conversion', async () => {
      const { state } = await servicedFacility<AdvanceFacility>(book.harness, book.facilityId);
      const before = {
        receivables: await receivablesOf(book.harness, book.facilityId),
        ledger: await balances(),
      };
      const payout = eurPayout('plt eur_1', asOfDay + 1, 100_000n);
      const preview = await book.harness.store.read((tx) => previewSweep(tx, book.app, payout));
      const swept = await book.harness.store.write((tx) => sweepSettlement(tx, book.app, payout));
      assert.ok(swept.ok);
      // The holdback's share of the EUR payout, converted down at 1.0842, fees first.
      const payoutMinor = (100_000n * BigInt(state.terms.holdbackRateBps)) / 10_000n;
      const usdMinor = (payoutMinor * 10_842n) / 10_000n;
      assert.equal(swept.value.waterfall.totalDeductedMinor, payoutMinor);
      assert.equal(swept.value.waterfall.merchantNetMinor, 100_000n - payoutMinor);
      const [conversion] = swept.value.conversions;
      assert.ok(conversion !== undefined && swept.value.conversions.length === 1);
      assert.deepEqual(
        {
          ...conversion,
          applied: conversion.applied.fees + conversion.applied.interest + conversion.applied.principal,
        },
        {
          facilityId: book.facilityId,
          currency: 'USD',
          applied: usdMinor,
          payoutMinor,
          payoutCurrency: 'EUR',
          rate: 'EUR/USD 1.0842',
          source: 'ECB reference rate',
          asOf: '2026-07-16T14:00:00+01:00',
        },
      );
      assert.deepEqual(preview.conversions, swept.value.conversions, 'the preview said the same');
      const after = {
        receivables: await receivablesOf(book.harness, book.facilityId),
        ledger: await balances(),
      };
      assert.equal(
        before.receivables.fees +
          before.receivables.principal -
          after.receivables.fees -
          after.receivables.principal,
        usdMinor,
      );
      assert.deepEqual(
        {
          eurCash: after.ledger.eurCash - before.ledger.eurCash,
          eurPosition: after.ledger.eurPosition - before.ledger.eurPosition,
          usdPosition: after.ledger.usdPosition - before.ledger.usdPosition,
          usdCash: after.ledger.usdCash - before.ledger.usdCash,
        },
        { eurCash: payoutMinor, eurPosition: -payoutMinor, usdPosition: usdMinor, usdCash: 0n },
      );
      const again = await book.harness.store.write((tx) => sweepSettlement(tx, book.app, payout));
      assert.ok(again.ok && again.value.replayed);
      assert.deepEqual(again.value.conversions, swept.value.conversions);
      assert.deepEqual(await balances(), after.ledger, 'a replay moves nothing');
      // The same rate written otherwise — trailing zeros, the same instant in UTC — is the same
      // payout retried; another rate, source or instant is another payout under a reused id.
      const restated = (rate: string, source: string, asOf: string) => {
        const written = fxRate('EUR', 'USD', rate, source, asOf);
        assert.ok(written.ok);
        return { ...payout, fxRates: [written.value] };
      };
      const answers = [];
      for (const retried of [
        restated('1.084200', 'ECB reference rate', '2026-07-16T13:00:00Z'),
        restated('1.0843', 'ECB reference rate', '2026-07-16T14:00:00+01:00'),
        restated('1.0842', 'ECB', '2026-07-16T14:00:00+01:00'),
        restated('1.0842', 'ECB reference rate', '2026-07-16T14:00:00Z'),
      ]) {
        const answer = await book.harness.store.write((tx) => sweepSettlement(tx, book.app, retried));
        answers.push(answer.ok ? answer.value.replayed : answer.code);
      }
      assert.deepEqual(answers, [true, 'settlement_reused', 'settlement_reused', 'settlement_reused']);
      assert.deepEqual(await balances(), after.ledger, 'nothing moved');
    });

    it('leaves a facility in another currency alone when no rate came for it, and says so', async () => {
      const before = await receivablesOf(book.harness, book.facilityId);
      const swept = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, {
          settlementKey: 'plt gbp_1',
          merchantId: book.merchantId,
          day: asOfDay + 2,
          currency: 'GBP',
          netMinor: 100_000n,
          fxRates: [eurUsd.value],
        }),
      );
      assert.ok(swept.ok);
      assert.equal(swept.value.waterfall.totalDeductedMinor, 0n);
      assert.deepEqual(swept.value.unconverted, [{ facilityId: book.facilityId, currency: 'USD' }]);
      assert.deepEqual(await receivablesOf(book.harness, book.facilityId), before);
    });

    it('withholds from a JPY payout only what converts into cents repaid', async () => {
      const usdJpy = fxRate('USD', 'JPY', '151.37', 'ECB reference rate', '2026-07-16T14:00:00+01:00');
      assert.ok(usdJpy.ok);
      const { state } = await servicedFacility<AdvanceFacility>(book.harness, book.facilityId);
      const bps = BigInt(state.terms.holdbackRateBps);
      // The smallest payouts whose holdback is ¥1 and ¥301.
      const netFor = (holdback: bigint) => (holdback * 10_000n + bps - 1n) / bps;
      const jpyPayout = (key: string, netMinor: bigint): Settlement => ({
        settlementKey: key,
        merchantId: book.merchantId,
        day: asOfDay + 2,
        currency: 'JPY',
        netMinor,
        fxRates: [usdJpy.value],
      });
      const before = {
        receivables: await receivablesOf(book.harness, book.facilityId),
        ledger: await balances(),
      };
      // ¥1 is 0.66 US cents: it would repay nothing, so nothing is withheld.
      const yen = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, jpyPayout('plt jpy_1', netFor(1n))),
      );
      assert.ok(yen.ok);
      assert.equal(yen.value.waterfall.totalDeductedMinor, 0n);
      assert.equal(yen.value.waterfall.merchantNetMinor, netFor(1n));
      assert.deepEqual(yen.value.conversions, []);
      assert.deepEqual(await receivablesOf(book.harness, book.facilityId), before.receivables);
      assert.deepEqual(await balances(), before.ledger);
      // ¥301 is 1.9885 USD: $1.98 repaid, and $1.98 is ¥299.71, so ¥300 withheld and ¥1 left paid out.
      const payout = jpyPayout('plt jpy_2', netFor(301n));
      const preview = await book.harness.store.read((tx) => previewSweep(tx, book.app, payout));
      const swept = await book.harness.store.write((tx) => sweepSettlement(tx, book.app, payout));
      assert.ok(swept.ok);
      assert.equal(swept.value.waterfall.totalDeductedMinor, 300n);
      assert.equal(swept.value.waterfall.merchantNetMinor, netFor(301n) - 300n);
      assert.deepEqual(swept.value.waterfall.byFinancier, [{ financierId, totalMinor: 300n }]);
      assert.deepEqual(preview.waterfall, swept.value.waterfall, 'the preview withholds the same');
      assert.deepEqual(
        swept.value.conversions.map((c) => [c.payoutMinor, c.applied.fees + c.applied.principal]),
        [[300n, 198n]],
      );
      const after = await receivablesOf(book.harness, book.facilityId);
      assert.equal(
        before.receivables.fees + before.receivables.principal - after.fees - after.principal,
        198n,
      );
    });

    it('pays the advance off exactly from EUR payouts', async () => {
      for (let day = asOfDay + 3; day < asOfDay + 400; day += 1) {
        const { state } = await servicedFacility<AdvanceFacility>(book.harness, book.facilityId);
        if (state.status === 'paid_off') break;
        const swept = await book.harness.store.write((tx) =>
          sweepSettlement(tx, book.app, eurPayout(`plt eur_d${day}`, day, 2_000_000n)),
        );
        assert.ok(swept.ok);
      }
      const { row, state } = await servicedFacility<AdvanceFacility>(book.harness, book.facilityId);
      assert.equal(row?.status, 'paid_off');
      assert.deepEqual(state.owed, { fees: 0n, principal: 0n });
      assert.equal(state.deferredFeeMinor, 0n);
      assert.deepEqual(await receivablesOf(book.harness, book.facilityId), { principal: 0n, fees: 0n });
      const ledger = await balances();
      assert.equal(ledger.eurCash, -ledger.eurPosition, 'EUR in equals the EUR position sold');
    });
  });
}
