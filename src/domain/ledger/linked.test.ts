/**
 * Proves linked chains are all or nothing: an advance disbursed together with its fee and the
 * merchant's payment to its supplier either all happen or none do. When one member fails it answers
 * its own code and every other member `linked_event_failed`, the stored state afterwards is
 * byte-identical to before (balances, transfers, resolutions, timestamps, hash chain), and whatever
 * follows in the batch — another chain or a single transfer — runs as if the failed chain had never
 * been there. A chain left open at the end of a batch answers `linked_event_chain_open`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { expiryTransferId } from './create-transfers.ts';
import {
  chain,
  chart,
  hold,
  type LedgerHarness,
  move,
  openPlatformBooks,
  postOf,
} from './ledger-harness.test-helper.ts';
import { TransferFlag } from './types.ts';

/** A merchant with 100.00 of settled sales; the financier stands ready to advance more. */
function merchantWithSales(): LedgerHarness {
  const ledger = openPlatformBooks();
  assert.deepEqual(ledger.results([move('sales-1', chart.clearing, chart.merchant, 10_000n)]), ['ok']);
  return ledger;
}

/** Disburse an advance of 500.00, charge a 15.00 fee, pay the supplier `supplierAmount`. */
function advanceAndPay(prefix: string, supplierAmount: bigint) {
  return chain(
    move(`${prefix}-disburse`, chart.advances, chart.merchant, 50_000n, { code: 'disbursement' }),
    move(`${prefix}-fee`, chart.merchant, chart.clearing, 1_500n, { code: 'advance_fee' }),
    move(`${prefix}-pay`, chart.merchant, chart.supplier, supplierAmount, { code: 'supplier_payment' }),
  );
}

describe('linked chains', () => {
  it('applies every member of a chain that succeeds', () => {
    const ledger = merchantWithSales();
    assert.deepEqual(ledger.results(advanceAndPay('po-1', 58_500n)), ['ok', 'ok', 'ok']);
    assert.equal(ledger.creditBalance(chart.merchant), 0n);
    assert.equal(ledger.creditBalance(chart.supplier), 58_500n);
    assert.equal(ledger.account(chart.advances).debitsPosted, 50_000n);
    assert.equal(ledger.transfer('po-1-disburse').flags, TransferFlag.linked);
    assert.equal(ledger.transfer('po-1-pay').flags, 0);
  });

  it('applies none when the last member fails: it answers its code, the others linked_event_failed', () => {
    const ledger = merchantWithSales();
    const before = ledger.snapshot();
    // 100.00 + 500.00 - 15.00 = 585.00 in the wallet: paying 585.01 is one cent too many.
    assert.deepEqual(ledger.results(advanceAndPay('po-1', 58_501n)), [
      'linked_event_failed',
      'linked_event_failed',
      'exceeds_credits',
    ]);
    assert.equal(ledger.snapshot(), before);
    assert.equal(
      ledger.creditBalance(chart.merchant),
      10_000n,
      'the advance was rolled back with the payment',
    );
  });

  it('applies none when the first or a middle member fails, and skips the members after it', () => {
    const ledger = merchantWithSales();
    const before = ledger.snapshot();
    const failFirst = advanceAndPay('po-1', 100n);
    failFirst[0] = { ...failFirst[0]!, creditAccountId: 'ghost-wallet' };
    assert.deepEqual(ledger.results(failFirst), [
      'credit_account_not_found',
      'linked_event_failed',
      'linked_event_failed',
    ]);
    const failMiddle = advanceAndPay('po-2', 100n);
    failMiddle[1] = { ...failMiddle[1]!, currency: 'EUR' };
    assert.deepEqual(ledger.results(failMiddle), [
      'linked_event_failed',
      'currencies_must_match',
      'linked_event_failed',
    ]);
    assert.equal(ledger.snapshot(), before);
  });

  it('answers linked_event_failed for a member after the failure even if it is itself invalid', () => {
    const ledger = merchantWithSales();
    const inputs = chain(
      move('a', chart.merchant, chart.supplier, 99_999n),
      move('b', chart.merchant, chart.supplier, 0n),
      move('c', chart.merchant, chart.merchant, 1n),
    );
    // Batch structure comes first in the check order: the chain was already broken.
    assert.deepEqual(ledger.results(inputs), [
      'exceeds_credits',
      'linked_event_failed',
      'linked_event_failed',
    ]);
  });

  it('runs a chain after a failed chain as if the failed one had never been there', () => {
    const ledger = merchantWithSales();
    const report = ledger.execute([...advanceAndPay('po-1', 99_999_999n), ...advanceAndPay('po-2', 58_500n)]);
    assert.deepEqual(report.results, [
      'linked_event_failed',
      'linked_event_failed',
      'exceeds_credits',
      'ok',
      'ok',
      'ok',
    ]);
    assert.deepEqual(
      report.created.map((transfer) => [transfer.id, transfer.timestamp]),
      [
        ['po-2-disburse', report.timestampFirst],
        ['po-2-fee', report.timestampFirst + 1n],
        ['po-2-pay', report.timestampFirst + 2n],
      ],
      'the failed chain used no timestamps',
    );
    assert.equal(ledger.creditBalance(chart.supplier), 58_500n);
  });

  it('runs a single transfer after a failed chain as if the failed one had never been there', () => {
    const ledger = merchantWithSales();
    const results = ledger.results([
      ...advanceAndPay('po-1', 99_999_999n),
      move('pay-small', chart.merchant, chart.supplier, 1_000n),
      move('pay-small-2', chart.merchant, chart.supplier, 1_000n),
    ]);
    assert.deepEqual(results, ['linked_event_failed', 'linked_event_failed', 'exceeds_credits', 'ok', 'ok']);
    assert.equal(ledger.creditBalance(chart.supplier), 2_000n);
  });

  it('frees the ids of a failed chain: the corrected chain may reuse them', () => {
    const ledger = merchantWithSales();
    assert.deepEqual(ledger.results(advanceAndPay('po-1', 99_999_999n)), [
      'linked_event_failed',
      'linked_event_failed',
      'exceeds_credits',
    ]);
    assert.deepEqual(ledger.results(advanceAndPay('po-1', 58_500n)), ['ok', 'ok', 'ok']);
  });

  it('rolls back a reservation and its post made inside a failed chain', () => {
    const ledger = merchantWithSales();
    const before = ledger.snapshot();
    const results = ledger.results(
      chain(
        hold('po-1-hold', chart.merchant, chart.supplier, 5_000n, { timeoutSeconds: 60 }),
        postOf('po-1-post', 'po-1-hold', { amount: 2_000n }),
        move('po-1-rest', chart.merchant, chart.supplier, 9_000n),
      ),
    );
    assert.deepEqual(results, ['linked_event_failed', 'linked_event_failed', 'exceeds_credits']);
    assert.equal(ledger.snapshot(), before);
    assert.equal(ledger.resolutions.size, 0);
    assert.deepEqual(ledger.results([postOf('po-1-post', 'po-1-hold')]), ['pending_transfer_not_found']);
  });

  it('leaves a reservation posted inside a failed chain open for a later post in the same batch', () => {
    const ledger = merchantWithSales();
    assert.deepEqual(ledger.results([hold('po-1-hold', chart.merchant, chart.supplier, 5_000n)]), ['ok']);
    const results = ledger.results([
      ...chain(postOf('po-1-post', 'po-1-hold'), move('po-1-extra', chart.merchant, chart.supplier, 99_999n)),
      postOf('po-1-post-again', 'po-1-hold', { amount: 4_000n }),
    ]);
    assert.deepEqual(results, ['linked_event_failed', 'exceeds_credits', 'ok']);
    assert.equal(ledger.account(chart.supplier).creditsPosted, 4_000n);
    assert.equal(ledger.resolutions.get('po-1-hold')?.id, 'po-1-post-again');
  });

  it('keeps the expiries a batch recorded before a chain that fails', () => {
    const ledger = merchantWithSales();
    assert.deepEqual(
      ledger.results([hold('po-0-hold', chart.merchant, chart.supplier, 4_000n, { timeoutSeconds: 60 })]),
      ['ok'],
    );
    ledger.advanceSeconds(61);
    const report = ledger.execute(advanceAndPay('po-1', 99_999_999n));
    assert.deepEqual(report.results, ['linked_event_failed', 'linked_event_failed', 'exceeds_credits']);
    assert.deepEqual(
      report.created.map((transfer) => transfer.id),
      [expiryTransferId('po-0-hold')],
    );
    assert.equal(ledger.account(chart.merchant).debitsPending, 0n);
  });

  it('fails a chain whose member repeats an id: exists is not ok', () => {
    const ledger = merchantWithSales();
    assert.deepEqual(ledger.results(advanceAndPay('po-1', 100n)), ['ok', 'ok', 'ok']);
    const before = ledger.snapshot();
    // Retrying a whole chain that succeeded answers `exists` for its first member and fails the rest.
    assert.deepEqual(ledger.results(advanceAndPay('po-1', 100n)), [
      'exists',
      'linked_event_failed',
      'linked_event_failed',
    ]);
    // A chain repeating one id within itself fails on the repeat and rolls back the first use.
    assert.deepEqual(
      ledger.results(
        chain(
          move('dup', chart.clearing, chart.merchant, 100n),
          move('dup', chart.clearing, chart.merchant, 100n),
          move('close', chart.clearing, chart.merchant, 100n),
        ),
      ),
      ['linked_event_failed', 'exists', 'linked_event_failed'],
    );
    assert.equal(ledger.snapshot(), before);
  });

  it('answers linked_event_chain_open when the batch ends inside a chain, and applies nothing of it', () => {
    const ledger = merchantWithSales();
    const before = ledger.snapshot();
    const open = advanceAndPay('po-1', 100n).map((input) => ({
      ...input,
      flags: input.flags | TransferFlag.linked,
    }));
    assert.deepEqual(ledger.results(open), [
      'linked_event_failed',
      'linked_event_failed',
      'linked_event_chain_open',
    ]);
    assert.deepEqual(
      ledger.results([
        { ...move('alone', chart.clearing, chart.merchant, 100n), flags: TransferFlag.linked },
      ]),
      ['linked_event_chain_open'],
    );
    assert.equal(ledger.snapshot(), before);
  });

  it('keeps what came before an open chain in the same batch', () => {
    const ledger = merchantWithSales();
    const results = ledger.results([
      move('sales-2', chart.clearing, chart.merchant, 100n),
      { ...move('dangling', chart.clearing, chart.merchant, 100n), flags: TransferFlag.linked },
    ]);
    assert.deepEqual(results, ['ok', 'linked_event_chain_open']);
    assert.equal(ledger.creditBalance(chart.merchant), 10_100n);
  });
});
