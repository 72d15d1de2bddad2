/**
 * Which advance of a merchant's a new advance would refill (src/domain/products/refill.ts): the
 * one a decision sizes a refill for and whose offers pay it off. Read by decisions (the room a
 * refill has under the leverage cap) and by origination (which advances are offered).
 */
import { servicedStates } from '../../domain/products/lifecycle.ts';
import { refillEligibility } from '../../domain/products/refill.ts';
import type { FacilityRow } from '../ports.ts';
import { inRecovery, type Serviced, servicedOf } from './serviced.ts';

export type ServicedAdvance = Extract<Serviced, { product: 'advance' }>;

/**
 * The merchant's advances as a new advance sees them: `blocked` while one is being paid out or
 * written off with principal its payouts still recover — no advance is offered beside either —
 * else those being repaid and, when there is exactly one and it is open to a refill on `day`, that
 * one as `refillable`.
 */
export function advancesInHand(
  facilities: readonly FacilityRow[],
  day: number,
): {
  readonly blocked: boolean;
  readonly repaying: readonly ServicedAdvance[];
  readonly refillable: ServicedAdvance | null;
} {
  if (
    facilities.some(
      (row) => row.product === 'advance' && (row.status === 'disbursing' || inRecovery(row) !== null),
    )
  )
    return { blocked: true, repaying: [], refillable: null };
  const repaying = facilities
    .filter((row) => row.product === 'advance')
    .map((row) => servicedOf(row))
    .filter(
      (f): f is ServicedAdvance =>
        f !== null && f.product === 'advance' && servicedStates.has(f.state.status as never),
    );
  const [only] = repaying;
  const refillable =
    repaying.length === 1 && only !== undefined && refillEligibility(only.state, day).eligible ? only : null;
  return { blocked: false, repaying, refillable };
}
