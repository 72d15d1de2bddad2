/** A facility as the portfolio summary reads it, for tests: an active grade B advance of 1,000.00, nothing else yet, unless `change` says otherwise. */
import type { FacilitySnapshot } from './portfolio.ts';
import { emptyTally } from './tally.ts';

export function facilitySnapshot(id: string, change: Partial<FacilitySnapshot>): FacilitySnapshot {
  return {
    facilityId: id,
    product: 'advance',
    grade: 'B',
    currency: 'USD',
    status: 'active',
    ...emptyTally,
    originatedMinor: 100_000n,
    outstandingPrincipalMinor: 0n,
    outstandingTotalMinor: 0n,
    daysPastDue: 0,
    reachedDefault: false,
    refinancedMinor: 0n,
    ...change,
  };
}
