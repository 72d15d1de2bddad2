/**
 * The facility lifecycle, exhaustively: every event in every state against a table written out by
 * hand (an allowed move lands where the table says; anything else is refused and names the event
 * and the state), ageing through the delinquency thresholds at their exact days, default being
 * sticky, recoveries on a written-off facility, and the reporting buckets at their edges.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  defaultLifecyclePolicy,
  delinquencyBucket,
  type FacilityEvent,
  type FacilityState,
  facilityStates,
  nextState,
} from './lifecycle.ts';

const events: Record<string, FacilityEvent> = {
  accept: { type: 'accept' },
  decline: { type: 'decline' },
  expire: { type: 'expire' },
  disbursement_pending: { type: 'disbursement_pending' },
  disbursement_confirmed: { type: 'disbursement_confirmed' },
  disbursement_voided: { type: 'disbursement_voided' },
  'aged 0': { type: 'aged', daysPastDue: 0 },
  'aged 1': { type: 'aged', daysPastDue: 1 },
  'aged 89': { type: 'aged', daysPastDue: 89 },
  'aged 90': { type: 'aged', daysPastDue: 90 },
  'aged 179': { type: 'aged', daysPastDue: 179 },
  'aged 180': { type: 'aged', daysPastDue: 180 },
  repaid_in_full: { type: 'repaid_in_full' },
};

/** Where each allowed event leads, by hand; a missing entry means refused. */
const allowed: Partial<Record<FacilityState, Record<string, FacilityState>>> = {
  offered: { accept: 'accepted', decline: 'declined', expire: 'expired' },
  accepted: { disbursement_pending: 'disbursing' },
  disbursing: { disbursement_confirmed: 'active', disbursement_voided: 'cancelled' },
  active: {
    'aged 0': 'active',
    'aged 1': 'delinquent',
    'aged 89': 'delinquent',
    'aged 90': 'defaulted',
    'aged 179': 'defaulted',
    'aged 180': 'written_off',
    repaid_in_full: 'paid_off',
  },
  delinquent: {
    'aged 0': 'active',
    'aged 1': 'delinquent',
    'aged 89': 'delinquent',
    'aged 90': 'defaulted',
    'aged 179': 'defaulted',
    'aged 180': 'written_off',
    repaid_in_full: 'paid_off',
  },
  defaulted: {
    'aged 0': 'defaulted',
    'aged 1': 'defaulted',
    'aged 89': 'defaulted',
    'aged 90': 'defaulted',
    'aged 179': 'defaulted',
    'aged 180': 'written_off',
    repaid_in_full: 'paid_off',
  },
  written_off: { repaid_in_full: 'written_off' },
};

describe('the facility lifecycle', () => {
  it('allows exactly the moves of the table, in every state', () => {
    let checked = 0;
    for (const state of facilityStates) {
      for (const [name, event] of Object.entries(events)) {
        const expected = allowed[state]?.[name];
        const result = nextState(state, event);
        checked += 1;
        if (expected === undefined) {
          assert.equal(result.ok, false, `${name} in ${state} should be refused`);
          if (!result.ok) {
            assert.equal(result.code, 'transition_not_allowed');
            assert.match(result.detail ?? '', new RegExp(`${event.type} is not allowed when ${state}`));
          }
        } else {
          assert.deepEqual(result, { ok: true, value: expected }, `${name} in ${state}`);
        }
      }
    }
    assert.equal(checked, facilityStates.length * Object.keys(events).length);
  });

  it('follows a configured policy, and refuses one that makes no sense', () => {
    const policy = { defaultAfterDays: 60, writeOffAfterDays: 120 };
    assert.deepEqual(nextState('delinquent', { type: 'aged', daysPastDue: 60 }, policy), {
      ok: true,
      value: 'defaulted',
    });
    assert.deepEqual(nextState('defaulted', { type: 'aged', daysPastDue: 120 }, policy), {
      ok: true,
      value: 'written_off',
    });
    for (const bad of [
      { defaultAfterDays: 0, writeOffAfterDays: 10 },
      { defaultAfterDays: 90, writeOffAfterDays: 90 },
      { defaultAfterDays: 1.5, writeOffAfterDays: 10 },
    ]) {
      const result = nextState('active', { type: 'aged', daysPastDue: 1 }, bad);
      assert.equal(result.ok ? '' : result.code, 'lifecycle_policy_invalid');
    }
    assert.equal(defaultLifecyclePolicy.defaultAfterDays, 90);
  });

  it('refuses a negative or fractional age', () => {
    for (const daysPastDue of [-1, 0.5]) {
      const result = nextState('active', { type: 'aged', daysPastDue });
      assert.equal(result.ok, false);
    }
  });
});

describe('delinquencyBucket', () => {
  it('puts days past due into the reporting buckets at their edges', () => {
    const cases: [number, string][] = [
      [0, 'current'],
      [1, '1-30'],
      [30, '1-30'],
      [31, '31-60'],
      [60, '31-60'],
      [61, '61-90'],
      [90, '61-90'],
      [91, '90+'],
      [400, '90+'],
    ];
    for (const [days, bucket] of cases) assert.equal(delinquencyBucket(days), bucket, `${days} days`);
  });
});
