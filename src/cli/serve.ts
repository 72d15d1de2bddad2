/**
 * `capstan serve`: migrate, make sure an operator can get in, listen, and run the expiry sweep and the
 * webhook dispatcher until SIGINT or SIGTERM, then drain requests and close the database.
 */
import { bootstrapOperatorKey } from '../app/access/api-keys.ts';
import { sweepExpiredPendingTransfers } from '../app/jobs/expire-pending.ts';
import { failureLog } from './failure-log.ts';
import type { CliDeps, StorageFlags } from './program.ts';
import { startWebhookDispatch } from './webhook-dispatch.ts';

export const expirySweepIntervalMs = 1_000;

export async function serveCommand(
  deps: CliDeps,
  flags: StorageFlags & { port?: string; host?: string },
): Promise<void> {
  const config = deps.loadConfig(flags);
  const app = await deps.openApp(config);
  deps.out.write(`Capstan ${deps.version} — storage: ${app.store.backend} at ${app.store.location}\n`);
  await app.store.migrate((name) => deps.out.write(`  applied migration ${name}\n`));

  const bootstrap = await app.store.write((tx) => bootstrapOperatorKey(tx, app, config.operatorKey));
  if (!bootstrap.ok) {
    deps.err.write(`cannot start: ${bootstrap.detail ?? bootstrap.code}\n`);
    await app.store.close();
    process.exitCode = 1;
    return;
  }
  if (bootstrap.value.kind === 'created') {
    deps.out.write(
      '\nCreated the first operator API key. It is shown only this once — store it somewhere safe:\n\n' +
        `    ${bootstrap.value.issued.secret}\n\n` +
        'Use it as `Authorization: Bearer <key>`; issue more keys with POST /v1/api_keys.\n\n',
    );
  } else if (bootstrap.value.kind === 'configured') {
    deps.out.write('Operator key: the one in CAPSTAN_OPERATOR_KEY\n');
  }

  const server = await deps.startServer(app, config);
  const stopWebhooks = await startWebhookDispatch(deps, app);
  let sweeping = false;
  const sweepLog = failureLog(deps.err, 'expiry sweep');
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    sweepExpiredPendingTransfers(app)
      .then(sweepLog.succeeded, sweepLog.failed)
      .finally(() => {
        sweeping = false;
      });
  }, expirySweepIntervalMs);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    deps.out.write(`${signal}: shutting down\n`);
    clearInterval(sweep);
    await server.close();
    await stopWebhooks();
    await app.store.close();
  };
  // Handlers first, then the announcement: whoever reads "Listening" may signal at once.
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
  deps.out.write(
    `Listening on ${server.url} — API docs at ${server.url}/docs, OpenAPI at ${server.url}/openapi.json\n`,
  );
}
