/**
 * Canonical events for tests: a builder with sensible defaults, and a small seeded generator of a
 * few merchants' mixed activity (every type that touches the feature store), so that ingestion
 * tests can shuffle, split and replay a realistic stream. Independent of the simulator on purpose.
 */
import type { CanonicalEvent, EventDataByType, EventType } from '../../src/domain/events/catalog.ts';
import { mulberry32 as prng } from '../../src/simulator/prng.ts';

export function event<T extends EventType>(
  type: T,
  id: string,
  time: string,
  subject: string,
  data: EventDataByType[T],
  source = 'plt_test',
): CanonicalEvent {
  return { specversion: '1.0', id, source, type, time, subject, data } as CanonicalEvent;
}

/**
 * A settlement.paid event for one day's payout: `net` after `fees` (none unless given), no refunds
 * or chargebacks, in `currency` (USD unless given), paid at `time` (noon of the date unless given);
 * `extra` adds to its data (a rate, say).
 */
export function settlementPaid(payout: {
  readonly eventId: string;
  readonly settlementId: string;
  readonly subject: string;
  readonly date: string;
  readonly net: bigint;
  readonly fees?: bigint;
  readonly currency?: string;
  readonly time?: string;
  readonly source?: string;
  readonly extra?: Record<string, unknown>;
}): CanonicalEvent {
  const fees = payout.fees ?? 0n;
  return event(
    'settlement.paid',
    payout.eventId,
    payout.time ?? `${payout.date}T12:00:00Z`,
    payout.subject,
    {
      settlement_id: payout.settlementId,
      period_start: payout.date,
      period_end: payout.date,
      gross: String(payout.net + fees),
      fees: String(fees),
      refunds: '0',
      chargebacks: '0',
      net: String(payout.net),
      currency: payout.currency ?? 'USD',
      ...payout.extra,
    } as EventDataByType['settlement.paid'],
    payout.source,
  );
}

export function shuffle<T>(items: readonly T[], seed: number): T[] {
  const random = prng(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

const day = (base: string, offset: number) => {
  const date = new Date(`${base}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + offset);
  return date.toISOString().slice(0, 10);
};

/** `merchants` merchants over `days` days from 2026-01-01: orders, refunds, deliveries, … */
export function generateActivity(merchants: number, days: number, seed: number): CanonicalEvent[] {
  const random = prng(seed);
  const events: CanonicalEvent[] = [];
  let n = 0;
  const next = () => {
    n += 1;
    return `gen-${seed}-${n}`;
  };
  for (let m = 0; m < merchants; m += 1) {
    const subject = `mer_gen${m}`;
    const currency = m % 3 === 2 ? 'EUR' : 'USD';
    events.push(
      event('merchant.onboarded', next(), '2025-12-31T09:00:00Z', subject, {
        legal_name: `Merchant ${m}`,
        country: currency === 'EUR' ? 'DE' : 'US',
        currency,
        category: ['toys', 'apparel', 'electronics'][m % 3] as string,
        kyb_status: 'verified',
      }),
    );
    for (let d = 0; d < days; d += 1) {
      const date = day('2026-01-01', d);
      const orders = Math.floor(random() * 4);
      for (let o = 0; o < orders; o += 1) {
        const orderId = `o-${m}-${d}-${o}`;
        const amount = String(500 + Math.floor(random() * 20_000));
        const time = `${date}T${String(8 + o).padStart(2, '0')}:15:00Z`;
        events.push(
          event('order.placed', next(), time, subject, {
            order_id: orderId,
            buyer_id: `buyer-${Math.floor(random() * 6)}`,
            amount,
            currency,
          }),
        );
        const roll = random();
        if (roll < 0.08) {
          events.push(
            event('order.refunded', next(), `${date}T20:00:00Z`, subject, {
              order_id: orderId,
              refund_id: `r-${orderId}`,
              amount,
              currency,
              reason: roll < 0.04 ? 'return' : 'defective',
            }),
          );
        } else if (roll < 0.12) {
          events.push(
            event('order.cancelled', next(), `${date}T21:00:00Z`, subject, {
              order_id: orderId,
              amount,
              currency,
            }),
          );
        } else {
          const promised = day(date, 3);
          const delivered = day(date, 2 + Math.floor(random() * 4));
          events.push(
            event('shipment.delivered', next(), `${delivered}T12:00:00Z`, subject, {
              shipment_id: `s-${orderId}`,
              order_id: orderId,
              promised_delivery_on: promised,
              delivered_on: delivered,
            }),
          );
          if (random() < 0.3)
            events.push(
              event('review.posted', next(), `${delivered}T18:00:00Z`, subject, {
                review_id: `rv-${orderId}`,
                order_id: orderId,
                rating: 1 + Math.floor(random() * 5),
              }),
            );
        }
      }
      if (d % 7 === 6) {
        const gross = 10_000 + Math.floor(random() * 50_000);
        const fees = Math.floor(gross * 0.05);
        events.push(
          event('settlement.paid', next(), `${date}T23:00:00Z`, subject, {
            settlement_id: `st-${m}-${d}`,
            period_start: day(date, -6),
            period_end: date,
            gross: String(gross),
            fees: String(fees),
            refunds: '0',
            chargebacks: '0',
            net: String(gross - fees),
            currency,
          }),
        );
      }
      if (d % 10 === 0) {
        events.push(
          event('inventory.snapshot', next(), `${date}T06:00:00Z`, subject, {
            sku: `sku-${m}`,
            warehouse_id: 'wh-1',
            quantity: 50 + Math.floor(random() * 100),
            unit_cost: '1200',
            currency,
          }),
        );
      }
    }
    events.push(
      event('invoice.issued', next(), '2026-01-10T10:00:00Z', subject, {
        invoice_id: `inv-${m}`,
        invoice_number: `INV-${m}`,
        buyer_id: 'anchor-1',
        amount: '250000',
        currency,
        issued_on: '2026-01-10',
        due_on: '2026-02-09',
      }),
    );
    events.push(
      event('invoice.approved', next(), '2026-01-12T10:00:00Z', subject, {
        invoice_id: `inv-${m}`,
        buyer_id: 'anchor-1',
      }),
    );
    if (m % 2 === 0)
      events.push(
        event('invoice.paid', next(), '2026-02-08T10:00:00Z', subject, {
          invoice_id: `inv-${m}`,
          amount: '250000',
          currency,
          paid_on: '2026-02-08',
        }),
      );
  }
  return events;
}
