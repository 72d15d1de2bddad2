/**
 * Recomputes the ledger from its transfers and compares it with what is stored: the hash chain,
 * each transfer's recorded account totals, every account's totals, the seals on accounts, the
 * balance constraints and the trial balance. Streaming: transfers arrive in timestamp order in
 * pages, so memory holds the accounts and the open pending transfers, never the whole history.
 */
import { violatesConstraint } from './balance-rules.ts';
import { accountSeal, chainHash, genesisHash, type Sha256Hex } from './hash-chain.ts';
import {
  type Account,
  type Balances,
  type ChainedTransfer,
  hasFlag,
  TransferFlag,
  zeroBalances,
} from './types.ts';

export interface VerifyFailure {
  readonly rule: string;
  readonly detail: string;
}

interface Totals {
  debitsPending: bigint;
  debitsPosted: bigint;
  creditsPending: bigint;
  creditsPosted: bigint;
}

export interface SealedAccount {
  readonly account: Account;
  readonly seal: string;
}

export class LedgerVerifier {
  private readonly accounts = new Map<string, Account>();
  private readonly totals = new Map<string, Totals>();
  private readonly openPending = new Map<
    string,
    { amount: bigint; debit: string; credit: string; expiresAt: bigint | null }
  >();
  private readonly resolved = new Set<string>();
  /** Open pending transfers found in the expiry index so far. */
  private readonly indexedExpiries = new Set<string>();
  private previousHash = genesisHash;
  private previousTimestamp = -1n;
  /** The latest timestamp of an account seen: the chain head's last timestamp covers accounts too. */
  private accountTimestampMax = -1n;
  transfersChecked = 0;

  constructor(private readonly sha256: Sha256Hex) {}

  /** Registers accounts before any transfer; answers the first account whose seal is broken. */
  addAccounts(accounts: readonly SealedAccount[]): VerifyFailure | null {
    for (const { account, seal } of accounts) {
      if (accountSeal(this.sha256, account) !== seal) {
        return {
          rule: 'account_seal_mismatch',
          detail: `account ${account.id}: its ledger, currency, code, flags or metadata were changed after it was opened`,
        };
      }
      this.accounts.set(account.id, account);
      this.totals.set(account.id, { ...zeroBalances });
      if (account.timestamp > this.accountTimestampMax) this.accountTimestampMax = account.timestamp;
    }
    return null;
  }

  addTransfers(transfers: readonly ChainedTransfer[]): VerifyFailure | null {
    for (const transfer of transfers) {
      const failure = this.check(transfer);
      if (failure !== null) {
        return {
          rule: failure.rule,
          detail: `transfer ${transfer.id} (#${this.transfersChecked + 1} in ledger order): ${failure.detail}`,
        };
      }
      this.transfersChecked += 1;
    }
    return null;
  }

  /**
   * After the last transfer: the chain head, every account's totals and the trial balance.
   * `closedThroughNs` is the last nanosecond of the last checkpointed day (null with none): a
   * checkpoint moves the head's last timestamp there when nothing is stamped after the day yet.
   */
  finish(
    head: { lastHash: string; transferCount: bigint; lastTimestamp: bigint },
    closedThroughNs: bigint | null = null,
  ): VerifyFailure | null {
    if (BigInt(this.transfersChecked) !== head.transferCount) {
      return {
        rule: 'transfer_count_mismatch',
        detail: `the chain head counts ${head.transferCount} transfers but ${this.transfersChecked} are stored`,
      };
    }
    if (head.lastHash !== this.previousHash) {
      return {
        rule: 'chain_head_mismatch',
        detail: 'the chain head does not match the last stored transfer: transfers were removed from the end',
      };
    }
    // The next write numbers its timestamps from the head's; it must be the last one stored (0 when
    // nothing is), or new timestamps would collide with stored ones or skip towards the limit — or
    // the end of the last checkpointed day, if later: nothing may be stamped on a checkpointed day.
    const lastStored = [0n, this.accountTimestampMax, this.previousTimestamp].reduce((a, b) =>
      a > b ? a : b,
    );
    const expected = closedThroughNs !== null && closedThroughNs > lastStored ? closedThroughNs : lastStored;
    if (head.lastTimestamp !== expected) {
      return {
        rule: 'chain_head_mismatch',
        detail:
          expected === lastStored
            ? `the chain head's last timestamp is ${head.lastTimestamp} but the last stored account or transfer is at ${lastStored}`
            : `the chain head's last timestamp is ${head.lastTimestamp} but the last checkpointed day ends at ${expected}, after the last stored account or transfer`,
      };
    }
    const trial = new Map<string, Totals>();
    for (const [id, account] of this.accounts) {
      const computed = this.totals.get(id) as Totals;
      if (!sameBalances(account, computed)) {
        return {
          rule: 'account_totals_mismatch',
          detail: `account ${id}: stored totals ${describe(account)} but its transfers add up to ${describe(computed)}`,
        };
      }
      const sum = trial.get(account.currency) ?? { ...zeroBalances };
      sum.debitsPending += account.debitsPending;
      sum.debitsPosted += account.debitsPosted;
      sum.creditsPending += account.creditsPending;
      sum.creditsPosted += account.creditsPosted;
      trial.set(account.currency, sum);
    }
    for (const [currency, sum] of trial) {
      if (sum.debitsPosted !== sum.creditsPosted || sum.debitsPending !== sum.creditsPending) {
        return {
          rule: 'trial_balance_mismatch',
          detail: `${currency}: debits ${describe(sum)} do not equal credits`,
        };
      }
    }
    return null;
  }

  /**
   * After every transfer: the expiry index, in pages. It must list exactly the open pending
   * transfers with a timeout, each at its own expiry. The index is what expires them; it is not in
   * the hash chain, so a row removed would hold a reservation forever, and a row too many would
   * stop every later transfer batch.
   */
  addPendingExpiries(rows: readonly { pendingId: string; expiresAt: bigint }[]): VerifyFailure | null {
    for (const row of rows) {
      const pending = this.openPending.get(row.pendingId);
      if (pending === undefined || pending.expiresAt === null) {
        return {
          rule: 'expiry_index_mismatch',
          detail: `the expiry index lists ${row.pendingId}, which is not an open pending transfer with a timeout`,
        };
      }
      if (pending.expiresAt !== row.expiresAt) {
        return {
          rule: 'expiry_index_mismatch',
          detail: `the expiry index has ${row.pendingId} expiring at ${row.expiresAt}, but the transfer at ${pending.expiresAt}`,
        };
      }
      this.indexedExpiries.add(row.pendingId);
    }
    return null;
  }

  /** After the last page of the expiry index: every open pending transfer with a timeout was in it. */
  finishPendingExpiries(): VerifyFailure | null {
    for (const [pendingId, pending] of this.openPending) {
      if (pending.expiresAt !== null && !this.indexedExpiries.has(pendingId)) {
        return {
          rule: 'expiry_index_mismatch',
          detail: `open pending transfer ${pendingId} is missing from the expiry index: it would never expire`,
        };
      }
    }
    return null;
  }

  get accountCount(): number {
    return this.accounts.size;
  }

  private check(transfer: ChainedTransfer): VerifyFailure | null {
    if (transfer.timestamp <= this.previousTimestamp) {
      return { rule: 'timestamp_order', detail: "timestamp is not after its predecessor's" };
    }
    const expected = chainHash(this.sha256, this.previousHash, transfer);
    if (expected !== transfer.hash) {
      return {
        rule: 'hash_mismatch',
        detail:
          'stored hash does not match its contents and its predecessor: the row was altered, or a transfer before it was removed',
      };
    }
    this.previousHash = transfer.hash;
    this.previousTimestamp = transfer.timestamp;
    const debit = this.accounts.get(transfer.debitAccountId);
    const credit = this.accounts.get(transfer.creditAccountId);
    if (debit === undefined || credit === undefined) {
      const [side, id] =
        debit === undefined ? ['debit', transfer.debitAccountId] : ['credit', transfer.creditAccountId];
      return { rule: 'account_missing', detail: `its ${side} account ${id} does not exist` };
    }
    if (debit.currency !== transfer.currency || credit.currency !== transfer.currency) {
      return { rule: 'currency_mismatch', detail: "its currency differs from its accounts'" };
    }
    if (transfer.amount <= 0n) return { rule: 'amount_not_positive', detail: 'amount is not positive' };
    const debitTotals = this.totals.get(debit.id) as Totals;
    const creditTotals = this.totals.get(credit.id) as Totals;
    const effect = this.effect(transfer);
    if (typeof effect === 'string') return { rule: 'pending_resolution_invalid', detail: effect };
    debitTotals.debitsPending += effect.pending;
    debitTotals.debitsPosted += effect.posted;
    creditTotals.creditsPending += effect.pending;
    creditTotals.creditsPosted += effect.posted;
    if (
      !sameBalances(transfer.debitAccountAfter, debitTotals) ||
      !sameBalances(transfer.creditAccountAfter, creditTotals)
    ) {
      return {
        rule: 'recorded_totals_mismatch',
        detail: 'the account totals recorded with it differ from the totals recomputed up to it',
      };
    }
    if (
      violatesConstraint({ ...debitTotals, flags: debit.flags }) ||
      violatesConstraint({ ...creditTotals, flags: credit.flags })
    ) {
      return { rule: 'constraint_violated', detail: 'it takes an account beyond its balance constraint' };
    }
    return null;
  }

  private effect(transfer: ChainedTransfer): { pending: bigint; posted: bigint } | string {
    const flags = transfer.flags;
    if (hasFlag(flags, TransferFlag.pending)) {
      this.openPending.set(transfer.id, {
        amount: transfer.amount,
        debit: transfer.debitAccountId,
        credit: transfer.creditAccountId,
        expiresAt: transfer.expiresAt,
      });
      return { pending: transfer.amount, posted: 0n };
    }
    if (hasFlag(flags, TransferFlag.postPending) || hasFlag(flags, TransferFlag.voidPending)) {
      const pendingId = transfer.pendingId;
      if (pendingId === null) return 'a post or void without a pending id';
      const pending = this.openPending.get(pendingId);
      if (pending === undefined) {
        return this.resolved.has(pendingId)
          ? `pending transfer ${pendingId} is resolved twice`
          : `pending transfer ${pendingId} does not precede it`;
      }
      if (pending.debit !== transfer.debitAccountId || pending.credit !== transfer.creditAccountId)
        return "its accounts differ from its pending transfer's";
      const isPost = hasFlag(flags, TransferFlag.postPending);
      if (isPost ? transfer.amount > pending.amount : transfer.amount !== pending.amount)
        return 'its amount does not fit its pending transfer';
      this.openPending.delete(pendingId);
      this.resolved.add(pendingId);
      return { pending: -pending.amount, posted: isPost ? transfer.amount : 0n };
    }
    if (transfer.pendingId !== null) return 'a plain transfer must not name a pending transfer';
    return { pending: 0n, posted: transfer.amount };
  }
}

function sameBalances(a: Balances, b: Balances): boolean {
  return (
    a.debitsPending === b.debitsPending &&
    a.debitsPosted === b.debitsPosted &&
    a.creditsPending === b.creditsPending &&
    a.creditsPosted === b.creditsPosted
  );
}

function describe(b: Balances): string {
  return `(debits posted ${b.debitsPosted}, pending ${b.debitsPending}; credits posted ${b.creditsPosted}, pending ${b.creditsPending})`;
}
