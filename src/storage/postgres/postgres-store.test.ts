/**
 * The storage contract on PostgreSQL: a real server (CAPSTAN_TEST_DATABASE_URL), a fresh database
 * with a random name per suite, dropped afterwards. Skipped with a message when no server is
 * configured; an error under CI=true.
 */
import { postgresBackend } from '../../../test/support/backends.ts';
import { describeStoreContract } from '../contract/store-contract.ts';

describeStoreContract(postgresBackend);
