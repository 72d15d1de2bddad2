/**
 * The ports: everything the use cases need from the outside world, in Capstan's own types. Storage
 * adapters (src/storage/sqlite, src/storage/postgres) implement Store and must pass the contract
 * suite in src/storage/contract; nothing here knows about SQL, HTTP or Node.
 */
import type { Consent } from '../domain/consent/consent.ts';
import type { FeatureInputs } from '../domain/features/features.ts';
import type { DailyRow, Fact } from '../domain/features/projection.ts';
import type { ChainLink, Checkpoint } from '../domain/ledger/checkpoint.ts';
import type { Account, Balances, ChainedTransfer, Transfer } from '../domain/ledger/types.ts';
import type { EventSubject } from '../domain/webhooks/delivery.ts';

/** Time comes in from outside: the system clock in production, a settable clock in tests. */
export interface Clock {
  /** Nanoseconds since the Unix epoch. */
  nowNs(): bigint;
}

/** Fresh identifiers and secrets: random in production, seeded in tests. */
export interface Entropy {
  /** A new sortable id with its prefix, e.g. `key_01JD8…`. */
  id(prefix: string): string;
  /** A new secret of `bytes` random bytes, base64url-encoded. */
  secret(bytes: number): string;
}

export type Backend = 'sqlite' | 'postgres';

/**
 * A row changed by another transaction between this one's read and its write (its version moved):
 * thrown so the transaction rolls back, and retried by a store whose transactions can interleave
 * (PostgreSQL), as it retries a serialization failure: the work runs again on fresh reads.
 */
export class WriteConflict extends Error {
  override readonly name = 'WriteConflict';
}

/**
 * A write the store could not make now, though it may later: another process kept the database's
 * write lock past the wait (SQLite's busy timeout), or the write lost every retry to writes racing
 * it (PostgreSQL serialization failures, deadlocks, write conflicts). Nothing of it was written.
 */
export class StoreBusy extends Error {
  override readonly name = 'StoreBusy';
}

/**
 * The database could not be reached, or stopped answering, in the middle of the work: the
 * connection was refused, lost (a server restart, a failover, a network cut) or silent past the
 * store's bound. The transaction did not commit, unless the connection was lost on its very
 * commit — so what was sent may be sent again only where it is idempotent (an Idempotency-Key, a
 * settlement id, the daily cycle's resumption), which every write of Capstan's is.
 */
export class StoreUnavailable extends Error {
  override readonly name = 'StoreUnavailable';
}

/**
 * The disk holding the database is full: nothing of the work was written. It may be sent again
 * once an operator has made room.
 */
export class StoreFull extends Error {
  override readonly name = 'StoreFull';
}

/**
 * A ledger row verify cannot even read back as the ledger's types (a flag beyond what a number
 * holds, text in a number column): no honest write leaves one, so verify reports it by its id.
 */
export class UnreadableLedgerRow extends Error {
  override readonly name = 'UnreadableLedgerRow';
  constructor(
    readonly table: 'ledger_accounts' | 'ledger_transfers' | 'ledger_checkpoints',
    readonly id: string,
    reason: string,
  ) {
    super(`${table} row ${id}: ${reason}`);
  }
}

/**
 * A hash chain's head row (the one row of `ledger_chain` or `decision_chain`) missing or holding
 * what no honest write leaves (text in a count): every write reads it, and verify reports it.
 */
export class UnreadableChainHead extends Error {
  override readonly name = 'UnreadableChainHead';
  constructor(
    readonly table: 'ledger_chain' | 'decision_chain',
    reason: string,
  ) {
    super(`${table}: ${reason}`);
  }
}

export interface Store {
  readonly backend: Backend;
  /** A human-readable location: the SQLite file or the PostgreSQL database (no password). */
  readonly location: string;
  /** One unit of work in one transaction: commits when `work` resolves, rolls back when it throws. */
  write<T>(work: (tx: WriteTransaction) => Promise<T>): Promise<T>;
  /** A consistent read-only snapshot. */
  read<T>(work: (tx: ReadTransaction) => Promise<T>): Promise<T>;
  /** Applies pending migrations in order, each in its own transaction; answers their names. */
  migrate(onApplied?: (name: string) => void): Promise<string[]>;
  /** Migrations known to the code but not yet applied to the database. */
  pendingMigrations(): Promise<string[]>;
  close(): Promise<void>;
}

export interface ReadTransaction {
  readonly ledger: LedgerReader;
  readonly apiKeys: ApiKeyReader;
  readonly inbox: InboxReader;
  readonly features: FeatureReader;
  readonly risk: RiskReader;
  readonly financing: FinancingReader;
  readonly webhooks: WebhookReader;
}

export interface WriteTransaction extends ReadTransaction {
  readonly ledger: LedgerRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly idempotency: IdempotencyRepository;
  readonly inbox: InboxRepository;
  readonly features: FeatureRepository;
  readonly risk: RiskRepository;
  readonly financing: FinancingRepository;
  readonly webhooks: WebhookRepository;
}

// ---------------------------------------------------------------------------------------------
// Ledger

/** The end of the hash chain and of the ledger's timestamp sequence (accounts and transfers). */
export interface ChainHead {
  readonly lastHash: string;
  readonly transferCount: bigint;
  /** Accounts opened so far: verify compares it with the accounts stored. */
  readonly accountCount: bigint;
  readonly lastTimestamp: bigint;
}

/** A stored transfer with its position in the ledger: 1 for the first, the chain head's count for the last. */
export interface SequencedTransfer extends ChainedTransfer {
  readonly sequence: bigint;
}

/** A row of the expiry index: an open pending transfer with a timeout, and when it expires. */
export interface PendingExpiry {
  readonly pendingId: string;
  readonly expiresAt: bigint;
}

export interface SealedAccount {
  readonly account: Account;
  /** SHA-256 over the account's immutable fields (domain/ledger/hash-chain.ts accountSeal). */
  readonly seal: string;
}

export interface AccountFilter {
  readonly ledger?: string;
  readonly currency?: string;
  readonly code?: string;
  /** Only accounts with debits pending (money reserved, not yet posted nor voided). */
  readonly withDebitsPending?: boolean;
}

/** One row of a trial balance: the accounts of one ledger, currency and code, summed. */
export interface TrialBalanceRow extends Balances {
  readonly ledger: string;
  readonly currency: string;
  readonly code: string;
  readonly accountCount: bigint;
}

/** A daily checkpoint as stored (src/domain/ledger/checkpoint.ts), with when it was made. */
export interface StoredCheckpoint extends Checkpoint {
  readonly createdAtMs: bigint;
}

/** A decision's link in its chain, with when it was decided: checkpoints cover decisions by day. */
export interface DecisionLink extends ChainLink {
  readonly decidedAtMs: bigint;
}

export interface Page {
  /** Rows strictly after this key, in the listing's order. */
  readonly after?: string;
  readonly limit: number;
}

export interface LedgerReader {
  head(): Promise<ChainHead>;
  accountsByIds(ids: readonly string[]): Promise<Map<string, Account>>;
  /** Accounts ordered by id. */
  listAccounts(filter: AccountFilter, page: Page): Promise<Account[]>;
  /** The account's totals right after the last transfer at or before `timestampNs`; null if none. */
  balancesAsOf(accountId: string, timestampNs: bigint): Promise<Balances | null>;
  transfer(id: string): Promise<ChainedTransfer | undefined>;
  /** Transfers that debit or credit the account, in ledger order, after the given timestamp. */
  entries(
    accountId: string,
    range: { readonly afterTimestamp: bigint; readonly atOrBeforeTimestamp: bigint },
    limit: number,
  ): Promise<Transfer[]>;
  /** Totals per ledger, currency and code; as of an instant when given, else now. */
  trialBalance(asOfNs: bigint | null): Promise<TrialBalanceRow[]>;
  /** For verification: accounts with their seals, ordered by timestamp. */
  sealedAccountsPage(afterTimestamp: bigint, limit: number): Promise<SealedAccount[]>;
  /** For verification: transfers in ledger (timestamp) order, with their storage sequence. */
  transfersPage(afterTimestamp: bigint, limit: number): Promise<SequencedTransfer[]>;
  /** For verification: how many stored transfers sit in the wrong index bucket for their sequence. */
  countMisfiledTransfers(): Promise<bigint>;
  /** For verification: the expiry index, ordered by pending id, after the given one. */
  pendingExpiriesPage(afterPendingId: string, limit: number): Promise<PendingExpiry[]>;
  countAccounts(): Promise<bigint>;
  /** Open pending transfers whose timeout has passed, oldest first. */
  dueExpirations(nowNs: bigint, limit: number): Promise<string[]>;
  /** The sequence of the last transfer stamped before `timestampNs`; 0 when there is none. */
  lastSequenceBefore(timestampNs: bigint): Promise<bigint>;
  /** The first transfer's timestamp; null while there is none. */
  firstTransferTimestamp(): Promise<bigint | null>;
  /** Transfers' sequences and chain hashes, after `afterSequence` through `throughSequence`, in order. */
  chainLinks(afterSequence: bigint, throughSequence: bigint, limit: number): Promise<ChainLink[]>;
  /** Daily checkpoints in day order, after `afterDay` when given. */
  checkpoints(page: { readonly afterDay?: number; readonly limit: number }): Promise<StoredCheckpoint[]>;
  checkpoint(day: number): Promise<StoredCheckpoint | undefined>;
  lastCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /** The last transfer and the last decision the checkpoints cover (0 for none). */
  checkpointedThrough(): Promise<{ readonly transfers: bigint; readonly decisions: bigint }>;
}

export interface LedgerRepository extends LedgerReader {
  /**
   * Serialises ledger writers: answers the chain head and holds it until the transaction ends. On
   * PostgreSQL a row lock; on SQLite the write transaction already excludes other writers.
   */
  lockHead(): Promise<ChainHead>;
  transfersByIds(ids: readonly string[]): Promise<Map<string, Transfer>>;
  /** For each pending id: the stored post, void or expiry that resolved it. */
  resolutionsOf(pendingIds: readonly string[]): Promise<Map<string, Transfer>>;
  insertAccounts(accounts: readonly SealedAccount[]): Promise<void>;
  /**
   * Appends transfers (in timestamp order), numbering them from `firstSequence` (the chain head's
   * count + 1), and writes the final totals of the accounts they moved.
   */
  appendTransfers(
    transfers: readonly ChainedTransfer[],
    accounts: readonly Account[],
    firstSequence: bigint,
  ): Promise<void>;
  setHead(head: ChainHead): Promise<void>;
  /** Stores a day's checkpoint, and puts its `ledger.checkpoint.created` event in the outbox. */
  insertCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// API keys and idempotency

export const roles = ['operator', 'financier', 'merchant', 'platform'] as const;
export type Role = (typeof roles)[number];

/** A change an operator (or a command) made to how Capstan runs: when, by whom, to what, and how. */
export interface AuditEntry {
  /** In the order written (the store numbers them). */
  readonly sequence: bigint;
  readonly atMs: bigint;
  /** The API key that made it (`key_…`), or the command that did without one (`cli`). */
  readonly actor: string;
  /** `<subject type>.<what happened>`: `settings.changed`, `api_key.revoked`, … */
  readonly action: string;
  readonly subjectType: string;
  readonly subjectId: string;
  /** What the change was (the fields from what to what, the reason given, …), tagged JSON. */
  readonly detailJson: string;
}

/** Which entries of the audit log a reader asks for: any of subject and action, all when absent. */
export interface AuditFilter {
  readonly subjectType?: string;
  readonly subjectId?: string;
  readonly action?: string;
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly role: Role;
  /** The object the key acts for: a platform, a financier or a merchant; null for operators. */
  readonly objectId: string | null;
  readonly name: string;
  /** The first characters of the secret, to recognise a key without revealing it. */
  readonly secretPrefix: string;
  readonly createdAtMs: bigint;
  readonly revokedAtMs: bigint | null;
}

export interface ApiKeyReader {
  bySecretHash(secretHash: string): Promise<ApiKeyRecord | undefined>;
  byId(id: string): Promise<ApiKeyRecord | undefined>;
  /** Ordered by id. */
  list(page: Page): Promise<ApiKeyRecord[]>;
  countActive(role: Role): Promise<bigint>;
  /** Whether a platform key was ever issued for `objectId` (revoked or not): a platform Capstan knows. */
  platformKnown(objectId: string): Promise<boolean>;
}

export interface ApiKeyRepository extends ApiKeyReader {
  insert(key: ApiKeyRecord, secretHash: string): Promise<void>;
  /**
   * Inserts the key unless a key with that secret is stored, then false. On PostgreSQL an insert of
   * the same secret by a transaction still running is waited for.
   */
  insertUnlessSecretKnown(key: ApiKeyRecord, secretHash: string): Promise<boolean>;
  revoke(id: string, revokedAtMs: bigint): Promise<void>;
}

export interface StoredResponse {
  readonly fingerprint: string;
  /** Null while the first request with the key is still running. */
  readonly statusCode: number | null;
  readonly body: string | null;
}

export interface IdempotencyRepository {
  /**
   * Claims the key for this request, or answers what is stored under it. On PostgreSQL a concurrent
   * claim of the same key waits until the first transaction ends.
   */
  claim(
    scope: string,
    key: string,
    fingerprint: string,
    createdAtMs: bigint,
  ): Promise<StoredResponse | 'claimed'>;
  complete(scope: string, key: string, statusCode: number, body: string): Promise<void>;
  /** Gives a claimed key up: nothing is stored under it. */
  release(scope: string, key: string): Promise<void>;
  /**
   * Lets go of at most `limit` answers stored before `beforeMs`, oldest first (a claim still
   * running stays); answers how many.
   */
  prune(beforeMs: bigint, limit: number): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Events in: the inbox, the quarantine and the feature store

/** An accepted event as the inbox stores it; (source, id) is its identity. */
export interface InboxEvent {
  readonly source: string;
  readonly id: string;
  readonly type: string;
  readonly subject: string;
  readonly timeNs: bigint;
  readonly day: number;
  /** SHA-256 of `body`: equal hashes are the same event; unequal ones are compared canonically. */
  readonly bodyHash: string;
  readonly body: string;
  readonly origin: string;
  readonly receivedAtMs: bigint;
}

export type InboxKey = { readonly source: string; readonly id: string };

export interface InboxScanPage {
  readonly after?: InboxKey;
  readonly limit: number;
}

export interface InboxScan {
  readonly events: InboxEvent[];
  /** The last key read when the page read `limit` events; null when it read to the end. */
  readonly readTo: InboxKey | null;
}

export type QuarantineStatus = 'open' | 'replayed' | 'discarded';

export interface QuarantineEntry {
  readonly id: string;
  /** SHA-256 of the raw record: the same bad record seen again is one entry, seen more often. */
  readonly fingerprint: string;
  readonly origin: string;
  readonly line: number | null;
  readonly source: string | null;
  readonly eventId: string | null;
  readonly eventType: string | null;
  readonly code: string;
  readonly field: string | null;
  readonly detail: string;
  readonly raw: string;
  readonly status: QuarantineStatus;
  readonly firstSeenMs: bigint;
  readonly lastSeenMs: bigint;
  readonly seenCount: bigint;
  readonly resolvedAtMs: bigint | null;
  readonly resolution: string | null;
  /**
   * Who sent the record, whose scope a replay runs under; null for an entry filed before
   * migration 0014 recorded it.
   */
  readonly sender: QuarantineSender | null;
}

/**
 * A platform's key, which sends events of its own platform about its own merchants only, or an
 * operator (its key, `capstan import`, the NATS worker), whose records are trusted as they are.
 */
export type QuarantineSender =
  | { readonly role: 'operator' }
  | { readonly role: 'platform'; readonly platform: string };

export interface InboxReader {
  /** Stored body hashes of the given (source, id) keys, keyed "<source> <id>". */
  bodyHashes(keys: readonly { readonly source: string; readonly id: string }[]): Promise<Map<string, string>>;
  /** Stored bodies (the event's JSON as received) of the given keys, keyed "<source> <id>". */
  bodies(keys: readonly { readonly source: string; readonly id: string }[]): Promise<Map<string, string>>;
  countEvents(): Promise<bigint>;
  /**
   * Reads the next `limit` events of the inbox in (source, id) order after `after` and answers
   * those about `subject` (a merchant), with the key it read up to — null when it reached the end.
   * The inbox has no index on the subject, so a merchant's events are found by walking the whole
   * inbox once, by its key: a page is bounded by what it reads, not by what it finds.
   */
  scanEventsAbout(subject: string, page: InboxScanPage): Promise<InboxScan>;
  /** Whether any event from `source` is stored. */
  sourceKnown(source: string): Promise<boolean>;
  quarantined(id: string): Promise<QuarantineEntry | undefined>;
  /** Ordered by id. */
  listQuarantine(status: QuarantineStatus | null, page: Page): Promise<QuarantineEntry[]>;
  countQuarantine(status: QuarantineStatus | null): Promise<bigint>;
}

export interface InboxRepository extends InboxReader {
  /** Inserts the events whose (source, id) is new; answers the keys it inserted. */
  insertEvents(events: readonly InboxEvent[]): Promise<Set<string>>;
  /**
   * Takes back events this transaction inserted and then refused (their day's totals would not
   * fit): as if they had never come. Nothing else removes an event from the inbox.
   */
  withdrawEvents(keys: readonly { readonly source: string; readonly id: string }[]): Promise<void>;
  /**
   * Records problems; a fingerprint already there is counted as seen again, not duplicated.
   * Answers the id each fingerprint is filed under.
   */
  quarantine(entries: readonly QuarantineEntry[]): Promise<Map<string, string>>;
  resolveQuarantined(id: string, status: QuarantineStatus, resolution: string, atMs: bigint): Promise<void>;
}

export interface FeatureReader {
  /** Everything features as of `asOfDay` need, dated on or before it (point in time). */
  loadInputs(merchantId: string, asOfDay: number): Promise<FeatureInputs>;
  /** Merchants with any activity, ordered by id. */
  listMerchants(page: Page): Promise<string[]>;
  /** A merchant's daily rows, every day and currency, in (day, currency) order after `after`. */
  dailyRowsOf(
    merchantId: string,
    page: { readonly after?: { readonly day: number; readonly currency: string }; readonly limit: number },
  ): Promise<DailyRow[]>;
  /** A merchant's profile facts (one per `merchant.onboarded`), in event-key order after `afterEventKey`. */
  profilesOf(
    merchantId: string,
    page: { readonly afterEventKey?: string; readonly limit: number },
  ): Promise<Extract<Fact, { kind: 'profile' }>[]>;
}

export interface FeatureRepository extends FeatureReader {
  /** The stored daily rows of the given (merchant, day, currency) keys; a key not stored has none. */
  storedDaily(keys: readonly Pick<DailyRow, 'merchantId' | 'day' | 'currency'>[]): Promise<DailyRow[]>;
  /**
   * Adds daily counters (sums) and inserts facts (one per event; a repeat is ignored), and moves
   * the version of every merchant they touch.
   */
  apply(daily: readonly DailyRow[], facts: readonly Fact[]): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Risk: consents, flags, models, decisions

export type ModelStatus = 'champion' | 'challenger' | 'retired';

export interface ModelRecord {
  readonly id: string;
  readonly version: number;
  readonly algorithm: string;
  readonly status: ModelStatus;
  /** The model artifact (domain/risk), as JSON. */
  readonly artifactJson: string;
  /** Hold-out metrics and the training report, as JSON. */
  readonly metricsJson: string;
  /** What it was trained on, as JSON: data file or feature-store window, horizon, seed. */
  readonly trainingJson: string;
  readonly createdAtMs: bigint;
}

export interface DecisionRow {
  readonly sequence: bigint;
  readonly id: string;
  readonly merchantId: string;
  readonly decidedAtMs: bigint;
  readonly outcome: string;
  /** The decision as the API shows it, canonical JSON. */
  readonly recordJson: string;
  /** Everything it was made from, tagged JSON (bigints kept): decide() on these reproduces it. */
  readonly inputsJson: string;
  /**
   * SHA-256 of inputsJson. Inputs are stored once per digest: repeated decisions on unchanged
   * inputs (a cached merchant) share one copy.
   */
  readonly inputsDigest: string;
  readonly hash: string;
}

export interface DecisionChainHead {
  readonly lastHash: string;
  readonly count: bigint;
}

export interface FacilityDebtService {
  readonly facilityId: string;
  readonly currency: string;
  readonly dailyDebtServiceMinor: bigint;
}

/** A flag set on a merchant: why, and when (a flag cleared is gone; the audit log keeps both). */
export interface MerchantFlag {
  readonly flag: string;
  readonly reason: string;
  readonly setAtMs: bigint;
}

export interface RiskReader {
  consents(merchantId: string): Promise<Consent[]>;
  consent(id: string): Promise<Consent | undefined>;
  /** Active flags (e.g. `fraud`) on a merchant. */
  flags(merchantId: string): Promise<string[]>;
  /** The same flags with the reason given and when each was set, by flag. */
  flagRecords(merchantId: string): Promise<MerchantFlag[]>;
  modelsByStatus(status: ModelStatus): Promise<ModelRecord[]>;
  model(id: string): Promise<ModelRecord | undefined>;
  /** Newest (highest version) first; only versions below `beforeVersion` when it is given. */
  listModels(limit: number, beforeVersion?: number): Promise<ModelRecord[]>;
  decision(id: string): Promise<DecisionRow | undefined>;
  /** A merchant's decisions (or everyone's), ordered by sequence; only those whose inputs are stored. */
  listDecisions(
    merchantId: string | null,
    page: { readonly afterSequence: bigint; readonly limit: number },
  ): Promise<DecisionRow[]>;
  decisionHead(): Promise<DecisionChainHead>;
  /** Decisions' links after `afterSequence`, in sequence order (daily checkpoints are built from them). */
  decisionLinks(afterSequence: bigint, limit: number): Promise<DecisionLink[]>;
  /** The first decision (by sequence) whose inputs are not stored: none is, where every write stores them. */
  firstDecisionWithoutInputs(): Promise<
    { readonly sequence: bigint; readonly id: string; readonly inputsDigest: string } | undefined
  >;
  /** The daily debt service of the merchant's live facilities. */
  debtService(merchantId: string): Promise<FacilityDebtService[]>;
  setting(name: string): Promise<string | undefined>;
  /** The audit log's entries the filter asks for, newest first; only before `beforeSequence` when given. */
  auditLog(
    filter: AuditFilter,
    page: { readonly beforeSequence?: bigint; readonly limit: number },
  ): Promise<AuditEntry[]>;
  /**
   * Whether the platform onboarded the merchant: sent a `merchant.onboarded` event about it (an
   * index seek on the merchant's profile facts, whose event keys start with the platform's id).
   */
  platformOnboardedMerchant(platformId: string, merchantId: string): Promise<boolean>;
  /**
   * For each of these merchants a platform has, the sources (platforms) it is theirs: the one that
   * claimed it (merchant_platforms) and any that sent a `merchant.onboarded` event about it.
   */
  merchantPlatforms(merchantIds: readonly string[]): Promise<Map<string, Set<string>>>;
  /** Change counters: cached decision inputs are good while both are unchanged. */
  versions(merchantId: string): Promise<{ readonly merchant: bigint; readonly config: bigint }>;
}

export interface RiskRepository extends RiskReader {
  /**
   * Claims for `source` those of these merchants no platform has claimed; answers the ones this
   * call claimed. A claim another transaction made first, committed or not, is never taken: on
   * PostgreSQL the insert waits for it and finds it.
   */
  claimMerchants(source: string, merchantIds: readonly string[], atMs: bigint): Promise<Set<string>>;
  /** Lets go of claims `source` holds on these merchants (made in this transaction, unused). */
  releaseMerchants(source: string, merchantIds: readonly string[]): Promise<void>;
  insertConsent(consent: Consent): Promise<void>;
  revokeConsent(id: string, atMs: bigint): Promise<void>;
  setFlag(merchantId: string, flag: string, reason: string, atMs: bigint): Promise<void>;
  clearFlag(merchantId: string, flag: string): Promise<void>;
  insertModel(model: ModelRecord): Promise<void>;
  setModelStatus(id: string, status: ModelStatus): Promise<void>;
  nextModelVersion(): Promise<number>;
  /** Locks the decision chain head for this transaction (PostgreSQL: a row lock). */
  lockDecisionHead(): Promise<DecisionChainHead>;
  appendDecisions(decisions: readonly DecisionRow[], head: DecisionChainHead): Promise<void>;
  /**
   * Locks the stored settings for this transaction (PostgreSQL: a row lock), so that a change read
   * after it sees every change committed before and none is lost to a concurrent one. The operator
   * changes the audit log records take it too (lockAuditedChanges).
   */
  lockSettings(): Promise<void>;
  putSetting(name: string, value: string, atMs: bigint): Promise<void>;
  /** Appends an entry to the audit log (the store numbers it). */
  appendAudit(entry: Omit<AuditEntry, 'sequence'>): Promise<void>;
  /** Records a facility's daily debt service (the financing products keep it current). */
  putFacilityDebtService(
    merchantId: string,
    facility: FacilityDebtService,
    status: 'active' | 'closed',
  ): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Financing: pools, offers, facilities, sweeps, the daily cycle

export interface FundingPoolRow {
  readonly financierId: string;
  readonly currency: string;
  readonly createdAtMs: bigint;
}

export type OfferStatus = 'open' | 'accepted' | 'expired' | 'withdrawn';

export interface OfferRow {
  readonly id: string;
  readonly merchantId: string;
  readonly decisionId: string;
  readonly product: string;
  readonly currency: string;
  readonly amountMinor: bigint;
  readonly status: OfferStatus;
  /** Day numbers. */
  readonly offeredOn: number;
  readonly expiresOn: number;
  /** The offer as made: terms, schedule, cost and APR (tagged JSON). */
  readonly offerJson: string;
  readonly createdAtMs: bigint;
  readonly acceptedAtMs: bigint | null;
  /** What the merchant was shown and relied on when it accepted: the disclosure and the consent. */
  readonly acceptanceJson: string | null;
  readonly facilityId: string | null;
}

export interface FacilityRow {
  readonly id: string;
  readonly merchantId: string;
  readonly financierId: string;
  readonly offerId: string | null;
  readonly product: string;
  readonly currency: string;
  readonly status: string;
  readonly openedOn: number;
  /** The product's servicing state (terms, balances, schedule), tagged JSON. */
  readonly stateJson: string;
  /** Moves with every write: a writer that read an older version lost a race. */
  readonly version: bigint;
  readonly updatedAtMs: bigint;
}

/** A facility's new row, written only over the version it was read at. */
export interface FacilityChange {
  readonly facility: FacilityRow;
  readonly expectedVersion: bigint;
}

export interface FacilityEventRow {
  readonly facilityId: string;
  readonly sequence: number;
  readonly day: number;
  readonly type: string;
  readonly detailJson: string;
  readonly atMs: bigint;
}

export type OfferEventType = 'created' | 'accepted' | 'withdrawn' | 'expired';

/**
 * Why an open offer was withdrawn: another size of the same product from its decision was accepted;
 * a later decision's offers replaced it; the merchant was flagged for fraud; it fell behind on a
 * facility; the consent the offer was worked out under was revoked, or had expired, with no other
 * covering the same data.
 */
export const offerWithdrawalReasons = [
  'alternative_accepted',
  'decision_replaced',
  'merchant_flagged',
  'facility_in_arrears',
  'consent_revoked',
  'consent_expired',
] as const;
export type OfferWithdrawalReason = (typeof offerWithdrawalReasons)[number];

/** An offer's history: made (sequence 1), then accepted, withdrawn or expired. */
export interface OfferEventRow {
  readonly offerId: string;
  readonly sequence: number;
  readonly type: OfferEventType;
  /** Why it was withdrawn; null for any other event, and for withdrawals recorded before reasons were. */
  readonly reason: OfferWithdrawalReason | null;
  readonly atMs: bigint;
}

export interface SweepRow {
  /** The payout it came from: "<source> <settlement id>", from a settlement.paid event or a commit. */
  readonly settlementKey: string;
  readonly merchantId: string;
  readonly day: number;
  readonly currency: string;
  readonly netMinor: bigint;
  readonly deductedMinor: bigint;
  /** The split instruction: each facility's deduction by component, each financier's share. */
  readonly splitJson: string;
  readonly atMs: bigint;
}

export interface EodRunRow {
  readonly day: number;
  readonly status: 'running' | 'done';
  /** The last facility id serviced, for resuming after a crash. */
  readonly cursor: string | null;
  readonly facilitiesDone: bigint;
  readonly startedAtMs: bigint;
  readonly finishedAtMs: bigint | null;
}

export interface FinancingReader {
  pools(): Promise<FundingPoolRow[]>;
  offer(id: string): Promise<OfferRow | undefined>;
  /** Newest first. */
  offersForMerchant(merchantId: string, status?: OfferStatus): Promise<OfferRow[]>;
  facility(id: string): Promise<FacilityRow | undefined>;
  facilitiesForMerchant(merchantId: string): Promise<FacilityRow[]>;
  /** The facilities of many merchants: each merchant's together and in id order, as one by one. */
  facilitiesForMerchants(merchantIds: readonly string[]): Promise<FacilityRow[]>;
  /** Facilities in any of these statuses, in id order after `after`: the daily cycle's pages. */
  facilitiesByStatus(
    statuses: readonly string[],
    page: { readonly after?: string; readonly limit: number },
  ): Promise<FacilityRow[]>;
  facilityEvents(
    facilityId: string,
    page: { readonly afterSequence?: number; readonly limit: number },
  ): Promise<FacilityEventRow[]>;
  /** The sequence of the facility's newest event; 0 with none. */
  lastFacilityEventSequence(facilityId: string): Promise<number>;
  /** The same for many facilities at once: those with events, by id (a facility with none is absent). */
  lastFacilityEventSequences(facilityIds: readonly string[]): Promise<Map<string, number>>;
  /** An offer's events, oldest first. */
  offerEvents(offerId: string): Promise<OfferEventRow[]>;
  /** The sequence of each offer's newest event, by id (an offer with none is absent). */
  lastOfferEventSequences(offerIds: readonly string[]): Promise<Map<string, number>>;
  sweep(settlementKey: string): Promise<SweepRow | undefined>;
  /** The sweeps recorded for any of these settlements, by settlement key. */
  sweepsByKey(settlementKeys: readonly string[]): Promise<Map<string, SweepRow>>;
  /** A merchant's sweeps from `fromDay` to `toDay`, inclusive, oldest first. */
  sweepsForMerchant(merchantId: string, fromDay: number, toDay: number): Promise<SweepRow[]>;
  /** The same for many merchants: each merchant's together, in that order. */
  sweepsForMerchants(merchantIds: readonly string[], fromDay: number, toDay: number): Promise<SweepRow[]>;
  eodRun(day: number): Promise<EodRunRow | undefined>;
  lastEodRun(): Promise<EodRunRow | undefined>;
  /** The day the earliest facility still serviced (active, delinquent, defaulted) opened; null: none. */
  earliestOpenedInService(): Promise<number | null>;
}

export interface FinancingRepository extends FinancingReader {
  /** Creates the pool unless it exists. */
  insertPool(pool: FundingPoolRow): Promise<void>;
  insertOffers(offers: readonly OfferRow[]): Promise<void>;
  updateOffer(
    id: string,
    change: Pick<OfferRow, 'status'> &
      Partial<Pick<OfferRow, 'acceptedAtMs' | 'acceptanceJson' | 'facilityId'>>,
  ): Promise<void>;
  /**
   * Accepts an open offer and withdraws its open alternatives (the same decision's offers of the
   * same product) in one statement that holds every open offer of the merchant: `taken` is false —
   * and nothing changed — when it was not open.
   */
  takeOffer(
    offer: Pick<OfferRow, 'id' | 'merchantId' | 'decisionId' | 'product'>,
  ): Promise<{ readonly taken: boolean; readonly withdrawn: readonly string[] }>;
  /**
   * Puts back what `takeOffer` took — the offer and the alternatives it withdrew open again — or
   * what `withdrawOffers` withdrew for a decision that then made no offers.
   */
  releaseOffer(id: string, withdrawn: readonly string[]): Promise<void>;
  /** Marks the offer expired if it is open; answers whether it did. */
  expireOffer(id: string): Promise<boolean>;
  /** Withdraws the merchant's offers still open; answers their ids, sorted. */
  withdrawOpenOffers(merchantId: string): Promise<string[]>;
  /** Withdraws those of these offers still open; answers their ids, sorted. */
  withdrawOffers(ids: readonly string[]): Promise<string[]>;
  /** Marks open offers expiring before `beforeDay` expired; answers their ids. */
  expireOffers(beforeDay: number): Promise<string[]>;
  /** Appends to offers' histories, and puts each event in the outbox for webhooks (same transaction). */
  appendOfferEvents(events: readonly OfferEventRow[]): Promise<void>;
  insertFacility(facility: FacilityRow): Promise<void>;
  /** Inserts many facilities at once (a migration or a seeded book); the same rows as one by one. */
  insertFacilities(facilities: readonly FacilityRow[]): Promise<void>;
  /** Writes `facility` if the stored version is `expectedVersion`; answers whether it did. */
  updateFacility(facility: FacilityRow, expectedVersion: bigint): Promise<boolean>;
  /** Writes each facility whose stored version is the one expected; answers the ids of those it did not. */
  updateFacilities(changes: readonly FacilityChange[]): Promise<string[]>;
  /** Appends to facilities' histories, and puts each event in the outbox for webhooks (same transaction). */
  appendFacilityEvents(events: readonly FacilityEventRow[]): Promise<void>;
  /** Records a sweep unless one exists for its settlement; answers whether it did. */
  insertSweep(sweep: SweepRow): Promise<boolean>;
  /** Records many sweeps, each unless one exists for its settlement; answers how many it did. */
  insertSweeps(sweeps: readonly SweepRow[]): Promise<number>;
  putEodRun(run: EodRunRow): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Events out: webhook endpoints, the outbox and deliveries

export type WebhookEndpointStatus = 'enabled' | 'disabled';

export interface WebhookEndpointRow {
  readonly id: string;
  readonly url: string;
  /** `whsec_` and the signing key in base64 (Standard Webhooks). */
  readonly secret: string;
  /** The secret before the last rotation, which still signs (beside `secret`) until it expires. */
  readonly previousSecret: string | null;
  readonly previousSecretExpiresAtMs: bigint | null;
  /** Since when every attempt to it has failed (null once one succeeds). */
  readonly failingSinceMs: bigint | null;
  /** Why it was disabled by Capstan (null when an operator disabled it, or it is enabled). */
  readonly disabledReason: string | null;
  /** The event types delivered to it; empty for every type. */
  readonly eventTypes: readonly string[];
  readonly description: string;
  readonly status: WebhookEndpointStatus;
  readonly createdAtMs: bigint;
  readonly updatedAtMs: bigint;
}

/** An event in the outbox: a facility's or an offer's, by its id and place in that one's history. */
export interface OutboxEventRow {
  readonly sequence: bigint;
  readonly subject: EventSubject;
  readonly subjectId: string;
  readonly subjectSequence: number;
  /** The event's own type (`swept`, `created`, …) and when it was recorded (from its history). */
  readonly type: string;
  readonly atMs: bigint;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveryRow {
  readonly endpointId: string;
  readonly outboxSequence: bigint;
  readonly subject: EventSubject;
  readonly subjectId: string;
  readonly subjectSequence: number;
  /** As on the wire: `facility.swept`, `offer.created`, … */
  readonly eventType: string;
  readonly status: WebhookDeliveryStatus;
  /** Attempts made so far. */
  readonly attempts: number;
  /** When it is next tried (pending only). */
  readonly nextAttemptAtMs: bigint | null;
  readonly lastAttemptAtMs: bigint | null;
  readonly lastResponseStatus: number | null;
  readonly lastError: string | null;
  readonly createdAtMs: bigint;
}

export interface WebhookReader {
  endpoint(id: string): Promise<WebhookEndpointRow | undefined>;
  /** In id order after `after`. */
  endpoints(page: { readonly after?: string; readonly limit: number }): Promise<WebhookEndpointRow[]>;
  /** An endpoint's deliveries, newest event first, before `beforeSequence`; of one status if given. */
  deliveries(
    endpointId: string,
    page: {
      readonly beforeSequence?: bigint;
      readonly status?: WebhookDeliveryStatus;
      readonly limit: number;
    },
  ): Promise<WebhookDeliveryRow[]>;
  /** The oldest events not yet fanned out, with their types. */
  pendingOutbox(limit: number): Promise<OutboxEventRow[]>;
  /** Pending deliveries due by `nowMs`, soonest first; none to the endpoints in `exceptEndpoints`. */
  dueDeliveries(
    nowMs: bigint,
    limit: number,
    exceptEndpoints?: readonly string[],
  ): Promise<WebhookDeliveryRow[]>;
}

export interface WebhookRepository extends WebhookReader {
  insertEndpoint(endpoint: WebhookEndpointRow): Promise<void>;
  /** Writes what may change of an endpoint (all but its id and creation) as given. */
  updateEndpoint(endpoint: WebhookEndpointRow): Promise<void>;
  /** Outbox events of the events recorded at or after `sinceMs` (a replay), oldest first. */
  outboxSince(
    sinceMs: bigint,
    page: { readonly afterSequence: bigint; readonly limit: number },
  ): Promise<OutboxEventRow[]>;
  markFannedOut(sequences: readonly bigint[]): Promise<void>;
  /** Creates each delivery unless its endpoint already has one for its event (a fan-out repeated). */
  insertDeliveries(deliveries: readonly WebhookDeliveryRow[]): Promise<void>;
  /** Creates each delivery, or sets the one there pending again with no attempts, due as given (a replay). */
  requeueDeliveries(deliveries: readonly WebhookDeliveryRow[]): Promise<void>;
  /**
   * Moves a delivery on if it is still as read (same attempts and due time), so two dispatchers
   * never both take it; answers whether it did.
   */
  updateDelivery(
    read: Pick<WebhookDeliveryRow, 'endpointId' | 'outboxSequence' | 'attempts' | 'nextAttemptAtMs'>,
    change: Pick<
      WebhookDeliveryRow,
      'status' | 'attempts' | 'nextAttemptAtMs' | 'lastAttemptAtMs' | 'lastResponseStatus' | 'lastError'
    >,
  ): Promise<boolean>;
  /**
   * Fails the endpoint's pending deliveries, unsent, with `lastError` — all of them, or (`keptTypes`
   * given, not empty) those of event types not in it; answers how many.
   */
  failPendingDeliveries(
    endpointId: string,
    lastError: string,
    keptTypes?: readonly string[],
  ): Promise<number>;
  /**
   * Records an attempt whose delivery failPendingDeliveries failed while it was being sent (failed
   * with one of `reasons`, its attempts as read): the attempt counted, `change` written — it got
   * through, or failed; answers whether it did.
   */
  recordAttemptFailedMeanwhile(
    read: Pick<WebhookDeliveryRow, 'endpointId' | 'outboxSequence' | 'attempts'>,
    change: Pick<
      WebhookDeliveryRow,
      'status' | 'attempts' | 'lastAttemptAtMs' | 'lastResponseStatus' | 'lastError'
    >,
    reasons: readonly string[],
  ): Promise<boolean>;
  /** Lets go of up to `limit` outbox events fanned out and recorded before `beforeMs`; answers how many. */
  pruneOutbox(beforeMs: bigint, limit: number): Promise<number>;
  /** Lets go of up to `limit` deliveries made before `beforeMs` and done with (delivered or failed). */
  pruneDeliveries(beforeMs: bigint, limit: number): Promise<number>;
}
