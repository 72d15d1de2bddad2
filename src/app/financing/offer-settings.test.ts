/**
 * Offer settings on real stores (SQLite, and PostgreSQL when configured): a change is checked field
 * by field and across fields and refused as a whole; offers made afterwards follow the settings —
 * term loans in equal principal, a credit line charging ACT/360 — and so do the facilities taken
 * from them: the loan's instalments are equal parts of principal, the line's interest is the drawn
 * balance × rate ÷ 360 a day, disclosed as rate × 365/360.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import {
  disburse,
  lendingAsOfDay,
  offersOfAFreshDecision,
  openLendingBook,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { defaultOfferSettings } from '../../domain/products/offers.ts';
import type { AppContext } from '../app-context.ts';
import { updateSettings } from '../settings/stored-settings.ts';
import { requestDraw, resolveDraw } from './credit-lines.ts';
import { runEndOfDay } from './eod.ts';
import { loadOfferSettings, offerSettings } from './offer-settings.ts';
import { acceptOffer, makeOffers } from './origination.ts';
import { servicedOf } from './serviced.ts';

const day = lendingAsOfDay;
const dayNs = 86_400_000_000_000n;

for (const backend of backendsUnderTest) {
  describe(`offer settings on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let merchantId = '';
    let decisionId = '';
    before(async () => {
      const book = await openLendingBook(backend, {
        topBand: { grade: 'C', maxPd: 0.4 },
        poolMinor: 100_000_000n,
      });
      ({ harness, app, merchantId, decisionId } = book);
    });
    after(async () => harness?.dispose());
    const change = (changes: unknown) =>
      harness.store.write((tx) => updateSettings(tx, offerSettings, app.clock.nowNs(), changes, 'test'));

    it('refuses a change with a bad field as a whole, naming every bad field', async () => {
      const refused = await change({
        termLoanAmortization: 'balloon',
        advanceSizesBps: [4_000, 7_000],
        holdbackRateMinBps: 3_000,
        holdbackRateMaxBps: 2_000,
        minimumOfferMinor: 5,
        creditLineDayCount: 'act_360',
        validityDays: 7,
        surprise: true,
        currencyAmounts: {
          KRW: { minimumOfferMinor: '700000', amountRoundingMinor: '10000' },
          XYZ: { minimumOfferMinor: '700000', amountRoundingMinor: '10000' },
          IDR: { minimumOfferMinor: '0', amountRoundingMinor: '10000' },
          INR: { minimumOfferMinor: '4000000' },
        },
      });
      assert.ok(!refused.ok);
      assert.deepEqual([...refused.fields].sort(), [
        'advanceSizesBps',
        'currencyAmounts.IDR',
        'currencyAmounts.INR',
        'currencyAmounts.XYZ',
        'holdbackRateMinBps',
        'minimumOfferMinor',
        'surprise',
        'termLoanAmortization',
        'validityDays',
      ]);
      assert.deepEqual(
        await harness.store.read((tx) => loadOfferSettings(tx)),
        defaultOfferSettings,
        'nothing was stored, the day count included',
      );
    });

    it('takes a currency table sent in another order as the same setting, not an override', async () => {
      const reversed = Object.fromEntries(
        Object.entries(defaultOfferSettings.currencyAmounts)
          .reverse()
          .map(([currency, { minimumOfferMinor, amountRoundingMinor }]) => [
            currency,
            {
              amountRoundingMinor: String(amountRoundingMinor),
              minimumOfferMinor: String(minimumOfferMinor),
            },
          ]),
      );
      const changed = await change({ currencyAmounts: reversed });
      assert.ok(changed.ok, changed.ok ? '' : changed.detail);
      assert.deepEqual(changed.value, defaultOfferSettings);
      const stored = await harness.store.read((tx) => tx.risk.setting(offerSettings.name));
      assert.doesNotMatch(stored ?? '{}', /currencyAmounts/, 'the defaults, not an override of them');
    });

    it('keeps both of two changes of different fields made at once', async () => {
      // On PostgreSQL through a second pool, so the two transactions overlap; SQLite writes one at a time.
      const other = backend.name === 'postgres' ? harness.openAnother() : harness.store;
      for (let round = 0; round < 5; round += 1) {
        const [first, second] = await Promise.all([
          change({ validityDays: 40 + round }),
          other.write((tx) =>
            updateSettings(
              tx,
              offerSettings,
              app.clock.nowNs(),
              { disbursementDeadlineDays: 10 + round },
              'test',
            ),
          ),
        ]);
        assert.ok(first.ok && second.ok);
        const stored = await harness.store.read((tx) => loadOfferSettings(tx));
        assert.deepEqual(
          [stored.validityDays, stored.disbursementDeadlineDays],
          [40 + round, 10 + round],
          `round ${round}: neither change is lost, though each was answered as in force`,
        );
      }
      const undone = await change({
        validityDays: defaultOfferSettings.validityDays,
        disbursementDeadlineDays: defaultOfferSettings.disbursementDeadlineDays,
      });
      assert.ok(undone.ok);
    });

    it('makes offers by the settings, and the facilities taken keep them', async () => {
      const changed = await change({
        termLoanAmortization: 'equal_principal',
        creditLineDayCount: 'act_360',
        termLoanMonths: [6],
        minimumOfferMinor: '60000',
      });
      assert.ok(changed.ok, changed.ok ? '' : changed.detail);
      assert.equal(changed.value.minimumOfferMinor, 60_000n);
      const made = await harness.store.write((tx) => makeOffers(tx, app, decisionId));
      assert.ok(made.ok);
      const loans = made.value.filter((o) => o.product === 'term_loan');
      const line = made.value.find((o) => o.product === 'credit_line');
      assert.equal(loans.length, 1);
      assert.ok(line);
      const lineOffer = JSON.parse(line.offerJson) as {
        terms: { dayCount: string; annualRateBps: number };
        aprPercent: string;
      };
      assert.equal(lineOffer.terms.dayCount, 'act_360');
      assert.equal(lineOffer.aprPercent, ((lineOffer.terms.annualRateBps * 365) / 360 / 100).toFixed(2));

      // The term loan: six equal parts of principal, interest on the declining balance.
      const loanId = await disburse(
        { harness, app, merchantId, decisionId },
        loans[0] as (typeof loans)[number],
      );
      const loan = servicedOf(
        (await harness.store.read((tx) => tx.financing.facility(loanId))) ?? assert.fail(),
      );
      assert.ok(loan?.product === 'term_loan');
      assert.equal(loan.state.terms.amortization, 'equal_principal');
      const parts = loan.state.instalments.map((i) => i.principalMinor);
      assert.ok(Math.max(...parts.map(Number)) - Math.min(...parts.map(Number)) <= 1, `${parts}`);
      const interest = loan.state.instalments.map((i) => i.interestMinor);
      assert.ok(
        interest.every((v, k) => k === 0 || v < (interest[k - 1] as bigint)),
        'declining interest',
      );
      const disclosed = JSON.parse(loans[0]?.offerJson ?? '{}') as {
        schedule: { amountMinor: { $bigint: string } }[];
      };
      assert.deepEqual(
        disclosed.schedule.map((p) => BigInt(p.amountMinor.$bigint)),
        loan.state.instalments.map((i) => i.paymentMinor),
        'what was disclosed is what falls due',
      );
    });

    it('charges a line opened under ACT/360 a day’s interest as the drawn balance × rate ÷ 360', async () => {
      // From a decision of its own: the loan took the first decision's limit.
      const made = await offersOfAFreshDecision({ harness, app, merchantId, decisionId });
      const offer = made.find((o) => o.product === 'credit_line');
      assert.ok(offer);
      const opened = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: offer.id, merchantId, day }),
      );
      assert.ok(opened.ok, opened.ok ? '' : opened.detail);
      const facilityId = opened.value.facility.id;
      const drawn = await harness.store.write((tx) =>
        requestDraw(tx, app, { facilityId, merchantId, amountMinor: 60_000n, reference: 'd1', day }),
      );
      assert.ok(drawn.ok, drawn.ok ? '' : drawn.detail);
      assert.ok(
        (
          await harness.store.write((tx) =>
            resolveDraw(tx, app, { drawId: drawn.value.drawId, outcome: 'post', day }),
          )
        ).ok,
      );
      (app.clock as ManualClock).set(BigInt(day + 10) * dayNs);
      assert.ok((await runEndOfDay(app, day + 9)).ok);
      const line = servicedOf(
        (await harness.store.read((tx) => tx.financing.facility(facilityId))) ?? assert.fail(),
      );
      assert.ok(line?.product === 'credit_line');
      assert.equal(line.state.terms.dayCount, 'act_360');
      // Ten days, the draw's included: 600.00 × rate × 10 / 360, the fraction of a cent carried.
      const rateBps = BigInt(line.state.terms.annualRateBps);
      assert.equal(line.state.balance.interestMinor, (60_000n * rateBps * 10n) / (10_000n * 360n));
    });
  });
}
