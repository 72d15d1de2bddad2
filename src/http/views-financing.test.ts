/**
 * Facility events in plain words: an instalment charged says what was charged and what is left to
 * pay, and, charged while collections are paused, that it is asked for once they resume; an
 * advance open to a refill, how much of it is repaid; a facility moving delinquency bucket, how
 * many days past due it is.
 */
import assert from 'node:assert/strict';
import { it, describe as suite } from 'node:test';
import { describe } from './views-financing.ts';

suite('facility events in plain words', () => {
  const charged = { period: 2, dueDay: 20_529, interestMinor: 9_212n, toPayMinor: 88_849n };

  it('says what an instalment charged and what is left to pay of it', () => {
    assert.equal(
      describe('instalment_charged', { ...charged, collectionsPaused: false }, 'USD'),
      'Instalment 2 due 2026-03-17: interest of 92.12 USD charged, 888.49 USD to pay',
    );
  });

  it('says how much of an advance open to a refill is repaid', () => {
    assert.equal(
      describe('refill_available', { repaidShareBps: 7_812 }, 'USD'),
      'A refill of this advance can be offered: 78.12% repaid',
    );
  });

  it('says how many days past due a facility moving bucket is', () => {
    assert.equal(
      describe('delinquency_bucket_changed', { from: 'current', to: '1-30', daysPastDue: 1 }, 'USD'),
      '1 day past due: now in the 1-30 days bucket',
    );
    assert.equal(
      describe('delinquency_bucket_changed', { from: '1-30', to: '31-60', daysPastDue: 31 }, 'USD'),
      '31 days past due: now in the 31-60 days bucket',
    );
    assert.equal(
      describe('delinquency_bucket_changed', { from: '1-30', to: 'current', daysPastDue: 0 }, 'USD'),
      'Up to date again',
    );
  });

  it('says an instalment charged while collections are paused is asked for once they resume', () => {
    assert.equal(
      describe('instalment_charged', { ...charged, collectionsPaused: true }, 'USD'),
      'Instalment 2 due 2026-03-17: interest of 92.12 USD charged, 888.49 USD to pay once collections resume',
    );
  });
});
