/**
 * `capstan demo` (`npm run demo`): a simulated marketplace lent to for a year on the embedded
 * SQLite default, in a fresh data directory (`./.capstan-demo` unless `--data-dir` says otherwise),
 * then the portfolio summary — and then, unless `--no-serve`, the API served on that data with a
 * new operator key until Ctrl-C. The simulated days end yesterday, so the API, which runs on the
 * real clock, finds every day of the book closed. Progress goes to stderr, the report to stdout.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { bootstrapOperatorKey } from '../app/access/api-keys.ts';
import type { AppContext } from '../app/app-context.ts';
import { DemoClock } from '../demo/demo-clock.ts';
import { demoReport } from '../demo/demo-report.ts';
import { createMarketplaceFeed } from '../demo/marketplace-feed.ts';
import { type DemoPlan, planDemo } from '../demo/plan.ts';
import { DemoStopped, runDemo } from '../demo/run-demo.ts';
import { fromDayNumber } from '../domain/time/calendar-date.ts';
import type { CliConfig, CliDeps } from './program.ts';
import { createProgress } from './progress.ts';
import { UsageError } from './usage-error.ts';
import { startWebhookDispatch } from './webhook-dispatch.ts';

export const demoDataDirDefault = '.capstan-demo';
/** Written into a directory the demo made: only such a directory is ever emptied by a later run. */
const markerFile = 'capstan-demo.json';
const millisecondsPerDay = 86_400_000;

export interface DemoCommandFlags {
  readonly merchants?: string;
  readonly days?: string;
  readonly warmUpDays?: string;
  readonly seed?: string;
  readonly end?: string;
  readonly dataDir?: string;
  readonly port?: string;
  readonly host?: string;
  /** False with --no-serve. */
  readonly serve?: boolean;
}

/** A new directory, or an empty one, or one an earlier demo made (emptied); anything else is refused. */
function prepareDataDir(dir: string, plan: DemoPlan): void {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory())
      throw new UsageError(
        `${dir} is a file, not a directory; give an empty or new directory with --data-dir`,
      );
    const entries = readdirSync(dir);
    if (entries.length > 0 && !entries.includes(markerFile))
      throw new UsageError(
        `${dir} is not empty and was not made by capstan demo; give an empty or new directory with --data-dir`,
      );
    rmSync(dir, { recursive: true, force: true });
  }
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new UsageError(`cannot make ${dir} (${(error as Error).message}); give another --data-dir`);
  }
  const { merchants, seed, warmUpDays, lendingDays, start } = plan;
  writeFileSync(
    join(dir, markerFile),
    `${JSON.stringify({ made_by: 'capstan demo', merchants, seed, warm_up_days: warmUpDays, days: lendingDays, start })}\n`,
  );
}

/**
 * Whether the demo could serve on the configured port, asked before it simulates for a minute:
 * a port in use is said at once, not after the simulation (nor with its operator key created and
 * never shown). Port 0 (any free one) always can.
 */
function portFree(config: CliConfig): Promise<boolean> {
  if (config.port === 0) return Promise.resolve(true);
  return new Promise((done) => {
    const probe = createServer();
    probe.once('error', () => done(false));
    probe.listen({ port: config.port, host: config.host, exclusive: true }, () =>
      probe.close(() => done(true)),
    );
  });
}

/** What the served data is, by the real clock: the book ends yesterday, or on an earlier `--end`. */
function servingNote(plan: DemoPlan): string[] {
  const yesterday = Math.floor(Date.now() / millisecondsPerDay) - 1;
  const last = String(fromDayNumber(plan.lastDay));
  return plan.lastDay >= yesterday
    ? [
        `Serving the demo's data. The API runs on the real clock; the book's last simulated day was yesterday (${last}),`,
        'so every day of it has been closed. Operator API key (made for this demo database):',
      ]
    : [
        `Serving the demo's data. The API runs on the real clock; the book's last simulated day was ${last} (--end): the`,
        'days since are served as money comes or the daily cycle runs (capstan eod --data-dir …). Operator API key (made for this demo database):',
      ];
}

async function serveDemo(deps: CliDeps, app: AppContext, config: CliConfig, plan: DemoPlan): Promise<void> {
  // Listening first: the operator key is made (and shown) only once the demo is served.
  const server = await deps.startServer(app, config);
  const bootstrap = await app.store.write((tx) => bootstrapOperatorKey(tx, app, config.operatorKey));
  if (!bootstrap.ok) {
    await server.close();
    throw new Error(`cannot serve: ${bootstrap.detail ?? bootstrap.code}`);
  }
  const key = bootstrap.value.kind === 'created' ? bootstrap.value.issued.secret : '$CAPSTAN_OPERATOR_KEY';
  const stopWebhooks = await startWebhookDispatch(deps, app);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.out.write(`${signal}: shutting down\n`);
    await server.close();
    await stopWebhooks();
    await app.store.close();
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  const merchant = `mer_${plan.seed}_1`;
  const auth = `-H "Authorization: Bearer ${key}"`;
  deps.out.write(
    [
      '',
      ...servingNote(plan),
      '',
      `    ${key}`,
      '',
      'Try:',
      `    curl -s ${server.url}/v1/portfolio/summary ${auth}`,
      `    curl -s ${server.url}/v1/ledger/trial_balance ${auth}`,
      `    curl -s ${server.url}/v1/models ${auth}`,
      `    curl -s ${server.url}/v1/merchants/${merchant}/features ${auth}`,
      `    curl -s -X POST ${server.url}/v1/merchants/${merchant}/decisions ${auth}`,
      `    npx capstan verify --data-dir ${config.dataDir}`,
      `    npx capstan report portfolio --data-dir ${config.dataDir}`,
      '',
      `Listening on ${server.url} — API docs at ${server.url}/docs. Ctrl-C stops it; the data stays in ${config.dataDir}.`,
      '',
    ].join('\n'),
  );
}

export async function demoCommand(deps: CliDeps, flags: DemoCommandFlags): Promise<void> {
  const today = Math.floor(Date.now() / millisecondsPerDay);
  const plan = planDemo(flags, today);
  if (!plan.ok) throw new UsageError(plan.detail ?? plan.code);
  const dataDir = resolve(flags.dataDir ?? demoDataDirDefault);
  // The demo runs on the embedded default whatever DATABASE_URL says: it makes its own database.
  const config: CliConfig = {
    ...deps.loadConfig({
      dataDir,
      ...(flags.port ? { port: flags.port } : {}),
      ...(flags.host ? { host: flags.host } : {}),
    }),
    databaseUrl: undefined,
  };
  if (flags.serve !== false && !(await portFree(config)))
    throw new UsageError(
      `cannot serve the demo on ${config.host}:${config.port}: the port is in use (another capstan serve or demo?) — stop it, pass --port, or --no-serve`,
    );
  prepareDataDir(dataDir, plan.value);
  // The marketplace's own thread starts first: it loads and begins simulating while the engine
  // opens its database and compiles its event schemas.
  const feed = createMarketplaceFeed(plan.value);
  const app = await deps.openApp(config);
  let serving = false;
  try {
    deps.out.write(`Capstan ${deps.version} demo — storage: ${app.store.backend} at ${app.store.location}\n`);
    await app.store.migrate();
    const clock = new DemoClock(plan.value.firstDay);
    const { parse } = await deps.loadIngest();
    const result = await runDemo({ ...app, clock }, clock, parse, plan.value, feed, {
      phase: (label, total) => createProgress(label, total, deps.err),
    });
    deps.out.write(`${demoReport(plan.value, result).join('\n')}\n`);
    if (flags.serve !== false) {
      await serveDemo(deps, app, config, plan.value);
      serving = true;
    }
  } catch (error) {
    if (!(error instanceof DemoStopped)) throw error;
    deps.err.write(`capstan demo: ${error.message}\n`);
    process.exitCode = 1;
  } finally {
    await feed.close();
    if (!serving) await app.store.close();
  }
}
