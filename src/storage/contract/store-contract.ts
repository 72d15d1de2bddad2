/**
 * The storage contract: one suite every Store adapter must pass, run on real databases (no mocks).
 * Each adapter's test file calls describeStoreContract with its backend.
 */
import type { BackendUnderTest } from '../../../test/support/backends.ts';
import { accessContract } from './contract-access.ts';
import { concurrencyContract } from './contract-concurrency.ts';
import { decisionsContract } from './contract-decisions.ts';
import { financingContract } from './contract-financing.ts';
import { historyContract } from './contract-history.ts';
import { ingestContract } from './contract-ingest.ts';
import { ledgerContract } from './contract-ledger.ts';
import { migrationsContract } from './contract-migrations.ts';
import { simulationContract } from './contract-simulation.ts';
import { verifyContract } from './contract-verify.ts';

export function describeStoreContract(backend: BackendUnderTest): void {
  migrationsContract(backend);
  ledgerContract(backend);
  historyContract(backend);
  ingestContract(backend);
  decisionsContract(backend);
  financingContract(backend);
  accessContract(backend);
  verifyContract(backend);
  simulationContract(backend);
  concurrencyContract(backend);
}
