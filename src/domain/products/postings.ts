/**
 * The ledger postings of financing: the chart of accounts a financier's pool and each facility
 * need, and the transfers every facility event causes. Pure: ids are derived from the facility
 * and the event, so posting the same event twice is the same transfer twice, which the ledger
 * answers `exists` — retries are harmless.
 *
 * Accounts, all in the ledger `financing` and the facility's currency (debit-normal assets carry
 * `credits_must_not_exceed_debits`, so none can go below zero):
 *
 * | account | code | side | what it holds |
 * |---|---|---|---|
 * | `fin:{financier}:{ccy}:cash` | `financier_cash` | asset | the pool's money, available to lend |
 * | `fin:{financier}:{ccy}:funding` | `financier_funding` | liability | what the financier put in |
 * | `fin:{financier}:{ccy}:fee_income` | `fee_income` | income | fees earned |
 * | `fin:{financier}:{ccy}:interest_income` | `interest_income` | income | interest earned |
 * | `fin:{financier}:{ccy}:credit_losses` | `credit_losses` | expense | principal written off |
 * | `fin:{financier}:{ccy}:fx_position` | `fx_position` | trading | currency bought (debit) and sold (credit) |
 * | `fac:{facility}:principal` | `principal_receivable` | asset | principal owed |
 * | `fac:{facility}:interest` | `interest_receivable` | asset | interest accrued and owed |
 * | `fac:{facility}:fees` | `fees_receivable` | asset | fees charged and owed |
 * | `fac:{facility}:deferred_fee` | `deferred_fee` | contra-asset | fees charged, not yet earned |
 *
 * So the facility's balance (principal + interest + fees owed) is the sum of its three receivable
 * accounts' debit balances, and the daily cycle can assert that the two agree.
 */
import { assert } from '../assert.ts';
import { idLengthMax } from '../ledger/limits.ts';
import type { AccountInput, TransferInput } from '../ledger/types.ts';
import { AccountFlag, TransferFlag } from '../ledger/types.ts';
import type { Amounts, Component } from './waterfall.ts';

export const financingLedger = 'financing';

export interface FinancierBook {
  readonly financierId: string;
  readonly currency: string;
}

export interface FacilityBook extends FinancierBook {
  readonly facilityId: string;
}

const debitNormal = AccountFlag.creditsMustNotExceedDebits;
const creditNormal = AccountFlag.debitsMustNotExceedCredits;

/**
 * A financier's id is at most this long: its longest account id, `fin:<id>:<CUR>:interest_income`,
 * must fit the ledger's 64 characters (idLengthMax).
 */
export const financierIdLengthMax = 40;
/** A financier's id: `fin_` and up to 36 letters, digits, `_` or `-`. */
export const financierIdPattern = `^fin_[A-Za-z0-9_-]{1,${financierIdLengthMax - 4}}$`;

export const financierAccount = {
  cash: (b: FinancierBook) => `fin:${b.financierId}:${b.currency}:cash`,
  funding: (b: FinancierBook) => `fin:${b.financierId}:${b.currency}:funding`,
  feeIncome: (b: FinancierBook) => `fin:${b.financierId}:${b.currency}:fee_income`,
  interestIncome: (b: FinancierBook) => `fin:${b.financierId}:${b.currency}:interest_income`,
  creditLosses: (b: FinancierBook) => `fin:${b.financierId}:${b.currency}:credit_losses`,
  fxPosition: (b: FinancierBook) => `fin:${b.financierId}:${b.currency}:fx_position`,
};

export const facilityAccount = {
  principal: (f: FacilityBook) => `fac:${f.facilityId}:principal`,
  interest: (f: FacilityBook) => `fac:${f.facilityId}:interest`,
  fees: (f: FacilityBook) => `fac:${f.facilityId}:fees`,
  deferredFee: (f: FacilityBook) => `fac:${f.facilityId}:deferred_fee`,
};

/** The facility a principal account (`fac:<facility>:principal`) belongs to. */
export function facilityOfPrincipal(accountId: string): string {
  return accountId.slice('fac:'.length, -':principal'.length);
}

const receivableOf: Readonly<Record<Component, (f: FacilityBook) => string>> = {
  principal: facilityAccount.principal,
  interest: facilityAccount.interest,
  fees: facilityAccount.fees,
};

function account(id: string, book: FinancierBook, code: string, flags: number): AccountInput {
  return { id, ledger: financingLedger, currency: book.currency, code, flags };
}

export function financierAccounts(book: FinancierBook): AccountInput[] {
  return [
    account(financierAccount.cash(book), book, 'financier_cash', debitNormal),
    account(financierAccount.funding(book), book, 'financier_funding', creditNormal),
    account(financierAccount.feeIncome(book), book, 'fee_income', creditNormal),
    account(financierAccount.interestIncome(book), book, 'interest_income', creditNormal),
    account(financierAccount.creditLosses(book), book, 'credit_losses', debitNormal),
  ];
}

/**
 * A financier's accounts in a currency it collects foreign payouts in, or repays a facility from
 * them: its pool's accounts and the FX position — a trading account, either side, so no balance rule.
 */
export function financierFxAccounts(book: FinancierBook): AccountInput[] {
  return [...financierAccounts(book), account(financierAccount.fxPosition(book), book, 'fx_position', 0)];
}

export function facilityAccounts(book: FacilityBook): AccountInput[] {
  return [
    account(facilityAccount.principal(book), book, 'principal_receivable', debitNormal),
    account(facilityAccount.interest(book), book, 'interest_receivable', debitNormal),
    account(facilityAccount.fees(book), book, 'fees_receivable', debitNormal),
    account(facilityAccount.deferredFee(book), book, 'deferred_fee', creditNormal),
  ];
}

interface Posting {
  readonly id: string;
  readonly debit: string;
  readonly credit: string;
  readonly amount: bigint;
  readonly code: string;
}

/**
 * Transfer ids are the facility's id, a short kind and the event's key: `fac_…:int:2026-03-01`. A
 * repayment's lead with the repayment's event instead (`swp_…:fac_…:p`): a sweep's transfers are
 * then neighbours in the ledger's id index, where facility-first ids scattered one index page per
 * facility across every commit (measured on bench:servicing: 28% of the pages a sweep batch wrote).
 * With a 30-character facility id and an event key of at most 30 characters they stay within the
 * ledger's 64; a longer one is a bug in the caller, caught here rather than refused by the ledger.
 */
function checkId(id: string): string {
  assert(id.length <= idLengthMax, `posting id over ${idLengthMax} characters: ${id}`);
  return id;
}

/** Transfers for postings, the zero ones left out; `linked` so a batch applies all or nothing. */
function transfers(book: FinancierBook, postings: readonly Posting[]): TransferInput[] {
  const kept = postings.filter((p) => p.amount > 0n);
  return kept.map((p, index) => ({
    id: checkId(p.id),
    debitAccountId: p.debit,
    creditAccountId: p.credit,
    amount: p.amount,
    currency: book.currency,
    code: p.code,
    flags: index < kept.length - 1 ? TransferFlag.linked : 0,
  }));
}

/** A financier puts money into its pool. */
export function fundPool(book: FinancierBook, eventId: string, amountMinor: bigint): TransferInput[] {
  return transfers(book, [
    {
      id: `${eventId}:fund`,
      debit: financierAccount.cash(book),
      credit: financierAccount.funding(book),
      amount: amountMinor,
      code: 'pool_funding',
    },
  ]);
}

/**
 * Disbursement, first phase: the principal is reserved from the pool (pending, so the pool cannot
 * lend it twice) until the platform confirms the payout; with a fee (an advance) the fee is
 * charged and deferred at once, in the same linked batch.
 */
export function disbursementPending(
  book: FacilityBook,
  principalMinor: bigint,
  feeMinor: bigint,
  timeoutSeconds = 0,
): TransferInput[] {
  const id = checkId(`${book.facilityId}:disb`);
  const pending: TransferInput = {
    id,
    debitAccountId: facilityAccount.principal(book),
    creditAccountId: financierAccount.cash(book),
    amount: principalMinor,
    currency: book.currency,
    code: 'disbursement',
    flags: TransferFlag.pending | (feeMinor > 0n ? TransferFlag.linked : 0),
    ...(timeoutSeconds > 0 ? { timeoutSeconds } : {}),
  };
  return feeMinor > 0n
    ? [
        pending,
        ...transfers(book, [
          {
            id: `${book.facilityId}:fee`,
            debit: facilityAccount.fees(book),
            credit: facilityAccount.deferredFee(book),
            amount: feeMinor,
            code: 'fee_charged',
          },
        ]),
      ]
    : [pending];
}

/** Disbursement, second phase: the platform paid the merchant. */
export function disbursementConfirmed(book: FacilityBook): TransferInput[] {
  return [
    {
      id: `${book.facilityId}:disb:post`,
      pendingId: `${book.facilityId}:disb`,
      flags: TransferFlag.postPending,
    },
  ];
}

/** The payout failed: the reserved principal goes back to the pool and any fee is reversed. */
export function disbursementVoided(book: FacilityBook, feeMinor: bigint): TransferInput[] {
  const voided: TransferInput = {
    id: `${book.facilityId}:disb:void`,
    pendingId: `${book.facilityId}:disb`,
    flags: TransferFlag.voidPending | (feeMinor > 0n ? TransferFlag.linked : 0),
  };
  return [
    voided,
    ...transfers(book, [
      {
        id: `${book.facilityId}:fee:rev`,
        debit: facilityAccount.deferredFee(book),
        credit: facilityAccount.fees(book),
        amount: feeMinor,
        code: 'fee_reversed',
      },
    ]),
  ];
}

/**
 * A credit line's draw, first phase: the principal reserved from the pool until the platform
 * confirms the payout. `drawId` is the draw's transfer id (`<facility>:dr:<reference>`), which
 * also names its post or void.
 */
export function drawPending(book: FacilityBook, drawId: string, amountMinor: bigint): TransferInput[] {
  return [
    {
      id: checkId(drawId),
      debitAccountId: facilityAccount.principal(book),
      creditAccountId: financierAccount.cash(book),
      amount: amountMinor,
      currency: book.currency,
      code: 'draw',
      flags: TransferFlag.pending,
    },
  ];
}

/** A draw's payout confirmed (posted) or failed (voided). */
export function drawResolved(drawId: string, outcome: 'post' | 'void'): TransferInput[] {
  return [
    {
      id: checkId(`${drawId}:${outcome}`),
      pendingId: drawId,
      flags: outcome === 'post' ? TransferFlag.postPending : TransferFlag.voidPending,
    },
  ];
}

/** A day's interest accrued (`day` is the accrual date, for the id). */
export function interestAccrued(book: FacilityBook, day: string, amountMinor: bigint): TransferInput[] {
  return transfers(book, [
    {
      id: `${book.facilityId}:int:${day}`,
      debit: facilityAccount.interest(book),
      credit: financierAccount.interestIncome(book),
      amount: amountMinor,
      code: 'interest_accrual',
    },
  ]);
}

/** Deferred fee recognised as income for a day (effective interest method). */
export function feeRecognised(book: FacilityBook, day: string, amountMinor: bigint): TransferInput[] {
  return transfers(book, [
    {
      id: `${book.facilityId}:inc:${day}`,
      debit: facilityAccount.deferredFee(book),
      credit: financierAccount.feeIncome(book),
      amount: amountMinor,
      code: 'fee_recognition',
    },
  ]);
}

/** Deferred fee earned at a repayment (named by it, `<facility>:<event>:c`): what it left deferred beyond what is owed. */
export function feeRecognisedOnRepayment(
  book: FacilityBook,
  eventId: string,
  amountMinor: bigint,
): TransferInput[] {
  return transfers(book, [
    {
      id: `${eventId}:${book.facilityId}:c`,
      debit: facilityAccount.deferredFee(book),
      credit: financierAccount.feeIncome(book),
      amount: amountMinor,
      code: 'fee_recognition',
    },
  ]);
}

/** A fee charged and earned at once (a late fee). */
export function feeCharged(
  book: FacilityBook,
  eventId: string,
  amountMinor: bigint,
  code = 'late_fee',
): TransferInput[] {
  return transfers(book, [
    {
      id: `${book.facilityId}:${eventId}`,
      debit: facilityAccount.fees(book),
      credit: financierAccount.feeIncome(book),
      amount: amountMinor,
      code,
    },
  ]);
}

/**
 * A repayment (a sweep's share or a direct payment) applied by component: cash into the pool, each
 * receivable down by what was applied to it. `eventId` identifies the repayment.
 */
export function repaymentApplied(book: FacilityBook, eventId: string, applied: Amounts): TransferInput[] {
  return transfers(
    book,
    (['fees', 'interest', 'principal'] as const).map((component) => ({
      id: `${eventId}:${book.facilityId}:${component[0]}`,
      debit: financierAccount.cash(book),
      credit: receivableOf[component](book),
      amount: applied[component],
      code: `repayment_${component}`,
    })),
  );
}

/**
 * A repayment collected from a payout in another currency (src/domain/products/fx-deductions.ts),
 * by trading accounts: in the payout's currency the financier's cash takes what was withheld and
 * its FX position there gives it (`fx_collection`, id `<facility>:<event>:x`); in the facility's
 * currency the repayment's transfers take their cash from the FX position there instead of the
 * pool's cash. The two positions hold what was converted, at the rate recorded with the sweep.
 * `postings` are the facility's for the repayment, in its currency; all of it applies or none.
 */
export function repaymentThroughFx(
  book: FacilityBook,
  payout: FinancierBook,
  eventId: string,
  postings: readonly TransferInput[],
  payoutMinor: bigint,
): TransferInput[] {
  const cash = financierAccount.cash(book);
  const all: TransferInput[] = [
    ...postings.map((t) =>
      t.debitAccountId === cash && t.code?.startsWith('repayment_') === true
        ? { ...t, debitAccountId: financierAccount.fxPosition(book) }
        : t,
    ),
    ...transfers(payout, [
      {
        id: `${eventId}:${book.facilityId}:x`,
        debit: financierAccount.cash(payout),
        credit: financierAccount.fxPosition(payout),
        amount: payoutMinor,
        code: 'fx_collection',
      },
    ]),
  ];
  return all.map((t, index) => ({
    ...t,
    flags: (t.flags & ~TransferFlag.linked) | (index < all.length - 1 ? TransferFlag.linked : 0),
  }));
}

/**
 * Write-off: the facility's whole carrying amount leaves the books. The principal still owed
 * becomes a credit loss; interest owed is reversed against interest income; the facility's own fee
 * owed is reversed against the deferred fee as far as it is unearned, and the rest of the fees owed
 * — its earned part, and late fees (`lateFeesOwedMinor`, income when charged) — against fee
 * income; a deferred fee beyond its own fee owed (fee collected ahead of being earned) reduces the
 * loss. The receivables and the deferred fee all end at zero.
 */
export function writtenOff(
  book: FacilityBook,
  owed: Amounts,
  deferredFeeMinor: bigint,
  lateFeesOwedMinor = 0n,
): TransferInput[] {
  assert(lateFeesOwedMinor >= 0n && lateFeesOwedMinor <= owed.fees, 'late fees owed are among the fees owed');
  const ownFeeOwed = owed.fees - lateFeesOwedMinor;
  const unearned = ownFeeOwed < deferredFeeMinor ? ownFeeOwed : deferredFeeMinor;
  const earnedFeesOwed = owed.fees - unearned;
  const collectedAhead = deferredFeeMinor - unearned;
  return transfers(book, [
    {
      id: `${book.facilityId}:wo:p`,
      debit: financierAccount.creditLosses(book),
      credit: facilityAccount.principal(book),
      amount: owed.principal,
      code: 'write_off',
    },
    {
      id: `${book.facilityId}:wo:i`,
      debit: financierAccount.interestIncome(book),
      credit: facilityAccount.interest(book),
      amount: owed.interest,
      code: 'write_off_interest',
    },
    {
      id: `${book.facilityId}:wo:uf`,
      debit: facilityAccount.deferredFee(book),
      credit: facilityAccount.fees(book),
      amount: unearned,
      code: 'write_off_unearned_fee',
    },
    {
      id: `${book.facilityId}:wo:f`,
      debit: financierAccount.feeIncome(book),
      credit: facilityAccount.fees(book),
      amount: earnedFeesOwed,
      code: 'write_off_fees',
    },
    {
      id: `${book.facilityId}:wo:fa`,
      debit: facilityAccount.deferredFee(book),
      credit: financierAccount.creditLosses(book),
      amount: collectedAhead,
      code: 'write_off_fee_collected_ahead',
    },
  ]);
}

/** Money recovered on a written-off facility: back into the pool, against the loss booked. */
export function recovered(book: FacilityBook, eventId: string, amountMinor: bigint): TransferInput[] {
  return transfers(book, [
    {
      id: `${eventId}:${book.facilityId}:rc`,
      debit: financierAccount.cash(book),
      credit: financierAccount.creditLosses(book),
      amount: amountMinor,
      code: 'recovery',
    },
  ]);
}
