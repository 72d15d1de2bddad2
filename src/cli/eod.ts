/**
 * `capstan eod [--date D]`: the daily cycle through day D (by default the last closed day:
 * yesterday, from an hour after midnight UTC, src/app/financing/day-close.ts) — every day after
 * the last one finished, in order, resuming one cut short, then the ledger's checkpoints through
 * D — with a line per day and per checkpoint and the run's totals. Exit status 2 when the day is refused (one that has not ended, say).
 */
import { lastClosedDay } from '../app/financing/day-close.ts';
import { eodPageSizeDefault, eodPageSizeMax, runEndOfDay } from '../app/financing/eod.ts';
import type { StoredCheckpoint } from '../app/ports.ts';
import {
  formatCalendarDate,
  fromDayNumber,
  parseCalendarDate,
  toDayNumber,
} from '../domain/time/calendar-date.ts';
import { dayNumberOfInstant } from '../domain/time/instant.ts';
import type { CliDeps, StorageFlags } from './program.ts';
import { UsageError } from './usage-error.ts';

/** A checkpoint made, as `capstan eod` and the worker say it: the day, what it covers, its roots. */
export function checkpointLine(checkpoint: StoredCheckpoint): string {
  const { transfers, decisions } = checkpoint;
  return (
    `ledger checkpoint ${formatCalendarDate(fromDayNumber(checkpoint.day))}: ${transfers.count} transfers ` +
    `(root ${transfers.root.slice(0, 16)}…), ${decisions.count} decisions (root ${decisions.root.slice(0, 16)}…), ` +
    `hash ${checkpoint.hash.slice(0, 16)}…\n`
  );
}

export async function eodCommand(deps: CliDeps, flags: StorageFlags & { date?: string; pageSize?: string }) {
  // The flags are read before the database is opened: a mistyped one makes and migrates nothing.
  const parsed = flags.date === undefined ? undefined : parseCalendarDate(flags.date);
  if (parsed !== undefined && !parsed.ok) throw new UsageError('--date must be YYYY-MM-DD');
  // So is a day not yet ended (runEndOfDay refuses it too, by the app's clock): refused only once
  // the database was open, a mistyped year at a new --data-dir, or on a PostgreSQL database not
  // yet migrated, made and migrated the database and then exited 2.
  const today = dayNumberOfInstant(BigInt(Date.now()) * 1_000_000n);
  if (parsed?.ok && toDayNumber(parsed.value) >= today)
    throw new UsageError(
      `eod_date_invalid: the daily cycle runs for days that have ended: ${formatCalendarDate(fromDayNumber(today - 1))} at the latest`,
    );
  const pageSizeText = flags.pageSize ?? String(eodPageSizeDefault);
  const pageSize = /^[0-9]{1,9}$/.test(pageSizeText) ? Number(pageSizeText) : Number.NaN;
  if (!(pageSize >= 1 && pageSize <= eodPageSizeMax))
    throw new UsageError(`--page-size must be a whole number from 1 to ${eodPageSizeMax}`);
  const app = await deps.openApp(deps.loadConfig(flags));
  try {
    await app.store.migrate();
    const day = parsed === undefined ? lastClosedDay(app.clock.nowNs()) : toDayNumber(parsed.value);
    const started = performance.now();
    let checkpoints = 0;
    // Each day is said as it is finished: a long catch-up shows where it is, and one stopped
    // (Ctrl-C) has said which days are done; the next run resumes after them.
    const run = await runEndOfDay(app, day, {
      pageSize,
      onDay: (d) =>
        deps.out.write(
          `${d.day}${d.resumed ? ' (resumed)' : ''}: ${d.facilities} facilities, ${d.postings} postings, ` +
            `${d.events} events, ${d.offersExpired} offers expired` +
            (d.disbursementsVoided > 0 ? `, ${d.disbursementsVoided} unconfirmed payouts voided\n` : '\n'),
        ),
      onCheckpoint: (checkpoint) => {
        checkpoints += 1;
        deps.out.write(checkpointLine(checkpoint));
      },
    });
    // The only refusal is of what was asked (a day not yet ended, a page size out of range).
    if (!run.ok) throw new UsageError(`${run.code}: ${run.detail ?? ''}`);
    if (run.value.length === 0) {
      // Said from the last run: a day before the first run (a mistyped year) was never run, and
      // "2025-12-06 has been run" told an operator it had been.
      const last = await app.store.read((tx) => tx.financing.lastEodRun());
      const finished = last === undefined ? day : last.status === 'running' ? last.day - 1 : last.day;
      const through = formatCalendarDate(fromDayNumber(finished));
      deps.out.write(
        `${checkpoints === 0 ? 'nothing to do' : 'no day left to serve'}: the daily cycle has run through ${through}` +
          (flags.date === undefined ? ' (the last closed day: a day closes an hour after it ends)\n' : '\n'),
      );
    }
    const seconds = (performance.now() - started) / 1_000;
    deps.out.write(`${run.value.length} day(s) in ${seconds.toFixed(1)} s\n`);
  } finally {
    await app.store.close();
  }
}
