/**
 * What Capstan holds about one merchant, read for its export (a subject-access or portability
 * request, DESIGN.md "Security and privacy"): each kind of record walked in pages, all in the
 * caller's one read transaction, so the export is one consistent snapshot. The API's shape of it is
 * src/http/merchant-export-document.ts; GET /v1/merchants/{id}/export and `capstan merchant export`
 * write it.
 *
 * Nothing here holds a whole section in memory where it can grow with the merchant's history
 * (events, daily rows, decisions, a facility's events, the audit log): each is a generator of
 * pages. What stays whole is small by construction: consents, flags, the merchant's API keys, its
 * offers and facilities (a handful per decision), its sweeps (one per payout).
 */
import type { DailyRow, Fact } from '../../domain/features/projection.ts';
import { dayNumberOfInstant } from '../../domain/time/instant.ts';
import { type FacilityReport, facilityReport, knownMerchant } from '../financing/reports.ts';
import type {
  ApiKeyRecord,
  AuditEntry,
  AuditFilter,
  DecisionRow,
  FacilityEventRow,
  InboxEvent,
  InboxKey,
  ReadTransaction,
  SweepRow,
} from '../ports.ts';

/** Rows read per page of a merchant's own records (found by an index on the merchant). */
export const exportPageSize = 1_000;
/** Inbox events read per page of the walk through the whole inbox (it has no index by merchant). */
export const inboxScanPageSize = 5_000;

/**
 * Whether Capstan holds anything about the merchant: a platform sent an event about it (or an
 * operator imported one: daily rows, a profile), it has a facility, a consent, a flag, a decision,
 * an offer, an API key, or an entry in the audit log. An id with none of these is a typo, answered
 * as such, not an empty export. Each is one index seek, except the API keys, which are few.
 */
export async function merchantHeld(tx: ReadTransaction, merchantId: string): Promise<boolean> {
  if (await knownMerchant(tx, merchantId)) return true;
  if ((await tx.features.dailyRowsOf(merchantId, { limit: 1 })).length > 0) return true;
  if ((await tx.features.profilesOf(merchantId, { limit: 1 })).length > 0) return true;
  if ((await tx.risk.consents(merchantId)).length > 0) return true;
  if ((await tx.risk.flagRecords(merchantId)).length > 0) return true;
  if ((await tx.risk.listDecisions(merchantId, { afterSequence: 0n, limit: 1 })).length > 0) return true;
  if ((await tx.financing.offersForMerchant(merchantId)).length > 0) return true;
  const audit = { subjectType: 'merchant', subjectId: merchantId };
  if ((await tx.risk.auditLog(audit, { limit: 1 })).length > 0) return true;
  return (await merchantApiKeys(tx, merchantId)).length > 0;
}

/** The merchant keys issued for the merchant, revoked or not, by id (the secrets are kept hashed only). */
export async function merchantApiKeys(tx: ReadTransaction, merchantId: string): Promise<ApiKeyRecord[]> {
  const keys: ApiKeyRecord[] = [];
  for (let after: string | undefined; ; ) {
    const page = await tx.apiKeys.list(
      after === undefined ? { limit: exportPageSize } : { after, limit: exportPageSize },
    );
    keys.push(...page.filter((key) => key.role === 'merchant' && key.objectId === merchantId));
    if (page.length < exportPageSize) return keys;
    after = (page.at(-1) as ApiKeyRecord).id;
  }
}

/** The merchant's profile facts as ingested, one per `merchant.onboarded` event, in event-key order. */
export async function* profilesOf(
  tx: ReadTransaction,
  merchantId: string,
): AsyncGenerator<Extract<Fact, { kind: 'profile' }>> {
  for (let afterEventKey: string | undefined; ; ) {
    const page = await tx.features.profilesOf(
      merchantId,
      afterEventKey === undefined ? { limit: exportPageSize } : { afterEventKey, limit: exportPageSize },
    );
    yield* page;
    if (page.length < exportPageSize) return;
    afterEventKey = (page.at(-1) as (typeof page)[number]).eventKey;
  }
}

/** The merchant's daily feature rows, every day and currency, oldest first. */
export async function* dailyRowsOf(tx: ReadTransaction, merchantId: string): AsyncGenerator<DailyRow> {
  for (let after: { day: number; currency: string } | undefined; ; ) {
    const page = await tx.features.dailyRowsOf(
      merchantId,
      after === undefined ? { limit: exportPageSize } : { after, limit: exportPageSize },
    );
    yield* page;
    if (page.length < exportPageSize) return;
    const last = page.at(-1) as DailyRow;
    after = { day: last.day, currency: last.currency };
  }
}

/**
 * The events about the merchant as the inbox stored them, in (source, id) order. The inbox has no
 * index on the merchant, so this reads the whole inbox once, a page at a time: its cost grows with
 * every merchant's events, not this one's.
 */
export async function* inboxEventsAbout(tx: ReadTransaction, merchantId: string): AsyncGenerator<InboxEvent> {
  for (let after: InboxKey | undefined; ; ) {
    const scan = await tx.inbox.scanEventsAbout(
      merchantId,
      after === undefined ? { limit: inboxScanPageSize } : { after, limit: inboxScanPageSize },
    );
    yield* scan.events;
    if (scan.readTo === null) return;
    after = scan.readTo;
  }
}

/** The merchant's credit decisions, each with the inputs it was made from, in the decision log's order. */
export async function* decisionsOf(tx: ReadTransaction, merchantId: string): AsyncGenerator<DecisionRow> {
  for (let afterSequence = 0n; ; ) {
    const page = await tx.risk.listDecisions(merchantId, { afterSequence, limit: exportPageSize });
    yield* page;
    if (page.length < exportPageSize) return;
    afterSequence = (page.at(-1) as DecisionRow).sequence;
  }
}

/** A facility's whole history, oldest first. */
export async function* facilityEventsOf(
  tx: ReadTransaction,
  facilityId: string,
): AsyncGenerator<FacilityEventRow> {
  for (let afterSequence = 0; ; ) {
    const page = await tx.financing.facilityEvents(facilityId, { afterSequence, limit: exportPageSize });
    yield* page;
    if (page.length < exportPageSize) return;
    afterSequence = (page.at(-1) as FacilityEventRow).sequence;
  }
}

/** A facility as GET /v1/facilities/{id} reports it today (terms, balances, schedule), without its history. */
export async function facilityNow(
  tx: ReadTransaction,
  facilityId: string,
  merchantId: string,
  nowNs: bigint,
): Promise<FacilityReport | undefined> {
  return facilityReport(tx, {
    facilityId,
    scope: { merchantId },
    day: dayNumberOfInstant(nowNs),
    nowMs: nowNs / 1_000_000n,
    afterSequence: 0,
    limit: 1,
  });
}

/** Every sweep of the merchant's payouts, oldest first (one per settlement: few beside its events). */
export async function sweepsOf(tx: ReadTransaction, merchantId: string): Promise<SweepRow[]> {
  // Days far before and after any payout, within the 32-bit column the days are stored in.
  return tx.financing.sweepsForMerchant(merchantId, -1_000_000_000, 1_000_000_000);
}

/** The audit log's entries about one subject, newest first (as GET /v1/audit_log lists them). */
export async function* auditEntriesAbout(
  tx: ReadTransaction,
  filter: Required<Pick<AuditFilter, 'subjectType' | 'subjectId'>>,
): AsyncGenerator<AuditEntry> {
  for (let beforeSequence: bigint | undefined; ; ) {
    const page = await tx.risk.auditLog(
      filter,
      beforeSequence === undefined ? { limit: exportPageSize } : { beforeSequence, limit: exportPageSize },
    );
    yield* page;
    if (page.length < exportPageSize) return;
    beforeSequence = (page.at(-1) as AuditEntry).sequence;
  }
}
