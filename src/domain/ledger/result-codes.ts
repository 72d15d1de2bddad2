/**
 * Result codes, each named after the rule that was broken. Transfers are checked in exactly the
 * order of `transferResultCodes` below (docs/ledger.md explains each), so a transfer that breaks
 * several rules always answers the same, first, code. The order follows TigerBeetle's: static
 * validation first, then look-ups, then idempotency (`exists*`), then arithmetic limits, then
 * balance constraints — so a retried transfer answers `exists` even if the balance has moved since.
 */
export const transferResultCodes = [
  'ok',
  // Batch structure.
  'linked_event_failed',
  'linked_event_chain_open',
  // Static validation.
  'id_must_match_pattern',
  'flags_are_unknown',
  'flags_are_mutually_exclusive',
  // Post or void of a pending transfer.
  'pending_id_must_not_be_empty',
  'pending_id_must_be_different',
  // Plain or pending transfer.
  'debit_account_id_must_not_be_empty',
  'credit_account_id_must_not_be_empty',
  'accounts_must_be_different',
  'pending_id_must_be_empty',
  'timeout_reserved_for_pending_transfer',
  'timeout_exceeds_maximum',
  'amount_must_be_positive',
  'amount_exceeds_maximum',
  'currency_must_not_be_empty',
  'code_must_match_pattern',
  'metadata_invalid',
  // Look-ups.
  'debit_account_not_found',
  'credit_account_not_found',
  'accounts_must_have_the_same_ledger',
  'currencies_must_match',
  'pending_transfer_not_found',
  'pending_transfer_not_pending',
  'pending_transfer_has_different_debit_account_id',
  'pending_transfer_has_different_credit_account_id',
  'pending_transfer_has_different_currency',
  'pending_transfer_has_different_code',
  'exceeds_pending_transfer_amount',
  'pending_transfer_has_different_amount',
  // Idempotency: the id was used before.
  'exists_with_different_flags',
  'exists_with_different_pending_id',
  'exists_with_different_debit_account_id',
  'exists_with_different_credit_account_id',
  'exists_with_different_amount',
  'exists_with_different_currency',
  'exists_with_different_timeout',
  'exists_with_different_code',
  'exists_with_different_metadata',
  'exists',
  // State of the pending transfer being posted or voided.
  'pending_transfer_already_posted',
  'pending_transfer_already_voided',
  'pending_transfer_expired',
  // Arithmetic limits of the 64-bit totals.
  'overflows_debits_pending',
  'overflows_credits_pending',
  'overflows_debits_posted',
  'overflows_credits_posted',
  'overflows_debits',
  'overflows_credits',
  // Balance constraints.
  'exceeds_credits',
  'exceeds_debits',
] as const;

export type TransferResultCode = (typeof transferResultCodes)[number];

export const accountResultCodes = [
  'ok',
  'id_must_match_pattern',
  'ledger_must_match_pattern',
  'code_must_match_pattern',
  'currency_must_be_valid',
  'flags_are_unknown',
  'flags_are_mutually_exclusive',
  'metadata_invalid',
  'exists_with_different_ledger',
  'exists_with_different_currency',
  'exists_with_different_code',
  'exists_with_different_flags',
  'exists_with_different_metadata',
  'exists',
] as const;

export type AccountResultCode = (typeof accountResultCodes)[number];

/** Codes that mean "this id was seen before" — a retry, never a second posting. */
export function isExistsCode(code: string): boolean {
  return code === 'exists' || code.startsWith('exists_with_different_');
}
