/**
 * The ledger's state machine for one batch of transfers. Pure and deterministic: the caller loads
 * the accounts and transfers the batch refers to, passes the time, and writes back what comes out.
 *
 * Each transfer answers one result code, checked in the order of `transferResultCodes`. A linked
 * chain (consecutive transfers flagged `linked`, closed by one without the flag) succeeds or fails
 * as a whole: when one member fails, every change of the chain is rolled back, the failing member
 * answers its own code and the others `linked_event_failed`.
 */
import { assert } from '../assert.ts';
import { applyToAccounts, checkBalanceConstraints, checkOverflows } from './balance-rules.ts';
import {
  amountMax,
  expirationsPerBatchMax,
  expiryIdSuffix,
  nanosecondsPerSecond,
  timeoutSecondsMax,
  transfersPerBatchMax,
} from './limits.ts';
import type { TransferResultCode } from './result-codes.ts';
import {
  type Account,
  type Balances,
  balancesOf,
  hasFlag,
  resolutionStatus,
  type Transfer,
  TransferFlag,
  type TransferInput,
  transferClientFlagsMask,
} from './types.ts';
import { canonicalMetadata, isValidCode, isValidId, isValidMetadata } from './validation.ts';
import { type LedgerState, type Mark, WorkingState } from './working-state.ts';

export interface BatchClock {
  /** The instant of the batch, in nanoseconds: pending transfers expire against it. */
  readonly nowNs: bigint;
  /** The first timestamp this batch may assign: after the ledger's last and not before `nowNs`. */
  readonly timestampFirst: bigint;
}

export interface TransferBatchOutcome {
  readonly results: TransferResultCode[];
  /** Expiry voids first (in `expirations` order), then the batch's own transfers, by timestamp. */
  readonly created: Transfer[];
  readonly accounts: Account[];
  readonly lastTimestamp: bigint;
}

/** The id under which the ledger records the expiry of a pending transfer; clients cannot use `~`. */
export function expiryTransferId(pendingId: string): string {
  return `${pendingId}${expiryIdSuffix}`;
}

export function executeTransferBatch(
  state: LedgerState,
  inputs: readonly TransferInput[],
  expirations: readonly string[],
  clock: BatchClock,
): TransferBatchOutcome {
  assert(inputs.length <= transfersPerBatchMax, 'transfer batch exceeds transfersPerBatchMax');
  assert(expirations.length <= expirationsPerBatchMax, 'expirations exceed expirationsPerBatchMax');
  assert(clock.timestampFirst >= clock.nowNs, 'timestamps must not run behind the clock');
  const working = new WorkingState(state, clock.timestampFirst);
  for (const pendingId of expirations) expire(working, pendingId, clock.nowNs);

  const results: TransferResultCode[] = new Array(inputs.length);
  let chainStart: number | null = null;
  let chainBroken = false;
  let chainMark: Mark | null = null;
  for (let index = 0; index < inputs.length; index += 1) {
    const input = inputs[index] as TransferInput;
    const linked = hasFlag(input.flags, TransferFlag.linked);
    if (linked && chainStart === null) {
      chainStart = index;
      chainBroken = false;
      chainMark = working.mark();
    }
    let result: TransferResultCode;
    if (chainBroken) result = 'linked_event_failed';
    else if (linked && index === inputs.length - 1) result = 'linked_event_chain_open';
    else result = createTransfer(working, input, clock.nowNs);

    if (result !== 'ok' && chainStart !== null && !chainBroken) {
      chainBroken = true;
      working.rollback(chainMark as Mark);
      for (let earlier = chainStart; earlier < index; earlier += 1) results[earlier] = 'linked_event_failed';
    }
    results[index] = result;
    if (chainStart !== null && (!linked || result === 'linked_event_chain_open')) {
      chainStart = null;
      working.release();
      // The chain ends here, and its failure with it: without this reset a single (unlinked)
      // transfer after a failed chain answered `linked_event_failed` without being executed.
      chainBroken = false;
    }
  }
  return {
    results,
    created: working.created,
    accounts: working.changedAccounts(),
    lastTimestamp: working.timestamp,
  };
}

function createTransfer(working: WorkingState, input: TransferInput, nowNs: bigint): TransferResultCode {
  if (!isValidId(input.id)) return 'id_must_match_pattern';
  if ((input.flags & ~transferClientFlagsMask) !== 0) return 'flags_are_unknown';
  const isPending = hasFlag(input.flags, TransferFlag.pending);
  const isPost = hasFlag(input.flags, TransferFlag.postPending);
  const isVoid = hasFlag(input.flags, TransferFlag.voidPending);
  if (Number(isPending) + Number(isPost) + Number(isVoid) > 1) return 'flags_are_mutually_exclusive';
  if (isPost || isVoid) return postOrVoidPending(working, input, nowNs);

  if (input.debitAccountId === undefined || input.debitAccountId === '')
    return 'debit_account_id_must_not_be_empty';
  if (input.creditAccountId === undefined || input.creditAccountId === '') {
    return 'credit_account_id_must_not_be_empty';
  }
  if (input.debitAccountId === input.creditAccountId) return 'accounts_must_be_different';
  if (input.pendingId !== undefined) return 'pending_id_must_be_empty';
  const timeoutSeconds = input.timeoutSeconds ?? 0;
  if (!isPending && timeoutSeconds !== 0) return 'timeout_reserved_for_pending_transfer';
  if (timeoutSeconds < 0 || timeoutSeconds > timeoutSecondsMax || !Number.isInteger(timeoutSeconds)) {
    return 'timeout_exceeds_maximum';
  }
  const amount = input.amount ?? 0n;
  if (amount <= 0n) return 'amount_must_be_positive';
  if (amount > amountMax) return 'amount_exceeds_maximum';
  if (input.currency === undefined || input.currency === '') return 'currency_must_not_be_empty';
  if (input.code === undefined || !isValidCode(input.code)) return 'code_must_match_pattern';
  if (input.metadata !== undefined && !isValidMetadata(input.metadata)) return 'metadata_invalid';

  const debit = working.account(input.debitAccountId);
  if (debit === undefined) return 'debit_account_not_found';
  const credit = working.account(input.creditAccountId);
  if (credit === undefined) return 'credit_account_not_found';
  if (debit.ledger !== credit.ledger) return 'accounts_must_have_the_same_ledger';
  if (debit.currency !== credit.currency || input.currency !== debit.currency) return 'currencies_must_match';

  const existing = working.transfer(input.id);
  if (existing !== undefined) return compareWithExisting(input, existing, amount, timeoutSeconds);

  const timestamp = working.nextTimestamp();
  const change = isPending
    ? { debitsPending: amount, creditsPending: amount, debitsPosted: 0n, creditsPosted: 0n }
    : { debitsPending: 0n, creditsPending: 0n, debitsPosted: amount, creditsPosted: amount };
  const overflow = checkOverflows(debit, credit, change);
  if (overflow !== 'ok') return overflow;
  const constraint = checkBalanceConstraints(debit, credit, amount);
  if (constraint !== 'ok') return constraint;

  const [debitAfter, creditAfter] = applyToAccounts(debit, credit, change);
  working.putAccount(debitAfter);
  working.putAccount(creditAfter);
  working.addTransfer({
    id: input.id,
    debitAccountId: debit.id,
    creditAccountId: credit.id,
    amount,
    currency: debit.currency,
    ledger: debit.ledger,
    code: input.code,
    flags: input.flags,
    pendingId: null,
    timeoutSeconds,
    expiresAt:
      isPending && timeoutSeconds > 0 ? timestamp + BigInt(timeoutSeconds) * nanosecondsPerSecond : null,
    metadata: canonicalMetadata(input.metadata),
    timestamp,
    debitAccountAfter: balancesOf(debitAfter),
    creditAccountAfter: balancesOf(creditAfter),
  });
  // An expiry in the past cannot happen: the timestamp is never behind `nowNs`.
  assert(timestamp >= nowNs, 'timestamp behind the clock');
  return 'ok';
}

function postOrVoidPending(working: WorkingState, input: TransferInput, nowNs: bigint): TransferResultCode {
  const isPost = hasFlag(input.flags, TransferFlag.postPending);
  if (input.pendingId === undefined || input.pendingId === '') return 'pending_id_must_not_be_empty';
  if (input.pendingId === input.id) return 'pending_id_must_be_different';
  if ((input.timeoutSeconds ?? 0) !== 0) return 'timeout_reserved_for_pending_transfer';
  if (input.amount !== undefined && input.amount <= 0n) return 'amount_must_be_positive';
  if (input.code !== undefined && !isValidCode(input.code)) return 'code_must_match_pattern';
  if (input.metadata !== undefined && !isValidMetadata(input.metadata)) return 'metadata_invalid';

  const pending = working.transfer(input.pendingId);
  if (pending === undefined) return 'pending_transfer_not_found';
  if (!hasFlag(pending.flags, TransferFlag.pending)) return 'pending_transfer_not_pending';
  if (input.debitAccountId !== undefined && input.debitAccountId !== pending.debitAccountId) {
    return 'pending_transfer_has_different_debit_account_id';
  }
  if (input.creditAccountId !== undefined && input.creditAccountId !== pending.creditAccountId) {
    return 'pending_transfer_has_different_credit_account_id';
  }
  if (input.currency !== undefined && input.currency !== pending.currency) {
    return 'pending_transfer_has_different_currency';
  }
  if (input.code !== undefined && input.code !== pending.code) return 'pending_transfer_has_different_code';
  const amount = input.amount ?? pending.amount;
  if (isPost && amount > pending.amount) return 'exceeds_pending_transfer_amount';
  if (!isPost && amount !== pending.amount) return 'pending_transfer_has_different_amount';

  const existing = working.transfer(input.id);
  if (existing !== undefined) return compareWithExisting(input, existing, amount, 0);

  const resolution = working.resolution(pending.id);
  if (resolution !== undefined) {
    const status = resolutionStatus(resolution);
    if (status === 'posted') return 'pending_transfer_already_posted';
    if (status === 'voided') return 'pending_transfer_already_voided';
    return 'pending_transfer_expired';
  }
  if (pending.expiresAt !== null && pending.expiresAt <= nowNs) return 'pending_transfer_expired';

  const debit = working.account(pending.debitAccountId);
  const credit = working.account(pending.creditAccountId);
  assert(debit !== undefined && credit !== undefined, 'accounts of a pending transfer must be loaded');
  const posted = isPost ? amount : 0n;
  const change = {
    debitsPending: -pending.amount,
    creditsPending: -pending.amount,
    debitsPosted: posted,
    creditsPosted: posted,
  };
  const overflow = checkOverflows(debit, credit, change);
  if (overflow !== 'ok') return overflow;
  resolve(working, pending, debit, credit, change, {
    id: input.id,
    amount,
    flags: input.flags,
    metadata: canonicalMetadata(input.metadata),
  });
  return 'ok';
}

/** Records the void of a pending transfer whose timeout has passed. */
function expire(working: WorkingState, pendingId: string, nowNs: bigint): void {
  const pending = working.transfer(pendingId);
  assert(pending !== undefined, `pending transfer ${pendingId} to expire must be loaded`);
  assert(hasFlag(pending.flags, TransferFlag.pending), 'only pending transfers expire');
  assert(pending.expiresAt !== null && pending.expiresAt <= nowNs, 'pending transfer is not due to expire');
  assert(working.resolution(pendingId) === undefined, 'an expiring pending transfer must be open');
  const debit = working.account(pending.debitAccountId);
  const credit = working.account(pending.creditAccountId);
  assert(debit !== undefined && credit !== undefined, 'accounts of an expiring transfer must be loaded');
  const change = {
    debitsPending: -pending.amount,
    creditsPending: -pending.amount,
    debitsPosted: 0n,
    creditsPosted: 0n,
  };
  resolve(working, pending, debit, credit, change, {
    id: expiryTransferId(pendingId),
    amount: pending.amount,
    flags: TransferFlag.voidPending | TransferFlag.expiry,
    metadata: null,
  });
}

function resolve(
  working: WorkingState,
  pending: Transfer,
  debit: Account,
  credit: Account,
  change: Balances,
  resolver: { id: string; amount: bigint; flags: number; metadata: string | null },
): void {
  const [debitAfter, creditAfter] = applyToAccounts(debit, credit, change);
  working.putAccount(debitAfter);
  working.putAccount(creditAfter);
  working.addTransfer({
    id: resolver.id,
    debitAccountId: pending.debitAccountId,
    creditAccountId: pending.creditAccountId,
    amount: resolver.amount,
    currency: pending.currency,
    ledger: pending.ledger,
    code: pending.code,
    flags: resolver.flags,
    pendingId: pending.id,
    timeoutSeconds: 0,
    expiresAt: null,
    metadata: resolver.metadata,
    timestamp: working.nextTimestamp(),
    debitAccountAfter: balancesOf(debitAfter),
    creditAccountAfter: balancesOf(creditAfter),
  });
}

/** A transfer id seen before: `exists` when the bodies agree, else the first field that differs. */
function compareWithExisting(
  input: TransferInput,
  existing: Transfer,
  amount: bigint,
  timeoutSeconds: number,
): TransferResultCode {
  if ((existing.flags & transferClientFlagsMask) !== input.flags) return 'exists_with_different_flags';
  if ((input.pendingId ?? null) !== existing.pendingId) return 'exists_with_different_pending_id';
  if (input.debitAccountId !== undefined && input.debitAccountId !== existing.debitAccountId) {
    return 'exists_with_different_debit_account_id';
  }
  if (input.creditAccountId !== undefined && input.creditAccountId !== existing.creditAccountId) {
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
