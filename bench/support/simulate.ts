/**
 * A simulated marketplace written to a file by the real `capstan simulate`, for benchmarks and
 * reports (its ground truth lands beside it, `<file>.truth.json`). Progress goes to this process's
 * stderr; a failed run throws.
 */
import { spawnSync } from 'node:child_process';

const bin = new URL('../../bin/capstan.js', import.meta.url).pathname;

export interface Simulation {
  readonly merchants: number;
  readonly days: number;
  readonly seed: number;
  readonly start: string;
  readonly file: string;
}

export function simulateMarketplace(simulation: Simulation): void {
  const result = spawnSync(
    process.execPath,
    [
      bin,
      'simulate',
      '--merchants',
      String(simulation.merchants),
      '--days',
      String(simulation.days),
      '--seed',
      String(simulation.seed),
      '--start',
      simulation.start,
      '--out',
      simulation.file,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (result.status !== 0) throw new Error(`capstan simulate exited ${result.status}`);
}
