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
import {
  type AdvanceFacility,
  advanceOwed,
  applyAdvanceDeduction,
} from '../../domain/products/advance/servicing.ts';
import { servicedStates } from '../../domain/products/lifecycle.ts';
import {
  applyTermLoanPayment,
  type TermLoanFacility,
  termLoanOwed,
} from '../../domain/products/term-loan/servicing.ts';
import {
  type Amounts,
  type FacilityOwed,
  settlementWaterfall,
  type WaterfallResult,
} from '../../domain/products/waterfall.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';
import { createTransfers } from '../ledger/ledger-writes.ts';
import type { FacilityRow, ReadTransaction, SweepRow, WriteTransaction } from '../ports.ts';
import { fromTaggedJson, toTaggedJson } from '../risk/tagged-json.ts';
import { LedgerRejected, type OriginationContext, type StoredFacility } from './origination.ts';

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

type Serviced =
  | { readonly row: FacilityRow; readonly product: 'advance'; readonly state: AdvanceFacility }
  | { readonly row: FacilityRow; readonly product: 'term_loan'; readonly state: TermLoanFacility };

function serviced(row: FacilityRow): Serviced | null {
  if (!servicedStates.has(row.status as never)) return null;
  const stored = fromTaggedJson<StoredFacility>(row.stateJson);
  if (stored.phase !== 'serviced') return null;
  if (stored.product === 'advance')
    return { row, product: 'advance', state: stored.servicing as AdvanceFacility };
  if (stored.product === 'term_loan')
    return { row, product: 'term_loan', state: stored.servicing as TermLoanFacility };
  return null;
}

function owedOf(facility: Serviced, day: number): FacilityOwed {
  return facility.product === 'advance'
    ? advanceOwed(facility.state, day)
    : termLoanOwed(facility.state, day);
}

async function computeSplit(
  tx: ReadTransaction,
  settlement: Settlement,
  dailyCapBps: number,
): Promise<{ facilities: Serviced[]; waterfall: WaterfallResult }> {
  const facilities = (await tx.financing.facilitiesForMerchant(settlement.merchantId))
    .filter((row) => row.currency === settlement.currency)
    .flatMap((row) => serviced(row) ?? []);
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
  const sweepId = context.entropy.id('swp');
  for (const deduction of waterfall.deductions) {
    if (deduction.total === 0n) continue;
    const facility = facilities.find((f) => f.row.id === deduction.facilityId) as Serviced;
    const eventId = sweepId;
    const applied = total(deduction);
    const step =
      facility.product === 'advance'
        ? applyAdvanceDeduction(facility.state, settlement.day, dayText, eventId, applied)
        : applyTermLoanPayment(facility.state, dayText, eventId, applied);
    postings.push(...step.postings);
    const updated: FacilityRow = {
      ...facility.row,
      status: step.facility.status,
      stateJson: toTaggedJson({
        phase: 'serviced',
        product: facility.product,
        servicing: step.facility,
      } satisfies StoredFacility),
      version: facility.row.version + 1n,
      updatedAtMs: nowMs,
    };
    if (!(await tx.financing.updateFacility(updated, facility.row.version)))
      throw new Error(`facility ${facility.row.id} changed during the sweep`);
  }
  const results = await createTransfers(tx, context, postings);
  const bad = results.filter((r) => r.result !== 'ok');
  if (bad.length > 0)
    throw new LedgerRejected(
      `sweep ${settlement.settlementKey}: ${bad.map((r) => `${r.id} ${r.result}`).join(', ')}`,
    );
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
