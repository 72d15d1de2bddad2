/**
 * The financing reports on real stores (SQLite, and PostgreSQL when configured), over one book: an
 * advance, a term loan and a credit line disbursed, a second advance voided, payouts swept, a
 * direct repayment, days run, the loan paid off early. The portfolio adds up — collected is
 * exactly the sweeps and repayments, outstanding is what the facilities owe, the buckets hold all
 * of it, a voided facility counted apart — and a financier sees only its own. A facility answers
 * its balances, schedule and a page of history, to its own merchant and financier only. A
 * merchant's statement replays every facility exactly: each closes at what the facility owes,
 * each sweep's line is its deduction, the instalment's interest, the interest accrued to the payoff
 * and the credit line's daily interest are lines of their own — even when a payout is swept before
 * the daily cycle has run — no adjustment is ever needed, and one period's closing balance is the
 * next period's opening.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { settlementPaid } from '../../../test/support/events.ts';
import {
  disburse,
  lendingAsOfDay,
  lendingNow,
  offersOfAFreshDecision,
  openLendingBook,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { advanceFee } from '../../domain/products/advance/advance.ts';
import { type CalendarDate, formatCalendarDate, fromDayNumber } from '../../domain/time/calendar-date.ts';
import { parseRecord } from '../../ingest/parse-record.ts';
import type { AppContext } from '../app-context.ts';
import { ingestBatch } from '../ingest/ingest.ts';
import type { OfferRow } from '../ports.ts';
import { updateDecisionSettings } from '../risk/decision-settings.ts';
import { fromTaggedJson } from '../risk/tagged-json.ts';
import { pauseFacilityCollections } from './collections.ts';
import { requestDraw, resolveDraw } from './credit-lines.ts';
import { runEndOfDay } from './eod.ts';
import { type MerchantStatement, merchantStatement } from './merchant-statement.ts';
import { acceptOffer, makeOffers, voidDisbursement } from './origination.ts';
import { type RepaymentInput, repayFacility } from './repayments.ts';
import { facilityReport, portfolioReport, type ReportScope } from './reports.ts';
import { bookedOf, servicedOf } from './serviced.ts';
import { sweepSettlement } from './sweep.ts';

const day = lendingAsOfDay;
const dayNs = 86_400_000_000_000n;
const drawMinor = 100_000n;

for (const backend of backendsUnderTest) {
  describe(`financing reports on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let merchantId = '';
    const ids = { advance: '', loan: '', line: '', voided: '' };
    let advanceOffer: OfferRow;
    let repaidMinor = 0n;
    let payoffInterestMinor = 0n;

    const eodThrough = async (d: number) => {
      (app.clock as ManualClock).set(BigInt(d + 1) * dayNs);
      const run = await runEndOfDay(app, d);
      assert.ok(run.ok);
    };
    const serviced = async (id: string) => {
      const row = await harness.store.read((tx) => tx.financing.facility(id));
      assert.ok(row);
      const found = servicedOf(row);
      assert.ok(found);
      return found;
    };
    const owed = async (id: string) => {
      const booked = bookedOf(await serviced(id));
      return booked.fees + booked.interest + booked.principal;
    };
    const sweep = async (key: string, d: number, netMinor: bigint) => {
      // Paid out at noon of its day (money ahead of the day still open counts for that day).
      if ((app.clock as ManualClock).nowNs() < BigInt(d) * dayNs + dayNs / 2n)
        (app.clock as ManualClock).set(BigInt(d) * dayNs + dayNs / 2n);
      const swept = await harness.store.write((tx) =>
        sweepSettlement(tx, app, { settlementKey: key, merchantId, day: d, currency: 'USD', netMinor }),
      );
      assert.ok(swept.ok);
      assert.ok(swept.value.waterfall.totalDeductedMinor > 0n);
    };
    const repay = async (input: RepaymentInput) => {
      // Made at noon of its day: one at midnight would count for the day still open, the day before.
      if ((app.clock as ManualClock).nowNs() < BigInt(input.day) * dayNs + dayNs / 2n)
        (app.clock as ManualClock).set(BigInt(input.day) * dayNs + dayNs / 2n);
      const paid = await harness.store.write((tx) => repayFacility(tx, app, input));
      assert.ok(paid.ok, paid.ok ? '' : paid.detail);
      const { fees, interest, principal } = paid.value.applied;
      repaidMinor += fees + interest + principal;
      return paid.value;
    };
    const statement = (fromDay: number, toDay: number, scope: ReportScope = {}) =>
      harness.store.read((tx) => merchantStatement(tx, { merchantId, fromDay, toDay, scope }));

    before(async () => {
      // Grade C: an advance, a term loan and a credit line are all offered.
      const book = await openLendingBook(backend, {
        topBand: { grade: 'C', maxPd: 0.4 },
        poolMinor: 1_000_000_000n,
      });
      ({ harness, app, merchantId } = book);
      const made = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(made.ok);
      const advances = made.value.filter((o) => o.product === 'advance');
      assert.ok(advances.length >= 2, 'two advances are offered');
      // One advance is accepted and its payout fails (voided); the smallest, offered again, is taken.
      const second = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: (advances.at(-2) as OfferRow).id, merchantId, day }),
      );
      assert.ok(second.ok);
      ids.voided = second.value.facility.id;
      const voided = await harness.store.write((tx) =>
        voidDisbursement(tx, app, { facilityId: ids.voided, day, reason: 'the bank returned it, "twice"' }),
      );
      assert.ok(voided.ok);
      advanceOffer = advances.at(-1) as OfferRow;
      await harness.store.write((tx) => tx.financing.updateOffer(advanceOffer.id, { status: 'open' }));
      ids.advance = await disburse(book, advanceOffer);
      // A credit line and a term loan beside it, each from a decision of its own made once the
      // facility before was taken: with a leverage cap of half the forecast sales, each decision
      // still has room after the facilities before it (a line's room is its whole limit).
      const settings = await harness.store.write((tx) =>
        updateDecisionSettings(tx, lendingNow, { debtServiceShareBps: 5_000 }, 'test'),
      );
      assert.ok(settings.ok);
      const line = (await offersOfAFreshDecision(book)).find((o) => o.product === 'credit_line');
      assert.ok(line, 'a credit line is offered');
      const opened = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: line.id, merchantId, day }),
      );
      assert.ok(opened.ok);
      ids.line = opened.value.facility.id;
      const loan = (await offersOfAFreshDecision(book)).find((o) => o.product === 'term_loan');
      assert.ok(loan, 'a term loan is offered');
      ids.loan = await disburse(book, loan);
      const draw = await harness.store.write((tx) =>
        requestDraw(tx, app, { facilityId: ids.line, amountMinor: drawMinor, reference: 'd1', day }),
      );
      assert.ok(draw.ok, draw.ok ? '' : draw.detail);
      const posted = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: draw.value.drawId, outcome: 'post', day }),
      );
      assert.ok(posted.ok);

      await sweep('operator stl-1', day + 1, 400_000n);
      await eodThrough(day + 10);
      await repay({ facilityId: ids.loan, day: day + 10, reference: 'tl-1', amountMinor: 5_000n });
      await sweep('operator stl-2', day + 11, 300_000n);
      // The first instalment falls due a month after the payout: its interest is booked then.
      await eodThrough(day + 40);
      const booked = bookedOf(await serviced(ids.loan));
      const payoff = await repay({
        facilityId: ids.loan,
        day: day + 41,
        reference: 'tl-payoff',
        payoff: true,
      });
      assert.equal(payoff.status, 'paid_off');
      payoffInterestMinor = payoff.applied.interest - booked.interest;
      assert.ok(payoffInterestMinor > 0n, 'the payoff pays interest accrued since the instalment');
      // Swept before the daily cycle has taken the line through day + 41: its interest is booked later.
      await sweep('operator stl-3', day + 42, 250_000n);
      await eodThrough(day + 45);
    });
    after(async () => harness?.dispose());

    it('sums the portfolio: collected is the sweeps and repayments, outstanding what is owed', async () => {
      const [usd, ...others] = await harness.store.read((tx) => portfolioReport(tx, {}));
      assert.ok(usd);
      assert.deepEqual(others, []);
      const sweeps = await harness.store.read((tx) =>
        tx.financing.sweepsForMerchant(merchantId, 0, day + 99),
      );
      assert.equal(sweeps.length, 3);
      const deducted = sweeps.reduce((t, s) => t + s.deductedMinor, 0n);
      assert.equal(usd.total.collectedMinor, deducted + repaidMinor);
      const [advance, loan, line] = await Promise.all([ids.advance, ids.loan, ids.line].map(serviced));
      assert.ok(advance && loan && line);
      const facilities = [advance, loan, line];
      const principal = facilities.reduce((t, f) => t + bookedOf(f).principal, 0n);
      assert.equal(usd.total.outstandingPrincipalMinor, principal);
      assert.equal(
        usd.total.originatedMinor,
        advanceOffer.amountMinor + loan.tally.originatedMinor + drawMinor,
      );
      assert.equal(usd.total.facilities, 3);
      assert.deepEqual(usd.unservicedByStatus, { cancelled: 1 });
      assert.equal(usd.total.byStatus['paid_off'], 1);
      assert.deepEqual(Object.keys(usd.byProduct), ['advance', 'credit_line', 'term_loan']);
      assert.equal(usd.byProduct['term_loan']?.outstandingPrincipalMinor, 0n);
      const bucketed = Object.values(usd.byDelinquencyBucket);
      assert.equal(
        bucketed.reduce((t, b) => t + b.facilities, 0),
        2,
        'the two facilities still owing',
      );
      assert.equal(
        bucketed.reduce((t, b) => t + b.outstandingPrincipalMinor, 0n),
        principal,
      );
      assert.ok(usd.total.annualisedYield !== null && usd.total.annualisedYield > 0);

      const own = await harness.store.read((tx) => portfolioReport(tx, { financierId: 'fin_pool' }));
      assert.deepEqual(own, [usd]);
      assert.deepEqual(
        await harness.store.read((tx) => portfolioReport(tx, { financierId: 'fin_other' })),
        [],
      );
    });

    it('answers a facility with its balances, schedule and a page of history, in scope only', async () => {
      const read = (facilityId: string, scope: ReportScope, afterSequence = 0, limit = 100) =>
        harness.store.read((tx) =>
          facilityReport(tx, { facilityId, scope, day: day + 45, afterSequence, limit }),
        );
      const advance = await read(ids.advance, { merchantId });
      assert.ok(advance?.balances && advance.schedule?.kind === 'forecast');
      const offer = fromTaggedJson<{ schedule: unknown }>(advanceOffer.offerJson);
      assert.deepEqual(advance.schedule.payments, offer.schedule);
      const state = await serviced(ids.advance);
      assert.ok(state.product === 'advance');
      assert.equal(advance.balances.fees, state.state.owed.fees);
      assert.equal(advance.balances.deferredFeeMinor, state.state.deferredFeeMinor);
      assert.equal(advance.balances.payoffMinor, await owed(ids.advance));

      const loan = await read(ids.loan, { financierId: 'fin_pool' });
      assert.ok(loan?.schedule?.kind === 'instalments');
      // Paid off in its second period: the first two instalments paid, the rest never needed.
      const instalments = loan.schedule.instalments;
      assert.deepEqual(
        instalments.map((i) => i.status),
        ['paid', 'paid', ...instalments.slice(2).map(() => 'not_needed')],
        'paid off: nothing more is due',
      );
      assert.equal(instalments[0]?.paidInterestMinor, instalments[0]?.interestMinor);
      assert.equal(instalments[1]?.interestMinor, payoffInterestMinor, 'the interest the payoff booked');
      // As its books have it: every cent of interest income, every cent lent.
      const { tally } = await serviced(ids.loan);
      assert.equal(
        instalments.reduce((t, i) => t + i.paidInterestMinor, 0n),
        tally.interestIncomeMinor,
      );
      assert.equal(
        instalments.reduce((t, i) => t + i.paidPrincipalMinor, 0n),
        tally.originatedMinor,
      );
      assert.equal(loan.balances?.payoffMinor, null, 'a closed facility has nothing to pay off');

      const line = await read(ids.line, {});
      assert.ok(line?.schedule?.kind === 'statements' && line.balances?.availableCreditMinor !== null);
      assert.equal(line.row.product, 'credit_line');
      // A draw waiting for its payout is not available again: the report says what a draw may take.
      const room = line.balances?.availableCreditMinor ?? null;
      assert.ok(room !== null && room > 1_000n);
      const pending = await harness.store.write((tx) =>
        requestDraw(tx, app, {
          facilityId: ids.line,
          amountMinor: 1_000n,
          reference: 'd-pending',
          day: day + 45,
        }),
      );
      assert.ok(pending.ok && pending.value.availableMinor === room - 1_000n);
      assert.equal((await read(ids.line, {}))?.balances?.availableCreditMinor, room - 1_000n);
      const voidedDraw = await harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: pending.value.drawId, outcome: 'void', day: day + 45 }),
      );
      assert.ok(voidedDraw.ok);
      assert.equal((await read(ids.line, {}))?.balances?.availableCreditMinor, room);

      const page = await read(ids.advance, {}, 0, 2);
      assert.deepEqual(
        page?.history.events.map((e) => e.type),
        ['accepted', 'disbursed'],
      );
      assert.equal(page?.history.hasMore, true);
      const next = await read(ids.advance, {}, 2, 1);
      assert.equal(next?.history.events[0]?.sequence, 3);
      assert.equal(next?.history.events[0]?.type, 'swept');

      assert.equal(await read(ids.advance, { merchantId: 'mer_other' }), undefined);
      assert.equal(await read(ids.advance, { financierId: 'fin_other' }), undefined);
      const voided = await read(ids.voided, {});
      assert.equal(voided?.balances, null);
      assert.equal(voided?.row.status, 'cancelled');
      assert.equal(voided?.schedule, null, 'its payout failed: no payments to forecast');
    });

    const linesOf = (s: MerchantStatement, facilityId: string) => {
      const found = s.facilities.find((f) => f.row.id === facilityId);
      assert.ok(found, `facility ${facilityId} is on the statement`);
      return found;
    };

    it('replays every facility exactly: each closes at what it owes, no adjustment needed', async () => {
      const whole = await statement(day - 5, day + 45);
      for (const id of [ids.advance, ids.loan, ids.line]) {
        const f = linesOf(whole, id);
        assert.equal(f.openingMinor, 0n);
        assert.equal(f.closingMinor, await owed(id), `${id} closes at what it owes`);
        assert.equal(
          f.lines.reduce((t, l) => t + l.amountMinor, 0n),
          f.closingMinor,
        );
        assert.equal(f.lines.at(-1)?.balanceMinor, f.closingMinor);
        assert.ok(!f.lines.some((l) => l.type === 'adjustment'), 'nothing is left unexplained');
        assert.ok(
          f.lines.every((l, i) => i === 0 || l.day >= (f.lines[i - 1]?.day ?? 0)),
          'lines in date order',
        );
      }
      const voided = linesOf(whole, ids.voided);
      assert.deepEqual(
        voided.lines.map((l) => [l.type, l.amountMinor]),
        [
          ['accepted', 0n],
          ['disbursement_voided', 0n],
        ],
      );
    });

    it('shows each sweep as its deduction, the advance fee, and interest as it was booked', async () => {
      const whole = await statement(day - 5, day + 45);
      const sweeps = await harness.store.read((tx) =>
        tx.financing.sweepsForMerchant(merchantId, 0, day + 99),
      );
      assert.equal(whole.settlements.length, 3);
      for (const id of [ids.advance, ids.loan, ids.line]) {
        const swept = linesOf(whole, id).lines.filter((l) => l.type === 'swept');
        const deductions = whole.settlements.flatMap((s) => s.deductions.filter((d) => d.facilityId === id));
        assert.equal(swept.length, deductions.length);
        assert.equal(
          swept.reduce((t, l) => t + l.amountMinor, 0n),
          -deductions.reduce((t, d) => t + d.total, 0n),
        );
      }
      assert.deepEqual(
        whole.settlements.map((s) => s.deductedMinor),
        sweeps.map((s) => s.deductedMinor),
      );
      const advance = linesOf(whole, ids.advance).lines;
      const terms = fromTaggedJson<{ terms: Parameters<typeof advanceFee>[0] }>(advanceOffer.offerJson).terms;
      assert.deepEqual(
        advance.slice(1, 3).map((l) => [l.type, l.amountMinor]),
        [
          ['disbursed', advanceOffer.amountMinor],
          ['fee_charged', advanceFee(terms)],
        ],
      );

      const loan = await serviced(ids.loan);
      assert.ok(loan.product === 'term_loan');
      const first = loan.state.instalments[0];
      assert.ok(first);
      const interest = linesOf(whole, ids.loan).lines.filter((l) => l.type === 'interest_charged');
      assert.deepEqual(
        interest.map((l) => [l.day, l.detail, l.amountMinor]),
        [
          [first.dueDay, { instalment: 1 }, first.interestMinor],
          [day + 41, { toPayoff: true }, payoffInterestMinor],
        ],
      );
      const line = await serviced(ids.line);
      const lineInterest = linesOf(whole, ids.line).lines.filter((l) => l.type === 'interest_charged');
      assert.equal(
        lineInterest.reduce((t, l) => t + l.amountMinor, 0n),
        line.tally.interestIncomeMinor,
        "the line's daily interest, every cent booked",
      );
      assert.ok(lineInterest.length < 10, 'days of interest in a row are one line');
      // From the day of its draw, the day it opened.
      assert.equal(lineInterest[0]?.detail['fromDay'], day);
    });

    it("carries one period's closing balance into the next period's opening", async () => {
      for (const split of [day + 1, day + 20, day + 41]) {
        const first = await statement(day - 5, split);
        const second = await statement(split + 1, day + 45);
        for (const f of second.facilities) {
          const before = first.facilities.find((g) => g.row.id === f.row.id);
          assert.equal(f.openingMinor, before?.closingMinor ?? 0n, `${f.row.id} across ${split}`);
        }
      }
      const late = await statement(day + 44, day + 45);
      assert.equal(
        linesOf(late, ids.line).openingMinor +
          linesOf(late, ids.line).lines.reduce((t, l) => t + l.amountMinor, 0n),
        await owed(ids.line),
      );
      assert.ok(!late.facilities.some((f) => f.row.id === ids.loan), 'paid off before: nothing to show');
    });

    it('shows a financier only its own facilities and the settlements that repaid them', async () => {
      const own = await statement(day - 5, day + 45, { financierId: 'fin_pool' });
      assert.equal(own.facilities.length, 4);
      const none = await statement(day - 5, day + 45, { financierId: 'fin_other' });
      assert.deepEqual([none.facilities, none.settlements], [[], []]);
    });

    it('takes a written-off balance off the statement, and counts the loss in the portfolio', async () => {
      await eodThrough(day + 280);
      // The line's statements go unpaid: delinquent, in default, written off.
      const line = await serviced(ids.line);
      assert.equal(line.row.status, 'written_off');
      const report = await harness.store.read((tx) =>
        facilityReport(tx, { facilityId: ids.line, scope: {}, day: day + 280, afterSequence: 0, limit: 1 }),
      );
      assert.equal(report?.balances?.availableCreditMinor, 0n, 'a line written off lends no more');
      const whole = await statement(day - 5, day + 280);
      const lines = linesOf(whole, ids.line).lines;
      const writeOff = lines.find((l) => l.type === 'status_changed' && l.detail['to'] === 'written_off');
      assert.ok(writeOff);
      assert.equal(writeOff.balanceMinor, 0n);
      assert.ok(writeOff.amountMinor < 0n, 'the balance left the books');
      assert.equal(linesOf(whole, ids.line).closingMinor, 0n);
      assert.ok(lines.some((l) => l.type === 'late_fee_charged' && l.amountMinor > 0n));
      assert.ok(!lines.some((l) => l.type === 'adjustment'), 'the interest up to the write-off is all there');
      for (const id of [ids.advance, ids.line]) assert.equal(linesOf(whole, id).closingMinor, await owed(id));
      const [usd] = await harness.store.read((tx) => portfolioReport(tx, {}));
      const all = await Promise.all([ids.advance, ids.loan, ids.line].map(serviced));
      const writtenOff = all.filter((f) => f.row.status === 'written_off');
      const lost = writtenOff.reduce(
        (t, f) => t + f.tally.writtenOffPrincipalMinor - f.tally.recoveredMinor,
        0n,
      );
      const originated = all.reduce((t, f) => t + f.tally.originatedMinor, 0n);
      assert.equal(usd?.total.byStatus['written_off'], writtenOff.length);
      assert.equal(usd?.total.lossRate, Math.round((Number(lost) / Number(originated)) * 1e6) / 1e6);
      assert.ok((usd?.total.lossRate ?? 0) > 0);
    });

    it('recovers a written-off line from later payouts at its sweep rate, never more than written off', async () => {
      const before = await serviced(ids.line);
      const recoverable = before.tally.writtenOffPrincipalMinor - before.tally.recoveredMinor;
      assert.ok(recoverable > 1_000n);
      // Recovered directly but for its last 10.00 (1,000 minor units).
      await repay({
        facilityId: ids.line,
        day: day + 281,
        reference: 'rec-1',
        amountMinor: recoverable - 1_000n,
      });
      const payout = (key: string, d: number, netMinor: bigint) => {
        if ((app.clock as ManualClock).nowNs() < BigInt(d) * dayNs + dayNs / 2n)
          (app.clock as ManualClock).set(BigInt(d) * dayNs + dayNs / 2n);
        return harness.store.write((tx) =>
          sweepSettlement(tx, app, { settlementKey: key, merchantId, day: d, currency: 'USD', netMinor }),
        );
      };
      const takenFromLine = (swept: Awaited<ReturnType<typeof payout>>) => {
        assert.ok(swept.ok);
        return swept.value.waterfall.deductions.find((d) => d.facilityId === ids.line)?.total ?? 0n;
      };
      // A payout of 5,000: the line's 10% sweep rate, 500, as a recovery.
      assert.equal(takenFromLine(await payout('operator stl-rec-1', day + 282, 5_000n)), 500n);
      // The advance paid off, the written-off line is all a payout may repay.
      await repay({ facilityId: ids.advance, day: day + 282, reference: 'adv-payoff', payoff: true });
      const open = await harness.store.read((tx) => tx.financing.facilitiesForMerchant(merchantId));
      assert.deepEqual(
        open.filter((f) => !['cancelled', 'paid_off'].includes(f.status)).map((f) => f.status),
        ['written_off'],
      );
      // The next, a settlement.paid ingested, takes what is left, 500, not its 10% of 20,000.
      const date = String(fromDayNumber(day + 283));
      (app.clock as ManualClock).set(BigInt(day + 283) * dayNs + 13n * 3_600_000_000_000n);
      const ingested = await harness.store.write((tx) =>
        ingestBatch(tx, app, [
          parseRecord({
            origin: 'test',
            line: null,
            raw: JSON.stringify(
              settlementPaid({
                eventId: 'evt-rec-2',
                settlementId: 'stl-rec-2',
                subject: merchantId,
                date,
                net: 20_000n,
              }),
            ),
          }),
        ]),
      );
      assert.equal(ingested[0]?.status, 'applied');
      const byEvent = await harness.store.read((tx) => tx.financing.sweep('plt_test stl-rec-2'));
      assert.equal(
        fromTaggedJson<{ waterfall: { deductions: { facilityId: string; total: bigint }[] } }>(
          byEvent?.splitJson ?? '{}',
        ).waterfall.deductions.find((d) => d.facilityId === ids.line)?.total,
        500n,
      );
      assert.equal(takenFromLine(await payout('operator stl-rec-3', day + 284, 20_000n)), 0n, 'recovered');
      const after = await serviced(ids.line);
      assert.equal(after.row.status, 'written_off');
      assert.equal(after.tally.recoveredMinor, after.tally.writtenOffPrincipalMinor, 'all of it recovered');
      const events = await harness.store.read((tx) =>
        tx.financing.facilityEvents(ids.line, { limit: 1_000 }),
      );
      assert.deepEqual(
        events
          .filter((e) => e.type === 'swept' && e.day > day + 281)
          .map((e) => fromTaggedJson<{ recoveredMinor?: bigint; outstandingMinor: bigint }>(e.detailJson))
          .map((d) => [d.recoveredMinor, d.outstandingMinor]),
        [
          [500n, 0n],
          [500n, 0n],
        ],
        'recorded as a direct recovery is: nothing owed on the books moves',
      );
      // The statement shows them, its balance staying at nothing.
      const recoveries = linesOf(await statement(day + 282, day + 284), ids.line);
      assert.deepEqual(
        recoveries.lines
          .filter((l) => l.type === 'swept')
          .map((l) => [l.amountMinor, l.detail['recoveredMinor']]),
        [
          [0n, 500n],
          [0n, 500n],
        ],
      );
      assert.equal(recoveries.closingMinor, 0n);
      // The line's loss is gone from the portfolio; the books balance.
      const [usd] = await harness.store.read((tx) => portfolioReport(tx, {}));
      assert.equal(usd?.byProduct['credit_line']?.lossRate, 0);
      const net = new Map<string, bigint>();
      for (const r of await harness.store.read((tx) => tx.ledger.trialBalance(null)))
        net.set(r.currency, (net.get(r.currency) ?? 0n) + r.debitsPosted - r.creditsPosted);
      for (const [currency, left] of net) assert.equal(left, 0n, currency);
    });
  });
}

for (const backend of backendsUnderTest) {
  describe(`a term loan awaiting its payout, on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness | undefined;
    after(async () => harness?.dispose());

    it('shows the instalments its acceptance disclosed, monthly from the acceptance', async () => {
      const book = await openLendingBook(backend, {
        topBand: { grade: 'C', maxPd: 0.4 },
        poolMinor: 1_000_000_000n,
      });
      harness = book.harness;
      const loan = (await offersOfAFreshDecision(book)).find((o) => o.product === 'term_loan');
      assert.ok(loan, 'a term loan is offered');
      // Accepted on 2026-07-31, 16 days after the offer, not yet paid out: due on the 31st or the
      // month's last day (30 September), not the offer's dates moved 16 days (1 October).
      const accepted = await book.harness.store.write((tx) =>
        acceptOffer(tx, book.app, { offerId: loan.id, merchantId: book.merchantId, day: day + 16 }),
      );
      assert.ok(accepted.ok, accepted.ok ? '' : accepted.detail);
      const disclosed = fromTaggedJson<{ disclosure: { schedule: unknown } }>(
        accepted.value.offer.acceptanceJson ?? '{}',
      ).disclosure.schedule;
      const report = await book.harness.store.read((tx) =>
        facilityReport(tx, {
          facilityId: accepted.value.facility.id,
          scope: {},
          day: day + 16,
          afterSequence: 0,
          limit: 10,
        }),
      );
      assert.ok(report?.schedule?.kind === 'forecast');
      assert.deepEqual(report.schedule.payments, disclosed);
      assert.deepEqual(
        (disclosed as { date: CalendarDate }[]).slice(0, 2).map((p) => formatCalendarDate(p.date)),
        ['2026-08-31', '2026-09-30'],
      );
      assert.notDeepEqual(disclosed, fromTaggedJson<{ schedule: unknown }>(loan.offerJson).schedule);
    });
  });
}

for (const backend of backendsUnderTest) {
  describe(`a pause of collections set the day of a repayment, on ${backend.name}`, {
    skip: backend.skip,
  }, () => {
    let harness: Harness | undefined;
    after(async () => harness?.dispose());

    it("states the day's interest after the repayment, with no adjustment", async () => {
      const book = await openLendingBook(backend, {
        topBand: { grade: 'C', maxPd: 0.4 },
        poolMinor: 1_000_000_000n,
      });
      harness = book.harness;
      const { app, merchantId } = book;
      const clock = app.clock as ManualClock;
      const offer = (await offersOfAFreshDecision(book)).find((o) => o.product === 'credit_line');
      assert.ok(offer, 'a credit line is offered');
      const opened = await book.harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: offer.id, merchantId, day }),
      );
      assert.ok(opened.ok);
      const facilityId = opened.value.facility.id;
      const draw = await book.harness.store.write((tx) =>
        requestDraw(tx, app, { facilityId, amountMinor: drawMinor, reference: 'd1', day }),
      );
      assert.ok(draw.ok);
      const posted = await book.harness.store.write((tx) =>
        resolveDraw(tx, app, { drawId: draw.value.drawId, outcome: 'post', day }),
      );
      assert.ok(posted.ok);
      clock.set(BigInt(day + 5) * dayNs);
      assert.ok((await runEndOfDay(app, day + 4)).ok);
      // At noon a pause is set for later; at three the merchant repays: the day's interest, booked
      // at its end, is on what the repayment left.
      clock.set(BigInt(day + 5) * dayNs + dayNs / 2n);
      const paused = await book.harness.store.write((tx) =>
        pauseFacilityCollections(tx, app, {
          facilityId,
          day: day + 5,
          fromDay: day + 10,
          untilDay: day + 20,
          reason: 'hardship',
        }),
      );
      assert.ok(paused.ok);
      clock.set(BigInt(day + 5) * dayNs + (dayNs / 8n) * 5n);
      const repaid = await book.harness.store.write((tx) =>
        repayFacility(tx, app, { facilityId, day: day + 5, reference: 'r1', amountMinor: 10_000n }),
      );
      assert.ok(repaid.ok);
      clock.set(BigInt(day + 9) * dayNs);
      assert.ok((await runEndOfDay(app, day + 8)).ok);

      const statement = await book.harness.store.read((tx) =>
        merchantStatement(tx, { merchantId, fromDay: day, toDay: day + 8, scope: {} }),
      );
      const lines = statement.facilities[0]?.lines ?? [];
      assert.deepEqual(
        lines
          .filter((l) => l.day >= day + 4)
          .map((l) => [l.day, l.type, l.type === 'interest_charged' ? l.detail['fromDay'] : null]),
        [
          [day + 4, 'interest_charged', day],
          [day + 5, 'collections_pause_set', null],
          [day + 5, 'repayment', null],
          [day + 8, 'interest_charged', day + 5],
        ],
      );
      const line = await book.harness.store.read((tx) => tx.financing.facility(facilityId));
      const tally = line === undefined ? null : servicedOf(line)?.tally;
      assert.equal(
        lines.filter((l) => l.type === 'interest_charged').reduce((t, l) => t + l.amountMinor, 0n),
        tally?.interestIncomeMinor,
      );
    });
  });
}
