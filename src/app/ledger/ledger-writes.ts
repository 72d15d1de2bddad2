/**
 * Ledger writes: open accounts, and execute a batch of transfers. Each runs inside the caller's
 * write transaction (so an HTTP request's idempotency record commits with it): lock the chain head,
 * load what the batch refers to, run the pure state machine, assert the books still balance, chain
 * the new transfers onto the hash chain and write them back.
 */
import { assert } from '../../domain/assert.ts';
import { violatesConstraint } from '../../domain/ledger/balance-rules.ts';
import { createAccounts as openAccounts } from '../../domain/ledger/create-accounts.ts';
import { executeTransferBatch } from '../../domain/ledger/create-transfers.ts';
import { accountSeal, chainTransfers, type Sha256Hex } from '../../domain/ledger/hash-chain.ts';
import {
  accountsPerBatchMax,
  expirationsPerBatchMax,
  transfersPerBatchMax,
} from '../../domain/ledger/limits.ts';
import type { AccountResultCode, TransferResultCode } from '../../domain/ledger/result-codes.ts';
import {
  type Account,
  type AccountInput,
  hasFlag,
  type Transfer,
  TransferFlag,
  type TransferInput,
} from '../../domain/ledger/types.ts';
import type { ChainHead, Clock, WriteTransaction } from '../ports.ts';

export interface LedgerContext {
  readonly clock: Clock;
  readonly sha256: Sha256Hex;
}

export interface AccountResult {
  readonly id: string;
  readonly result: AccountResultCode;
  /** The account as stored, for `ok` and `exists`. */
  readonly account?: Account;
}

export interface TransferResult {
  readonly id: string;
  readonly result: TransferResultCode;
  /** The ledger timestamp of the transfer, for `ok`. */
  readonly timestamp?: bigint;
}

/** The first timestamp a write may assign: after everything stored, and never behind the clock. */
function firstTimestamp(head: ChainHead, nowNs: bigint): bigint {
  return head.lastTimestamp + 1n > nowNs ? head.lastTimestamp + 1n : nowNs;
}

export async function createAccounts(
  tx: WriteTransaction,
  context: LedgerContext,
  inputs: readonly AccountInput[],
): Promise<AccountResult[]> {
  assert(inputs.length <= accountsPerBatchMax, 'createAccounts: batch exceeds accountsPerBatchMax');
  const head = await tx.ledger.lockHead();
  const existing = await tx.ledger.accountsByIds(unique(inputs.map((input) => input.id)));
  const outcome = openAccounts(existing, inputs, firstTimestamp(head, context.clock.nowNs()));
  if (outcome.created.length > 0) {
    await tx.ledger.insertAccounts(
      outcome.created.map((account) => ({ account, seal: accountSeal(context.sha256, account) })),
    );
    await tx.ledger.setHead({
      ...head,
      accountCount: head.accountCount + BigInt(outcome.created.length),
      lastTimestamp: outcome.lastTimestamp,
    });
  }
  const created = new Map(outcome.created.map((account) => [account.id, account]));
  return inputs.map((input, index) => {
    const result = outcome.results[index] as AccountResultCode;
    const account =
      result === 'ok' ? created.get(input.id) : result === 'exists' ? existing.get(input.id) : undefined;
    return account === undefined ? { id: input.id, result } : { id: input.id, result, account };
  });
}

export async function createTransfers(
  tx: WriteTransaction,
  context: LedgerContext,
  inputs: readonly TransferInput[],
): Promise<TransferResult[]> {
  return (await executeBatch(tx, context, inputs)).results;
}

/**
 * Records the expiry of pending transfers whose timeout has passed (at most expirationsPerBatchMax
 * per call; every transfer batch also expires what is due first). Answers how many expired.
 */
export async function expirePendingTransfers(tx: WriteTransaction, context: LedgerContext): Promise<number> {
  return (await executeBatch(tx, context, [])).expired;
}

async function executeBatch(
  tx: WriteTransaction,
  context: LedgerContext,
  inputs: readonly TransferInput[],
): Promise<{ results: TransferResult[]; expired: number }> {
  assert(inputs.length <= transfersPerBatchMax, 'createTransfers: batch exceeds transfersPerBatchMax');
  const head = await tx.ledger.lockHead();
  const nowNs = context.clock.nowNs();
  const expirations = await tx.ledger.dueExpirations(nowNs, expirationsPerBatchMax);

  const pendingIds = unique([
    ...inputs.flatMap((input) => (input.pendingId ? [input.pendingId] : [])),
    ...expirations,
  ]);
  const transfers = await tx.ledger.transfersByIds(
    unique([...inputs.map((input) => input.id), ...pendingIds]),
  );
  const resolutions = await tx.ledger.resolutionsOf(pendingIds);
  const accountIds: string[] = [];
  for (const input of inputs) {
    if (input.debitAccountId) accountIds.push(input.debitAccountId);
    if (input.creditAccountId) accountIds.push(input.creditAccountId);
  }
  for (const pendingId of pendingIds) {
    const pending = transfers.get(pendingId);
    if (pending !== undefined) accountIds.push(pending.debitAccountId, pending.creditAccountId);
  }
  const accounts = await tx.ledger.accountsByIds(unique(accountIds));

  const outcome = executeTransferBatch({ accounts, transfers, resolutions }, inputs, expirations, {
    nowNs,
    timestampFirst: firstTimestamp(head, nowNs),
  });
  assertBooksBalance(accounts, outcome.accounts);
  if (outcome.created.length > 0) {
    const chained = chainTransfers(context.sha256, head.lastHash, outcome.created);
    await tx.ledger.appendTransfers(chained, outcome.accounts, head.transferCount + 1n);
    await tx.ledger.setHead({
      lastHash: (chained[chained.length - 1] as { hash: string }).hash,
      transferCount: head.transferCount + BigInt(chained.length),
      accountCount: head.accountCount,
      lastTimestamp: outcome.lastTimestamp,
    });
  }
  const byId = new Map<string, Transfer>(outcome.created.map((transfer) => [transfer.id, transfer]));
  const results = inputs.map((input, index): TransferResult => {
    const result = outcome.results[index] as TransferResultCode;
    const created = result === 'ok' ? byId.get(input.id) : undefined;
    return created === undefined
      ? { id: input.id, result }
      : { id: input.id, result, timestamp: created.timestamp };
  });
  return {
    results,
    expired: outcome.created.filter((transfer) => hasFlag(transfer.flags, TransferFlag.expiry)).length,
  };
}

/**
 * Double entry, checked before anything is written: across the accounts a batch changed, debits
 * moved exactly as much as credits, pending and posted alike, and no account broke its constraint.
 */
function assertBooksBalance(before: ReadonlyMap<string, Account>, after: readonly Account[]): void {
  let debitsPending = 0n;
  let debitsPosted = 0n;
  let creditsPending = 0n;
  let creditsPosted = 0n;
  for (const account of after) {
    const base = before.get(account.id);
    assert(base !== undefined, `batch changed account ${account.id} it did not load`);
    assert(!violatesConstraint(account), `batch breaks the balance constraint of account ${account.id}`);
    debitsPending += account.debitsPending - base.debitsPending;
    debitsPosted += account.debitsPosted - base.debitsPosted;
    creditsPending += account.creditsPending - base.creditsPending;
    creditsPosted += account.creditsPosted - base.creditsPosted;
  }
  assert(debitsPending === creditsPending, 'batch moved pending debits and credits by different amounts');
  assert(debitsPosted === creditsPosted, 'batch moved posted debits and credits by different amounts');
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
