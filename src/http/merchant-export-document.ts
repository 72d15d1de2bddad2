/**
 * A merchant's export as one JSON document (schema_version 1): everything Capstan holds about the
 * merchant, each record in the shape the API answers it elsewhere (amounts as integer strings of
 * minor units beside their currency, ids with their prefixes, instants as RFC 3339, days as
 * YYYY-MM-DD). Written as a sequence of text chunks, section by section and a record per line, from
 * the caller's one read transaction: GET /v1/merchants/{id}/export and `capstan merchant export`
 * write the same chunks, so neither holds a whole section in memory. The reads are
 * src/app/privacy/merchant-export.ts; docs/api.md "Merchant export" describes the document.
 */
import { type TSchema, Type } from 'typebox';
import { featuresView } from '../app/features/features-json.ts';
import { merchantFeatures } from '../app/features/merchant-features.ts';
import { facilityHistoryLines } from '../app/financing/merchant-statement.ts';
import { parsed } from '../app/financing/reports.ts';
import type { SplitPreview } from '../app/financing/sweep.ts';
import type { AuditEntry, Clock, ReadTransaction, SweepRow } from '../app/ports.ts';
import {
  auditEntriesAbout,
  dailyRowsOf,
  decisionsOf,
  facilityEventsOf,
  facilityNow,
  inboxEventsAbout,
  merchantApiKeys,
  profilesOf,
  sweepsOf,
} from '../app/privacy/merchant-export.ts';
import { parseRecord } from '../app/risk/decisions.ts';
import { fromTaggedJson } from '../app/risk/tagged-json.ts';
import { dailyCounterNames } from '../domain/features/projection.ts';
import { fromDayNumber } from '../domain/time/calendar-date.ts';
import { dayNumberOfInstant } from '../domain/time/instant.ts';
import { ApiKeySchema } from './routes/api-keys.ts';
import { AuditEntrySchema, entryView } from './routes/audit.ts';
import { consentView } from './routes/risk.ts';
import {
  FacilityEventSchema,
  facilityReportProperties,
  OfferWithHistorySchema,
  SettlementSplitSchema,
  StatementLineSchema,
} from './schemas-financing.ts';
import { ConsentSchema, DecisionWithInputsSchema, MerchantFeaturesSchema } from './schemas-risk.ts';
import { apiKeyView, isoFromMs, isoFromNs } from './views.ts';
import {
  acceptanceView,
  eventView,
  facilityReportView,
  lineView,
  offerHistoryView,
  offerView,
  splitView,
} from './views-financing.ts';

/** Moves when a field is renamed, removed or changes meaning; a field added keeps it. */
export const merchantExportSchemaVersion = 1;

/**
 * What the export leaves out, and why: said in the document itself, so whoever reads it knows what
 * it is not.
 */
const notIncluded = [
  {
    what: 'webhook_deliveries',
    why: "the platform's record of sending events to its endpoints, not the merchant's: the events themselves are in offers[].history and facilities[].events",
  },
  {
    what: 'ledger_transfers',
    why: "the financiers' double-entry postings behind each facility: what they did to what the merchant owes is in facilities[].statement_lines and facilities[].events",
  },
  {
    what: 'derived_feature_rows',
    why: 'one row per order, invoice, purchase order, receipt, inventory count or attestation, each copied from an event in events: only the profile (profile) and the daily sums (daily_counters), which no single event holds, are given',
  },
  {
    what: 'idempotency_answers',
    why: 'the answers to requests sent with an Idempotency-Key, kept 30 days to answer a retry again: copies of records given here',
  },
  {
    what: 'quarantine',
    why: 'records refused at ingestion are kept as sent, unparsed and not attributed to a merchant (a refused record may not name one)',
  },
] as const;

/**
 * What a merchant's own export leaves out beside `notIncluded`: an operator's fraud and risk flags,
 * their reasons and their entries in the audit log. Telling a merchant it is suspected, and why,
 * would defeat the check; the law that grants access allows the restriction (GDPR art. 23(1)(d)),
 * and an operator's export of the same merchant has them.
 */
const withheldFromMerchant = {
  what: 'flags',
  why: "fraud and risk flags an operator set, their reasons and their audit entries: withheld from the merchant's own export as fraud-prevention information; `flags` is empty here, and an operator's export has them (a decision declined for a flag, or an offer withdrawn for one, says so in decisions and offers, as the API tells the merchant)",
} as const;

/** Who the export is for: an operator answering a request, or the merchant itself. */
export type ExportAudience = 'operator' | 'merchant';

const Timestamp = Type.String({ description: 'RFC 3339 date-time, UTC' });
const DateText = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' });
const Count = Type.String({ pattern: '^(0|-?[1-9][0-9]*)$', description: 'an integer as a string' });

const sections = [
  'platforms',
  'profile',
  'consents',
  'flags',
  'api_keys',
  'daily_counters',
  'events',
  'decisions',
  'offers',
  'facilities',
  'settlements',
  'audit_log',
] as const;
type Section = (typeof sections)[number];

/** The document's JSON Schema: the route's 200 in /openapi.json. */
export const MerchantExportSchema = Type.Object({
  object: Type.Literal('merchant_export'),
  schema_version: Type.Literal(merchantExportSchemaVersion),
  merchant_id: Type.String(),
  generated_at: Timestamp,
  not_included: Type.Array(Type.Object({ what: Type.String(), why: Type.String() }), {
    description: 'what Capstan holds that the export leaves out, and why',
  }),
  platforms: Type.Array(Type.String(), {
    description:
      'the platforms (plt_…) the merchant is theirs: the first to send an event about it, and any that onboarded it',
  }),
  profile: Type.Array(
    Type.Object({
      source: Type.String({ description: 'the platform that sent it' }),
      event_id: Type.String({ description: 'the `merchant.onboarded` event it came from (in `events`)' }),
      time: Timestamp,
      legal_name: Type.String(),
      country: Type.String(),
      currency: Type.String(),
      category: Type.String(),
      kyb_status: Type.String(),
    }),
    { description: 'the identity as ingested: one entry per `merchant.onboarded` event, by source and id' },
  ),
  consents: Type.Array(ConsentSchema, {
    description: 'every consent granted, oldest first, with its expiry and revocation',
  }),
  flags: Type.Array(Type.Object({ flag: Type.String(), reason: Type.String(), set_at: Timestamp }), {
    description: 'flags set now (a cleared flag is gone; its setting and clearing are in `audit_log`)',
  }),
  api_keys: Type.Array(ApiKeySchema, {
    description: "the merchant's own keys, revoked or not (their secrets are stored hashed and are not here)",
  }),
  features: Type.Union([MerchantFeaturesSchema, Type.Null()], {
    description: 'the features as of today, as GET /v1/merchants/{id}/features answers; null with no events',
  }),
  daily_counters: Type.Array(
    Type.Object({
      date: DateText,
      currency: Type.String({
        description: "ISO 4217, or '' for counts without money (deliveries, ratings)",
      }),
      counters: Type.Object(
        Object.fromEntries(dailyCounterNames.map((name) => [name, Count])) as Record<string, TSchema>,
      ),
    }),
    { description: "the feature store's daily sums, oldest first" },
  ),
  events: Type.Array(
    Type.Object({
      source: Type.String(),
      id: Type.String(),
      type: Type.String(),
      time: Timestamp,
      received_at: Timestamp,
      origin: Type.String({ description: 'how it came in: `http:req_…`, `file:…`, `nats:…`' }),
      body_sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
      event: Type.Record(Type.String(), Type.Unknown(), {
        description: 'the event as received: its CloudEvents envelope and data',
      }),
    }),
    { description: 'every event accepted about the merchant (its `subject`), by source and id' },
  ),
  decisions: Type.Array(DecisionWithInputsSchema, {
    description:
      'every credit decision, in the decision log’s order, as GET /v1/decisions/{id}?include=inputs answers it',
  }),
  offers: Type.Array(
    Type.Object({
      ...OfferWithHistorySchema.properties,
      acceptance: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], {
        description:
          "what the acceptance recorded (the disclosure shown and the consent relied on), as the facility's `accepted` event shows it; null for an offer not accepted",
      }),
    }),
    { description: 'every offer made, newest first, with its history' },
  ),
  facilities: Type.Array(
    Type.Object({
      ...facilityReportProperties,
      events: Type.Array(FacilityEventSchema, { description: 'its whole history, oldest first' }),
      statement_lines: Type.Array(StatementLineSchema, {
        description:
          'every line a statement shows of it, from its first, the balance run from nothing (payments, repayments and sweeps included)',
      }),
    }),
    { description: 'every facility, as GET /v1/facilities/{id} reports it today, with its whole history' },
  ),
  settlements: Type.Array(
    Type.Object({
      settlement_key: Type.String({ description: 'the sender and its settlement id' }),
      recorded_at: Timestamp,
      ...Type.Omit(SettlementSplitSchema, ['replayed']).properties,
    }),
    { description: 'every payout swept, oldest first, with the split made of it' },
  ),
  audit_log: Type.Array(AuditEntrySchema, {
    description:
      'the audit log’s entries about the merchant, about its API keys and about its facilities, newest first',
  }),
  counts: Type.Object(Object.fromEntries(sections.map((name) => [name, Type.Integer({ minimum: 0 })])), {
    description: 'how many records each list holds',
  }),
});

/** Builds the document's text: a field, or a list a record per line, counted. */
class Writer {
  private first = true;
  readonly counts = Object.fromEntries(sections.map((name) => [name, 0])) as Record<Section, number>;

  field(name: string, value: unknown): string {
    const text = `${this.first ? '{' : ',\n'}${JSON.stringify(name)}:${JSON.stringify(value)}`;
    this.first = false;
    return text;
  }

  async *list<T>(name: Section, rows: Iterable<T> | AsyncIterable<T>, view: (row: T) => unknown) {
    yield `${this.first ? '{' : ',\n'}${JSON.stringify(name)}:[`;
    this.first = false;
    let n = 0;
    for await (const row of rows) {
      yield `${n === 0 ? '\n' : ',\n'}${JSON.stringify(view(row))}`;
      n += 1;
    }
    this.counts[name] = n;
    yield n === 0 ? ']' : '\n]';
  }
}

function settlementView(row: SweepRow) {
  const split = fromTaggedJson<Partial<SplitPreview> & Pick<SplitPreview, 'waterfall'>>(row.splitJson);
  const { settlementKey, merchantId, day, currency, netMinor } = row;
  const settlementId = settlementKey.slice(settlementKey.indexOf(' ') + 1);
  return {
    settlement_key: settlementKey,
    recorded_at: isoFromMs(row.atMs),
    ...splitView(
      settlementId,
      { settlementKey, merchantId, day, currency, netMinor },
      {
        waterfall: split.waterfall,
        conversions: split.conversions ?? [],
        unconverted: split.unconverted ?? [],
      },
    ),
  };
}

/**
 * The document's text, chunk by chunk, read in `tx` (one snapshot). The merchant is taken to be
 * one Capstan holds something about (merchantHeld): this does not ask.
 */
export async function* merchantExportDocument(
  tx: ReadTransaction,
  context: { readonly clock: Clock },
  merchantId: string,
  audience: ExportAudience,
): AsyncGenerator<string> {
  const withholdFlags = audience === 'merchant';
  const nowNs = context.clock.nowNs();
  const today = dayNumberOfInstant(nowNs);
  const out = new Writer();
  yield out.field('object', 'merchant_export');
  yield out.field('schema_version', merchantExportSchemaVersion);
  yield out.field('merchant_id', merchantId);
  yield out.field('generated_at', isoFromNs(nowNs));
  yield out.field('not_included', withholdFlags ? [...notIncluded, withheldFromMerchant] : notIncluded);
  const platforms = (await tx.risk.merchantPlatforms([merchantId])).get(merchantId) ?? new Set<string>();
  yield* out.list('platforms', [...platforms].sort(), (platform) => platform);
  yield* out.list('profile', profilesOf(tx, merchantId), (fact) => {
    const space = fact.eventKey.indexOf(' ');
    return {
      source: fact.eventKey.slice(0, space),
      event_id: fact.eventKey.slice(space + 1),
      time: isoFromNs(fact.timeNs),
      legal_name: fact.legalName,
      country: fact.country,
      currency: fact.currency,
      category: fact.category,
      kyb_status: fact.kybStatus,
    };
  });
  yield* out.list('consents', await tx.risk.consents(merchantId), consentView);
  yield* out.list('flags', withholdFlags ? [] : await tx.risk.flagRecords(merchantId), (flag) => ({
    flag: flag.flag,
    reason: flag.reason,
    set_at: isoFromMs(flag.setAtMs),
  }));
  const keys = await merchantApiKeys(tx, merchantId);
  yield* out.list('api_keys', keys, apiKeyView);
  const features = await merchantFeatures(tx, context.clock, merchantId, today);
  yield out.field('features', features.ok ? featuresView(features.value) : null);
  yield* out.list('daily_counters', dailyRowsOf(tx, merchantId), (row) => ({
    date: fromDayNumber(row.day),
    currency: row.currency,
    counters: Object.fromEntries(dailyCounterNames.map((name) => [name, row.counters[name].toString()])),
  }));
  yield* out.list('events', inboxEventsAbout(tx, merchantId), (event) => ({
    source: event.source,
    id: event.id,
    type: event.type,
    time: isoFromNs(event.timeNs),
    received_at: isoFromMs(event.receivedAtMs),
    origin: event.origin,
    body_sha256: event.bodyHash,
    event: JSON.parse(event.body),
  }));
  yield* out.list('decisions', decisionsOf(tx, merchantId), (row) => {
    const record = parseRecord(row);
    return {
      ...record.view,
      inputs: JSON.parse(record.inputs),
      hash: row.hash,
      sequence: row.sequence.toString(),
    };
  });
  const offers = await tx.financing.offersForMerchant(merchantId);
  const offerHistories = new Map<string, Awaited<ReturnType<typeof tx.financing.offerEvents>>>();
  for (const offer of offers) offerHistories.set(offer.id, await tx.financing.offerEvents(offer.id));
  yield* out.list('offers', offers, (offer) => ({
    ...offerView(offer, today),
    history: offerHistoryView(offerHistories.get(offer.id) ?? []),
    acceptance: offer.acceptanceJson === null ? null : acceptanceView(offer.acceptanceJson),
  }));
  yield* out.list('facilities', facilitiesOf(tx, merchantId, nowNs), (facility) => facility);
  yield* out.list('settlements', await sweepsOf(tx, merchantId), settlementView);
  yield* out.list(
    'audit_log',
    auditOf(
      tx,
      merchantId,
      {
        keyIds: keys.map((key) => key.id),
        facilityIds: (await tx.financing.facilitiesForMerchant(merchantId)).map((row) => row.id),
      },
      withholdFlags,
    ),
    entryView,
  );
  yield out.field('counts', out.counts);
  yield '\n}\n';
}

/** Each facility as reported today, with its whole history and statement lines. */
async function* facilitiesOf(tx: ReadTransaction, merchantId: string, nowNs: bigint) {
  for (const row of await tx.financing.facilitiesForMerchant(merchantId)) {
    const report = await facilityNow(tx, row.id, merchantId, nowNs);
    if (report === undefined) continue;
    const { history: _page, ...facility } = facilityReportView(`/v1/facilities/${row.id}`, report);
    const events = [];
    for await (const event of facilityEventsOf(tx, row.id))
      events.push(eventView(parsed(event), row.currency));
    const lines = (await facilityHistoryLines(tx, row)).map((line) => lineView(line, row.currency));
    yield { ...facility, events, statement_lines: lines };
  }
}

/** Streams each newest first (by sequence), merged into one newest first. */
async function* newestFirst(streams: readonly AsyncGenerator<AuditEntry>[]): AsyncGenerator<AuditEntry> {
  const heads: IteratorResult<AuditEntry>[] = [];
  for (const stream of streams) heads.push(await stream.next());
  for (;;) {
    let newest = -1;
    for (const [index, head] of heads.entries()) {
      if (head.done) continue;
      const best = heads[newest];
      if (best === undefined || best.done || head.value.sequence > best.value.sequence) newest = index;
    }
    const head = heads[newest];
    if (head === undefined || head.done) return;
    yield head.value;
    heads[newest] = await (streams[newest] as AsyncGenerator<AuditEntry>).next();
  }
}

/**
 * The entries about the merchant, about its keys and about its facilities (collections paused or
 * resumed, payouts and draws confirmed or voided: on whose word), newest first. Each subject's are
 * read a page at a time and merged; a merchant's keys and facilities are few.
 */
async function* auditOf(
  tx: ReadTransaction,
  merchantId: string,
  subjects: { readonly keyIds: readonly string[]; readonly facilityIds: readonly string[] },
  withholdFlags: boolean,
): AsyncGenerator<AuditEntry> {
  async function* aboutMerchant() {
    for await (const entry of auditEntriesAbout(tx, { subjectType: 'merchant', subjectId: merchantId }))
      if (!withholdFlags || !entry.action.startsWith('merchant.flag')) yield entry;
  }
  yield* newestFirst([
    aboutMerchant(),
    ...subjects.keyIds.map((subjectId) => auditEntriesAbout(tx, { subjectType: 'api_key', subjectId })),
    ...subjects.facilityIds.map((subjectId) => auditEntriesAbout(tx, { subjectType: 'facility', subjectId })),
  ]);
}
