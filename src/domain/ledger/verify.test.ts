/**
 * Proves LedgerVerifier accepts a real history — sales, payments, reservations posted in full and
 * in part, voided and expired, a linked chain — however it is paged, and names the first broken
 * rule when the stored ledger was tampered with: a transfer altered, removed, reordered or appended
 * without its hash; a forger who recomputes the hash chain is still caught by the recomputed totals,
 * the chain head, the account seals and the balance constraints.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accountSeal, chainTransfers, genesisHash } from './hash-chain.ts';
import {
  chain,
  chart,
  hold,
  type LedgerHarness,
  move,
  openPlatformBooks,
  postOf,
  type StoredLedger,
  sha256Hex,
  verifyHistory,
  voidOf,
} from './ledger-harness.test-helper.ts';
import { AccountFlag, type ChainedTransfer, TransferFlag } from './types.ts';

/** A month of a merchant's business in a few batches. */
function businessHistory(): LedgerHarness {
  const ledger = openPlatformBooks();
  const batches = [
    [
      move('sales-1', chart.clearing, chart.merchant, 100_000n),
      move('sales-eur', chart.clearingEur, chart.merchantEur, 5_000n, { currency: 'EUR' }),
    ],
    [
      hold('po-1', chart.merchant, chart.supplier, 30_000n),
      hold('po-2', chart.merchant, chart.supplier, 20_000n),
    ],
    [postOf('po-1-delivered', 'po-1', { amount: 25_000n }), voidOf('po-2-cancelled', 'po-2')],
    [hold('po-3', chart.merchant, chart.supplier, 10_000n, { timeoutSeconds: 60 })],
    ...[
      chain(
        move('advance-1', chart.advances, chart.merchant, 50_000n),
        move('advance-1-fee', chart.merchant, chart.clearing, 1_500n),
      ),
    ],
    [move('repay-1', chart.merchant, chart.advances, 20_000n)],
  ];
  for (const batch of batches) assert.ok(ledger.results(batch).every((result) => result === 'ok'));
  ledger.advanceSeconds(120);
  assert.equal(ledger.sweep().length, 1, 'po-3 expired');
  assert.deepEqual(ledger.results([move('pay-1', chart.merchant, chart.supplier, 5_000n)]), ['ok']);
  return ledger;
}

function stored(ledger: LedgerHarness): StoredLedger {
  return {
    accounts: [...ledger.accounts.values()].map((account) => ({
      account,
      seal: ledger.seals.get(account.id)!,
    })),
    transfers: ledger.history,
    head: {
      lastHash: ledger.lastHash,
      transferCount: BigInt(ledger.history.length),
      lastTimestamp: ledger.lastTimestamp,
    },
  };
}

/** What a forger with the hash function does after editing: recompute every hash and the head. */
function rechained(ledger: StoredLedger, transfers: readonly ChainedTransfer[]): StoredLedger {
  const chained = chainTransfers(sha256Hex, genesisHash, transfers);
  return {
    ...ledger,
    transfers: chained,
    head: {
      lastHash: chained[chained.length - 1]?.hash ?? genesisHash,
      transferCount: BigInt(chained.length),
      lastTimestamp: [
        ...ledger.accounts.map(({ account }) => account.timestamp),
        ...chained.map((transfer) => transfer.timestamp),
      ].reduce((a, b) => (a > b ? a : b), 0n),
    },
  };
}

function indexOf(ledger: StoredLedger, id: string): number {
  const index = ledger.transfers.findIndex((transfer) => transfer.id === id);
  assert.ok(index >= 0, `no transfer ${id}`);
  return index;
}

function replace(
  ledger: StoredLedger,
  id: string,
  change: (transfer: ChainedTransfer) => ChainedTransfer,
): ChainedTransfer[] {
  const at = indexOf(ledger, id);
  return ledger.transfers.map((transfer, index) => (index === at ? change(transfer) : transfer));
}

describe('LedgerVerifier on an untouched ledger', () => {
  it('accepts the whole history, whatever the page size', () => {
    const intact = stored(businessHistory());
    assert.ok(intact.transfers.length >= 12);
    for (const pageSize of [1, 2, 5, 1_000]) assert.equal(verifyHistory(intact, pageSize), null);
  });

  it('accepts an empty ledger', () => {
    const ledger = openPlatformBooks();
    assert.equal(verifyHistory(stored(ledger)), null);
  });
});

describe('LedgerVerifier on a tampered ledger', () => {
  const ledger = businessHistory();
  const intact = stored(ledger);

  it('names the altered transfer when an amount changes: hash_mismatch', () => {
    const failure = verifyHistory({
      ...intact,
      transfers: replace(intact, 'po-1-delivered', (t) => ({ ...t, amount: t.amount + 1n })),
    });
    assert.equal(failure?.rule, 'hash_mismatch');
    assert.match(failure.detail, /^transfer po-1-delivered \(#\d+ in ledger order\)/);
  });

  it('catches an altered recorded balance: hash_mismatch', () => {
    const failure = verifyHistory({
      ...intact,
      transfers: replace(intact, 'sales-1', (t) => ({
        ...t,
        creditAccountAfter: {
          ...t.creditAccountAfter,
          creditsPosted: t.creditAccountAfter.creditsPosted + 100n,
        },
      })),
    });
    assert.equal(failure?.rule, 'hash_mismatch');
  });

  it('catches a transfer removed from the middle at the one after it', () => {
    const at = indexOf(intact, 'po-2-cancelled');
    const failure = verifyHistory({
      ...intact,
      transfers: intact.transfers.filter((_, index) => index !== at),
    });
    assert.equal(failure?.rule, 'hash_mismatch');
    assert.match(failure.detail, new RegExp(`^transfer ${intact.transfers[at + 1]!.id} `));
  });

  it('catches transfers removed from the end by the chain head', () => {
    const shorter = intact.transfers.slice(0, -1);
    assert.equal(verifyHistory({ ...intact, transfers: shorter })?.rule, 'transfer_count_mismatch');
    const failure = verifyHistory({
      ...intact,
      transfers: shorter,
      head: { ...intact.head, transferCount: intact.head.transferCount - 1n },
    });
    assert.equal(failure?.rule, 'chain_head_mismatch');
  });

  it('catches a chain head whose last timestamp is not the last stored one', () => {
    // The next write's timestamps start after it: behind, they would collide with stored ones.
    for (const delta of [-1n, 1n]) {
      const failure = verifyHistory({
        ...intact,
        head: { ...intact.head, lastTimestamp: intact.head.lastTimestamp + delta },
      });
      assert.equal(failure?.rule, 'chain_head_mismatch');
      assert.match(failure.detail, /last timestamp/);
    }
  });

  it('catches two transfers swapped: by their hashes, and by their timestamps once rechained', () => {
    // sales-1 and sales-eur touch different accounts, so only their order gives them away.
    const swapped = [...intact.transfers];
    assert.deepEqual([swapped[0]!.id, swapped[1]!.id], ['sales-1', 'sales-eur']);
    [swapped[0], swapped[1]] = [swapped[1]!, swapped[0]!];
    assert.equal(verifyHistory({ ...intact, transfers: swapped })?.rule, 'hash_mismatch');
    assert.equal(verifyHistory(rechained(intact, swapped))?.rule, 'timestamp_order');
  });

  it("catches an account's altered flags by its seal", () => {
    const accounts = intact.accounts.map((sealed) =>
      sealed.account.id === chart.merchant ? { ...sealed, account: { ...sealed.account, flags: 0 } } : sealed,
    );
    const failure = verifyHistory({ ...intact, accounts });
    assert.equal(failure?.rule, 'account_seal_mismatch');
    assert.match(failure.detail, /merchant-wallet/);
  });

  it("catches an account's altered stored totals", () => {
    const accounts = intact.accounts.map((sealed) =>
      sealed.account.id === chart.supplier
        ? { ...sealed, account: { ...sealed.account, creditsPosted: sealed.account.creditsPosted + 1n } }
        : sealed,
    );
    assert.equal(verifyHistory({ ...intact, accounts })?.rule, 'account_totals_mismatch');
  });

  describe('by a forger who recomputes the hash chain', () => {
    it('still catches an altered amount: the recorded totals no longer add up', () => {
      const altered = replace(intact, 'pay-1', (t) => ({ ...t, amount: t.amount + 1n }));
      assert.equal(verifyHistory(rechained(intact, altered))?.rule, 'recorded_totals_mismatch');
    });

    it('still catches an altered recorded balance', () => {
      const altered = replace(intact, 'sales-1', (t) => ({
        ...t,
        debitAccountAfter: { ...t.debitAccountAfter, debitsPosted: t.debitAccountAfter.debitsPosted - 1n },
      }));
      assert.equal(verifyHistory(rechained(intact, altered))?.rule, 'recorded_totals_mismatch');
    });

    it('still catches a transfer rewritten consistently: the stored account totals disagree', () => {
      const altered = replace(intact, 'pay-1', (t) => ({
        ...t,
        amount: t.amount + 1n,
        debitAccountAfter: { ...t.debitAccountAfter, debitsPosted: t.debitAccountAfter.debitsPosted + 1n },
        creditAccountAfter: {
          ...t.creditAccountAfter,
          creditsPosted: t.creditAccountAfter.creditsPosted + 1n,
        },
      }));
      assert.equal(verifyHistory(rechained(intact, altered))?.rule, 'account_totals_mismatch');
    });

    it('still catches a transfer removed from the middle', () => {
      const at = indexOf(intact, 'sales-1');
      const failure = verifyHistory(
        rechained(
          intact,
          intact.transfers.filter((_, index) => index !== at),
        ),
      );
      assert.equal(failure?.rule, 'recorded_totals_mismatch');
    });

    it('still catches a post whose reservation was removed', () => {
      const at = indexOf(intact, 'po-1');
      const failure = verifyHistory(
        rechained(
          intact,
          intact.transfers.filter((_, index) => index !== at),
        ),
      );
      // The next transfer on those accounts (po-2) already disagrees with the recomputed totals.
      assert.equal(failure?.rule, 'recorded_totals_mismatch');
      const post = indexOf(intact, 'po-1-delivered');
      const onlyPost = intact.transfers.filter(
        (transfer, index) => index === post || transfer.id === 'sales-1',
      );
      assert.equal(verifyHistory(rechained(intact, onlyPost))?.rule, 'pending_resolution_invalid');
    });

    it('still catches a post beyond its reservation, and a reservation resolved twice', () => {
      const over = replace(intact, 'po-1-delivered', (t) => ({ ...t, amount: 30_001n }));
      assert.equal(verifyHistory(rechained(intact, over))?.rule, 'pending_resolution_invalid');
      const twice = replace(intact, 'po-2-cancelled', (t) => ({ ...t, pendingId: 'po-1', amount: 30_000n }));
      const failure = verifyHistory(rechained(intact, twice));
      assert.equal(failure?.rule, 'pending_resolution_invalid');
      assert.match(failure.detail, /po-1 is resolved twice/);
    });

    it('still catches a transfer between accounts of another currency', () => {
      const altered = replace(intact, 'sales-eur', (t) => ({ ...t, currency: 'USD' }));
      assert.equal(verifyHistory(rechained(intact, altered))?.rule, 'currency_mismatch');
    });

    it('still catches a transfer naming an account that does not exist', () => {
      const altered = replace(intact, 'sales-1', (t) => ({ ...t, creditAccountId: 'ghost-wallet' }));
      const found = verifyHistory(rechained(intact, altered));
      assert.equal(found?.rule, 'account_missing');
      assert.match(
        found?.detail ?? '',
        /transfer sales-1 .*: its credit account ghost-wallet does not exist/,
      );
    });

    it('still catches a flag added and resealed when the history breaks it: constraint_violated', () => {
      const accounts = intact.accounts.map((sealed) => {
        if (sealed.account.id !== chart.clearing) return sealed;
        const account = { ...sealed.account, flags: AccountFlag.debitsMustNotExceedCredits };
        return { account, seal: accountSeal(sha256Hex, account) };
      });
      const failure = verifyHistory({ ...intact, accounts });
      assert.equal(failure?.rule, 'constraint_violated');
      assert.match(failure.detail, /^transfer sales-1 /);
    });

    it('still catches an expiry forged into a post', () => {
      const altered = replace(intact, 'po-3~expiry', (t) => ({ ...t, flags: TransferFlag.postPending }));
      const failure = verifyHistory(rechained(intact, altered));
      assert.equal(failure?.rule, 'recorded_totals_mismatch');
    });
  });
});
