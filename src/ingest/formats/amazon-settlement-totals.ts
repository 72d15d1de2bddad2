/**
 * How an Amazon V2 settlement report's rows add up to a settlement.paid: the classification table
 * that puts each row's signed amount in one bucket (see amazon-settlement.ts for the table in
 * words), the per-order refund sums, and the folding that keeps gross, fees, refunds and chargebacks
 * non-negative without changing the net. Pure: amounts are bigint minor units.
 */
import { parseInstantNs } from '../../domain/time/instant.ts';
import type { TextLine } from './lines.ts';

/** Bound on distinct refunded orders held until the end of one report. */
export const amazonRefundedOrdersMax = 100_000;

export type SettlementBucket = 'gross' | 'fees' | 'refunds' | 'chargebacks' | 'adjustments';

const saleAmountTypes = new Set(['itemprice', 'promotion', 'itemwithheldtax']);

export function classifyAmazonRow(
  transactionType: string,
  amountType: string,
  amountDescription: string,
): SettlementBucket {
  const transaction = transactionType.toLowerCase();
  const amount = amountType.toLowerCase();
  if (transaction.includes('chargeback')) return 'chargebacks';
  if (transaction === 'order' && saleAmountTypes.has(amount)) return 'gross';
  if (transaction === 'refund' && saleAmountTypes.has(amount)) return 'refunds';
  const feeText = `${transaction}\t${amount}\t${amountDescription.toLowerCase()}`;
  if (feeText.includes('fee') || amount === 'cost of advertising') return 'fees';
  return 'adjustments';
}

/** How a row's signed amount moves each bucket so that net = gross − fees − refunds − chargebacks + adjustments. */
export const netSign: Readonly<Record<SettlementBucket, 1n | -1n>> = {
  gross: 1n,
  fees: -1n,
  refunds: -1n,
  chargebacks: -1n,
  adjustments: 1n,
};

export interface RefundedOrder {
  readonly line: number;
  readonly rows: string[];
  readonly adjustmentIds: Set<string>;
  amountMinor: bigint;
  time: string;
  timeNs: bigint;
}

export class SettlementTotals {
  readonly minor: Record<SettlementBucket, bigint> = {
    gross: 0n,
    fees: 0n,
    refunds: 0n,
    chargebacks: 0n,
    adjustments: 0n,
  };
  rowsMinor = 0n;
  badRows = 0;
  readonly badOrders = new Set<string>();
  readonly refunds = new Map<string, RefundedOrder>();

  add(bucket: SettlementBucket, amountMinor: bigint): void {
    this.minor[bucket] += netSign[bucket] * amountMinor;
    this.rowsMinor += amountMinor;
  }

  addRefund(
    orderId: string,
    line: TextLine,
    adjustmentId: string,
    amountMinor: bigint,
    posted: { time: string },
  ): void {
    let order = this.refunds.get(orderId);
    if (order === undefined) {
      if (this.refunds.size >= amazonRefundedOrdersMax)
        throw new Error(`more than ${amazonRefundedOrdersMax} refunded orders in one report`);
      order = {
        line: line.line,
        rows: [],
        adjustmentIds: new Set(),
        amountMinor: 0n,
        time: posted.time,
        timeNs: parseInstantNs(posted.time) ?? 0n,
      };
      this.refunds.set(orderId, order);
    }
    order.rows.push(line.text);
    if (adjustmentId !== '') order.adjustmentIds.add(adjustmentId);
    order.amountMinor -= amountMinor;
    const postedNs = parseInstantNs(posted.time) ?? 0n;
    if (postedNs > order.timeNs) [order.time, order.timeNs] = [posted.time, postedNs];
  }

  /** Negative buckets fold into adjustments; the net is unchanged. */
  folded(): Record<SettlementBucket, bigint> {
    const result = { ...this.minor };
    for (const bucket of ['gross', 'fees', 'refunds', 'chargebacks'] as const) {
      if (result[bucket] < 0n) {
        result.adjustments += netSign[bucket] * result[bucket];
        result[bucket] = 0n;
      }
    }
    return result;
  }
}
