/** The arithmetic of account totals: overflow limits, balance constraints and applying a change. */
import { amountMax } from './limits.ts';
import type { TransferResultCode } from './result-codes.ts';
import { type Account, AccountFlag, type Balances, hasFlag } from './types.ts';

/** A change to both accounts of a transfer: the debit side moves debits, the credit side credits. */
export type BalanceChange = Balances;

export function checkOverflows(debit: Account, credit: Account, change: BalanceChange): TransferResultCode {
  const debitsPending = debit.debitsPending + change.debitsPending;
  const creditsPending = credit.creditsPending + change.creditsPending;
  const debitsPosted = debit.debitsPosted + change.debitsPosted;
  const creditsPosted = credit.creditsPosted + change.creditsPosted;
  if (debitsPending > amountMax) return 'overflows_debits_pending';
  if (creditsPending > amountMax) return 'overflows_credits_pending';
  if (debitsPosted > amountMax) return 'overflows_debits_posted';
  if (creditsPosted > amountMax) return 'overflows_credits_posted';
  if (debitsPending + debitsPosted > amountMax) return 'overflows_debits';
  if (creditsPending + creditsPosted > amountMax) return 'overflows_credits';
  return 'ok';
}

/**
 * A constrained account may not reserve or post more on one side than it has posted on the other:
 * pending amounts count against the limit, so a reservation can always be posted later.
 */
export function checkBalanceConstraints(debit: Account, credit: Account, amount: bigint): TransferResultCode {
  if (
    hasFlag(debit.flags, AccountFlag.debitsMustNotExceedCredits) &&
    debit.debitsPending + debit.debitsPosted + amount > debit.creditsPosted
  ) {
    return 'exceeds_credits';
  }
  if (
    hasFlag(credit.flags, AccountFlag.creditsMustNotExceedDebits) &&
    credit.creditsPending + credit.creditsPosted + amount > credit.debitsPosted
  ) {
    return 'exceeds_debits';
  }
  return 'ok';
}

export function applyToAccounts(debit: Account, credit: Account, change: BalanceChange): [Account, Account] {
  return [
    {
      ...debit,
      debitsPending: debit.debitsPending + change.debitsPending,
      debitsPosted: debit.debitsPosted + change.debitsPosted,
    },
    {
      ...credit,
      creditsPending: credit.creditsPending + change.creditsPending,
      creditsPosted: credit.creditsPosted + change.creditsPosted,
    },
  ];
}

/** The invariant every account obeys at every instant; asserted after reading back and in verify. */
export function violatesConstraint(account: Account | (Balances & { flags: number })): boolean {
  if (account.debitsPending < 0n || account.creditsPending < 0n) return true;
  if (account.debitsPosted < 0n || account.creditsPosted < 0n) return true;
  if (
    hasFlag(account.flags, AccountFlag.debitsMustNotExceedCredits) &&
    account.debitsPending + account.debitsPosted > account.creditsPosted
  ) {
    return true;
  }
  return (
    hasFlag(account.flags, AccountFlag.creditsMustNotExceedDebits) &&
    account.creditsPending + account.creditsPosted > account.debitsPosted
  );
}
