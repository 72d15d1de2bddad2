/**
 * Settlement sweep on ingest, on real stores (SQLite, and PostgreSQL when configured): a new
 * settlement.paid event for a merchant with an advance deducts the holdback in the ingest
 * transaction and records the sweep under "<source> <id>"; the same event again is a duplicate and
 * changes nothing; a settlement.paid for a merchant without a facility applies and records no sweep.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { event, generateActivity } from '../../../test/support/events.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import { syntheticModel } from '../../../test/support/synthetic-model.ts';
import type { AdvanceFacility } from '../../domain/products/advance/servicing.ts';
import { facilityAccount } from '../../domain/products/postings.ts';
import { calendarDate, fromDayNumber, toDayNumber } from '../../domain/time/calendar-date.ts';
import { parseRecord as parseEvent } from '../../ingest/parse-record.ts';
import { sha256, testEntropy } from '../../storage/contract/fixtures.ts';
import type { AppContext } from '../app-context.ts';
import { ingestBatch } from '../ingest/ingest.ts';
import { grantConsent } from '../risk/consents.ts';
import { updateDecisionSettings } from '../risk/decision-settings.ts';
import { decideForMerchant } from '../risk/decisions.ts';
import { registerModel } from '../risk/models.ts';
import { fromTaggedJson } from '../risk/tagged-json.ts';
import {
  acceptOffer,
  confirmDisbursement,
  fundPool,
  makeOffers,
  type StoredFacility,
} from './origination.ts';

const asOfDay = toDayNumber(calendarDate('2026-07-15'));
const now = BigInt(asOfDay + 1) * 86_400_000_000_000n;
const payoutDate = String(fromDayNumber(asOfDay + 1));

function settlementPaid(id: string, subject: string, net: bigint) {
  const fees = 1_000n;
  return parseEvent({
    origin: 'test',
    line: null,
    raw: JSON.stringify(
      event('settlement.paid', id, `${payoutDate}T12:00:00Z`, subject, {
        settlement_id: id,
        period_start: payoutDate,
        period_end: payoutDate,
        gross: String(net + fees),
        fees: String(fees),
        refunds: '0',
        chargebacks: '0',
        net: String(net),
        currency: 'USD',
      }),
    ),
  });
}

for (const backend of backendsUnderTest) {
  describe(`settlement sweep on ingest on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let merchantId = '';
    let facilityId = '';
    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
      app = { store: harness.store, clock: new ManualClock(now), entropy: testEntropy, sha256 };
      const events = generateActivity(2, 196, 78).map((e) =>
        parseEvent({ origin: 'test', line: null, raw: JSON.stringify(e) }),
      );
      for (let start = 0; start < events.length; start += 2_000)
        await harness.store.write((tx) => ingestBatch(tx, app, events.slice(start, start + 2_000)));
      await harness.store.write(async (tx) => {
        await registerModel(tx, app, {
          artifact: syntheticModel('scorecard', 5),
          algorithm: 'scorecard',
          metrics: {},
          training: { synthetic: true },
          status: 'champion',
        });
        const settings = await updateDecisionSettings(tx, now, {
          maxPd: 0.4,
          gradeBands: [
            { grade: 'A', maxPd: 0.01 },
            { grade: 'B', maxPd: 0.025 },
            { grade: 'C', maxPd: 0.05 },
            { grade: 'D', maxPd: 0.1 },
            { grade: 'E', maxPd: 0.4 },
          ],
        });
        assert.ok(settings.ok);
        await fundPool(tx, app, {
          financierId: 'fin_pool',
          currency: 'USD',
          amountMinor: 100_000_000n,
          reference: 'seed',
        });
      });
      for (const id of ['mer_gen0', 'mer_gen1']) {
        await harness.store.write((tx) =>
          grantConsent(tx, app, id, {
            purpose: 'credit_assessment',
            dataSources: ['sales'],
            expiresAtMs: now / 1_000_000n + 86_400_000_000n,
          }),
        );
        const decided = await decideForMerchant(harness.store, app, id, asOfDay);
        if (decided.record.view.outcome !== 'approved' || merchantId !== '') continue;
        merchantId = id;
        const offers = await harness.store.write((tx) => makeOffers(tx, app, decided.row.id));
        assert.ok(offers.ok);
        // The smallest advance: quick to repay in the test.
        const advance = offers.value.filter((o) => o.product === 'advance').at(-1);
        assert.ok(advance);
        const accepted = await harness.store.write((tx) =>
          acceptOffer(tx, app, { offerId: advance.id, merchantId, day: asOfDay }),
        );
        assert.ok(accepted.ok);
        facilityId = accepted.value.facility.id;
        const confirmed = await harness.store.write((tx) =>
          confirmDisbursement(tx, app, { facilityId, day: asOfDay }),
        );
        assert.ok(confirmed.ok);
      }
      assert.notEqual(facilityId, '', 'an approved merchant with an advance');
    });
    after(async () => harness?.dispose());

    const advanceState = async () => {
      const row = await harness.store.read((tx) => tx.financing.facility(facilityId));
      const stored = fromTaggedJson<StoredFacility>(row?.stateJson ?? '{}');
      assert.equal(stored.phase, 'serviced');
      return (stored as { servicing: AdvanceFacility }).servicing;
    };
    const receivables = async () => {
      const book = { financierId: 'fin_pool', currency: 'USD', facilityId };
      const accounts = await harness.store.read((tx) =>
        tx.ledger.accountsByIds([facilityAccount.principal(book), facilityAccount.fees(book)]),
      );
      const balance = (id: string) =>
        (accounts.get(id)?.debitsPosted ?? 0n) - (accounts.get(id)?.creditsPosted ?? 0n);
      return {
        principal: balance(facilityAccount.principal(book)),
        fees: balance(facilityAccount.fees(book)),
      };
    };

    it('sweeps a new settlement.paid for a merchant with an advance, and a repeat changes nothing', async () => {
      const before = await advanceState();
      const booksBefore = await receivables();
      const holdback = (200_000n * BigInt(before.terms.holdbackRateBps)) / 10_000n;
      assert.ok(holdback > 0n);
      const outcomes = await harness.store.write((tx) =>
        ingestBatch(tx, app, [settlementPaid('stl_ingest_1', merchantId, 200_000n)]),
      );
      assert.equal(outcomes[0]?.status, 'applied');
      const sweep = await harness.store.read((tx) => tx.financing.sweep('plt_test stl_ingest_1'));
      assert.ok(sweep, 'a sweep recorded under "<source> <id>"');
      assert.equal(sweep.merchantId, merchantId);
      assert.equal(sweep.day, asOfDay + 1);
      assert.equal(sweep.netMinor, 200_000n);
      assert.equal(sweep.deductedMinor, holdback);
      const after = await advanceState();
      assert.equal(
        after.owed.fees + after.owed.principal,
        before.owed.fees + before.owed.principal - holdback,
      );
      const books = await receivables();
      assert.deepEqual(books, { principal: after.owed.principal, fees: after.owed.fees });
      assert.equal(books.principal + books.fees, booksBefore.principal + booksBefore.fees - holdback);

      const again = await harness.store.write((tx) =>
        ingestBatch(tx, app, [settlementPaid('stl_ingest_1', merchantId, 200_000n)]),
      );
      assert.equal(again[0]?.status, 'duplicate');
      assert.deepEqual(await receivables(), books, 'nothing changes the second time');
      assert.deepEqual(await advanceState(), after);
      const sweeps = await harness.store.read((tx) =>
        tx.financing.sweepsForMerchant(merchantId, asOfDay + 1, asOfDay + 1),
      );
      assert.equal(sweeps.filter((s) => s.settlementKey === 'plt_test stl_ingest_1').length, 1);
    });

    it('applies a settlement.paid for a merchant without a facility and records no sweep', async () => {
      const outcomes = await harness.store.write((tx) =>
        ingestBatch(tx, app, [settlementPaid('stl_ingest_2', 'mer_without_facility', 50_000n)]),
      );
      assert.equal(outcomes[0]?.status, 'applied');
      assert.equal(
        (await harness.store.read((tx) => tx.financing.sweep('plt_test stl_ingest_2'))) ?? null,
        null,
      );
      const sweeps = await harness.store.read((tx) =>
        tx.financing.sweepsForMerchant('mer_without_facility', asOfDay - 400, asOfDay + 400),
      );
      assert.deepEqual(sweeps, []);
    });
  });
}
