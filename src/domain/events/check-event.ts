/**
 * The semantic half of event validation, after the JSON Schema has checked the shape: currencies
 * that exist, amounts within 64 bits, calendar dates that exist, an instant we can read, a
 * settlement that adds up to the cent. Each failure names the field and the rule, so a platform can
 * fix the record; the first failure wins, fields checked in a fixed order.
 */
import { isCurrencyCode } from '../money/currency.ts';
import {
  fxRate,
  fxRateDayProblem,
  rateBesidePayout,
  rateBesidePayoutDetail,
  repeatedPair,
} from '../money/fx.ts';
import { parseMinorUnits } from '../money/money.ts';
import { parseCalendarDate, toDayNumber } from '../time/calendar-date.ts';
import { parseDateTime, storableInstant } from '../time/instant.ts';
import type { CanonicalEvent, EventType } from './catalog.ts';

export interface RecordProblem {
  /** Stable snake_case reason: `json_invalid`, `field_invalid`, `currency_unknown`, … */
  readonly code: string;
  /** The offending field as a dotted path (`data.amount`), or null for the whole record. */
  readonly field: string | null;
  readonly detail: string;
}

export interface EventInstant {
  readonly timeNs: bigint;
  /** The UTC calendar day of `time`, as days since 1970-01-01. */
  readonly day: number;
}

const amountFields: Partial<Record<EventType, readonly string[]>> = {
  'order.placed': ['amount'],
  'order.cancelled': ['amount'],
  'order.refunded': ['amount'],
  'payment.captured': ['amount'],
  'settlement.paid': ['gross', 'fees', 'refunds', 'chargebacks', 'adjustments', 'net'],
  'inventory.snapshot': ['unit_cost'],
  'warehouse_receipt.issued': ['unit_value'],
  'purchase_order.issued': ['amount'],
  'invoice.issued': ['amount'],
  'invoice.paid': ['amount'],
};

const dateFields: Partial<Record<EventType, readonly string[]>> = {
  'settlement.paid': ['period_start', 'period_end'],
  'shipment.shipped': ['promised_delivery_on'],
  'shipment.delivered': ['promised_delivery_on', 'delivered_on'],
  'purchase_order.issued': ['deliver_by'],
  'invoice.issued': ['issued_on', 'due_on'],
  'invoice.paid': ['paid_on'],
  'sustainability.attested': ['valid_until'],
};

function problem(code: string, field: string | null, detail: string): RecordProblem {
  return { code, field, detail };
}

/** Reads `time` as an instant; events need a full date-time with an offset, not a bare date. */
export function eventInstant(time: string): EventInstant | null {
  return parseDateTime(time);
}

/** The event's instant when every check passes, else the first problem. */
export function checkEvent(event: CanonicalEvent): RecordProblem | EventInstant {
  const instant = eventInstant(event.time);
  if (instant === null) {
    return problem('time_invalid', 'time', `"${event.time}" is not an RFC 3339 date-time with an offset`);
  }
  // Stored as 64-bit nanoseconds: one beyond would fail its whole batch at the insert.
  if (!storableInstant(instant.timeNs)) {
    return problem(
      'time_invalid',
      'time',
      `"${event.time}" is outside the instants Capstan keeps, 1677-09-21 through 2262-04-11 (UTC)`,
    );
  }
  const data = event.data as unknown as Record<string, unknown>;
  const currency = data['currency'];
  if (typeof currency === 'string' && !isCurrencyCode(currency)) {
    return problem(
      'currency_unknown',
      'data.currency',
      `${currency} is not an ISO 4217 currency with minor units`,
    );
  }
  for (const field of amountFields[event.type] ?? []) {
    const value = data[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !parseMinorUnits(value).ok) {
      return problem(
        'amount_out_of_range',
        `data.${field}`,
        'amounts must be integers of minor units within 64 bits',
      );
    }
  }
  for (const field of dateFields[event.type] ?? []) {
    const value = data[field];
    if (typeof value === 'string' && !parseCalendarDate(value).ok) {
      return problem('date_invalid', `data.${field}`, `${value} is not a calendar date`);
    }
  }
  return checkRules(event, instant) ?? instant;
}

export function isRecordProblem(value: RecordProblem | EventInstant): value is RecordProblem {
  return 'code' in value;
}

function day(text: string): number {
  const parsed = parseCalendarDate(text);
  return parsed.ok ? toDayNumber(parsed.value) : Number.NaN;
}

function checkRules(event: CanonicalEvent, instant: EventInstant): RecordProblem | null {
  switch (event.type) {
    case 'settlement.paid': {
      const d = event.data;
      if (day(d.period_start) > day(d.period_end)) {
        return problem('period_invalid', 'data.period_end', 'period_end is before period_start');
      }
      const expected =
        BigInt(d.gross) -
        BigInt(d.fees) -
        BigInt(d.refunds) -
        BigInt(d.chargebacks) +
        BigInt(d.adjustments ?? '0');
      if (expected !== BigInt(d.net)) {
        return problem(
          'settlement_does_not_add_up',
          'data.net',
          `net ${d.net} ≠ gross − fees − refunds − chargebacks + adjustments = ${expected}`,
        );
      }
      for (const [index, r] of (d.fx_rates ?? []).entries()) {
        const field = `data.fx_rates[${index}]`;
        const asOf = eventInstant(r.as_of);
        if (asOf === null)
          return problem(
            'fx_rate_invalid',
            `${field}.as_of`,
            'as_of must be an RFC 3339 date-time with an offset',
          );
        const dated = fxRateDayProblem(asOf.day, instant.day);
        if (dated !== null) return problem('fx_rate_invalid', `${field}.as_of`, dated);
        const rate = fxRate(r.base, r.quote, r.rate, r.source, r.as_of);
        if (!rate.ok) return problem('fx_rate_invalid', field, rate.detail ?? rate.code);
      }
      const repeated = repeatedPair(d.fx_rates ?? []);
      if (repeated !== null)
        return problem(
          'fx_rate_invalid',
          `data.fx_rates[${repeated}]`,
          'a second rate for the same two currencies',
        );
      const beside = rateBesidePayout(d.fx_rates ?? [], d.currency);
      if (beside !== null)
        return problem(
          'fx_rate_invalid',
          `data.fx_rates[${beside}]`,
          rateBesidePayoutDetail((d.fx_rates ?? [])[beside] as { base: string; quote: string }, d.currency),
        );
      return null;
    }
    case 'invoice.issued':
      return day(event.data.due_on) < day(event.data.issued_on)
        ? problem('due_before_issue', 'data.due_on', 'an invoice cannot fall due before it is issued')
        : null;
    case 'order.placed': {
      const items = event.data.items ?? [];
      const skus = new Set(items.map((item) => item.sku));
      return skus.size === items.length
        ? null
        : problem('items_duplicate_sku', 'data.items', 'each SKU appears once per order');
    }
    default:
      return null;
  }
}
