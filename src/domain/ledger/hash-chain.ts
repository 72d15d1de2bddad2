/**
 * Tamper evidence. Each transfer's hash is SHA-256 over its predecessor's hash and a canonical
 * encoding of every stored field (including both accounts' totals after it), so altering, removing
 * or reordering any stored transfer breaks the chain from that point on. The hash function is
 * passed in: the domain does no I/O and imports nothing from Node.
 */
import type { Account, Balances, ChainedTransfer, Transfer } from './types.ts';

/** SHA-256 in lower-case hex, of a text (its UTF-8 bytes) or of bytes. */
export type Sha256Hex = (data: string | Uint8Array) => string;

export const genesisHash = '0'.repeat(64);
const encodingVersion = 'capstan.transfer.v1';
const accountEncodingVersion = 'capstan.account.v1';

function balancesFields(balances: Balances): string[] {
  return [
    balances.debitsPending.toString(),
    balances.debitsPosted.toString(),
    balances.creditsPending.toString(),
    balances.creditsPosted.toString(),
  ];
}

export function canonicalTransfer(transfer: Transfer): string {
  return JSON.stringify([
    encodingVersion,
    transfer.id,
    transfer.debitAccountId,
    transfer.creditAccountId,
    transfer.amount.toString(),
    transfer.currency,
    transfer.ledger,
    transfer.code,
    transfer.flags,
    transfer.pendingId,
    transfer.timeoutSeconds,
    transfer.expiresAt === null ? null : transfer.expiresAt.toString(),
    transfer.metadata,
    transfer.timestamp.toString(),
    ...balancesFields(transfer.debitAccountAfter),
    ...balancesFields(transfer.creditAccountAfter),
  ]);
}

export function chainHash(sha256: Sha256Hex, previousHash: string, transfer: Transfer): string {
  return sha256(`${previousHash}\n${canonicalTransfer(transfer)}`);
}

/** Links transfers, in timestamp order, onto the chain that ends in `previousHash`. */
export function chainTransfers(
  sha256: Sha256Hex,
  previousHash: string,
  transfers: readonly Transfer[],
): ChainedTransfer[] {
  const chained: ChainedTransfer[] = [];
  let hash = previousHash;
  for (const transfer of transfers) {
    hash = chainHash(sha256, hash, transfer);
    chained.push({ ...transfer, hash });
  }
  return chained;
}

/** An account's immutable fields, sealed so that changing its flags or currency is detected. */
export function accountSeal(sha256: Sha256Hex, account: Account): string {
  return sha256(
    JSON.stringify([
      accountEncodingVersion,
      account.id,
      account.ledger,
      account.currency,
      account.code,
      account.flags,
      account.metadata,
      account.timestamp.toString(),
    ]),
  );
}
