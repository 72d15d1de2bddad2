/**
 * A daily counter is a signed 64-bit column, and each event's amount is checked to fit one
 * (check-event.ts): two amounts that each fit may not fit summed. QA found two orders of
 * 9223372036854775807 on one day failing their whole batch (better-sqlite3 cannot bind the sum) or,
 * sent in two batches, leaving a REAL in SQLite that no feature read could turn back into an integer
 * — so one merchant's day blocked decisions for all. Here the events of a batch are taken in order,
 * each against what is stored for its day plus what the events before it that fit add: an event that
 * would take any of its day's counters outside ±(2^63 − 1) is refused with `daily_total_out_of_range`
 * and adds nothing. Taken in order, a batch refuses what the same events sent one by one would.
 */
import type { RecordProblem } from '../events/check-event.ts';
import { amountMinorMax, amountMinorMin } from '../money/money.ts';
import { fromDayNumber } from '../time/calendar-date.ts';
import {
  type DailyCounterName,
  type DailyCounters,
  type DailyRow,
  dailyRowKey,
  emptyCounters,
  type Projection,
} from './projection.ts';

/** The range of every daily counter: a signed 64-bit column, symmetric as amounts are. */
export const dailyCounterMax = amountMinorMax;
export const dailyCounterMin = amountMinorMin;

/** The event field each counter adds up (counts name none: they add one). */
const counterFields: Partial<Record<DailyCounterName, string>> = {
  gmv: 'data.amount',
  cancelled_amount: 'data.amount',
  refunded_amount: 'data.amount',
  captured_amount: 'data.amount',
  delay_days: 'data.delivered_on',
  rating_sum: 'data.rating',
  settlement_gross: 'data.gross',
  settlement_fees: 'data.fees',
  settlement_refunds: 'data.refunds',
  settlement_chargebacks: 'data.chargebacks',
  settlement_net: 'data.net',
};

export function isDailyCounterInRange(value: bigint): boolean {
  return value >= dailyCounterMin && value <= dailyCounterMax;
}

/**
 * The events of `projection` (by index) that would take a daily counter out of range, each with its
 * problem; none in the usual case. `stored` holds the stored rows of (some of) the batch's days;
 * a day not among them starts at zero.
 */
export function dailyOverflows(
  projection: Projection,
  stored: readonly DailyRow[],
): Map<number, RecordProblem> {
  const running = new Map<string, DailyCounters>();
  for (const row of stored) running.set(dailyRowKey(row), { ...row.counters });
  const refused = new Map<number, RecordProblem>();
  projection.additions.forEach((additions, index) => {
    // Added as it goes, and taken back if a later counter of the event does not fit.
    const undo: [DailyCounters, DailyCounterName, bigint][] = [];
    for (const { row, add } of additions) {
      const key = dailyRowKey(row);
      let counters = running.get(key);
      if (counters === undefined) {
        counters = emptyCounters();
        running.set(key, counters);
      }
      for (const name in add) {
        const counter = name as DailyCounterName;
        const before = counters[counter];
        const total = before + (add[counter] as bigint);
        if (!isDailyCounterInRange(total)) {
          for (const [taken, takenCounter, value] of undo.reverse()) taken[takenCounter] = value;
          refused.set(index, overflow(row, counter, total));
          return;
        }
        undo.push([counters, counter, before]);
        counters[counter] = total;
      }
    }
  });
  return refused;
}

function overflow(row: DailyRow, counter: DailyCounterName, total: bigint): RecordProblem {
  const [bound, limit] = total > dailyCounterMax ? ['above', dailyCounterMax] : ['below', dailyCounterMin];
  const currency = row.currency === '' ? '' : ` in ${row.currency}`;
  return {
    code: 'daily_total_out_of_range',
    field: counterFields[counter] ?? null,
    detail: `${counter} of ${row.merchantId} on ${fromDayNumber(row.day)}${currency} would be ${total}, ${bound} ${limit}: a day's total is a signed 64-bit integer`,
  };
}
