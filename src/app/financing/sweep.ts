/**
 * The settlement sweep: what a payout to a merchant repays, across all of its facilities, in one
 * deterministic waterfall (src/domain/products/waterfall.ts), posted to the ledger with each
 * facility's new state. Recorded once per settlement: sweeping the same settlement again answers
 * the split already made and changes nothing. A preview computes the same split without writing —
 * what to withhold from a payout the platform is about to make.
 *
 * Only facilities in the payout's currency take part for now; a facility in another currency is
 * left for its own currency's payouts (the FX conversion exists in the domain, wiring it here is
 * the next step).
 */
import type { TransferInput } from '../../domain/ledger/types.ts';
import { isCurrencyCode } from '../../domain/money/currency.ts';
import { type Amounts, settlementWaterfall, type WaterfallResult } from '../../domain/products/waterfall.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';
import type { FacilityRow, ReadTransaction, SweepRow, WriteTransaction } from '../ports.ts';
import { fromTaggedJson, toTaggedJson } from '../risk/tagged-json.ts';
import type { OriginationContext } from './origination.ts';
import {
  appendEvents,
  applyPayment,
  bookedOf,
  closeDebtServiceIfFinal,
  facilityEventsOf,
  inService,
  type NewFacilityEvent,
  owedOf,
  postAll,
  rowAfter,
  type Serviced,
  updateAll,
} from './serviced.ts';

/** The cap on a day's total deductions, as a share of the day's settled money (DESIGN: ≤ 30%). */
export const dailyDeductionCapBpsDefault = 3_000;

export interface Settlement {
  /** "<source> <event id>" of the settlement.paid event, or a platform's own key. */
  readonly settlementKey: string;
  readonly merchantId: string;
  readonly day: number;
  readonly currency: string;
  /** Settled money: the payout's net after fees, refunds and chargebacks. */
  readonly netMinor: bigint;
}

export interface SweepSplit {
  /** The sweep's id: every repayment transfer it posted carries it (`<facility>:<sweep>:<p|i|f>`). */
  readonly sweepId: string;
  readonly settlement: Settlement;
  readonly waterfall: WaterfallResult;
  /** True when this settlement had been swept before: the stored split, nothing new written. */
  readonly replayed: boolean;
}

export type SweepProblem = 'settlement_invalid';

async function computeSplit(
  tx: ReadTransaction,
  settlement: Settlement,
  dailyCapBps: number,
): Promise<{ facilities: Serviced[]; waterfall: WaterfallResult }> {
  const facilities = (await tx.financing.facilitiesForMerchant(settlement.merchantId))
    .filter((row) => row.currency === settlement.currency)
    .flatMap((row) => inService(row) ?? []);
  const earlier = (
    await tx.financing.sweepsForMerchant(settlement.merchantId, settlement.day, settlement.day)
  ).filter((s) => s.currency === settlement.currency);
  const result = settlementWaterfall({
    settlementNetMinor: settlement.netMinor,
    dailyCapBps,
    settledEarlierTodayMinor: earlier.reduce((sum, s) => sum + (s.netMinor > 0n ? s.netMinor : 0n), 0n),
    deductedEarlierTodayMinor: earlier.reduce((sum, s) => sum + s.deductedMinor, 0n),
    facilities: facilities.map((f) => owedOf(f, settlement.day)),
  });
  if (!result.ok) throw new Error(`the waterfall refused the facilities' own figures: ${result.detail}`);
  return { facilities, waterfall: result.value };
}

/** What a payout would repay, without writing anything. */
export async function previewSweep(
  tx: ReadTransaction,
  settlement: Settlement,
  dailyCapBps = dailyDeductionCapBpsDefault,
): Promise<WaterfallResult> {
  return (await computeSplit(tx, settlement, dailyCapBps)).waterfall;
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
  dailyCapBps = dailyDeductionCapBpsDefault,
): Promise<Result<SweepSplit, SweepProblem>> {
  if (settlement.settlementKey.trim() === '' || settlement.settlementKey.length > 200)
    return err('settlement_invalid', 'a settlement key is 1–200 characters');
  if (!isCurrencyCode(settlement.currency))
    return err('settlement_invalid', `${settlement.currency} is not an ISO 4217 currency with a minor unit`);
  const recorded = await tx.financing.sweep(settlement.settlementKey);
  if (recorded !== undefined) {
    const stored = fromTaggedJson<{ sweepId: string; waterfall: WaterfallResult }>(recorded.splitJson);
    return ok({ sweepId: stored.sweepId, settlement, waterfall: stored.waterfall, replayed: true });
  }
  const { facilities, waterfall } = await computeSplit(tx, settlement, dailyCapBps);
  const nowMs = context.clock.nowNs() / 1_000_000n;
  const dayText = String(fromDayNumber(settlement.day));
  const postings: TransferInput[] = [];
  const rows: FacilityRow[] = [];
  const events: NewFacilityEvent[] = [];
  const sweepId = context.entropy.id('swp');
  for (const deduction of waterfall.deductions) {
    if (deduction.total === 0n) continue;
    const facility = facilities.find((f) => f.row.id === deduction.facilityId) as Serviced;
    const applied = total(deduction);
    const step = applyPayment(facility, settlement.day, dayText, sweepId, applied);
    postings.push(...step.postings);
    const row = rowAfter(facility, step.next, step.postings, nowMs);
    rows.push(row);
    const booked = bookedOf(step.next);
    events.push(
      {
        facilityId: facility.row.id,
        day: settlement.day,
        type: 'swept',
        detailJson: toTaggedJson({
          settlementKey: settlement.settlementKey,
          sweepId,
          applied,
          outstandingMinor: booked.fees + booked.interest + booked.principal,
        }),
        atMs: nowMs,
      },
      ...facilityEventsOf(facility.row.id, settlement.day, step.events, nowMs),
    );
  }
  await updateAll(tx, rows);
  await postAll(tx, context, postings, `sweep ${settlement.settlementKey}`);
  await appendEvents(tx, events);
  for (const row of rows) await closeDebtServiceIfFinal(tx, row);
  const row: SweepRow = {
    settlementKey: settlement.settlementKey,
    merchantId: settlement.merchantId,
    day: settlement.day,
    currency: settlement.currency,
    netMinor: settlement.netMinor,
    deductedMinor: waterfall.totalDeductedMinor,
    splitJson: toTaggedJson({ sweepId, waterfall }),
    atMs: nowMs,
  };
  await tx.financing.insertSweep(row);
  return ok({ sweepId, settlement, waterfall, replayed: false });
}
