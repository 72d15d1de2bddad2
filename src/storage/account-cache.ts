/**
 * Ledger accounts as this process last wrote them, so a write batch need not load every account it
 * touches from the database again. The cache is trusted only while the chain head in the database
 * is the head this process last wrote: every ledger write moves the head, so a write by any other
 * process (another server, a worker, an import) or a rolled-back transaction shows up as a
 * different head, and the cache is dropped. Reads never use it.
 *
 * Ledger writers are serialised (the chain-head lock), so at most one transaction at a time is
 * between `validate` and its commit.
 */
import type { ChainHead } from '../app/ports.ts';
import type { Account } from '../domain/ledger/types.ts';

/** Past this many accounts the cache starts again from empty: memory stays bounded. */
export const accountCacheEntriesMax = 250_000;

function tagOf(head: ChainHead): string {
  return `${head.lastTimestamp}:${head.transferCount}:${head.lastHash}`;
}

export class AccountCache {
  private readonly accounts = new Map<string, Account>();
  private tag: string | null = null;

  /** Called with the locked head at the start of a write: keeps the cache only if it is current. */
  validate(head: ChainHead): void {
    const tag = tagOf(head);
    if (tag !== this.tag) {
      this.accounts.clear();
      this.tag = tag;
    }
  }

  get(id: string): Account | undefined {
    return this.accounts.get(id);
  }

  put(account: Account): void {
    if (this.accounts.size >= accountCacheEntriesMax && !this.accounts.has(account.id)) this.accounts.clear();
    this.accounts.set(account.id, account);
  }

  /** The transaction wrote this head; the cache now describes the state right after it. */
  wrote(head: ChainHead): void {
    this.tag = tagOf(head);
  }

  /** The transaction did not commit: nothing the cache learned in it can be trusted. */
  forget(): void {
    this.accounts.clear();
    this.tag = null;
  }
}
