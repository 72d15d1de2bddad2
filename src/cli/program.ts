/**
 * The `capstan` command line. Commands get everything they touch through CliDeps (composed in
 * src/main), so this layer knows no storage adapter and no HTTP framework.
 */
import { Command, Option } from 'commander';
import type { AppContext } from '../app/app-context.ts';
import { migrateCommand } from './migrate.ts';
import { serveCommand } from './serve.ts';
import { verifyCommand } from './verify.ts';

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

export interface CliDeps {
  readonly version: string;
  loadConfig(flags: StorageFlags & { port?: string; host?: string }): CliConfig;
  openApp(config: CliConfig): Promise<AppContext>;
  startServer(app: AppContext, config: CliConfig): Promise<RunningServer>;
  readonly out: NodeJS.WriteStream;
  readonly err: NodeJS.WriteStream;
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
    .showHelpAfterError();

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
        'recompute the ledger from its transfers and check the hash chain; exits 1 on the first inconsistency',
      ),
  ).action((flags) => verifyCommand(deps, flags));

  return program;
}
