/**
 * Account creation: validate each input, answer `exists*` for a repeated id, and otherwise open
 * the account with zero balances. Pure: the caller supplies the accounts already stored under the
 * batch's ids and the first free timestamp.
 */
import { assert } from '../assert.ts';
import { isCurrencyCode } from '../money/currency.ts';
import { accountsPerBatchMax } from './limits.ts';
import type { AccountResultCode } from './result-codes.ts';
import { type Account, AccountFlag, type AccountInput, accountFlagsMask, hasFlag } from './types.ts';
import { canonicalMetadata, isValidCode, isValidId, isValidLedger, isValidMetadata } from './validation.ts';

export interface AccountBatchOutcome {
  readonly results: AccountResultCode[];
  readonly created: Account[];
  readonly lastTimestamp: bigint;
}

export function createAccounts(
  existing: ReadonlyMap<string, Account>,
  inputs: readonly AccountInput[],
  timestampFirst: bigint,
): AccountBatchOutcome {
  assert(inputs.length <= accountsPerBatchMax, 'account batch exceeds accountsPerBatchMax');
  const seen = new Map(existing);
  const results: AccountResultCode[] = [];
  const created: Account[] = [];
  let timestamp = timestampFirst - 1n;
  for (const input of inputs) {
    const code = validateAccount(input, seen.get(input.id));
    results.push(code);
    if (code !== 'ok') continue;
    timestamp += 1n;
    const account: Account = {
      id: input.id,
      ledger: input.ledger,
      currency: input.currency,
      code: input.code,
      flags: input.flags,
      metadata: canonicalMetadata(input.metadata),
      timestamp,
      debitsPending: 0n,
      debitsPosted: 0n,
      creditsPending: 0n,
      creditsPosted: 0n,
    };
    seen.set(account.id, account);
    created.push(account);
  }
  return { results, created, lastTimestamp: timestamp < timestampFirst ? timestampFirst - 1n : timestamp };
}

function validateAccount(input: AccountInput, existing: Account | undefined): AccountResultCode {
  if (!isValidId(input.id)) return 'id_must_match_pattern';
  if (!isValidLedger(input.ledger)) return 'ledger_must_match_pattern';
  if (!isValidCode(input.code)) return 'code_must_match_pattern';
  if (!isCurrencyCode(input.currency)) return 'currency_must_be_valid';
  if ((input.flags & ~accountFlagsMask) !== 0) return 'flags_are_unknown';
  if (
    hasFlag(input.flags, AccountFlag.debitsMustNotExceedCredits) &&
    hasFlag(input.flags, AccountFlag.creditsMustNotExceedDebits)
  ) {
    return 'flags_are_mutually_exclusive';
  }
  if (input.metadata !== undefined && !isValidMetadata(input.metadata)) return 'metadata_invalid';
  if (existing === undefined) return 'ok';
  if (existing.ledger !== input.ledger) return 'exists_with_different_ledger';
  if (existing.currency !== input.currency) return 'exists_with_different_currency';
  if (existing.code !== input.code) return 'exists_with_different_code';
  if (existing.flags !== input.flags) return 'exists_with_different_flags';
  if (existing.metadata !== canonicalMetadata(input.metadata)) return 'exists_with_different_metadata';
  return 'exists';
}
