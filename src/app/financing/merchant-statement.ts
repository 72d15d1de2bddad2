/**
 * A merchant's statement for a period: per facility the opening balance, the lines — each event
 * that moved what is owed, and the interest booked — with a running balance, the closing balance;
 * and the settlements swept in the period. Read-only, in the caller's one read transaction.
 *
 * How the balances are computed. The balance is what the facility says is owed — fees, interest
 * and principal booked: the quantity `bookedOf` answers and every `swept` and `repayment` event
 * records as `outstandingMinor`. A facility's whole history is replayed from its first event, in
 * the order the events were written (their sequence); the lines are then put in date order, and a
 * period's opening balance is the sum of every line dated before it, its closing balance the sum
 * of every line through its end. What moves the balance:
 * - the events' own amounts: `disbursed` (and an advance's fixed fee, owed from the payout),
 *   `drawn`, `late_fee_charged`, each payment's applied total, and a write-off (`status_changed`
 *   to `written_off`), which takes the whole balance off the books;
 * - interest, which the daily cycle books without an event: read from the facility's interest
 *   receivable in the ledger, in the order it was booked, each posting's id naming its day (an
 *   accrual day, a term loan's instalment, an early payoff). Every payment is an anchor: what was
 *   owed just before it is its recorded outstanding plus what it applied, so the interest booked
 *   by then is the run of postings not yet placed that adds up to the difference — exact however
 *   late the daily cycle ran. Before an event of the daily cycle goes the interest of its day and
 *   earlier, which that cycle booked first. Anything no posting explains would be a line of its
 *   own (`interest_charged`, or `adjustment` if less was owed), so the lines always add up;
 * - at the end the replay is checked against what the facility owes now the same way, so a
 *   statement reaching the last day money is dated (tomorrow at most) closes at exactly the
 *   facility's balance.
 * Replaying from the start, rather than taking the last recorded `outstandingMinor` before the
 * period as its opening balance, is what keeps exact a period — or a facility — with no payment:
 * the interest and fees booked since the last payment are counted too.
 */

import { assert } from '../../domain/assert.ts';
import { timestampMax } from '../../domain/ledger/limits.ts';
import type { Transfer } from '../../domain/ledger/types.ts';
import { advanceFee } from '../../domain/products/advance/advance.ts';
import { facilityAccount } from '../../domain/products/postings.ts';
import type { Amounts, FacilityDeduction, WaterfallResult } from '../../domain/products/waterfall.ts';
import { parseCalendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';
import type { FacilityEventRow, FacilityRow, ReadTransaction, SweepRow } from '../ports.ts';
import { fromTaggedJson } from '../risk/tagged-json.ts';
import { inScope, pageSize, pagesMax, parsed, type ReportEvent, type ReportScope } from './reports.ts';
import { bookedOf, type Serviced, servicedOf } from './serviced.ts';

/** The longest statement period, in days (a leap year). */
export const statementDaysMax = 366;

/**
 * How many days past today (UTC) a statement may run: money may be dated tomorrow — a payout's day
 * is the platform's, which may be ahead of UTC — and a statement through today would leave it out,
 * closing at other than what the facility owes.
 */
export const statementDaysAheadMax = 1;

export interface StatementLine {
  readonly day: number;
  readonly facilityId: string;
  /** The event's sequence; null for a line the statement adds: `fee_charged`, `interest_charged`, `adjustment`. */
  readonly sequence: number | null;
  readonly type: string;
  readonly detail: Readonly<Record<string, unknown>>;
  /** Positive: owed more; negative: paid, or taken off the books. */
  readonly amountMinor: bigint;
  readonly balanceMinor: bigint;
}

type Line = Omit<StatementLine, 'balanceMinor'>;

const sum = (a: Amounts) => a.fees + a.interest + a.principal;

/**
 * Events of a payment, a draw, origination or a pause of collections set or lifted (asked for during
 * the day, before its interest is booked); every other event is the daily cycle's.
 */
const notDailyCycle = new Set([
  'accepted',
  'disbursed',
  'disbursement_voided',
  'swept',
  'repayment',
  'collections_pause_set',
  'collections_resume_set',
]);
const byDailyCycle = (e: ReportEvent) =>
  !notDailyCycle.has(e.type) &&
  !e.type.startsWith('draw') &&
  !(e.type === 'status_changed' && e.detail['to'] === 'paid_off');

const line = (facilityId: string, day: number, type: string, detail: object, amountMinor: bigint): Line => ({
  day,
  facilityId,
  sequence: null,
  type,
  detail: detail as Record<string, unknown>,
  amountMinor,
});

/** Replays a facility's events and booked interest into lines that add up to its balance. */
class BalanceWalk {
  balance = 0n;
  readonly lines: Line[] = [];

  constructor(
    private readonly facilityId: string,
    /** Interest booked, in ledger order, not yet placed. */
    private readonly pending: Line[],
  ) {}

  private push(next: Line): void {
    this.balance += next.amountMinor;
    this.lines.push(next);
  }

  private record(event: ReportEvent, amountMinor: bigint): void {
    const { day, sequence, type, detail } = event;
    this.push({ day, facilityId: this.facilityId, sequence, type, detail, amountMinor });
  }

  /** Before an event of the daily cycle: the interest of its day and earlier, booked ahead of it. */
  private flushBefore(event: ReportEvent): void {
    if (!byDailyCycle(event)) return;
    while (this.pending[0] !== undefined && this.pending[0].day <= event.day)
      this.push(this.pending.shift() as Line);
  }

  /**
   * Brings the balance to `owed`, what the facility owed just before a payment. The interest booked
   * by then is the run of pending postings (in ledger order, the order they were booked) that adds
   * up to the difference; with no such run, what is left becomes a line of its own.
   */
  private reconcile(day: number, owed: bigint): void {
    let run = 0;
    let total = 0n;
    for (const next of this.pending) {
      if (total + next.amountMinor > owed - this.balance) break;
      total += next.amountMinor;
      run += 1;
    }
    for (const next of this.pending.splice(0, run)) this.push(next);
    const gap = owed - this.balance;
    if (gap !== 0n)
      this.push(line(this.facilityId, day, gap > 0n ? 'interest_charged' : 'adjustment', {}, gap));
  }

  event(event: ReportEvent, feeMinor: bigint): void {
    this.flushBefore(event);
    const detail = event.detail;
    const amount = typeof detail['amountMinor'] === 'bigint' ? detail['amountMinor'] : 0n;
    const outstanding = typeof detail['outstandingMinor'] === 'bigint' ? detail['outstandingMinor'] : null;
    if (event.type === 'disbursed' || event.type === 'drawn' || event.type === 'late_fee_charged') {
      this.record(event, amount);
      if (event.type === 'disbursed' && feeMinor > 0n)
        this.push(line(this.facilityId, event.day, 'fee_charged', {}, feeMinor));
    } else if ((event.type === 'swept' || event.type === 'repayment') && outstanding !== null) {
      const paid = sum(detail['applied'] as Amounts);
      this.reconcile(event.day, outstanding + paid);
      this.record(event, -paid);
    } else if (event.type === 'status_changed' && detail['to'] === 'written_off')
      this.record(event, -this.balance);
    else this.record(event, outstanding === null ? 0n : outstanding - this.balance);
    assert(outstanding === null || this.balance === outstanding, 'the balance is what the event recorded');
  }

  /** The rest of the interest booked, then the facility's balance now as the last word. */
  finish(serviced: Serviced | null): void {
    while (this.pending.length > 0) this.push(this.pending.shift() as Line);
    if (serviced === null) return;
    const lastDay = Math.max(serviced.servicedThroughDay, this.lines.at(-1)?.day ?? 0);
    this.reconcile(lastDay, sum(bookedOf(serviced)));
  }
}

async function eventsOf(tx: ReadTransaction, facilityId: string): Promise<ReportEvent[]> {
  const events: ReportEvent[] = [];
  let afterSequence = 0;
  for (let page = 0; page < pagesMax; page += 1) {
    const rows = await tx.financing.facilityEvents(facilityId, { afterSequence, limit: pageSize });
    events.push(...rows.map(parsed));
    if (rows.length < pageSize) return events;
    afterSequence = (rows.at(-1) as FacilityEventRow).sequence;
  }
  throw new Error(`facility ${facilityId} has more than ${pagesMax * pageSize} events`);
}

/**
 * The day and kind of an interest posting, from its id (src/domain/products/postings.ts):
 * `<facility>:int:inst:<n>` a term loan's instalment, booked on its due day; `…:int:<date>` a
 * day's accrual; `…:int:<date>:po` the interest accrued to an early payoff.
 */
function interestLine(facilityId: string, key: string, amountMinor: bigint, serviced: Serviced): Line {
  const instalment = /^inst:([0-9]+)$/.exec(key);
  if (instalment !== null && serviced.product === 'term_loan') {
    const n = Number(instalment[1]);
    const due = serviced.state.instalments[n - 1]?.dueDay ?? serviced.servicedThroughDay;
    return line(facilityId, due, 'interest_charged', { instalment: n }, amountMinor);
  }
  const dated = /^([0-9]{4}-[0-9]{2}-[0-9]{2})(:po)?$/.exec(key);
  const date = dated === null ? null : parseCalendarDate(dated[1] as string);
  if (dated === null || date === null || !date.ok)
    return line(facilityId, serviced.servicedThroughDay, 'interest_charged', {}, amountMinor);
  const day = toDayNumber(date.value);
  const detail = dated[2] === undefined ? { fromDay: day, toDay: day } : { toPayoff: true };
  return line(facilityId, day, 'interest_charged', detail, amountMinor);
}

/** The interest booked on the facility, in ledger order: the daily cycle books it without an event. */
async function interestBooked(tx: ReadTransaction, serviced: Serviced | null): Promise<Line[]> {
  if (serviced === null) return [];
  const { facilityId } = serviced.state.book;
  const account = facilityAccount.interest(serviced.state.book);
  const prefix = `${facilityId}:int:`;
  const lines: Line[] = [];
  let afterTimestamp = -1n;
  for (let page = 0; page < pagesMax; page += 1) {
    const range = { afterTimestamp, atOrBeforeTimestamp: timestampMax };
    const transfers = await tx.ledger.entries(account, range, pageSize);
    for (const t of transfers)
      if (t.code === 'interest_accrual' && t.debitAccountId === account && t.id.startsWith(prefix))
        lines.push(interestLine(facilityId, t.id.slice(prefix.length), t.amount, serviced));
    if (transfers.length < pageSize) return lines;
    afterTimestamp = (transfers.at(-1) as Transfer).timestamp;
  }
  throw new Error(`facility ${facilityId} has more than ${pagesMax * pageSize} interest entries`);
}

/** Every line of a facility's history, in the order it moved the balance. */
async function facilityLines(tx: ReadTransaction, row: FacilityRow): Promise<Line[]> {
  const serviced = servicedOf(row);
  const feeMinor = serviced?.product === 'advance' ? advanceFee(serviced.state.terms) : 0n;
  const walk = new BalanceWalk(row.id, await interestBooked(tx, serviced));
  for (const event of await eventsOf(tx, row.id)) walk.event(event, feeMinor);
  walk.finish(serviced);
  // In date order, as a statement reads; a stable sort keeps each day's lines as they happened.
  return walk.lines.sort((a, b) => a.day - b.day);
}

export interface FacilityStatement {
  readonly row: FacilityRow;
  readonly openingMinor: bigint;
  readonly lines: readonly StatementLine[];
  readonly closingMinor: bigint;
}

export interface SettlementInStatement {
  readonly sweep: SweepRow;
  /** The deductions for facilities in scope, and their total. */
  readonly deductions: readonly FacilityDeduction[];
  readonly deductedMinor: bigint;
}

export interface MerchantStatement {
  readonly merchantId: string;
  readonly fromDay: number;
  readonly toDay: number;
  readonly facilities: readonly FacilityStatement[];
  readonly settlements: readonly SettlementInStatement[];
}

/** Consecutive days of interest with nothing between them, as one line. */
function mergedDaily(previous: StatementLine | undefined, next: Line): boolean {
  const from = next.detail['fromDay'];
  return (
    previous !== undefined &&
    previous.type === 'interest_charged' &&
    next.type === 'interest_charged' &&
    typeof from === 'number' &&
    previous.detail['toDay'] === from - 1
  );
}

/** The lines dated in the period, their balances run on from the sum of every line before it. */
function periodOf(row: FacilityRow, lines: readonly Line[], fromDay: number, toDay: number) {
  const openingMinor = lines.filter((l) => l.day < fromDay).reduce((t, l) => t + l.amountMinor, 0n);
  let balance = openingMinor;
  const inPeriod: StatementLine[] = [];
  for (const l of lines.filter((l) => l.day >= fromDay && l.day <= toDay)) {
    balance += l.amountMinor;
    const previous = inPeriod.at(-1);
    if (previous !== undefined && mergedDaily(previous, l))
      inPeriod[inPeriod.length - 1] = {
        ...previous,
        day: l.day,
        detail: { ...previous.detail, toDay: l.detail['toDay'] },
        amountMinor: previous.amountMinor + l.amountMinor,
        balanceMinor: balance,
      };
    else inPeriod.push({ ...l, balanceMinor: balance });
  }
  return { row, openingMinor, lines: inPeriod, closingMinor: balance };
}

/**
 * Every line of a facility's history, its balance run from nothing: as a statement from before its
 * first line through its last would show them (a merchant's export, which has no period).
 */
export async function facilityHistoryLines(
  tx: ReadTransaction,
  row: FacilityRow,
): Promise<readonly StatementLine[]> {
  const lines = await facilityLines(tx, row);
  return periodOf(row, lines, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER).lines;
}

/**
 * The merchant's facilities in scope with a balance or a line in the period, and its settlements
 * swept in the period with the deductions for those facilities (a financier sees only settlements
 * that repaid one of its own).
 */
export async function merchantStatement(
  tx: ReadTransaction,
  input: {
    readonly merchantId: string;
    readonly fromDay: number;
    readonly toDay: number;
    readonly scope: ReportScope;
  },
): Promise<MerchantStatement> {
  const { merchantId, fromDay, toDay } = input;
  assert(fromDay <= toDay && toDay - fromDay < statementDaysMax, 'a statement period within the limit');
  const rows = (await tx.financing.facilitiesForMerchant(merchantId)).filter((r) => inScope(r, input.scope));
  const facilities: FacilityStatement[] = [];
  for (const row of rows) {
    const period = periodOf(row, await facilityLines(tx, row), fromDay, toDay);
    if (period.lines.length > 0 || period.openingMinor !== 0n) facilities.push(period);
  }
  const visible = new Set(rows.map((r) => r.id));
  const settlements = (await tx.financing.sweepsForMerchant(merchantId, fromDay, toDay))
    .map((sweep) => {
      const { waterfall } = fromTaggedJson<{ waterfall: WaterfallResult }>(sweep.splitJson);
      const deductions = waterfall.deductions.filter((d) => visible.has(d.facilityId) && d.total > 0n);
      return { sweep, deductions, deductedMinor: deductions.reduce((t, d) => t + d.total, 0n) };
    })
    .filter((s) => input.scope.financierId === undefined || s.deductions.length > 0);
  return { merchantId, fromDay, toDay, facilities, settlements };
}
