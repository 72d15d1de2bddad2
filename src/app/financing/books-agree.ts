/**
 * A facility's balances against its ledger accounts — principal, interest and fees receivable and
 * the fee not yet earned — which every movement of money keeps equal, in the transaction that
 * moves it. The daily cycle asserts it of each facility it serves (a difference is a bug, and
 * stops the run); `capstan verify` checks every facility in service or done with, so a state
 * changed beside its ledger (principal owed set to nought in its row) is found and named.
 */
import { assert } from '../../domain/assert.ts';
import type { Account } from '../../domain/ledger/types.ts';
import { facilityStates } from '../../domain/products/lifecycle.ts';
import { facilityAccount } from '../../domain/products/postings.ts';
import type { FacilityRow, ReadTransaction, Store } from '../ports.ts';
import { bookedOf, deferredFeeOf, type ServicedState, servicedOf } from './serviced.ts';

function debitBalance(account: Account | undefined): bigint {
  return account === undefined ? 0n : account.debitsPosted - account.creditsPosted;
}

/** What a facility's ledger accounts must hold, by its state. */
export interface Expected {
  readonly facilityId: string;
  /** Principal, interest and fees receivable (debit balances) and the deferred fee (a credit balance). */
  readonly accountIds: readonly [string, string, string, string];
  readonly balances: readonly [bigint, bigint, bigint, bigint];
}

export const bookOf = (row: FacilityRow) => ({
  facilityId: row.id,
  financierId: row.financierId,
  currency: row.currency,
});

export function expectedOf(row: FacilityRow, state: ServicedState): Expected {
  const book = bookOf(row);
  const booked = bookedOf(state);
  return {
    facilityId: row.id,
    accountIds: [
      facilityAccount.principal(book),
      facilityAccount.interest(book),
      facilityAccount.fees(book),
      facilityAccount.deferredFee(book),
    ],
    balances: [booked.principal, booked.interest, booked.fees, deferredFeeOf(state)],
  };
}

const text = (value: unknown) => JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v));

/** The first facility whose ledger accounts hold other than its state says, said; null when all agree. */
async function disagreement(tx: ReadTransaction, facilities: readonly Expected[]): Promise<string | null> {
  const accounts = await tx.ledger.accountsByIds(facilities.flatMap((f) => f.accountIds));
  for (const { facilityId, accountIds, balances } of facilities) {
    const [principal, interest, fees, deferred] = accountIds.map((id) => debitBalance(accounts.get(id)));
    const ledger = {
      principal: principal as bigint,
      interest: interest as bigint,
      fees: fees as bigint,
      deferred: -(deferred as bigint),
    };
    const [p, i, f, d] = balances;
    if (ledger.principal !== p || ledger.interest !== i || ledger.fees !== f || ledger.deferred !== d)
      return `facility ${facilityId} disagrees with its ledger accounts: facility ${text({
        principal: p,
        interest: i,
        fees: f,
        deferred: d,
      })}, ledger ${text(ledger)}`;
  }
  return null;
}

/** The facilities' balances against their ledger accounts: any difference is a bug, and stops the run. */
export async function assertBooksAgree(tx: ReadTransaction, facilities: readonly Expected[]): Promise<void> {
  const found = await disagreement(tx, facilities);
  assert(found === null, found ?? '');
}

export interface FacilitiesVerified {
  readonly checked: number;
  readonly failure: { readonly rule: 'facility_ledger_mismatch'; readonly detail: string } | null;
}

/**
 * Every facility serviced or done with against its ledger accounts, a page at a time in one read
 * (one snapshot: no payout moves a facility and its accounts between the two reads). A facility
 * not yet paid out has nothing booked.
 */
export async function verifyFacilities(store: Store, pageSize = 500): Promise<FacilitiesVerified> {
  return store.read(async (tx) => {
    let checked = 0;
    for (let after: string | undefined; ; ) {
      const rows = await tx.financing.facilitiesByStatus(facilityStates, {
        ...(after === undefined ? {} : { after }),
        limit: pageSize,
      });
      if (rows.length === 0) return { checked, failure: null };
      const expected: Expected[] = [];
      for (const row of rows) {
        const serviced = servicedOf(row);
        if (serviced !== null) expected.push(expectedOf(row, serviced));
      }
      const found = await disagreement(tx, expected);
      if (found !== null) return { checked, failure: { rule: 'facility_ledger_mismatch', detail: found } };
      checked += expected.length;
      after = rows.at(-1)?.id;
    }
  });
}
