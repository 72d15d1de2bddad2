/**
 * How events become the feature store's rows, as pure data. Two kinds of row, both chosen so that
 * the order events arrive in never matters:
 * - daily counters per (merchant, day, currency): sums, so applying events in any order adds up to
 *   the same totals;
 * - facts, one per event (keyed by the event's source and id): merchant profiles, orders, invoice,
 *   purchase-order and receipt steps, inventory snapshots, attestations. Nothing is overwritten;
 *   the state "as of a date" is worked out when asked (features.ts), from the facts dated on or
 *   before it — a refund that arrives before its order, or a delivery before its shipment, changes
 *   nothing.
 * Counters for things without money (deliveries, ratings) sit under currency ''.
 */
import type { CanonicalEvent } from '../events/catalog.ts';
import type { EventInstant } from '../events/check-event.ts';
import { parseCalendarDate, toDayNumber } from '../time/calendar-date.ts';

export const dailyCounterNames = [
  'gmv',
  'orders',
  'cancelled_orders',
  'cancelled_amount',
  'refunded_amount',
  'refunds',
  'returns',
  'captured_amount',
  'shipments',
  'deliveries',
  'on_time_deliveries',
  'delay_days',
  'rating_sum',
  'ratings',
  'settlements',
  'settlement_gross',
  'settlement_fees',
  'settlement_refunds',
  'settlement_chargebacks',
  'settlement_net',
] as const;

export type DailyCounterName = (typeof dailyCounterNames)[number];
export type DailyCounters = Record<DailyCounterName, bigint>;

export interface DailyRow {
  readonly merchantId: string;
  readonly day: number;
  readonly currency: string;
  readonly counters: DailyCounters;
}

/** One fact per event: `kind` says which table; `eventKey` is "<source> <id>". */
export type Fact =
  | {
      kind: 'profile';
      merchantId: string;
      eventKey: string;
      timeNs: bigint;
      day: number;
      legalName: string;
      country: string;
      currency: string;
      category: string;
      kybStatus: string;
    }
  | {
      kind: 'order';
      merchantId: string;
      eventKey: string;
      day: number;
      orderId: string;
      buyerId: string;
      amount: bigint;
      currency: string;
    }
  | {
      kind: 'invoice';
      merchantId: string;
      eventKey: string;
      day: number;
      invoiceId: string;
      step: 'issued' | 'approved' | 'paid';
      buyerId: string | null;
      amount: bigint;
      currency: string | null;
      dueDay: number | null;
      number: string | null;
      /** The purchase order the invoice bills (issued step only). */
      poId?: string | null;
    }
  | {
      kind: 'purchase_order';
      merchantId: string;
      eventKey: string;
      day: number;
      poId: string;
      step: 'issued' | 'confirmed' | 'cancelled';
      buyerId: string | null;
      amount: bigint;
      currency: string | null;
      dueDay: number | null;
    }
  | {
      kind: 'receipt';
      merchantId: string;
      eventKey: string;
      day: number;
      receiptId: string;
      step: 'issued' | 'released';
      quantity: bigint | null;
      unitValue: bigint;
      currency: string | null;
      sku: string | null;
    }
  | {
      kind: 'inventory';
      merchantId: string;
      eventKey: string;
      timeNs: bigint;
      day: number;
      sku: string;
      warehouseId: string;
      quantity: bigint;
      unitCost: bigint;
      currency: string;
    }
  | {
      kind: 'attestation';
      merchantId: string;
      eventKey: string;
      day: number;
      attestationId: string;
      scheme: string;
      validUntilDay: number;
    };

/** One event's additions to one of the batch's daily rows (the row holds the batch's sums). */
export interface DailyAddition {
  readonly row: DailyRow;
  readonly add: Partial<DailyCounters>;
}

export interface Projection {
  readonly daily: DailyRow[];
  readonly facts: Fact[];
  /** Each event's additions to the daily rows, in the order the events were given. */
  readonly additions: readonly (readonly DailyAddition[])[];
}

export interface ProjectedEvent {
  readonly event: CanonicalEvent;
  readonly instant: EventInstant;
  readonly key: string;
}

export function emptyCounters(): DailyCounters {
  const counters = {} as DailyCounters;
  for (const name of dailyCounterNames) counters[name] = 0n;
  return counters;
}

function dayOf(date: string): number {
  const parsed = parseCalendarDate(date);
  if (!parsed.ok) throw new Error(`projection: ${date} passed validation but is not a date`);
  return toDayNumber(parsed.value);
}

/** A daily row's key: its merchant, day and currency. */
export function dailyRowKey(row: Pick<DailyRow, 'merchantId' | 'day' | 'currency'>): string {
  return `${row.merchantId}\u0000${row.day}\u0000${row.currency}`;
}

const noAdditions: readonly DailyAddition[] = [];

/** Sums per (merchant, day, currency) over the batch, and the batch's facts. */
export function project(events: readonly ProjectedEvent[]): Projection {
  const daily = new Map<string, DailyRow>();
  const facts: Fact[] = [];
  const additions: (readonly DailyAddition[])[] = [];
  let current: DailyAddition[] | null = null;
  const bump = (merchantId: string, day: number, currency: string, add: Partial<DailyCounters>) => {
    const key = dailyRowKey({ merchantId, day, currency });
    let row = daily.get(key);
    if (row === undefined) {
      row = { merchantId, day, currency, counters: emptyCounters() };
      daily.set(key, row);
    }
    const counters = row.counters;
    for (const name in add) counters[name as DailyCounterName] += add[name as DailyCounterName] as bigint;
    current ??= [];
    current.push({ row, add });
  };
  for (const { event, instant, key } of events) {
    current = null;
    const facts1 = projectOne(event, instant, key, bump);
    for (const fact of facts1) facts.push(fact);
    additions.push(current ?? noAdditions);
  }
  // In key order, so that concurrent batches lock the same rows in the same order (no deadlocks).
  const rows = [...daily.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  return { daily: rows, facts, additions };
}

type Bump = (merchantId: string, day: number, currency: string, add: Partial<DailyCounters>) => void;

function projectOne(event: CanonicalEvent, instant: EventInstant, eventKey: string, bump: Bump): Fact[] {
  const merchantId = event.subject;
  const day = instant.day;
  const base = { merchantId, eventKey, day };
  switch (event.type) {
    case 'merchant.onboarded': {
      const d = event.data;
      return [
        {
          kind: 'profile',
          ...base,
          timeNs: instant.timeNs,
          legalName: d.legal_name,
          country: d.country,
          currency: d.currency,
          category: d.category,
          kybStatus: d.kyb_status,
        },
      ];
    }
    case 'order.placed': {
      const d = event.data;
      bump(merchantId, day, d.currency, { gmv: BigInt(d.amount), orders: 1n });
      return [
        {
          kind: 'order',
          ...base,
          orderId: d.order_id,
          buyerId: d.buyer_id,
          amount: BigInt(d.amount),
          currency: d.currency,
        },
      ];
    }
    case 'order.cancelled':
      bump(merchantId, day, event.data.currency, {
        cancelled_orders: 1n,
        cancelled_amount: BigInt(event.data.amount),
      });
      return [];
    case 'order.refunded':
      bump(merchantId, day, event.data.currency, {
        refunds: 1n,
        refunded_amount: BigInt(event.data.amount),
        returns: event.data.reason === 'return' ? 1n : 0n,
      });
      return [];
    case 'payment.captured':
      bump(merchantId, day, event.data.currency, { captured_amount: BigInt(event.data.amount) });
      return [];
    case 'settlement.paid': {
      const d = event.data;
      bump(merchantId, day, d.currency, {
        settlements: 1n,
        settlement_gross: BigInt(d.gross),
        settlement_fees: BigInt(d.fees),
        settlement_refunds: BigInt(d.refunds),
        settlement_chargebacks: BigInt(d.chargebacks),
        settlement_net: BigInt(d.net),
      });
      return [];
    }
    case 'shipment.shipped':
      bump(merchantId, day, '', { shipments: 1n });
      return [];
    case 'shipment.delivered': {
      const delay = dayOf(event.data.delivered_on) - dayOf(event.data.promised_delivery_on);
      bump(merchantId, day, '', {
        deliveries: 1n,
        on_time_deliveries: delay <= 0 ? 1n : 0n,
        delay_days: BigInt(Math.max(0, delay)),
      });
      return [];
    }
    case 'review.posted':
      bump(merchantId, day, '', { ratings: 1n, rating_sum: BigInt(event.data.rating) });
      return [];
    default:
      return projectFact(event, instant, base);
  }
}

function projectFact(
  event: CanonicalEvent,
  instant: EventInstant,
  base: { merchantId: string; eventKey: string; day: number },
): Fact[] {
  switch (event.type) {
    case 'inventory.snapshot': {
      const d = event.data;
      return [
        {
          kind: 'inventory',
          ...base,
          timeNs: instant.timeNs,
          sku: d.sku,
          warehouseId: d.warehouse_id,
          quantity: BigInt(d.quantity),
          unitCost: BigInt(d.unit_cost),
          currency: d.currency,
        },
      ];
    }
    case 'warehouse_receipt.issued': {
      const d = event.data;
      return [
        {
          kind: 'receipt',
          ...base,
          receiptId: d.receipt_id,
          step: 'issued',
          quantity: BigInt(d.quantity),
          unitValue: BigInt(d.unit_value),
          currency: d.currency,
          sku: d.sku,
        },
      ];
    }
    case 'warehouse_receipt.released': {
      const d = event.data;
      return [
        {
          kind: 'receipt',
          ...base,
          receiptId: d.receipt_id,
          step: 'released',
          quantity: d.quantity === undefined ? null : BigInt(d.quantity),
          unitValue: 0n,
          currency: null,
          sku: null,
        },
      ];
    }
    case 'purchase_order.issued': {
      const d = event.data;
      return [
        {
          kind: 'purchase_order',
          ...base,
          poId: d.po_id,
          step: 'issued',
          buyerId: d.buyer_id,
          amount: BigInt(d.amount),
          currency: d.currency,
          dueDay: dayOf(d.deliver_by),
        },
      ];
    }
    case 'purchase_order.confirmed':
      return [
        {
          kind: 'purchase_order',
          ...base,
          poId: event.data.po_id,
          step: 'confirmed',
          buyerId: event.data.buyer_id,
          amount: 0n,
          currency: null,
          dueDay: null,
        },
      ];
    case 'purchase_order.cancelled':
      return [
        {
          kind: 'purchase_order',
          ...base,
          poId: event.data.po_id,
          step: 'cancelled',
          buyerId: null,
          amount: 0n,
          currency: null,
          dueDay: null,
        },
      ];
    case 'invoice.issued': {
      const d = event.data;
      return [
        {
          kind: 'invoice',
          ...base,
          invoiceId: d.invoice_id,
          step: 'issued',
          buyerId: d.buyer_id,
          amount: BigInt(d.amount),
          currency: d.currency,
          dueDay: dayOf(d.due_on),
          number: d.invoice_number,
          poId: d.po_id ?? null,
        },
      ];
    }
    case 'invoice.approved':
      return [
        {
          kind: 'invoice',
          ...base,
          invoiceId: event.data.invoice_id,
          step: 'approved',
          buyerId: event.data.buyer_id,
          amount: 0n,
          currency: null,
          dueDay: null,
          number: null,
        },
      ];
    case 'invoice.paid': {
      const d = event.data;
      // Dated by the event's time like every fact, not by paid_on: a payment reported late must not be
      // visible to a backtest at a date before the report arrived.
      return [
        {
          kind: 'invoice',
          ...base,
          invoiceId: d.invoice_id,
          step: 'paid',
          buyerId: null,
          amount: BigInt(d.amount),
          currency: d.currency,
          dueDay: null,
          number: null,
        },
      ];
    }
    case 'sustainability.attested': {
      const d = event.data;
      return [
        {
          kind: 'attestation',
          ...base,
          attestationId: d.attestation_id,
          scheme: d.scheme,
          validUntilDay: dayOf(d.valid_until),
        },
      ];
    }
    default:
      return [];
  }
}
