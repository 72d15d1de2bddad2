/**
 * What `capstan demo` prints when the year is done: the marketplace, the champion, the lending
 * rounds, the portfolio per currency (total, by product, by grade, by financier) and where the time
 * went. Pure: the run's result in, lines out.
 */
import { fromDayNumber } from '../domain/time/calendar-date.ts';
import type { DemoPlan } from './plan.ts';
import { formatAmount, portfolioLegend, portfolioTable } from './portfolio-tables.ts';
import type { DemoResult, DemoTimings } from './run-demo.ts';

const number = (value: number) => value.toLocaleString('en-US');
const seconds = (ms: number) => (ms / 1_000).toFixed(1);

function counts(map: ReadonlyMap<string, number>): string {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([key, count]) => `${number(count)} ${key}`)
    .join(', ');
}

export function planLine(plan: DemoPlan): string {
  const lendingFirst = plan.firstDay + plan.warmUpDays;
  return (
    `${number(plan.merchants)} merchants (seed ${plan.seed}): ${plan.warmUpDays} days of history from ${plan.start}, ` +
    `then ${plan.lendingDays} days of lending from ${fromDayNumber(lendingFirst)} to ${fromDayNumber(plan.lastDay)}`
  );
}

export function timingsLine(timings: DemoTimings): string {
  // The simulator runs in a thread of its own, beside the engine: only the engine's waits for it
  // are not the engine's time.
  const engine = timings.totalMs - timings.simulatorWaitMs;
  return (
    `time: ${seconds(timings.totalMs)} s in all — simulator ${seconds(timings.simulateMs)} s in its own thread, ` +
    `waited for ${seconds(timings.simulatorWaitMs)} s; engine ` +
    `${seconds(engine)} s: ingesting and sweeping ${seconds(timings.ingestMs)}, training ${seconds(timings.trainMs)}, ` +
    `lending rounds ${seconds(timings.lendingMs)}, end of day ${seconds(timings.endOfDayMs)}, summary ${seconds(timings.summaryMs)}`
  );
}

export function demoReport(plan: DemoPlan, result: DemoResult): string[] {
  const { champion, tally, portfolio } = result;
  const lines = [
    '',
    `Capstan demo: ${planLine(plan)}`,
    '',
    `marketplace   ${number(result.merchants)} merchants sent ${number(result.events)} events; each settlement.paid to a merchant with financing was sent on its day and swept against the merchant's facilities as it arrived`,
    `champion      scorecard v${champion.version}, trained on what was known before lending began: ${number(champion.observations)} observations of ` +
      `${number(champion.merchants)} merchants, ${number(champion.bad)} of them ${champion.widened ? 'followed by distress before lending began (too few within 60 days)' : `followed by distress within ${champion.horizonDays} days`}; ` +
      `AUC ${champion.auc.toFixed(3)} on merchants held out`,
    `lending       ${result.rounds} rounds: everyone on the first day, then every 30 days the merchants who want financing and have none live, or whose advance is 75% repaid (a refill)`,
    `              ${number(tally.decisions)} decisions: ${number(tally.approved)} approved; declined: ${counts(tally.declined) || 'none'}`,
    `              ${number(tally.offers)} offers; ${number([...tally.disbursed.values()].reduce((a, b) => a + b, 0))} accepted and paid out ` +
      `(${counts(tally.disbursed) || 'none'}; ${number(tally.refills)} of the advances refills)` +
      `${tally.refused.size > 0 ? `; refused: ${counts(tally.refused)}` : ''}`,
    `pools         ${result.pools.map((p) => `${p.financierId} ${p.currency} ${formatAmount(p.amountMinor, p.currency)}`).join(', ')}`,
  ];
  if (portfolio.unserviced.size > 0) lines.push(`not serviced  ${counts(portfolio.unserviced)}`);
  lines.push(
    '',
    `Portfolio at the end of ${fromDayNumber(plan.lastDay)}, per currency (amounts in its own units):`,
  );
  for (const currency of portfolio.currencies)
    lines.push('', ...portfolioTable(currency, portfolio.byFinancier.get(currency.currency) ?? new Map()));
  lines.push('', ...portfolioLegend, '', timingsLine(result.timings));
  return lines;
}
