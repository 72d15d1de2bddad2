/**
 * B2B supply: some merchants also sell wholesale to a few anchor buyers. An anchor issues purchase
 * orders; the merchant confirms them (or the buyer cancels), delivers by the date, and invoices on
 * delivery with the relationship's payment terms; the buyer approves the invoice and pays it at
 * maturity, sometimes late. A distressed supplier fails to deliver some orders, and once distress
 * hits a share of its open invoices is never paid. A fraudster in its burst double-invoices.
 */
import { daytime } from './calendar.ts';
import type { SimulatorConfig } from './config.ts';
import type { DaySignals } from './health.ts';
import {
  type B2bState,
  isTrading,
  type MerchantProfile,
  type MerchantState,
  nextId,
  type PurchaseOrderState,
  type SimContext,
} from './model.ts';
import type { Prng } from './prng.ts';

const minorPerMajor = 100;
const volumeFloor = 0.1;
const supplierFailureShare = 0.5;

export function initialB2b(profile: MerchantProfile, rng: Prng, config: SimulatorConfig): B2bState {
  return {
    open: [],
    nextPurchaseOrderDay: profile.onboardDay + 1 + rng.geometric(config.b2b.purchaseOrderEveryDays),
    invoiceSerial: 0,
  };
}

export function stepB2b(
  merchant: MerchantState,
  day: number,
  context: SimContext,
  signals: DaySignals,
): void {
  const b2b = merchant.b2b;
  if (b2b === null) return;
  if (isTrading(merchant, day) && day >= b2b.nextPurchaseOrderDay) {
    issuePurchaseOrder(merchant, b2b, day, context);
    const every = context.config.b2b.purchaseOrderEveryDays / Math.max(volumeFloor, signals.volume);
    b2b.nextPurchaseOrderDay = day + 1 + merchant.rng.geometric(every);
  }
  if (b2b.open.length === 0) return;
  const stillOpen: PurchaseOrderState[] = [];
  for (const purchaseOrder of b2b.open) {
    if (purchaseOrder.nextDay !== day || advance(merchant, purchaseOrder, day, context)) {
      stillOpen.push(purchaseOrder);
    }
  }
  b2b.open = stillOpen;
}

function issuePurchaseOrder(merchant: MerchantState, b2b: B2bState, day: number, context: SimContext): void {
  const { profile, rng } = merchant;
  const config = context.config.b2b;
  const median = config.purchaseOrderValueOrders * profile.averageOrderValueMinor;
  const wholeUnits = Math.max(
    1,
    Math.round(rng.lognormal(median, config.purchaseOrderValueSigma) / minorPerMajor),
  );
  const purchaseOrder: PurchaseOrderState = {
    poId: nextId(merchant, 'po'),
    buyerId: rng.pick(profile.anchorBuyerIds),
    amountMinor: BigInt(wholeUnits) * BigInt(minorPerMajor),
    deliverByDay: day + rng.int(config.deliverByDays[0], config.deliverByDays[1]),
    termsDays: rng.pick(config.paymentTermsDays),
    stage: 'issued',
    nextDay: day + rng.int(1, 3),
    invoiceId: null,
    dueDay: null,
  };
  b2b.open.push(purchaseOrder);
  context.queue.schedule(daytime(rng, day, 9, 17), profile, 'purchase_order.issued', {
    po_id: purchaseOrder.poId,
    buyer_id: purchaseOrder.buyerId,
    amount: purchaseOrder.amountMinor.toString(),
    currency: profile.currency,
    deliver_by: context.calendar.dateText(purchaseOrder.deliverByDay),
  });
}

/** One step of a purchase order's life; false when it is finished (paid, cancelled or abandoned). */
function advance(
  merchant: MerchantState,
  purchaseOrder: PurchaseOrderState,
  day: number,
  context: SimContext,
) {
  const { profile, rng } = merchant;
  const config = context.config.b2b;
  const at = daytime(rng, day, 9, 18);
  const poId = purchaseOrder.poId;
  switch (purchaseOrder.stage) {
    case 'issued':
      if (!rng.chance(config.confirmRate))
        return cancel(merchant, purchaseOrder, day, 'buyer_cancelled', context);
      context.queue.schedule(at, profile, 'purchase_order.confirmed', {
        po_id: poId,
        buyer_id: purchaseOrder.buyerId,
      });
      purchaseOrder.stage = 'confirmed';
      purchaseOrder.nextDay = Math.max(day + 1, purchaseOrder.deliverByDay - rng.int(0, 5));
      return true;
    case 'confirmed': {
      const failing = !isTrading(merchant, day) || merchant.health <= context.config.distress.threshold;
      if (failing && rng.chance(supplierFailureShare)) {
        return cancel(merchant, purchaseOrder, day, 'supplier_failed_to_deliver', context);
      }
      if (failing) {
        purchaseOrder.nextDay = day + rng.int(3, 14);
        return true;
      }
      if (rng.chance(config.cancelAfterConfirmRate))
        return cancel(merchant, purchaseOrder, day, 'buyer_cancelled', context);
      issueInvoice(merchant, purchaseOrder, day, context);
      return true;
    }
    case 'invoiced':
      if (!rng.chance(config.approveRate)) return false;
      context.queue.schedule(at, profile, 'invoice.approved', {
        invoice_id: purchaseOrder.invoiceId!,
        buyer_id: purchaseOrder.buyerId,
      });
      purchaseOrder.stage = 'approved';
      purchaseOrder.nextDay =
        purchaseOrder.dueDay! +
        (rng.chance(config.latePaymentRate)
          ? rng.int(config.latePaymentDays[0], config.latePaymentDays[1])
          : 0);
      return true;
    case 'approved':
      if (merchant.distressedDay !== null && rng.chance(config.unpaidAfterDistressRate)) return false;
      context.queue.schedule(at, profile, 'invoice.paid', {
        invoice_id: purchaseOrder.invoiceId!,
        amount: purchaseOrder.amountMinor.toString(),
        currency: profile.currency,
        paid_on: context.calendar.dateText(day),
      });
      return false;
  }
}

function cancel(
  merchant: MerchantState,
  purchaseOrder: PurchaseOrderState,
  day: number,
  reason: string,
  context: SimContext,
): false {
  const at = daytime(merchant.rng, day, 9, 18);
  context.queue.schedule(at, merchant.profile, 'purchase_order.cancelled', {
    po_id: purchaseOrder.poId,
    reason,
  });
  return false;
}

function issueInvoice(
  merchant: MerchantState,
  purchaseOrder: PurchaseOrderState,
  day: number,
  context: SimContext,
) {
  const { profile, rng } = merchant;
  const b2b = merchant.b2b!;
  const { calendar } = context;
  b2b.invoiceSerial += 1;
  const issuedOn = calendar.dateText(day);
  const invoiceNumber = `INV-${issuedOn.slice(0, 4)}-${String(b2b.invoiceSerial).padStart(5, '0')}`;
  purchaseOrder.invoiceId = nextId(merchant, 'inv');
  purchaseOrder.dueDay = day + purchaseOrder.termsDays;
  purchaseOrder.stage = 'invoiced';
  purchaseOrder.nextDay =
    day + rng.int(context.config.b2b.approveAfterDays[0], context.config.b2b.approveAfterDays[1]);
  const at = daytime(rng, day, 9, 17);
  const data = {
    invoice_id: purchaseOrder.invoiceId,
    invoice_number: invoiceNumber,
    buyer_id: purchaseOrder.buyerId,
    amount: purchaseOrder.amountMinor.toString(),
    currency: profile.currency,
    issued_on: issuedOn,
    due_on: calendar.dateText(purchaseOrder.dueDay),
    po_id: purchaseOrder.poId,
  };
  context.queue.schedule(at, profile, 'invoice.issued', data);
  const fraud = merchant.fraud;
  if (
    fraud !== null &&
    day < fraud.bustDay &&
    rng.chance(context.config.distress.fraud.duplicateInvoiceShare)
  ) {
    // The same invoice (number, amount, parties) presented again under a new id: never approved.
    context.queue.schedule(at + 3_600, profile, 'invoice.issued', {
      ...data,
      invoice_id: nextId(merchant, 'inv'),
    });
  }
}
