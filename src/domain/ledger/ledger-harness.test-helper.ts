/**
 * An in-memory stand-in for storage, for the ledger's domain tests: it keeps the accounts, transfers
 * and resolutions in Maps, loads for each batch exactly what src/app/ledger/ledger-writes.ts loads
 * (the accounts and transfers the batch refers to, the due expirations), runs the pure state
 * machine, writes back `created` and `accounts`, chains the new transfers onto a SHA-256 hash chain
 * and keeps the ledger's timestamps strictly increasing. It is a test helper, so it may use node:.
 */
import { createHash } from 'node:crypto';
import { createAccounts } from './create-accounts.ts';
import { executeTransferBatch } from './create-transfers.ts';
import { accountSeal, chainTransfers, genesisHash } from './hash-chain.ts';
import { expirationsPerBatchMax, nanosecondsPerSecond } from './limits.ts';
import type { AccountResultCode, TransferResultCode } from './result-codes.ts';
import {
  type Account,
  AccountFlag,
  type AccountInput,
  type ChainedTransfer,
  hasFlag,
  type Transfer,
  TransferFlag,
  type TransferInput,
} from './types.ts';
import { LedgerVerifier, type VerifyFailure } from './verify.ts';

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** 2025-06-15T00:00:00Z in nanoseconds: an arbitrary, fixed start for every test clock. */
export const clockStartNs = 1_749_945_600_000_000_000n;

export interface BatchReport {
  readonly results: TransferResultCode[];
  /** What the batch wrote: expiry voids first, then the batch's own transfers. */
  readonly created: readonly Transfer[];
  /** The pending ids the batch was asked to expire. */
  readonly expirations: readonly string[];
  /** The first timestamp the batch was allowed to assign. */
  readonly timestampFirst: bigint;
}

export interface ExecuteOptions {
  /** The pending transfers to expire first; by default every due one, as storage does. */
  readonly expirations?: readonly string[];
}

export class LedgerHarness {
  readonly accounts = new Map<string, Account>();
  readonly seals = new Map<string, string>();
  readonly transfers = new Map<string, Transfer>();
  readonly resolutions = new Map<string, Transfer>();
  /** Every transfer, in ledger (timestamp) order, with its link in the hash chain. */
  readonly history: ChainedTransfer[] = [];
  lastTimestamp = 0n;
  lastHash = genesisHash;
  nowNs: bigint;

  constructor(nowNs: bigint = clockStartNs) {
    this.nowNs = nowNs;
  }

  advanceSeconds(seconds: number): void {
    this.nowNs += BigInt(seconds) * nanosecondsPerSecond;
  }

  /** After everything stored, and never behind the clock (as ledger-writes.ts computes it). */
  firstTimestamp(): bigint {
    return this.lastTimestamp + 1n > this.nowNs ? this.lastTimestamp + 1n : this.nowNs;
  }

  openAccounts(inputs: readonly AccountInput[]): AccountResultCode[] {
    const existing = new Map<string, Account>();
    for (const input of inputs) {
      const account = this.accounts.get(input.id);
      if (account !== undefined) existing.set(input.id, account);
    }
    const outcome = createAccounts(existing, inputs, this.firstTimestamp());
    for (const account of outcome.created) {
      this.accounts.set(account.id, account);
      this.seals.set(account.id, accountSeal(sha256Hex, account));
    }
    if (outcome.created.length > 0) this.lastTimestamp = outcome.lastTimestamp;
    return outcome.results;
  }

  /** Open pending transfers whose timeout has passed, oldest expiry first (as storage orders them). */
  dueExpirations(): string[] {
    const due: Transfer[] = [];
    for (const transfer of this.transfers.values()) {
      if (!hasFlag(transfer.flags, TransferFlag.pending) || transfer.expiresAt === null) continue;
      if (transfer.expiresAt <= this.nowNs && !this.resolutions.has(transfer.id)) due.push(transfer);
    }
    due.sort((a, b) => compareBigInt(a.expiresAt ?? 0n, b.expiresAt ?? 0n) || compareText(a.id, b.id));
    return due.slice(0, expirationsPerBatchMax).map((transfer) => transfer.id);
  }

  execute(inputs: readonly TransferInput[], options: ExecuteOptions = {}): BatchReport {
    const expirations = options.expirations ?? this.dueExpirations();
    const pendingIds = unique([
      ...inputs.flatMap((input) => (input.pendingId ? [input.pendingId] : [])),
      ...expirations,
    ]);
    const transfers = pick(this.transfers, [...inputs.map((input) => input.id), ...pendingIds]);
    const resolutions = pick(this.resolutions, pendingIds);
    const accountIds: string[] = [];
    for (const input of inputs) {
      if (input.debitAccountId) accountIds.push(input.debitAccountId);
      if (input.creditAccountId) accountIds.push(input.creditAccountId);
    }
    for (const pendingId of pendingIds) {
      const pending = transfers.get(pendingId);
      if (pending !== undefined) accountIds.push(pending.debitAccountId, pending.creditAccountId);
    }
    const accounts = pick(this.accounts, accountIds);
    const timestampFirst = this.firstTimestamp();
    const outcome = executeTransferBatch({ accounts, transfers, resolutions }, inputs, expirations, {
      nowNs: this.nowNs,
      timestampFirst,
    });
    for (const transfer of outcome.created) {
      this.transfers.set(transfer.id, transfer);
      if (transfer.pendingId !== null) this.resolutions.set(transfer.pendingId, transfer);
    }
    for (const account of outcome.accounts) this.accounts.set(account.id, account);
    if (outcome.created.length > 0) {
      const chained = chainTransfers(sha256Hex, this.lastHash, outcome.created);
      this.history.push(...chained);
      this.lastHash = chained[chained.length - 1]!.hash;
      this.lastTimestamp = outcome.lastTimestamp;
    }
    return { results: outcome.results, created: outcome.created, expirations, timestampFirst };
  }

  /** Executes the inputs and answers only their result codes. */
  results(inputs: readonly TransferInput[], options: ExecuteOptions = {}): TransferResultCode[] {
    return this.execute(inputs, options).results;
  }

  /** An empty batch: records the expiry of every due pending transfer. */
  sweep(): readonly Transfer[] {
    return this.execute([]).created;
  }

  account(id: string): Account {
    const account = this.accounts.get(id);
    if (account === undefined) throw new Error(`no account ${id}`);
    return account;
  }

  transfer(id: string): Transfer {
    const transfer = this.transfers.get(id);
    if (transfer === undefined) throw new Error(`no transfer ${id}`);
    return transfer;
  }

  /** Posted balance from the account holder's side: credits minus debits. */
  creditBalance(id: string): bigint {
    const account = this.account(id);
    return account.creditsPosted - account.debitsPosted;
  }

  /** A deep, canonical rendering of everything stored: equal strings mean byte-identical state. */
  snapshot(): string {
    return JSON.stringify(
      {
        accounts: sortedEntries(this.accounts),
        seals: sortedEntries(this.seals),
        transfers: sortedEntries(this.transfers),
        resolutions: sortedEntries(this.resolutions),
        history: this.history,
        lastTimestamp: this.lastTimestamp,
        lastHash: this.lastHash,
      },
      (_key, value: unknown) => (typeof value === 'bigint' ? `${value}n` : value),
    );
  }

  clone(): LedgerHarness {
    const copy = new LedgerHarness(this.nowNs);
    for (const [id, account] of this.accounts) copy.accounts.set(id, account);
    for (const [id, seal] of this.seals) copy.seals.set(id, seal);
    for (const [id, transfer] of this.transfers) copy.transfers.set(id, transfer);
    for (const [id, transfer] of this.resolutions) copy.resolutions.set(id, transfer);
    copy.history.push(...this.history);
    copy.lastTimestamp = this.lastTimestamp;
    copy.lastHash = this.lastHash;
    return copy;
  }

  /** Verifies everything stored, the way `capstan verify` reads it back. */
  verify(): VerifyFailure | null {
    return verifyHistory({
      accounts: [...this.accounts.values()].map((account) => ({
        account,
        seal: this.seals.get(account.id)!,
      })),
      transfers: this.history,
      head: {
        lastHash: this.lastHash,
        transferCount: BigInt(this.history.length),
        lastTimestamp: this.lastTimestamp,
      },
    });
  }
}

export interface StoredLedger {
  readonly accounts: readonly { readonly account: Account; readonly seal: string }[];
  readonly transfers: readonly ChainedTransfer[];
  readonly head: {
    readonly lastHash: string;
    readonly transferCount: bigint;
    readonly lastTimestamp: bigint;
  };
}

/** Streams a stored ledger through LedgerVerifier in pages, as the verify use case does. */
export function verifyHistory(stored: StoredLedger, pageSize = 7): VerifyFailure | null {
  const verifier = new LedgerVerifier(sha256Hex);
  const accountFailure = verifier.addAccounts(stored.accounts);
  if (accountFailure !== null) return accountFailure;
  for (let start = 0; start < stored.transfers.length; start += pageSize) {
    const failure = verifier.addTransfers(stored.transfers.slice(start, start + pageSize));
    if (failure !== null) return failure;
  }
  return verifier.finish(stored.head);
}

/** Inputs for the tests' chart of accounts; `flags` by name so the stories read as the product. */
export function accountInput(
  id: string,
  options: { currency?: string; ledger?: string; code?: string; flags?: number } = {},
): AccountInput {
  return {
    id,
    ledger: options.ledger ?? 'platform-a',
    currency: options.currency ?? 'USD',
    code: options.code ?? 'wallet',
    flags: options.flags ?? 0,
  };
}

export const debitsMustNotExceedCredits = AccountFlag.debitsMustNotExceedCredits;
export const creditsMustNotExceedDebits = AccountFlag.creditsMustNotExceedDebits;

function pick<V>(map: ReadonlyMap<string, V>, ids: readonly string[]): Map<string, V> {
  const picked = new Map<string, V>();
  for (const id of ids) {
    const value = map.get(id);
    if (value !== undefined) picked.set(id, value);
  }
  return picked;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}

function sortedEntries<V>(map: ReadonlyMap<string, V>): [string, V][] {
  return [...map.entries()].sort(([a], [b]) => compareText(a, b));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBigInt(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The chart of accounts the scenario tests share: a marketplace (platform A) settles sales into a
 * merchant's wallet; the merchant pays its supplier; a financier's advances are receivable from the
 * merchant. Wallets may not go below zero; the receivable may not be repaid beyond what was advanced.
 */
export const chart = {
  /** Where sales proceeds enter platform A's books: unconstrained. */
  clearing: 'platform-clearing',
  merchant: 'merchant-wallet',
  supplier: 'supplier-wallet',
  /** Debited by each disbursed advance, credited by each repayment: credits ≤ debits. */
  advances: 'advance-receivable',
  clearingEur: 'platform-clearing-eur',
  merchantEur: 'merchant-wallet-eur',
  /** Another platform's books: same currency, different ledger. */
  otherPlatform: 'platform-b-clearing',
} as const;

export function openPlatformBooks(): LedgerHarness {
  const ledger = new LedgerHarness();
  const results = ledger.openAccounts([
    accountInput(chart.clearing, { code: 'clearing' }),
    accountInput(chart.merchant, { flags: debitsMustNotExceedCredits }),
    accountInput(chart.supplier, { flags: debitsMustNotExceedCredits }),
    accountInput(chart.advances, { code: 'advance_receivable', flags: creditsMustNotExceedDebits }),
    accountInput(chart.clearingEur, { currency: 'EUR', code: 'clearing' }),
    accountInput(chart.merchantEur, { currency: 'EUR', flags: debitsMustNotExceedCredits }),
    accountInput(chart.otherPlatform, { ledger: 'platform-b', code: 'clearing' }),
  ]);
  if (results.some((result) => result !== 'ok')) throw new Error(`chart did not open: ${results.join(', ')}`);
  return ledger;
}

type TransferFields = Omit<TransferInput, 'id'>;

/** A single-phase USD transfer (flags and the rest can be overridden). */
export function move(
  id: string,
  debitAccountId: string,
  creditAccountId: string,
  amount: bigint,
  more: Partial<TransferFields> = {},
): TransferInput {
  return { id, debitAccountId, creditAccountId, amount, currency: 'USD', code: 'payment', flags: 0, ...more };
}

/** A pending (two-phase) USD transfer: reserves the amount until posted, voided or expired. */
export function hold(
  id: string,
  debitAccountId: string,
  creditAccountId: string,
  amount: bigint,
  more: Partial<TransferFields> = {},
): TransferInput {
  return move(id, debitAccountId, creditAccountId, amount, { flags: TransferFlag.pending, ...more });
}

export function postOf(id: string, pendingId: string, more: Partial<TransferFields> = {}): TransferInput {
  return { id, pendingId, flags: TransferFlag.postPending, ...more };
}

export function voidOf(id: string, pendingId: string, more: Partial<TransferFields> = {}): TransferInput {
  return { id, pendingId, flags: TransferFlag.voidPending, ...more };
}

/** Marks every transfer but the last as linked: one all-or-nothing chain. */
export function chain(...inputs: TransferInput[]): TransferInput[] {
  return inputs.map((input, index) =>
    index < inputs.length - 1 ? { ...input, flags: input.flags | TransferFlag.linked } : input,
  );
}

/** The same input without some of its optional fields. */
export function without(input: TransferInput, ...fields: (keyof TransferFields)[]): TransferInput {
  const copy: Record<string, unknown> = { ...input };
  for (const field of fields) delete copy[field];
  return copy as unknown as TransferInput;
}
