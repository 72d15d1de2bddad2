/**
 * Proves calendar-date.ts is the proleptic Gregorian calendar without `Date`: parse accepts exactly
 * the days that exist and format round-trips them; the day number is a bijection with the dates of
 * years 0001..9999 that agrees with a day-by-day walk and with a closed-form count; addDays,
 * daysBetween and ordering agree; addMonths clamps to the end of shorter months; and leap years,
 * month lengths, month ends and weekdays are right.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AssertionError } from '../assert.ts';
import {
  addDays,
  addMonths,
  type CalendarDate,
  calendarDate,
  calendarDateFromEpochMs,
  calendarDateFromParts,
  calendarYearMax,
  calendarYearMin,
  compareCalendarDates,
  dateParts,
  dayNumberMax,
  dayNumberMin,
  dayOfWeek,
  daysBetween,
  daysInMonth,
  formatCalendarDate,
  fromDayNumber,
  isEndOfMonth,
  isLeapYear,
  parseCalendarDate,
  toDayNumber,
} from './calendar-date.ts';

const partsArb = fc
  .record({
    year: fc.integer({ min: calendarYearMin, max: calendarYearMax }),
    month: fc.integer({ min: 1, max: 12 }),
    day: fc.integer({ min: 1, max: 31 }),
  })
  .map(({ year, month, day }) => ({ year, month, day: Math.min(day, daysInMonth(year, month)) }));
const dateArb = partsArb.map(({ year, month, day }) => {
  const date = calendarDateFromParts(year, month, day);
  assert.ok(date.ok);
  return date.value;
});
const dayNumberArb = fc.integer({ min: dayNumberMin, max: dayNumberMax });

/** Independent count: whole years since 0001-01-01, then whole months, then days. */
function closedFormDayNumber(year: number, month: number, day: number): number {
  const yearsBefore = year - 1;
  let days = 365 * yearsBefore + Math.floor(yearsBefore / 4) - Math.floor(yearsBefore / 100);
  days += Math.floor(yearsBefore / 400);
  for (let earlierMonth = 1; earlierMonth < month; earlierMonth += 1) days += daysInMonth(year, earlierMonth);
  const daysFrom0001To1970 = 719_162;
  return days + day - 1 - daysFrom0001To1970;
}

describe('parseCalendarDate and formatCalendarDate', () => {
  it('round-trip every date that exists', () => {
    fc.assert(
      fc.property(partsArb, ({ year, month, day }) => {
        const text = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
        const parsed = parseCalendarDate(text);
        assert.ok(parsed.ok, text);
        assert.equal(formatCalendarDate(parsed.value), text);
        assert.deepEqual(dateParts(parsed.value), { year, month, day });
      }),
      { numRuns: 1000 },
    );
  });

  it('takes apart only what is a date, YYYY-MM-DD in ASCII digits, as the pattern parsing it does', () => {
    for (const text of [
      '2026-1-05',
      '2026-01-5 ',
      '2026/01/05',
      '20260-1-05',
      '2026-01-0a',
      '２０２６-01-05',
      '-026-01-05',
      '2026-13-01',
      '2026-00-10',
      '2026-02-30',
      '0000-01-01',
      '',
    ])
      assert.throws(() => dateParts(text as CalendarDate), AssertionError, text);
    assert.deepEqual(dateParts('0001-01-01' as CalendarDate), { year: 1, month: 1, day: 1 });
    assert.deepEqual(dateParts('9999-12-31' as CalendarDate), { year: 9999, month: 12, day: 31 });
  });

  it('accepts leap days only in leap years and refuses days that do not exist', () => {
    for (const text of ['2024-02-29', '2000-02-29', '1600-02-29', '0004-02-29', '0001-01-01', '9999-12-31']) {
      assert.ok(parseCalendarDate(text).ok, text);
    }
    const rejected = [
      '2023-02-29',
      '1900-02-29',
      '2100-02-29',
      '2024-02-30',
      '2024-13-01',
      '2024-00-10',
      '2024-04-31',
      '2024-06-31',
      '2024-01-32',
      '2024-01-00',
      '0000-01-01',
      '10000-01-01',
      '2024-1-05',
      '2024-01-5',
      '24-01-05',
      '2024/01/05',
      '20240105',
      ' 2024-01-05',
      '2024-01-05 ',
      '2024-01-05T00:00:00Z',
      '+2024-01-05',
      '-2024-01-05',
      '２０２４-01-05',
      '',
    ];
    for (const text of rejected) {
      const result = parseCalendarDate(text);
      assert.equal(!result.ok && result.code, 'date_invalid', JSON.stringify(text));
    }
    assert.equal(calendarDateFromParts(2024, 1, 1.5).ok, false);
    assert.throws(() => calendarDate('2023-02-29'), AssertionError);
  });
});

describe('day numbers', () => {
  it('are anchored at 1970-01-01 and cover 0001-01-01..9999-12-31', () => {
    assert.equal(toDayNumber(calendarDate('1970-01-01')), 0);
    assert.equal(toDayNumber(calendarDate('1969-12-31')), -1);
    assert.equal(toDayNumber(calendarDate('2000-01-01')), 10_957);
    assert.equal(toDayNumber(calendarDate('2024-02-29')), 19_782);
    assert.equal(dayNumberMin, -719_162);
    assert.equal(dayNumberMax, 2_932_896);
    assert.throws(() => fromDayNumber(dayNumberMin - 1), AssertionError);
    assert.throws(() => fromDayNumber(dayNumberMax + 1), AssertionError);
    assert.throws(() => fromDayNumber(0.5), AssertionError);
  });

  it('are a bijection with dates over the whole range, agreeing with a closed-form count', () => {
    fc.assert(
      fc.property(dayNumberArb, (dayNumber) => {
        assert.equal(toDayNumber(fromDayNumber(dayNumber)), dayNumber);
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(dateArb, (date) => {
        assert.equal(fromDayNumber(toDayNumber(date)), date);
        const { year, month, day } = dateParts(date);
        assert.equal(toDayNumber(date), closedFormDayNumber(year, month, day));
      }),
      { numRuns: 2000 },
    );
  });

  it('agree with a day-by-day walk from 1582-10-15 to 2500-12-31', () => {
    let { year, month, day } = { year: 1582, month: 10, day: 15 };
    let dayNumber = toDayNumber(calendarDate('1582-10-15'));
    assert.equal(dayNumber, closedFormDayNumber(1582, 10, 15));
    while (year <= 2500) {
      const date = fromDayNumber(dayNumber);
      const parts = dateParts(date);
      if (parts.year !== year || parts.month !== month || parts.day !== day) {
        assert.fail(`day ${dayNumber} is ${date}, expected ${year}-${month}-${day}`);
      }
      dayNumber += 1;
      day += 1;
      if (day > daysInMonth(year, month)) [day, month] = [1, month + 1];
      if (month > 12) [month, year] = [1, year + 1];
    }
  });

  it('order dates the way their text sorts, and addDays/daysBetween agree', () => {
    fc.assert(
      fc.property(dateArb, dateArb, (a, b) => {
        const textOrder = a < b ? -1 : a > b ? 1 : 0;
        assert.equal(compareCalendarDates(a, b), textOrder);
        assert.equal(daysBetween(a, b), 0 - daysBetween(b, a)); // not -x: -0 is not 0 to assert.equal
        assert.equal(addDays(a, daysBetween(a, b)), b);
      }),
      { numRuns: 1000 },
    );
  });

  it('convert an epoch-millisecond instant to its UTC date by arithmetic', () => {
    assert.equal(calendarDateFromEpochMs(0), '1970-01-01');
    assert.equal(calendarDateFromEpochMs(-1), '1969-12-31');
    assert.equal(calendarDateFromEpochMs(86_399_999), '1970-01-01');
    assert.equal(calendarDateFromEpochMs(86_400_000), '1970-01-02');
    assert.equal(calendarDateFromEpochMs(1_709_164_800_000), '2024-02-29');
    assert.equal(calendarDateFromEpochMs(1_709_251_199_999), '2024-02-29');
    assert.throws(() => calendarDateFromEpochMs(Number.NaN), AssertionError);
  });
});

describe('calendar arithmetic', () => {
  it('adds days in either direction across month, year and leap boundaries', () => {
    assert.equal(addDays(calendarDate('2024-02-28'), 1), '2024-02-29');
    assert.equal(addDays(calendarDate('2023-02-28'), 1), '2023-03-01');
    assert.equal(addDays(calendarDate('2024-12-31'), 1), '2025-01-01');
    assert.equal(addDays(calendarDate('2024-03-01'), -1), '2024-02-29');
    assert.equal(addDays(calendarDate('2024-01-15'), 90), '2024-04-14');
    assert.equal(daysBetween(calendarDate('2024-01-01'), calendarDate('2025-01-01')), 366);
    assert.throws(() => addDays(calendarDate('9999-12-31'), 1), AssertionError);
    fc.assert(
      fc.property(
        dateArb,
        fc.integer({ min: -5000, max: 5000 }),
        fc.integer({ min: -5000, max: 5000 }),
        (date, a, b) => {
          const target = toDayNumber(date) + a + b;
          fc.pre(target >= dayNumberMin && target <= dayNumberMax);
          fc.pre(toDayNumber(date) + a >= dayNumberMin && toDayNumber(date) + a <= dayNumberMax);
          assert.equal(addDays(addDays(date, a), b), addDays(date, a + b));
          assert.equal(daysBetween(date, addDays(date, a)), a);
        },
      ),
    );
  });

  it('adds months, clamping to the last day of a shorter month', () => {
    const cases: readonly (readonly [string, number, string])[] = [
      ['2024-01-31', 1, '2024-02-29'],
      ['2023-01-31', 1, '2023-02-28'],
      ['2024-03-31', -1, '2024-02-29'],
      ['2024-08-31', 1, '2024-09-30'],
      ['2023-12-31', 2, '2024-02-29'],
      ['2024-02-29', 12, '2025-02-28'],
      ['2024-02-29', 48, '2028-02-29'],
      ['2023-02-28', 1, '2023-03-28'],
      ['2024-01-15', -13, '2022-12-15'],
      ['2024-05-31', 0, '2024-05-31'],
      ['1999-11-30', 3, '2000-02-29'],
    ];
    for (const [start, months, expected] of cases) {
      assert.equal(addMonths(calendarDate(start), months), expected, `${start} + ${months} months`);
    }
    assert.throws(() => addMonths(calendarDate('0001-01-31'), -1), AssertionError);
    assert.throws(() => addMonths(calendarDate('9999-12-01'), 1), AssertionError);
  });

  it('keeps the day of the month unless it must clamp, and moves exactly that many months', () => {
    fc.assert(
      fc.property(dateArb, fc.integer({ min: -1200, max: 1200 }), (date, months) => {
        const start = dateParts(date);
        const monthIndex = start.year * 12 + start.month - 1 + months;
        fc.pre(monthIndex >= calendarYearMin * 12 && monthIndex < (calendarYearMax + 1) * 12);
        const end = dateParts(addMonths(date, months));
        assert.equal(end.year * 12 + end.month - 1, monthIndex);
        assert.equal(end.day, Math.min(start.day, daysInMonth(end.year, end.month)));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('calendar facts', () => {
  it('knows leap years, month lengths and month ends', () => {
    const leap = [2000, 2024, 1600, 2400, 4, 1996];
    const common = [1900, 2100, 2023, 2200, 1, 1999];
    for (const year of leap) assert.equal(isLeapYear(year), true, String(year));
    for (const year of common) assert.equal(isLeapYear(year), false, String(year));
    const lengths2023 = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    assert.deepEqual(
      lengths2023.map((_, index) => daysInMonth(2023, index + 1)),
      lengths2023,
    );
    assert.equal(daysInMonth(2024, 2), 29);
    assert.throws(() => daysInMonth(2024, 13), AssertionError);
    assert.equal(isEndOfMonth(calendarDate('2024-02-29')), true);
    assert.equal(isEndOfMonth(calendarDate('2023-02-28')), true);
    assert.equal(isEndOfMonth(calendarDate('2024-02-28')), false);
    assert.equal(isEndOfMonth(calendarDate('2024-04-30')), true);
    assert.equal(isEndOfMonth(calendarDate('2024-05-30')), false);
  });

  it('knows the ISO weekday (Monday 1 .. Sunday 7)', () => {
    const known: readonly (readonly [string, number])[] = [
      ['1970-01-01', 4],
      ['2000-01-01', 6],
      ['2024-02-29', 4],
      ['2024-03-03', 7],
      ['2024-03-04', 1],
      ['0001-01-01', 1],
      ['9999-12-31', 5],
      ['1969-12-28', 7],
    ];
    for (const [text, weekday] of known) assert.equal(dayOfWeek(calendarDate(text)), weekday, text);
    fc.assert(
      fc.property(dateArb, (date: CalendarDate) => {
        fc.pre(date !== '9999-12-31');
        assert.equal(dayOfWeek(addDays(date, 1)), (dayOfWeek(date) % 7) + 1);
        assert.equal(dayOfWeek(addDays(date, 0)), dayOfWeek(date));
      }),
    );
  });
});
