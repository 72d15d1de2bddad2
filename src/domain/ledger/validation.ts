/** Field rules shared by accounts and transfers. */
import {
  codeLengthMax,
  idLengthMax,
  ledgerLengthMax,
  metadataKeyLengthMax,
  metadataKeysMax,
  metadataValueLengthMax,
} from './limits.ts';

// Ids, codes and ledgers are printable, URL-safe and case-sensitive. The ledger's own ids (the
// expiry of a pending transfer) contain `~`, which clients cannot use, so they never collide.
const idPattern = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,${idLengthMax - 1}}$`);
const codePattern = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,${codeLengthMax - 1}}$`);
const ledgerPattern = new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,${ledgerLengthMax - 1}}$`);
const metadataKeyPattern = new RegExp(`^[a-z][a-z0-9_]{0,${metadataKeyLengthMax - 1}}$`);

export function isValidId(id: string): boolean {
  return idPattern.test(id);
}

export function isValidCode(code: string): boolean {
  return codePattern.test(code);
}

export function isValidLedger(ledger: string): boolean {
  return ledgerPattern.test(ledger);
}

/** Metadata links an entry to the business object that caused it: a few short string pairs. */
export function isValidMetadata(metadata: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(metadata);
  if (keys.length > metadataKeysMax) return false;
  for (const key of keys) {
    if (!metadataKeyPattern.test(key)) return false;
    const value = metadata[key];
    if (typeof value !== 'string' || value.length > metadataValueLengthMax) return false;
  }
  return true;
}

/** Canonical JSON with sorted keys, so equal metadata always compares and hashes equal. */
export function canonicalMetadata(metadata: Readonly<Record<string, string>> | undefined): string | null {
  if (metadata === undefined) return null;
  const keys = Object.keys(metadata).sort();
  if (keys.length === 0) return null;
  const sorted: Record<string, string> = {};
  for (const key of keys) sorted[key] = metadata[key] as string;
  return JSON.stringify(sorted);
}
