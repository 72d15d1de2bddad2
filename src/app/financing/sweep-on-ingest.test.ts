/**
 * Settlement sweep on ingest, on real stores (SQLite, and PostgreSQL when configured): a new
 * settlement.paid event for a merchant with an advance deducts the holdback in the ingest
 * transaction and records the sweep under "<source> <settlement id>" — the key a commit through the
 * API uses — so the same event again, the same payout under another event id, or one committed
 * before its event came, is swept once; a settlement.paid for a merchant without a facility
 * applies and records no sweep.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { settlementPaid as paid } from '../../../test/support/events.ts';
import {
  bookWithAdvanceForSuite,
  lendingAsOfDay,
  receivablesOf,
  servicedFacility,
} from '../../../test/support/lending-fixture.ts';
import type { AdvanceFacility } from '../../domain/products/advance/servicing.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';
import { parseRecord as parseEvent } from '../../ingest/parse-record.ts';
import { ingestBatch } from '../ingest/ingest.ts';
import { fromTaggedJson } from '../risk/tagged-json.ts';
import { type SweepConversion, sweepSettlement } from './sweep.ts';

const asOfDay = lendingAsOfDay;
const payoutDate = String(fromDayNumber(asOfDay + 1));

function settlementPaid(
  id: string,
  subject: string,
  net: bigint,
  foreign: Record<string, unknown> = {},
  eventId = id,
  date = payoutDate,
) {
  return parseEvent({
    origin: 'test',
    line: null,
    raw: JSON.stringify(
      paid({ eventId, settlementId: id, subject, date, net, fees: 1_000n, extra: foreign }),
    ),
  });
}

for (const backend of backendsUnderTest) {
  describe(`settlement sweep on ingest on ${backend.name}`, { skip: backend.skip }, () => {
    // A grade E book whose merchant has taken its smallest advance: quick to repay in the test.
    const book = bookWithAdvanceForSuite(backend);

    const advanceState = async () =>
      (await servicedFacility<AdvanceFacility>(book.harness, book.facilityId)).state;
    const receivables = () => receivablesOf(book.harness, book.facilityId);

    it('quarantines a payout dated after tomorrow, sweeping nothing', async () => {
      const booksBefore = await receivables();
      // The clock stands at the start of the payout day: tomorrow is a day after it.
      const later = String(fromDayNumber(asOfDay + 3));
      const outcomes = await book.harness.store.write((tx) =>
        ingestBatch(tx, book.app, [
          settlementPaid('stl_ahead', book.merchantId, 200_000n, {}, 'stl_ahead', later),
        ]),
      );
      assert.equal(outcomes[0]?.status, 'quarantined');
      const entries = await book.harness.store.read((tx) => tx.inbox.listQuarantine('open', { limit: 10 }));
      const entry = entries.find((e) => e.eventId === 'stl_ahead');
      assert.deepEqual([entry?.code, entry?.field], ['time_in_future', 'time']);
      assert.equal(
        await book.harness.store.read((tx) => tx.financing.sweep('plt_test stl_ahead')),
        undefined,
      );
      assert.deepEqual(await receivables(), booksBefore);
    });

    it('sweeps a new settlement.paid for a merchant with an advance, and a repeat changes nothing', async () => {
      const before = await advanceState();
      const booksBefore = await receivables();
      const holdback = (200_000n * BigInt(before.terms.holdbackRateBps)) / 10_000n;
      assert.ok(holdback > 0n);
      const outcomes = await book.harness.store.write((tx) =>
        ingestBatch(tx, book.app, [settlementPaid('stl_ingest_1', book.merchantId, 200_000n)]),
      );
      assert.equal(outcomes[0]?.status, 'applied');
      const sweep = await book.harness.store.read((tx) => tx.financing.sweep('plt_test stl_ingest_1'));
      assert.ok(sweep, 'a sweep recorded under "<source> <id>"');
      assert.equal(sweep.merchantId, book.merchantId);
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

      const again = await book.harness.store.write((tx) =>
        ingestBatch(tx, book.app, [settlementPaid('stl_ingest_1', book.merchantId, 200_000n)]),
      );
      assert.equal(again[0]?.status, 'duplicate');
      assert.deepEqual(await receivables(), books, 'nothing changes the second time');
      assert.deepEqual(await advanceState(), after);
      const sweeps = await book.harness.store.read((tx) =>
        tx.financing.sweepsForMerchant(book.merchantId, asOfDay + 1, asOfDay + 1),
      );
      assert.equal(sweeps.filter((s) => s.settlementKey === 'plt_test stl_ingest_1').length, 1);

      // The same payout sent again under a new event id: applied, not swept again.
      const resent = await book.harness.store.write((tx) =>
        ingestBatch(tx, book.app, [
          settlementPaid('stl_ingest_1', book.merchantId, 200_000n, {}, 'evt_resent'),
        ]),
      );
      assert.equal(resent[0]?.status, 'applied');
      assert.deepEqual(await receivables(), books, 'swept once');
    });

    it('sweeps another payout sent under a settlement id already used, once, under a key of its own', async () => {
      const books = await receivables();
      const outcomes = await book.harness.store.write((tx) =>
        ingestBatch(tx, book.app, [
          settlementPaid('stl_ingest_1', book.merchantId, 300_000n, {}, 'evt_other_payout'),
        ]),
      );
      assert.equal(outcomes[0]?.status, 'applied');
      // Keyed by the id with the payout's merchant, currency and amount.
      const key = `plt_test stl_ingest_1 #${book.app.sha256(`${book.merchantId}\nUSD\n300000`).slice(0, 16)}`;
      const sweep = await book.harness.store.read((tx) => tx.financing.sweep(key));
      assert.ok(sweep && sweep.deductedMinor > 0n, 'swept, not dropped as a replay');
      const after = await receivables();
      assert.equal(books.principal + books.fees - after.principal - after.fees, sweep.deductedMinor);
      // The same payout sent again under another event id (a platform's retry, a regenerated
      // export) is found recorded: it repays nothing again.
      const resent = await book.harness.store.write((tx) =>
        ingestBatch(tx, book.app, [
          settlementPaid('stl_ingest_1', book.merchantId, 300_000n, {}, 'evt_other_payout_again'),
        ]),
      );
      assert.equal(resent[0]?.status, 'applied');
      assert.deepEqual(await receivables(), after, 'not swept twice');
    });

    it('records nothing for a payout dated before the facility opened: its right date sweeps it', async () => {
      const books = await receivables();
      // A mistyped year: nothing was open to repay then, and the settlement id is not used up.
      const mistyped = await book.harness.store.write((tx) =>
        ingestBatch(tx, book.app, [
          settlementPaid(
            'stl_year',
            book.merchantId,
            120_000n,
            {},
            'evt_year',
            `${Number(payoutDate.slice(0, 4)) - 10}${payoutDate.slice(4)}`,
          ),
        ]),
      );
      assert.equal(mistyped[0]?.status, 'applied');
      assert.equal(await book.harness.store.read((tx) => tx.financing.sweep('plt_test stl_year')), undefined);
      assert.deepEqual(await receivables(), books);
      const corrected = await book.harness.store.write((tx) =>
        ingestBatch(tx, book.app, [
          settlementPaid('stl_year', book.merchantId, 120_000n, {}, 'evt_year_fixed'),
        ]),
      );
      assert.equal(corrected[0]?.status, 'applied');
      const sweep = await book.harness.store.read((tx) => tx.financing.sweep('plt_test stl_year'));
      assert.ok(sweep && sweep.deductedMinor > 0n, 'the payout with its right date is swept');
    });

    it('does not sweep again a payout committed before its event came, even dated otherwise', async () => {
      const committed = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, {
          settlementKey: 'plt_test stl_ingest_c',
          merchantId: book.merchantId,
          day: asOfDay,
          currency: 'USD',
          netMinor: 150_000n,
        }),
      );
      assert.ok(committed.ok && committed.value.waterfall.totalDeductedMinor > 0n);
      const books = await receivables();
      const outcomes = await book.harness.store.write((tx) =>
        ingestBatch(tx, book.app, [settlementPaid('stl_ingest_c', book.merchantId, 150_000n, {}, 'evt_c')]),
      );
      assert.equal(outcomes[0]?.status, 'applied');
      assert.deepEqual(await receivables(), books, 'swept once, when committed');
    });

    it('sweeps a settlement.paid in another currency with the rate it brings; refuses a bad rate', async () => {
      const before = await advanceState();
      const rate = {
        base: 'EUR',
        quote: 'USD',
        rate: '1.0842',
        source: 'platform report',
        as_of: `${payoutDate}T09:00:00Z`,
      };
      const withheld = (200_000n * BigInt(before.terms.holdbackRateBps)) / 10_000n;
      const outcomes = await book.harness.store.write((tx) =>
        ingestBatch(tx, book.app, [
          settlementPaid('stl_ingest_eur', book.merchantId, 200_000n, { currency: 'EUR', fx_rates: [rate] }),
          settlementPaid('stl_ingest_eur_bad', book.merchantId, 200_000n, {
            currency: 'EUR',
            fx_rates: [{ ...rate, rate: '0' }],
          }),
          settlementPaid('stl_ingest_gbp', book.merchantId, 200_000n, { currency: 'GBP' }),
          settlementPaid('stl_ingest_eur_twice', book.merchantId, 200_000n, {
            currency: 'EUR',
            fx_rates: [rate, { ...rate, rate: '1.0900' }],
          }),
          // A rate dated years off the payout is mistyped, or not this payout's.
          settlementPaid('stl_ingest_eur_9999', book.merchantId, 200_000n, {
            currency: 'EUR',
            fx_rates: [{ ...rate, as_of: '9999-12-31T23:59:59Z' }],
          }),
          settlementPaid('stl_ingest_eur_stale', book.merchantId, 200_000n, {
            currency: 'EUR',
            fx_rates: [{ ...rate, as_of: '2001-01-01T00:00:00Z' }],
          }),
          // A rate beside the payout's currency would be taken and never used.
          settlementPaid('stl_ingest_eur_beside', book.merchantId, 200_000n, {
            currency: 'EUR',
            fx_rates: [rate, { ...rate, base: 'GBP', quote: 'USD', rate: '1.27' }],
          }),
        ]),
      );
      assert.deepEqual(
        outcomes.map((o) => [o?.status, o?.status === 'quarantined' ? o.problem.code : null]),
        [
          ['applied', null],
          ['quarantined', 'fx_rate_invalid'],
          ['applied', null],
          ['quarantined', 'fx_rate_invalid'],
          ['quarantined', 'fx_rate_invalid'],
          ['quarantined', 'fx_rate_invalid'],
          ['quarantined', 'fx_rate_invalid'],
        ],
      );
      const dated = outcomes.slice(4).map((o) => (o?.status === 'quarantined' ? o.problem : null));
      assert.deepEqual(
        dated.map((p) => [p?.field, p?.detail]),
        [
          ['data.fx_rates[0].as_of', 'as_of is after the day following the payout'],
          ['data.fx_rates[0].as_of', 'as_of is more than 7 days before the payout'],
          [
            'data.fx_rates[1]',
            "a GBP/USD rate does not convert the payout's EUR: each rate is between the payout's currency and a facility's",
          ],
        ],
      );
      const sweep = await book.harness.store.read((tx) => tx.financing.sweep('plt_test stl_ingest_eur'));
      assert.ok(sweep);
      assert.equal(sweep.deductedMinor, withheld);
      assert.match(sweep.splitJson, /"rate":"EUR\/USD 1\.0842","source":"platform report"/);
      const [conversion] = fromTaggedJson<{ conversions: SweepConversion[] }>(sweep.splitJson).conversions;
      assert.ok(conversion);
      const repaid = conversion.applied.fees + conversion.applied.principal;
      const after = await advanceState();
      assert.equal(
        before.owed.fees + before.owed.principal - (after.owed.fees + after.owed.principal),
        repaid,
      );
      // Converted down (21.68… per 20.00), except that the fees it cleared are cleared to the cent.
      const converted = (withheld * 10_842n) / 10_000n;
      assert.ok(repaid === converted || (repaid === converted + 1n && after.owed.fees === 0n), `${repaid}`);
      assert.equal(
        (await book.harness.store.read((tx) => tx.financing.sweep('plt_test stl_ingest_gbp'))) ?? null,
        null,
        'a payout with no rate for the facility is not swept',
      );
    });

    it('applies a settlement.paid for a merchant without a facility and records no sweep', async () => {
      const outcomes = await book.harness.store.write((tx) =>
        ingestBatch(tx, book.app, [settlementPaid('stl_ingest_2', 'mer_without_facility', 50_000n)]),
      );
      assert.equal(outcomes[0]?.status, 'applied');
      assert.equal(
        (await book.harness.store.read((tx) => tx.financing.sweep('plt_test stl_ingest_2'))) ?? null,
        null,
      );
      const sweeps = await book.harness.store.read((tx) =>
        tx.financing.sweepsForMerchant('mer_without_facility', asOfDay - 400, asOfDay + 400),
      );
      assert.deepEqual(sweeps, []);
    });
  });
}
