/** `capstan worker --eod-cutoff`: HH:MM after midnight, and nothing else. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from './usage-error.ts';
import { cutoffSeconds } from './worker.ts';

describe('the worker’s daily-cycle cut-off', () => {
  it('reads HH:MM as seconds after midnight', () => {
    assert.equal(cutoffSeconds('00:00'), 0);
    assert.equal(cutoffSeconds('01:00'), 3_600);
    assert.equal(cutoffSeconds('23:59'), 86_340);
  });

  it('refuses anything else with a usage error', () => {
    for (const text of ['24:00', '1:00', '01:60', '0100', '', '01:00:00'])
      assert.throws(() => cutoffSeconds(text), UsageError, text);
  });
});
