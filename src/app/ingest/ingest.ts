/**
 * The one inbox every ingestion path goes through, one batch per transaction: validated events are
 * stored by (source, id) — the same event again is a duplicate, the same id with another body a
 * conflict — and projected into the feature store; every record that cannot be applied is filed in
 * the quarantine with its reason, in the same transaction. Nothing is dropped and nothing is half
 * applied: either the whole batch (events, features, quarantine entries) commits or none of it.
 */
import { assert } from '../../domain/assert.ts';
import type { SettlementFxRate } from '../../domain/events/catalog.ts';
import type { RecordProblem } from '../../domain/events/check-event.ts';
import { dailyOverflows } from '../../domain/features/daily-range.ts';
import { type ProjectedEvent, project } from '../../domain/features/projection.ts';
import type { Sha256Hex } from '../../domain/ledger/hash-chain.ts';
import type { CurrencyCode } from '../../domain/money/currency.ts';
import { type FxRate, fxRate } from '../../domain/money/fx.ts';
import { rateBetween } from '../../domain/products/fx-deductions.ts';
import { servicedStates } from '../../domain/products/lifecycle.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';
import { dayNumberOfInstant } from '../../domain/time/instant.ts';
import { inRecovery, lentFromDay, servicedOf } from '../financing/serviced.ts';
import { type Settlement, sweepSettlements as sweepBatch } from '../financing/sweep.ts';
import type {
  Clock,
  Entropy,
  InboxEvent,
  QuarantineEntry,
  QuarantineSender,
  WriteTransaction,
} from '../ports.ts';
import type { ParsedRecord } from './records.ts';

export const ingestBatchRecordsMax = 10_000;
/** Raw text kept per quarantined record: enough to read and fix it, bounded. */
export const quarantineRawBytesMax = 64 * 1024;
const nanosecondsPerMillisecond = 1_000_000n;

export interface IngestContext {
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly sha256: Sha256Hex;
}

export interface IngestOptions {
  /**
   * A platform key may only send events from its own platform, about its own merchants; without
   * it, the records are an operator's (its key, an import, the worker), trusted as they are. Each
   * quarantine entry records which, and a replay runs under the same scope.
   */
  readonly allowedSource?: string | undefined;
  /** On replay a failure is answered, not filed again. */
  readonly quarantineFailures?: boolean;
}

export type RecordOutcome =
  | {
      readonly status: 'applied';
      readonly line: number | null;
      readonly source: string;
      readonly id: string;
      readonly type: string;
    }
  | {
      readonly status: 'duplicate';
      readonly line: number | null;
      readonly source: string;
      readonly id: string;
    }
  | {
      readonly status: 'quarantined';
      readonly line: number | null;
      readonly quarantineId: string | null;
      readonly source: string | null;
      readonly id: string | null;
      readonly problem: RecordProblem;
    };

/** Sorted keys at every level: two spellings of one event hash the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as object).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

interface Pending {
  readonly index: number;
  readonly key: string;
  readonly inbox: InboxEvent;
  readonly projected: ProjectedEvent;
}

interface Failure {
  readonly index: number;
  readonly problem: RecordProblem;
  readonly source: string | null;
  readonly id: string | null;
  readonly type: string | null;
}

export async function ingestBatch(
  tx: WriteTransaction,
  context: IngestContext,
  records: readonly ParsedRecord[],
  options: IngestOptions = {},
): Promise<RecordOutcome[]> {
  assert(records.length <= ingestBatchRecordsMax, 'ingestBatch: batch exceeds ingestBatchRecordsMax');
  const receivedAtMs = context.clock.nowNs() / nanosecondsPerMillisecond;
  const latestPayoutDay = dayNumberOfInstant(context.clock.nowNs()) + 1;
  const outcomes: (RecordOutcome | undefined)[] = new Array(records.length);
  const failures: Failure[] = [];
  const candidates: Pending[] = [];
  const firstInBatch = new Map<string, Pending>();
  /** Records that repeat an earlier one of the batch: its outcome is theirs if it is refused. */
  const repeats: Pending[] = [];
  // A platform key sends events only about its own merchants: the ones it claimed — by being the
  // first platform to send an event about one — or onboarded. An operator's import (a
  // marketplace's settlement report for a merchant of another platform, say) is trusted as it is.
  const owners = new Map<string, Set<string>>();
  const claimed = new Set<string>();
  if (options.allowedSource !== undefined)
    await claimSubjects(tx, options.allowedSource, records, receivedAtMs, owners, claimed);
  records.forEach((parsed, index) => {
    if (!parsed.ok) {
      failures.push({
        index,
        problem: parsed.problem,
        source: parsed.source,
        id: parsed.eventId,
        type: parsed.eventType,
      });
      return;
    }
    const { event, instant, record } = parsed;
    if (options.allowedSource !== undefined && event.source !== options.allowedSource) {
      failures.push({
        index,
        problem: {
          code: 'source_not_allowed',
          field: 'source',
          detail: `this API key sends events for ${options.allowedSource} only`,
        },
        source: event.source,
        id: event.id,
        type: event.type,
      });
      return;
    }
    // A payout is swept on its day: one dated after tomorrow (UTC; tomorrow for a platform whose day
    // is ahead) would charge instalments and open a day's cap before their day came, as
    // POST /v1/settlements/commit refuses it. Quarantined, it is sent again once paid.
    if (event.type === 'settlement.paid' && instant.day > latestPayoutDay) {
      failures.push({
        index,
        problem: {
          code: 'time_in_future',
          field: 'time',
          detail: `a payout is dated no later than tomorrow (${fromDayNumber(latestPayoutDay)}, UTC): send it once it is paid`,
        },
        source: event.source,
        id: event.id,
        type: event.type,
      });
      return;
    }
    const owner = owners.get(event.subject);
    if (owner !== undefined && !owner.has(event.source)) {
      failures.push({
        index,
        problem: {
          code: 'merchant_of_another_platform',
          field: 'subject',
          // Said to the sending platform's key: which platform has the merchant is not its to know.
          detail: `${event.subject} belongs to another platform: its events come from there`,
        },
        source: event.source,
        id: event.id,
        type: event.type,
      });
      return;
    }
    // The event's JSON as received (NDJSON line, HTTP body) or as the format built it: stored as
    // it came, hashed as it came. Only when a repeated id's hash differs is it compared canonically.
    const body = record.value === undefined ? record.raw.trim() : JSON.stringify(record.value);
    const key = `${event.source} ${event.id}`;
    const pending: Pending = {
      index,
      key,
      projected: { event, instant, key },
      inbox: {
        source: event.source,
        id: event.id,
        type: event.type,
        subject: event.subject,
        timeNs: instant.timeNs,
        day: instant.day,
        bodyHash: context.sha256(body),
        body,
        origin: record.origin,
        receivedAtMs,
      },
    };
    const earlier = firstInBatch.get(key);
    if (earlier === undefined) {
      firstInBatch.set(key, pending);
      candidates.push(pending);
    } else if (sameEvent(earlier.inbox.bodyHash, earlier.inbox.body, pending)) {
      outcomes[index] = { status: 'duplicate', line: record.line, source: event.source, id: event.id };
      repeats.push(pending);
    } else {
      failures.push({
        index,
        problem: conflict(event.source, event.id),
        source: event.source,
        id: event.id,
        type: event.type,
      });
    }
  });

  const inserted = await tx.inbox.insertEvents(candidates.map((c) => c.inbox));
  const repeated = candidates.filter((c) => !inserted.has(c.key));
  const existing = await tx.inbox.bodyHashes(repeated.map((c) => c.inbox));
  const differing = repeated.filter((c) => existing.get(c.key) !== c.inbox.bodyHash);
  const storedBodies = await tx.inbox.bodies(differing.map((c) => c.inbox));
  let applied: Pending[] = [];
  for (const candidate of candidates) {
    const { event } = candidate.projected;
    const line = records[candidate.index]?.record.line ?? null;
    if (inserted.has(candidate.key)) {
      applied.push(candidate);
      outcomes[candidate.index] = {
        status: 'applied',
        line,
        source: event.source,
        id: event.id,
        type: event.type,
      };
    } else if (sameEvent(existing.get(candidate.key), storedBodies.get(candidate.key), candidate)) {
      outcomes[candidate.index] = { status: 'duplicate', line, source: event.source, id: event.id };
    } else {
      failures.push({
        index: candidate.index,
        problem: conflict(event.source, event.id),
        source: event.source,
        id: event.id,
        type: event.type,
      });
    }
  }
  let projection = project(projectedOf(applied));
  const overflows = dailyOverflows(projection, await tx.features.storedDaily(projection.daily));
  if (overflows.size > 0) {
    applied = await refuseOverflows(tx, applied, overflows, repeats, failures, outcomes);
    projection = project(projectedOf(applied));
  }
  // A merchant claimed for a batch all of whose events about it were refused (each a conflict,
  // say) is let go: a refused event makes nobody's merchant. One sent again (a duplicate) was
  // sent, and keeps its claim.
  if (claimed.size > 0 && options.allowedSource !== undefined) {
    outcomes.forEach((outcome, index) => {
      const parsed = records[index];
      if (outcome !== undefined && outcome.status !== 'quarantined' && parsed?.ok)
        claimed.delete(parsed.event.subject);
    });
    if (claimed.size > 0) await tx.risk.releaseMerchants(options.allowedSource, [...claimed]);
  }
  await tx.features.apply(projection.daily, projection.facts);
  await sweepSettlements(tx, context, projectedOf(applied));
  await fileFailures(tx, context, records, failures, outcomes, {
    quarantine: options.quarantineFailures ?? true,
    sender:
      options.allowedSource === undefined
        ? { role: 'operator' }
        : { role: 'platform', platform: options.allowedSource },
    nowMs: receivedAtMs,
  });
  return outcomes.map((outcome, index) => {
    assert(outcome !== undefined, `record ${index} got no outcome`);
    return outcome;
  });
}

/**
 * Takes back the events whose day's totals would not fit (dailyOverflows): they were inserted in
 * this transaction, and are withdrawn from the inbox before anything else is written for them, so
 * the same event sent again is judged again — not answered as a duplicate of an event never
 * applied. A record of the batch repeating a refused one is refused with it. Answers the events
 * still applied, in order.
 */
async function refuseOverflows(
  tx: WriteTransaction,
  applied: readonly Pending[],
  overflows: ReadonlyMap<number, RecordProblem>,
  repeats: readonly Pending[],
  failures: Failure[],
  outcomes: (RecordOutcome | undefined)[],
): Promise<Pending[]> {
  const refused = new Map<string, RecordProblem>();
  const kept: Pending[] = [];
  applied.forEach((candidate, position) => {
    const problem = overflows.get(position);
    if (problem === undefined) {
      kept.push(candidate);
      return;
    }
    refused.set(candidate.key, problem);
    outcomes[candidate.index] = undefined;
    failures.push({ index: candidate.index, problem, ...identity(candidate.projected.event) });
  });
  for (const repeat of repeats) {
    const problem = refused.get(repeat.key);
    if (problem === undefined) continue;
    outcomes[repeat.index] = undefined;
    failures.push({ index: repeat.index, problem, ...identity(repeat.projected.event) });
  }
  await tx.inbox.withdrawEvents(
    applied.filter((c) => refused.has(c.key)).map((c) => ({ source: c.inbox.source, id: c.inbox.id })),
  );
  return kept;
}

/**
 * Who each merchant a platform's batch is about belongs to (`owners`), claiming for `source` those
 * no platform has yet (`claimed`, the ones this call took). Another transaction may claim one
 * first (two platforms onboarding the same new merchant at once): its claim stands, and is read.
 */
async function claimSubjects(
  tx: WriteTransaction,
  source: string,
  records: readonly ParsedRecord[],
  atMs: bigint,
  owners: Map<string, Set<string>>,
  claimed: Set<string>,
): Promise<void> {
  const subjects = [
    ...new Set(
      records.flatMap((parsed) =>
        parsed.ok && parsed.event.source === source ? [parsed.event.subject] : [],
      ),
    ),
  ];
  for (const [merchantId, sources] of await tx.risk.merchantPlatforms(subjects))
    owners.set(merchantId, sources);
  const unowned = subjects.filter((merchantId) => !owners.has(merchantId));
  if (unowned.length === 0) return;
  for (const merchantId of await tx.risk.claimMerchants(source, unowned, atMs)) {
    claimed.add(merchantId);
    owners.set(merchantId, new Set([source]));
  }
  const lost = unowned.filter((merchantId) => !claimed.has(merchantId));
  const theirs = await tx.risk.merchantPlatforms(lost);
  for (const merchantId of lost) owners.set(merchantId, theirs.get(merchantId) ?? new Set());
}

/**
 * Every newly applied settlement.paid is swept in this transaction (duplicates were swept when they
 * first came). A merchant with no serviced facility in the payout's currency (or in one the
 * settlement brings a rate for) is skipped without a sweep record, so ingest stays one read of the
 * batch's merchants' facilities for the many merchants without financing (with financing, the
 * ledger's head lock is taken and they are read again). A sweep that fails throws and so fails the whole batch: the event is already
 * inserted and facilities may be half updated, so it cannot be quarantined on its own.
 */
async function sweepSettlements(
  tx: WriteTransaction,
  context: IngestContext,
  applied: readonly ProjectedEvent[],
): Promise<void> {
  const paid = [
    ...new Set(applied.flatMap(({ event }) => (event.type === 'settlement.paid' ? [event.subject] : []))),
  ];
  if (paid.length === 0) return;
  let rows = await tx.financing.facilitiesForMerchants(paid);
  if (rows.length > 0) {
    // The ledger's head lock, as every movement of money takes it, then the facilities read again:
    // a payout confirmed meanwhile (PostgreSQL) is seen lent, and this batch's payouts repay it — read
    // before it, one dated the day the advance was paid out would have been left unswept.
    await tx.ledger.lockHead();
    rows = await tx.financing.facilitiesForMerchants([...new Set(rows.map((f) => f.merchantId))]);
  }
  /** Each merchant's facilities a payout may repay: the first day one of them lent, by currency. */
  const currenciesServiced = new Map<string, Map<string, number>>(paid.map((m) => [m, new Map()]));
  for (const f of rows) {
    // In service, or written off with principal still to recover from payouts; from the day each
    // lent the merchant money (an advance's payout, not its acceptance).
    const facility = servicedStates.has(f.status as never) ? servicedOf(f) : inRecovery(f);
    const currencies = currenciesServiced.get(f.merchantId);
    if (facility === null || currencies === undefined) continue;
    const lentFrom = lentFromDay(facility);
    currencies.set(f.currency, Math.min(lentFrom, currencies.get(f.currency) ?? lentFrom));
  }
  const settlements: Settlement[] = [];
  for (const { event, instant } of applied) {
    if (event.type !== 'settlement.paid') continue;
    const currencies = currenciesServiced.get(event.subject) ?? new Map<string, number>();
    const fxRates = fxRatesOf(event.data.fx_rates);
    const payout = event.data.currency as CurrencyCode;
    // A payout dated before every facility it could repay lent the merchant money repays nothing
    // (a backfill of history, a mistyped year, a payout while an advance awaited its own): no sweep
    // is recorded, so it does not use its settlement id up — the payout sent again with its right
    // date is swept.
    const repayable = [...currencies].some(
      ([c, lentFrom]) =>
        lentFrom <= instant.day &&
        (c === payout || rateBetween(fxRates, c as CurrencyCode, payout) !== undefined),
    );
    if (!repayable) continue;
    settlements.push({
      // The platform's settlement id, as POST /v1/settlements/commit keys it: a payout committed
      // before it was made is not swept again when its event comes, nor one sent under a new id.
      settlementKey: `${event.source} ${event.data.settlement_id}`,
      merchantId: event.subject,
      day: instant.day,
      currency: event.data.currency,
      netMinor: BigInt(event.data.net),
      ...(fxRates.length > 0 ? { fxRates } : {}),
    });
  }
  if (settlements.length === 0) return;
  // A settlement id recorded — before, or earlier in the batch — for the same merchant, currency and
  // amount is this payout (committed through the API, say, and dated by the platform's own day): it
  // is not swept again. Another payout under it (ids a platform numbers per merchant, say) is
  // swept under a key of its own made of that merchant, currency and amount as well, so that payout
  // sent again under another event id is found recorded too, and repays nothing again.
  const recorded = await tx.financing.sweepsByKey(settlements.map((s) => s.settlementKey));
  const first = new Map<string, Pick<Settlement, 'merchantId' | 'currency' | 'netMinor'>>();
  const keyed = settlements.map((settlement) => {
    const was = recorded.get(settlement.settlementKey) ?? first.get(settlement.settlementKey);
    if (was === undefined) first.set(settlement.settlementKey, settlement);
    const samePayout =
      was === undefined ||
      (was.merchantId === settlement.merchantId &&
        was.currency === settlement.currency &&
        was.netMinor === settlement.netMinor);
    return samePayout ? settlement : { ...settlement, settlementKey: payoutKey(context, settlement) };
  });
  // One batch call sweeps them in order, exactly as one call after another would.
  const results = await sweepBatch(tx, context, keyed);
  // The same payout recorded with another day or rates: swept once already, not again.
  for (const [index, swept] of results.entries())
    if (!swept.ok && swept.code !== 'settlement_reused')
      throw new Error(
        `sweep_failed: settlement ${keyed[index]?.settlementKey}: ${swept.code} ${swept.detail}`,
      );
}

/**
 * The key of a payout under a settlement id already used for another: the id with a digest of the
 * merchant, currency and amount (`<source> <settlement id> #<16 hex>`), within a key's 200 characters.
 */
function payoutKey(context: IngestContext, settlement: Settlement): string {
  const payout = `${settlement.merchantId}\n${settlement.currency}\n${settlement.netMinor}`;
  return `${settlement.settlementKey.slice(0, 180)} #${context.sha256(payout).slice(0, 16)}`;
}

/** A settlement's rates, already checked by checkEvent. */
function fxRatesOf(rates: readonly SettlementFxRate[] | undefined): FxRate[] {
  return (rates ?? []).flatMap((r) => {
    const rate = fxRate(r.base, r.quote, r.rate, r.source, r.as_of);
    assert(rate.ok, `a checked settlement's rate reads: ${r.base}/${r.quote}`);
    return [rate.value];
  });
}

/** The same event: the same bytes, or the same JSON once keys are sorted and spacing dropped. */
function sameEvent(hash: string | undefined, body: string | undefined, candidate: Pending): boolean {
  if (hash === candidate.inbox.bodyHash) return true;
  if (body === undefined) return false;
  return canonicalJson(JSON.parse(body)) === canonicalJson(candidate.projected.event);
}

function projectedOf(pending: readonly Pending[]): ProjectedEvent[] {
  return pending.map((p) => p.projected);
}

function identity(event: ProjectedEvent['event']): Pick<Failure, 'source' | 'id' | 'type'> {
  return { source: event.source, id: event.id, type: event.type };
}

function conflict(source: string, id: string): RecordProblem {
  return {
    code: 'event_id_conflict',
    field: 'id',
    detail: `an event ${id} from ${source} was already received with a different body`,
  };
}

/**
 * Text of a bad record as the quarantine keeps it — what could be read of it, the reason, the line
 * as it came — with each NUL character as U+FFFD, the replacement character: PostgreSQL's text
 * holds no NUL, and one record with it (an id, a key, a raw byte) failed its whole batch there
 * (SQLite kept it), a batch of an import or of the worker failing so each time it was sent again.
 */
function storable<T extends string | null>(text: T): T {
  return (text === null ? null : text.replaceAll('\u0000', '\uFFFD')) as T;
}

async function fileFailures(
  tx: WriteTransaction,
  context: IngestContext,
  records: readonly ParsedRecord[],
  failures: readonly Failure[],
  outcomes: (RecordOutcome | undefined)[],
  filing: { readonly quarantine: boolean; readonly sender: QuarantineSender; readonly nowMs: bigint },
): Promise<void> {
  const { quarantine, sender, nowMs } = filing;
  // One entry per record, reason and sender: the same bad record from two platforms' keys is two
  // entries, each replayed under its own sender's scope. An operator's keeps the fingerprint
  // entries had before senders were recorded (a code has no space, so the two never meet).
  const senderPrefix = sender.role === 'platform' ? `platform ${sender.platform}\n` : '';
  const entries = new Map<number, QuarantineEntry>();
  for (const failure of failures) {
    const record = (records[failure.index] as ParsedRecord).record;
    const raw =
      record.raw.length > quarantineRawBytesMax ? record.raw.slice(0, quarantineRawBytesMax) : record.raw;
    entries.set(failure.index, {
      id: context.entropy.id('qua'),
      fingerprint: context.sha256(`${senderPrefix}${failure.problem.code}\n${record.raw}`),
      origin: record.origin,
      line: record.line,
      source: storable(failure.source),
      eventId: storable(failure.id),
      eventType: storable(failure.type),
      code: failure.problem.code,
      field: storable(failure.problem.field),
      detail: storable(failure.problem.detail),
      raw: storable(raw),
      status: 'open',
      firstSeenMs: nowMs,
      lastSeenMs: nowMs,
      seenCount: 1n,
      resolvedAtMs: null,
      resolution: null,
      sender,
    });
  }
  const ids =
    quarantine && entries.size > 0
      ? await tx.inbox.quarantine([...entries.values()])
      : new Map<string, string>();
  for (const failure of failures) {
    const entry = entries.get(failure.index) as QuarantineEntry;
    outcomes[failure.index] = {
      status: 'quarantined',
      line: (records[failure.index] as ParsedRecord).record.line,
      quarantineId: ids.get(entry.fingerprint) ?? null,
      source: failure.source,
      id: failure.id,
      problem: failure.problem,
    };
  }
}
