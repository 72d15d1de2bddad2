/**
 * `capstan worker`: consumes canonical events from NATS JetStream (a durable pull consumer, explicit
 * acks) into the inbox until SIGINT/SIGTERM, and runs the ledger's expiry sweep, the daily cycle
 * (each day once it is closed — an hour after it ends — missed days caught up, the ledger's
 * checkpoints made through it) and the webhook dispatcher on the side.
 */
import { dailyCycleCheckIntervalMs, dailyCycleJob } from '../app/jobs/daily-cycle.ts';
import { sweepExpiredPendingTransfers } from '../app/jobs/expire-pending.ts';
import { checkpointLine } from './eod.ts';
import { failureLog } from './failure-log.ts';
import type { CliDeps, StorageFlags } from './program.ts';
import { startWebhookDispatch } from './webhook-dispatch.ts';

export interface WorkerFlags extends StorageFlags {
  readonly natsUrl?: string;
  readonly stream?: string;
  readonly subject?: string;
  readonly durable?: string;
}

export const workerSweepIntervalMs = 1_000;
/** How often the worker tries NATS again while it cannot reach it. */
export const workerNatsRetryMs = 5_000;

export async function workerCommand(deps: CliDeps, flags: WorkerFlags): Promise<void> {
  const config = deps.loadConfig(flags);
  const app = await deps.openApp(config);
  await app.store.migrate();
  const options = {
    url: flags.natsUrl ?? 'nats://127.0.0.1:4222',
    stream: flags.stream ?? 'CAPSTAN_EVENTS',
    subjects: [flags.subject ?? 'capstan.events.>'],
    durable: flags.durable ?? 'capstan-worker',
  };
  let applied = 0;
  let quarantined = 0;
  const ingest = await deps.loadIngest();
  let worker: { stop(): Promise<void> } | null = null;
  let retry: NodeJS.Timeout | undefined;
  let stopping = false;
  let lastProblem: string | null = null;
  // NATS gone away under a running consumer fails every fetch (heartbeats missed, a closed
  // connection) until it is back: said once, not as a failed batch every 2 s — none was fetched.
  const fetchLog = failureLog(deps.err, 'fetching from NATS');
  const batchLog = failureLog(deps.err, 'a batch from NATS (redelivered)');
  // NATS unreachable (not yet up, say) stops nothing else: the daily cycle, the expiry sweep and
  // the webhooks run meanwhile, and the worker connects once NATS answers.
  const consume = async () => {
    try {
      worker = await ingest.startWorker(app, options, {
        onBatch: (report) => {
          applied += report.outcomes.filter((o) => o.status === 'applied').length;
          quarantined += report.outcomes.filter((o) => o.status === 'quarantined').length;
          batchLog.succeeded();
          deps.err.write(
            `batch of ${report.messages}: ${applied} applied, ${quarantined} quarantined so far\n`,
          );
        },
        onError: batchLog.failed,
        onFetch: (error) => (error === null ? fetchLog.succeeded() : fetchLog.failed(error)),
      });
      if (stopping) return void (await worker.stop());
      deps.out.write(
        `worker consuming ${options.subjects.join(', ')} from stream ${options.stream} at ${options.url} ` +
          `(durable ${options.durable}) into ${app.store.backend} at ${app.store.location}\n`,
      );
    } catch (error) {
      if (stopping) return;
      const problem = error instanceof Error ? error.message : String(error);
      // Said once, and again only if the reason changes: not a line every few seconds.
      if (problem !== lastProblem)
        deps.err.write(
          `cannot consume from NATS at ${options.url} (${problem}): tried again every ` +
            `${workerNatsRetryMs / 1000} s; the daily cycle, the expiry sweep and webhooks run meanwhile\n`,
        );
      lastProblem = problem;
      retry = setTimeout(() => void consume(), workerNatsRetryMs);
    }
  };
  const sweepLog = failureLog(deps.err, 'expiry sweep');
  const sweep = setInterval(() => {
    sweepExpiredPendingTransfers(app).then(sweepLog.succeeded, sweepLog.failed);
  }, workerSweepIntervalMs);
  const cycle = dailyCycleJob(app, {
    onCheckpoint: (checkpoint) => deps.out.write(checkpointLine(checkpoint)),
  });
  const cycleLog = failureLog(deps.err, 'daily cycle');
  const runCycle = () =>
    cycle
      .tick()
      .then((days) => {
        cycleLog.succeeded();
        for (const d of days) deps.out.write(`daily cycle ${d.day}: ${d.facilities} facilities serviced\n`);
      })
      .catch(cycleLog.failed);
  void runCycle();
  const daily = setInterval(runCycle, dailyCycleCheckIntervalMs);
  const stopWebhooks = await startWebhookDispatch(deps, app);
  const stop = async (signal: string) => {
    deps.out.write(`${signal}: stopping after the current batch\n`);
    stopping = true;
    clearTimeout(retry);
    clearInterval(sweep);
    clearInterval(daily);
    await worker?.stop();
    await stopWebhooks();
    await app.store.close();
  };
  // Listened for before NATS is first tried: a server that accepts and never answers holds the
  // attempt until its timeout, and a signal meanwhile still stops the worker in order (a consumer
  // connected after it is stopped at once).
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  await consume();
}
