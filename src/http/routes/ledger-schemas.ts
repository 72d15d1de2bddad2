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

const Digest = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256, lower-case hex' });

const CheckpointTree = (chain: string) =>
  Type.Object({
    count: Type.Integer({ minimum: 0, description: `the ${chain} it covers` }),
    first_sequence: Type.Union([Type.Integer(), Type.Null()], {
      description: `the first ${chain.replace(/s$/, '')}'s sequence (null when it covers none)`,
    }),
    last_sequence: Type.Union([Type.Integer(), Type.Null()], {
      description: `the last ${chain.replace(/s$/, '')}'s sequence (null when it covers none)`,
    }),
    root: { ...Digest, description: `the RFC 6962 Merkle root of their chain hashes, in chain order` },
    chain_hash: { ...Digest, description: `the ${chain}' chain hash at the day's end` },
  });

export const LedgerCheckpoint = Type.Object({
  object: Type.Literal('ledger_checkpoint'),
  id: Type.String({ description: '`lcp_<day>`; use it as starting_after' }),
  day: Type.String({ description: 'the UTC day it closes, YYYY-MM-DD' }),
  transfers: CheckpointTree('transfers'),
  decisions: CheckpointTree('decisions'),
  previous_hash: { ...Digest, description: "the previous day's checkpoint's hash (64 zeros for the first)" },
  hash: {
    ...Digest,
    description: 'SHA-256 of the canonical encoding of every field above but id (docs/ledger.md)',
  },
  created_at: Type.String({ format: 'date-time' }),
});
