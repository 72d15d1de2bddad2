/**
 * Ledger queries: an account now or as of a past instant, its entries (a statement), a transfer,
 * and the trial balance. Each runs inside the caller's read transaction.
 */
import { timestampMax } from '../../domain/ledger/limits.ts';
import {
  type Account,
  type Balances,
  balancesOf,
  type Transfer,
  zeroBalances,
} from '../../domain/ledger/types.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import type { ReadTransaction, TrialBalanceRow } from '../ports.ts';

export type AccountLookupCode = 'account_not_found';

export interface AccountView {
  readonly account: Account;
  /** The totals now, or as of the requested instant. */
  readonly balances: Balances;
  readonly asOfNs: bigint | null;
}

export async function getAccount(
  tx: ReadTransaction,
  id: string,
  asOfNs: bigint | null,
): Promise<Result<AccountView, AccountLookupCode>> {
  const account = (await tx.ledger.accountsByIds([id])).get(id);
  // An account opened after the instant did not exist then.
  if (account === undefined || (asOfNs !== null && account.timestamp > asOfNs)) {
    return err('account_not_found', `no ledger account ${id}${asOfNs === null ? '' : ' at that instant'}`);
  }
  if (asOfNs === null) return ok({ account, balances: balancesOf(account), asOfNs });
  const balances = (await tx.ledger.balancesAsOf(id, asOfNs)) ?? zeroBalances;
  return ok({ account, balances, asOfNs });
}

export interface Entry {
  readonly transfer: Transfer;
  readonly side: 'debit' | 'credit';
  /** The account's totals right after this entry. */
  readonly balancesAfter: Balances;
}

export interface EntriesPage {
  readonly entries: Entry[];
  readonly hasMore: boolean;
}

export async function listEntries(
  tx: ReadTransaction,
  accountId: string,
  options: {
    readonly startingAfter?: string | undefined;
    readonly limit: number;
    readonly asOfNs: bigint | null;
  },
): Promise<Result<EntriesPage, AccountLookupCode | 'starting_after_not_found'>> {
  const account = (await tx.ledger.accountsByIds([accountId])).get(accountId);
  if (account === undefined) return err('account_not_found', `no ledger account ${accountId}`);
  let afterTimestamp = -1n;
  if (options.startingAfter !== undefined) {
    const cursor = await tx.ledger.transfer(options.startingAfter);
    if (
      cursor === undefined ||
      (cursor.debitAccountId !== accountId && cursor.creditAccountId !== accountId)
    ) {
      return err('starting_after_not_found', `no entry ${options.startingAfter} on account ${accountId}`);
    }
    afterTimestamp = cursor.timestamp;
  }
  const range = { afterTimestamp, atOrBeforeTimestamp: options.asOfNs ?? timestampMax };
  const transfers = await tx.ledger.entries(accountId, range, options.limit + 1);
  const entries = transfers.slice(0, options.limit).map((transfer): Entry => {
    const side = transfer.debitAccountId === accountId ? 'debit' : 'credit';
    return {
      transfer,
      side,
      balancesAfter: side === 'debit' ? transfer.debitAccountAfter : transfer.creditAccountAfter,
    };
  });
  return ok({ entries, hasMore: transfers.length > options.limit });
}

export interface TrialBalance {
  readonly rows: TrialBalanceRow[];
  /** Per currency: posted and pending debits and credits over every account. Debits equal credits. */
  readonly totals: ReadonlyMap<string, Balances>;
}

export async function trialBalance(tx: ReadTransaction, asOfNs: bigint | null): Promise<TrialBalance> {
  const rows = await tx.ledger.trialBalance(asOfNs);
  const totals = new Map<string, Balances>();
  for (const row of rows) {
    const sum = totals.get(row.currency) ?? zeroBalances;
    totals.set(row.currency, {
      debitsPending: sum.debitsPending + row.debitsPending,
      debitsPosted: sum.debitsPosted + row.debitsPosted,
      creditsPending: sum.creditsPending + row.creditsPending,
      creditsPosted: sum.creditsPosted + row.creditsPosted,
    });
  }
  return { rows, totals };
}
