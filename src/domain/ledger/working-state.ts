/**
 * The ledger state one batch reads and changes: a copy-on-write overlay over what the caller loaded
 * from storage, with an undo log so that a failed linked chain rolls back exactly what it did.
 */
import { assert } from '../assert.ts';
import type { Account, Transfer } from './types.ts';

export interface LedgerState {
  /** Every account the batch may touch, by id. */
  readonly accounts: ReadonlyMap<string, Account>;
  /** Stored transfers whose ids the batch uses, either as its own ids or as pending ids. */
  readonly transfers: ReadonlyMap<string, Transfer>;
  /** For each pending id the batch references: the stored transfer that already resolved it. */
  readonly resolutions: ReadonlyMap<string, Transfer>;
}

type Undo =
  | { readonly kind: 'account'; readonly id: string; readonly previous: Account | undefined }
  | { readonly kind: 'transfer'; readonly id: string }
  | { readonly kind: 'resolution'; readonly pendingId: string };

export interface Mark {
  readonly undoLength: number;
  readonly createdLength: number;
  readonly timestamp: bigint;
}

export class WorkingState {
  private readonly accounts = new Map<string, Account>();
  private readonly transfers = new Map<string, Transfer>();
  private readonly resolutions = new Map<string, Transfer>();
  private readonly undo: Undo[] = [];
  /** Undo entries are kept only while a linked chain is open: nothing else is ever rolled back. */
  private recording = false;
  readonly created: Transfer[] = [];
  /** The timestamp of the last transfer created so far. */
  timestamp: bigint;

  constructor(
    private readonly base: LedgerState,
    timestampFirst: bigint,
  ) {
    this.timestamp = timestampFirst - 1n;
  }

  account(id: string): Account | undefined {
    return this.accounts.get(id) ?? this.base.accounts.get(id);
  }

  transfer(id: string): Transfer | undefined {
    return this.transfers.get(id) ?? this.base.transfers.get(id);
  }

  resolution(pendingId: string): Transfer | undefined {
    return this.resolutions.get(pendingId) ?? this.base.resolutions.get(pendingId);
  }

  nextTimestamp(): bigint {
    return this.timestamp + 1n;
  }

  putAccount(account: Account): void {
    if (this.recording)
      this.undo.push({ kind: 'account', id: account.id, previous: this.accounts.get(account.id) });
    this.accounts.set(account.id, account);
  }

  addTransfer(transfer: Transfer): void {
    assert(this.transfer(transfer.id) === undefined, 'transfer id is already taken');
    assert(transfer.timestamp === this.timestamp + 1n, 'transfer timestamps must be consecutive');
    if (this.recording) this.undo.push({ kind: 'transfer', id: transfer.id });
    this.transfers.set(transfer.id, transfer);
    this.created.push(transfer);
    this.timestamp = transfer.timestamp;
    if (transfer.pendingId !== null) {
      assert(this.resolution(transfer.pendingId) === undefined, 'a pending transfer resolves only once');
      if (this.recording) this.undo.push({ kind: 'resolution', pendingId: transfer.pendingId });
      this.resolutions.set(transfer.pendingId, transfer);
    }
  }

  /** Opens a linked chain: from here every change is recorded until release(). */
  mark(): Mark {
    this.recording = true;
    return { undoLength: this.undo.length, createdLength: this.created.length, timestamp: this.timestamp };
  }

  /** Closes the linked chain: its changes stand, and the undo log is no longer needed. */
  release(): void {
    this.recording = false;
    this.undo.length = 0;
  }

  rollback(mark: Mark): void {
    while (this.undo.length > mark.undoLength) {
      const entry = this.undo.pop() as Undo;
      if (entry.kind === 'account') {
        if (entry.previous === undefined) this.accounts.delete(entry.id);
        else this.accounts.set(entry.id, entry.previous);
      } else if (entry.kind === 'transfer') {
        this.transfers.delete(entry.id);
      } else {
        this.resolutions.delete(entry.pendingId);
      }
    }
    this.created.length = mark.createdLength;
    this.timestamp = mark.timestamp;
  }

  /** Accounts whose totals this batch changed, in their final state. */
  changedAccounts(): Account[] {
    return [...this.accounts.values()];
  }
}
