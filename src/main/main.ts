/**
 * The `capstan` entry point (bin/capstan.js): composes the engine and runs the command line. The
 * storage adapters and the HTTP server are imported only by the commands that use them, so
 * `capstan --help` does not pay for loading them.
 */
import { join } from 'node:path';
import { CommanderError } from 'commander';
import type { AppContext } from '../app/app-context.ts';
import { StoreBusy, StoreFull, StoreUnavailable } from '../app/ports.ts';
import { buildProgram, type CliConfig, type ReportViews } from '../cli/program.ts';
import { UsageError } from '../cli/usage-error.ts';
import type { ImportFileOptions } from '../ingest/formats/detect.ts';
import { sqliteFileName } from '../storage/sqlite-file.ts';
import { ConfigError, loadConfig } from './config.ts';
import { version } from './version.ts';

/** Why the server could not listen, said plainly: a port in use or not ours, not a stack trace. */
function listenError(error: unknown, config: CliConfig): unknown {
  const code = (error as { code?: unknown }).code;
  const where = `${config.host}:${config.port}`;
  if (code === 'EADDRINUSE')
    return new UsageError(
      `cannot listen on ${where}: the port is in use (another capstan serve or demo?) — stop it, or pass --port`,
    );
  // ENOTFOUND, EAI_AGAIN: a --host that is no name the resolver knows (a typo, say).
  if (code === 'EACCES' || code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new UsageError(`cannot listen on ${where} (${code}): pass another --host or --port`);
  return error;
}

/** The database could not be opened or reached: said in one line, and the command exits 1. */
class StorageUnavailable extends Error {}

/**
 * Composes the engine and asks the database one question (which migrations are pending), so a
 * data directory that is a file or a PostgreSQL server that does not answer is said at once, in
 * one line, rather than as a stack trace from whichever query came first.
 */
async function openApp(config: CliConfig): Promise<AppContext> {
  const { composeApp } = await import('./compose.ts');
  let app: AppContext | undefined;
  try {
    app = composeApp(config);
    await app.store.pendingMigrations();
    return app;
  } catch (error) {
    await app?.store.close().catch(() => {});
    const message = error instanceof Error ? error.message : String(error);
    if ((error as { code?: unknown }).code === 'ERR_INVALID_URL')
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL');
    const where =
      app?.store.location ??
      (config.databaseUrl === undefined ? join(config.dataDir, sqliteFileName) : 'DATABASE_URL');
    throw new StorageUnavailable(`cannot open the database at ${where}: ${message}`);
  }
}

export async function main(argv: readonly string[]): Promise<void> {
  // A reader that stops early (`capstan migrate | head -1`) closes the pipe: what is left to print
  // is dropped, and the command finishes its work — a migration or a daily cycle is not cut off
  // halfway by an unhandled EPIPE.
  for (const stream of [process.stdout, process.stderr])
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  const program = buildProgram({
    version,
    loadIngest: async () => {
      const [{ parseRecord }, { openImportFile }, { startNatsWorker }] = await Promise.all([
        import('../ingest/parse-record.ts'),
        import('../ingest/formats/detect.ts'),
        import('../ingest/nats-source.ts'),
      ]);
      return {
        parse: parseRecord,
        openFile: (path, options) => openImportFile(path, options as ImportFileOptions),
        startWorker: (app, options, hooks) => startNatsWorker(app, options, hooks),
      };
    },
    loadConfig: (flags) => loadConfig(process.env, flags),
    openApp,
    startServer: async (app, config: CliConfig) => {
      const { buildServer } = await import('../http/server.ts');
      const server = await buildServer({ app, version, logger: { level: config.logLevel } });
      try {
        await server.listen({ port: config.port, host: config.host });
      } catch (error) {
        await server.close();
        throw listenError(error, config);
      }
      const address = server.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      return { url: `http://${host}:${port}`, close: () => server.close() };
    },
    loadWebhooks: async () => {
      const [{ httpWebhookTransport }, { eventRenderers }] = await Promise.all([
        import('./webhook-transport.ts'),
        import('../http/views-financing.ts'),
      ]);
      return { transport: httpWebhookTransport(`Capstan/${version}`), render: eventRenderers };
    },
    loadReportViews: async () => {
      const [{ portfolioView, statementView, statementCsv }, { merchantExportDocument }] = await Promise.all([
        import('../http/views-financing.ts'),
        import('../http/merchant-export-document.ts'),
      ]);
      return {
        portfolio: portfolioView,
        statement: statementView,
        statementCsv,
        // The command is an operator's: it reads the database itself.
        merchantExport: (...args: Parameters<ReportViews['merchantExport']>) =>
          merchantExportDocument(...args, 'operator'),
      };
    },
    out: process.stdout,
    err: process.stderr,
  });
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    // Commander has printed what was wrong (or the help or version asked for).
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    if (error instanceof StorageUnavailable) {
      process.stderr.write(`capstan: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    // The database went away in the middle of the command (a restart, a failover, a network cut):
    // said in one line, not as pg's stack trace. What committed stays; the command resumes.
    if (error instanceof StoreUnavailable) {
      process.stderr.write(
        `capstan: ${error.message}: what was committed stays; run the command again once the database answers` +
          ' (the daily cycle resumes where it stopped)\n',
      );
      process.exitCode = 1;
      return;
    }
    if (error instanceof StoreFull) {
      process.stderr.write(
        `capstan: ${error.message}; make room on it and run the command again (the daily cycle resumes where it stopped)\n`,
      );
      process.exitCode = 1;
      return;
    }
    // Another process (a long import, a `capstan eod`, a sqlite3 shell left in a transaction) kept
    // SQLite's write lock past the 10 s wait: said in one line, not as SQLite's stack trace.
    if (error instanceof StoreBusy) {
      process.stderr.write(
        `capstan: the database is busy: ${error.message}; the step that waited wrote nothing — run the command again` +
          ' once the other process is done (the daily cycle resumes where it stopped)\n',
      );
      process.exitCode = 1;
      return;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`configuration error: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`capstan: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    throw error;
  }
}
