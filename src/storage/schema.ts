/**
 * The database schema as Kysely sees it. Every integer column is 64-bit on both backends (SQLite
 * INTEGER, PostgreSQL BIGINT) and is read back as a bigint (better-sqlite3 safe integers; a pg type
 * parser for int8), so row mapping never has to guess between number and bigint.
 */
import type { Generated } from 'kysely';
import type { DailyCounterName } from '../domain/features/projection.ts';
import type { EventSubject } from '../domain/webhooks/delivery.ts';
export interface LedgerAccountsTable {
  timestamp: bigint;
  id: string;
  ledger: string;
  currency: string;
  code: string;
  flags: bigint;
  metadata: string | null;
  debits_pending: bigint;
  debits_posted: bigint;
  credits_pending: bigint;
  credits_posted: bigint;
  seal: string;
}

export interface LedgerTransfersTable {
  sequence: bigint;
  bucket: bigint;
  timestamp: bigint;
  id: string;
  debit_account_id: string;
  credit_account_id: string;
  amount: bigint;
  currency: string;
  ledger: string;
  code: string;
  flags: bigint;
  pending_id: string | null;
  timeout_seconds: bigint;
  expires_at: bigint | null;
  metadata: string | null;
  debit_debits_pending: bigint;
  debit_debits_posted: bigint;
  debit_credits_pending: bigint;
  debit_credits_posted: bigint;
  credit_debits_pending: bigint;
  credit_debits_posted: bigint;
  credit_credits_pending: bigint;
  credit_credits_posted: bigint;
  hash: string;
}

export interface LedgerPendingExpiriesTable {
  pending_id: string;
  expires_at: bigint;
}

export interface LedgerCheckpointsTable {
  day: bigint;
  transfer_count: bigint;
  transfer_first_sequence: bigint | null;
  transfer_last_sequence: bigint | null;
  transfers_root: string;
  transfer_chain_hash: string;
  decision_count: bigint;
  decision_first_sequence: bigint | null;
  decision_last_sequence: bigint | null;
  decisions_root: string;
  decision_chain_hash: string;
  previous_hash: string;
  hash: string;
  created_at_ms: bigint;
}

export interface LedgerChainTable {
  id: bigint;
  last_hash: string;
  transfer_count: bigint;
  account_count: bigint;
  last_timestamp: bigint;
}

export interface ApiKeysTable {
  id: string;
  role: string;
  object_id: string | null;
  name: string;
  secret_hash: string;
  secret_prefix: string;
  created_at_ms: bigint;
  revoked_at_ms: bigint | null;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  fingerprint: string;
  status_code: bigint | null;
  body: string | null;
  created_at_ms: bigint;
}

export interface MigrationsTable {
  name: string;
  applied_at_ms: bigint;
}

export interface InboxEventsTable {
  source: string;
  id: string;
  type: string;
  subject: string;
  time_ns: bigint;
  day: bigint;
  body_hash: string;
  body: string;
  origin: string;
  received_at_ms: bigint;
}

export interface QuarantineTable {
  id: string;
  fingerprint: string;
  origin: string;
  line: bigint | null;
  source: string | null;
  event_id: string | null;
  event_type: string | null;
  code: string;
  field: string | null;
  detail: string;
  raw: string;
  status: string;
  first_seen_ms: bigint;
  last_seen_ms: bigint;
  seen_count: bigint;
  resolved_at_ms: bigint | null;
  resolution: string | null;
  /** `operator` or `platform` (then `sender_platform`); null before migration 0014. */
  sender_role: string | null;
  sender_platform: string | null;
}

export type FeatureDailyTable = { merchant_id: string; day: bigint; currency: string } & Record<
  DailyCounterName,
  bigint
>;

export interface FeatureOrdersTable {
  merchant_id: string;
  event_key: string;
  day: bigint;
  buyer_id: string;
  currency: string;
  amount: bigint;
}

export interface FeatureFactsTable {
  merchant_id: string;
  kind: string;
  event_key: string;
  day: bigint;
  payload: string;
}

export interface MerchantPlatformsTable {
  merchant_id: string;
  source: string;
  claimed_at_ms: bigint;
}

export interface ConsentsTable {
  id: string;
  merchant_id: string;
  purpose: string;
  data_sources: string;
  granted_at_ms: bigint;
  expires_at_ms: bigint;
  revoked_at_ms: bigint | null;
}

export interface MerchantFlagsTable {
  merchant_id: string;
  flag: string;
  reason: string;
  set_at_ms: bigint;
}

export interface ModelsTable {
  id: string;
  version: bigint;
  algorithm: string;
  status: string;
  artifact: string;
  metrics: string;
  training: string;
  created_at_ms: bigint;
}

export interface DecisionsTable {
  sequence: bigint;
  id: string;
  merchant_id: string;
  decided_at_ms: bigint;
  outcome: string;
  record: string;
  inputs_digest: string;
  hash: string;
}

export interface DecisionInputsTable {
  digest: string;
  inputs: string;
}

export interface DecisionChainTable {
  id: bigint;
  last_hash: string;
  decision_count: bigint;
}

export interface FacilityDebtServiceTable {
  facility_id: string;
  merchant_id: string;
  currency: string;
  daily_debt_service_minor: bigint;
  status: string;
}

export interface AuditLogTable {
  sequence: Generated<bigint>;
  at_ms: bigint;
  actor: string;
  action: string;
  subject_type: string;
  subject_id: string;
  detail: string;
}

export interface SettingsTable {
  name: string;
  value: string;
  updated_at_ms: bigint;
}

export interface MerchantVersionsTable {
  merchant_id: string;
  version: bigint;
}

export interface ConfigVersionTable {
  id: bigint;
  version: bigint;
}

export interface FundingPoolsTable {
  financier_id: string;
  currency: string;
  created_at_ms: bigint;
}

export interface OffersTable {
  id: string;
  merchant_id: string;
  decision_id: string;
  product: string;
  currency: string;
  amount_minor: bigint;
  status: string;
  offered_on: number;
  expires_on: number;
  offer: string;
  created_at_ms: bigint;
  accepted_at_ms: bigint | null;
  acceptance: string | null;
  facility_id: string | null;
}

export interface FacilitiesTable {
  id: string;
  merchant_id: string;
  financier_id: string;
  offer_id: string | null;
  product: string;
  currency: string;
  status: string;
  opened_on: number;
  state: string;
  version: bigint;
  updated_at_ms: bigint;
}

export interface FacilityEventsTable {
  facility_id: string;
  sequence: number;
  day: number;
  type: string;
  detail: string;
  at_ms: bigint;
}

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  secret: string;
  /** JSON array of event types; empty for every type. */
  event_types: string;
  previous_secret: string | null;
  previous_secret_expires_at_ms: bigint | null;
  failing_since_ms: bigint | null;
  disabled_reason: string | null;
  description: string;
  status: string;
  created_at_ms: bigint;
  updated_at_ms: bigint;
}

export interface OfferEventsTable {
  offer_id: string;
  sequence: number;
  type: string;
  /** Why a `withdrawn` event withdrew the offer (0017_offer_event_reasons); null otherwise. */
  reason: string | null;
  at_ms: bigint;
}

export interface OutboxEventsTable {
  sequence: Generated<bigint>;
  subject: EventSubject;
  subject_id: string;
  subject_sequence: number;
  fanned_out: number;
  recorded_at_ms: bigint;
}

export interface WebhookDeliveriesTable {
  endpoint_id: string;
  outbox_sequence: bigint;
  subject: EventSubject;
  subject_id: string;
  subject_sequence: number;
  event_type: string;
  status: string;
  attempts: number;
  next_attempt_at_ms: bigint | null;
  last_attempt_at_ms: bigint | null;
  last_response_status: number | null;
  last_error: string | null;
  created_at_ms: bigint;
}

export interface SettlementSweepsTable {
  settlement_key: string;
  merchant_id: string;
  day: number;
  currency: string;
  net_minor: bigint;
  deducted_minor: bigint;
  split: string;
  at_ms: bigint;
}

export interface EodRunsTable {
  day: number;
  status: string;
  cursor: string | null;
  facilities_done: bigint;
  started_at_ms: bigint;
  finished_at_ms: bigint | null;
}

export interface Database {
  ledger_accounts: LedgerAccountsTable;
  ledger_transfers: LedgerTransfersTable;
  ledger_pending_expiries: LedgerPendingExpiriesTable;
  ledger_chain: LedgerChainTable;
  ledger_checkpoints: LedgerCheckpointsTable;
  api_keys: ApiKeysTable;
  idempotency_keys: IdempotencyKeysTable;
  capstan_migrations: MigrationsTable;
  inbox_events: InboxEventsTable;
  quarantine: QuarantineTable;
  feature_daily: FeatureDailyTable;
  feature_orders: FeatureOrdersTable;
  feature_facts: FeatureFactsTable;
  merchant_platforms: MerchantPlatformsTable;
  consents: ConsentsTable;
  merchant_flags: MerchantFlagsTable;
  models: ModelsTable;
  decisions: DecisionsTable;
  decision_chain: DecisionChainTable;
  decision_inputs: DecisionInputsTable;
  facility_debt_service: FacilityDebtServiceTable;
  settings: SettingsTable;
  audit_log: AuditLogTable;
  merchant_versions: MerchantVersionsTable;
  config_version: ConfigVersionTable;
  funding_pools: FundingPoolsTable;
  offers: OffersTable;
  facilities: FacilitiesTable;
  facility_events: FacilityEventsTable;
  offer_events: OfferEventsTable;
  settlement_sweeps: SettlementSweepsTable;
  eod_runs: EodRunsTable;
  webhook_endpoints: WebhookEndpointsTable;
  outbox_events: OutboxEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}
