/**
 * Proves the documented check order (result-codes.ts): a transfer that breaks two rules at once
 * answers the rule that comes first in `transferResultCodes`, for every pair of rules that can be
 * broken together — plain transfers and posts/voids of a reservation alike — and a refused transfer
 * changes nothing, whichever rule refused it. A few orderings that matter to clients are spelled out
 * on their own: a retry answers `exists` before any balance rule, overflow comes before the balance
 * constraints, and the debit side's constraint before the credit side's.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  chart,
  hold,
  type LedgerHarness,
  move,
  openPlatformBooks,
  postOf,
  voidOf,
} from './ledger-harness.test-helper.ts';
import { amountMax } from './limits.ts';
import { type TransferResultCode, transferResultCodes } from './result-codes.ts';
import { TransferFlag, type TransferInput } from './types.ts';

type Field = keyof TransferInput;

/** One broken rule: how to break it on a valid input, and the fields that breaking it writes or relies on. */
interface Violation {
  readonly code: TransferResultCode;
  readonly fields: readonly Field[];
  readonly apply: (input: TransferInput) => TransferInput;
}

function rank(code: TransferResultCode): number {
  return transferResultCodes.indexOf(code);
}

/**
 * The merchant holds 1,000.00 and has four reservations of 100.00 to its supplier: one open, one
 * posted, one voided, one expired by sweep — and one whose deadline has passed but was not swept.
 */
function booksWithReservations(): LedgerHarness {
  const ledger = openPlatformBooks();
  const reserve = (id: string, timeoutSeconds = 0) =>
    hold(
      id,
      chart.merchant,
      chart.supplier,
      10_000n,
      timeoutSeconds === 0 ? { code: 'po' } : { code: 'po', timeoutSeconds },
    );
  assert.deepEqual(
    ledger.results([
      move('sales-1', chart.clearing, chart.merchant, 100_000n),
      reserve('hold-expired', 1),
      reserve('hold-late', 1),
    ]),
    ['ok', 'ok', 'ok'],
  );
  ledger.advanceSeconds(2);
  assert.deepEqual(
    ledger.results(
      [
        reserve('hold-open'),
        reserve('hold-posted'),
        reserve('hold-voided'),
        postOf('post-of-hold-posted', 'hold-posted'),
        voidOf('void-of-hold-voided', 'hold-voided'),
      ],
      { expirations: ['hold-expired'] },
    ),
    ['ok', 'ok', 'ok', 'ok', 'ok'],
  );
  return ledger;
}

const plainTransfer = move('fresh', chart.merchant, chart.supplier, 100n, { code: 'supplier_payment' });

const plainViolations: Violation[] = [
  { code: 'id_must_match_pattern', fields: ['id'], apply: (t) => ({ ...t, id: 'bad id' }) },
  { code: 'flags_are_unknown', fields: ['flags'], apply: (t) => ({ ...t, flags: 64 }) },
  {
    code: 'flags_are_mutually_exclusive',
    fields: ['flags'],
    apply: (t) => ({ ...t, flags: TransferFlag.pending | TransferFlag.postPending }),
  },
  {
    code: 'debit_account_id_must_not_be_empty',
    fields: ['debitAccountId'],
    apply: (t) => ({ ...t, debitAccountId: '' }),
  },
  {
    code: 'credit_account_id_must_not_be_empty',
    fields: ['creditAccountId'],
    apply: (t) => ({ ...t, creditAccountId: '' }),
  },
  {
    code: 'accounts_must_be_different',
    fields: ['creditAccountId', 'debitAccountId'],
    apply: (t) => ({ ...t, creditAccountId: chart.merchant }),
  },
  {
    code: 'pending_id_must_be_empty',
    fields: ['pendingId'],
    apply: (t) => ({ ...t, pendingId: 'hold-open' }),
  },
  {
    code: 'timeout_reserved_for_pending_transfer',
    fields: ['timeoutSeconds'],
    apply: (t) => ({ ...t, timeoutSeconds: 60 }),
  },
  {
    code: 'timeout_exceeds_maximum',
    fields: ['flags', 'timeoutSeconds'],
    apply: (t) => ({ ...t, flags: TransferFlag.pending, timeoutSeconds: -1 }),
  },
  { code: 'amount_must_be_positive', fields: ['amount'], apply: (t) => ({ ...t, amount: 0n }) },
  { code: 'amount_exceeds_maximum', fields: ['amount'], apply: (t) => ({ ...t, amount: amountMax + 1n }) },
  { code: 'currency_must_not_be_empty', fields: ['currency'], apply: (t) => ({ ...t, currency: '' }) },
  { code: 'code_must_match_pattern', fields: ['code'], apply: (t) => ({ ...t, code: 'bad code' }) },
  { code: 'metadata_invalid', fields: ['metadata'], apply: (t) => ({ ...t, metadata: { Bad: 'key' } }) },
  {
    code: 'debit_account_not_found',
    fields: ['debitAccountId'],
    apply: (t) => ({ ...t, debitAccountId: 'ghost-debit' }),
  },
  {
    code: 'credit_account_not_found',
    fields: ['creditAccountId'],
    apply: (t) => ({ ...t, creditAccountId: 'ghost-credit' }),
  },
  {
    code: 'accounts_must_have_the_same_ledger',
    fields: ['creditAccountId'],
    apply: (t) => ({ ...t, creditAccountId: chart.otherPlatform }),
  },
  { code: 'currencies_must_match', fields: ['currency'], apply: (t) => ({ ...t, currency: 'EUR' }) },
  {
    code: 'exceeds_credits',
    fields: ['amount', 'debitAccountId'],
    apply: (t) => ({ ...t, amount: 90_001n }),
  },
  {
    code: 'exceeds_debits',
    fields: ['creditAccountId'],
    apply: (t) => ({ ...t, creditAccountId: chart.advances }),
  },
];

const postOfOpen = postOf('fresh-post', 'hold-open');

const resolutionViolations: Violation[] = [
  { code: 'id_must_match_pattern', fields: ['id'], apply: (t) => ({ ...t, id: 'bad id' }) },
  { code: 'flags_are_unknown', fields: ['flags'], apply: (t) => ({ ...t, flags: t.flags | 64 }) },
  {
    code: 'flags_are_mutually_exclusive',
    fields: ['flags'],
    apply: (t) => ({ ...t, flags: TransferFlag.postPending | TransferFlag.voidPending }),
  },
  { code: 'pending_id_must_not_be_empty', fields: ['pendingId'], apply: (t) => ({ ...t, pendingId: '' }) },
  {
    code: 'pending_id_must_be_different',
    fields: ['pendingId', 'id'],
    apply: (t) => ({ ...t, pendingId: t.id }),
  },
  {
    code: 'timeout_reserved_for_pending_transfer',
    fields: ['timeoutSeconds'],
    apply: (t) => ({ ...t, timeoutSeconds: 60 }),
  },
  { code: 'amount_must_be_positive', fields: ['amount'], apply: (t) => ({ ...t, amount: 0n }) },
  { code: 'code_must_match_pattern', fields: ['code'], apply: (t) => ({ ...t, code: 'bad code' }) },
  { code: 'metadata_invalid', fields: ['metadata'], apply: (t) => ({ ...t, metadata: { Bad: 'key' } }) },
  {
    code: 'pending_transfer_not_found',
    fields: ['pendingId'],
    apply: (t) => ({ ...t, pendingId: 'hold-404' }),
  },
  {
    code: 'pending_transfer_not_pending',
    fields: ['pendingId'],
    apply: (t) => ({ ...t, pendingId: 'sales-1' }),
  },
  {
    code: 'pending_transfer_has_different_debit_account_id',
    fields: ['debitAccountId'],
    apply: (t) => ({ ...t, debitAccountId: chart.clearing }),
  },
  {
    code: 'pending_transfer_has_different_credit_account_id',
    fields: ['creditAccountId'],
    apply: (t) => ({ ...t, creditAccountId: chart.advances }),
  },
  {
    code: 'pending_transfer_has_different_currency',
    fields: ['currency'],
    apply: (t) => ({ ...t, currency: 'EUR' }),
  },
  {
    code: 'pending_transfer_has_different_code',
    fields: ['code'],
    apply: (t) => ({ ...t, code: 'other_code' }),
  },
  {
    code: 'exceeds_pending_transfer_amount',
    fields: ['amount', 'flags'],
    apply: (t) => ({ ...t, amount: 10_001n }),
  },
  {
    code: 'pending_transfer_has_different_amount',
    fields: ['amount', 'flags'],
    apply: (t) => ({ ...t, flags: TransferFlag.voidPending, amount: 9_999n }),
  },
  {
    code: 'exists_with_different_flags',
    fields: ['id', 'flags'],
    apply: (t) => ({ ...t, id: 'void-of-hold-voided' }),
  },
  {
    code: 'pending_transfer_already_posted',
    fields: ['pendingId'],
    apply: (t) => ({ ...t, pendingId: 'hold-posted' }),
  },
  {
    code: 'pending_transfer_already_voided',
    fields: ['pendingId'],
    apply: (t) => ({ ...t, pendingId: 'hold-voided' }),
  },
  {
    code: 'pending_transfer_expired',
    fields: ['pendingId'],
    apply: (t) => ({ ...t, pendingId: 'hold-expired' }),
  },
];

// A reservation past its deadline but not yet swept is refused just like a swept one.
resolutionViolations.push({
  code: 'pending_transfer_expired',
  fields: ['pendingId'],
  apply: (t) => ({ ...t, pendingId: 'hold-late' }),
});

function checkPairs(base: TransferInput, violations: readonly Violation[]): number {
  const ledger = booksWithReservations();
  // The base transfer is valid: on a copy of the books it answers ok.
  assert.deepEqual(ledger.clone().results([base], { expirations: [] }), ['ok']);
  const before = ledger.snapshot();
  let checked = 0;
  for (const [i, first] of violations.entries()) {
    for (const second of violations.slice(i)) {
      if (first !== second && first.fields.some((field) => second.fields.includes(field))) continue;
      const input = second.apply(first.apply(base));
      const expected = rank(first.code) <= rank(second.code) ? first.code : second.code;
      // Without a sweep, so that `hold-late` is still open in storage when the post arrives.
      const [result] = ledger.results([input], { expirations: [] });
      assert.equal(result, expected, `${first.code} + ${second.code}: ${JSON.stringify(input, bigints)}`);
      checked += 1;
    }
  }
  assert.equal(ledger.snapshot(), before, 'a refused transfer changed the stored state');
  return checked;
}

describe('check order: the first broken rule in result-codes.ts answers', () => {
  it('for every pair of rules a plain transfer can break together', () => {
    const checked = checkPairs(plainTransfer, plainViolations);
    assert.ok(checked > 150, `only ${checked} combinations`);
  });

  it('for every pair of rules a post or void of a reservation can break together', () => {
    const checked = checkPairs(postOfOpen, resolutionViolations);
    assert.ok(checked > 150, `only ${checked} combinations`);
  });

  it('answers exists to a retry before the balance rule it would now break', () => {
    const ledger = booksWithReservations();
    const payment = move('pay-1', chart.merchant, chart.supplier, 50_000n);
    assert.deepEqual(ledger.results([payment, move('pay-2', chart.merchant, chart.supplier, 20_000n)]), [
      'ok',
      'ok',
    ]);
    assert.deepEqual(ledger.results([payment]), ['exists']);
    assert.deepEqual(ledger.results([{ ...payment, amount: 50_001n }]), ['exists_with_different_amount']);
    assert.deepEqual(ledger.results([{ ...payment, amount: 50_001n, code: 'other' }]), [
      'exists_with_different_amount',
    ]);
    assert.deepEqual(ledger.results([{ ...payment, code: 'other', metadata: { a: 'b' } }]), [
      'exists_with_different_code',
    ]);
  });

  it('answers exceeds_credits before exceeds_debits when both sides are constrained', () => {
    const ledger = openPlatformBooks();
    assert.deepEqual(ledger.results([move('sales-1', chart.clearing, chart.merchant, 60_000n)]), ['ok']);
    // The merchant has 600.00; the receivable has nothing advanced to repay.
    assert.deepEqual(ledger.results([move('repay', chart.merchant, chart.advances, 60_001n)]), [
      'exceeds_credits',
    ]);
    assert.deepEqual(ledger.results([move('repay', chart.merchant, chart.advances, 60_000n)]), [
      'exceeds_debits',
    ]);
  });

  it('answers a look-up failure before idempotency: a retry naming an unknown account', () => {
    const ledger = booksWithReservations();
    assert.deepEqual(ledger.results([move('sales-1', chart.clearing, 'ghost', 100_000n)]), [
      'credit_account_not_found',
    ]);
    assert.deepEqual(ledger.results([postOf('post-of-hold-posted', 'hold-404')]), [
      'pending_transfer_not_found',
    ]);
    assert.deepEqual(ledger.results([postOf('post-of-hold-posted', 'hold-posted')]), ['exists']);
  });
});

function bigints(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
