/**
 * The ledger over HTTP, as an operator uses it: open accounts, post a batch with one result per
 * transfer (200 even when some are rejected), reserve and post in two phases, read balances now
 * and as of an earlier instant, page through a statement, check the trial balance, and list the
 * daily checkpoints.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { checkpointClosedDays } from '../../app/ledger/checkpoints.ts';
import { dayNumberOfInstant } from '../../domain/time/instant.ts';
import { checkpointView } from '../views.ts';

for (const backend of backendsUnderTest) {
  describe(`ledger API on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    const clock = () => api.app.clock as ManualClock;
    before(async () => {
      api = await startTestServer(backend);
    });
    after(async () => api?.close());

    it('opens accounts, idempotently, and refuses a conflicting re-open', async () => {
      const cash = await api.request('POST', '/v1/ledger/accounts', {
        body: {
          id: 'cash',
          ledger: 'plt_acme',
          currency: 'USD',
          code: '1000',
          metadata: { purpose: 'settlement' },
        },
      });
      assert.equal(cash.status, 200);
      assert.deepEqual(
        { ...cash.json, created_at: undefined, timestamp: undefined },
        {
          object: 'ledger_account',
          id: 'cash',
          ledger: 'plt_acme',
          currency: 'USD',
          code: '1000',
          flags: [],
          metadata: { purpose: 'settlement' },
          debits_pending: '0',
          debits_posted: '0',
          credits_pending: '0',
          credits_posted: '0',
          created_at: undefined,
          timestamp: undefined,
        },
      );
      const merchant = await api.request('POST', '/v1/ledger/accounts', {
        body: {
          id: 'mer_1-wallet',
          ledger: 'plt_acme',
          currency: 'USD',
          code: '2000',
          flags: ['debits_must_not_exceed_credits'],
        },
      });
      assert.deepEqual(merchant.json.flags, ['debits_must_not_exceed_credits']);
      const again = await api.request('POST', '/v1/ledger/accounts', {
        body: {
          id: 'cash',
          ledger: 'plt_acme',
          currency: 'USD',
          code: '1000',
          metadata: { purpose: 'settlement' },
        },
      });
      assert.equal(again.status, 200);
      assert.equal(again.json.timestamp, cash.json.timestamp);
      const conflict = await api.request('POST', '/v1/ledger/accounts', {
        body: { id: 'cash', ledger: 'plt_acme', currency: 'EUR', code: '1000' },
      });
      assert.equal(conflict.status, 409);
      assert.equal(conflict.json.code, 'exists_with_different_currency');
      const badCurrency = await api.request('POST', '/v1/ledger/accounts', {
        body: { ledger: 'plt_acme', currency: 'XYZ', code: '1' },
      });
      assert.equal(badCurrency.status, 400);
      assert.equal(badCurrency.json.code, 'currency_must_be_valid');
      const generated = await api.request('POST', '/v1/ledger/accounts', {
        body: { ledger: 'plt_acme', currency: 'EUR', code: '1000' },
      });
      assert.match(generated.json.id, /^lac_/);
    });

    it('answers one result per transfer, in order, with 200 even when some are rejected', async () => {
      clock().advanceSeconds(10);
      const response = await api.request('POST', '/v1/ledger/transfers', {
        body: {
          transfers: [
            {
              id: 'payout-1',
              debit_account_id: 'cash',
              credit_account_id: 'mer_1-wallet',
              amount: '10000',
              currency: 'USD',
              code: 'payout',
              metadata: { settlement: 'stl_1' },
            },
            {
              id: 'fee-1',
              debit_account_id: 'mer_1-wallet',
              credit_account_id: 'cash',
              amount: '20000',
              currency: 'USD',
              code: 'fee',
            },
            {
              id: 'same',
              debit_account_id: 'cash',
              credit_account_id: 'cash',
              amount: '1',
              currency: 'USD',
              code: 'x',
            },
            {
              id: 'eur',
              debit_account_id: 'cash',
              credit_account_id: 'mer_1-wallet',
              amount: '1',
              currency: 'EUR',
              code: 'x',
            },
            {
              id: 'neg',
              debit_account_id: 'cash',
              credit_account_id: 'mer_1-wallet',
              amount: '-5',
              currency: 'USD',
              code: 'x',
            },
          ],
        },
      });
      assert.equal(response.status, 200);
      assert.deepEqual(
        response.json.results.map((r: { id: string; result: string }) => [r.id, r.result]),
        [
          ['payout-1', 'ok'],
          ['fee-1', 'exceeds_credits'],
          ['same', 'accounts_must_be_different'],
          ['eur', 'currencies_must_match'],
          ['neg', 'amount_must_be_positive'],
        ],
      );
      assert.match(response.json.results[0].timestamp, /^[0-9]+$/);
      const transfer = await api.request('GET', '/v1/ledger/transfers/payout-1');
      assert.equal(transfer.json.amount, '10000');
      assert.deepEqual(transfer.json.metadata, { settlement: 'stl_1' });
      const missing = await api.request('GET', '/v1/ledger/transfers/fee-1');
      assert.equal(missing.status, 404);
      assert.equal(missing.json.code, 'transfer_not_found');
    });

    it('reserves with a pending transfer and posts part of it', async () => {
      clock().advanceSeconds(10);
      const hold = await api.request('POST', '/v1/ledger/transfers', {
        body: {
          transfers: [
            {
              id: 'hold-1',
              debit_account_id: 'mer_1-wallet',
              credit_account_id: 'cash',
              amount: '4000',
              currency: 'USD',
              code: 'repayment',
              flags: ['pending'],
              timeout_seconds: 3600,
            },
          ],
        },
      });
      assert.equal(hold.json.results[0].result, 'ok');
      const reserved = await api.request('GET', '/v1/ledger/accounts/mer_1-wallet');
      assert.equal(reserved.json.debits_pending, '4000');
      clock().advanceSeconds(10);
      const post = await api.request('POST', '/v1/ledger/transfers', {
        body: {
          transfers: [{ id: 'hold-1-post', pending_id: 'hold-1', amount: '2500', flags: ['post_pending'] }],
        },
      });
      assert.equal(post.json.results[0].result, 'ok');
      const after = await api.request('GET', '/v1/ledger/accounts/mer_1-wallet');
      assert.equal(after.json.debits_pending, '0');
      assert.equal(after.json.debits_posted, '2500');
      assert.equal(after.json.credits_posted, '10000');
    });

    it('answers balances as of an earlier instant', async () => {
      const hold = await api.request('GET', '/v1/ledger/transfers/hold-1');
      const instant = BigInt(hold.json.timestamp);
      const seconds = instant / 1_000_000_000n;
      const iso = new Date(Number(seconds) * 1000).toISOString().replace('.000Z', '');
      const nanos = String(instant % 1_000_000_000n).padStart(9, '0');
      const asOf = await api.request('GET', `/v1/ledger/accounts/mer_1-wallet?as_of=${iso}.${nanos}Z`);
      assert.equal(asOf.status, 200);
      assert.equal(asOf.json.debits_pending, '4000');
      assert.equal(asOf.json.debits_posted, '0');
      assert.equal(asOf.json.as_of_timestamp, instant.toString());
      const bad = await api.request('GET', '/v1/ledger/accounts/mer_1-wallet?as_of=yesterday');
      assert.equal(bad.status, 400);
      assert.equal(bad.json.param, 'as_of');
      const beforeOpening = await api.request('GET', '/v1/ledger/accounts/mer_1-wallet?as_of=2000-01-01');
      assert.equal(beforeOpening.status, 404);
    });

    it('refuses an as_of the ledger cannot hold (signed 64-bit nanoseconds), not failing on it', async () => {
      for (const asOf of ['9999-12-31', '2262-04-12', '0001-01-01', '1677-09-21T00:00:00Z']) {
        for (const path of [
          `/v1/ledger/accounts/mer_1-wallet?as_of=${asOf}`,
          `/v1/ledger/accounts/mer_1-wallet/entries?as_of=${asOf}`,
          `/v1/ledger/trial_balance?as_of=${asOf}`,
        ]) {
          const response = await api.request('GET', path);
          assert.equal(response.status, 400, `${path}: ${response.text}`);
          assert.equal(response.json.code, 'parameter_invalid', path);
          assert.equal(response.json.param, 'as_of', path);
        }
      }
      // The last instant it can hold is still an instant.
      const last = await api.request('GET', '/v1/ledger/trial_balance?as_of=2262-04-11T23:47:16.854775807Z');
      assert.equal(last.status, 200, last.text);
      assert.equal(last.json.as_of_timestamp, (2n ** 63n - 1n).toString());
    });

    it('pages through a statement with the balances after each entry', async () => {
      const first = await api.request('GET', '/v1/ledger/accounts/mer_1-wallet/entries?limit=2');
      assert.equal(first.status, 200);
      assert.equal(first.json.has_more, true);
      assert.deepEqual(
        first.json.data.map((e: { id: string; side: string }) => [e.id, e.side]),
        [
          ['payout-1', 'credit'],
          ['hold-1', 'debit'],
        ],
      );
      assert.equal(first.json.data[1].balances_after.debits_pending, '4000');
      const second = await api.request(
        'GET',
        '/v1/ledger/accounts/mer_1-wallet/entries?limit=2&starting_after=hold-1',
      );
      assert.deepEqual(
        second.json.data.map((e: { id: string }) => e.id),
        ['hold-1-post'],
      );
      assert.equal(second.json.has_more, false);
      const unknownCursor = await api.request(
        'GET',
        '/v1/ledger/accounts/mer_1-wallet/entries?starting_after=nope',
      );
      assert.equal(unknownCursor.json.code, 'starting_after_not_found');
      assert.equal(unknownCursor.json.param, 'starting_after');
    });

    it('keeps the trial balance at zero per currency', async () => {
      const balance = await api.request('GET', '/v1/ledger/trial_balance');
      assert.equal(balance.status, 200);
      const usd = balance.json.totals.find((t: { currency: string }) => t.currency === 'USD');
      assert.deepEqual(usd, {
        currency: 'USD',
        debits_posted: '12500',
        credits_posted: '12500',
        debits_pending: '0',
        credits_pending: '0',
        balanced: true,
      });
      const accounts = await api.request('GET', '/v1/ledger/accounts?ledger=plt_acme&currency=USD&limit=1');
      assert.equal(accounts.json.data.length, 1);
      assert.equal(accounts.json.has_more, true);
    });

    it("retrieves the ledger's own expiry of a pending transfer whose id is as long as an id may be", async () => {
      // The expiry's id is `<pending id>~expiry`: seven characters past the longest client id.
      const hold = 'h'.repeat(64);
      clock().advanceSeconds(10);
      const reserved = await api.request('POST', '/v1/ledger/transfers', {
        body: {
          transfers: [
            {
              id: hold,
              debit_account_id: 'cash',
              credit_account_id: 'mer_1-wallet',
              amount: '100',
              currency: 'USD',
              code: 'hold',
              flags: ['pending'],
              timeout_seconds: 1,
            },
          ],
        },
      });
      assert.equal(reserved.json.results[0].result, 'ok');
      clock().advanceSeconds(2);
      const late = await api.request('POST', '/v1/ledger/transfers', {
        body: { transfers: [{ id: 'long-hold-post', pending_id: hold, flags: ['post_pending'] }] },
      });
      assert.equal(late.json.results[0].result, 'pending_transfer_expired');
      const statement = await api.request('GET', '/v1/ledger/accounts/cash/entries?limit=100');
      assert.ok(statement.json.data.some((entry: { id: string }) => entry.id === `${hold}~expiry`));
      const expiry = await api.request('GET', `/v1/ledger/transfers/${hold}~expiry`);
      assert.equal(expiry.status, 200, expiry.text);
      assert.equal(expiry.json.pending_id, hold);
      assert.deepEqual(expiry.json.flags, ['void_pending', 'expiry']);
      // Past that length no stored transfer can have the id: still refused as a parameter.
      const tooLong = await api.request('GET', `/v1/ledger/transfers/${'x'.repeat(72)}`);
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.json.param, 'id');
    });

    it('lists the daily checkpoints, oldest first, paged by starting_after, to operators', async () => {
      const none = await api.request('GET', '/v1/ledger/checkpoints');
      assert.deepEqual(none.json, {
        object: 'list',
        url: '/v1/ledger/checkpoints',
        data: [],
        has_more: false,
      });
      const today = dayNumberOfInstant(clock().nowNs());
      clock().advanceSeconds(3 * 86_400);
      const made = await checkpointClosedDays(api.app, today + 2);
      assert.equal(made.at(-1)?.day, today + 2);
      assert.ok(made.length >= 3);
      const first = await api.request('GET', '/v1/ledger/checkpoints?limit=2');
      assert.equal(first.status, 200);
      assert.equal(first.json.has_more, true);
      assert.deepEqual(first.json.data, made.slice(0, 2).map(checkpointView));
      assert.equal(first.json.data[0].object, 'ledger_checkpoint');
      assert.match(first.json.data[0].id, /^lcp_\d{4}-\d{2}-\d{2}$/);
      const rest = await api.request(
        'GET',
        `/v1/ledger/checkpoints?limit=100&starting_after=${first.json.data[1].id}`,
      );
      assert.equal(rest.json.has_more, false);
      assert.deepEqual(rest.json.data, made.slice(2).map(checkpointView));
      for (const cursor of ['lcp_1999-01-01', 'lcp_2026-02-30', 'yesterday']) {
        const refused = await api.request('GET', `/v1/ledger/checkpoints?starting_after=${cursor}`);
        assert.equal(refused.status, 400, cursor);
        assert.equal(refused.json.code, 'starting_after_not_found');
        assert.equal(refused.json.param, 'starting_after');
      }
      assert.equal((await api.request('GET', '/v1/ledger/checkpoints', { key: null })).status, 401);
    });
  });
}
