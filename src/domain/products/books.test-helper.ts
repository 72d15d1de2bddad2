/**
 * A facility's books in the domain's in-memory ledger, for the servicing tests: the pool and the
 * facility's accounts opened, the pool funded with 50,000.00 and `principalMinor` disbursed (both
 * phases); `post` executes transfers and fails on any result but `ok`; `receivables` answers the
 * facility's principal, interest and fees receivable as the ledger has them.
 */
import assert from 'node:assert/strict';
import { LedgerHarness } from '../ledger/ledger-harness.test-helper.ts';
import type { TransferInput } from '../ledger/types.ts';
import {
  disbursementConfirmed,
  disbursementPending,
  type FacilityBook,
  facilityAccount,
  facilityAccounts,
  financierAccounts,
  fundPool,
} from './postings.ts';

export function disbursedBooks(book: FacilityBook, principalMinor: bigint) {
  const ledger = new LedgerHarness();
  const post = (transfers: readonly TransferInput[]) => {
    const results = ledger.results(transfers);
    assert.deepEqual(
      results.filter((r) => r !== 'ok'),
      [],
      results.join(', '),
    );
  };
  ledger.openAccounts([...financierAccounts(book), ...facilityAccounts(book)]);
  post(fundPool(book, 'fund', 5_000_000n));
  post(disbursementPending(book, principalMinor, 0n));
  post(disbursementConfirmed(book));
  const receivables = () => ({
    principal: -ledger.creditBalance(facilityAccount.principal(book)),
    interest: -ledger.creditBalance(facilityAccount.interest(book)),
    fees: -ledger.creditBalance(facilityAccount.fees(book)),
  });
  return { ledger, post, receivables };
}
