/**
 * A reference model of the ledger for the seeded simulation: written from the rules in
 * result-codes.ts (and docs), not from create-transfers.ts, it predicts the result code of every
 * transfer in a batch and applies the accepted ones to plain mutable totals. Chains are run on a
 * copy that is kept only if every member succeeds — a different technique from the undo log the
 * ledger uses, so the two can disagree only if one of them is wrong.
 */
import { amountMax, nanosecondsPerSecond, timeoutSecondsMax } from './limits.ts';
import type { TransferResultCode } from './result-codes.ts';
import { type Account, AccountFlag, type Balances, TransferFlag, type TransferInput } from './types.ts';
import { canonicalMetadata, isValidCode, isValidId, isValidMetadata } from './validation.ts';

interface ModelAccount {
  readonly id: string;
  readonly ledger: string;
  readonly currency: string;
  readonly flags: number;
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
}

export interface ModelTransfer {
  readonly id: string;
  readonly debit: string;
  readonly credit: string;
  readonly amount: bigint;
  readonly currency: string;
  readonly code: string;
  readonly flags: number;
  readonly pendingId: string | null;
  readonly timeoutSeconds: number;
  readonly expiresAt: bigint | null;
  readonly metadata: string | null;
  readonly timestamp: bigint;
}

type Resolution = 'posted' | 'voided' | 'expired';

const clientFlags =
  TransferFlag.linked | TransferFlag.pending | TransferFlag.postPending | TransferFlag.voidPending;

function has(flags: number, flag: number): boolean {
  return (flags & flag) !== 0;
}

export class LedgerModel {
  private accounts = new Map<string, ModelAccount>();
  transfers = new Map<string, ModelTransfer>();
  private resolutions = new Map<string, Resolution>();
  private timestamp = 0n;

  openAccount(account: Account): void {
    this.accounts.set(account.id, { ...account });
  }

  balances(id: string): Balances | undefined {
    const account = this.accounts.get(id);
    if (account === undefined) return undefined;
    const { debitsPending, debitsPosted, creditsPending, creditsPosted } = account;
    return { debitsPending, debitsPosted, creditsPending, creditsPosted };
  }

  accountIds(): string[] {
    return [...this.accounts.keys()];
  }

  /** Predicts the batch's results and applies what it accepts; expirations are recorded first. */
  executeBatch(
    inputs: readonly TransferInput[],
    expirations: readonly string[],
    nowNs: bigint,
    timestampFirst: bigint,
  ): TransferResultCode[] {
    this.timestamp = timestampFirst - 1n;
    for (const pendingId of expirations) this.expire(pendingId, nowNs);
    const results: TransferResultCode[] = [];
    let start = 0;
    while (start < inputs.length) {
      const first = inputs[start]!;
      if (!has(first.flags, TransferFlag.linked)) {
        results.push(this.apply(first, nowNs));
        start += 1;
        continue;
      }
      // A chain runs to the first unlinked transfer, or is left open at the end of the batch.
      let end = start;
      while (end < inputs.length - 1 && has(inputs[end]!.flags, TransferFlag.linked)) end += 1;
      const open = has(inputs[end]!.flags, TransferFlag.linked);
      const trial = this.copy();
      let failure: { index: number; code: TransferResultCode } | null = null;
      for (let index = start; index <= end && failure === null; index += 1) {
        const code = open && index === end ? 'linked_event_chain_open' : trial.apply(inputs[index]!, nowNs);
        if (code !== 'ok') failure = { index, code };
      }
      for (let index = start; index <= end; index += 1) {
        if (failure === null) results.push('ok');
        else results.push(index === failure.index ? failure.code : 'linked_event_failed');
      }
      if (failure === null) this.adopt(trial);
      start = end + 1;
    }
    return results;
  }

  private copy(): LedgerModel {
    const copy = new LedgerModel();
    for (const [id, account] of this.accounts) copy.accounts.set(id, { ...account });
    copy.transfers = new Map(this.transfers);
    copy.resolutions = new Map(this.resolutions);
    copy.timestamp = this.timestamp;
    return copy;
  }

  private adopt(trial: LedgerModel): void {
    this.accounts = trial.accounts;
    this.transfers = trial.transfers;
    this.resolutions = trial.resolutions;
    this.timestamp = trial.timestamp;
  }

  private expire(pendingId: string, nowNs: bigint): void {
    const pending = this.transfers.get(pendingId);
    if (pending === undefined || !has(pending.flags, TransferFlag.pending))
      throw new Error(`cannot expire ${pendingId}`);
    if (this.resolutions.has(pendingId) || pending.expiresAt === null || pending.expiresAt > nowNs) {
      throw new Error(`${pendingId} is not due to expire`);
    }
    this.move(pending, -pending.amount, 0n);
    this.record({
      ...pending,
      id: `${pendingId}~expiry`,
      flags: TransferFlag.voidPending | TransferFlag.expiry,
      pendingId,
      timeoutSeconds: 0,
      expiresAt: null,
      metadata: null,
    });
    this.resolutions.set(pendingId, 'expired');
  }

  private apply(input: TransferInput, nowNs: bigint): TransferResultCode {
    if (!isValidId(input.id)) return 'id_must_match_pattern';
    if ((input.flags & ~clientFlags) !== 0) return 'flags_are_unknown';
    const kinds = [TransferFlag.pending, TransferFlag.postPending, TransferFlag.voidPending];
    if (kinds.filter((flag) => has(input.flags, flag)).length > 1) return 'flags_are_mutually_exclusive';
    if (has(input.flags, TransferFlag.postPending) || has(input.flags, TransferFlag.voidPending)) {
      return this.resolve(input, nowNs);
    }
    return this.create(input);
  }

  private create(input: TransferInput): TransferResultCode {
    const isPending = has(input.flags, TransferFlag.pending);
    if (!input.debitAccountId) return 'debit_account_id_must_not_be_empty';
    if (!input.creditAccountId) return 'credit_account_id_must_not_be_empty';
    if (input.debitAccountId === input.creditAccountId) return 'accounts_must_be_different';
    if (input.pendingId !== undefined) return 'pending_id_must_be_empty';
    const timeoutSeconds = input.timeoutSeconds ?? 0;
    if (!isPending && timeoutSeconds !== 0) return 'timeout_reserved_for_pending_transfer';
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 0 || timeoutSeconds > timeoutSecondsMax) {
      return 'timeout_exceeds_maximum';
    }
    const amount = input.amount ?? 0n;
    if (amount <= 0n) return 'amount_must_be_positive';
    if (amount > amountMax) return 'amount_exceeds_maximum';
    if (!input.currency) return 'currency_must_not_be_empty';
    if (input.code === undefined || !isValidCode(input.code)) return 'code_must_match_pattern';
    if (input.metadata !== undefined && !isValidMetadata(input.metadata)) return 'metadata_invalid';
    const debit = this.accounts.get(input.debitAccountId);
    if (debit === undefined) return 'debit_account_not_found';
    const credit = this.accounts.get(input.creditAccountId);
    if (credit === undefined) return 'credit_account_not_found';
    if (debit.ledger !== credit.ledger) return 'accounts_must_have_the_same_ledger';
    if (debit.currency !== credit.currency || input.currency !== debit.currency)
      return 'currencies_must_match';
    const existing = this.transfers.get(input.id);
    if (existing !== undefined) return compare(input, existing, amount, timeoutSeconds);

    const pending = isPending ? amount : 0n;
    const posted = isPending ? 0n : amount;
    if (debit.debitsPending + pending > amountMax) return 'overflows_debits_pending';
    if (credit.creditsPending + pending > amountMax) return 'overflows_credits_pending';
    if (debit.debitsPosted + posted > amountMax) return 'overflows_debits_posted';
    if (credit.creditsPosted + posted > amountMax) return 'overflows_credits_posted';
    if (debit.debitsPending + debit.debitsPosted + amount > amountMax) return 'overflows_debits';
    if (credit.creditsPending + credit.creditsPosted + amount > amountMax) return 'overflows_credits';
    // What an account has spent or reserved on its constrained side may not pass what it received.
    const debitLimited = has(debit.flags, AccountFlag.debitsMustNotExceedCredits);
    if (debitLimited && debit.debitsPending + debit.debitsPosted + amount > debit.creditsPosted)
      return 'exceeds_credits';
    const creditLimited = has(credit.flags, AccountFlag.creditsMustNotExceedDebits);
    if (creditLimited && credit.creditsPending + credit.creditsPosted + amount > credit.debitsPosted)
      return 'exceeds_debits';
    const transfer: ModelTransfer = {
      id: input.id,
      debit: debit.id,
      credit: credit.id,
      amount,
      currency: debit.currency,
      code: input.code,
      flags: input.flags,
      pendingId: null,
      timeoutSeconds,
      expiresAt:
        isPending && timeoutSeconds > 0
          ? this.timestamp + 1n + BigInt(timeoutSeconds) * nanosecondsPerSecond
          : null,
      metadata: canonicalMetadata(input.metadata),
      timestamp: 0n,
    };
    this.move(transfer, pending, posted);
    this.record(transfer);
    return 'ok';
  }

  private resolve(input: TransferInput, nowNs: bigint): TransferResultCode {
    const isPost = has(input.flags, TransferFlag.postPending);
    if (!input.pendingId) return 'pending_id_must_not_be_empty';
    if (input.pendingId === input.id) return 'pending_id_must_be_different';
    if ((input.timeoutSeconds ?? 0) !== 0) return 'timeout_reserved_for_pending_transfer';
    if (input.amount !== undefined && input.amount <= 0n) return 'amount_must_be_positive';
    if (input.code !== undefined && !isValidCode(input.code)) return 'code_must_match_pattern';
    if (input.metadata !== undefined && !isValidMetadata(input.metadata)) return 'metadata_invalid';
    const pending = this.transfers.get(input.pendingId);
    if (pending === undefined) return 'pending_transfer_not_found';
    if (!has(pending.flags, TransferFlag.pending)) return 'pending_transfer_not_pending';
    if (input.debitAccountId !== undefined && input.debitAccountId !== pending.debit) {
      return 'pending_transfer_has_different_debit_account_id';
    }
    if (input.creditAccountId !== undefined && input.creditAccountId !== pending.credit) {
      return 'pending_transfer_has_different_credit_account_id';
    }
    if (input.currency !== undefined && input.currency !== pending.currency)
      return 'pending_transfer_has_different_currency';
    if (input.code !== undefined && input.code !== pending.code) return 'pending_transfer_has_different_code';
    const amount = input.amount ?? pending.amount;
    if (isPost && amount > pending.amount) return 'exceeds_pending_transfer_amount';
    if (!isPost && amount !== pending.amount) return 'pending_transfer_has_different_amount';
    const existing = this.transfers.get(input.id);
    if (existing !== undefined) return compare(input, existing, amount, 0);
    const resolution = this.resolutions.get(pending.id);
    if (resolution === 'posted') return 'pending_transfer_already_posted';
    if (resolution === 'voided') return 'pending_transfer_already_voided';
    if (resolution === 'expired') return 'pending_transfer_expired';
    if (pending.expiresAt !== null && pending.expiresAt <= nowNs) return 'pending_transfer_expired';
    // No overflow is possible: a post moves at most what its reservation already counted.
    this.move(pending, -pending.amount, isPost ? amount : 0n);
    this.record({
      ...pending,
      id: input.id,
      amount,
      flags: input.flags,
      pendingId: pending.id,
      timeoutSeconds: 0,
      expiresAt: null,
      metadata: canonicalMetadata(input.metadata),
    });
    this.resolutions.set(pending.id, isPost ? 'posted' : 'voided');
    return 'ok';
  }

  private move(transfer: { debit: string; credit: string }, pending: bigint, posted: bigint): void {
    const debit = this.accounts.get(transfer.debit)!;
    const credit = this.accounts.get(transfer.credit)!;
    debit.debitsPending += pending;
    debit.debitsPosted += posted;
    credit.creditsPending += pending;
    credit.creditsPosted += posted;
  }

  private record(transfer: ModelTransfer): void {
    this.timestamp += 1n;
    this.transfers.set(transfer.id, { ...transfer, timestamp: this.timestamp });
  }
}

function compare(
  input: TransferInput,
  existing: ModelTransfer,
  amount: bigint,
  timeoutSeconds: number,
): TransferResultCode {
  if ((existing.flags & clientFlags) !== input.flags) return 'exists_with_different_flags';
  if ((input.pendingId ?? null) !== existing.pendingId) return 'exists_with_different_pending_id';
  if (input.debitAccountId !== undefined && input.debitAccountId !== existing.debit) {
    return 'exists_with_different_debit_account_id';
  }
  if (input.creditAccountId !== undefined && input.creditAccountId !== existing.credit) {
    return 'exists_with_different_credit_account_id';
  }
  if (amount !== existing.amount) return 'exists_with_different_amount';
  if (input.currency !== undefined && input.currency !== existing.currency)
    return 'exists_with_different_currency';
  if (timeoutSeconds !== existing.timeoutSeconds) return 'exists_with_different_timeout';
  if (input.code !== undefined && input.code !== existing.code) return 'exists_with_different_code';
  if (canonicalMetadata(input.metadata) !== existing.metadata) return 'exists_with_different_metadata';
  return 'exists';
}
