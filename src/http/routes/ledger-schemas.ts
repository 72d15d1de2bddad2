/** Response schemas of the ledger routes, for validation-free documentation in the OpenAPI file. */
import { Type } from 'typebox';

const Amount = Type.String({ description: 'integer minor units' });
const Balances = {
  debits_pending: Amount,
  debits_posted: Amount,
  credits_pending: Amount,
  credits_posted: Amount,
};

export const LedgerAccount = Type.Object({
  object: Type.Literal('ledger_account'),
  id: Type.String(),
  ledger: Type.String(),
  currency: Type.String(),
  code: Type.String(),
  flags: Type.Array(Type.String()),
  metadata: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  ...Balances,
  as_of: Type.Optional(Type.String({ description: 'present when the balances are as of a past instant' })),
  as_of_timestamp: Type.Optional(Type.String()),
  created_at: Type.String(),
  timestamp: Type.String({ description: 'the ledger timestamp, nanoseconds since the Unix epoch' }),
});

export const LedgerTransfer = Type.Object({
  object: Type.Literal('ledger_transfer'),
  id: Type.String(),
  debit_account_id: Type.String(),
  credit_account_id: Type.String(),
  amount: Amount,
  currency: Type.String(),
  ledger: Type.String(),
  code: Type.String(),
  flags: Type.Array(Type.String()),
  pending_id: Type.Union([Type.String(), Type.Null()]),
  timeout_seconds: Type.Integer(),
  expires_at: Type.Union([Type.String(), Type.Null()]),
  metadata: Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()]),
  created_at: Type.String(),
  timestamp: Type.String(),
});

export const LedgerEntry = Type.Object({
  object: Type.Literal('ledger_entry'),
  id: Type.String({ description: 'the transfer id; use it as starting_after' }),
  side: Type.Union([Type.Literal('debit'), Type.Literal('credit')]),
  balances_after: Type.Object(Balances),
  transfer: LedgerTransfer,
});

const TrialBalanceAmounts = {
  debits_posted: Amount,
  credits_posted: Amount,
  debits_pending: Amount,
  credits_pending: Amount,
};

export const TrialBalanceSchema = Type.Object({
  object: Type.Literal('trial_balance'),
  as_of: Type.Union([Type.String(), Type.Null()]),
  as_of_timestamp: Type.Union([Type.String(), Type.Null()]),
  rows: Type.Array(
    Type.Object({
      ledger: Type.String(),
      currency: Type.String(),
      code: Type.String(),
      account_count: Type.Integer(),
      ...TrialBalanceAmounts,
    }),
  ),
  totals: Type.Array(
    Type.Object({ currency: Type.String(), ...TrialBalanceAmounts, balanced: Type.Boolean() }),
  ),
});
