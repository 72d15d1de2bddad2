/**
 * Instants: the fast path for `YYYY-MM-DDTHH:MM:SSZ` gives exactly what the general RFC 3339
 * parser gives, for every valid instant and for impossible ones (Feb 30, hour 24, …); offsets and
 * fractions are read exactly; a bare date is an instant only as the end of its day.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { dayNumberOfInstant, parseDateTime, parseInstantNs } from './instant.ts';

const pad = (value: number, width: number) => String(value).padStart(width, '0');

describe('parseDateTime', () => {
  it('agrees with the general parser on the fast path, valid or not', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9999 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 0, max: 60 }),
        (year, month, day, hours, minutes, seconds) => {
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}Z`;
          const general = parseInstantNs(text);
          const fast = parseDateTime(text);
          if (general === null) assert.equal(fast, null, text);
          else assert.deepEqual(fast, { timeNs: general, day: dayNumberOfInstant(general) }, text);
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('reads offsets and fractions exactly, and refuses a bare date', () => {
    assert.deepEqual(parseDateTime('2026-03-01T01:30:00+02:00'), parseDateTime('2026-02-28T23:30:00Z'));
    assert.equal(parseDateTime('1970-01-01T00:00:00.000000001Z')?.timeNs, 1n);
    assert.equal(parseDateTime('2026-03-01'), null);
    assert.equal(parseInstantNs('1970-01-01'), 86_400_000_000_000n - 1n);
    assert.equal(parseDateTime('2024-02-29T12:00:00Z')?.day, 19_782);
    assert.equal(parseDateTime('2023-02-29T12:00:00Z'), null);
    assert.equal(parseDateTime('2026-1-01T00:00:00Z'), null);
  });
});
