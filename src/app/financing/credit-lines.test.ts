/**
 * Credit lines on real stores (SQLite, and PostgreSQL when configured): accepting the offer opens
 * the line at once with nothing lent; a draw reserves the money from the pool until the platform
 * confirms the payout, and asking again with the same reference answers the same draw; a draw
 * above what is left or a reference reused for another amount is refused; a void gives the room back; interest accrues daily on what is drawn and the
 * ledger agrees; the sweep takes the line's share of a payout; repaid principal may be drawn again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { lendingAsOfDay, openLendingBook } from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { meetingAfterFirst } from '../../../test/support/race.ts';
import { divideRounded } from '../../domain/money/rounding.ts';
import { creditLineServicingDefaults } from '../../domain/products/credit-line/servicing.ts';
import type { Offer } from '../../domain/products/offers.ts';
import { facilityAccount, financierAccount } from '../../domain/products/postings.ts';
import type { AppContext } from '../app-context.ts';
import { loadDecisionSettings } from '../risk/decision-settings.ts';
import { decideForMerchant } from '../risk/decisions.ts';
import { fromTaggedJson } from '../risk/tagged-json.ts';
import { pauseFacilityCollections, resumeFacilityCollections } from './collections.ts';
import { requestDraw, resolveDraw } from './credit-lines.ts';
import { runEndOfDay } from './eod.ts';
import { acceptOffer, makeOffers } from './origination.ts';
import { repayFacility } from './repayments.ts';
import { facilityReport, portfolioReport } from './reports.ts';
import { servicedOf } from './serviced.ts';
import { previewSweep, sweepSettlement } from './sweep.ts';

const day = lendingAsOfDay;
const dayNs = 86_400_000_000_000n;
const pool = 100_000_000n;

for (const backend of backendsUnderTest) {
  describe(`credit lines on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let merchantId = '';
    let facilityId = '';
    let limit = 0n;
    let rateBps = 0;
    let offerId = '';
    before(async () => {
      const book = await openLendingBook(backend, { topBand: { grade: 'C', maxPd: 0.4 }, poolMinor: pool });
      ({ harness, app, merchantId } = book);
      const offers = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(offers.ok);
      const line = offers.value.find((o) => o.product === 'credit_line');
      assert.ok(line, 'a grade C merchant is offered a credit line');
      limit = line.amountMinor;
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: line.id, merchantId, day }),
      );
      assert.ok(accepted.ok, accepted.ok ? '' : accepted.detail);
      facilityId = accepted.value.facility.id;
      offerId = line.id;
    });
    after(async () => harness?.dispose());

    const line = async () => {
      const row = await harness.store.read((tx) => tx.financing.facility(facilityId));
      assert.ok(row);
      const serviced = servicedOf(row);
      assert.ok(serviced?.product === 'credit_line');
      return serviced;
    };
    const accounts = async () => {
      const book = { financierId: 'fin_pool', currency: 'USD', facilityId };
      const ids = [
        facilityAccount.principal(book),
        facilityAccount.interest(book),
        financierAccount.cash(book),
      ];
      const found = await harness.store.read((tx) => tx.ledger.accountsByIds(ids));
      const get = (id: string) => found.get(id) as NonNullable<ReturnType<typeof found.get>>;
      return {
        principal: get(ids[0] as string).debitsPosted - get(ids[0] as string).creditsPosted,
        principalPending: get(ids[0] as string).debitsPending,
        interest: get(ids[1] as string).debitsPosted - get(ids[1] as string).creditsPosted,
        cashAvailable:
          get(ids[2] as string).debitsPosted -
          get(ids[2] as string).creditsPosted -
          get(ids[2] as string).creditsPending,
      };
    };
    const draw = (reference: string, amountMinor: bigint) =>
      harness.store.write((tx) =>
        requestDraw(tx, app, { facilityId, merchantId, amountMinor, reference, day }),
      );

    it('opens the line at acceptance, lending nothing yet', async () => {
      const opened = await line();
      assert.equal(opened.row.status, 'active');
      assert.equal(opened.state.balance.principalMinor, 0n);
      assert.equal(opened.state.terms.sweepRateBps, creditLineServicingDefaults.sweepRateBps);
      // Serviced as the offer disclosed, and the acceptance recorded that disclosure.
      const offer = await harness.store.read((tx) => tx.financing.offer(offerId));
      const disclosed = fromTaggedJson<Offer>(offer?.offerJson ?? '{}').servicing?.creditLine;
      assert.deepEqual(disclosed, creditLineServicingDefaults);
      for (const [field, value] of Object.entries(disclosed ?? {}))
        assert.equal(opened.state.terms[field as keyof typeof disclosed], value, field);
      const shown = fromTaggedJson<{ disclosure: { servicing?: Offer['servicing'] } }>(
        offer?.acceptanceJson ?? '{}',
      );
      assert.deepEqual(shown.disclosure.servicing?.creditLine, disclosed);
      assert.equal(shown.disclosure.servicing?.lateFeeMinor, 2_500n);
      assert.equal(opened.state.lateFeeMinor, 2_500n, 'charged the late fee its offer disclosed');
      assert.equal((await accounts()).cashAvailable, pool, 'nothing reserved for an undrawn line');
      rateBps = opened.state.terms.annualRateBps;
      // Nor has it lent: the portfolio counts it nowhere, its delinquency buckets included.
      const [usd] = await harness.store.read((tx) => portfolioReport(tx, {}));
      assert.equal(usd?.total.facilities, 0);
      assert.deepEqual(
        Object.values(usd?.byDelinquencyBucket ?? {}).map((b) => b.facilities),
        [0, 0, 0, 0, 0],
      );
    });

    it('takes its room under the leverage cap: the next decision sees the line as debt service', async () => {
      const settings = await harness.store.read((tx) => loadDecisionSettings(tx));
      // Drawn in full and repaid as a decision sizes a facility: limit × factor over the term.
      const expected = divideRounded(
        limit * BigInt(settings.assumedFactorBps),
        10_000n * BigInt(settings.assumedTermDays),
        'up',
      );
      const debt = await harness.store.read((tx) => tx.risk.debtService(merchantId));
      assert.deepEqual(
        debt.map((d) => [d.facilityId, d.dailyDebtServiceMinor]),
        [[facilityId, expected]],
      );
      const redecided = await decideForMerchant(harness.store, app, merchantId, day);
      const view = redecided.record.view;
      assert.equal(BigInt(view.existing_debt_service_daily), expected, 'the leverage cap sees the line');
      // 2,608 of a cap of 2,851 a day is taken: what is left would lend less than the smallest offer.
      assert.equal(view.outcome, 'declined');
      assert.ok(BigInt(view.limit ?? 0) < limit, `${view.limit} is less than the line's ${limit}`);
      assert.equal(view.reasons[0]?.code, 'limit_below_minimum');
      // A line accepted before its debt service was recorded (as 0) is given it by the upgrade.
      await harness.exec(
        `update facility_debt_service set daily_debt_service_minor = 0 where facility_id = '${facilityId}'`,
      );
      await harness.exec(`delete from capstan_migrations where name = '0013_credit_line_debt_service'`);
      await harness.store.migrate();
      const upgraded = await harness.store.read((tx) => tx.risk.debtService(merchantId));
      assert.deepEqual(
        upgraded.map((d) => [d.facilityId, d.dailyDebtServiceMinor]),
        [[facilityId, expected]],
      );
      const again = await decideForMerchant(harness.store, app, merchantId, day);
      assert.equal(BigInt(again.record.view.existing_debt_service_daily), expected, 'read again, not cached');
    });

    it('reserves a draw until it is confirmed, once per reference', async () => {
      const first = await draw('d1', 30_000n);
      assert.ok(first.ok, first.ok ? '' : first.detail);
      assert.equal(first.value.status, 'pending');
      assert.equal(first.value.availableMinor, limit - 30_000n);
      assert.equal((await accounts()).principalPending, 30_000n);
      assert.equal((await accounts()).cashAvailable, pool - 30_000n);
      const again = await draw('d1', 30_000n);
      assert.ok(again.ok && again.value.replayed && again.value.status === 'pending');
      const reused = await draw('d1', 40_000n);
      assert.ok(!reused.ok && reused.code === 'draw_reference_reused');
      const tooMuch = await draw('d2', limit - 30_000n + 1n);
      assert.ok(!tooMuch.ok && tooMuch.code === 'credit_line_limit_exceeded');
      assert.equal((await line()).state.balance.principalMinor, 0n, 'a pending draw is not owed yet');

      const posted = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: first.value.drawId, outcome: 'post', day }),
      );
      assert.ok(posted.ok && posted.value.status === 'posted');
      const drawn = await line();
      assert.equal(drawn.state.balance.principalMinor, 30_000n);
      assert.equal(drawn.tally.originatedMinor, 30_000n);
      assert.deepEqual(
        { principal: (await accounts()).principal, pending: (await accounts()).principalPending },
        { principal: 30_000n, pending: 0n },
      );
      const twice = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: first.value.drawId, outcome: 'post', day }),
      );
      assert.ok(twice.ok && twice.value.replayed);
      const voidAfterPost = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: first.value.drawId, outcome: 'void', day }),
      );
      assert.ok(!voidAfterPost.ok && voidAfterPost.code === 'draw_not_pending');
    });

    it('a voided draw gives its room back', async () => {
      const second = await draw('d2', 10_000n);
      assert.ok(second.ok);
      assert.equal(second.value.availableMinor, limit - 40_000n);
      const voided = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: second.value.drawId, outcome: 'void', day, reason: 'bank rejected' }),
      );
      assert.ok(voided.ok && voided.value.status === 'voided');
      assert.equal(voided.value.availableMinor, limit - 30_000n);
      assert.equal((await accounts()).cashAvailable, pool - 30_000n);
    });

    it('lends no more than the limit to two draws at once: one reserved, the other refused', async () => {
      const room = limit - 30_000n;
      const each = (room * 6n) / 10n;
      // Each draw waits, after it read what is available, until the other has read it too (or a
      // moment, where the other cannot start: SQLite's writes are one at a time) — the order two
      // requests arriving together can take on PostgreSQL.
      const pausedAfterFirstRead = meetingAfterFirst('ledger', 'accountsByIds');
      const racing = (reference: string) =>
        harness.store.write((tx) =>
          requestDraw(pausedAfterFirstRead(tx), app, {
            facilityId,
            merchantId,
            amountMinor: each,
            reference,
            day,
          }),
        );
      const answers = await Promise.all([racing('race-a'), racing('race-b')]);
      assert.deepEqual(answers.map((a) => (a.ok ? 'pending' : a.code)).sort(), [
        'credit_line_limit_exceeded',
        'pending',
      ]);
      const won = answers.find((a) => a.ok);
      assert.ok(won?.ok);
      assert.equal((await accounts()).principalPending, each);
      const voided = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: won.value.drawId, outcome: 'void', day }),
      );
      assert.ok(voided.ok && voided.value.availableMinor === room);
    });

    it('refuses a draw while the merchant is flagged for fraud, and shows no credit available meanwhile', async () => {
      const availableCredit = async () =>
        (
          await harness.store.read((tx) =>
            facilityReport(tx, { facilityId, scope: {}, day, afterSequence: 0, limit: 1 }),
          )
        )?.balances?.availableCreditMinor;
      const room = await availableCredit();
      assert.ok(typeof room === 'bigint' && room > 0n);
      await harness.store.write((tx) => tx.risk.setFlag(merchantId, 'fraud', 'case 4411', 0n));
      const flagged = await draw('d-flagged', 1_000n);
      assert.ok(!flagged.ok && flagged.code === 'merchant_flagged');
      assert.equal(await availableCredit(), 0n);
      await harness.store.write((tx) => tx.risk.clearFlag(merchantId, 'fraud'));
      assert.equal(await availableCredit(), room);
    });

    it('accrues interest daily on what is drawn, the ledger agreeing; the sweep takes the line’s share', async () => {
      (app.clock as ManualClock).set(BigInt(day + 11) * dayNs);
      const run = await runEndOfDay(app, day + 10);
      assert.ok(run.ok);
      // 300.00 drawn at the decision's rate, ACT/365F, the fraction of a cent carried: 11 days —
      // the draw's day (the line's opening day) and the 10 after it, as a draw on a later day.
      const interest = (30_000n * BigInt(rateBps) * 11n) / 3_650_000n;
      const after10 = await line();
      assert.equal(after10.state.balance.interestMinor, interest);
      assert.equal((await accounts()).interest, interest);
      assert.equal(after10.tally.interestIncomeMinor, interest);

      const swept = await harness.store.write((tx) =>
        sweepSettlement(tx, app, {
          settlementKey: 'stl-line-1',
          merchantId,
          day: day + 11,
          currency: 'USD',
          netMinor: 50_000n,
        }),
      );
      assert.ok(swept.ok);
      // A tenth of a 500.00 payout: 50.00, interest first.
      assert.equal(swept.value.waterfall.totalDeductedMinor, 5_000n);
      const afterSweep = await line();
      assert.equal(afterSweep.state.balance.interestMinor, 0n);
      assert.equal(afterSweep.state.balance.principalMinor, 30_000n - (5_000n - interest));
    });

    it('repaid principal may be drawn again, up to the whole limit', async () => {
      const paid = await harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId, day: day + 11, reference: 'pay-all', payoff: true }),
      );
      assert.ok(paid.ok, paid.ok ? '' : paid.detail);
      const cleared = await line();
      assert.equal(cleared.state.balance.principalMinor, 0n);
      assert.equal(cleared.row.status, 'active', 'a revolving line stays open when repaid');
      const again = await draw('d3', limit);
      assert.ok(again.ok, again.ok ? '' : again.detail);
      assert.equal(again.value.availableMinor, 0n);
    });

    it('serves the days the daily cycle has not yet run on the balance they had, before a draw', async () => {
      // The cycle last ran for day + 10; the line was repaid on day + 11. The whole limit, drawn
      // on day + 13, is owed from day + 13: days + 11 and + 12 charge nothing, not the limit's
      // interest as they would if the cycle caught them up after the draw. Drawn at 00:30: day + 12
      // has ended, not yet closed — a draw serves it all the same (a repayment would wait).
      const pending = await draw('d3', limit);
      assert.ok(pending.ok);
      (app.clock as ManualClock).set(BigInt(day + 13) * dayNs + 1_800_000_000_000n);
      const posted = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: pending.value.drawId, outcome: 'post', day: day + 13 }),
      );
      assert.ok(posted.ok, posted.ok ? '' : posted.detail);
      const drawn = await line();
      assert.equal(drawn.servicedThroughDay, day + 12, 'the days before the draw were served first');
      assert.equal(drawn.state.balance.interestMinor, 0n);
      (app.clock as ManualClock).set(BigInt(day + 14) * dayNs);
      const run = await runEndOfDay(app, day + 13);
      assert.ok(run.ok);
      const oneDay = (limit * BigInt(rateBps)) / 3_650_000n;
      const charged = (await line()).state.balance.interestMinor;
      assert.ok(charged >= oneDay && charged <= oneDay + 1n, `one day's interest, not three: ${charged}`);
      assert.equal((await accounts()).interest, charged, 'the ledger agrees');
    });

    it('owes no draw on a line that left service while the draw waited: it can only be voided', async () => {
      const paid = await harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId, day: day + 13, reference: 'pay-all-2', payoff: true }),
      );
      assert.ok(paid.ok, paid.ok ? '' : paid.detail);
      const pending = await draw('d5', 1_000n);
      assert.ok(pending.ok, pending.ok ? '' : pending.detail);
      // Written off meanwhile (the row's status is what says a facility is serviced).
      const row = (await line()).row;
      await harness.store.write((tx) =>
        tx.financing.updateFacility(
          { ...row, status: 'written_off', version: row.version + 1n },
          row.version,
        ),
      );
      const posted = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: pending.value.drawId, outcome: 'post', day: day + 13 }),
      );
      assert.equal(posted.ok ? 'posted' : posted.code, 'draws_suspended');
      assert.equal((await accounts()).principal, 0n, 'nothing owed on it');
      const voided = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: pending.value.drawId, outcome: 'void', day: day + 13 }),
      );
      assert.ok(voided.ok && voided.value.status === 'voided');
    });
  });
}

for (const backend of backendsUnderTest) {
  describe(`a credit line whose minimum went overdue while the daily cycle was late, on ${backend.name}`, {
    skip: backend.skip,
  }, () => {
    let harness: Harness | undefined;
    after(async () => harness?.dispose());

    /** A line of its own, from a fresh book, with 1,000.00 drawn and paid out on `day`. */
    const drawnLine = async () => {
      const book = await openLendingBook(backend, { topBand: { grade: 'C', maxPd: 0.4 }, poolMinor: pool });
      const previous = harness;
      harness = book.harness;
      await previous?.dispose();
      const { app, merchantId } = book;
      const offers = await book.harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(offers.ok);
      const offer = offers.value.find((o) => o.product === 'credit_line');
      assert.ok(offer);
      const accepted = await book.harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: offer.id, merchantId, day }),
      );
      assert.ok(accepted.ok);
      const facilityId = accepted.value.facility.id;
      const draw = (reference: string, on: number) =>
        book.harness.store.write((tx) =>
          requestDraw(tx, app, { facilityId, merchantId, amountMinor: 100_000n, reference, day: on }),
        );
      const first = await draw('first', day);
      assert.ok(first.ok, first.ok ? '' : first.detail);
      const confirmed = await book.harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: first.value.drawId, outcome: 'post', day }),
      );
      assert.ok(confirmed.ok, confirmed.ok ? '' : confirmed.detail);
      return { book, app, merchantId, facilityId, draw };
    };

    it('suspends draws as the cycle will, without waiting for it', async () => {
      const { book, app, facilityId, draw } = await drawnLine();
      // The statement of day 30 is due on day 50 and nothing is paid; the cycle has not run since.
      (app.clock as ManualClock).set(BigInt(day + 52) * dayNs);
      const refused = await draw('second', day + 52);
      assert.deepEqual(refused.ok ? 'drawn' : [refused.code, refused.detail], [
        'draws_suspended',
        `facility ${facilityId} is delinquent: no draws until it is current`,
      ]);
      const row = await book.harness.store.read((tx) => tx.financing.facility(facilityId));
      assert.equal(row?.status, 'active', 'judged in memory: the cycle serves the days itself');
    });

    it('lends again once the overdue minimum is paid, without waiting for the cycle to cure it', async () => {
      const { book, app, facilityId, draw } = await drawnLine();
      // The statement of day 30 is due on day 50; the cycle has run through day 55, unpaid.
      (app.clock as ManualClock).set(BigInt(day + 56) * dayNs + 2n * 3_600_000_000_000n);
      const cycle = await runEndOfDay(app, day + 55);
      assert.ok(cycle.ok, cycle.ok ? '' : cycle.detail);
      const overdue = servicedOf(
        (await book.harness.store.read((tx) => tx.financing.facility(facilityId))) ?? assert.fail(),
      );
      assert.ok(overdue?.product === 'credit_line');
      assert.deepEqual([overdue.row.status, overdue.state.daysPastDue], ['delinquent', 5]);
      assert.equal((await draw('refused', day + 56)).ok, false, 'no draws while it is overdue');
      const [statement] = overdue.state.unpaidStatements;
      assert.ok(statement && overdue.state.unpaidStatements.length === 1);
      const minimum = statement.minimumMinor - overdue.state.paidTowardsOldest;
      // At 13:00 the merchant pays the minimum in full.
      (app.clock as ManualClock).set(BigInt(day + 56) * dayNs + 13n * 3_600_000_000_000n);
      const paid = await book.harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId, day: day + 56, reference: 'cure', amountMinor: minimum }),
      );
      assert.ok(paid.ok, paid.ok ? '' : paid.detail);
      const drawn = await draw('after-cure', day + 56);
      assert.ok(drawn.ok, drawn.ok ? '' : `${drawn.code}: ${drawn.detail}`);
    });

    it('lends nothing while collections are paused, and again once they resume', async () => {
      const { book, app, facilityId, draw } = await drawnLine();
      (app.clock as ManualClock).set(BigInt(day + 3) * dayNs + dayNs / 2n);
      const paused = await book.harness.store.write((tx) =>
        pauseFacilityCollections(tx, app, {
          facilityId,
          day: day + 3,
          fromDay: day + 3,
          untilDay: null,
          reason: 'hardship',
        }),
      );
      assert.ok(paused.ok, paused.ok ? '' : paused.detail);
      const refused = await draw('while-paused', day + 3);
      assert.deepEqual(refused.ok ? 'drawn' : [refused.code, refused.detail], [
        'draws_suspended',
        `collections on facility ${facilityId} are paused: no draws until they resume`,
      ]);
      const resumed = await book.harness.store.write((tx) =>
        resumeFacilityCollections(tx, app, { facilityId, day: day + 3 }),
      );
      assert.ok(resumed.ok, resumed.ok ? '' : resumed.detail);
      const drawn = await draw('resumed', day + 4);
      assert.ok(drawn.ok, drawn.ok ? '' : drawn.detail);
    });

    it('charges the days the cycle has not yet served before a payout repays the line', async () => {
      const { book, app, merchantId, facilityId } = await drawnLine();
      // Three days later at noon, the cycle not run since: a payout large enough to repay it all.
      (app.clock as ManualClock).set(BigInt(day + 3) * dayNs + dayNs / 2n);
      const payout = {
        settlementKey: 'plt big',
        merchantId,
        day: day + 3,
        currency: 'USD',
        netMinor: 2_000_000n,
      };
      const preview = await book.harness.store.read((tx) => previewSweep(tx, app, payout));
      const swept = await book.harness.store.write((tx) => sweepSettlement(tx, app, payout));
      assert.ok(swept.ok);
      const [taken] = swept.value.waterfall.deductions;
      assert.deepEqual(preview.waterfall, swept.value.waterfall, 'the commit as previewed');
      const after = servicedOf(
        (await book.harness.store.read((tx) => tx.financing.facility(facilityId))) ?? assert.fail(),
      );
      assert.ok(after?.product === 'credit_line');
      // The interest of days 0, 1 and 2 on the 1,000.00 drawn is charged first, then repaid.
      const threeDays = (100_000n * BigInt(after.state.terms.annualRateBps) * 3n) / 3_650_000n;
      const interest =
        (taken?.overdue.interest ?? 0n) + (taken?.due.interest ?? 0n) + (taken?.early.interest ?? 0n);
      assert.ok(interest >= threeDays && interest <= threeDays + 1n, `three days' interest: ${interest}`);
      assert.equal(after.servicedThroughDay, day + 2, 'the days before the payout were served first');
      assert.deepEqual([after.state.balance.principalMinor, after.state.balance.interestMinor], [0n, 0n]);
      assert.equal(after.tally.interestIncomeMinor, interest, 'earned, not lost');
    });
  });
}

for (const backend of backendsUnderTest) {
  describe(`a credit line first drawn days after it opened, on ${backend.name}`, {
    skip: backend.skip,
  }, () => {
    it('takes nothing from a payout dated before its first draw, arriving after it', async () => {
      const book = await openLendingBook(backend, { topBand: { grade: 'C', maxPd: 0.4 }, poolMinor: pool });
      const { harness, app, merchantId } = book;
      try {
        const offers = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
        assert.ok(offers.ok);
        const offer = offers.value.find((o) => o.product === 'credit_line');
        assert.ok(offer);
        const accepted = await harness.store.write((tx) =>
          acceptOffer(tx, app, { offerId: offer.id, merchantId, day }),
        );
        assert.ok(accepted.ok);
        const facilityId = accepted.value.facility.id;
        // Drawn three days after it opened, the day the payout of the draw is confirmed.
        (app.clock as ManualClock).set(BigInt(day + 4) * dayNs - 1n);
        const asked = await harness.store.write((tx) =>
          requestDraw(tx, app, {
            facilityId,
            merchantId,
            amountMinor: 100_000n,
            reference: 'late-1',
            day: day + 3,
          }),
        );
        assert.ok(asked.ok);
        const posted = await harness.store.write((tx) =>
          resolveDraw(tx, app, { drawId: asked.value.drawId, outcome: 'post', day: day + 3 }),
        );
        assert.ok(posted.ok);
        const payout = (settlementKey: string, payoutDay: number) => ({
          settlementKey,
          merchantId,
          day: payoutDay,
          currency: 'USD',
          netMinor: 100_000n,
        });
        // The payout of the day after the line opened, nothing drawn yet, arrives now: nothing owed then.
        const early = payout('stl-before-draw', day + 1);
        const previewed = await harness.store.read((tx) => previewSweep(tx, app, early));
        const swept = await harness.store.write((tx) => sweepSettlement(tx, app, early));
        assert.ok(swept.ok);
        assert.equal(swept.value.waterfall.totalDeductedMinor, 0n);
        assert.deepEqual(swept.value.waterfall, previewed.waterfall, 'the commit as previewed');
        // The payout of the draw's own day takes the line's share.
        const sameDay = await harness.store.write((tx) =>
          sweepSettlement(tx, app, payout('stl-draw-day', day + 3)),
        );
        assert.ok(sameDay.ok);
        assert.equal(
          sameDay.value.waterfall.totalDeductedMinor,
          (100_000n * BigInt(creditLineServicingDefaults.sweepRateBps)) / 10_000n,
        );
      } finally {
        await harness.dispose();
      }
    });
  });
}
