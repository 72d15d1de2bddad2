/**
 * Proves unit-period.ts counts time as Regulation Z Appendix J does: the full unit-periods and
 * fractions (b)(5) gives for the dates of the Appendix J (c) examples (f = 19/30, 6/15, 39/90, 4/7,
 * 5/28, 8/14, 52/60, 6/12), months counted back with the month-end rules of (b)(3)(iv), and the
 * unit-period (b)(4) picks: the most frequent common period, the smaller of equally frequent ones,
 * the average rounded to a standard interval when nothing repeats, the term for a single payment,
 * and a name for schedules whose calendar blurs the line (fortnights across February, the 1st and
 * 15th).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addDays, addMonths, type CalendarDate, calendarDate } from '../time/calendar-date.ts';
import {
  allMonthEnds,
  determineUnitPeriod,
  fullMonthsBack,
  monthAnchorDay,
  seriesDayOfMonth,
  type UnitPeriodName,
  unitPeriodTime,
} from './unit-period.ts';

const d = calendarDate;

function time(start: string, later: string, unit: UnitPeriodName, listDates: readonly string[] = [later]) {
  const seriesDay = seriesDayOfMonth(listDates.map(d));
  const monthEnds = allMonthEnds(listDates.map(d));
  const t = unitPeriodTime(
    d(start),
    d(later),
    unit,
    monthAnchorDay(d(start), d(later), seriesDay, monthEnds),
  );
  return `${t.fullPeriods} + ${t.fractionNumerator}/${t.fractionDenominator}`;
}

describe('Appendix J (b)(5): full unit-periods and the fraction, for the dates of the (c) examples', () => {
  it('(b)(5)(ii) month: (c)(1)(ii) 1978-02-10 to 1978-04-01 is 1 month and 19 days (f = 19/30)', () => {
    assert.equal(time('1978-02-10', '1978-04-01', 'monthly'), '1 + 19/30');
    assert.equal(time('1978-01-10', '1978-02-10', 'monthly'), '1 + 0/30');
  });

  it('(b)(5)(iii) semimonth: (c)(1)(iii) 1978-02-23 to 1978-03-01 is 6/15, to 1978-03-16 is 1 + 6/15', () => {
    assert.equal(time('1978-02-23', '1978-03-01', 'semimonthly'), '0 + 6/15');
    assert.equal(time('1978-02-23', '1978-03-16', 'semimonthly'), '1 + 6/15');
    assert.equal(time('1978-02-23', '1978-05-16', 'semimonthly'), '5 + 6/15');
  });

  it('(b)(5)(iii) multiple of a month: (c)(1)(iv) quarterly, 1978-05-23 to 1978-10-01 is 1 + 39/90', () => {
    assert.equal(time('1978-05-23', '1978-10-01', 'quarterly'), '1 + 39/90');
    assert.equal(time('1978-05-23', '1979-01-01', 'quarterly'), '2 + 39/90');
  });

  it('(b)(5)(iii) counts a full month as 30 days: (c)(4)(ii) 1978-01-10 to 1978-03-01 is 52/60, not the actual 50', () => {
    assert.equal(time('1978-01-10', '1978-03-01', 'bimonthly'), '0 + 52/60');
    assert.equal(time('1978-01-10', '1981-05-01', 'bimonthly'), '19 + 52/60');
  });

  it('(b)(5)(iv) weeks: (c)(1)(v) 4 + 4/7, (c)(2)(ii) 1 + 5/28, (c)(3)(ii) 0 + 8/14; days: whole days', () => {
    assert.equal(time('1978-03-20', '1978-04-21', 'weekly'), '4 + 4/7');
    assert.equal(time('1978-03-18', '1978-04-20', '4-weekly'), '1 + 5/28');
    assert.equal(time('1978-04-03', '1978-04-11', 'biweekly'), '0 + 8/14');
    assert.equal(time('1978-01-03', '1978-09-15', 'daily'), '255 + 0/1');
  });

  it('(b)(5)(v) year: whole remaining months / 12, otherwise remaining days / 365', () => {
    assert.equal(time('1978-01-03', '1979-07-03', 'yearly'), '1 + 6/12');
    assert.equal(time('1978-01-03', '1980-01-03', 'yearly'), '2 + 0/12');
    assert.equal(time('1978-01-03', '1979-07-13', 'yearly'), '1 + 191/365');
  });
});

describe('Appendix J (b)(3)(iv): months counted back from the later date', () => {
  it('runs month end to month end in a series on the last day of each month', () => {
    const series = ['2024-01-31', '2024-02-29', '2024-03-31', '2024-04-30'];
    assert.equal(time('2024-01-31', '2024-04-30', 'monthly', series), '3 + 0/30');
    assert.equal(time('2024-01-31', '2024-02-29', 'monthly', series), '1 + 0/30');
  });

  it('uses the last day of February for a series on the 30th, and the 30th after it', () => {
    const series = ['2023-12-30', '2024-01-30', '2024-02-29', '2024-03-30', '2024-04-30'];
    assert.equal(time('2023-12-30', '2024-02-29', 'monthly', series), '2 + 0/30');
    // 30 April in a series on the 30th counts back to 30 March, not to 31 March.
    assert.equal(time('2023-12-30', '2024-04-30', 'monthly', series), '4 + 0/30');
  });

  it('keeps a series on the 30th (or the 28th) on its day from an advance on a month end: every payment has the same fraction', () => {
    // From 31 January 2023, payments on the 30th: 28 February counts back to 30 January (the last
    // day of February stands for the 30th), so 0 months and the 28 days from 31 January; 30 March
    // back to 30 January is 1 month and the same 28 days; 30 April (a month end, but the series'
    // 30th) back to 30 March, 28 February, 30 January is 2 months and 28 days. It answered 1 + 0,
    // 1 + 28/30, 3 + 0: 30 April read as a month end, last day to last day, a month too far.
    const thirtieth = ['2023-02-28', '2023-03-30', '2023-04-30', '2023-05-30', '2023-06-30'];
    assert.equal(time('2023-01-31', '2023-02-28', 'monthly', thirtieth), '0 + 28/30');
    assert.equal(time('2023-01-31', '2023-03-30', 'monthly', thirtieth), '1 + 28/30');
    assert.equal(time('2023-01-31', '2023-04-30', 'monthly', thirtieth), '2 + 28/30');
    assert.equal(time('2023-01-31', '2023-06-30', 'monthly', thirtieth), '4 + 28/30');
    const twentyEighth = ['2023-02-28', '2023-03-28', '2023-04-28'];
    assert.equal(time('2023-01-31', '2023-02-28', 'monthly', twentyEighth), '0 + 28/30');
    assert.equal(time('2023-01-31', '2023-03-28', 'monthly', twentyEighth), '1 + 28/30');
  });

  it('reads a month end as the day its series is on, not the largest day one other date uses', () => {
    // A series on the 28th with a last payment on 31 May: 28 February is the 28th, one month after
    // 28 January, not the 31st (1 month and 3 days).
    const twentyEighth = ['2025-02-28', '2025-03-28', '2025-04-28', '2025-05-31'];
    assert.equal(time('2025-01-28', '2025-02-28', 'monthly', twentyEighth), '1 + 0/30');
    assert.equal(time('2025-01-28', '2025-05-31', 'monthly', twentyEighth), '4 + 3/30');
    // A series on the 30th with a last payment on 31 July: 30 April is the 30th, 3 months after
    // 30 January; 28 February stands for the 30th.
    const thirtieth = ['2025-02-28', '2025-03-30', '2025-04-30', '2025-05-30', '2025-06-30', '2025-07-31'];
    assert.equal(time('2025-01-30', '2025-02-28', 'monthly', thirtieth), '1 + 0/30');
    assert.equal(time('2025-01-30', '2025-04-30', 'monthly', thirtieth), '3 + 0/30');
    assert.equal(time('2025-01-30', '2025-07-31', 'monthly', thirtieth), '6 + 1/30');
    // The 15th and the last day of each month: the month ends are a series of their own.
    const fifteenthAndLast = [
      '2025-02-15',
      '2025-02-28',
      '2025-03-15',
      '2025-03-31',
      '2025-04-15',
      '2025-04-30',
    ];
    assert.equal(time('2025-01-16', '2025-04-30', 'semimonthly', fifteenthAndLast), '7 + 0/15');
  });

  it('runs from one month end to another last day to last day, whatever the list', () => {
    assert.equal(time('1995-08-31', '1995-11-30', 'quarterly', ['1995-11-30', '1996-02-29']), '1 + 0/90');
    assert.equal(time('1995-08-31', '1996-02-29', 'quarterly', ['1995-11-30', '1996-02-29']), '2 + 0/90');
  });

  it('counts whole months back and the days left', () => {
    // 14 March back one month is 14 February, and 15 January to 14 February is 30 days: under
    // (b)(5)(ii) that is a fraction of 30/30, not a second full month.
    assert.deepEqual(fullMonthsBack(d('2024-01-15'), d('2024-03-14'), 14), { months: 1, remainingDays: 30 });
    assert.deepEqual(fullMonthsBack(d('2024-01-15'), d('2024-01-15'), 15), { months: 0, remainingDays: 0 });
  });
});

function unitPeriodOf(
  start: string,
  payments: readonly CalendarDate[],
  advances: readonly string[] = [start],
) {
  const result = determineUnitPeriod(d(start), advances.map(d), payments);
  assert.ok(result.ok, result.ok ? '' : result.detail);
  return result.value;
}

const named = (name: UnitPeriodName) => ({ kind: 'named', name });

describe('Appendix J (b)(4): the unit-period when the caller names none', () => {
  it('(b)(4)(i) takes the common period that occurs most often', () => {
    const payments = [...Array.from({ length: 5 }, (_, k) => addMonths(d('2024-02-10'), k)), d('2024-10-10')];
    assert.deepEqual(unitPeriodOf('2024-01-10', payments), named('monthly'));
  });

  it('(b)(4)(i)(A) takes the smaller of two common periods that occur equally often', () => {
    // Start → 1 Feb → 1 Mar: two months; 1 Mar → 1 Jun → 1 Sep: two quarters.
    const payments = ['2024-02-01', '2024-03-01', '2024-06-01', '2024-09-01'].map(d);
    assert.deepEqual(unitPeriodOf('2024-01-01', payments), named('monthly'));
  });

  it('(b)(4)(i)(B) rounds the average of all periods to the nearest standard interval when none repeats', () => {
    // Periods of 25 and 35 days average 30: nearer a month (30.4 days) than 4 weeks (28).
    const payments = [addDays(d('2024-01-01'), 25), addDays(d('2024-01-01'), 60)];
    assert.deepEqual(unitPeriodOf('2024-01-01', payments), named('monthly'));
    // Periods of 3 and 9 days average 6: nearer a week than a day.
    assert.deepEqual(unitPeriodOf('2024-01-01', [d('2024-01-04'), d('2024-01-13')]), named('weekly'));
  });

  it('(b)(4)(i) counts the periods between advances too', () => {
    // Four monthly draws and two payments a quarter apart: months occur most often.
    const advances = ['2024-01-01', '2024-02-01', '2024-03-01', '2024-04-01'];
    assert.deepEqual(
      unitPeriodOf('2024-01-01', [d('2024-07-01'), d('2024-10-01')], advances),
      named('monthly'),
    );
  });

  it('(b)(4)(ii) makes the term the unit-period of a single advance and single payment, up to a year', () => {
    assert.deepEqual(unitPeriodOf('1978-01-03', [d('1978-09-15')]), {
      kind: 'term',
      unitPeriodsPerYearNumerator: 365,
      unitPeriodsPerYearDenominator: 255,
    });
    assert.deepEqual(unitPeriodOf('2024-01-10', [d('2024-06-10')]), {
      kind: 'term',
      unitPeriodsPerYearNumerator: 12,
      unitPeriodsPerYearDenominator: 5,
    });
    assert.deepEqual(unitPeriodOf('2024-01-10', [d('2024-04-10')]), named('quarterly'));
    assert.deepEqual(unitPeriodOf('2024-01-10', [d('2025-01-10')]), named('yearly'));
    assert.deepEqual(unitPeriodOf('2024-01-10', [d('2025-07-10')]), named('yearly'));
  });

  it('keeps a fortnightly series fortnightly across February, and one on the 1st and 15th semimonthly', () => {
    const fortnights = Array.from({ length: 6 }, (_, k) => addDays(d('1970-01-17'), 14 * k));
    assert.deepEqual(unitPeriodOf('1970-01-03', fortnights), named('biweekly'));
    const firstAndFifteenth = Array.from({ length: 12 }, (_, k) =>
      addMonths(d(k % 2 === 0 ? '2023-01-15' : '2023-02-01'), Math.floor(k / 2)),
    );
    assert.deepEqual(unitPeriodOf('2023-01-01', firstAndFifteenth), named('semimonthly'));
    const fifteenthAndLast = Array.from({ length: 12 }, (_, k) =>
      k % 2 === 0 ? addMonths(d('2023-01-15'), k / 2) : addMonths(d('2023-01-31'), (k - 1) / 2),
    );
    assert.deepEqual(unitPeriodOf('2023-01-01', fifteenthAndLast), named('semimonthly'));
  });

  it('reads quarterly payments on month ends from an advance on the 31st as quarterly', () => {
    assert.deepEqual(unitPeriodOf('1995-08-31', [d('1995-11-30'), d('1996-02-29')]), named('quarterly'));
  });

  it('keeps a 4-weekly series 4-weekly when one period is exactly February', () => {
    const payments = Array.from({ length: 6 }, (_, k) => addDays(d('2023-01-04'), 28 * k));
    assert.deepEqual(unitPeriodOf('2022-12-07', payments), named('4-weekly'));
  });

  it('answers unit_period_unsupported, naming the period, for one Capstan has no name for', () => {
    const payments = Array.from({ length: 4 }, (_, k) => addMonths(d('2024-06-01'), 5 * k));
    const result = determineUnitPeriod(d('2024-01-01'), [d('2024-01-01')], payments);
    assert.equal(result.ok ? 'ok' : result.code, 'unit_period_unsupported');
    assert.match(result.ok ? '' : (result.detail ?? ''), /5 months/);
  });
});
