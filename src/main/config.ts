/**
 * Configuration from the environment, overridden by command-line flags. Every setting has a
 * default that works on a fresh machine: the embedded SQLite file under ./data, port 3000 on the
 * loopback interface.
 */
import { resolve } from 'node:path';

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly operatorKey: string | undefined;
  readonly logLevel: string;
}

export interface ConfigFlags {
  readonly port?: string;
  readonly host?: string;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
}

const logLevels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export class ConfigError extends Error {}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function loadConfig(env: NodeJS.ProcessEnv, flags: ConfigFlags = {}): Config {
  const portText = nonEmpty(flags.port) ?? nonEmpty(env['PORT']) ?? '3000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new ConfigError(
      `${nonEmpty(flags.port) === undefined ? 'PORT' : '--port'} must be 0–65535, got "${portText}"`,
    );
  const logLevel = nonEmpty(env['CAPSTAN_LOG_LEVEL']) ?? 'info';
  if (!logLevels.has(logLevel))
    throw new ConfigError(`CAPSTAN_LOG_LEVEL must be one of ${[...logLevels].join(', ')}`);
  const databaseUrl = nonEmpty(flags.databaseUrl) ?? nonEmpty(env['DATABASE_URL']);
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }
  return {
    port,
    host: nonEmpty(flags.host) ?? nonEmpty(env['HOST']) ?? '127.0.0.1',
    dataDir: resolve(nonEmpty(flags.dataDir) ?? nonEmpty(env['CAPSTAN_DATA_DIR']) ?? 'data'),
    databaseUrl,
    operatorKey: nonEmpty(env['CAPSTAN_OPERATOR_KEY']),
    logLevel,
  };
}
