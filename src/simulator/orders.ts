/**
 * Consumer orders. Each day a merchant gets a Poisson number of orders whose mean is its base rate
 * × growth trend × weekday and yearly season × health (× the fraud burst). Placing an order decides
 * its whole life from the merchant's signals of that day and schedules the events: placed →
 * cancelled, or captured → shipped → delivered (on time or late) or lost → refunded / reviewed;
 * chargebacks go to the merchant's next settlement.
 */
import type { OrderItem, RefundReason } from '../domain/events/catalog.ts';
import { divideDown } from '../domain/money/rounding.ts';
import { dayOf, daytime, secondsPerDay, secondsPerHour } from './calendar.ts';
import type { DaySignals } from './health.ts';
import { restock, takeStock } from './inventory.ts';
import { type MerchantState, nextId, type SimContext } from './model.ts';

const daysPerYear = 365;
const seasonalFloor = 0.05;
const basisPointsPerUnit = 10_000n;
const earlyDeliveryDaysMean = 0.8;
const otherReturnShare = 0.15;

interface PlacedOrder {
  readonly id: string;
  readonly at: number;
  readonly day: number;
  readonly amountMinor: bigint;
  readonly amount: string;
  readonly promisedDay: number;
}

export function generateOrders(
  merchant: MerchantState,
  day: number,
  context: SimContext,
  signals: DaySignals,
): void {
  const { profile, rng } = merchant;
  const { calendar } = context;
  const trend = Math.exp((profile.annualGrowth * (day - profile.onboardDay)) / daysPerYear);
  const seasonal = Math.max(
    seasonalFloor,
    1 + profile.archetype.seasonalAmplitude * (calendar.yearly[day]! - 1),
  );
  const rate = profile.baseOrdersPerDay * trend * seasonal * calendar.weekly[day]! * signals.volume;
  const count = rng.poisson(rate);
  if (count === 0) return;
  const seconds: number[] = [];
  for (let order = 0; order < count; order += 1) {
    const hour = rng.weighted(context.tables.hourly);
    seconds.push(hour * secondsPerHour + rng.int(0, secondsPerHour - 1));
  }
  seconds.sort((left, right) => left - right);
  for (const second of seconds) placeOrder(merchant, day * secondsPerDay + second, context, signals);
}

function placeOrder(merchant: MerchantState, at: number, context: SimContext, signals: DaySignals): void {
  const { profile, rng } = merchant;
  const { queue, config } = context;
  const { items, skuIndexes, amountMinor } = drawItems(merchant, context);
  const day = dayOf(at);
  const order: PlacedOrder = {
    id: nextId(merchant, 'ord'),
    at,
    day,
    amountMinor,
    amount: amountMinor.toString(),
    promisedDay: day + profile.promiseDays,
  };
  const currency = profile.currency;
  const buyerId = chooseBuyer(merchant, day, context);
  queue.schedule(at, profile, 'order.placed', {
    order_id: order.id,
    buyer_id: buyerId,
    amount: order.amount,
    currency,
    items,
  });
  const inStock = merchant.inventory === null || takeStock(merchant.inventory, skuIndexes, items);
  if (!inStock || rng.chance(signals.cancelRate)) {
    if (inStock && merchant.inventory !== null) restock(merchant.inventory, skuIndexes, items);
    const reason = inStock ? rng.pick(config.orders.cancelReasons) : 'out_of_stock';
    const cancelAt = at + rng.int(120, 6 * secondsPerHour);
    queue.schedule(cancelAt, profile, 'order.cancelled', {
      order_id: order.id,
      amount: order.amount,
      currency,
      reason,
    });
    return;
  }
  queue.schedule(at + rng.int(5, 300), profile, 'payment.captured', {
    order_id: order.id,
    payment_id: nextId(merchant, 'pay'),
    amount: order.amount,
    currency,
  });
  fulfil(merchant, order, context, signals);
}

function drawItems(merchant: MerchantState, context: SimContext) {
  const { profile, rng } = merchant;
  const lines = rng.weighted(context.tables.lines) + 1;
  const items: OrderItem[] = [];
  const skuIndexes: number[] = [];
  let amountMinor = 0n;
  for (let line = 0; line < lines; line += 1) {
    const skuIndex = rng.weighted(profile.skuWeights);
    const sku = profile.skus[skuIndex]!;
    const quantity = rng.weighted(context.tables.quantity) + 1;
    amountMinor += sku.unitPriceMinor * BigInt(quantity);
    const existing = skuIndexes.indexOf(skuIndex);
    if (existing >= 0) {
      const item = items[existing]!;
      items[existing] = { sku: item.sku, quantity: item.quantity + quantity, unit_price: item.unit_price };
    } else {
      skuIndexes.push(skuIndex);
      items.push({ sku: sku.id, quantity, unit_price: sku.unitPriceText });
    }
  }
  return { items, skuIndexes, amountMinor };
}

function chooseBuyer(merchant: MerchantState, day: number, context: SimContext): string {
  const { profile, rng, fraud } = merchant;
  if (fraud !== null && day >= fraud.burstStartDay && rng.chance(context.config.distress.fraud.ringShare)) {
    return rng.pick(fraud.ringBuyerIds);
  }
  if (rng.chance(profile.regularShare))
    return profile.regularBuyerIds[rng.weighted(profile.regularBuyerWeights)]!;
  return `byr_${context.seed}_${rng.int(0, context.buyerPoolSize - 1)}`;
}

function fulfil(merchant: MerchantState, order: PlacedOrder, context: SimContext, signals: DaySignals): void {
  const { profile, rng } = merchant;
  const { queue, calendar, config } = context;
  if (signals.nonDeliveryRate > 0 && rng.chance(signals.nonDeliveryRate)) {
    neverDeliver(merchant, order, context);
    return;
  }
  const promised = calendar.dateText(order.promisedDay);
  const shipDay = order.day + rng.geometric(signals.handlingDaysMean);
  const shipAt = Math.max(order.at + rng.int(600, secondsPerHour), daytime(rng, shipDay, 8, 20));
  const shipmentId = nextId(merchant, 'shp');
  queue.schedule(shipAt, profile, 'shipment.shipped', {
    shipment_id: shipmentId,
    order_id: order.id,
    promised_delivery_on: promised,
    carrier: rng.pick(config.orders.carriers),
  });
  if (rng.chance(signals.lostRate)) {
    const claimDay = order.promisedDay + rng.int(7, 20);
    claimNotReceived(merchant, order, claimDay, config.orders.lostRefundShare, context);
    maybeReview(merchant, order, claimDay * secondsPerDay, config.reviews.lostPenalty, signals, context);
    return;
  }
  const deliveredDay = rng.chance(signals.onTimeRate)
    ? Math.max(shipDay + 1, order.promisedDay - rng.geometric(earlyDeliveryDaysMean))
    : order.promisedDay + 1 + rng.geometric(signals.lateDaysMean);
  const deliverAt = Math.max(shipAt + secondsPerHour, daytime(rng, deliveredDay, 9, 21));
  queue.schedule(deliverAt, profile, 'shipment.delivered', {
    shipment_id: shipmentId,
    order_id: order.id,
    promised_delivery_on: promised,
    delivered_on: calendar.dateText(dayOf(deliverAt)),
  });
  afterDelivery(merchant, order, deliverAt, dayOf(deliverAt) > order.promisedDay, context, signals);
}

function afterDelivery(
  merchant: MerchantState,
  order: PlacedOrder,
  deliverAt: number,
  late: boolean,
  context: SimContext,
  signals: DaySignals,
): void {
  const { rng, profile } = merchant;
  const { orders, reviews } = context.config;
  let lastAt = deliverAt;
  let penalty = late ? reviews.latePenalty : 0;
  if (rng.chance(signals.refundRate + (late ? orders.lateRefundBoost : 0))) {
    const reason: RefundReason = rng.chance(profile.category.defectiveShare)
      ? 'defective'
      : rng.chance(otherReturnShare)
        ? 'other'
        : 'return';
    const partial = reason !== 'defective' && rng.chance(orders.partialRefundShare);
    const bps = BigInt(rng.int(orders.partialRefundBps[0], orders.partialRefundBps[1]));
    const amountMinor = partial ? divideDown(order.amountMinor * bps, basisPointsPerUnit) : order.amountMinor;
    lastAt = deliverAt + rng.int(orders.returnAfterDays[0], orders.returnAfterDays[1]) * secondsPerDay;
    pushRefund(merchant, order, lastAt, amountMinor > 0n ? amountMinor : 1n, reason, context);
    penalty += reviews.refundPenalty;
  }
  if (rng.chance(orders.chargebackRate)) {
    addChargeback(merchant, dayOf(deliverAt) + rng.int(15, 60), order.amountMinor);
  }
  maybeReview(merchant, order, lastAt, penalty, signals, context);
}

/** Fraud: the parcel never comes (sometimes a fake tracking number first); the buyer claims. */
function neverDeliver(merchant: MerchantState, order: PlacedOrder, context: SimContext): void {
  const { rng, profile } = merchant;
  const { fraud } = context.config.distress;
  if (rng.chance(0.5)) {
    const shipAt = Math.max(order.at + secondsPerHour, daytime(rng, order.day + 1, 8, 20));
    context.queue.schedule(shipAt, profile, 'shipment.shipped', {
      shipment_id: nextId(merchant, 'shp'),
      order_id: order.id,
      promised_delivery_on: context.calendar.dateText(order.promisedDay),
    });
  }
  const claimDay = order.promisedDay + rng.int(5, 25);
  claimNotReceived(merchant, order, claimDay, 1 - fraud.chargebackShare, context);
  const { reviews } = context.config;
  if (rng.chance(Math.min(1, reviews.rate * 2))) {
    pushReview(merchant, order, daytime(rng, order.promisedDay + rng.int(2, 10), 7, 23), 1, context);
  }
}

function claimNotReceived(
  merchant: MerchantState,
  order: PlacedOrder,
  claimDay: number,
  refundShare: number,
  context: SimContext,
): void {
  const { rng } = merchant;
  if (rng.chance(refundShare)) {
    pushRefund(merchant, order, daytime(rng, claimDay, 8, 22), order.amountMinor, 'not_received', context);
  } else {
    addChargeback(merchant, claimDay + rng.int(10, 40), order.amountMinor);
  }
}

function pushRefund(
  merchant: MerchantState,
  order: PlacedOrder,
  at: number,
  amountMinor: bigint,
  reason: RefundReason,
  context: SimContext,
): void {
  const { profile } = merchant;
  context.queue.schedule(at, profile, 'order.refunded', {
    order_id: order.id,
    refund_id: nextId(merchant, 'rfd'),
    amount: amountMinor.toString(),
    currency: profile.currency,
    reason,
  });
}

function maybeReview(
  merchant: MerchantState,
  order: PlacedOrder,
  afterAt: number,
  penalty: number,
  signals: DaySignals,
  context: SimContext,
): void {
  const { rng, profile } = merchant;
  const { reviews } = context.config;
  if (!rng.chance(reviews.rate)) return;
  const mean = profile.baseRating + signals.ratingShift - penalty + reviews.noise * rng.normal();
  const rating = Math.max(1, Math.min(5, Math.round(mean)));
  const at = afterAt + rng.int(reviews.afterDays[0], reviews.afterDays[1]) * secondsPerDay;
  pushReview(merchant, order, at, rating, context);
}

function pushReview(
  merchant: MerchantState,
  order: PlacedOrder,
  at: number,
  rating: number,
  context: SimContext,
) {
  const { profile } = merchant;
  context.queue.schedule(at, profile, 'review.posted', {
    review_id: nextId(merchant, 'rev'),
    order_id: order.id,
    rating,
  });
}

function addChargeback(merchant: MerchantState, day: number, amountMinor: bigint): void {
  merchant.settlement.chargebacks.push({ day, amountMinor });
}
