/**
 * `capstan decide MERCHANT… | --all [--as-of DATE]`: credit decisions in bulk, with a progress bar,
 * stored and chained like the API's. Merchants are read in pages; decisions are written in batches
 * of one transaction each.
 */
import { decisionCacheOf } from '../app/risk/decision-cache.ts';
import { currentModels, type Decided, gatherInputs, storeDecisions } from '../app/risk/decisions.ts';
import { refusedChampion } from '../app/risk/models.ts';
import { fromDayNumber, parseCalendarDate, toDayNumber } from '../domain/time/calendar-date.ts';
import { dayNumberOfInstant } from '../domain/time/instant.ts';
import { refuseMalformedMerchantIds } from './merchant-ids.ts';
import { openMigratedApp } from './open-migrated.ts';
import type { CliDeps, StorageFlags } from './program.ts';
import { createProgress } from './progress.ts';
import { UsageError } from './usage-error.ts';

export const decideBatchSize = 200;

export async function decideCommand(
  deps: CliDeps,
  merchants: readonly string[],
  flags: StorageFlags & { all?: boolean; asOf?: string },
) {
  // The flags are read before the database is opened: a mistyped one makes nothing.
  const parsed = flags.asOf === undefined ? undefined : parseCalendarDate(flags.asOf);
  if (parsed !== undefined && !parsed.ok) throw new UsageError('--as-of must be YYYY-MM-DD');
  if (merchants.length === 0 && !flags.all) throw new UsageError('name merchants or pass --all');
  await refuseMalformedMerchantIds(merchants);
  const app = await openMigratedApp(deps, flags);
  try {
    const today = dayNumberOfInstant(app.clock.nowNs());
    const asOfDay = parsed === undefined ? today : toDayNumber(parsed.value);
    // A decision is made on what is known: one as of a day to come would be chained as if it were.
    if (asOfDay > today)
      throw new UsageError(`--as-of must not be after today (${fromDayNumber(today)}, UTC)`);
    const ids = [...merchants];
    if (flags.all) {
      for (let after: string | undefined; ; ) {
        const page = await app.store.read((tx) =>
          tx.features.listMerchants(after === undefined ? { limit: 1_000 } : { after, limit: 1_000 }),
        );
        if (page.length === 0) break;
        ids.push(...page);
        after = page[page.length - 1];
      }
    }
    if (ids.length === 0)
      throw new UsageError('no merchant has any activity to decide on yet: import events first');
    const progress = createProgress('deciding', ids.length, deps.err);
    const outcomes = new Map<string, number>();
    const decided: Decided[] = [];
    const started = performance.now();
    const nowMs = app.clock.nowNs() / 1_000_000n;
    const cache = decisionCacheOf(app.store);
    for (let start = 0; start < ids.length; start += decideBatchSize) {
      const batch = ids.slice(start, start + decideBatchSize);
      const prepared = await app.store.read(async (tx) => {
        const models = await currentModels(tx, cache);
        const broken = refusedChampion(models);
        // As over HTTP: a champion that cannot score stops the run, rather than chaining declines.
        if (broken !== undefined)
          throw new Error(
            `the champion ${broken.id} (v${broken.version}) cannot score: ${broken.detail}; promote another model (capstan model promote)`,
          );
        const inputs = [];
        for (const id of batch)
          inputs.push({ inputs: await gatherInputs(tx, id, asOfDay, nowMs, cache), models });
        return inputs;
      });
      decided.push(...(await app.store.write((tx) => storeDecisions(tx, app, prepared))));
      progress.update(Math.min(ids.length, start + batch.length));
    }
    for (const d of decided) {
      const key =
        d.record.view.outcome === 'approved'
          ? 'approved'
          : `declined: ${d.record.view.reasons[0]?.code ?? 'unknown'}`;
      outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    }
    const seconds = (performance.now() - started) / 1000;
    progress.finish(`${Math.round(decided.length / Math.max(seconds, 0.001))} decisions/s`);
    if (merchants.length > 0 && !flags.all) {
      for (const d of decided) deps.out.write(`${JSON.stringify(d.record.view)}\n`);
    }
    for (const [outcome, count] of [...outcomes].sort((a, b) => b[1] - a[1]))
      deps.out.write(`${String(count).padStart(7)}  ${outcome}\n`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    deps.err.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  } finally {
    await app.store.close();
  }
}
