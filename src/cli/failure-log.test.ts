/**
 * A background job's failures are said once, and again only when the reason changes; once it
 * works again, that is said once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureLog } from './failure-log.ts';

describe('failureLog', () => {
  it('says a failure once while its reason stands, a new reason, and the recovery once', () => {
    const lines: string[] = [];
    const log = failureLog({ write: (text: string) => lines.push(text) }, 'expiry sweep');
    log.succeeded();
    for (let i = 0; i < 5; i += 1) log.failed(new Error('the database could not be reached'));
    log.failed(new Error('the database is busy'));
    log.succeeded();
    log.succeeded();
    log.failed('the database is busy');
    assert.deepEqual(lines, [
      'expiry sweep failed, will retry: the database could not be reached\n',
      'expiry sweep failed, will retry: the database is busy\n',
      'expiry sweep works again\n',
      'expiry sweep failed, will retry: the database is busy\n',
    ]);
  });
});
