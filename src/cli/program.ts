/**
 * The `capstan` command line. Commands get everything they touch through CliDeps (composed in
 * src/main), so this layer knows no storage adapter and no HTTP framework.
 */
import { Command, Option } from 'commander';
import type { AppContext } from '../app/app-context.ts';
import type { MerchantStatement } from '../app/financing/merchant-statement.ts';
import type { CurrencyReport } from '../app/financing/reports.ts';
import type { RecordOutcome } from '../app/ingest/ingest.ts';
import type { RecordParser, SourceRecord } from '../app/ingest/records.ts';
import type { Clock, ReadTransaction } from '../app/ports.ts';
import type { EventRenderers, WebhookTransport } from '../app/webhooks/dispatch.ts';
import { consentGrantCommand } from './consent.ts';
import { decideCommand } from './decide.ts';
import { demoCommand } from './demo.ts';
import { eodCommand } from './eod.ts';
import { featuresCommand } from './features.ts';
import { importCommand } from './import.ts';
import { merchantExportCommand } from './merchant-export.ts';
import { migrateCommand } from './migrate.ts';
import {
  modelBacktestCommand,
  modelListCommand,
  modelMonitorCommand,
  modelStatusCommand,
  modelTrainFromHistoryCommand,
} from './model-history.ts';
import {
  quarantineDiscardCommand,
  quarantineListCommand,
  quarantineReplayCommand,
  quarantineShowCommand,
} from './quarantine.ts';
import { reportPortfolioCommand, reportStatementCommand } from './report.ts';
import { serveCommand } from './serve.ts';
import { simulateCommand } from './simulate.ts';
import { UsageError } from './usage-error.ts';
import { verifyCommand } from './verify.ts';
import { workerCommand } from './worker.ts';

export interface CliConfig {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly operatorKey: string | undefined;
  readonly logLevel: string;
}

export interface StorageFlags {
  readonly dataDir?: string;
  readonly databaseUrl?: string;
}

export interface RunningServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface ImportFileHandle {
  readonly format: string;
  readonly records: AsyncIterable<SourceRecord>;
  readonly bytesTotal: number;
  bytesRead(): number;
}

export interface WorkerHandle {
  stop(): Promise<void>;
}

/** The ingestion edge (src/ingest), handed to the commands by src/main. */
export interface IngestDeps {
  readonly parse: RecordParser;
  openFile(
    path: string,
    options: { format?: string; source?: string; subject?: string; eventType?: string },
  ): ImportFileHandle;
  startWorker(
    app: AppContext,
    options: { url: string; stream: string; subjects: string[]; durable: string },
    hooks: {
      onBatch: (report: { messages: number; outcomes: readonly RecordOutcome[] }) => void;
      onError: (error: unknown) => void;
      /** Each fetch from NATS: null when it answered, else why it did not. */
      onFetch: (error: unknown) => void;
    },
  ): Promise<WorkerHandle>;
}

/** The API's shape of the reports (src/http/views-financing.ts), so the command prints what GET answers. */
export interface ReportViews {
  portfolio(financierId: string | null, report: readonly CurrencyReport[]): unknown;
  statement(statement: MerchantStatement): unknown;
  statementCsv(statement: MerchantStatement): string;
  /** A merchant's export, as GET /v1/merchants/{id}/export answers it (src/http/merchant-export-document.ts). */
  merchantExport(
    tx: ReadTransaction,
    context: { readonly clock: Clock },
    merchantId: string,
  ): AsyncIterable<string>;
}

export interface CliDeps {
  /** Loaded on first use: the JSON Schemas and the NATS client are not needed by every command. */
  loadIngest(): Promise<IngestDeps>;
  readonly version: string;
  loadConfig(flags: StorageFlags & { port?: string; host?: string }): CliConfig;
  openApp(config: CliConfig): Promise<AppContext>;
  startServer(app: AppContext, config: CliConfig): Promise<RunningServer>;
  /** Loaded on first use: the webhooks' HTTP client and the events' API shape. */
  loadWebhooks(): Promise<{ transport: WebhookTransport; render: EventRenderers }>;
  /** Loaded on first use: the reports as the API shows them, for `capstan report`. */
  loadReportViews(): Promise<ReportViews>;
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WriteStream;
}

/**
 * `model train` reads a CSV (--data) or the history (--from-history), each with flags of its own;
 * a flag of the other one is refused (exit 2) rather than ignored: `--from-history --out m.json`
 * registered the model, wrote no file and exited 0, and `--data … --champion` registered nothing.
 */
function refuseFlagsOfTheOtherSource(flags: Record<string, unknown>): void {
  const csvOnly = {
    data: '--data',
    target: '--target',
    positive: '--positive',
    exclude: '--exclude',
    out: '--out',
    report: '--report',
  };
  const historyOnly = { asOf: '--as-of', truth: '--truth', from: '--from', champion: '--champion' };
  const given = Object.entries(flags.fromHistory ? csvOnly : historyOnly)
    .filter(([name]) => flags[name] !== undefined)
    .map(([, flag]) => flag)
    .join(', ');
  if (given === '') return;
  throw new UsageError(
    flags.fromHistory
      ? `${given}: only for a CSV (--data); a model trained --from-history is registered (capstan model list), not written to a file`
      : `${given}: only with --from-history; a model trained on a CSV (--data) is written to --out, not registered`,
  );
}

function storageOptions(command: Command): Command {
  return command
    .addOption(new Option('--data-dir <dir>', 'where the embedded SQLite file lives').env('CAPSTAN_DATA_DIR'))
    .addOption(new Option('--database-url <url>', 'use PostgreSQL instead of SQLite').env('DATABASE_URL'));
}

export function buildProgram(deps: CliDeps): Command {
  const program = new Command('capstan')
    .description('Capstan: embedded supply-chain finance for e-commerce platforms')
    .version(deps.version)
    .showHelpAfterError()
    // Set before the commands are added, so each inherits it: a mistyped flag or command is a
    // usage error (exit 2, src/main), as every other one is, not commander's exit 1.
    .exitOverride();

  storageOptions(
    program
      .command('serve')
      .description('run the HTTP API (migrates the database first)')
      .addOption(new Option('--port <port>', 'port to listen on').env('PORT'))
      .addOption(new Option('--host <host>', 'interface to listen on').env('HOST')),
  ).action((flags) => serveCommand(deps, flags));

  storageOptions(program.command('migrate').description('apply pending database migrations')).action(
    (flags) => migrateCommand(deps, flags),
  );

  storageOptions(
    program
      .command('verify')
      .description(
        'recompute the ledger from its transfers and check the hash chains and daily checkpoints; exits 1 on the first inconsistency',
      )
      .option(
        '--checkpoints <file>',
        'checkpoints held outside the database (GET /v1/ledger/checkpoints pages, ledger.checkpoint.created messages; JSON or NDJSON): the database must have the same',
      ),
  ).action((flags) => verifyCommand(deps, flags));

  const report = program
    .command('report')
    .description('the reports the API answers, read from the database: the portfolio, a merchant statement');
  storageOptions(
    report
      .command('portfolio')
      .description(
        'the portfolio per currency: total, by product, by grade and by financier (GET /v1/portfolio/summary)',
      )
      .option('--financier <id>', "one financier's book only (fin_…)")
      .option('--json', 'the JSON GET /v1/portfolio/summary answers, instead of tables'),
  ).action((flags) => reportPortfolioCommand(deps, flags));
  storageOptions(
    report
      .command('statement')
      .description("a merchant's statement for a period (GET /v1/merchants/{id}/statement)")
      .argument('<merchant>', 'the merchant (mer_…)')
      .option('--from <date>', 'the first day, YYYY-MM-DD (UTC), not after tomorrow')
      .option(
        '--to <date>',
        'the last day, inclusive (default and at most: tomorrow, the latest day money may be dated)',
      )
      .option('--format <format>', 'csv (the lines, as the API answers format=csv) or json', 'csv'),
  ).action((merchant: string, flags) => reportStatementCommand(deps, merchant, flags));

  const merchant = program.command('merchant').description('what Capstan holds about a merchant');
  storageOptions(
    merchant
      .command('export')
      .description(
        'everything Capstan holds about a merchant, as one JSON document (GET /v1/merchants/{id}/export)',
      )
      .argument('<merchant>', 'the merchant (mer_…)')
      .option('--out <file>', 'write it here (written whole, then renamed) instead of to standard output'),
  ).action((merchantId: string, flags) => merchantExportCommand(deps, merchantId, flags));

  storageOptions(
    program
      .command('import')
      .description(
        'import events from files: NDJSON, CSV (one event type per file), a Shopify orders export, an Amazon settlement report',
      )
      .argument('<files...>', 'files to import')
      .option(
        '--format <format>',
        'ndjson | csv | shopify | amazon-settlement (default: from the name and content)',
      )
      .option('--source <platform>', 'the platform (plt_…) for exports that do not say')
      .option('--subject <merchant>', 'the merchant (mer_…) for exports that do not say')
      .option('--type <event-type>', 'CSV: the event type, when the file name does not say')
      .option('--batch-size <n>', 'records per transaction (at most 10000)', '10000'),
  ).action((files: string[], flags) => importCommand(deps, files, flags));

  storageOptions(
    program
      .command('worker')
      .description(
        'consume events from NATS JetStream into the inbox; sweep expired pending transfers, run the daily cycle, send webhooks',
      )
      .addOption(
        new Option('--nats-url <url>', 'NATS server')
          .env('CAPSTAN_NATS_URL')
          .default('nats://127.0.0.1:4222'),
      )
      .option('--stream <name>', 'JetStream stream (created if missing)', 'CAPSTAN_EVENTS')
      .option('--subject <subject>', 'subjects of the stream', 'capstan.events.>')
      .option('--durable <name>', 'durable consumer name', 'capstan-worker'),
  ).action((flags) => workerCommand(deps, flags));

  storageOptions(
    program
      .command('eod')
      .description(
        'the daily cycle: accrue, age and collect every facility through a day, catching up missed days, then checkpoint the ledger through it',
      )
      .option(
        '--date <YYYY-MM-DD>',
        'the last day to run (default: the last closed day: yesterday, from 01:00 UTC)',
      )
      .option('--page-size <n>', 'facilities per transaction', '500'),
  ).action((flags) => eodCommand(deps, flags));

  const quarantine = program.command('quarantine').description('records that could not be applied');
  storageOptions(
    quarantine
      .command('list')
      .option('--status <status>', 'open | replayed | discarded | all', 'open')
      .option('--limit <n>', 'at most this many', '50'),
  ).action((flags) => quarantineListCommand(deps, flags));
  storageOptions(quarantine.command('show').argument('<id>')).action((id: string, flags) =>
    quarantineShowCommand(deps, id, flags),
  );
  storageOptions(
    quarantine
      .command('replay')
      .description('run a quarantined record through the inbox again, as it was or corrected')
      .argument('<id>')
      .option('--file <path>', 'a file holding the corrected event (JSON)'),
  ).action((id: string, flags) => quarantineReplayCommand(deps, id, flags));
  storageOptions(
    quarantine.command('discard').argument('<id>').requiredOption('--reason <text>', 'why it is discarded'),
  ).action((id: string, flags) => quarantineDiscardCommand(deps, id, flags));

  storageOptions(
    program
      .command('features')
      .description("a merchant's features as of a date")
      .argument('<merchant>', 'merchant id, mer_…')
      .option('--as-of <date>', 'YYYY-MM-DD (default: today, UTC)'),
  ).action((merchant: string, flags) => featuresCommand(deps, merchant, flags));

  const model = program.command('model').description('credit models: train, backtest, the registry');
  storageOptions(
    model
      .command('train')
      .description(
        'train a scorecard or gradient-boosted trees on a labelled CSV (--data) or on the feature store (--from-history)',
      )
      .option('--data <file>', 'a CSV with a header row and a target column')
      .option('--target <column>', 'the target column (1 or --positive = bad)')
      .option('--positive <value>', 'the target value that means bad, for a text target')
      .option('--exclude <columns>', 'comma-separated columns to leave out (identifiers)')
      .option('--algorithm <name>', 'scorecard | gbt', 'scorecard')
      .option('--test-fraction <f>', 'hold-out share', '0.3')
      .option('--seed <n>', 'split seed', '42')
      .option('--out <file>', 'write the model JSON here')
      .option('--report <file>', 'write a readable report (markdown) here')
      .option('--from-history', 'train on the feature store instead of a CSV')
      .option('--as-of <date>', 'history: the last date whose outcome is known')
      .option('--horizon-days <n>', 'history: distressed within this many days = bad', '180')
      .option('--step-days <n>', 'history: days between observation dates', '30')
      .option('--from <date>', 'history: the first observation date')
      .option('--truth <file>', 'history: the distress dates (simulator ground truth)')
      .option('--champion', 'history: register the model as the champion'),
  ).action(async (flags) => {
    refuseFlagsOfTheOtherSource(flags);
    if (flags.fromHistory) return modelTrainFromHistoryCommand(deps, flags);
    const { modelTrainCommand } = await import('./model-train.ts');
    return modelTrainCommand({ out: deps.out, err: deps.err }, flags);
  });
  storageOptions(
    model
      .command('backtest')
      .description(
        'train on the history up to a date, score the merchants after it, print AUC and calibration',
      )
      .requiredOption('--train-until <date>', 'observations up to this date (minus the horizon) train')
      .requiredOption(
        '--test-until <date>',
        'observations after --train-until up to this date (minus the horizon) test',
      )
      .requiredOption('--truth <file>', 'the distress dates (simulator ground truth)')
      .option('--horizon-days <n>', 'distressed within this many days = bad', '180')
      .option('--step-days <n>', 'days between observation dates', '30')
      .option('--from <date>', 'the first observation date')
      .option('--algorithm <name>', 'scorecard | gbt', 'scorecard')
      .option('--seed <n>', 'seed', '42'),
  ).action((flags) => modelBacktestCommand(deps, flags));
  storageOptions(model.command('list').description('the registry, newest first')).action((flags) =>
    modelListCommand(deps, flags),
  );
  storageOptions(model.command('promote').argument('<id>').description('make a model the champion')).action(
    (id: string, flags) => modelStatusCommand(deps, id, 'promote', flags),
  );
  storageOptions(model.command('retire').argument('<id>').description('retire a challenger')).action(
    (id: string, flags) => modelStatusCommand(deps, id, 'retire', flags),
  );
  storageOptions(
    model
      .command('monitor')
      .description(
        "population stability (PSI) of a model's score and inputs: recent decisions against its training population",
      )
      .option('--model <id>', 'the model (default: the champion)')
      .option('--days <n>', 'decisions of the last this many days', '30'),
  ).action((flags) => modelMonitorCommand(deps, flags));

  storageOptions(
    program
      .command('decide')
      .description('credit decisions for merchants (or --all), stored and chained')
      .argument('[merchants...]', 'merchant ids')
      .option('--all', 'every merchant with activity')
      .option('--as-of <date>', 'features as of this date (default: today, UTC)'),
  ).action((merchants: string[], flags) => decideCommand(deps, merchants, flags));

  const consent = program.command('consent').description("merchants' consent to use their data");
  storageOptions(
    consent
      .command('grant')
      .description(
        'record consents merchants gave through the platform (operator tool; merchants use the API)',
      )
      .argument('[merchants...]', 'merchant ids')
      .option('--all', 'every merchant with activity')
      .option('--sources <list>', 'data sources (default: all)')
      .option('--days <n>', 'valid for this many days', '365'),
  ).action((merchants: string[], flags) => consentGrantCommand(deps, merchants, flags));

  program
    .command('simulate')
    .description('write a simulated marketplace as canonical events (NDJSON), or stream it to a server')
    .option('--merchants <n>', 'number of merchants', '100')
    .option('--days <n>', 'number of days', '365')
    .option('--seed <n>', 'random seed', '1')
    .option('--start <date>', 'first day, YYYY-MM-DD')
    .option('--out <file>', 'write NDJSON here')
    .option('--to <url>', 'or POST it to this Capstan server')
    .option('--key <key>', 'API key for --to (default: CAPSTAN_KEY)')
    .option('--truth <file>', 'where to write the ground truth (default: <out>.truth.json)')
    .option('--batch-size <n>', 'events per request with --to')
    .action((flags) => simulateCommand({ out: deps.out, err: deps.err }, flags));

  program
    .command('demo')
    .description(
      'simulate a marketplace, lend to it for a year (ingest, decide, offer, accept, disburse, sweep, end of day), print the portfolio, then serve the API on that data',
    )
    .option('--merchants <n>', 'number of merchants', '500')
    .option('--days <n>', 'days of lending, ending yesterday (or --end)', '365')
    .option('--warm-up-days <n>', 'days of history before lending begins', '180')
    .option('--seed <seed>', 'random seed (letters or digits)', 'demo')
    .option('--end <date>', 'the last simulated day, YYYY-MM-DD (default: yesterday)')
    .option('--data-dir <dir>', 'a new or empty directory for the demo database', '.capstan-demo')
    .addOption(new Option('--port <port>', 'port to serve on afterwards').env('PORT'))
    .addOption(new Option('--host <host>', 'interface to serve on').env('HOST'))
    .option('--no-serve', 'stop after the summary instead of serving the API')
    .action((flags) => demoCommand(deps, flags));

  return program;
}
