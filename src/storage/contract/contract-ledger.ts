/**
 * Contract: the ledger on a real store. Accounts and transfers round-trip exactly; balances as of
 * any past instant, statements and the trial balance agree with what was posted; pending transfers
 * expire; a rejected transfer or linked batch leaves every table byte-identical; a retried id never
 * posts twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BackendUnderTest, Harness } from '../../../test/support/backends.ts';
import { sweepExpiredPendingTransfers } from '../../app/jobs/expire-pending.ts';
import { getAccount, listEntries, trialBalance } from '../../app/ledger/ledger-reads.ts';
import { AccountFlag, TransferFlag } from '../../domain/ledger/types.ts';
import { snapshot, type TestLedger, testLedger, transfer } from './fixtures.ts';

export function ledgerContract(backend: BackendUnderTest): void {
  describe(`ledger on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let ledger: TestLedger;
    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
      ledger = testLedger(harness.store);
    });
    after(async () => harness?.dispose());

    it('opens accounts once: exists for the same body, exists_with_different_* otherwise', async () => {
      const input = {
        id: 'acc-a',
        ledger: 'plt',
        currency: 'EUR',
        code: '1000',
        flags: 0,
        metadata: { owner: 'mer_1' },
      };
      const [first] = await ledger.accounts([input]);
      assert.equal(first?.result, 'ok');
      const [again] = await ledger.accounts([input]);
      assert.equal(again?.result, 'exists');
      assert.deepEqual(again?.account, first?.account);
      const [other] = await ledger.accounts([{ ...input, currency: 'USD' }]);
      assert.equal(other?.result, 'exists_with_different_currency');
      const [flags] = await ledger.accounts([{ ...input, flags: AccountFlag.creditsMustNotExceedDebits }]);
      assert.equal(flags?.result, 'exists_with_different_flags');
      const stored = await harness.store.read((tx) => tx.ledger.accountsByIds(['acc-a']));
      assert.equal(stored.get('acc-a')?.metadata, '{"owner":"mer_1"}');
    });

    it('posts transfers, moving both totals, and answers one result per transfer in order', async () => {
      await ledger.open(['bank-1', 'bank-2']);
      await ledger.open(['mer-1'], { constrained: true });
      const results = await ledger.transfers([
        transfer('t-fund', 'bank-1', 'mer-1', 10_000n),
        transfer('t-over', 'mer-1', 'bank-2', 10_001n),
        transfer('t-pay', 'mer-1', 'bank-2', 2_500n),
        transfer('t-missing', 'mer-1', 'nobody', 1n),
      ]);
      assert.deepEqual(
        results.map((r) => r.result),
        ['ok', 'exceeds_credits', 'ok', 'credit_account_not_found'],
      );
      const accounts = await harness.store.read((tx) =>
        tx.ledger.accountsByIds(['bank-1', 'mer-1', 'bank-2']),
      );
      assert.equal(accounts.get('bank-1')?.debitsPosted, 10_000n);
      assert.equal(accounts.get('mer-1')?.creditsPosted, 10_000n);
      assert.equal(accounts.get('mer-1')?.debitsPosted, 2_500n);
      assert.equal(accounts.get('bank-2')?.creditsPosted, 2_500n);
      const stored = await harness.store.read((tx) => tx.ledger.transfer('t-pay'));
      assert.equal(stored?.amount, 2_500n);
      assert.equal(stored?.debitAccountAfter.debitsPosted, 2_500n);
      assert.equal(stored?.debitAccountAfter.creditsPosted, 10_000n);
      assert.match(stored?.hash ?? '', /^[0-9a-f]{64}$/);
    });

    it('never posts a retried id twice', async () => {
      const before = await snapshot(harness);
      const [retry] = await ledger.transfers([transfer('t-fund', 'bank-1', 'mer-1', 10_000n)]);
      assert.equal(retry?.result, 'exists');
      const [different] = await ledger.transfers([transfer('t-fund', 'bank-1', 'mer-1', 9_999n)]);
      assert.equal(different?.result, 'exists_with_different_amount');
      assert.equal(await snapshot(harness), before);
    });

    it('leaves every table byte-identical after a rejected transfer or a failed linked batch', async () => {
      const before = await snapshot(harness);
      const results = await ledger.transfers([
        transfer('l-1', 'bank-1', 'mer-1', 100n, { flags: TransferFlag.linked }),
        transfer('l-2', 'mer-1', 'bank-2', 1_000_000n, { flags: TransferFlag.linked }),
        transfer('l-3', 'bank-1', 'mer-1', 100n),
        transfer('bad-currency', 'bank-1', 'mer-1', 5n, { currency: 'EUR' }),
        transfer('zero', 'bank-1', 'mer-1', 0n),
      ]);
      assert.deepEqual(
        results.map((r) => r.result),
        [
          'linked_event_failed',
          'exceeds_credits',
          'linked_event_failed',
          'currencies_must_match',
          'amount_must_be_positive',
        ],
      );
      assert.equal(await snapshot(harness), before);
    });

    it('answers balances as of any past instant, and a statement with the totals after each entry', async () => {
      await ledger.open(['hist-bank', 'hist-mer']);
      const instants: bigint[] = [];
      for (const [index, amount] of [300n, 200n, 500n].entries()) {
        ledger.clock.advanceSeconds(60);
        const [r] = await ledger.transfers([transfer(`hist-${index}`, 'hist-bank', 'hist-mer', amount)]);
        assert.equal(r?.result, 'ok');
        instants.push(r?.timestamp as bigint);
      }
      const asOf = async (ns: bigint) => {
        const view = await harness.store.read((tx) => getAccount(tx, 'hist-mer', ns));
        assert.ok(view.ok);
        return view.value.balances.creditsPosted;
      };
      assert.equal(await asOf((instants[0] as bigint) - 1n), 0n);
      assert.equal(await asOf(instants[0] as bigint), 300n);
      assert.equal(await asOf((instants[1] as bigint) + 1n), 500n);
      assert.equal(await asOf(instants[2] as bigint), 1_000n);
      const beforeOpen = await harness.store.read((tx) => getAccount(tx, 'hist-mer', 1n));
      assert.equal(beforeOpen.ok, false);

      const first = await harness.store.read((tx) => listEntries(tx, 'hist-mer', { limit: 2, asOfNs: null }));
      assert.ok(first.ok);
      assert.deepEqual(
        first.value.entries.map((e) => [e.transfer.id, e.side, e.balancesAfter.creditsPosted]),
        [
          ['hist-0', 'credit', 300n],
          ['hist-1', 'credit', 500n],
        ],
      );
      assert.equal(first.value.hasMore, true);
      const second = await harness.store.read((tx) =>
        listEntries(tx, 'hist-mer', { startingAfter: 'hist-1', limit: 2, asOfNs: null }),
      );
      assert.ok(second.ok);
      assert.deepEqual(
        second.value.entries.map((e) => e.transfer.id),
        ['hist-2'],
      );
      assert.equal(second.value.hasMore, false);
      const cut = await harness.store.read((tx) =>
        listEntries(tx, 'hist-mer', { limit: 10, asOfNs: instants[1] as bigint }),
      );
      assert.ok(cut.ok);
      assert.equal(cut.value.entries.length, 2);
    });

    it('keeps the trial balance at zero per currency, now and as of the past', async () => {
      const now = await harness.store.read((tx) => trialBalance(tx, null));
      assert.ok(now.totals.size >= 1);
      for (const [, sum] of now.totals) {
        assert.equal(sum.debitsPosted, sum.creditsPosted);
        assert.equal(sum.debitsPending, sum.creditsPending);
      }
      const usd = now.totals.get('USD');
      const head = await harness.store.read((tx) => tx.ledger.head());
      const past = await harness.store.read((tx) => trialBalance(tx, head.lastTimestamp - 1n));
      const pastUsd = past.totals.get('USD');
      assert.ok(usd !== undefined && pastUsd !== undefined);
      assert.equal(pastUsd.debitsPosted, pastUsd.creditsPosted);
      assert.equal(
        usd.debitsPosted - pastUsd.debitsPosted,
        500n,
        'the last transfer (500) is not in the past balance',
      );
    });

    it('reserves with a pending transfer, posts part of it, and releases the rest', async () => {
      await ledger.open(['pp-bank']);
      await ledger.open(['pp-mer'], { constrained: true });
      await ledger.transfers([transfer('pp-fund', 'pp-bank', 'pp-mer', 1_000n)]);
      const [hold] = await ledger.transfers([
        transfer('pp-hold', 'pp-mer', 'pp-bank', 800n, { flags: TransferFlag.pending }),
      ]);
      assert.equal(hold?.result, 'ok');
      const [tooMuch] = await ledger.transfers([transfer('pp-more', 'pp-mer', 'pp-bank', 300n)]);
      assert.equal(tooMuch?.result, 'exceeds_credits', 'the reservation counts against the balance');
      const [post] = await ledger.transfers([
        { id: 'pp-post', pendingId: 'pp-hold', amount: 500n, flags: TransferFlag.postPending },
      ]);
      assert.equal(post?.result, 'ok');
      const [again] = await ledger.transfers([
        { id: 'pp-post-2', pendingId: 'pp-hold', flags: TransferFlag.voidPending },
      ]);
      assert.equal(again?.result, 'pending_transfer_already_posted');
      const mer = (await harness.store.read((tx) => tx.ledger.accountsByIds(['pp-mer']))).get('pp-mer');
      assert.equal(mer?.debitsPending, 0n);
      assert.equal(mer?.debitsPosted, 500n);
    });

    it('expires a pending transfer after its timeout, through the sweep or the next batch', async () => {
      await ledger.open(['ex-bank']);
      await ledger.open(['ex-mer'], { constrained: true });
      await ledger.transfers([transfer('ex-fund', 'ex-bank', 'ex-mer', 1_000n)]);
      await ledger.transfers([
        transfer('ex-hold-1', 'ex-mer', 'ex-bank', 400n, { flags: TransferFlag.pending, timeoutSeconds: 30 }),
        transfer('ex-hold-2', 'ex-mer', 'ex-bank', 600n, { flags: TransferFlag.pending, timeoutSeconds: 90 }),
      ]);
      assert.equal(await sweepExpiredPendingTransfers(ledger.app), 0);
      ledger.clock.advanceSeconds(31);
      assert.equal(await sweepExpiredPendingTransfers(ledger.app), 1);
      const [late] = await ledger.transfers([
        { id: 'ex-post-1', pendingId: 'ex-hold-1', flags: TransferFlag.postPending },
      ]);
      assert.equal(late?.result, 'pending_transfer_expired');
      ledger.clock.advanceSeconds(60);
      // No sweep: the next batch expires what is due before its own transfers.
      const [spend] = await ledger.transfers([transfer('ex-spend', 'ex-mer', 'ex-bank', 1_000n)]);
      assert.equal(spend?.result, 'ok');
      const expiry = await harness.store.read((tx) => tx.ledger.transfer('ex-hold-2~expiry'));
      assert.equal(expiry?.pendingId, 'ex-hold-2');
      assert.ok(((expiry?.flags ?? 0) & TransferFlag.expiry) !== 0);
      const due = await harness.store.read((tx) => tx.ledger.dueExpirations(ledger.clock.nowNs(), 10));
      assert.deepEqual(due, []);
    });

    it('forgets a rolled-back write: the next batch sees only committed balances', async () => {
      await ledger.open(['rb-bank']);
      await ledger.open(['rb-mer'], { constrained: true });
      await ledger.transfers([transfer('rb-fund', 'rb-bank', 'rb-mer', 100n)]);
      await assert.rejects(
        harness.store.write(async (tx) => {
          const { createTransfers } = await import('../../app/ledger/ledger-writes.ts');
          const [spent] = await createTransfers(tx, ledger.app, [
            transfer('rb-spend', 'rb-mer', 'rb-bank', 100n),
          ]);
          assert.equal(spent?.result, 'ok');
          throw new Error('the request failed after the ledger write');
        }),
        /after the ledger write/,
      );
      const [again] = await ledger.transfers([transfer('rb-spend-2', 'rb-mer', 'rb-bank', 100n)]);
      assert.equal(again?.result, 'ok', 'the rolled-back spend must not count');
      assert.equal(await harness.store.read((tx) => tx.ledger.transfer('rb-spend')), undefined);
    });

    it('commits concurrent writes independently: one that fails leaves the others standing', async () => {
      await ledger.open(['gc-bank', 'gc-mer']);
      const { createTransfers } = await import('../../app/ledger/ledger-writes.ts');
      const outcomes = await Promise.allSettled(
        [0, 1, 2, 3, 4].map((i) =>
          harness.store.write(async (tx) => {
            const [r] = await createTransfers(tx, ledger.app, [
              transfer(`gc-${i}`, 'gc-bank', 'gc-mer', 10n),
            ]);
            assert.equal(r?.result, 'ok');
            if (i === 2) throw new Error('this request fails after its write');
            return i;
          }),
        ),
      );
      assert.deepEqual(
        outcomes.map((o) => o.status),
        ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
      );
      const stored = await harness.store.read((tx) => tx.ledger.transfer('gc-2'));
      assert.equal(stored, undefined, 'the failed write left nothing');
      const mer = (await harness.store.read((tx) => tx.ledger.accountsByIds(['gc-mer']))).get('gc-mer');
      assert.equal(mer?.creditsPosted, 40n);
      const [after] = await ledger.transfers([transfer('gc-after', 'gc-bank', 'gc-mer', 1n)]);
      assert.equal(after?.result, 'ok');
    });

    // On SQLite a second connection in this thread would wait for the lock by sleeping the thread;
    // the bank invariant runs writers in threads of their own instead.
    const anotherConnection = backend.name === 'postgres' ? it : () => undefined;
    anotherConnection('sees a write made through another connection', async () => {
      await ledger.open(['oc-bank']);
      await ledger.open(['oc-mer'], { constrained: true });
      await ledger.transfers([transfer('oc-fund', 'oc-bank', 'oc-mer', 100n)]);
      const other = testLedger(harness.openAnother(), ledger.clock);
      const [elsewhere] = await other.transfers([transfer('oc-spend', 'oc-mer', 'oc-bank', 100n)]);
      assert.equal(elsewhere?.result, 'ok');
      const [here] = await ledger.transfers([transfer('oc-spend-2', 'oc-mer', 'oc-bank', 1n)]);
      assert.equal(here?.result, 'exceeds_credits', 'a stale cached balance would allow this');
    });

    it('lists accounts in id order with filters and a cursor', async () => {
      await ledger.open(['list-a', 'list-b', 'list-c'], { ledger: 'listing' });
      const page1 = await harness.store.read((tx) =>
        tx.ledger.listAccounts({ ledger: 'listing' }, { limit: 2 }),
      );
      assert.deepEqual(
        page1.map((a) => a.id),
        ['list-a', 'list-b'],
      );
      const page2 = await harness.store.read((tx) =>
        tx.ledger.listAccounts({ ledger: 'listing' }, { after: 'list-b', limit: 2 }),
      );
      assert.deepEqual(
        page2.map((a) => a.id),
        ['list-c'],
      );
    });
  });
}
