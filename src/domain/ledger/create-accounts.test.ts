/**
 * Proves createAccounts opens a platform's accounts with zero balances and consecutive timestamps,
 * answers each account result code for its own reason in the documented order, answers `exists` to
 * a repeated account (in a later batch or the same one) and `exists_with_different_*` naming the
 * first field that differs, and never consumes a timestamp for an account it refuses.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAccounts } from './create-accounts.ts';
import {
  accountInput,
  creditsMustNotExceedDebits,
  debitsMustNotExceedCredits,
} from './ledger-harness.test-helper.ts';
import { type AccountResultCode, accountResultCodes } from './result-codes.ts';
import type { Account, AccountInput } from './types.ts';

const timestampFirst = 1_000n;

function openOne(input: AccountInput, existing: ReadonlyMap<string, Account> = new Map()): AccountResultCode {
  const outcome = createAccounts(existing, [input], timestampFirst);
  assert.equal(outcome.results.length, 1);
  if (outcome.results[0] !== 'ok') {
    assert.deepEqual(outcome.created, [], 'a refused account is not created');
    assert.equal(outcome.lastTimestamp, timestampFirst - 1n, 'a refused account uses no timestamp');
  }
  return outcome.results[0]!;
}

describe('opening accounts', () => {
  it("opens a merchant's wallet with zero balances, canonical metadata and the first timestamp", () => {
    const outcome = createAccounts(
      new Map(),
      [
        {
          ...accountInput('merchant-42-wallet', { flags: debitsMustNotExceedCredits }),
          metadata: { merchant_id: 'm-42', platform: 'shop-a' },
        },
        accountInput('advance-receivable', { flags: creditsMustNotExceedDebits }),
      ],
      timestampFirst,
    );
    assert.deepEqual(outcome.results, ['ok', 'ok']);
    assert.equal(outcome.lastTimestamp, timestampFirst + 1n);
    assert.deepEqual(outcome.created[0], {
      id: 'merchant-42-wallet',
      ledger: 'platform-a',
      currency: 'USD',
      code: 'wallet',
      flags: debitsMustNotExceedCredits,
      metadata: '{"merchant_id":"m-42","platform":"shop-a"}',
      timestamp: timestampFirst,
      debitsPending: 0n,
      debitsPosted: 0n,
      creditsPending: 0n,
      creditsPosted: 0n,
    });
    assert.equal(outcome.created[1]!.timestamp, timestampFirst + 1n);
  });

  it('stores empty metadata as none', () => {
    const outcome = createAccounts(new Map(), [{ ...accountInput('w'), metadata: {} }], timestampFirst);
    assert.equal(outcome.created[0]!.metadata, null);
  });

  it('answers each account result code for its own reason', () => {
    const cases: [string, AccountInput, AccountResultCode][] = [
      ['an id with a space', accountInput('merchant wallet'), 'id_must_match_pattern'],
      ['an empty id', accountInput(''), 'id_must_match_pattern'],
      ['an id with ~', accountInput('wallet~1'), 'id_must_match_pattern'],
      ['an id of 65 characters', accountInput('w'.repeat(65)), 'id_must_match_pattern'],
      ['an empty ledger', accountInput('w', { ledger: '' }), 'ledger_must_match_pattern'],
      [
        'a ledger starting with a dash',
        accountInput('w', { ledger: '-platform' }),
        'ledger_must_match_pattern',
      ],
      ['a code with a slash', accountInput('w', { code: 'wallet/usd' }), 'code_must_match_pattern'],
      ['a lowercase currency', accountInput('w', { currency: 'usd' }), 'currency_must_be_valid'],
      ['an unknown currency', accountInput('w', { currency: 'ABC' }), 'currency_must_be_valid'],
      ['a withdrawn currency', accountInput('w', { currency: 'HRK' }), 'currency_must_be_valid'],
      ['gold, which has no minor unit', accountInput('w', { currency: 'XAU' }), 'currency_must_be_valid'],
      ['an unknown flag', accountInput('w', { flags: 4 }), 'flags_are_unknown'],
      [
        'both balance constraints',
        accountInput('w', { flags: debitsMustNotExceedCredits | creditsMustNotExceedDebits }),
        'flags_are_mutually_exclusive',
      ],
      [
        'a metadata key with a dash',
        { ...accountInput('w'), metadata: { 'merchant-id': 'm-1' } },
        'metadata_invalid',
      ],
      [
        'seventeen metadata keys',
        {
          ...accountInput('w'),
          metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])),
        },
        'metadata_invalid',
      ],
    ];
    for (const [story, input, expected] of cases) assert.equal(openOne(input), expected, story);
  });

  it('checks the rules in the documented order', () => {
    const broken = {
      ...accountInput(' ', { ledger: '', code: '', currency: 'usd', flags: 7 }),
      metadata: { K: 'v' },
    };
    const order: AccountResultCode[] = [];
    let input: AccountInput = broken;
    // Repair one field at a time: each repair reveals the next rule in order.
    const repairs: ((input: AccountInput) => AccountInput)[] = [
      (i) => ({ ...i, id: 'w' }),
      (i) => ({ ...i, ledger: 'platform-a' }),
      (i) => ({ ...i, code: 'wallet' }),
      (i) => ({ ...i, currency: 'USD' }),
      (i) => ({ ...i, flags: 3 }),
      (i) => ({ ...i, flags: 1 }),
      (i) => ({ ...i, metadata: { k: 'v' } }),
    ];
    for (const repair of repairs) {
      order.push(openOne(input));
      input = repair(input);
    }
    order.push(openOne(input));
    assert.deepEqual(order, [
      'id_must_match_pattern',
      'ledger_must_match_pattern',
      'code_must_match_pattern',
      'currency_must_be_valid',
      'flags_are_unknown',
      'flags_are_mutually_exclusive',
      'metadata_invalid',
      'ok',
    ]);
    assert.deepEqual(
      order.slice(0, -1),
      accountResultCodes.filter((code) => order.includes(code) && code !== 'ok'),
    );
  });
});

describe('an account id is used once', () => {
  const wallet: AccountInput = {
    ...accountInput('merchant-42-wallet', { flags: debitsMustNotExceedCredits }),
    metadata: { merchant_id: 'm-42', platform: 'shop-a' },
  };
  const stored = createAccounts(new Map(), [wallet], 1n).created[0]!;
  const existing = new Map([[stored.id, stored]]);

  it('answers exists to the same account again, whatever the order of its metadata', () => {
    assert.equal(openOne(wallet, existing), 'exists');
    assert.equal(
      openOne({ ...wallet, metadata: { platform: 'shop-a', merchant_id: 'm-42' } }, existing),
      'exists',
    );
  });

  it('names the first field that differs', () => {
    const cases: [AccountInput, AccountResultCode][] = [
      [{ ...wallet, ledger: 'platform-b' }, 'exists_with_different_ledger'],
      [{ ...wallet, currency: 'EUR' }, 'exists_with_different_currency'],
      [{ ...wallet, code: 'savings' }, 'exists_with_different_code'],
      [{ ...wallet, flags: 0 }, 'exists_with_different_flags'],
      [{ ...wallet, flags: creditsMustNotExceedDebits }, 'exists_with_different_flags'],
      [
        { ...wallet, metadata: { merchant_id: 'm-43', platform: 'shop-a' } },
        'exists_with_different_metadata',
      ],
      [{ ...wallet, metadata: { merchant_id: 'm-42' } }, 'exists_with_different_metadata'],
      [
        { ...accountInput('merchant-42-wallet', { flags: debitsMustNotExceedCredits }) },
        'exists_with_different_metadata',
      ],
      [
        { ...wallet, ledger: 'platform-b', currency: 'EUR', code: 'savings', flags: 0 },
        'exists_with_different_ledger',
      ],
      [{ ...wallet, currency: 'EUR', metadata: {} }, 'exists_with_different_currency'],
    ];
    for (const [input, expected] of cases)
      assert.equal(openOne(input, existing), expected, JSON.stringify(input));
  });

  it('validates before comparing: a malformed repeat answers its validation code', () => {
    assert.equal(openOne({ ...wallet, currency: 'usd' }, existing), 'currency_must_be_valid');
  });

  it('answers exists to a repeat within one batch, and consumes no timestamp for it', () => {
    const outcome = createAccounts(
      new Map(),
      [wallet, { ...wallet, code: 'other' }, wallet, accountInput('bad id'), accountInput('supplier-wallet')],
      timestampFirst,
    );
    assert.deepEqual(outcome.results, [
      'ok',
      'exists_with_different_code',
      'exists',
      'id_must_match_pattern',
      'ok',
    ]);
    assert.deepEqual(
      outcome.created.map((account) => [account.id, account.timestamp]),
      [
        ['merchant-42-wallet', timestampFirst],
        ['supplier-wallet', timestampFirst + 1n],
      ],
    );
    assert.equal(outcome.lastTimestamp, timestampFirst + 1n);
  });
});
