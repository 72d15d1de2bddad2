/**
 * An Amazon Seller Central settlement report, Flat File V2 (GET_V2_SETTLEMENT_REPORT_DATA_FLAT_FILE_V2):
 * tab-separated, a header row, then the settlement summary row (settlement-id, the period, deposit-date,
 * total-amount, currency; no transaction-type), then one row per amount (transaction-type, order-id,
 * amount-type, amount-description, amount — signed, negative for what Amazon keeps — posted-date…).
 * The report names neither the platform nor the merchant: the caller passes `{ source, subject }`.
 *
 * It becomes one settlement.paid (id `amazon:settlement:<settlement-id>`, time deposit-date, the
 * period's calendar dates as written) and one order.refunded per refunded order-id (id
 * `amazon:refund:<settlement-id>:<order-id>`, reason "other": the report gives none; refund_id the
 * row's adjustment-id when the order has exactly one, else `<settlement-id>:<order-id>`). Every row's
 * amount goes to one bucket, first match wins (`classifyAmazonRow`, amazon-settlement-totals.ts):
 * | bucket      | rows                                                                          | as   |
 * | chargebacks | transaction-type contains "chargeback"                                        | −sum |
 * | gross       | transaction-type Order, amount-type ItemPrice, Promotion or ItemWithheldTax   | +sum |
 * | refunds     | transaction-type Refund, amount-type ItemPrice, Promotion or ItemWithheldTax  | −sum |
 * | fees        | "fee" in transaction-type, amount-type or amount-description (ItemFees,       | −sum |
 * |             | ServiceFee, Subscription Fee, FBA…Fee…), or amount-type Cost of Advertising   |      |
 * | adjustments | everything else: reserves, reimbursements, charges to the seller's card…      | +sum |
 * A bucket whose total would be negative (fees refunded exceeding fees charged) is 0 and its total
 * moves to adjustments, so gross, fees, refunds and chargebacks are never negative. Then
 * net = gross − fees − refunds − chargebacks + adjustments = the sum of all rows, which must equal
 * total-amount exactly: otherwise (a truncated or edited report) the settlement is the problem
 * `settlement_total_mismatch`, never silently balanced. An order.refunded amount is its order's
 * refunds-bucket rows (so, over orders, they sum to `refunds` before folding); its raw text is all
 * of the order's Refund rows, fee rows included. A refund of fees only makes no event.
 *
 * Amounts are decimal text ('-3.00'; a decimal comma '29,99' from European marketplaces is read as
 * a point) converted exactly with the report currency's exponent. Dates: ISO 8601
 * ('2026-03-01T00:00:00+00:00'), '2026-03-01 07:00:00 UTC', European '01.03.2026 07:00:00 UTC', or a
 * bare date (midnight UTC). Whole-file errors throw: a missing column, no summary row, an unreadable
 * summary. A bad row is a record with a problem (`amount_invalid`, `amount_too_precise`,
 * `settlement_id_mismatch`, `field_count_mismatch`, `date_invalid` for a Refund's posted-date, or
 * the line reader's); it withholds the settlement as `settlement_incomplete` and its order's refund.
 */
import type { RefundReason, SettlementPaid } from '../../domain/events/catalog.ts';
import { currencyExponent } from '../../domain/money/currency.ts';
import { formatMinorUnits, isAmountMinorInRange, parseMoney } from '../../domain/money/money.ts';
import { parseCalendarDate } from '../../domain/time/calendar-date.ts';
import type { SourceRecord } from '../source-record.ts';
import { classifyAmazonRow, SettlementTotals } from './amazon-settlement-totals.ts';
import { isRfc3339DateTime } from './field-reader.ts';
import { type ByteSource, type OnBytes, readLines, type TextLine } from './lines.ts';
import { checkPlatformExportOptions, type PlatformExportOptions } from './platform-export.ts';

export interface AmazonSettlementOptions extends PlatformExportOptions {
  readonly onBytes?: OnBytes;
}

/** A report line is a few hundred bytes; a longer one is not a settlement row. */
export const amazonLineBytesMax = 64 * 1024;

export const amazonRequiredColumns = [
  'settlement-id',
  'settlement-start-date',
  'settlement-end-date',
  'deposit-date',
  'total-amount',
  'currency',
  'transaction-type',
  'order-id',
  'amount-type',
  'amount-description',
  'amount',
  'posted-date',
] as const;

/** '2026-03-01 07:00:00 UTC' and friends → RFC 3339 and the calendar date as written. */
export function parseAmazonInstant(text: string): { time: string; date: string } | null {
  const match =
    /^(?:(\d{4})-(\d{2})-(\d{2})|(\d{2})\.(\d{2})\.(\d{4}))(?:[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?) ?(UTC|Z|[+-]\d{2}:\d{2}))?$/.exec(
      text.trim(),
    );
  if (match === null) return null;
  const [, isoYear, isoMonth, isoDay, euDay, euMonth, euYear, clock, zone] = match;
  const date = `${isoYear ?? euYear}-${isoMonth ?? euMonth}-${isoDay ?? euDay}`;
  if (!parseCalendarDate(date).ok) return null;
  const time = clock === undefined ? `${date}T00:00:00Z` : `${date}T${clock}${zone === 'UTC' ? 'Z' : zone}`;
  return isRfc3339DateTime(time) ? { time, date } : null;
}

function parseAmount(text: string, currency: string) {
  const trimmed = text.trim();
  return parseMoney(/^-?\d+,\d+$/.test(trimmed) ? trimmed.replace(',', '.') : trimmed, currency);
}

interface Summary {
  readonly line: TextLine;
  readonly settlementId: string;
  readonly currency: string;
  readonly totalMinor: bigint;
  readonly start: string;
  readonly end: string;
  readonly depositTime: string;
}

type Cells = (column: string) => string;

function cellsOf(header: readonly string[], text: string): { cells: Cells; count: number } {
  const fields = text.split('\t');
  const byName = new Map(header.map((name, index) => [name, (fields[index] ?? '').trim()]));
  return { cells: (column) => byName.get(column) ?? '', count: fields.length };
}

function readHeader(origin: string, line: TextLine): string[] {
  if (line.problem !== undefined) throw new Error(`${origin} line ${line.line}: ${line.problem.detail}`);
  const header = line.text.split('\t').map((name) => name.trim());
  for (const column of amazonRequiredColumns) {
    if (!header.includes(column)) {
      throw new Error(
        `${origin}: not an Amazon V2 settlement report: column "${column}" is missing from the header`,
      );
    }
  }
  return header;
}

function readSummary(origin: string, header: readonly string[], line: TextLine): Summary {
  const where = `${origin} line ${line.line}`;
  const { cells } = cellsOf(header, line.text);
  if (cells('transaction-type') !== '' || cells('total-amount') === '') {
    throw new Error(
      `${where}: the first row after the header must be the settlement summary (total-amount, no transaction-type)`,
    );
  }
  const currency = cells('currency');
  if (!currencyExponent(currency).ok) throw new Error(`${where}: unknown currency "${currency}"`);
  const total = parseAmount(cells('total-amount'), currency);
  if (!total.ok)
    throw new Error(`${where}: total-amount "${cells('total-amount')}" is not an amount in ${currency}`);
  const instant = (column: string) => {
    const parsed = parseAmazonInstant(cells(column));
    if (parsed === null) throw new Error(`${where}: ${column} "${cells(column)}" is not a date`);
    return parsed;
  };
  const settlementId = cells('settlement-id');
  if (!/^[\x21-\x7e]{1,64}$/.test(settlementId))
    throw new Error(`${where}: settlement-id "${settlementId}" is not an id`);
  const [start, end, deposit] = [
    instant('settlement-start-date'),
    instant('settlement-end-date'),
    instant('deposit-date'),
  ];
  return {
    line,
    settlementId,
    currency,
    totalMinor: total.value.amountMinor,
    start: start.date,
    end: end.date,
    depositTime: deposit.time,
  };
}

type RowProblem = { code: string; field: string | null; detail: string };

function readRow(
  summary: Summary,
  header: readonly string[],
  line: TextLine,
  totals: SettlementTotals,
): RowProblem | null {
  if (line.problem !== undefined) return line.problem;
  const { cells, count } = cellsOf(header, line.text);
  if (count > header.length)
    return {
      code: 'field_count_mismatch',
      field: null,
      detail: `${count} fields, the header has ${header.length}`,
    };
  if (cells('settlement-id') !== summary.settlementId) {
    return {
      code: 'settlement_id_mismatch',
      field: 'settlement-id',
      detail: `expected ${summary.settlementId}, found "${cells('settlement-id')}"`,
    };
  }
  const amount = parseAmount(cells('amount'), summary.currency);
  if (!amount.ok)
    return {
      code: amount.code,
      field: 'amount',
      detail: `"${cells('amount')}" is not an amount in ${summary.currency}`,
    };
  const bucket = classifyAmazonRow(
    cells('transaction-type'),
    cells('amount-type'),
    cells('amount-description'),
  );
  const orderId = cells('order-id');
  // Every Refund row of an order is kept as the refund's raw text; only the refunds bucket is its amount.
  if (cells('transaction-type').toLowerCase() === 'refund' && orderId !== '') {
    const posted = parseAmazonInstant(cells('posted-date-time')) ?? parseAmazonInstant(cells('posted-date'));
    if (posted === null) {
      return {
        code: 'date_invalid',
        field: 'posted-date',
        detail: `"${cells('posted-date')}" is not a date`,
      };
    }
    const refundMinor = bucket === 'refunds' ? amount.value.amountMinor : 0n;
    totals.addRefund(orderId, line, cells('adjustment-id'), refundMinor, posted);
  }
  totals.add(bucket, amount.value.amountMinor);
  return null;
}

function settlementRecord(
  origin: string,
  summary: Summary,
  totals: SettlementTotals,
  options: AmazonSettlementOptions,
): SourceRecord {
  const { line, text: raw } = summary.line;
  if (totals.badRows > 0) {
    const detail = `${totals.badRows} rows could not be read, so the settlement cannot be summed`;
    return { origin, line, raw, problem: { code: 'settlement_incomplete', field: null, detail } };
  }
  if (totals.rowsMinor !== summary.totalMinor) {
    const detail = `the rows sum to ${totals.rowsMinor} minor units, total-amount is ${summary.totalMinor}`;
    return {
      origin,
      line,
      raw,
      problem: { code: 'settlement_total_mismatch', field: 'total-amount', detail },
    };
  }
  const buckets = totals.folded();
  if (!Object.values(buckets).every(isAmountMinorInRange)) {
    const detail = 'a settlement total is out of the range of an amount';
    return { origin, line, raw, problem: { code: 'amount_out_of_range', field: null, detail } };
  }
  const data: SettlementPaid = {
    settlement_id: summary.settlementId,
    period_start: summary.start,
    period_end: summary.end,
    gross: formatMinorUnits(buckets.gross),
    fees: formatMinorUnits(buckets.fees),
    refunds: formatMinorUnits(buckets.refunds),
    chargebacks: formatMinorUnits(buckets.chargebacks),
    adjustments: formatMinorUnits(buckets.adjustments),
    net: formatMinorUnits(summary.totalMinor),
    currency: summary.currency,
  };
  const value = {
    specversion: '1.0',
    id: `amazon:settlement:${summary.settlementId}`,
    source: options.source,
    type: 'settlement.paid',
    time: summary.depositTime,
    subject: options.subject,
    data,
  };
  return { origin, line, raw, value };
}

function refundProblem(orderId: string, amountMinor: bigint): RowProblem | null {
  if (amountMinor < 0n) {
    return {
      code: 'refund_negative',
      field: 'amount',
      detail: `the refund rows of ${orderId} sum above zero`,
    };
  }
  if (!isAmountMinorInRange(amountMinor)) {
    return {
      code: 'amount_out_of_range',
      field: 'amount',
      detail: `the refund of ${orderId} is out of range`,
    };
  }
  return null;
}

function* refundRecords(
  origin: string,
  summary: Summary,
  totals: SettlementTotals,
  options: AmazonSettlementOptions,
): Generator<SourceRecord> {
  for (const [orderId, order] of totals.refunds) {
    if (totals.badOrders.has(orderId) || order.amountMinor === 0n) continue;
    const { line } = order;
    const raw = order.rows.join('\n');
    const problem = refundProblem(orderId, order.amountMinor);
    if (problem !== null) {
      yield { origin, line, raw, problem };
      continue;
    }
    const [onlyAdjustment] = order.adjustmentIds;
    const refundId =
      order.adjustmentIds.size === 1 && onlyAdjustment !== undefined
        ? onlyAdjustment
        : `${summary.settlementId}:${orderId}`;
    const reason: RefundReason = 'other';
    const data = {
      order_id: orderId,
      refund_id: refundId,
      amount: formatMinorUnits(order.amountMinor),
      currency: summary.currency,
      reason,
    };
    const id = `amazon:refund:${summary.settlementId}:${orderId}`;
    yield {
      origin,
      line,
      raw,
      value: {
        specversion: '1.0',
        id,
        source: options.source,
        type: 'order.refunded',
        time: order.time,
        subject: options.subject,
        data,
      },
    };
  }
}

export async function* readAmazonSettlement(
  input: ByteSource,
  origin: string,
  options: AmazonSettlementOptions,
): AsyncGenerator<SourceRecord> {
  checkPlatformExportOptions('an Amazon settlement report', options);
  let header: string[] | null = null;
  let summary: Summary | null = null;
  const totals = new SettlementTotals();
  const lineOptions = {
    lineBytesMax: amazonLineBytesMax,
    ...(options.onBytes === undefined ? {} : { onBytes: options.onBytes }),
  };
  for await (const line of readLines(input, lineOptions)) {
    if (line.problem === undefined && line.text.trim() === '') continue;
    if (header === null) {
      header = readHeader(origin, line);
    } else if (summary === null) {
      summary = readSummary(origin, header, line);
    } else {
      const problem = readRow(summary, header, line, totals);
      if (problem === null) continue;
      totals.badRows += 1;
      const { cells } = cellsOf(header, line.text);
      if (cells('order-id') !== '') totals.badOrders.add(cells('order-id'));
      yield { origin, line: line.line, raw: line.text, problem };
    }
  }
  if (header === null || summary === null)
    throw new Error(`${origin}: no settlement summary row: the report is empty`);
  yield settlementRecord(origin, summary, totals, options);
  yield* refundRecords(origin, summary, totals, options);
}
