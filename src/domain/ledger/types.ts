/**
 * The ledger's data, modelled on TigerBeetle: accounts carry posted and pending debit/credit
 * totals; transfers are immutable, client-identified and move one amount between two accounts of
 * one currency. Timestamps are nanoseconds since the Unix epoch, unique and strictly increasing
 * across all transfers (they double as the ledger's total order).
 */
export const AccountFlag = {
  debitsMustNotExceedCredits: 1,
  creditsMustNotExceedDebits: 2,
} as const;

export const accountFlagNames = {
  debits_must_not_exceed_credits: AccountFlag.debitsMustNotExceedCredits,
  credits_must_not_exceed_debits: AccountFlag.creditsMustNotExceedDebits,
} as const;
export type AccountFlagName = keyof typeof accountFlagNames;
export const accountFlagsMask =
  AccountFlag.debitsMustNotExceedCredits | AccountFlag.creditsMustNotExceedDebits;

export const TransferFlag = {
  linked: 1,
  pending: 2,
  postPending: 4,
  voidPending: 8,
  /** Set only by the ledger itself on the void it records when a pending transfer times out. */
  expiry: 16,
} as const;

export const transferFlagNames = {
  linked: TransferFlag.linked,
  pending: TransferFlag.pending,
  post_pending: TransferFlag.postPending,
  void_pending: TransferFlag.voidPending,
} as const;
export type TransferFlagName = keyof typeof transferFlagNames;
export const transferClientFlagsMask =
  TransferFlag.linked | TransferFlag.pending | TransferFlag.postPending | TransferFlag.voidPending;

export interface Balances {
  readonly debitsPending: bigint;
  readonly debitsPosted: bigint;
  readonly creditsPending: bigint;
  readonly creditsPosted: bigint;
}

export const zeroBalances: Balances = {
  debitsPending: 0n,
  debitsPosted: 0n,
  creditsPending: 0n,
  creditsPosted: 0n,
};

export interface Account extends Balances {
  readonly id: string;
  readonly ledger: string;
  readonly currency: string;
  readonly code: string;
  readonly flags: number;
  /** Canonical JSON (sorted keys) or null. */
  readonly metadata: string | null;
  readonly timestamp: bigint;
}

export interface AccountInput {
  readonly id: string;
  readonly ledger: string;
  readonly currency: string;
  readonly code: string;
  readonly flags: number;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface TransferInput {
  readonly id: string;
  readonly debitAccountId?: string;
  readonly creditAccountId?: string;
  readonly amount?: bigint;
  readonly currency?: string;
  readonly code?: string;
  readonly flags: number;
  readonly pendingId?: string;
  readonly timeoutSeconds?: number;
  readonly metadata?: Readonly<Record<string, string>>;
}

export interface Transfer {
  readonly id: string;
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  /** For a post: the amount posted. For a void or an expiry: the pending amount released. */
  readonly amount: bigint;
  readonly currency: string;
  readonly ledger: string;
  readonly code: string;
  readonly flags: number;
  readonly pendingId: string | null;
  readonly timeoutSeconds: number;
  /** Nanoseconds; set on pending transfers with a timeout. */
  readonly expiresAt: bigint | null;
  readonly metadata: string | null;
  readonly timestamp: bigint;
  /** Both accounts' totals right after this transfer: the basis of balances "as of" any instant. */
  readonly debitAccountAfter: Balances;
  readonly creditAccountAfter: Balances;
}

/** A transfer as stored: with its link in the SHA-256 hash chain. */
export interface ChainedTransfer extends Transfer {
  readonly hash: string;
}

export type PendingStatus = 'pending' | 'posted' | 'voided' | 'expired';

export function hasFlag(flags: number, flag: number): boolean {
  return (flags & flag) !== 0;
}

export function balancesOf(account: Balances): Balances {
  return {
    debitsPending: account.debitsPending,
    debitsPosted: account.debitsPosted,
    creditsPending: account.creditsPending,
    creditsPosted: account.creditsPosted,
  };
}

/** How a resolving transfer settled its pending transfer. */
export function resolutionStatus(resolver: Transfer): PendingStatus {
  if (hasFlag(resolver.flags, TransferFlag.postPending)) return 'posted';
  if (hasFlag(resolver.flags, TransferFlag.expiry)) return 'expired';
  return 'voided';
}
