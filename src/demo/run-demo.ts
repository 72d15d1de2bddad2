/**
 * `capstan demo`'s run: a simulated marketplace lived through by the engine, day by day, on a clock
 * the demo moves. First a warm-up history is ingested (the platform's data before lending begins);
 * on the first lending day two financiers fund their pools, every merchant consents, a champion is
 * trained on that history alone and a first lending round decides everyone, makes offers and pays
 * out what the takers accept. Then for each day of the lending year: every 30 days a round for the
 * takers without a live facility or with an advance ready for a refill; the day's payouts ingested — each `settlement.paid` swept against
 * the merchant's facilities as it arrives — and its other events in bulk (platform-sender.ts); and
 * the daily cycle run for the day. Each step goes through the same use cases as the API and the
 * CLI; nothing is written around them. The marketplace itself is simulated in a thread of its own
 * (marketplace-feed.ts), a few days ahead of the engine, as a platform runs beside it.
 */
import type { AppContext } from '../app/app-context.ts';
import { runEndOfDay } from '../app/financing/eod.ts';
import { fundPool } from '../app/financing/origination.ts';
import { ingestBatch, ingestBatchRecordsMax } from '../app/ingest/ingest.ts';
import type { RecordParser, SourceRecord } from '../app/ingest/records.ts';
import { assert } from '../domain/assert.ts';
import { exponentOf, isCurrencyCode } from '../domain/money/currency.ts';
import { servicedStates } from '../domain/products/lifecycle.ts';
import { defaultSimulatorConfig } from '../simulator/config.ts';
import { type Champion, trainChampion } from './champion.ts';
import type { DemoClock } from './demo-clock.ts';
import {
  allMerchants,
  defaultLendingTaste,
  emptyTally,
  grantConsents,
  type LendingTaste,
  lendingRound,
  type RoundTally,
  whoAsks,
} from './lending-desk.ts';
import type { MarketplaceFeed } from './marketplace-feed.ts';
import type { DemoPlan } from './plan.ts';
import { exportRecordsMax, PlatformSender } from './platform-sender.ts';
import { collectPortfolio, type DemoPortfolio } from './portfolio.ts';

export const lendingRoundEveryDays = 30;
/**
 * Seconds into a day: lending in the morning, the day's events by late evening; the close runs at
 * midnight after it, once the day has ended (the daily cycle judges only days that have).
 */
const lendingSecond = 3_600;
const ingestSecond = 23 * 3_600;

/** The financiers and what each puts into its pool per merchant, in major units of each currency. */
export const demoFinanciers = [
  { financierId: 'fin_demo_bank', majorPerMerchant: 300 },
  { financierId: 'fin_demo_fund', majorPerMerchant: 3_000 },
] as const;

export interface PhaseProgress {
  update(done: number): void;
  finish(summary?: string): void;
}

export interface DemoHooks {
  /** A long step starts: `total` units of work (days, merchants). */
  phase(label: string, total: number): PhaseProgress;
}

export interface DemoTimings {
  /** Inside the simulator, in its own thread beside the engine: generating the marketplace's events. */
  simulateMs: number;
  /** The engine waiting for a day the simulator had not finished. */
  simulatorWaitMs: number;
  /** Validating and applying the events (features, inbox, and the sweeps they trigger). */
  ingestMs: number;
  trainMs: number;
  /** Consents, decisions, offers, acceptances and payouts. */
  lendingMs: number;
  /** The daily cycle, every day of the lending year. */
  endOfDayMs: number;
  summaryMs: number;
  totalMs: number;
}

export interface DemoResult {
  readonly events: number;
  readonly merchants: number;
  readonly champion: Champion;
  readonly rounds: number;
  readonly tally: RoundTally;
  readonly pools: readonly { financierId: string; currency: string; amountMinor: bigint }[];
  readonly portfolio: DemoPortfolio;
  readonly timings: DemoTimings;
}

export class DemoStopped extends Error {
  override readonly name = 'DemoStopped';
}

interface Running {
  readonly app: AppContext;
  readonly clock: DemoClock;
  readonly parse: RecordParser;
  readonly timings: DemoTimings;
  events: number;
}

/**
 * Ingests records at `secondOfDay` of `day`: an export's worth (exportRecordsMax) per transaction,
 * each parsed and applied in ingest batches, so that a commit's pages are written once per export
 * rather than once per batch.
 */
async function ingest(
  run: Running,
  records: readonly SourceRecord[],
  day: number,
  secondOfDay: number,
): Promise<void> {
  if (records.length === 0) return;
  const started = performance.now();
  run.clock.moveTo(day, secondOfDay);
  for (let exportStart = 0; exportStart < records.length; exportStart += exportRecordsMax) {
    const exported = records.slice(exportStart, exportStart + exportRecordsMax);
    await run.app.store.write(async (tx) => {
      for (let start = 0; start < exported.length; start += ingestBatchRecordsMax) {
        const parsed = exported.slice(start, start + ingestBatchRecordsMax).map(run.parse);
        const outcomes = await ingestBatch(tx, run.app, parsed);
        const refused = outcomes.find((o) => o.status === 'quarantined');
        if (refused !== undefined && refused.status === 'quarantined')
          throw new Error(
            `a simulated event was quarantined: ${refused.problem.code} ${refused.problem.detail}`,
          );
      }
    });
  }
  run.events += records.length;
  run.timings.ingestMs += performance.now() - started;
}

/** Of the merchants given, those with a facility being serviced: what the platform knows of them. */
async function financedOf(app: AppContext, merchantIds: readonly string[]): Promise<Set<string>> {
  const facilities = await app.store.read((tx) => tx.financing.facilitiesForMerchants(merchantIds));
  return new Set(facilities.filter((f) => servicedStates.has(f.status as never)).map((f) => f.merchantId));
}

async function fundPools(run: Running, merchants: number) {
  const pools = [];
  for (const { financierId, majorPerMerchant } of demoFinanciers)
    for (const { code, weight } of defaultSimulatorConfig.currencies) {
      assert(isCurrencyCode(code), 'the simulator uses ISO 4217 currencies');
      const major = BigInt(Math.max(1, Math.round(merchants * weight * majorPerMerchant)));
      const amountMinor = major * 10n ** BigInt(exponentOf(code));
      const funded = await run.app.store.write((tx) =>
        fundPool(tx, run.app, {
          financierId,
          currency: code,
          amountMinor,
          reference: `${financierId}-${code}`,
        }),
      );
      if (!funded.ok) throw new Error(`funding ${financierId} ${code}: ${funded.detail ?? funded.code}`);
      pools.push({ financierId, currency: code, amountMinor });
    }
  return pools;
}

async function round(
  run: Running,
  day: number,
  merchantIds: readonly string[],
  refilling: ReadonlySet<string>,
  desk: Desk,
  hooks: DemoHooks | null,
): Promise<void> {
  const started = performance.now();
  run.clock.moveTo(day, lendingSecond);
  const progress = hooks?.phase('deciding, offering, paying out', merchantIds.length);
  desk.rounds += 1;
  await lendingRound(run.app, merchantIds, day, desk.taste, desk.tally, {
    refilling,
    onBatch: (done) => progress?.update(done),
  });
  progress?.finish();
  run.timings.lendingMs += performance.now() - started;
}

interface Desk {
  readonly taste: LendingTaste;
  readonly tally: RoundTally;
  /** Merchants whose consent has been recorded. */
  readonly consented: Set<string>;
  rounds: number;
}

type FeedDays = ReturnType<MarketplaceFeed['days']>;

/** The warm-up: every event of the history, in bulk. */
async function ingestHistory(
  run: Running,
  sender: PlatformSender,
  days: FeedDays,
  plan: DemoPlan,
  hooks: DemoHooks,
): Promise<void> {
  const progress = hooks.phase('simulating and ingesting the history', plan.warmUpDays);
  for (let index = 0; index < plan.warmUpDays; index += 1) {
    const step = await days.next();
    assert(!step.done, 'the simulation covers the warm-up');
    await sender.historyDay(step.value);
    progress.update(index + 1);
  }
  await sender.flush(plan.firstDay + plan.warmUpDays - 1, ingestSecond);
  progress.finish(`${run.events.toLocaleString('en-US')} events`);
}

/** The first lending day: pools, consents, the champion, and a round for everyone. */
async function openLending(
  run: Running,
  feed: MarketplaceFeed,
  plan: DemoPlan,
  desk: Desk,
  hooks: DemoHooks,
): Promise<{ pools: DemoResult['pools']; champion: Champion }> {
  const day = plan.firstDay + plan.warmUpDays;
  run.clock.moveTo(day, 0);
  const pools = await fundPools(run, plan.merchants);
  const merchants = await allMerchants(run.app.store);
  await grantConsents(run.app, merchants, desk.consented);
  const trainStarted = performance.now();
  const champion = await trainChampion(
    run.app,
    { firstDay: plan.firstDay, lastKnownDay: day - 1, seed: 1 },
    feed.distressedThrough(day - 1),
    merchants,
  );
  if (!champion.ok) throw new DemoStopped(champion.detail ?? champion.code);
  run.timings.trainMs += performance.now() - trainStarted;
  await round(run, day, merchants, new Set(), desk, hooks);
  return { pools, champion: champion.value };
}

/** A monthly round: the takers with nothing live, or an advance ready for a refill, ask again. */
async function monthlyRound(run: Running, sender: PlatformSender, day: number, desk: Desk): Promise<void> {
  await sender.flush(day, 0);
  const everyone = await allMerchants(run.app.store);
  await grantConsents(run.app, everyone, desk.consented);
  const { asking, refilling } = await whoAsks(run.app.store, everyone, day, desk.taste);
  await round(run, day, asking, refilling, desk, null);
}

/** Every day of the lending year: a round every 30 days, the day's events, the end of the day. */
async function lendingYear(
  run: Running,
  sender: PlatformSender,
  days: FeedDays,
  plan: DemoPlan,
  desk: Desk,
  hooks: DemoHooks,
): Promise<void> {
  const progress = hooks.phase('lending: ingest, sweep, end of day', plan.lendingDays);
  for (let index = 0; index < plan.lendingDays; index += 1) {
    const step = await days.next();
    assert(!step.done, 'the simulation covers the lending year');
    const { day } = step.value;
    if (index > 0 && index % lendingRoundEveryDays === 0) await monthlyRound(run, sender, day, desk);
    await sender.lendingDay(step.value);
    if (index === plan.lendingDays - 1) await sender.flush(day, ingestSecond);
    const started = performance.now();
    run.clock.moveTo(day + 1, 0);
    const closed = await runEndOfDay(run.app, day);
    if (!closed.ok) throw new Error(`end of day ${day}: ${closed.detail ?? closed.code}`);
    run.timings.endOfDayMs += performance.now() - started;
    progress.update(index + 1);
  }
  progress.finish(`${desk.rounds} lending rounds`);
}

export async function runDemo(
  app: AppContext,
  clock: DemoClock,
  parse: RecordParser,
  plan: DemoPlan,
  /** The simulated marketplace, started by the caller, who closes it. */
  feed: MarketplaceFeed,
  hooks: DemoHooks,
): Promise<DemoResult> {
  const startedAll = performance.now();
  const timings: DemoTimings = {
    simulateMs: 0,
    simulatorWaitMs: 0,
    ingestMs: 0,
    trainMs: 0,
    lendingMs: 0,
    endOfDayMs: 0,
    summaryMs: 0,
    totalMs: 0,
  };
  const run: Running = { app, clock, parse, timings, events: 0 };
  const days = feed.days();
  const desk: Desk = {
    taste: { seed: plan.seed, ...defaultLendingTaste },
    tally: emptyTally(),
    consented: new Set(),
    rounds: 0,
  };
  const sender = new PlatformSender(
    (records, day, second) => ingest(run, records, day, second),
    (merchantIds) => financedOf(app, merchantIds),
    ingestSecond,
  );
  await ingestHistory(run, sender, days, plan, hooks);
  const { pools, champion } = await openLending(run, feed, plan, desk, hooks);
  await lendingYear(run, sender, days, plan, desk, hooks);

  const summaryStarted = performance.now();
  const portfolio = await collectPortfolio(app);
  timings.summaryMs = performance.now() - summaryStarted;
  timings.simulateMs = feed.simulatorMs();
  timings.simulatorWaitMs = feed.waitedMs();
  timings.totalMs = performance.now() - startedAll;
  return {
    events: run.events,
    merchants: (await allMerchants(app.store)).length,
    champion,
    rounds: desk.rounds,
    tally: desk.tally,
    pools,
    portfolio,
    timings,
  };
}
