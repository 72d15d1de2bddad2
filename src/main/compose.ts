/** The composition root: config in, a running engine's parts out. */
import type { AppContext } from '../app/app-context.ts';
import { openStore } from '../storage/open-store.ts';
import type { Config } from './config.ts';
import { cryptoEntropy, sha256Hex, systemClock } from './system.ts';

export function composeApp(config: Pick<Config, 'databaseUrl' | 'dataDir'>): AppContext {
  return {
    store: openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }),
    clock: systemClock,
    entropy: cryptoEntropy,
    sha256: sha256Hex,
  };
}
