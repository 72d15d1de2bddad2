/**
 * The settlement waterfall: what one payout to a merchant pays to each of its facilities, decided
 * in one deterministic order across every product and financier.
 *
 * Only settled money counts: the payout's net (after the platform's fees, refunds and chargebacks);
 * a payout of zero or less pays nothing. The total taken is capped twice: by what the payout holds,
 * and by the cap on total deductions in a day, a share of everything settled that day (so several
 * payouts in a day share one cap). Within that:
 *
 * 1. **Overdue** amounts of every facility, oldest due date first (then facility id), each
 *    facility's components in the configured order (fees → interest → principal by default);
 * 2. **Due** amounts (due by this payout), in the same order;
 * 3. **Holdback**: a revenue-based advance takes its agreed share of the payout — less what it
 *    already took above — from what it is owed but not yet due.
 *
 * Nothing is ever taken above a component's amount, so never above the outstanding balance. The
 * result is the split instruction the platform executes: each facility's deductions by component,
 * each financier's share, and the merchant's net.
 */
import { minBigint } from '../money/bigint-min.ts';
import { err, ok, type Result } from '../result.ts';

export const components = ['fees', 'interest', 'principal'] as const;
export type Component = (typeof components)[number];
export type Amounts = Readonly<Record<Component, bigint>>;

export const defaultComponentOrder: readonly Component[] = components;

const bps = 10_000n;
const zero: Amounts = { fees: 0n, interest: 0n, principal: 0n };

export interface FacilityOwed {
  readonly facilityId: string;
  readonly financierId: string;
  /** The earliest day an unpaid amount fell due (a day number), or null with nothing due. */
  readonly oldestDueDay: number | null;
  readonly overdue: Amounts;
  /** Falling due by this payout. */
  readonly due: Amounts;
  /** Owed but not yet due: what a holdback collects early. */
  readonly notYetDue: Amounts;
  /** A revenue-based advance's share of each payout, in basis points; null for other products. */
  readonly holdbackRateBps: number | null;
}

export interface WaterfallInput {
  /** The payout's net: settled money after fees, refunds and chargebacks, minor units. */
  readonly settlementNetMinor: bigint;
  /** The cap on total deductions in a day, as a share of the day's settled money. */
  readonly dailyCapBps: number;
  /**
   * Settled money of earlier payouts the same day — their nets together, so negative when refunds
   * outweighed sales: the cap is a share of the day's net — and what they had deducted.
   */
  readonly settledEarlierTodayMinor: bigint;
  readonly deductedEarlierTodayMinor: bigint;
  readonly componentOrder?: readonly Component[];
  readonly facilities: readonly FacilityOwed[];
}

export interface FacilityDeduction {
  readonly facilityId: string;
  readonly financierId: string;
  readonly overdue: Amounts;
  readonly due: Amounts;
  /** Taken by the holdback from what was not yet due. */
  readonly early: Amounts;
  readonly total: bigint;
}

export interface WaterfallResult {
  /** What the payout could give: its net within the day's cap. */
  readonly availableMinor: bigint;
  readonly deductions: readonly FacilityDeduction[];
  readonly byFinancier: readonly { readonly financierId: string; readonly totalMinor: bigint }[];
  readonly totalDeductedMinor: bigint;
  readonly merchantNetMinor: bigint;
}

export type WaterfallProblem = 'waterfall_input_invalid';

function validate(input: WaterfallInput): string | null {
  if (!Number.isInteger(input.dailyCapBps) || input.dailyCapBps < 0 || input.dailyCapBps > 10_000)
    return 'dailyCapBps must be a whole number from 0 to 10000';
  if (input.deductedEarlierTodayMinor < 0n) return 'earlier deducted amounts must not be negative';
  const order = input.componentOrder ?? defaultComponentOrder;
  if (order.length !== components.length || new Set(order).size !== components.length)
    return `componentOrder must name each of ${components.join(', ')} once`;
  const ids = new Set<string>();
  for (const facility of input.facilities) {
    if (ids.has(facility.facilityId)) return `facility ${facility.facilityId} appears twice`;
    ids.add(facility.facilityId);
    for (const part of [facility.overdue, facility.due, facility.notYetDue])
      for (const component of components)
        if (part[component] < 0n) return `facility ${facility.facilityId}: negative ${component}`;
    const rate = facility.holdbackRateBps;
    if (rate !== null && (!Number.isInteger(rate) || rate < 0 || rate > 10_000))
      return `facility ${facility.facilityId}: holdbackRateBps must be a whole number from 0 to 10000`;
  }
  return null;
}

/** Oldest due first; a facility with nothing due after those with; then by id. */
function byPriority(a: FacilityOwed, b: FacilityOwed): number {
  if (a.oldestDueDay !== b.oldestDueDay) {
    if (a.oldestDueDay === null) return 1;
    if (b.oldestDueDay === null) return -1;
    return a.oldestDueDay - b.oldestDueDay;
  }
  return a.facilityId < b.facilityId ? -1 : a.facilityId > b.facilityId ? 1 : 0;
}

export function settlementWaterfall(input: WaterfallInput): Result<WaterfallResult, WaterfallProblem> {
  const problem = validate(input);
  if (problem !== null) return err('waterfall_input_invalid', problem);
  const net = input.settlementNetMinor > 0n ? input.settlementNetMinor : 0n;
  const settledToday = input.settledEarlierTodayMinor + net;
  const capToday =
    ((settledToday > 0n ? settledToday : 0n) * BigInt(input.dailyCapBps)) / bps -
    input.deductedEarlierTodayMinor;
  let remaining = net < capToday ? net : capToday > 0n ? capToday : 0n;
  const availableMinor = remaining;
  const order = input.componentOrder ?? defaultComponentOrder;
  const facilities = [...input.facilities].sort(byPriority);
  const taken = new Map<
    string,
    { overdue: Record<Component, bigint>; due: Record<Component, bigint>; early: Record<Component, bigint> }
  >(facilities.map((f) => [f.facilityId, { overdue: { ...zero }, due: { ...zero }, early: { ...zero } }]));

  const take = (owed: Amounts, into: Record<Component, bigint>, limit: bigint): bigint => {
    let used = 0n;
    for (const component of order) {
      const amount = minBigint(owed[component], limit - used, remaining);
      if (amount <= 0n) continue;
      into[component] += amount;
      used += amount;
      remaining -= amount;
    }
    return used;
  };
  const unlimited = net;

  for (const facility of facilities)
    take(facility.overdue, taken.get(facility.facilityId)!.overdue, unlimited);
  for (const facility of facilities) take(facility.due, taken.get(facility.facilityId)!.due, unlimited);
  for (const facility of facilities) {
    if (facility.holdbackRateBps === null) continue;
    const share = (net * BigInt(facility.holdbackRateBps)) / bps;
    const parts = taken.get(facility.facilityId)!;
    const already = sum(parts.overdue) + sum(parts.due);
    if (share > already) take(facility.notYetDue, parts.early, share - already);
  }

  const deductions: FacilityDeduction[] = facilities.map((facility) => {
    const parts = taken.get(facility.facilityId)!;
    return {
      facilityId: facility.facilityId,
      financierId: facility.financierId,
      overdue: parts.overdue,
      due: parts.due,
      early: parts.early,
      total: sum(parts.overdue) + sum(parts.due) + sum(parts.early),
    };
  });
  return ok(withDeductions(input.settlementNetMinor, availableMinor, deductions));
}

/**
 * A waterfall's result from its deductions: each financier's share and the totals summed from
 * them. Also the result of a waterfall whose deductions were trimmed after it ran (a deduction
 * across currencies keeps only what converts: fx-deductions.ts).
 */
export function withDeductions(
  settlementNetMinor: bigint,
  availableMinor: bigint,
  deductions: readonly FacilityDeduction[],
): WaterfallResult {
  const financiers = new Map<string, bigint>();
  let totalDeductedMinor = 0n;
  for (const d of deductions) {
    financiers.set(d.financierId, (financiers.get(d.financierId) ?? 0n) + d.total);
    totalDeductedMinor += d.total;
  }
  return {
    availableMinor,
    deductions,
    byFinancier: [...financiers]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([financierId, totalMinor]) => ({ financierId, totalMinor })),
    totalDeductedMinor,
    merchantNetMinor: settlementNetMinor - totalDeductedMinor,
  };
}

export function sum(amounts: Amounts): bigint {
  return amounts.fees + amounts.interest + amounts.principal;
}
