/**
 * Proves every event the simulator writes is a canonical event: it validates against its JSON
 * Schema in src/ingest/event-schemas.ts (compiled with ajv, no extra fields) and passes the
 * importer's semantic checks (src/domain/events/check-event.ts), every type of the
 * catalogue occurs, amounts are in the merchant's home currency, and the money adds up — each
 * settlement's net is gross − fees − refunds − chargebacks + adjustments, its gross is exactly the
 * payments captured in its period and its refunds exactly the refunds issued in it; invoices fall
 * due on or after issue and settlement periods do not run backwards.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import { type CanonicalEvent, type EventType, eventTypes } from '../domain/events/catalog.ts';
import { checkEvent, isRecordProblem } from '../domain/events/check-event.ts';
import { addDays, calendarDate } from '../domain/time/calendar-date.ts';
import { envelopeSchema } from '../ingest/event-schemas.ts';
import { simulateRun } from './simulation.test-helper.ts';

// ajv and ajv-formats are CommonJS with a default export; under NodeNext it sits on `.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validators = new Map(eventTypes.map((type) => [type, ajv.compile(envelopeSchema(type))] as const));

interface Envelope {
  readonly id: string;
  readonly type: EventType;
  readonly time: string;
  readonly subject: string;
  readonly data: Record<string, unknown>;
}

describe('simulated events are canonical', () => {
  const run = simulateRun(150, 240, '5');
  const envelopes: Envelope[] = run.ndjson
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));

  it('validates every event against its schema', () => {
    let invalid = 0;
    for (const envelope of envelopes) {
      const validate = validators.get(envelope.type);
      assert.ok(validate !== undefined, `unknown type ${envelope.type}`);
      if (!validate(envelope)) {
        invalid += 1;
        if (invalid <= 3) assert.fail(`${envelope.id} ${envelope.type}: ${ajv.errorsText(validate.errors)}`);
      }
    }
    assert.equal(invalid, 0);
  });

  it("passes the importer's semantic checks", () => {
    for (const envelope of envelopes) {
      assert.ok(!isRecordProblem(checkEvent(envelope as unknown as CanonicalEvent)), envelope.id);
    }
  });

  it('prices each order as the sum of its lines', () => {
    for (const envelope of envelopes) {
      if (envelope.type !== 'order.placed') continue;
      const items = envelope.data['items'] as { quantity: number; unit_price: string }[];
      const total = items.reduce((sum, item) => sum + BigInt(item.quantity) * BigInt(item.unit_price), 0n);
      assert.equal(String(total), envelope.data['amount'], envelope.id);
    }
  });

  it('emits every type of the catalogue', () => {
    const seen = new Set(envelopes.map((envelope) => envelope.type));
    assert.deepEqual(
      eventTypes.filter((type) => !seen.has(type)),
      [],
    );
  });

  it("keeps amounts in the merchant's home currency", () => {
    const home = new Map(run.truth.merchants.map((merchant) => [merchant.merchant_id, merchant.currency]));
    for (const envelope of envelopes) {
      const currency = envelope.data['currency'];
      if (currency !== undefined) assert.equal(currency, home.get(envelope.subject), envelope.id);
    }
  });

  it('adds every settlement up, with gross = captured and refunds = refunded in its period', () => {
    const captured = new Map<string, bigint>();
    const refunded = new Map<string, bigint>();
    const add = (book: Map<string, bigint>, key: string, amount: unknown) =>
      book.set(key, (book.get(key) ?? 0n) + BigInt(amount as string));
    for (const envelope of envelopes) {
      const day = envelope.time.slice(0, 10);
      if (envelope.type === 'payment.captured')
        add(captured, `${envelope.subject}|${day}`, envelope.data['amount']);
      if (envelope.type === 'order.refunded')
        add(refunded, `${envelope.subject}|${day}`, envelope.data['amount']);
    }
    const periodTotal = (book: Map<string, bigint>, subject: string, start: string, end: string) => {
      let total = 0n;
      for (let day = calendarDate(start); day <= end; day = addDays(day, 1)) {
        total += book.get(`${subject}|${day}`) ?? 0n;
      }
      return total;
    };
    let settlements = 0;
    let negativeNet = 0;
    for (const envelope of envelopes) {
      if (envelope.type !== 'settlement.paid') continue;
      settlements += 1;
      const data = envelope.data as Record<string, string>;
      const [gross, fees, refunds, chargebacks, net] = ['gross', 'fees', 'refunds', 'chargebacks', 'net'].map(
        (field) => BigInt(data[field]!),
      ) as [bigint, bigint, bigint, bigint, bigint];
      const adjustments = BigInt(data['adjustments'] ?? '0');
      assert.equal(net, gross - fees - refunds - chargebacks + adjustments, envelope.id);
      assert.ok(data['period_start']! <= data['period_end']!, envelope.id);
      assert.ok(envelope.time.slice(0, 10) > data['period_end']!, 'paid after its period ends');
      assert.equal(
        gross,
        periodTotal(captured, envelope.subject, data['period_start']!, data['period_end']!),
      );
      assert.equal(
        refunds,
        periodTotal(refunded, envelope.subject, data['period_start']!, data['period_end']!),
      );
      if (net < 0n) negativeNet += 1;
    }
    assert.ok(settlements > 1_000, `${settlements} settlements`);
    assert.ok(negativeNet < settlements / 4, `${negativeNet} negative payouts`);
  });

  it('issues invoices due on or after issue, and pays only approved invoices', () => {
    const approved = new Set<string>();
    for (const envelope of envelopes) {
      const data = envelope.data as Record<string, string>;
      if (envelope.type === 'invoice.issued') assert.ok(data['due_on']! >= data['issued_on']!, envelope.id);
      if (envelope.type === 'invoice.approved') approved.add(data['invoice_id']!);
      if (envelope.type === 'invoice.paid') assert.ok(approved.has(data['invoice_id']!), envelope.id);
    }
  });

  it('delivers after shipping, dated the day it arrives', () => {
    const shippedAt = new Map<string, string>();
    for (const envelope of envelopes) {
      const data = envelope.data as Record<string, string>;
      if (envelope.type === 'shipment.shipped') shippedAt.set(data['shipment_id']!, envelope.time);
      if (envelope.type !== 'shipment.delivered') continue;
      assert.ok(envelope.time > shippedAt.get(data['shipment_id']!)!, envelope.id);
      assert.equal(data['delivered_on'], envelope.time.slice(0, 10));
    }
  });
});
