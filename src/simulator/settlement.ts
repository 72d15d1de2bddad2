/**
 * Payouts. Every merchant is paid on its cadence (daily, weekly or fortnightly): the period's gross
 * is exactly the payments captured in it, refunds are the refunds issued in it, chargebacks those
 * that landed in it, fees the platform's take rate on gross (rounded half-even), and adjustments
 * the reserves held (−) or released (+) plus the odd correction. net = gross − fees − refunds −
 * chargebacks + adjustments, in integer minor units, and may be negative when refunds outrun sales.
 * A period with nothing in it pays nothing and sends no event.
 */
import { divideDown, divideHalfEven } from '../domain/money/rounding.ts';
import { daytime } from './calendar.ts';
import type { SimEvent } from './event-queue.ts';
import { type MerchantState, nextId, type PendingAmount, type SimContext } from './model.ts';

const basisPointsPerUnit = 10_000n;

/** Books an event that has just been written into the merchant's open settlement period. */
export function accrueSettlement(merchant: MerchantState, event: SimEvent): void {
  if (event.type === 'payment.captured') merchant.settlement.grossMinor += BigInt(event.data.amount);
  else if (event.type === 'order.refunded') merchant.settlement.refundsMinor += BigInt(event.data.amount);
}

/** At the end of `day`: closes the period if it ends today and schedules its payout. */
export function closeSettlementPeriod(merchant: MerchantState, day: number, context: SimContext): void {
  const { profile, rng } = merchant;
  const settlement = merchant.settlement;
  const periodEndDay = settlement.periodStartDay + profile.settlementCadenceDays - 1;
  if (day !== periodEndDay) return;
  const periodStartDay = settlement.periodStartDay;
  const grossMinor = settlement.grossMinor;
  const refundsMinor = settlement.refundsMinor;
  settlement.periodStartDay = day + 1;
  settlement.grossMinor = 0n;
  settlement.refundsMinor = 0n;

  const chargebacksMinor = takeDue(settlement.chargebacks, periodEndDay);
  const feesMinor = divideHalfEven(grossMinor * profile.takeRateBps, basisPointsPerUnit);
  let adjustmentsMinor = takeDue(settlement.heldReserves, periodEndDay);
  const holdMinor = divideDown(grossMinor * reserveBps(merchant, day, context), basisPointsPerUnit);
  if (holdMinor > 0n) {
    adjustmentsMinor -= holdMinor;
    settlement.heldReserves.push({
      day: periodEndDay + context.config.settlement.reserveReleaseDays,
      amountMinor: holdMinor,
    });
  }
  const { correctionRate, correctionBpsMax } = context.config.settlement;
  if (grossMinor > 0n && rng.chance(correctionRate)) {
    const correction = divideDown(grossMinor * BigInt(rng.int(1, correctionBpsMax)), basisPointsPerUnit);
    adjustmentsMinor += rng.chance(0.5) ? correction : -correction;
  }
  if (grossMinor === 0n && refundsMinor === 0n && chargebacksMinor === 0n && adjustmentsMinor === 0n) return;

  const netMinor = grossMinor - feesMinor - refundsMinor - chargebacksMinor + adjustmentsMinor;
  const { calendar } = context;
  const paidAt = daytime(rng, periodEndDay + context.config.settlement.payoutLagDays, 4, 7);
  context.queue.schedule(paidAt, profile, 'settlement.paid', {
    settlement_id: nextId(merchant, 'stl'),
    period_start: calendar.dateText(periodStartDay),
    period_end: calendar.dateText(periodEndDay),
    gross: grossMinor.toString(),
    fees: feesMinor.toString(),
    refunds: refundsMinor.toString(),
    chargebacks: chargebacksMinor.toString(),
    // Omitted when zero: the catalogue says a missing adjustments field means "0".
    ...(adjustmentsMinor === 0n ? {} : { adjustments: adjustmentsMinor.toString() }),
    net: netMinor.toString(),
    currency: profile.currency,
  });
}

function reserveBps(merchant: MerchantState, day: number, context: SimContext): bigint {
  const { settlement } = context.config;
  let bps = merchant.profile.kybStatus === 'pending' ? settlement.pendingKybReserveBps : 0;
  const riskFrom = merchant.settlement.riskReserveFromDay;
  if (riskFrom !== null && day >= riskFrom) bps = Math.max(bps, settlement.reserveBps);
  return BigInt(bps);
}

/** Sums the amounts due on or before `lastDay` and removes them from `items` (in place). */
function takeDue(items: PendingAmount[], lastDay: number): bigint {
  let totalMinor = 0n;
  let kept = 0;
  for (const item of items) {
    if (item.day <= lastDay) totalMinor += item.amountMinor;
    else items[kept++] = item;
  }
  items.length = kept;
  return totalMinor;
}
