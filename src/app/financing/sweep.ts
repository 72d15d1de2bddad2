/**
 * The settlement sweep: what a payout to a merchant repays, across all of its facilities, in one
 * deterministic waterfall (src/domain/products/waterfall.ts), posted to the ledger with each
 * facility's new state. Recorded once per settlement: sweeping the same settlement again answers
 * the split already made and changes nothing. A preview computes the same split without writing —
 * what to withhold from a payout the platform is about to make.
 *
 * A facility in another currency than the payout takes part when the settlement brings a rate
 * between the two (with its source): the waterfall runs in the payout's currency with what the
 * facility owes converted, and what it takes repays the facility converted back
 * (src/domain/products/fx-deductions.ts), posted through the financier's FX positions
 * (`repaymentThroughFx`); the conversion, rate and source are recorded with the split. Without a
 * rate such a facility is left for payouts in its own currency, and the split names it.
 */

import { assert } from '../../domain/assert.ts';
import type { TransferInput } from '../../domain/ledger/types.ts';
import { type CurrencyCode, isCurrencyCode } from '../../domain/money/currency.ts';
import { formatDecimal, normalizeDecimal, parseDecimal } from '../../domain/money/decimal.ts';
import type { FxRate } from '../../domain/money/fx.ts';
import {
  appliedInFacilityCurrency,
  convertibleDeduction,
  owedInPayoutCurrency,
  rateBetween,
} from '../../domain/products/fx-deductions.ts';
import { financierFxAccounts, recovered, repaymentThroughFx } from '../../domain/products/postings.ts';
import {
  type Amounts,
  type FacilityOwed,
  settlementWaterfall,
  type WaterfallResult,
  withDeductions,
} from '../../domain/products/waterfall.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';
import { parseInstantNs } from '../../domain/time/instant.ts';
import { createAccounts } from '../ledger/ledger-writes.ts';
import {
  type FacilityRow,
  type ReadTransaction,
  type SweepRow,
  WriteConflict,
  type WriteTransaction,
} from '../ports.ts';
import { fromTaggedJson, toTaggedJson } from '../risk/tagged-json.ts';
import type { OriginationContext } from './origination.ts';
import { advancesHeld } from './refill-hold.ts';
import {
  appendEvents,
  applyPayment,
  bookedOf,
  caughtUpBefore,
  closeDebtServiceIfFinal,
  inRecovery,
  inService,
  LedgerRejected,
  lentFromDay,
  type NewFacilityEvent,
  owedOf,
  paymentEventsOf,
  postGroups,
  principalDaysUnserved,
  recoveryOwed,
  rowAfter,
  type Serviced,
} from './serviced.ts';
import { loadSweepSettings, type SweepSettings } from './sweep-settings.ts';

export interface Settlement {
  /** "<source> <settlement id>": a settlement.paid event's source and its payout's id, or a commit's. */
  readonly settlementKey: string;
  readonly merchantId: string;
  readonly day: number;
  readonly currency: string;
  /** Settled money: the payout's net after fees, refunds and chargebacks. */
  readonly netMinor: bigint;
  /** Rates for repaying facilities in other currencies from this payout, each with its source. */
  readonly fxRates?: readonly FxRate[];
}

/** A deduction from a payout in another currency than the facility's, as recorded with the split. */
export interface SweepConversion {
  readonly facilityId: string;
  /** The facility's currency, and what the deduction repaid in it by component. */
  readonly currency: string;
  readonly applied: Amounts;
  /** What was withheld from the payout for it, in the payout's currency. */
  readonly payoutMinor: bigint;
  /**
   * The payout's currency, beside its amount: the facility event that records this conversion is
   * in the facility's currency, so an amount there without its own would read as the facility's.
   * Absent from conversions recorded before it was kept: the rate's other currency.
   */
  readonly payoutCurrency?: string;
  /** The rate as quoted (`EUR/USD 1.0842`), where it came from and when. */
  readonly rate: string;
  readonly source: string;
  readonly asOf: string;
}

/** A serviced facility in another currency that the payout could not repay: no rate came with it. */
export interface SweepUnconverted {
  readonly facilityId: string;
  readonly currency: string;
}

/** A payout's split, as a preview answers it and a sweep records it. */
export interface SplitPreview {
  readonly waterfall: WaterfallResult;
  /** The deductions taken across currencies (the waterfall's amounts are the payout's currency). */
  readonly conversions: readonly SweepConversion[];
  readonly unconverted: readonly SweepUnconverted[];
}

export interface SweepSplit extends SplitPreview {
  /** The sweep's id: every repayment transfer it posted carries it (`<sweep>:<facility>:<p|i|f>`). */
  readonly sweepId: string;
  readonly settlement: Settlement;
  /** True when this settlement had been swept before: the stored split, nothing new written. */
  readonly replayed: boolean;
}

/**
 * What a split stores (splitJson), read back for a replay; older records have no conversions, nor
 * the rates the settlement came with (`rates`, each as `ratesOf` writes it), nor the sweep settings
 * it was split by (`settings`: the cap and component order then in force, which a later change
 * would otherwise leave the split unexplained by).
 */
type StoredSplit = Pick<SweepSplit, 'sweepId' | 'waterfall'> &
  Partial<SplitPreview> & { readonly rates?: readonly string[]; readonly settings?: SweepSettings };

/** A settlement's rates, each written whole (pair, rate, source, time) and in order, to compare. */
function ratesOf(settlement: Settlement): string[] {
  return (settlement.fxRates ?? []).map(
    (r) => `${r.base}/${r.quote} ${formatDecimal(r.rate)} ${r.source} ${r.asOf}`,
  );
}

/**
 * A rate as `ratesOf` writes it, in a form that compares by value: the rate without trailing zeros
 * and its time as an instant, so `1.10` and `1.1`, or `12:00:00Z` and `13:00:00+01:00`, are the
 * same rate — a client whose libraries normalise them is answered its split on a retry, not refused.
 */
function rateIdentity(written: string): string {
  const parts = written.split(' ');
  const rate = parseDecimal(parts[1] ?? '');
  const asOf = parts.at(-1) ?? '';
  return [
    parts[0],
    rate.ok ? formatDecimal(normalizeDecimal(rate.value)) : parts[1],
    ...parts.slice(2, -1),
    String(parseInstantNs(asOf) ?? asOf),
  ].join(' ');
}

/** Whether two settlements' rates, as `ratesOf` writes them, are the same rates in the same order. */
function sameRates(recorded: readonly string[], given: readonly string[]): boolean {
  return (
    recorded.length === given.length &&
    recorded.every((r, i) => rateIdentity(r) === rateIdentity(given[i] ?? ''))
  );
}

/** A settlement recorded before, with the split it was given. */
interface Recorded {
  readonly settlement: Settlement;
  readonly split: StoredSplit;
}

function recordedOf(row: SweepRow): Recorded {
  const split = fromTaggedJson<StoredSplit>(row.splitJson);
  return {
    settlement: {
      settlementKey: row.settlementKey,
      merchantId: row.merchantId,
      day: row.day,
      currency: row.currency,
      netMinor: row.netMinor,
    },
    split,
  };
}

/**
 * Why a settlement cannot be the one recorded under its key, or null: a sender's settlement id
 * names one payout, so the same id with another merchant, day, currency, amount or rates is a
 * mistake to refuse, not a replay to answer (the recorded split would not be this payout's).
 */
function reuseOf(settlement: Settlement, recorded: Recorded): string | null {
  const was = recorded.settlement;
  const differs = [
    was.merchantId !== settlement.merchantId && `merchant ${was.merchantId}`,
    was.day !== settlement.day && `day ${fromDayNumber(was.day)}`,
    was.currency !== settlement.currency && `currency ${was.currency}`,
    was.netMinor !== settlement.netMinor && `net ${was.netMinor}`,
    recorded.split.rates !== undefined &&
      !sameRates(recorded.split.rates, ratesOf(settlement)) &&
      'other rates',
  ].filter((d) => d !== false);
  return differs.length === 0
    ? null
    : `settlement ${settlement.settlementKey} was recorded with ${differs.join(', ')}`;
}

/** The answer for a settlement recorded before: its split as recorded, or why this is not it. */
function replayOf(settlement: Settlement, recorded: Recorded): Result<SweepSplit, SweepProblem> {
  const reused = reuseOf(settlement, recorded);
  if (reused !== null) return err('settlement_reused', reused);
  const { split } = recorded;
  return ok({
    sweepId: split.sweepId,
    settlement: { ...recorded.settlement, ...(settlement.fxRates ? { fxRates: settlement.fxRates } : {}) },
    waterfall: split.waterfall,
    conversions: split.conversions ?? [],
    unconverted: split.unconverted ?? [],
    replayed: true,
  });
}

export type SweepProblem = 'settlement_invalid' | 'settlement_reused';

/** A facility taking part in a payout's waterfall: what it owes, in its currency and the payout's. */
interface Participant {
  readonly facility: Serviced;
  readonly owed: FacilityOwed;
  /** In the payout's currency: `owed` itself, or converted at `rate`. */
  readonly owedInPayout: FacilityOwed;
  readonly rate: FxRate | null;
}

/**
 * The waterfall of a payout over the merchant's facilities in service (`facilities`) and its
 * sweeps earlier that day (`earlier`): who takes part — in the payout's currency, or another with
 * a rate — and what each takes.
 */
function waterfallOf(
  settlement: Settlement,
  facilities: readonly Serviced[],
  earlier: readonly SweepRow[],
  policy: SweepSettings,
): { participants: Participant[]; unconverted: SweepUnconverted[]; waterfall: WaterfallResult } {
  const payout = settlement.currency as CurrencyCode;
  const participants: Participant[] = [];
  const unconverted: SweepUnconverted[] = [];
  for (const facility of facilities) {
    // A payout dated before the facility lent the merchant money (an advance accepted, its payout
    // not yet made) does not repay it.
    if (lentFromDay(facility) > settlement.day) continue;
    const currency = facility.row.currency as CurrencyCode;
    // Written off, it recovers from payouts in its own currency at its holdback.
    if (facility.row.status === 'written_off') {
      if (currency !== payout) continue;
      const owed = recoveryOwed(facility);
      participants.push({ facility, owed, owedInPayout: owed, rate: null });
      continue;
    }
    const owed = owedOf(facility, settlement.day);
    if (currency === payout) {
      participants.push({ facility, owed, owedInPayout: owed, rate: null });
      continue;
    }
    const rate = rateBetween(settlement.fxRates ?? [], currency, payout);
    if (rate === undefined) unconverted.push({ facilityId: facility.row.id, currency });
    else
      participants.push({
        facility,
        owed,
        owedInPayout: owedInPayoutCurrency(owed, currency, payout, rate),
        rate,
      });
  }
  const sameCurrency = earlier.filter((s) => s.currency === settlement.currency);
  const result = settlementWaterfall({
    settlementNetMinor: settlement.netMinor,
    dailyCapBps: policy.dailyDeductionCapBps,
    componentOrder: policy.componentOrder,
    // The day's settled money is its payouts' nets together: a negative one (refunds over sales)
    // lowers it, so the day's deductions stay within the cap's share of what the day really paid.
    settledEarlierTodayMinor: sameCurrency.reduce((sum, s) => sum + s.netMinor, 0n),
    deductedEarlierTodayMinor: sameCurrency.reduce((sum, s) => sum + s.deductedMinor, 0n),
    facilities: participants.map((p) => p.owedInPayout),
  });
  if (!result.ok) throw new Error(`the waterfall refused the facilities' own figures: ${result.detail}`);
  if (participants.every((p) => p.rate === null))
    return { participants, unconverted, waterfall: result.value };
  // Across currencies, only what converts into a repayment leaves the payout.
  const deductions = result.value.deductions.map((deduction) => {
    const participant = participants.find((p) => p.facility.row.id === deduction.facilityId) as Participant;
    return participant.rate === null || deduction.total === 0n
      ? deduction
      : convertibleDeduction(
          deduction,
          participant.owedInPayout,
          participant.facility.row.currency as CurrencyCode,
          payout,
          participant.rate,
        );
  });
  return {
    participants,
    unconverted,
    waterfall: withDeductions(settlement.netMinor, result.value.availableMinor, deductions),
  };
}

interface Repaid {
  readonly participant: Participant;
  readonly applied: Amounts;
  readonly conversion: SweepConversion | null;
}

/** Each deduction as it repays its facility: in the facility's currency, converted where it must be. */
function repaymentsOf(
  settlement: Settlement,
  participants: readonly Participant[],
  waterfall: WaterfallResult,
): Repaid[] {
  return waterfall.deductions.flatMap((deduction): Repaid[] => {
    if (deduction.total === 0n) return [];
    const participant = participants.find((p) => p.facility.row.id === deduction.facilityId) as Participant;
    if (participant.rate === null) return [{ participant, applied: total(deduction), conversion: null }];
    const foreign = appliedInFacilityCurrency(
      deduction,
      participant.owed,
      participant.owedInPayout,
      participant.facility.row.currency as CurrencyCode,
      settlement.currency as CurrencyCode,
      participant.rate,
    );
    return [
      {
        participant,
        applied: foreign.applied,
        conversion: {
          facilityId: deduction.facilityId,
          currency: participant.facility.row.currency,
          applied: foreign.applied,
          payoutMinor: foreign.payoutMinor,
          payoutCurrency: settlement.currency,
          rate: foreign.conversion.rate,
          source: foreign.conversion.source,
          asOf: foreign.conversion.asOf,
        },
      },
    ];
  });
}

/**
 * The facility as money dated `day` finds it: the closed days before it that the daily cycle has
 * not yet served, served first (as a repayment does) — a credit line's interest for them on the
 * principal of those days, an instalment due, a minimum judged before the money. Null when it is
 * through them already, or they would take it out of service (the daily cycle does them).
 */
function caughtUpFor(facility: Serviced, day: number, nowMs: bigint) {
  return facility.row.status === 'written_off' ? null : caughtUpBefore(facility, day, nowMs, 'closed');
}

async function computeSplit(
  tx: ReadTransaction,
  settlement: Settlement,
  policy: SweepSettings,
  nowMs: bigint,
): Promise<SplitPreview> {
  const rows = await tx.financing.facilitiesForMerchant(settlement.merchantId);
  const held = advancesHeld(rows);
  const facilities = rows.flatMap((row) => {
    const facility = held.has(row.id) ? null : (inService(row) ?? inRecovery(row));
    return facility === null ? [] : [caughtUpFor(facility, settlement.day, nowMs)?.facility ?? facility];
  });
  const earlier = await tx.financing.sweepsForMerchant(settlement.merchantId, settlement.day, settlement.day);
  const { participants, unconverted, waterfall } = waterfallOf(settlement, facilities, earlier, policy);
  const conversions = repaymentsOf(settlement, participants, waterfall).flatMap((r) => r.conversion ?? []);
  return { waterfall, conversions, unconverted };
}

/**
 * The settlement as recorded, when it was swept before: its split (a replay), or why this is not
 * the settlement recorded under its key. Null when it was not swept.
 */
export async function recordedSweep(
  tx: ReadTransaction,
  settlement: Settlement,
): Promise<Result<SweepSplit, SweepProblem> | null> {
  const row = (await tx.financing.sweepsByKey([settlement.settlementKey])).get(settlement.settlementKey);
  return row === undefined ? null : replayOf(settlement, recordedOf(row));
}

/**
 * What a payout would repay, without writing anything, now (the days it would serve first are those
 * closed by the clock): by the sweep settings in force, unless given.
 */
export async function previewSweep(
  tx: ReadTransaction,
  context: Pick<OriginationContext, 'clock'>,
  settlement: Settlement,
  policy?: SweepSettings,
): Promise<SplitPreview> {
  const nowMs = context.clock.nowNs() / 1_000_000n;
  return computeSplit(tx, settlement, policy ?? (await loadSweepSettings(tx)), nowMs);
}

function total(d: { overdue: Amounts; due: Amounts; early: Amounts }): Amounts {
  return {
    fees: d.overdue.fees + d.due.fees + d.early.fees,
    interest: d.overdue.interest + d.due.interest + d.early.interest,
    principal: d.overdue.principal + d.due.principal + d.early.principal,
  };
}

/** Sweeps a payout: deductions posted, facilities updated, the split recorded — once. */
export async function sweepSettlement(
  tx: WriteTransaction,
  context: OriginationContext,
  settlement: Settlement,
  policy?: SweepSettings,
): Promise<Result<SweepSplit, SweepProblem>> {
  const [result] = await sweepSettlements(tx, context, [settlement], policy);
  return result as Result<SweepSplit, SweepProblem>;
}

/** Settlements per call, at most: an ingest batch's worth (ingestBatchRecordsMax, src/app/ingest). */
export const sweepSettlementsMax = 10_000;

function invalid(settlement: Settlement): Result<never, SweepProblem> | null {
  if (settlement.settlementKey.trim() === '' || settlement.settlementKey.length > 200)
    return err('settlement_invalid', 'a settlement key is 1–200 characters');
  if (!isCurrencyCode(settlement.currency))
    return err('settlement_invalid', `${settlement.currency} is not an ISO 4217 currency with a minor unit`);
  return null;
}

/** What the batch has read and changed so far: what a settlement sees of the ones before it. */
interface Book {
  /** Each merchant's facilities in id order, as they now stand (rows rewritten by earlier settlements). */
  readonly facilities: Map<string, FacilityRow[]>;
  /** Parsed once: a facility's servicing state for its current row. */
  readonly serviced: Map<FacilityRow, Serviced | null>;
  /** Sweeps of (merchant, day), recorded before the batch and in it. */
  readonly sweeps: Map<string, SweepRow[]>;
  /** Facilities written in the batch: the version read, and the row as it now stands. */
  readonly written: Map<string, { readonly readVersion: bigint; readonly row: FacilityRow }>;
  /** Each settlement's transfers, the sweep records and the facility events, in order. */
  readonly postings: TransferInput[][];
  readonly recorded: SweepRow[];
  readonly events: NewFacilityEvent[];
  /** The financiers' books in currencies a conversion went through: their accounts are opened first. */
  readonly fxBooks: Map<string, { readonly financierId: string; readonly currency: string }>;
}

const sweepsKey = (merchantId: string, day: number) => `${merchantId} ${day}`;

async function openBook(tx: WriteTransaction, settlements: readonly Settlement[]): Promise<Book> {
  const merchants = [...new Set(settlements.map((s) => s.merchantId))];
  const facilities = new Map<string, FacilityRow[]>(merchants.map((m) => [m, []]));
  for (const row of await tx.financing.facilitiesForMerchants(merchants))
    facilities.get(row.merchantId)?.push(row);
  const sweeps = new Map<string, SweepRow[]>();
  for (const day of new Set(settlements.map((s) => s.day))) {
    const those = [...new Set(settlements.filter((s) => s.day === day).map((s) => s.merchantId))];
    for (const merchantId of those) sweeps.set(sweepsKey(merchantId, day), []);
    for (const row of await tx.financing.sweepsForMerchants(those, day, day))
      sweeps.get(sweepsKey(row.merchantId, day))?.push(row);
  }
  return {
    facilities,
    serviced: new Map(),
    sweeps,
    written: new Map(),
    postings: [],
    recorded: [],
    events: [],
    fxBooks: new Map(),
  };
}

/** A row's servicing state, parsed once: in service, or written off with principal to recover. */
function servicedIn(book: Book, row: FacilityRow): Serviced | null {
  if (!book.serviced.has(row)) book.serviced.set(row, inService(row) ?? inRecovery(row));
  return book.serviced.get(row) ?? null;
}

/**
 * The merchant's facilities in the book brought through the closed days before the settlement's
 * that the daily cycle has not yet served (caughtUpFor): their postings and events kept first.
 */
function catchUp(book: Book, settlement: Settlement, nowMs: bigint): void {
  for (const row of [...(book.facilities.get(settlement.merchantId) ?? [])]) {
    const facility = servicedIn(book, row);
    const caught = facility === null ? null : caughtUpFor(facility, settlement.day, nowMs);
    if (facility === null || caught === null) continue;
    book.serviced.set(caught.facility.row, caught.facility);
    written(book, facility, caught.facility.row);
    if (caught.postings.length > 0) book.postings.push(caught.postings);
    book.events.push(...caught.events);
  }
}

/** The split of one settlement against the book as the settlements before it left it. */
function splitOf(book: Book, settlement: Settlement, policy: SweepSettings) {
  const rows = book.facilities.get(settlement.merchantId) ?? [];
  // An advance held for its refill (refill-hold.ts) is repaid by nothing else, whatever the
  // payout's day: its pause covers the days from the acceptance, not a payout dated before it.
  const held = advancesHeld(rows);
  const facilities = rows.flatMap((row) => (held.has(row.id) ? [] : (servicedIn(book, row) ?? [])));
  const earlier = book.sweeps.get(sweepsKey(settlement.merchantId, settlement.day)) ?? [];
  return waterfallOf(settlement, facilities, earlier, policy);
}

/** The facility's row as a settlement left it: what the next settlements see, and what is written. */
function written(book: Book, facility: Serviced, row: FacilityRow): void {
  const rows = book.facilities.get(facility.row.merchantId) as FacilityRow[];
  rows[rows.indexOf(facility.row)] = row;
  book.written.set(row.id, {
    readVersion: book.written.get(row.id)?.readVersion ?? facility.row.version,
    row,
  });
}

/** A payout's `swept` event on a facility: the settlement and sweep, and what the detail adds. */
function sweptEvent(
  facility: Serviced,
  settlement: Settlement,
  sweepId: string,
  nowMs: bigint,
  detail: Record<string, unknown>,
): NewFacilityEvent {
  return {
    facilityId: facility.row.id,
    day: settlement.day,
    type: 'swept',
    detailJson: toTaggedJson({ settlementKey: settlement.settlementKey, sweepId, ...detail }),
    atMs: nowMs,
  };
}

/**
 * A written-off facility's recovery from a payout into the book: its row's totals moved and a
 * swept event kept; answers its postings.
 */
function recoverInto(
  book: Book,
  facility: Serviced,
  settlement: Settlement,
  sweepId: string,
  amountMinor: bigint,
  nowMs: bigint,
): TransferInput[] {
  const postings = recovered(facility.state.book, sweepId, amountMinor);
  written(book, facility, rowAfter(facility, facility, postings, nowMs));
  // As a direct recovery records it: nothing applied to what the facility owes (it owes nothing on
  // the books), the amount recovered beside it.
  book.events.push(
    sweptEvent(facility, settlement, sweepId, nowMs, {
      applied: { fees: 0n, interest: 0n, principal: 0n },
      recoveredMinor: amountMinor,
      outstandingMinor: 0n,
    }),
  );
  return postings;
}

/** One settlement swept into the book: its deductions applied, everything to write kept in order. */
function sweepInto(
  book: Book,
  context: OriginationContext,
  settlement: Settlement,
  policy: SweepSettings,
): SweepSplit {
  const nowMs = context.clock.nowNs() / 1_000_000n;
  catchUp(book, settlement, nowMs);
  const { participants, unconverted, waterfall } = splitOf(book, settlement, policy);
  const dayText = String(fromDayNumber(settlement.day));
  const sweepId = context.entropy.id('swp');
  const postings: TransferInput[] = [];
  const conversions: SweepConversion[] = [];
  for (const { participant, applied, conversion } of repaymentsOf(settlement, participants, waterfall)) {
    const facility = participant.facility;
    if (facility.row.status === 'written_off') {
      postings.push(...recoverInto(book, facility, settlement, sweepId, applied.principal, nowMs));
      continue;
    }
    const step = applyPayment(facility, settlement.day, dayText, sweepId, applied);
    if (conversion === null) postings.push(...step.postings);
    else {
      const payoutBook = { financierId: facility.row.financierId, currency: settlement.currency };
      postings.push(
        ...repaymentThroughFx(
          facility.state.book,
          payoutBook,
          sweepId,
          step.postings,
          conversion.payoutMinor,
        ),
      );
      conversions.push(conversion);
      for (const currency of [settlement.currency, facility.row.currency])
        book.fxBooks.set(`${facility.row.financierId} ${currency}`, {
          financierId: facility.row.financierId,
          currency,
        });
    }
    const row = rowAfter(facility, step.next, step.postings, nowMs, {
      principalDays: principalDaysUnserved(facility, step.next, settlement.day),
    });
    written(book, facility, row);
    const booked = bookedOf(step.next);
    book.events.push(
      ...paymentEventsOf(
        sweptEvent(facility, settlement, sweepId, nowMs, {
          applied,
          outstandingMinor: booked.fees + booked.interest + booked.principal,
          ...(conversion === null ? {} : { fx: conversion }),
        }),
        step.events,
      ),
    );
  }
  if (postings.length > 0) book.postings.push(postings);
  const stored: StoredSplit = {
    sweepId,
    waterfall,
    conversions,
    unconverted,
    rates: ratesOf(settlement),
    settings: policy,
  };
  const record: SweepRow = {
    settlementKey: settlement.settlementKey,
    merchantId: settlement.merchantId,
    day: settlement.day,
    currency: settlement.currency,
    netMinor: settlement.netMinor,
    deductedMinor: waterfall.totalDeductedMinor,
    splitJson: toTaggedJson(stored),
    atMs: nowMs,
  };
  book.recorded.push(record);
  book.sweeps.get(sweepsKey(settlement.merchantId, settlement.day))?.push(record);
  return { sweepId, settlement, waterfall, conversions, unconverted, replayed: false };
}

/** The book's changes, in sweepSettlement's order: facilities, ledger, events, debt service, sweeps. */
async function writeBook(tx: WriteTransaction, context: OriginationContext, book: Book, what: string) {
  const missed = await tx.financing.updateFacilities(
    [...book.written.values()].map(({ readVersion, row }) => ({
      facility: row,
      expectedVersion: readVersion,
    })),
  );
  if (missed.length > 0) throw new WriteConflict(`facility ${missed[0]} changed while it was being serviced`);
  if (book.fxBooks.size > 0) {
    const opened = await createAccounts(tx, context, [...book.fxBooks.values()].flatMap(financierFxAccounts));
    const refused = opened.find((a) => a.result !== 'ok' && a.result !== 'exists');
    if (refused !== undefined) throw new LedgerRejected(`${what}: account ${refused.id}: ${refused.result}`);
  }
  await postGroups(tx, context, book.postings, what);
  await appendEvents(tx, book.events);
  for (const { row } of book.written.values()) await closeDebtServiceIfFinal(tx, row);
  // Each key was read unrecorded; one recorded since (on PostgreSQL, a sweep of the same key for
  // another merchant committed meanwhile) would leave this one's money moved with no record of it.
  const inserted = await tx.financing.insertSweeps(book.recorded);
  if (inserted < book.recorded.length)
    throw new WriteConflict(`${what}: a settlement key was recorded by another sweep meanwhile`);
}

/**
 * Settlements read, swept and written together within a call: few enough that what a part holds —
 * its merchants' facility rows and parsed states — is let go before the garbage collector must
 * move it (measured on the bench: a call's 2,000 held at once spent a quarter of the sweep there).
 */
const sweepPartSettlements = 100;

/**
 * Sweeps many payouts in order, in one transaction, exactly as one `sweepSettlement` after another
 * would — each sees the facilities and the day's sweeps as the ones before it left them — with one
 * result per settlement; but each merchant's facilities and sweeps are read once a part, transfers
 * are posted in as few ledger batches as fit, and each facility is written once a part.
 */
export async function sweepSettlements(
  tx: WriteTransaction,
  context: OriginationContext,
  settlements: readonly Settlement[],
  given?: SweepSettings,
): Promise<Result<SweepSplit, SweepProblem>[]> {
  assert(settlements.length <= sweepSettlementsMax, 'sweepSettlements: more than sweepSettlementsMax');
  const results: (Result<SweepSplit, SweepProblem> | undefined)[] = settlements.map(
    (s) => invalid(s) ?? undefined,
  );
  const what = settlements.length === 1 ? `sweep ${settlements[0]?.settlementKey}` : 'sweep';
  // The ledger's head lock first, as every movement of money takes it: on PostgreSQL two payouts
  // of one merchant at once (or a payout and a repayment) run one after the other, the second
  // reading the facilities the first left. Read before it, each wrote from the same version, the
  // losers ran again (WriteConflict) and a few at once used up the retries: 500 internal_error.
  await tx.ledger.lockHead();
  const policy = given ?? (await loadSweepSettings(tx));
  /** Settlements recorded before the call or earlier in it, by key: sweeping one again replays it. */
  const splits = new Map<string, Recorded>();
  for (let start = 0; start < settlements.length; start += sweepPartSettlements) {
    const indexes: number[] = [];
    for (let index = start; index < Math.min(start + sweepPartSettlements, settlements.length); index += 1)
      if (results[index] === undefined) indexes.push(index);
    const part = indexes.map((index) => settlements[index] as Settlement);
    const unknown = part.map((s) => s.settlementKey).filter((key) => !splits.has(key));
    for (const [key, row] of await tx.financing.sweepsByKey(unknown)) splits.set(key, recordedOf(row));
    const book = await openBook(
      tx,
      part.filter((s) => !splits.has(s.settlementKey)),
    );
    for (const index of indexes) {
      const settlement = settlements[index] as Settlement;
      const recorded = splits.get(settlement.settlementKey);
      if (recorded !== undefined) {
        results[index] = replayOf(settlement, recorded);
        continue;
      }
      const swept = sweepInto(book, context, settlement, policy);
      splits.set(settlement.settlementKey, {
        settlement,
        split: { ...swept, rates: ratesOf(settlement) },
      });
      results[index] = ok(swept);
    }
    await writeBook(tx, context, book, what);
  }
  return results as Result<SweepSplit, SweepProblem>[];
}
