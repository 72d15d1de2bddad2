/**
 * A seeded simulation of advances through random pauses of collections, on the real ledger state
 * machine: merchants sell and get paid out for 300 days, some through bad spells, and now and then
 * a pause is set (some open, resumed later) or a direct payment made while paused. After every
 * day: the books balance and each advance's receivables and deferred fee equal its ledger
 * accounts; on a paused day the sweep took nothing from it, its days past due did not grow, it
 * was charged no late fee and its state did not worsen. CAPSTAN_TEST_SEED replays a run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LedgerHarness } from '../../ledger/ledger-harness.test-helper.ts';
import type { TransferInput } from '../../ledger/types.ts';
import { minBigint } from '../../money/bigint-min.ts';
import { createRandom } from '../../risk/random.ts';
import { collectionsPausedOn, pauseCollections, resumeCollections } from '../collections-pause.ts';
import type { FacilityState } from '../lifecycle.ts';
import {
  disbursementConfirmed,
  disbursementPending,
  facilityAccount,
  facilityAccounts,
  financierAccounts,
  fundPool,
} from '../postings.ts';
import { settlementWaterfall } from '../waterfall.ts';
import { type AdvanceTerms, advanceFee } from './advance.ts';
import {
  type AdvanceFacility,
  advanceOwed,
  applyAdvanceDeduction,
  disbursedAdvance,
  serviceAdvanceDay,
} from './servicing.ts';

const seed = Number(process.env['CAPSTAN_TEST_SEED'] ?? 20260301);
const merchants = 20;
const days = 300;
const startDay = 20_454;
const severity: Partial<Record<FacilityState, number>> = {
  active: 0,
  delinquent: 1,
  defaulted: 2,
  written_off: 3,
};

function post(ledger: LedgerHarness, transfers: readonly TransferInput[]): void {
  if (transfers.length === 0) return;
  const results = ledger.results(transfers);
  assert.deepEqual(
    results.filter((r) => r !== 'ok'),
    [],
    results.join(', '),
  );
}

describe('advances through random pauses, simulated', () => {
  it(`never collect, age or charge while paused, and keep the books (seed ${seed})`, (t) => {
    t.diagnostic(`seed ${seed} (replay with CAPSTAN_TEST_SEED=${seed})`);
    const random = createRandom(seed);
    const between = (low: number, high: number) => low + random.nextInt(high - low + 1);
    const ledger = new LedgerHarness();
    const pool = { financierId: 'fin_a', currency: 'USD' };
    ledger.openAccounts(financierAccounts(pool));
    post(ledger, fundPool(pool, 'fund', 100_000_000n));
    const shop = Array.from({ length: merchants }, (_, m) => {
      const meanSales = between(5_000, 50_000);
      const book = { ...pool, facilityId: `fac_${m}` };
      const terms: AdvanceTerms = {
        amountMinor: BigInt(between(10, 50) * meanSales),
        currency: 'USD',
        factorBps: between(11_000, 11_500),
        holdbackRateBps: between(800, 1_500),
        minimumPayment: { periodDays: 60, shareBps: 556 },
        maxTermDays: 360,
      };
      ledger.openAccounts(facilityAccounts(book));
      post(ledger, disbursementPending(book, terms.amountMinor, advanceFee(terms)));
      post(ledger, disbursementConfirmed(book));
      return {
        meanSales,
        spellUntil: -1,
        facility: disbursedAdvance(book, `mer_${m}`, terms, 0.0003, startDay),
      };
    });

    let pausedDays = 0;
    for (let d = 1; d <= days; d += 1) {
      const day = startDay + d;
      for (const merchant of shop) {
        let facility: AdvanceFacility = merchant.facility;
        // Now and then a pause: some for a set time, some open and resumed at random.
        if (random.nextFloat() < 0.01) {
          const open = random.nextFloat() < 0.3;
          const paused = pauseCollections(facility, {
            fromDay: day,
            untilDay: open ? null : day + between(0, 40),
            reason: 'hardship',
          });
          if (paused.ok) facility = paused.value;
        } else if (facility.collectionsPaused?.untilDay === null && random.nextFloat() < 0.03) {
          const resumed = resumeCollections(facility, day);
          if (resumed.ok) facility = resumed.value;
        }
        const paused = collectionsPausedOn(facility, day);
        if (merchant.spellUntil < day && random.nextFloat() < 0.005)
          merchant.spellUntil = day + between(20, 150);
        const level = merchant.spellUntil >= day ? 0.02 : 1;
        const net = BigInt(Math.round(merchant.meanSales * level * (0.4 + 1.2 * random.nextFloat())));
        const split = settlementWaterfall({
          settlementNetMinor: net,
          dailyCapBps: 3_000,
          settledEarlierTodayMinor: 0n,
          deductedEarlierTodayMinor: 0n,
          facilities: [advanceOwed(facility, day)],
        });
        assert.ok(split.ok);
        if (paused) assert.equal(split.value.totalDeductedMinor, 0n, 'nothing swept while paused');
        let taken = split.value.totalDeductedMinor;
        // A direct payment while paused, now and then.
        if (paused && random.nextFloat() < 0.05)
          taken = facility.owed.fees + facility.owed.principal < 3_000n ? 0n : 3_000n;
        if (taken > 0n) {
          const fees = minBigint(taken, facility.owed.fees);
          const step = applyAdvanceDeduction(
            facility,
            day,
            `d${day}`,
            `pay_${d}_${facility.book.facilityId}`,
            {
              fees,
              interest: 0n,
              principal: taken - fees,
            },
          );
          post(ledger, step.postings);
          facility = step.facility;
        }
        const step = serviceAdvanceDay(facility, day, `d${day}`);
        post(ledger, step.postings);
        if (paused && ['active', 'delinquent', 'defaulted'].includes(facility.status)) {
          pausedDays += 1;
          assert.ok(
            step.facility.daysPastDue <= facility.daysPastDue,
            `${facility.book.facilityId} day ${d}`,
          );
          assert.ok(!step.events.some((e) => e.type === 'late_fee_charged'), 'no late fee while paused');
          assert.ok(
            (severity[step.facility.status] ?? -1) <= (severity[facility.status] ?? -1),
            'no worse state',
          );
        }
        merchant.facility = step.facility;
        const f = merchant.facility;
        assert.equal(-ledger.creditBalance(facilityAccount.principal(f.book)), f.owed.principal);
        assert.equal(-ledger.creditBalance(facilityAccount.fees(f.book)), f.owed.fees);
        assert.equal(ledger.creditBalance(facilityAccount.deferredFee(f.book)), f.deferredFeeMinor);
      }
      if (d % 50 === 0 || d === days) assert.equal(ledger.verify(), null, `day ${d}`);
    }
    t.diagnostic(`serviced paused facility-days: ${pausedDays}`);
    assert.ok(pausedDays > 100, 'the seed pauses often enough to test something');
  });
});
