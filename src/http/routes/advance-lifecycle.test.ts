/**
 * A revenue-based advance's life over HTTP, on a real server on 127.0.0.1 over a real book
 * (SQLite, and PostgreSQL when configured), each story on a book of its own, every balance checked
 * by hand: a payout the platform made between the advance's acceptance and its payout (dated before
 * the money reached the merchant, swept once the payout is confirmed) repays nothing — the preview
 * before the confirmation and the commit after it agree, and the merchant's statement never shows a
 * deduction before the money it repays; the platform's settlement.paid event of that day, streamed
 * in later, records no sweep. An advance left unpaid past its minimum makes the merchant delinquent:
 * a new decision declines it facility_in_arrears, and its stored inputs name the facility, as the
 * OpenAPI document describes them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { settlementPaid } from '../../../test/support/events.ts';
import { type LendingBook, lendingAsOfDay, openLendingBook } from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { OpenapiConformance } from '../../../test/support/openapi-conformance.ts';
import { bootstrapOperatorKey } from '../../app/access/api-keys.ts';
import { runEndOfDay } from '../../app/financing/eod.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';
import { buildServer, type CapstanServer } from '../server.ts';

const dayNs = 86_400_000_000_000n;
const operatorKey = 'cap_op_advance-lifecycle-key-0123456789abcdef';
const date = (d: number) => String(fromDayNumber(d));

/** A book whose merchant is offered advances, behind a real server; the clock at noon of `day`. */
async function openServedBook(backend: (typeof backendsUnderTest)[number]) {
  const book: LendingBook = await openLendingBook(backend, {
    topBand: { grade: 'E', maxPd: 0.4 },
    poolMinor: 1_000_000_000n,
  });
  const { harness, app } = book;
  const bootstrap = await harness.store.write((tx) => bootstrapOperatorKey(tx, app, operatorKey));
  assert.ok(bootstrap.ok);
  const server: CapstanServer = await buildServer({ app, version: 'test', logger: false });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  assert.ok(address !== null && typeof address !== 'string');
  const url = `http://127.0.0.1:${address.port}`;
  let conformance: OpenapiConformance | undefined;
  const request = async (method: string, path: string, body?: unknown, key = operatorKey) => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(url + path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    // Every answer as the OpenAPI document describes it.
    conformance ??= new OpenapiConformance(server.swagger() as unknown as Record<string, unknown>);
    const differs = conformance.checkResponse(method, path, response, text);
    assert.equal(differs, null, differs ?? '');
    // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
    return { status: response.status, text, json: JSON.parse(text) as any };
  };
  const close = async () => {
    await server.close();
    await harness.dispose();
  };
  const issued = await request('POST', '/v1/api_keys', { role: 'merchant', object_id: book.merchantId });
  if (issued.status !== 200) await close();
  assert.equal(issued.status, 200, issued.text);
  return {
    book,
    request,
    merchantKey: issued.json.secret as string,
    /** Noon of `day` (UTC). */
    setDay: (day: number) => (app.clock as ManualClock).set(BigInt(day) * dayNs + dayNs / 2n),
    close,
  };
}

for (const backend of backendsUnderTest) {
  describe(`an advance's life over HTTP on ${backend.name}`, { skip: backend.skip }, () => {
    describe('a payout made before the advance was paid out', () => {
      let served: Awaited<ReturnType<typeof openServedBook>>;
      before(async () => {
        served = await openServedBook(backend);
      });
      after(async () => served?.close());

      it('repays nothing, previewed before the payout is confirmed or committed after it', async () => {
        const { book, request, merchantKey, setDay } = served;
        const accepted = lendingAsOfDay + 1;
        setDay(accepted);
        const offers = await request('POST', `/v1/decisions/${book.decisionId}/offers`);
        assert.equal(offers.status, 200, offers.text);
        const offer = offers.json.data.filter((o: { product: string }) => o.product === 'advance').at(-1);
        const acceptance = await request('POST', `/v1/offers/${offer.id}/accept`, undefined, merchantKey);
        assert.equal(acceptance.status, 200, acceptance.text);
        const facilityId: string = acceptance.json.facility.id;
        const amount = BigInt(offer.amount);
        const fee = BigInt(offer.total_cost);

        // The day after the acceptance the merchant is paid for its sales; the advance is not yet
        // paid out, so the platform withholds nothing.
        const payout = {
          settlement_id: 'stl_before_the_money',
          merchant_id: book.merchantId,
          currency: 'USD',
          net: '100000',
          date: date(accepted + 1),
        };
        setDay(accepted + 1);
        const preview = await request('POST', '/v1/settlements/preview', payout);
        assert.equal(preview.status, 200, preview.text);
        assert.equal(preview.json.deducted, '0');

        // Two days after the acceptance the advance is paid out; the payout of the day before is
        // committed (or its settlement.paid event arrives) after that.
        setDay(accepted + 2);
        const confirmed = await request('POST', `/v1/disbursements/${facilityId}/confirm`);
        assert.equal(confirmed.status, 200, confirmed.text);
        const committed = await request('POST', '/v1/settlements/commit', payout);
        assert.equal(committed.status, 200, committed.text);
        assert.equal(committed.json.deducted, '0', 'a payout made before the money repays none of it');
        assert.equal(committed.json.merchant_net, '100000');

        // Nor does the platform's settlement.paid event of another payout that day, arriving now:
        // no sweep is recorded, so its settlement id is not used up.
        const streamed = await request(
          'POST',
          '/v1/events',
          settlementPaid({
            eventId: 'evt_before_the_money',
            settlementId: 'stl_streamed_before_the_money',
            subject: book.merchantId,
            date: date(accepted + 1),
            net: 50_000n,
          }),
        );
        assert.equal(streamed.status, 200, streamed.text);
        const swept = await book.harness.store.read((tx) =>
          tx.financing.sweepsByKey(['plt_test stl_streamed_before_the_money']),
        );
        assert.equal(swept.size, 0);

        const facility = await request('GET', `/v1/facilities/${facilityId}?limit=100`);
        assert.equal(facility.status, 200, facility.text);
        assert.deepEqual(
          [facility.json.balances.fees, facility.json.balances.principal, facility.json.totals.collected],
          [fee.toString(), amount.toString(), '0'],
        );
        assert.ok(!facility.json.history.data.some((e: { type: string }) => e.type === 'swept'));

        // The statement opens with the money lent, never with a deduction ahead of it.
        const statement = await request(
          'GET',
          `/v1/merchants/${book.merchantId}/statement?from=${date(accepted)}&to=${date(accepted + 2)}`,
        );
        assert.equal(statement.status, 200, statement.text);
        const [lines] = statement.json.facilities.map(
          (f: { lines: { type: string; amount: string; balance: string }[] }) =>
            f.lines.filter((l) => l.amount !== '0').map((l) => [l.type, l.amount, l.balance]),
        );
        assert.deepEqual(lines, [
          ['disbursed', amount.toString(), amount.toString()],
          ['fee_charged', fee.toString(), (amount + fee).toString()],
        ]);
      });
    });

    describe('a merchant behind on its advance', () => {
      let served: Awaited<ReturnType<typeof openServedBook>>;
      before(async () => {
        served = await openServedBook(backend);
      });
      after(async () => served?.close());

      it('is declined facility_in_arrears, its inputs naming the facility it is behind on', async () => {
        const { book, request, merchantKey, setDay } = served;
        setDay(lendingAsOfDay + 1);
        const offers = await request('POST', `/v1/decisions/${book.decisionId}/offers`);
        assert.equal(offers.status, 200, offers.text);
        const offer = offers.json.data.filter((o: { product: string }) => o.product === 'advance').at(-1);
        const acceptance = await request('POST', `/v1/offers/${offer.id}/accept`, undefined, merchantKey);
        assert.equal(acceptance.status, 200, acceptance.text);
        const facilityId: string = acceptance.json.facility.id;
        const confirmed = await request('POST', `/v1/disbursements/${facilityId}/confirm`);
        assert.equal(confirmed.status, 200, confirmed.text);

        // Nothing is paid: the first minimum payment's period ends unpaid.
        const unpaidThrough = lendingAsOfDay + 1 + 75;
        setDay(unpaidThrough + 1);
        const cycle = await runEndOfDay(book.app, unpaidThrough);
        assert.ok(cycle.ok);
        const facility = await request('GET', `/v1/facilities/${facilityId}`);
        assert.equal(facility.json.status, 'delinquent', facility.text);

        const decided = await request(
          'POST',
          `/v1/merchants/${book.merchantId}/decisions?as_of=${date(lendingAsOfDay)}`,
        );
        assert.equal(decided.status, 200, decided.text);
        assert.deepEqual(
          decided.json.reasons.map((r: { code: string }) => r.code),
          ['facility_in_arrears'],
        );
        const read = await request('GET', `/v1/decisions/${decided.json.id}?include=inputs`);
        assert.equal(read.status, 200, read.text);
        assert.deepEqual(read.json.inputs.arrears, [{ facilityId, status: 'delinquent' }]);
      });
    });
  });
}
