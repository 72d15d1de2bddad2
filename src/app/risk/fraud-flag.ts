/**
 * A merchant flagged for suspected fraud (POST /v1/merchants/{id}/flags): declined by every
 * decision, and — whenever the flag was set — refused new offers, acceptances and draws until an
 * operator clears it.
 */
import type { ReadTransaction } from '../ports.ts';

/** The flags an operator may set on a merchant, and clear. */
export const merchantFlags = ['fraud'] as const;

export const fraudFlaggedDetail = 'the merchant is flagged for suspected fraud until an operator clears it';

export async function fraudFlagged(tx: ReadTransaction, merchantId: string): Promise<boolean> {
  return (await tx.risk.flags(merchantId)).includes('fraud');
}
