/**
 * The disbursement deadline on real stores (SQLite, and PostgreSQL when configured): a payout the
 * platform has not confirmed by the end of the `disbursementDeadlineDays`-th day after acceptance
 * is voided by that day's cycle — the pool's reservation released, the advance's fee reversed, the
 * facility cancelled with an event saying why — and no earlier; so is a credit line's draw not
 * confirmed by the end of its deadline's last day (one confirmed in time stands), and confirming it
 * afterwards is refused while voiding it answers what happened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import {
  type LendingBook,
  lendingAsOfDay,
  offersOfAFreshDecision,
  openLendingBook,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { facilityAccount, financierAccount } from '../../domain/products/postings.ts';
import type { AppContext } from '../app-context.ts';
import type { OfferRow } from '../ports.ts';
import { updateSettings } from '../settings/stored-settings.ts';
import { requestDraw, resolveDraw } from './credit-lines.ts';
import { runEndOfDay } from './eod.ts';
import { offerSettings } from './offer-settings.ts';
import { acceptOffer, confirmDisbursement, makeOffers } from './origination.ts';

const day = lendingAsOfDay;
const dayNs = 86_400_000_000_000n;

for (const backend of backendsUnderTest) {
  describe(`disbursement deadline on ${backend.name}`, { skip: backend.skip }, () => {
    let book: LendingBook;
    let harness: Harness;
    let app: AppContext;
    let advanceId = '';
    let lineId = '';
    before(async () => {
      book = await openLendingBook(backend, { topBand: { grade: 'C', maxPd: 0.4 }, poolMinor: 100_000_000n });
      ({ harness, app } = book);
      const offers = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(offers.ok);
      const accept = async (product: string, from: OfferRow[]) => {
        const offer = from.filter((o) => o.product === product).at(-1);
        assert.ok(offer, `a ${product} is offered`);
        const accepted = await harness.store.write((tx) =>
          acceptOffer(tx, app, { offerId: offer.id, merchantId: book.merchantId, day }),
        );
        assert.ok(accepted.ok, accepted.ok ? '' : accepted.detail);
        return accepted.value.facility.id;
      };
      advanceId = await accept('advance', offers.value);
      // A decision's offers lend its limit once: the line comes from a fresh decision.
      lineId = await accept('credit_line', await offersOfAFreshDecision(book));
    });
    after(async () => harness?.dispose());

    const endOf = (d: number) => (app.clock as ManualClock).set(BigInt(d + 1) * dayNs);
    const cash = async () => {
      const id = financierAccount.cash({ financierId: 'fin_pool', currency: 'USD' });
      const account = (await harness.store.read((tx) => tx.ledger.accountsByIds([id]))).get(id);
      assert.ok(account);
      return account;
    };
    const facility = async (id: string) => {
      const row = await harness.store.read((tx) => tx.financing.facility(id));
      assert.ok(row);
      return row;
    };

    it('keeps a payout waiting through the deadline, then voids it at the end of its last day', async () => {
      const reserved = (await cash()).creditsPending;
      assert.ok(reserved > 0n, 'the advance is reserved in the pool');
      // Seven days by default: accepted on `day`, it may be confirmed through day + 7.
      endOf(day + 6);
      const early = await runEndOfDay(app, day + 6);
      assert.ok(early.ok);
      assert.equal(
        early.value.reduce((sum, d) => sum + d.disbursementsVoided, 0),
        0,
      );
      assert.equal((await facility(advanceId)).status, 'disbursing');
      // Confirmed the day after its last, before the cycle has voided it: refused all the same.
      const tooLate = await harness.store.write((tx) =>
        confirmDisbursement(tx, app, { facilityId: advanceId, day: day + 8 }),
      );
      assert.deepEqual(tooLate.ok ? 'confirmed' : tooLate.code, 'facility_not_disbursing');
      assert.match(
        tooLate.ok ? '' : (tooLate.detail ?? ''),
        /not confirmed within 7 days of acceptance \(by 2026-07-22\)/,
      );
      assert.equal((await facility(advanceId)).status, 'disbursing', 'the cycle voids it');
      endOf(day + 7);
      const run = await runEndOfDay(app, day + 7);
      assert.ok(run.ok);
      assert.deepEqual(
        run.value.map((d) => [d.day, d.disbursementsVoided]),
        [['2026-07-22', 1]],
      );
      assert.equal((await facility(advanceId)).status, 'cancelled');
      assert.equal((await cash()).creditsPending, 0n, 'the reservation is released');
      const fees = facilityAccount.fees({ financierId: 'fin_pool', currency: 'USD', facilityId: advanceId });
      const fee = (await harness.store.read((tx) => tx.ledger.accountsByIds([fees]))).get(fees);
      assert.equal((fee?.debitsPosted ?? 0n) - (fee?.creditsPosted ?? 0n), 0n, 'the fee is reversed');
      const events = await harness.store.read((tx) => tx.financing.facilityEvents(advanceId, { limit: 10 }));
      assert.deepEqual(
        events.map((e) => [e.type, e.day]),
        [
          ['accepted', day],
          ['disbursement_voided', day + 7],
        ],
      );
      assert.match(events[1]?.detailJson ?? '', /not confirmed within 7 days of acceptance/);
      // The platform's confirmation after the deadline finds nothing to pay out.
      const late = await harness.store.write((tx) =>
        confirmDisbursement(tx, app, { facilityId: advanceId, day: day + 8 }),
      );
      assert.equal(late.ok ? '' : late.code, 'facility_not_disbursing');
    });

    it('voids a draw not confirmed by its deadline at the end of its last day, with an event; one confirmed in time stands', async () => {
      // Asked for on day + 8 with a deadline of 3 days: it may be confirmed through day + 11.
      await harness.store.write((tx) =>
        updateSettings(tx, offerSettings, app.clock.nowNs(), { disbursementDeadlineDays: 3 }, 'test'),
      );
      const ask = (reference: string, on: number) => {
        (app.clock as ManualClock).set(BigInt(on) * dayNs + 3_600_000_000_000n);
        return harness.store.write((tx) =>
          requestDraw(tx, app, {
            facilityId: lineId,
            merchantId: book.merchantId,
            amountMinor: 20_000n,
            reference,
            day: on,
          }),
        );
      };
      const late = await ask('late-payout', day + 8);
      assert.ok(late.ok, late.ok ? '' : late.detail);
      const inTime = await ask('in-time', day + 8);
      assert.ok(inTime.ok);
      const later = await ask('asked-later', day + 9);
      assert.ok(later.ok, later.ok ? '' : later.detail);
      const principal = facilityAccount.principal({
        financierId: 'fin_pool',
        currency: 'USD',
        facilityId: lineId,
      });
      const pending = async () =>
        (await harness.store.read((tx) => tx.ledger.accountsByIds([principal]))).get(principal)
          ?.debitsPending;
      assert.equal(await pending(), 60_000n);
      // Confirmed on its last day, after midnight's end, before the cycle: it stands.
      (app.clock as ManualClock).set(BigInt(day + 12) * dayNs + 60_000_000_000n);
      const confirmed = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: inTime.value.drawId, outcome: 'post', day: day + 11 }),
      );
      assert.equal(confirmed.ok ? confirmed.value.status : confirmed.code, 'posted');
      // The draw asked on day + 8, confirmed the day after its last before the cycle voided it: refused.
      const tooLate = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: late.value.drawId, outcome: 'post', day: day + 12 }),
      );
      assert.equal(tooLate.ok ? 'posted' : tooLate.code, 'draw_not_pending');
      assert.match(tooLate.ok ? '' : (tooLate.detail ?? ''), /not confirmed within 3 days \(by 2026-07-26\)/);
      const run = await runEndOfDay(app, day + 11);
      assert.ok(run.ok);
      assert.deepEqual(
        run.value.map((d) => [d.day, d.disbursementsVoided]),
        [
          ['2026-07-23', 0],
          ['2026-07-24', 0],
          ['2026-07-25', 0],
          ['2026-07-26', 1],
        ],
      );
      assert.equal(await pending(), 20_000n, 'the late draw released; the one asked a day later still waits');
      const events = await harness.store.read((tx) => tx.financing.facilityEvents(lineId, { limit: 50 }));
      const voided = events.filter((e) => e.type === 'draw_voided');
      assert.deepEqual(
        voided.map((e) => e.day),
        [day + 11],
      );
      assert.match(voided[0]?.detailJson ?? '', /late-payout.*not confirmed within 3 days of the draw/);
      // The platform's confirmation after it finds it voided; a void answers what happened.
      const after = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: late.value.drawId, outcome: 'post', day: day + 12 }),
      );
      assert.equal(after.ok ? '' : after.code, 'draw_not_pending');
      const again = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: late.value.drawId, outcome: 'void', day: day + 12 }),
      );
      assert.deepEqual(again.ok ? [again.value.status, again.value.replayed] : again.code, ['voided', true]);
      // The day after, the draw asked a day later meets its own deadline.
      (app.clock as ManualClock).set(BigInt(day + 13) * dayNs);
      const next = await runEndOfDay(app, day + 12);
      assert.deepEqual(next.ok ? next.value.map((d) => d.disbursementsVoided) : next.code, [1]);
      assert.equal(await pending(), 0n);
    });

    it('voids the draw of a line out of service, and after a run cut short and resumed', async () => {
      // Asked for on day + 13 (deadline 3 days: voided by the cycle of day + 16); the line then
      // written off meanwhile, which the day's pages do not serve.
      (app.clock as ManualClock).set(BigInt(day + 13) * dayNs + 3_600_000_000_000n);
      const asked = await harness.store.write((tx) =>
        requestDraw(tx, app, {
          facilityId: lineId,
          merchantId: book.merchantId,
          amountMinor: 10_000n,
          reference: 'stranded',
          day: day + 13,
        }),
      );
      assert.ok(asked.ok, asked.ok ? '' : asked.detail);
      const row = await facility(lineId);
      await harness.store.write((tx) =>
        tx.financing.updateFacility(
          { ...row, status: 'written_off', version: row.version + 1n },
          row.version,
        ),
      );
      endOf(day + 16);
      // Cut short after its first page: the voids come after the pages, so none ran.
      const cut = await runEndOfDay(app, day + 16, {
        onPage: () => {
          throw new Error('cut short');
        },
      }).catch((error: Error) => error.message);
      assert.equal(cut, 'cut short');
      const resumed = await runEndOfDay(app, day + 16);
      assert.ok(resumed.ok);
      assert.deepEqual(
        resumed.value.map((d) => [d.day, d.resumed, d.disbursementsVoided]),
        [['2026-07-31', true, 1]],
      );
      const principal = facilityAccount.principal({
        financierId: 'fin_pool',
        currency: 'USD',
        facilityId: lineId,
      });
      const account = (await harness.store.read((tx) => tx.ledger.accountsByIds([principal]))).get(principal);
      assert.equal(account?.debitsPending, 0n, 'the reservation is released');
      const events = await harness.store.read((tx) => tx.financing.facilityEvents(lineId, { limit: 100 }));
      assert.match(events.filter((e) => e.type === 'draw_voided').at(-1)?.detailJson ?? '', /stranded/);
    });

    it('a confirm and the cycle at the deadline at once: the one that takes the ledger second finds it done', async () => {
      // A book of its own: an advance accepted on `day`, which the cycle of day + 7 would void.
      const other = await openLendingBook(backend, {
        topBand: { grade: 'C', maxPd: 0.4 },
        poolMinor: 100_000_000n,
      });
      after(async () => other.harness.dispose());
      const made = await other.harness.store.write((tx) => makeOffers(tx, other.app, other.decisionId));
      assert.ok(made.ok);
      const offer = made.value.filter((o) => o.product === 'advance').at(-1);
      assert.ok(offer);
      const accepted = await other.harness.store.write((tx) =>
        acceptOffer(tx, other.app, { offerId: offer.id, merchantId: other.merchantId, day }),
      );
      assert.ok(accepted.ok, accepted.ok ? '' : accepted.detail);
      const facilityId = accepted.value.facility.id;
      (other.app.clock as ManualClock).set(BigInt(day + 8) * dayNs);
      // The platform's confirm holds its transaction open while the cycle of the deadline's last
      // day starts: the cycle waits for it, then finds the payout confirmed.
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let holding = () => {};
      const held = new Promise<void>((resolve) => {
        holding = resolve;
      });
      const confirm = other.harness.store.write(async (tx) => {
        const done = await confirmDisbursement(tx, other.app, { facilityId, day: day + 7 });
        holding();
        await gate;
        return done;
      });
      await held;
      const cycle = runEndOfDay(other.app, day + 7);
      await new Promise((resolve) => setTimeout(resolve, 100));
      release();
      const [confirmed, run] = await Promise.all([confirm, cycle]);
      assert.equal(confirmed.ok ? confirmed.value.status : confirmed.code, 'active');
      assert.ok(run.ok);
      assert.equal(
        run.value.reduce((sum, d) => sum + d.disbursementsVoided, 0),
        0,
      );
      const row = await other.harness.store.read((tx) => tx.financing.facility(facilityId));
      assert.equal(row?.status, 'active');
    });
  });
}
