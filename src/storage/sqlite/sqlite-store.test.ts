/** The storage contract on SQLite: a real database file in a temporary directory. */
import { sqliteBackend } from '../../../test/support/backends.ts';
import { describeStoreContract } from '../contract/store-contract.ts';

describeStoreContract(sqliteBackend);
