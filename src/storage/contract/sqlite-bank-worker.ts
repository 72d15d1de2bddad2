/**
 * A bank writer in its own thread with its own SQLite connection: SQLite waits for its file lock
 * by sleeping the calling thread, so concurrent writers must be threads or processes, as they are
 * in production (a server, a worker and an import on one file).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteStore } from '../sqlite/sqlite-store.ts';
import { runBankWriter } from './bank-workload.ts';

const { path, writer, rounds, batchSize, seed, task } = workerData as {
  path: string;
  writer: number;
  rounds: number;
  batchSize: number;
  seed: number;
  task: 'bank' | 'migrate';
};
const store = new SqliteStore({ path });
try {
  if (task === 'migrate') parentPort?.postMessage({ applied: await store.migrate() });
  else parentPort?.postMessage(await runBankWriter(store, writer, rounds, batchSize, seed));
} finally {
  await store.close();
}
