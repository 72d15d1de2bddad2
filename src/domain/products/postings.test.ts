/**
 * Financing postings through the real ledger state machine (the domain's in-memory harness): an
 * advance funded, disbursed in two phases, its fee recognised day by day while holdbacks repay it,
 * ends with every receivable and the deferred fee at zero and the fee in income; a voided
 * disbursement leaves nothing behind; a credit line's receivables always equal its balance; a
 * write-off and a recovery land in credit losses; every retry answers `exists` and changes
 * nothing; and the books verify, with debits equal to credits, after each story.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LedgerHarness } from '../ledger/ledger-harness.test-helper.ts';
import type { TransferInput } from '../ledger/types.ts';
import { isValidId } from '../ledger/validation.ts';
import { type AdvanceTerms, advanceFee, forecastHoldback, recogniseFee } from './advance/advance.ts';
import {
  accrueDay,
  type CreditLineBalance,
  type CreditLineTerms,
  draw,
  emptyBalance,
  repay,
} from './credit-line/credit-line.ts';
import {
  disbursementConfirmed,
  disbursementPending,
  disbursementVoided,
  type FacilityBook,
  facilityAccount,
  facilityAccounts,
  feeCharged,
  feeRecognised,
  financierAccount,
  financierAccounts,
  financierIdLengthMax,
  financierIdPattern,
  fundPool,
  interestAccrued,
  recovered,
  repaymentApplied,
  repaymentThroughFx,
  writtenOff,
} from './postings.ts';
import { settlementWaterfall } from './waterfall.ts';

function books(facilityId: string): { ledger: LedgerHarness; book: FacilityBook } {
  const ledger = new LedgerHarness();
  const book: FacilityBook = { financierId: 'fin_pool', currency: 'USD', facilityId };
  assert.deepEqual(
    ledger.openAccounts([...financierAccounts(book), ...facilityAccounts(book)]).filter((r) => r !== 'ok'),
    [],
  );
  return { ledger, book };
}

function post(ledger: LedgerHarness, transfers: readonly TransferInput[]): void {
  const results = ledger.results(transfers);
  assert.deepEqual(
    results.filter((r) => r !== 'ok'),
    [],
    `${transfers.map((t) => t.id).join(', ')}: ${results.join(', ')}`,
  );
  // A retry is harmless: the first transfer of each chain answers `exists` (the rest of a linked
  // chain then fails with it) and nothing changes.
  const before = ledger.snapshot();
  const retried = ledger.results(transfers);
  assert.equal(retried[0], 'exists');
  assert.ok(
    retried.every((r) => r === 'exists' || r === 'linked_event_failed'),
    retried.join(', '),
  );
  assert.equal(ledger.snapshot(), before);
}

/** Debit-normal balance (debits − credits), posted. */
function debitBalance(ledger: LedgerHarness, id: string): bigint {
  return -ledger.creditBalance(id);
}

function booksBalance(ledger: LedgerHarness): void {
  assert.equal(ledger.verify(), null);
  let debits = 0n;
  let credits = 0n;
  for (const account of ledger.accounts.values()) {
    debits += account.debitsPosted + account.debitsPending;
    credits += account.creditsPosted + account.creditsPending;
  }
  assert.equal(debits, credits, 'every transfer debits one account and credits another');
}

const terms: AdvanceTerms = {
  amountMinor: 100_000n,
  currency: 'USD',
  factorBps: 11_200,
  holdbackRateBps: 1_000,
  minimumPayment: null,
  maxTermDays: null,
};

describe('financing postings', () => {
  it('names every account of a financier whose id is as long as allowed, and no longer', () => {
    const longest = `fin_${'x'.repeat(financierIdLengthMax - 4)}`;
    assert.match(longest, new RegExp(financierIdPattern));
    assert.doesNotMatch(`${longest}x`, new RegExp(financierIdPattern));
    for (const currency of ['USD', 'EUR'])
      for (const account of Object.values(financierAccount))
        assert.ok(
          isValidId(account({ financierId: longest, currency })),
          account({ financierId: longest, currency }),
        );
    assert.ok(!isValidId(financierAccount.interestIncome({ financierId: `${longest}xx`, currency: 'USD' })));
  });

  it('books an advance from funding to payoff: receivables and deferred fee end at zero, the fee in income', () => {
    const { ledger, book } = books('fac_adv');
    post(ledger, fundPool(book, 'funding_1', 1_000_000n));
    const fee = advanceFee(terms);
    post(ledger, disbursementPending(book, terms.amountMinor, fee));
    assert.equal(
      ledger.account(financierAccount.cash(book)).creditsPending,
      100_000n,
      'reserved, not yet paid',
    );
    post(ledger, disbursementConfirmed(book));
    assert.equal(debitBalance(ledger, facilityAccount.principal(book)), 100_000n);
    assert.equal(debitBalance(ledger, facilityAccount.fees(book)), 12_000n);

    const forecast = forecastHoldback(terms, [50_000n]);
    assert.ok(forecast.ok);
    const recognition = recogniseFee(terms, forecast.value.dailyRate, forecast.value.daily);
    let owedFees = 12_000n;
    let owedPrincipal = 100_000n;
    for (const [index, day] of recognition.entries()) {
      const date = `2026-01-${String(index + 1).padStart(2, '0')}`;
      // The payout's holdback through the waterfall: fees first, then principal.
      const split = settlementWaterfall({
        settlementNetMinor: 50_000n,
        dailyCapBps: 3_000,
        settledEarlierTodayMinor: 0n,
        deductedEarlierTodayMinor: 0n,
        facilities: [
          {
            facilityId: book.facilityId,
            financierId: book.financierId,
            oldestDueDay: null,
            overdue: { fees: 0n, interest: 0n, principal: 0n },
            due: { fees: 0n, interest: 0n, principal: 0n },
            notYetDue: { fees: owedFees, interest: 0n, principal: owedPrincipal },
            holdbackRateBps: terms.holdbackRateBps,
          },
        ],
      });
      assert.ok(split.ok);
      const applied = split.value.deductions[0]?.early ?? { fees: 0n, interest: 0n, principal: 0n };
      assert.equal(applied.fees + applied.principal, day.repaidMinor, `day ${index + 1}`);
      owedFees -= applied.fees;
      owedPrincipal -= applied.principal;
      post(ledger, [
        ...repaymentApplied(book, `sweep_${date}`, applied),
        ...feeRecognised(book, date, day.incomeMinor),
      ]);
      assert.equal(
        debitBalance(ledger, facilityAccount.principal(book)) +
          debitBalance(ledger, facilityAccount.fees(book)),
        owedFees + owedPrincipal,
        'the receivables are the facility balance',
      );
      assert.equal(ledger.creditBalance(facilityAccount.deferredFee(book)), day.deferredFeeMinor);
    }
    for (const id of [
      facilityAccount.principal(book),
      facilityAccount.fees(book),
      facilityAccount.deferredFee(book),
    ])
      assert.equal(debitBalance(ledger, id), 0n, id);
    assert.equal(ledger.creditBalance(financierAccount.feeIncome(book)), 12_000n);
    assert.equal(debitBalance(ledger, financierAccount.cash(book)), 1_012_000n);
    booksBalance(ledger);
  });

  it('leaves nothing behind when the payout fails and the disbursement is voided', () => {
    const { ledger, book } = books('fac_void');
    post(ledger, fundPool(book, 'funding_1', 500_000n));
    post(ledger, disbursementPending(book, 100_000n, 12_000n));
    post(ledger, disbursementVoided(book, 12_000n));
    for (const id of [
      facilityAccount.principal(book),
      facilityAccount.fees(book),
      facilityAccount.deferredFee(book),
    ]) {
      const account = ledger.account(id);
      assert.equal(account.debitsPending + account.creditsPending, 0n, id);
      assert.equal(debitBalance(ledger, id), 0n, id);
    }
    assert.equal(debitBalance(ledger, financierAccount.cash(book)), 500_000n);
    booksBalance(ledger);
  });

  it('keeps a credit line’s receivables equal to its balance through draws, accruals and repayments', () => {
    const { ledger, book } = books('fac_line');
    const lineTerms: CreditLineTerms = {
      limitMinor: 500_000n,
      currency: 'USD',
      annualRateBps: 1_800,
      dayCount: 'act_365f',
    };
    post(ledger, fundPool(book, 'funding_1', 1_000_000n));
    let balance: CreditLineBalance = emptyBalance;
    const drawn = draw(lineTerms, balance, 300_000n);
    assert.ok(drawn.ok);
    balance = drawn.value;
    post(ledger, disbursementPending(book, 300_000n, 0n));
    post(ledger, disbursementConfirmed(book));
    for (let day = 1; day <= 60; day += 1) {
      const date = `d${day}`;
      const accrued = accrueDay(lineTerms, balance);
      balance = accrued.balance;
      post(ledger, interestAccrued(book, date, accrued.interestMinor));
      if (day % 7 === 0) {
        const paid = repay(balance, 20_000n);
        assert.ok(paid.ok);
        balance = paid.value.balance;
        post(ledger, repaymentApplied(book, `pay_${date}`, paid.value.applied));
      }
      assert.equal(debitBalance(ledger, facilityAccount.principal(book)), balance.principalMinor);
      assert.equal(debitBalance(ledger, facilityAccount.interest(book)), balance.interestMinor);
    }
    assert.ok(ledger.creditBalance(financierAccount.interestIncome(book)) > 0n);
    booksBalance(ledger);
  });

  it('writes off the carrying amount into credit losses, leaving no receivable or deferred fee, and books a recovery', () => {
    const { ledger, book } = books('fac_loss');
    post(ledger, fundPool(book, 'funding_1', 500_000n));
    post(ledger, disbursementPending(book, 100_000n, 12_000n));
    post(ledger, disbursementConfirmed(book));
    post(ledger, feeRecognised(book, '2026-01-01', 2_000n));
    post(ledger, repaymentApplied(book, 'sweep_1', { fees: 4_000n, interest: 0n, principal: 46_000n }));
    // Owed: fees 8,000 and principal 54,000; 10,000 of the fee is still deferred, more than the
    // 8,000 owed, so all the fees owed are unearned and reversed against the deferred fee.
    post(ledger, writtenOff(book, { fees: 8_000n, interest: 0n, principal: 54_000n }, 10_000n));
    assert.equal(debitBalance(ledger, facilityAccount.principal(book)), 0n);
    assert.equal(debitBalance(ledger, facilityAccount.fees(book)), 0n);
    assert.equal(ledger.creditBalance(facilityAccount.deferredFee(book)), 0n);
    // The carrying amount was 54,000 + 8,000 − 10,000: the 2,000 of fees collected ahead of being
    // earned reduce the loss.
    assert.equal(debitBalance(ledger, financierAccount.creditLosses(book)), 52_000n);
    assert.equal(
      ledger.creditBalance(financierAccount.feeIncome(book)),
      2_000n,
      'what was earned stays earned',
    );
    post(ledger, recovered(book, 'collection_1', 5_000n));
    assert.equal(debitBalance(ledger, financierAccount.creditLosses(book)), 47_000n);
    booksBalance(ledger);
  });

  it('writes a late fee owed off against the fee income it was booked to, not the deferred fee', () => {
    const { ledger, book } = books('fac_late');
    post(ledger, fundPool(book, 'funding_1', 500_000n));
    post(ledger, disbursementPending(book, 100_000n, 12_000n));
    post(ledger, disbursementConfirmed(book));
    post(ledger, feeRecognised(book, '2026-01-01', 2_000n));
    // The advance's own fee repaid in full (10,000 of it still deferred), a late fee of 2,500 owed.
    post(ledger, repaymentApplied(book, 'sweep_1', { fees: 12_000n, interest: 0n, principal: 40_000n }));
    post(ledger, feeCharged(book, 'late:2026-03-01', 2_500n));
    post(ledger, writtenOff(book, { fees: 2_500n, interest: 0n, principal: 60_000n }, 10_000n, 2_500n));
    assert.equal(debitBalance(ledger, facilityAccount.fees(book)), 0n);
    assert.equal(ledger.creditBalance(facilityAccount.deferredFee(book)), 0n);
    // The late fee's income is reversed; the whole 10,000 collected ahead reduces the loss.
    assert.equal(ledger.creditBalance(financierAccount.feeIncome(book)), 2_000n);
    assert.equal(debitBalance(ledger, financierAccount.creditLosses(book)), 50_000n);
    booksBalance(ledger);
  });

  it('keeps every repayment id within the ledger’s 64 characters for the longest ids in use', () => {
    // A real facility id is 30 characters (src/main/system.ts), a sweep id too, and a direct
    // repayment's event at most `r:` + 28 (src/app/financing/repayments.ts).
    const book = { financierId: 'fin_pool', currency: 'USD', facilityId: `fac_${'0'.repeat(26)}` };
    const payout = { financierId: 'fin_pool', currency: 'EUR' };
    const all = { fees: 1n, interest: 1n, principal: 1n };
    for (const eventId of [`swp_${'1'.repeat(26)}`, `r:${'x'.repeat(28)}`]) {
      const ids = [
        ...repaymentApplied(book, eventId, all),
        ...repaymentThroughFx(book, payout, eventId, repaymentApplied(book, eventId, all), 1n),
        ...recovered(book, eventId, 1n),
      ].map((t) => t.id);
      assert.ok(
        ids.every((id) => id.length <= 64),
        ids.join(' '),
      );
      assert.ok(
        ids.every((id) => id.startsWith(`${eventId}:`)),
        'a repayment’s transfers lead with its event',
      );
    }
  });
});
