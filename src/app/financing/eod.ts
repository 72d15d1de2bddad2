/**
 * The daily cycle (`capstan eod --date D`, and the worker's scheduled run): every serviced
 * facility taken through the end of each day — fee recognised, interest accrued, minimum payments
 * checked, days past due and the lifecycle moved on, late fees after the grace period, write-off
 * at the configured age — every amount through the ledger and every change a facility event; then
 * the payouts not confirmed within the disbursement deadline are voided and the offers past their
 * expiry date lapse.
 *
 * Days run in order from the day after the last one finished, so missed days are caught up; a
 * facility remembers the last day it was taken through, so running a day twice changes nothing
 * and a facility disbursed after a day ran is caught up from its own first day. Facilities are
 * worked in pages of `pageSize`, each page one transaction that also moves the run's cursor: a
 * crash loses at most the page in flight, and the next run resumes after the cursor.
 *
 * After every page the facilities' balances are checked against their ledger accounts — owed fees,
 * interest and principal against the three receivables, the deferred fee against its contra
 * account — and a difference stops the run: the books and the facilities must tell one story.
 *
 * Last, the ledger's days through the day run are checkpointed (src/app/ledger/checkpoints.ts),
 * even when no day was left to run.
 */
import { type Account, TransferFlag, type TransferInput } from '../../domain/ledger/types.ts';
import { defaultServicingPolicy, type ServicingPolicy } from '../../domain/products/advance/servicing.ts';
import { finalStates, servicedStates } from '../../domain/products/lifecycle.ts';
import { facilityAccount, facilityOfPrincipal, financingLedger } from '../../domain/products/postings.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import { formatCalendarDate, fromDayNumber } from '../../domain/time/calendar-date.ts';
import { dayNumberOfInstant, nanosecondsPerDay } from '../../domain/time/instant.ts';
import type { AppContext } from '../app-context.ts';
import { checkpointClosedDays } from '../ledger/checkpoints.ts';
import { expirePendingTransfers } from '../ledger/ledger-writes.ts';
import type { FacilityRow, StoredCheckpoint } from '../ports.ts';
import { assertBooksAgree, bookOf, type Expected, expectedOf } from './books-agree.ts';
import { resolveDraw } from './credit-lines.ts';
import { loadOfferSettings } from './offer-settings.ts';
import { closeOffers, voidDisbursement, withdrawOpenOffers } from './origination.ts';
import {
  appendEvents,
  closeDebtServiceIfFinal,
  inArrears,
  type NewFacilityEvent,
  postGroups,
  servicedOf,
  serviceThrough,
  updateAll,
} from './serviced.ts';

export const eodPageSizeDefault = 500;
export const eodPageSizeMax = 4_000;
/** A single run catches up at most this many days; more is a misconfiguration to look at first. */
export const eodDaysPerRunMax = 3_660;

export interface EodOptions {
  readonly policy?: ServicingPolicy;
  readonly pageSize?: number;
  /** After each committed page: progress for a command line; throwing stops the run there. */
  readonly onPage?: (progress: { readonly day: number; readonly facilitiesDone: bigint }) => void;
  /** After each day is finished: a command line says it then, not only once the run is done. */
  readonly onDay?: (day: EodDay) => void;
  /** After each day's ledger checkpoint is made (src/app/ledger/checkpoints.ts). */
  readonly onCheckpoint?: (checkpoint: StoredCheckpoint) => void;
}

export interface EodDay {
  readonly day: string;
  /** Facilities taken through the day in this run (a resumed day counts only what was left). */
  readonly facilities: number;
  readonly postings: number;
  readonly events: number;
  readonly offersExpired: number;
  /** Payouts not confirmed in time — accepted facilities' and credit lines' draws — voided at the day's end. */
  readonly disbursementsVoided: number;
  readonly resumed: boolean;
}

export type EodProblem = 'eod_date_invalid' | 'eod_page_size_invalid';

const servicedStatuses = [...servicedStates];

interface PageResult {
  readonly facilities: number;
  readonly postings: number;
  readonly events: number;
  readonly lastId: string | null;
}

/**
 * Facility rows written at a time while a page is worked: a page's states are not all held at
 * once (their text and parsed trees were the garbage collector's largest cost).
 */
const facilityWritesMax = 100;

async function servicePage(
  app: AppContext,
  day: number,
  after: string | null,
  options: Required<Pick<EodOptions, 'policy' | 'pageSize'>>,
): Promise<PageResult> {
  const nowMs = app.clock.nowNs() / 1_000_000n;
  const dayText = formatCalendarDate(fromDayNumber(day));
  return app.store.write(async (tx) => {
    // The ledger's head lock first, as every movement of money takes it: on PostgreSQL a payout or
    // a repayment arriving while the page is worked waits for it, then pays on what it left. Read
    // before the lock, a stream of them moved the page's facilities under it (WriteConflict) or
    // deadlocked with it (they hold the lock, then the facility) until the run failed.
    await tx.ledger.lockHead();
    const rows = await tx.financing.facilitiesByStatus(servicedStatuses, {
      ...(after === null ? {} : { after }),
      limit: options.pageSize,
    });
    const postings: TransferInput[][] = [];
    const events: NewFacilityEvent[] = [];
    const expected: Expected[] = [];
    const finals: FacilityRow[] = [];
    /** Merchants this page puts behind on a facility: lent nothing more, their open offers withdrawn. */
    const fallenBehind = new Set<string>();
    let written: FacilityRow[] = [];
    for (const row of rows) {
      const facility = servicedOf(row);
      if (facility === null || facility.servicedThroughDay >= day) continue;
      const done = serviceThrough(facility, day, options.policy, nowMs);
      written.push(done.row);
      postings.push(done.postings);
      events.push(...done.events);
      expected.push(expectedOf(done.row, done.next));
      if (finalStates.has(done.row.status as never)) finals.push(done.row);
      if (inArrears(done.row) && !inArrears(row)) fallenBehind.add(row.merchantId);
      if (written.length === facilityWritesMax) {
        await updateAll(tx, written);
        written = [];
      }
    }
    await updateAll(tx, written);
    await postGroups(tx, app, postings, `end of day ${dayText}`);
    await appendEvents(tx, events);
    for (const row of finals) await closeDebtServiceIfFinal(tx, row);
    for (const merchantId of fallenBehind)
      await withdrawOpenOffers(tx, app, merchantId, 'facility_in_arrears');
    await assertBooksAgree(tx, expected);
    const lastId = rows.at(-1)?.id ?? null;
    // Another run may be working the same day (a second `capstan eod`, the worker's cycle): the
    // count adds to what the stored run has (this run's own was stale), and a day it has finished
    // is not made running again. Before, each run wrote its own count over the other's, and a
    // done day was flipped back to running by a page of the slower run.
    const run = await tx.financing.eodRun(day);
    if (run?.status !== 'done')
      await tx.financing.putEodRun({
        day,
        status: 'running',
        cursor: lastId,
        facilitiesDone: (run?.facilitiesDone ?? 0n) + BigInt(expected.length),
        startedAtMs: run?.startedAtMs ?? nowMs,
        finishedAtMs: null,
      });
    return {
      facilities: expected.length,
      postings: postings.reduce((sum, p) => sum + p.length, 0),
      events: events.length,
      lastId: rows.length < options.pageSize ? null : lastId,
    };
  });
}

/**
 * The payouts the platform has not confirmed by the end of the deadline's last day
 * (`disbursementDeadlineDays` after acceptance, as the offer settings now say): each voided as a
 * failed payout is — the pool's reservation released, the advance's fee reversed, the facility
 * cancelled, an event out — a page a transaction. A day run again finds them voided already.
 */
async function voidUnconfirmedDisbursements(app: AppContext, day: number, pageSize: number): Promise<number> {
  let voided = 0;
  for (let after: string | null = null; ; ) {
    const page: { voided: number; lastId: string | null } = await app.store.write(async (tx) => {
      // The ledger's head lock first, as every movement of money takes it: a platform's confirm
      // committed meanwhile is seen below (on PostgreSQL), and one still running waits for this.
      await tx.ledger.lockHead();
      const { disbursementDeadlineDays } = await loadOfferSettings(tx);
      const rows = await tx.financing.facilitiesByStatus(['disbursing'], {
        ...(after === null ? {} : { after }),
        limit: pageSize,
      });
      let count = 0;
      for (const row of rows) {
        if (row.openedOn + disbursementDeadlineDays > day) continue;
        const done = await voidDisbursement(tx, app, {
          facilityId: row.id,
          day,
          reason: `the payout was not confirmed within ${disbursementDeadlineDays} days of acceptance`,
          // The day was served with a refill's advance held (nothing swept, no minimum judged): it
          // stays so, and the advance is collected again from the next.
          heldResumeDay: day + 1,
        });
        // Confirmed or voided by the platform since the page was read: nothing left to void.
        if (!done.ok && done.code === 'facility_not_disbursing') continue;
        if (!done.ok) throw new Error(`facility ${row.id} could not be voided: ${done.detail ?? done.code}`);
        count += 1;
      }
      return { voided: count, lastId: rows.length < pageSize ? null : (rows.at(-1)?.id ?? null) };
    });
    voided += page.voided;
    if (page.lastId === null) return voided;
    after = page.lastId;
  }
}

/** Accounts read at a time while looking for money reserved and not yet paid out. */
const accountsPage = 2_000;

/**
 * The facilities whose principal account holds debits pending — an accepted facility's payout, a
 * credit line's draws — whatever their status and whichever pages a run served: from the ledger.
 */
async function facilitiesWithPendingDebits(app: AppContext): Promise<string[]> {
  return app.store.read(async (tx) => {
    const found: string[] = [];
    for (let after: string | undefined; ; ) {
      const accounts = await tx.ledger.listAccounts(
        { ledger: financingLedger, code: 'principal_receivable', withDebitsPending: true },
        { ...(after === undefined ? {} : { after }), limit: accountsPage },
      );
      for (const account of accounts) found.push(facilityOfPrincipal(account.id));
      if (accounts.length < accountsPage) return found;
      after = (accounts.at(-1) as Account).id;
    }
  });
}

/** Credit lines whose pending draws are looked at in one transaction. */
const drawLinesPerTransaction = 100;

/** A line's ledger entries read at a time while looking for its pending draws. */
const drawEntriesPage = 500;

/**
 * The draws on `lines` (facilities with debits pending: a line's draws, whatever its status) the
 * platform has not confirmed by the end of the deadline's last day
 * (`disbursementDeadlineDays` after the day asked, as the offer settings now say): each voided as
 * a failed payout is — the pool's reservation released, a `draw_voided` event saying why. Found
 * from the ledger: the line's principal account's pending draws asked on or before that day and
 * not yet posted or voided.
 */
async function voidUnconfirmedDraws(app: AppContext, day: number, lines: readonly string[]): Promise<number> {
  let voided = 0;
  for (let start = 0; start < lines.length; start += drawLinesPerTransaction) {
    voided += await app.store.write(async (tx) => {
      await tx.ledger.lockHead();
      const { disbursementDeadlineDays } = await loadOfferSettings(tx);
      // Asked on the deadline's first day at the latest: before the next day began.
      const askedBeforeNs = BigInt(day - disbursementDeadlineDays + 1) * nanosecondsPerDay;
      // Pending transfers past a ledger timeout are recorded expired first, not voided again.
      await expirePendingTransfers(tx, app);
      let count = 0;
      for (const lineId of lines.slice(start, start + drawLinesPerTransaction)) {
        const row = await tx.financing.facility(lineId);
        if (row === undefined || row.product !== 'credit_line') continue;
        const principal = facilityAccount.principal(bookOf(row));
        const asked: string[] = [];
        for (let after = -1n; ; ) {
          const entries = await tx.ledger.entries(
            principal,
            { afterTimestamp: after, atOrBeforeTimestamp: askedBeforeNs - 1n },
            drawEntriesPage,
          );
          for (const t of entries)
            if ((t.flags & TransferFlag.pending) !== 0 && t.debitAccountId === principal && t.code === 'draw')
              asked.push(t.id);
          if (entries.length < drawEntriesPage) break;
          after = (entries.at(-1) as { timestamp: bigint }).timestamp;
        }
        const resolved = await tx.ledger.resolutionsOf(asked);
        for (const drawId of asked) {
          if (resolved.has(drawId)) continue;
          const done = await resolveDraw(tx, app, {
            drawId,
            outcome: 'void',
            day,
            reason: `the payout was not confirmed within ${disbursementDeadlineDays} days of the draw`,
          });
          if (!done.ok) throw new Error(`draw ${drawId} could not be voided: ${done.detail ?? done.code}`);
          count += 1;
        }
      }
      return count;
    });
  }
  return voided;
}

/** One day, from its cursor if a run of it was cut short. */
async function runDay(
  app: AppContext,
  day: number,
  options: Required<Pick<EodOptions, 'policy' | 'pageSize'>> & Pick<EodOptions, 'onPage'>,
): Promise<EodDay> {
  const earlier = await app.store.read((tx) => tx.financing.eodRun(day));
  const resumed = earlier !== undefined && earlier.status === 'running';
  let cursor = resumed ? earlier.cursor : null;
  let facilitiesDone = resumed ? earlier.facilitiesDone : 0n;
  const totals = { facilities: 0, postings: 0, events: 0 };
  for (;;) {
    const page = await servicePage(app, day, cursor, options);
    totals.facilities += page.facilities;
    totals.postings += page.postings;
    totals.events += page.events;
    facilitiesDone += BigInt(page.facilities);
    options.onPage?.({ day, facilitiesDone });
    if (page.lastId === null) break;
    cursor = page.lastId;
  }
  const disbursementsVoided =
    (await voidUnconfirmedDisbursements(app, day, options.pageSize)) +
    (await voidUnconfirmedDraws(app, day, await facilitiesWithPendingDebits(app)));
  const offersExpired = await app.store.write(async (tx) => {
    // After the pages of another run of the day (they take the head lock first too).
    await tx.ledger.lockHead();
    // An offer is open through its expiry date: at the end of that day it lapses.
    const expired = await tx.financing.expireOffers(day + 1);
    await closeOffers(
      tx,
      app,
      expired.map((offerId) => ({ offerId, type: 'expired' as const })),
    );
    const run = await tx.financing.eodRun(day);
    await tx.financing.putEodRun({
      day,
      status: 'done',
      cursor: null,
      // The stored count: it has every run's pages of the day.
      facilitiesDone: run?.facilitiesDone ?? facilitiesDone,
      startedAtMs: run?.startedAtMs ?? app.clock.nowNs() / 1_000_000n,
      finishedAtMs: app.clock.nowNs() / 1_000_000n,
    });
    return expired.length;
  });
  return {
    day: formatCalendarDate(fromDayNumber(day)),
    ...totals,
    offersExpired,
    disbursementsVoided,
    resumed,
  };
}

/**
 * Runs the daily cycle through `throughDay` (a day number): every day after the last one finished,
 * in order, resuming one cut short. A day already finished is not run again.
 */
export async function runEndOfDay(
  app: AppContext,
  throughDay: number,
  options: EodOptions = {},
): Promise<Result<EodDay[], EodProblem>> {
  const pageSize = options.pageSize ?? eodPageSizeDefault;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > eodPageSizeMax)
    return err('eod_page_size_invalid', `pageSize must be a whole number from 1 to ${eodPageSizeMax}`);
  const today = dayNumberOfInstant(app.clock.nowNs());
  // Only a day that has ended (UTC): money dated today may still come, and a day judged before it
  // has would be judged without it (a late fee charged at noon on a payment made at three).
  if (!Number.isSafeInteger(throughDay) || throughDay >= today)
    return err(
      'eod_date_invalid',
      `the daily cycle runs for days that have ended: ${formatCalendarDate(fromDayNumber(today - 1))} at the latest`,
    );
  const [last, earliest] = await app.store.read(
    async (tx) => [await tx.financing.lastEodRun(), await tx.financing.earliestOpenedInService()] as const,
  );
  let first = throughDay;
  if (last !== undefined) first = last.status === 'running' ? last.day : last.day + 1;
  if (first > throughDay) {
    await checkpointClosedDays(app, throughDay, options.onCheckpoint);
    return ok([]);
  }
  // Days before the earliest facility in service opened hold nothing to serve: a catch-up starts
  // there (a first run mistyped years back does not leave years of empty days to run after it).
  if (last?.status !== 'running') first = Math.max(first, Math.min(earliest ?? throughDay, throughDay));
  if (throughDay - first + 1 > eodDaysPerRunMax)
    return err('eod_date_invalid', `at most ${eodDaysPerRunMax} days are caught up in one run`);
  const policy = options.policy ?? defaultServicingPolicy;
  const days: EodDay[] = [];
  for (let day = first; day <= throughDay; day += 1) {
    const done = await runDay(app, day, {
      policy,
      pageSize,
      ...(options.onPage ? { onPage: options.onPage } : {}),
    });
    days.push(done);
    options.onDay?.(done);
  }
  // Then the ledger's closed days are checkpointed, the ones a run missed too: their postings are
  // stamped now, on a later day, so a day's checkpoint is the same whether it comes before or after.
  await checkpointClosedDays(app, throughDay, options.onCheckpoint);
  return ok(days);
}
