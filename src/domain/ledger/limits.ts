/**
 * Every bound in the ledger, declared once with its unit last. The HTTP layer derives its request
 * body limit from these (src/http/limits.ts asserts the relationship).
 */
import { instantNsMax, instantNsMin } from '../time/instant.ts';

export const transfersPerBatchMax = 8_190;
export const accountsPerBatchMax = 8_190;
/** Pending transfers expired at the start of one batch; the rest wait for the next batch or sweep. */
export const expirationsPerBatchMax = 1_024;
export const idLengthMax = 64;
/** The ledger's own transfer ids add this to a client's id: the expiry of `p` is `p~expiry`. */
export const expiryIdSuffix = '~expiry';
/** The longest id a stored transfer can have: a client's, or the ledger's expiry of one. */
export const storedTransferIdLengthMax = idLengthMax + expiryIdSuffix.length;
export const codeLengthMax = 64;
export const ledgerLengthMax = 64;
export const metadataKeysMax = 16;
export const metadataKeyLengthMax = 40;
export const metadataValueLengthMax = 256;
/** About 68 years: keeps timestamp + timeout inside int64 nanoseconds. */
export const timeoutSecondsMax = 2_147_483_647;
/** Amounts and balances are stored as signed 64-bit integers in both SQLite and PostgreSQL. */
export const amountMax = 2n ** 63n - 1n;
/** Timestamps are instants as every store keeps them: signed 64-bit nanoseconds, 1677 to 2262. */
export const timestampMin = instantNsMin;
export const timestampMax = instantNsMax;
export const nanosecondsPerMillisecond = 1_000_000n;
export const nanosecondsPerSecond = 1_000_000_000n;
