/**
 * Proves two-phase transfers as the story of a purchase order: the merchant's payment to its
 * supplier is reserved (pending) when the order is confirmed — and the reservation counts against
 * the wallet's balance at once — then posted in full on delivery, posted in part on a short delivery
 * (the rest is released), voided on cancellation, or expired when the order times out, both by a
 * sweep (expirations passed in) and by a post arriving after the deadline without one. A retried
 * post or void answers `exists`; every other resolution of a settled reservation answers the code of
 * how it was settled; and every resolution that is refused leaves the stored state byte-identical.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expiryTransferId } from './create-transfers.ts';
import {
  chart,
  hold,
  type LedgerHarness,
  move,
  openPlatformBooks,
  postOf,
  voidOf,
} from './ledger-harness.test-helper.ts';
import { nanosecondsPerSecond } from './limits.ts';
import type { TransferResultCode } from './result-codes.ts';
import { TransferFlag, type TransferInput } from './types.ts';

/** A merchant with 1,000.00 in its wallet from settled sales. */
function merchantWithSales(): LedgerHarness {
  const ledger = openPlatformBooks();
  assert.deepEqual(ledger.results([move('sales-1', chart.clearing, chart.merchant, 100_000n)]), ['ok']);
  return ledger;
}

function reserve(ledger: LedgerHarness, id: string, amount: bigint, timeoutSeconds = 0): void {
  const input = hold(id, chart.merchant, chart.supplier, amount, { code: 'po_payment' });
  assert.deepEqual(ledger.results([timeoutSeconds === 0 ? input : { ...input, timeoutSeconds }]), ['ok']);
}

function refuse(
  ledger: LedgerHarness,
  input: TransferInput,
  options: { expirations?: string[] } = {},
): TransferResultCode {
  const before = ledger.snapshot();
  const [result] = ledger.results([input], options);
  assert.notEqual(result, 'ok', `${input.id} should have been refused`);
  assert.equal(ledger.snapshot(), before, `${input.id} (${result}) changed the stored state`);
  return result!;
}

describe('a reservation (pending transfer)', () => {
  it('reserves the amount on both sides without posting it', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 70_000n);
    const merchant = ledger.account(chart.merchant);
    const supplier = ledger.account(chart.supplier);
    assert.equal(merchant.debitsPending, 70_000n);
    assert.equal(merchant.debitsPosted, 0n);
    assert.equal(supplier.creditsPending, 70_000n);
    assert.equal(supplier.creditsPosted, 0n);
    assert.equal(ledger.transfer('po-1-payment').expiresAt, null, 'no timeout, no expiry');
  });

  it('counts against debits_must_not_exceed_credits, so a reservation can always be posted', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 70_000n);
    // 1,000.00 held, 700.00 reserved: 300.01 more is refused, whether reserved or paid outright.
    assert.equal(refuse(ledger, move('pay-now', chart.merchant, chart.supplier, 30_001n)), 'exceeds_credits');
    assert.equal(
      refuse(ledger, hold('po-2-payment', chart.merchant, chart.supplier, 30_001n)),
      'exceeds_credits',
    );
    assert.deepEqual(ledger.results([move('pay-now', chart.merchant, chart.supplier, 30_000n)]), ['ok']);
    assert.deepEqual(ledger.results([postOf('po-1-delivered', 'po-1-payment')]), ['ok']);
    assert.equal(ledger.creditBalance(chart.merchant), 0n);
  });

  it('counts a pending credit against credits_must_not_exceed_debits', () => {
    const ledger = merchantWithSales();
    assert.deepEqual(ledger.results([move('advance-1', chart.advances, chart.merchant, 5_000n)]), ['ok']);
    assert.deepEqual(ledger.results([hold('repay-hold', chart.merchant, chart.advances, 4_000n)]), ['ok']);
    assert.equal(refuse(ledger, move('repay-1', chart.merchant, chart.advances, 1_001n)), 'exceeds_debits');
  });
});

describe('posting and voiding a reservation', () => {
  it('posts in full on delivery: pending becomes posted', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 70_000n);
    assert.deepEqual(ledger.results([postOf('po-1-delivered', 'po-1-payment')]), ['ok']);
    const merchant = ledger.account(chart.merchant);
    assert.equal(merchant.debitsPending, 0n);
    assert.equal(merchant.debitsPosted, 70_000n);
    assert.equal(ledger.account(chart.supplier).creditsPosted, 70_000n);
    const post = ledger.transfer('po-1-delivered');
    assert.equal(post.amount, 70_000n);
    assert.equal(post.pendingId, 'po-1-payment');
    assert.equal(post.debitAccountId, chart.merchant);
    assert.equal(post.code, 'po_payment', 'a post inherits the code of its reservation');
    assert.equal(ledger.resolutions.get('po-1-payment'), post);
  });

  it('posts in part on a short delivery and releases the rest', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 70_000n);
    assert.deepEqual(ledger.results([postOf('po-1-delivered', 'po-1-payment', { amount: 45_000n })]), ['ok']);
    const merchant = ledger.account(chart.merchant);
    assert.equal(merchant.debitsPending, 0n, 'the undelivered 250.00 is no longer reserved');
    assert.equal(merchant.debitsPosted, 45_000n);
    assert.equal(ledger.account(chart.supplier).creditsPosted, 45_000n);
    assert.equal(ledger.account(chart.supplier).creditsPending, 0n);
    assert.equal(ledger.transfer('po-1-delivered').amount, 45_000n);
    // The released amount is spendable again.
    assert.deepEqual(ledger.results([move('pay-rest', chart.merchant, chart.supplier, 55_000n)]), ['ok']);
  });

  it('voids on cancellation: the reservation is released and nothing is posted', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 70_000n);
    assert.deepEqual(ledger.results([voidOf('po-1-cancelled', 'po-1-payment')]), ['ok']);
    const merchant = ledger.account(chart.merchant);
    assert.equal(merchant.debitsPending, 0n);
    assert.equal(merchant.debitsPosted, 0n);
    assert.equal(ledger.account(chart.supplier).creditsPending, 0n);
    assert.equal(ledger.transfer('po-1-cancelled').amount, 70_000n, 'a void records the amount it released');
  });

  it('posts a reservation made earlier in the same batch', () => {
    const ledger = merchantWithSales();
    assert.deepEqual(
      ledger.results([
        hold('po-1-payment', chart.merchant, chart.supplier, 10_000n),
        postOf('po-1-delivered', 'po-1-payment', { amount: 4_000n }),
      ]),
      ['ok', 'ok'],
    );
    assert.equal(ledger.account(chart.merchant).debitsPosted, 4_000n);
    assert.equal(ledger.account(chart.merchant).debitsPending, 0n);
  });

  it('answers exists to a retried post or void, which moves nothing twice', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 70_000n);
    reserve(ledger, 'po-2-payment', 10_000n);
    const delivered = postOf('po-1-delivered', 'po-1-payment', { amount: 60_000n });
    const cancelled = voidOf('po-2-cancelled', 'po-2-payment');
    assert.deepEqual(ledger.results([delivered, cancelled]), ['ok', 'ok']);
    assert.equal(refuse(ledger, delivered), 'exists');
    assert.equal(refuse(ledger, cancelled), 'exists');
    assert.equal(refuse(ledger, { ...delivered, amount: 70_000n }), 'exists_with_different_amount');
    assert.equal(ledger.account(chart.merchant).debitsPosted, 60_000n);
  });

  it('answers how the reservation was settled to a second, different resolution', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 10_000n);
    reserve(ledger, 'po-2-payment', 10_000n);
    assert.deepEqual(
      ledger.results([postOf('po-1-delivered', 'po-1-payment'), voidOf('po-2-cancelled', 'po-2-payment')]),
      ['ok', 'ok'],
    );
    assert.equal(refuse(ledger, postOf('po-1-again', 'po-1-payment')), 'pending_transfer_already_posted');
    assert.equal(refuse(ledger, voidOf('po-1-cancel', 'po-1-payment')), 'pending_transfer_already_posted');
    assert.equal(refuse(ledger, postOf('po-2-deliver', 'po-2-payment')), 'pending_transfer_already_voided');
    assert.equal(refuse(ledger, voidOf('po-2-again', 'po-2-payment')), 'pending_transfer_already_voided');
  });

  it('answers pending_transfer_already_posted to a second post in the same batch', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 10_000n);
    assert.deepEqual(
      ledger.results([postOf('po-1-delivered', 'po-1-payment'), postOf('po-1-again', 'po-1-payment')]),
      ['ok', 'pending_transfer_already_posted'],
    );
  });

  it('refuses a post beyond the reservation and a void of another amount', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 10_000n);
    assert.equal(
      refuse(ledger, postOf('po-1-delivered', 'po-1-payment', { amount: 10_001n })),
      'exceeds_pending_transfer_amount',
    );
    assert.equal(
      refuse(ledger, voidOf('po-1-cancelled', 'po-1-payment', { amount: 9_999n })),
      'pending_transfer_has_different_amount',
    );
    assert.equal(
      refuse(ledger, voidOf('po-1-cancelled', 'po-1-payment', { amount: 10_001n })),
      'pending_transfer_has_different_amount',
    );
    assert.equal(
      refuse(ledger, postOf('po-1-delivered', 'po-1-payment', { amount: 0n })),
      'amount_must_be_positive',
    );
    // The void may repeat the reserved amount.
    assert.deepEqual(ledger.results([voidOf('po-1-cancelled', 'po-1-payment', { amount: 10_000n })]), ['ok']);
  });

  it('refuses resolutions that name a missing, plain or differently described reservation', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 10_000n);
    const cases: [TransferInput, TransferResultCode][] = [
      [{ id: 'post-1', flags: TransferFlag.postPending }, 'pending_id_must_not_be_empty'],
      [postOf('post-1', ''), 'pending_id_must_not_be_empty'],
      [postOf('post-1', 'post-1'), 'pending_id_must_be_different'],
      [postOf('post-1', 'po-1-payment', { timeoutSeconds: 60 }), 'timeout_reserved_for_pending_transfer'],
      [postOf('post-1', 'po-1-payment', { code: 'not a code' }), 'code_must_match_pattern'],
      [postOf('post-1', 'po-1-payment', { metadata: { Bad: 'key' } }), 'metadata_invalid'],
      [postOf('post-1', 'po-404'), 'pending_transfer_not_found'],
      [postOf('post-1', 'sales-1'), 'pending_transfer_not_pending'],
      [
        postOf('post-1', 'po-1-payment', { debitAccountId: chart.clearing }),
        'pending_transfer_has_different_debit_account_id',
      ],
      [
        postOf('post-1', 'po-1-payment', { creditAccountId: chart.advances }),
        'pending_transfer_has_different_credit_account_id',
      ],
      [postOf('post-1', 'po-1-payment', { currency: 'EUR' }), 'pending_transfer_has_different_currency'],
      [postOf('post-1', 'po-1-payment', { code: 'other_code' }), 'pending_transfer_has_different_code'],
    ];
    for (const [input, expected] of cases)
      assert.equal(refuse(ledger, input), expected, JSON.stringify(input));
    // Naming the reservation's own fields is allowed.
    assert.deepEqual(
      ledger.results([
        postOf('post-1', 'po-1-payment', {
          debitAccountId: chart.merchant,
          creditAccountId: chart.supplier,
          currency: 'USD',
          code: 'po_payment',
        }),
      ]),
      ['ok'],
    );
  });
});

describe('expiry: a reservation with a timeout', () => {
  it('expires by sweep once its deadline passes, and a later post answers pending_transfer_expired', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 70_000n, 3_600);
    const reservation = ledger.transfer('po-1-payment');
    assert.equal(reservation.expiresAt, reservation.timestamp + 3_600n * nanosecondsPerSecond);

    ledger.nowNs = reservation.expiresAt! - 1n;
    assert.deepEqual(ledger.dueExpirations(), [], 'not due one nanosecond before the deadline');
    ledger.nowNs = reservation.expiresAt!;
    assert.deepEqual(ledger.dueExpirations(), ['po-1-payment']);

    const swept = ledger.sweep();
    assert.equal(swept.length, 1);
    const expiry = swept[0]!;
    assert.equal(expiry.id, expiryTransferId('po-1-payment'));
    assert.equal(expiry.flags, TransferFlag.voidPending | TransferFlag.expiry);
    assert.equal(expiry.amount, 70_000n);
    assert.equal(expiry.pendingId, 'po-1-payment');
    assert.equal(ledger.account(chart.merchant).debitsPending, 0n);
    assert.equal(ledger.account(chart.supplier).creditsPending, 0n);
    assert.equal(ledger.creditBalance(chart.merchant), 100_000n);

    assert.equal(refuse(ledger, postOf('po-1-delivered', 'po-1-payment')), 'pending_transfer_expired');
    assert.equal(refuse(ledger, voidOf('po-1-cancelled', 'po-1-payment')), 'pending_transfer_expired');
    assert.deepEqual(ledger.dueExpirations(), [], 'an expired reservation expires once');
  });

  it('answers pending_transfer_expired to a post after the deadline even before any sweep', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 70_000n, 60);
    ledger.advanceSeconds(61);
    // No expirations passed in: the reservation is still open in storage, but its time is up.
    assert.equal(
      refuse(ledger, postOf('po-1-delivered', 'po-1-payment'), { expirations: [] }),
      'pending_transfer_expired',
    );
    assert.equal(ledger.account(chart.merchant).debitsPending, 70_000n, 'still reserved until swept');
    assert.equal(ledger.sweep().length, 1);
    assert.equal(ledger.account(chart.merchant).debitsPending, 0n);
  });

  it('takes the deadline itself as expired: a post one nanosecond before it still posts', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 70_000n, 60);
    reserve(ledger, 'po-2-payment', 20_000n, 60);
    const first = ledger.transfer('po-1-payment');
    const second = ledger.transfer('po-2-payment');
    assert.equal(second.expiresAt, first.expiresAt! + 1n, 'reserved one timestamp apart');
    // At this instant the first reservation's deadline has come, the second's is a nanosecond away.
    ledger.nowNs = first.expiresAt!;
    assert.equal(
      refuse(ledger, postOf('po-1-delivered', 'po-1-payment'), { expirations: [] }),
      'pending_transfer_expired',
    );
    assert.deepEqual(ledger.results([postOf('po-2-delivered', 'po-2-payment')], { expirations: [] }), ['ok']);
  });

  it('records the expiry first when a batch both expires a reservation and tries to post it', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 70_000n, 60);
    ledger.advanceSeconds(61);
    const report = ledger.execute([postOf('po-1-delivered', 'po-1-payment')]);
    assert.deepEqual(report.expirations, ['po-1-payment']);
    assert.deepEqual(report.results, ['pending_transfer_expired']);
    assert.deepEqual(
      report.created.map((transfer) => transfer.id),
      [expiryTransferId('po-1-payment')],
    );
  });

  it('posts normally before the deadline, and a posted reservation never expires', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 70_000n, 60);
    ledger.advanceSeconds(59);
    assert.deepEqual(ledger.results([postOf('po-1-delivered', 'po-1-payment')]), ['ok']);
    ledger.advanceSeconds(3_600);
    assert.deepEqual(ledger.dueExpirations(), []);
    assert.equal(ledger.sweep().length, 0);
    assert.equal(ledger.account(chart.merchant).debitsPosted, 70_000n);
  });

  it('answers exists to a retried post after the deadline: the post happened before it', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 70_000n, 60);
    const delivered = postOf('po-1-delivered', 'po-1-payment');
    assert.deepEqual(ledger.results([delivered]), ['ok']);
    ledger.advanceSeconds(120);
    assert.equal(refuse(ledger, delivered), 'exists');
  });

  it('never expires a reservation without a timeout', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-1-payment', 70_000n);
    ledger.advanceSeconds(100 * 365 * 24 * 3_600);
    assert.deepEqual(ledger.dueExpirations(), []);
    assert.deepEqual(ledger.results([postOf('po-1-delivered', 'po-1-payment')]), ['ok']);
  });

  it('expires several reservations in the order they are passed, before the batch', () => {
    const ledger = merchantWithSales();
    reserve(ledger, 'po-b', 1_000n, 30);
    reserve(ledger, 'po-a', 2_000n, 20);
    reserve(ledger, 'po-c', 3_000n, 40);
    ledger.advanceSeconds(35);
    assert.deepEqual(ledger.dueExpirations(), ['po-a', 'po-b'], 'the earliest deadline first');
    const report = ledger.execute([move('pay-1', chart.merchant, chart.supplier, 97_001n)]);
    assert.deepEqual(report.results, ['exceeds_credits'], 'po-c still holds 30.00');
    assert.deepEqual(
      report.created.map((transfer) => transfer.id),
      ['po-a~expiry', 'po-b~expiry'],
    );
    assert.deepEqual(
      report.created.map((transfer) => transfer.timestamp),
      [report.timestampFirst, report.timestampFirst + 1n],
    );
    assert.equal(ledger.account(chart.merchant).debitsPending, 3_000n);
    assert.deepEqual(ledger.results([move('pay-1', chart.merchant, chart.supplier, 97_000n)]), ['ok']);
  });
});
