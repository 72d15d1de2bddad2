/**
 * Proves the single-phase rules of executeTransferBatch as the product's story: sales settle into a
 * merchant's wallet, the merchant pays its supplier, an advance is disbursed and repaid. Every
 * reachable result code of a plain transfer is answered for its own reason — static validation,
 * look-ups, idempotency (`exists` and each reachable `exists_with_different_*`), the 64-bit overflow
 * limits, the balance constraints — with balances shown before and after, and every rejection
 * leaves the stored state byte-identical.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  accountInput,
  chart,
  debitsMustNotExceedCredits,
  hold,
  LedgerHarness,
  move,
  openPlatformBooks,
  postOf,
  without,
} from './ledger-harness.test-helper.ts';
import { amountMax, timeoutSecondsMax } from './limits.ts';
import type { TransferResultCode } from './result-codes.ts';
import { TransferFlag, type TransferInput } from './types.ts';

/** Sales proceeds of `amount` cents settle from the platform's clearing account into the wallet. */
function settleSales(ledger: LedgerHarness, id: string, amount: bigint): void {
  assert.deepEqual(ledger.results([move(id, chart.clearing, chart.merchant, amount, { code: 'sales' })]), [
    'ok',
  ]);
}

/** Runs one transfer that must be refused, and proves the refusal changed nothing. */
function refuse(ledger: LedgerHarness, input: TransferInput): TransferResultCode {
  const before = ledger.snapshot();
  const [result, ...rest] = ledger.results([input]);
  assert.equal(rest.length, 0);
  assert.notEqual(result, 'ok', `${input.id} should have been refused`);
  assert.equal(ledger.snapshot(), before, `${input.id} (${result}) changed the stored state`);
  return result!;
}

describe('single-phase transfers: a merchant wallet', () => {
  it('settles sales into the wallet and pays the supplier from it (ok, both sides move by the amount)', () => {
    const ledger = openPlatformBooks();
    settleSales(ledger, 'sales-2025-06-15', 10_000n);
    assert.equal(ledger.creditBalance(chart.merchant), 10_000n);
    assert.equal(ledger.creditBalance(chart.clearing), -10_000n);

    const report = ledger.execute([move('pay-supplier-1', chart.merchant, chart.supplier, 2_500n)]);
    assert.deepEqual(report.results, ['ok']);
    assert.equal(ledger.creditBalance(chart.merchant), 7_500n);
    assert.equal(ledger.creditBalance(chart.supplier), 2_500n);

    const payment = ledger.transfer('pay-supplier-1');
    assert.equal(payment.timestamp, report.timestampFirst);
    assert.equal(payment.ledger, 'platform-a');
    assert.equal(payment.currency, 'USD');
    assert.equal(payment.expiresAt, null);
    // Each transfer records both accounts' totals right after it: balances "as of" any instant.
    assert.deepEqual(payment.debitAccountAfter, {
      debitsPending: 0n,
      debitsPosted: 2_500n,
      creditsPending: 0n,
      creditsPosted: 10_000n,
    });
    assert.deepEqual(payment.creditAccountAfter, {
      debitsPending: 0n,
      debitsPosted: 0n,
      creditsPending: 0n,
      creditsPosted: 2_500n,
    });
  });

  it('refuses to pay more than the wallet holds: exceeds_credits, nothing moves', () => {
    const ledger = openPlatformBooks();
    settleSales(ledger, 'sales-1', 1_000n);
    assert.equal(
      refuse(ledger, move('pay-too-much', chart.merchant, chart.supplier, 1_001n)),
      'exceeds_credits',
    );
    assert.equal(ledger.creditBalance(chart.merchant), 1_000n);
    // Exactly the balance is fine: the wallet may reach zero, not go below it.
    assert.deepEqual(ledger.results([move('pay-all', chart.merchant, chart.supplier, 1_000n)]), ['ok']);
    assert.equal(ledger.creditBalance(chart.merchant), 0n);
    assert.equal(refuse(ledger, move('pay-one-more', chart.merchant, chart.supplier, 1n)), 'exceeds_credits');
  });

  it('refuses to repay an advance beyond what was advanced: exceeds_debits', () => {
    const ledger = openPlatformBooks();
    // The receivable may be credited only up to what was debited to it, so the first repayment of
    // a merchant with no advance is refused even though the wallet could pay it.
    settleSales(ledger, 'sales-1', 5_000n);
    assert.equal(
      refuse(ledger, move('repay-0', chart.merchant, chart.advances, 1n, { code: 'repayment' })),
      'exceeds_debits',
    );
    assert.deepEqual(
      ledger.results([move('advance-1', chart.advances, chart.merchant, 3_000n, { code: 'disbursement' })]),
      ['ok'],
    );
    assert.deepEqual(
      ledger.results([move('repay-1', chart.merchant, chart.advances, 2_000n, { code: 'repayment' })]),
      ['ok'],
    );
    assert.equal(
      refuse(ledger, move('repay-2', chart.merchant, chart.advances, 1_001n, { code: 'repayment' })),
      'exceeds_debits',
    );
    assert.deepEqual(
      ledger.results([move('repay-3', chart.merchant, chart.advances, 1_000n, { code: 'repayment' })]),
      ['ok'],
    );
    assert.equal(ledger.account(chart.advances).debitsPosted, ledger.account(chart.advances).creditsPosted);
  });

  it('lets an unconstrained clearing account go negative: the platform owes what it settled', () => {
    const ledger = openPlatformBooks();
    settleSales(ledger, 'sales-1', 1_000_000n);
    assert.equal(ledger.creditBalance(chart.clearing), -1_000_000n);
  });

  it('gives every transfer a unique, consecutive timestamp in input order', () => {
    const ledger = openPlatformBooks();
    const report = ledger.execute([
      move('sales-1', chart.clearing, chart.merchant, 100n),
      move('bad', chart.merchant, chart.supplier, 0n),
      move('sales-2', chart.clearing, chart.merchant, 100n),
    ]);
    assert.deepEqual(report.results, ['ok', 'amount_must_be_positive', 'ok']);
    assert.deepEqual(
      report.created.map((transfer) => transfer.timestamp),
      [report.timestampFirst, report.timestampFirst + 1n],
    );
  });
});

describe('idempotency: a transfer id is used once', () => {
  it('answers exists to a retry and moves nothing, even when the transfer would now be refused', () => {
    const ledger = openPlatformBooks();
    settleSales(ledger, 'sales-1', 1_000n);
    const payment = move('pay-supplier-1', chart.merchant, chart.supplier, 600n, {
      metadata: { order_id: 'po-7' },
    });
    assert.deepEqual(ledger.results([payment]), ['ok']);
    // The wallet now holds 400: a fresh payment of 600 would exceed its credits, the retry does not.
    assert.equal(refuse(ledger, payment), 'exists');
    assert.equal(ledger.creditBalance(chart.merchant), 400n);
    assert.equal(ledger.creditBalance(chart.supplier), 600n);
  });

  it('answers exists to the second of two equal transfers in one batch', () => {
    const ledger = openPlatformBooks();
    const sales = move('sales-1', chart.clearing, chart.merchant, 700n);
    assert.deepEqual(ledger.results([sales, sales]), ['ok', 'exists']);
    assert.equal(ledger.creditBalance(chart.merchant), 700n);
  });

  it('names the first field that differs from the stored transfer with the same id', () => {
    const ledger = openPlatformBooks();
    settleSales(ledger, 'sales-1', 10_000n);
    const payment = move('pay-1', chart.merchant, chart.supplier, 600n, {
      code: 'supplier_payment',
      metadata: { order_id: 'po-7', invoice_id: 'inv-3' },
    });
    const reservation = hold('hold-1', chart.merchant, chart.supplier, 100n);
    const otherReservation = hold('hold-2', chart.merchant, chart.supplier, 100n);
    const release = postOf('release-1', 'hold-1');
    assert.deepEqual(ledger.results([payment, reservation, otherReservation, release]), [
      'ok',
      'ok',
      'ok',
      'ok',
    ]);

    const retries: [TransferInput, TransferResultCode][] = [
      [{ ...payment, flags: TransferFlag.pending }, 'exists_with_different_flags'],
      [{ ...release, pendingId: 'hold-2' }, 'exists_with_different_pending_id'],
      [{ ...payment, debitAccountId: chart.clearing }, 'exists_with_different_debit_account_id'],
      [{ ...payment, creditAccountId: chart.advances }, 'exists_with_different_credit_account_id'],
      [{ ...payment, amount: 601n }, 'exists_with_different_amount'],
      [{ ...reservation, timeoutSeconds: 60 }, 'exists_with_different_timeout'],
      [{ ...payment, code: 'other_payment' }, 'exists_with_different_code'],
      [{ ...payment, metadata: { order_id: 'po-8', invoice_id: 'inv-3' } }, 'exists_with_different_metadata'],
      [without(payment, 'metadata'), 'exists_with_different_metadata'],
      // Metadata is compared in canonical form: key order does not matter.
      [{ ...payment, metadata: { invoice_id: 'inv-3', order_id: 'po-7' } }, 'exists'],
      [release, 'exists'],
    ];
    for (const [retry, expected] of retries)
      assert.equal(refuse(ledger, retry), expected, JSON.stringify(retry, bigints));
  });

  it('cannot reach exists_with_different_currency: an account never changes currency, so look-ups answer first', () => {
    const ledger = openPlatformBooks();
    const sales = move('sales-1', chart.clearing, chart.merchant, 700n);
    assert.deepEqual(ledger.results([sales]), ['ok']);
    assert.equal(refuse(ledger, { ...sales, currency: 'EUR' }), 'currencies_must_match');
    assert.equal(
      refuse(ledger, {
        ...sales,
        debitAccountId: chart.clearingEur,
        creditAccountId: chart.merchantEur,
        currency: 'EUR',
      }),
      'exists_with_different_debit_account_id',
    );
    // A post takes its currency from its reservation, which is checked before the retry is.
    const reservation = hold('hold-1', chart.merchant, chart.supplier, 100n);
    const release = postOf('release-1', 'hold-1');
    assert.deepEqual(ledger.results([reservation, release]), ['ok', 'ok']);
    assert.equal(refuse(ledger, { ...release, currency: 'EUR' }), 'pending_transfer_has_different_currency');
  });
});

describe('look-ups: accounts must exist and agree', () => {
  it('answers debit_account_not_found and credit_account_not_found for unknown accounts', () => {
    const ledger = openPlatformBooks();
    assert.equal(
      refuse(ledger, move('t-1', 'ghost-wallet', chart.merchant, 100n)),
      'debit_account_not_found',
    );
    assert.equal(
      refuse(ledger, move('t-2', chart.clearing, 'ghost-wallet', 100n)),
      'credit_account_not_found',
    );
    assert.equal(refuse(ledger, move('t-3', 'ghost-a', 'ghost-b', 100n)), 'debit_account_not_found');
  });

  it('answers accounts_must_have_the_same_ledger when money would cross between platforms', () => {
    const ledger = openPlatformBooks();
    assert.equal(
      refuse(ledger, move('t-1', chart.otherPlatform, chart.merchant, 100n)),
      'accounts_must_have_the_same_ledger',
    );
  });

  it('answers currencies_must_match across currencies, and when the transfer names another currency', () => {
    const ledger = openPlatformBooks();
    assert.equal(
      refuse(ledger, move('t-1', chart.clearing, chart.merchantEur, 100n)),
      'currencies_must_match',
    );
    assert.equal(
      refuse(ledger, move('t-2', chart.clearingEur, chart.merchantEur, 100n, { currency: 'USD' })),
      'currencies_must_match',
    );
    assert.deepEqual(
      ledger.results([move('t-3', chart.clearingEur, chart.merchantEur, 100n, { currency: 'EUR' })]),
      ['ok'],
    );
  });
});

describe('static validation: malformed transfers are refused before any look-up', () => {
  const valid = move('pay-1', chart.clearing, chart.merchant, 100n);
  const cases: [string, TransferInput, TransferResultCode][] = [
    ['an empty id', { ...valid, id: '' }, 'id_must_match_pattern'],
    ['an id with a space', { ...valid, id: 'pay 1' }, 'id_must_match_pattern'],
    ["the ledger's own expiry id", { ...valid, id: 'hold-1~expiry' }, 'id_must_match_pattern'],
    ['an id of 65 characters', { ...valid, id: 'p'.repeat(65) }, 'id_must_match_pattern'],
    ['an unknown flag', { ...valid, flags: 64 }, 'flags_are_unknown'],
    [
      'the expiry flag, which only the ledger sets',
      { ...valid, flags: TransferFlag.expiry },
      'flags_are_unknown',
    ],
    [
      'pending and post at once',
      { ...valid, flags: TransferFlag.pending | TransferFlag.postPending },
      'flags_are_mutually_exclusive',
    ],
    [
      'post and void at once',
      { ...valid, flags: TransferFlag.postPending | TransferFlag.voidPending },
      'flags_are_mutually_exclusive',
    ],
    ['no debit account', without(valid, 'debitAccountId'), 'debit_account_id_must_not_be_empty'],
    ['an empty debit account', { ...valid, debitAccountId: '' }, 'debit_account_id_must_not_be_empty'],
    ['no credit account', without(valid, 'creditAccountId'), 'credit_account_id_must_not_be_empty'],
    [
      'one account on both sides',
      { ...valid, creditAccountId: chart.clearing },
      'accounts_must_be_different',
    ],
    ['a pending id on a plain transfer', { ...valid, pendingId: 'hold-1' }, 'pending_id_must_be_empty'],
    [
      'a timeout on a plain transfer',
      { ...valid, timeoutSeconds: 60 },
      'timeout_reserved_for_pending_transfer',
    ],
    [
      'a timeout beyond the maximum',
      { ...valid, flags: TransferFlag.pending, timeoutSeconds: timeoutSecondsMax + 1 },
      'timeout_exceeds_maximum',
    ],
    [
      'a negative timeout',
      { ...valid, flags: TransferFlag.pending, timeoutSeconds: -1 },
      'timeout_exceeds_maximum',
    ],
    [
      'a fractional timeout',
      { ...valid, flags: TransferFlag.pending, timeoutSeconds: 1.5 },
      'timeout_exceeds_maximum',
    ],
    ['no amount', without(valid, 'amount'), 'amount_must_be_positive'],
    ['a zero amount', { ...valid, amount: 0n }, 'amount_must_be_positive'],
    ['a negative amount', { ...valid, amount: -100n }, 'amount_must_be_positive'],
    ['an amount beyond int64', { ...valid, amount: amountMax + 1n }, 'amount_exceeds_maximum'],
    ['no currency', without(valid, 'currency'), 'currency_must_not_be_empty'],
    ['an empty currency', { ...valid, currency: '' }, 'currency_must_not_be_empty'],
    ['no code', without(valid, 'code'), 'code_must_match_pattern'],
    ['a code with a space', { ...valid, code: 'sales settlement' }, 'code_must_match_pattern'],
    ['a metadata key in capitals', { ...valid, metadata: { OrderId: 'po-1' } }, 'metadata_invalid'],
    ['a metadata value too long', { ...valid, metadata: { order_id: 'x'.repeat(257) } }, 'metadata_invalid'],
  ];
  for (const [story, input, expected] of cases) {
    it(`answers ${expected} for ${story}`, () => {
      const ledger = openPlatformBooks();
      assert.equal(refuse(ledger, input), expected);
    });
  }

  it('accepts the limits themselves: an amount of 2^63 - 1 and the longest timeout', () => {
    const ledger = openPlatformBooks();
    assert.deepEqual(
      ledger.results([
        move('max-amount', chart.clearing, chart.merchant, amountMax),
        hold('max-timeout', chart.merchant, chart.supplier, 1n, { timeoutSeconds: timeoutSecondsMax }),
      ]),
      ['ok', 'ok'],
    );
    const longest = ledger.transfer('max-timeout');
    assert.equal(longest.expiresAt, longest.timestamp + BigInt(timeoutSecondsMax) * 1_000_000_000n);
  });
});

describe('overflow: account totals stay within signed 64 bits', () => {
  /** Three unconstrained accounts, so only the arithmetic limits can refuse. */
  function openTreasury(): LedgerHarness {
    const ledger = new LedgerHarness();
    const results = ledger.openAccounts([accountInput('a'), accountInput('b'), accountInput('c')]);
    assert.deepEqual(results, ['ok', 'ok', 'ok']);
    return ledger;
  }
  const cases: [TransferInput, TransferInput, TransferResultCode][] = [
    [hold('first', 'a', 'b', amountMax), hold('second', 'a', 'c', 1n), 'overflows_debits_pending'],
    [hold('first', 'a', 'c', amountMax), hold('second', 'b', 'c', 1n), 'overflows_credits_pending'],
    [move('first', 'a', 'b', amountMax), move('second', 'a', 'c', 1n), 'overflows_debits_posted'],
    [move('first', 'a', 'c', amountMax), move('second', 'b', 'c', 1n), 'overflows_credits_posted'],
    [hold('first', 'a', 'b', amountMax), move('second', 'a', 'c', 1n), 'overflows_debits'],
    [hold('first', 'a', 'c', amountMax), move('second', 'b', 'c', 1n), 'overflows_credits'],
  ];
  for (const [first, second, expected] of cases) {
    it(`answers ${expected} when ${second.id} would push a total past 2^63 - 1`, () => {
      const ledger = openTreasury();
      assert.deepEqual(ledger.results([first]), ['ok']);
      assert.equal(refuse(ledger, second), expected);
    });
  }

  it('checks overflow before balance constraints', () => {
    const ledger = new LedgerHarness();
    ledger.openAccounts([
      accountInput('a'),
      accountInput('wallet', { flags: debitsMustNotExceedCredits }),
      accountInput('c'),
    ]);
    assert.deepEqual(
      ledger.results([move('fund', 'a', 'wallet', 10n), move('fill', 'a', 'c', amountMax - 10n)]),
      ['ok', 'ok'],
    );
    // The wallet holds 10 and `c` has room for 10 more: paying it 11 breaks both rules.
    assert.equal(refuse(ledger, move('both', 'wallet', 'c', 11n)), 'overflows_credits_posted');
  });
});

function bigints(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
