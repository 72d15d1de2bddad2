/**
 * The financing reports over HTTP, on a real server on 127.0.0.1 over a real book (SQLite, and
 * PostgreSQL when configured): an advance and a term loan disbursed, a second advance voided,
 * payouts swept and a month of days run. The portfolio summary answers the operator and the
 * financier their own figures, refuses a financier another's and a merchant altogether; a facility
 * answers its own merchant, financier and platform with balances, schedule and paged history and
 * is not found by anyone else; a merchant's statement closes each facility at what it owes, is
 * refused to another merchant and to a financier that does not fund it, validates its period, and
 * as CSV (by Accept or format) parses back to exactly the JSON lines.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import {
  disburse,
  lendingAsOfDay,
  offersOfAFreshDecision,
  openLendingBook,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { OpenapiConformance } from '../../../test/support/openapi-conformance.ts';
import { bootstrapOperatorKey } from '../../app/access/api-keys.ts';
import type { AppContext } from '../../app/app-context.ts';
import { runEndOfDay } from '../../app/financing/eod.ts';
import { acceptOffer, makeOffers, voidDisbursement } from '../../app/financing/origination.ts';
import { bookedOf, servicedOf } from '../../app/financing/serviced.ts';
import { sweepSettlement } from '../../app/financing/sweep.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';
import { CsvParser } from '../../ingest/formats/csv.ts';
import { buildServer, type CapstanServer } from '../server.ts';

const day = lendingAsOfDay;
const dayNs = 86_400_000_000_000n;
const operatorKey = 'cap_op_reports-operator-key-0123456789abcdef';
const date = (d: number) => String(fromDayNumber(d));

/** "-29680" → "-296.80": USD minor units as a decimal, written out independently of the API. */
function dollars(minor: string): string {
  const negative = minor.startsWith('-');
  const digits = (negative ? minor.slice(1) : minor).padStart(3, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

for (const backend of backendsUnderTest) {
  describe(`financing reports API on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let server: CapstanServer;
    let url = '';
    let merchantId = '';
    const ids = { advance: '', loan: '', voided: '' };
    const keys = {
      merchant: '',
      otherMerchant: '',
      financier: '',
      otherFinancier: '',
      platform: '',
      otherPlatform: '',
    };

    const request = async (
      path: string,
      key: string | null = operatorKey,
      headers: Record<string, string> = {},
    ) => {
      const response = await fetch(url + path, {
        headers: { ...headers, ...(key === null ? {} : { authorization: `Bearer ${key}` }) },
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      // Every answer as the OpenAPI document describes it.
      conformance ??= new OpenapiConformance(server.swagger() as unknown as Record<string, unknown>);
      const differs = conformance.check(
        'GET',
        path,
        response.status,
        response.headers.get('content-type'),
        text,
      );
      assert.equal(differs, null, differs ?? '');
      // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
      return { status: response.status, headers: response.headers, text, json: json as any };
    };
    let conformance: OpenapiConformance | undefined;
    const owed = async (id: string) => {
      const row = await harness.store.read((tx) => tx.financing.facility(id));
      const serviced = row === undefined ? null : servicedOf(row);
      assert.ok(serviced);
      const booked = bookedOf(serviced);
      return (booked.fees + booked.interest + booked.principal).toString();
    };

    before(async () => {
      const book = await openLendingBook(backend, {
        topBand: { grade: 'C', maxPd: 0.4 },
        poolMinor: 1_000_000_000n,
      });
      ({ harness, app, merchantId } = book);
      const made = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(made.ok);
      const advances = made.value.filter((o) => o.product === 'advance');
      const smallest = advances.at(-1);
      assert.ok(advances.length >= 2 && smallest);
      // One advance is accepted and its payout fails (voided); the smallest, offered again, is taken.
      const second = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: advances.at(-2)?.id ?? '', merchantId, day }),
      );
      assert.ok(second.ok);
      ids.voided = second.value.facility.id;
      const voided = await harness.store.write((tx) =>
        voidDisbursement(tx, app, { facilityId: ids.voided, day, reason: 'returned, "account closed"' }),
      );
      assert.ok(voided.ok);
      await harness.store.write((tx) => tx.financing.updateOffer(smallest.id, { status: 'open' }));
      ids.advance = await disburse(book, smallest);
      // A term loan beside it, from a decision of its own.
      const loan = (await offersOfAFreshDecision(book)).find((o) => o.product === 'term_loan');
      assert.ok(loan);
      ids.loan = await disburse(book, loan);
      for (const [key, d, net] of [
        ['operator stl-1', day + 1, 400_000n],
        ['operator stl-2', day + 20, 300_000n],
      ] as const) {
        const swept = await harness.store.write((tx) =>
          sweepSettlement(tx, app, {
            settlementKey: key,
            merchantId,
            day: d,
            currency: 'USD',
            netMinor: net,
          }),
        );
        assert.ok(swept.ok);
      }
      (app.clock as ManualClock).set(BigInt(day + 36) * dayNs);
      assert.ok((await runEndOfDay(app, day + 35)).ok);

      const bootstrap = await harness.store.write((tx) => bootstrapOperatorKey(tx, app, operatorKey));
      assert.ok(bootstrap.ok);
      server = await buildServer({ app, version: 'test', logger: false });
      await server.listen({ port: 0, host: '127.0.0.1' });
      const address = server.server.address();
      assert.ok(address !== null && typeof address !== 'string');
      url = `http://127.0.0.1:${address.port}`;
      const issue = async (role: string, objectId: string) => {
        const response = await fetch(`${url}/v1/api_keys`, {
          method: 'POST',
          headers: { authorization: `Bearer ${operatorKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ role, object_id: objectId }),
        });
        return ((await response.json()) as { secret: string }).secret;
      };
      keys.merchant = await issue('merchant', merchantId);
      keys.otherMerchant = await issue('merchant', 'mer_elsewhere');
      keys.financier = await issue('financier', 'fin_pool');
      keys.otherFinancier = await issue('financier', 'fin_other');
      // The generated events came from plt_test, which onboarded the merchant.
      keys.platform = await issue('platform', 'plt_test');
      keys.otherPlatform = await issue('platform', 'plt_other');
    });
    after(async () => {
      await server?.close();
      await harness?.dispose();
    });

    it('answers the portfolio to the operator and a financier, its own only', async () => {
      const all = await request('/v1/portfolio/summary');
      assert.equal(all.status, 200, all.text);
      assert.equal(all.json.object, 'portfolio_summary');
      assert.equal(all.json.financier_id, null);
      const [usd] = all.json.currencies;
      assert.equal(usd.currency, 'USD');
      const sweeps = await harness.store.read((tx) =>
        tx.financing.sweepsForMerchant(merchantId, 0, day + 99),
      );
      assert.equal(usd.total.collected, sweeps.reduce((t, s) => t + s.deductedMinor, 0n).toString());
      const outstanding = BigInt(await owed(ids.advance)) + BigInt(await owed(ids.loan));
      assert.equal(usd.total.outstanding_total, outstanding.toString());
      assert.deepEqual(Object.keys(usd.by_delinquency_bucket), ['current', '1-30', '31-60', '61-90', '90+']);
      assert.deepEqual(usd.unserviced_by_status, { cancelled: 1 });
      assert.deepEqual(Object.keys(usd.by_product), ['advance', 'term_loan']);
      assert.match(usd.total.annualised_yield, /^\d+\.\d{6}$/);
      assert.equal(usd.total.loss_rate, '0.000000');

      const own = await request('/v1/portfolio/summary', keys.financier);
      assert.equal(own.status, 200);
      assert.deepEqual(own.json, { ...all.json, financier_id: 'fin_pool' });
      const filtered = await request('/v1/portfolio/summary?financier_id=fin_other');
      assert.deepEqual(filtered.json.currencies, []);
      const none = await request('/v1/portfolio/summary', keys.otherFinancier);
      assert.deepEqual(none.json, { object: 'portfolio_summary', financier_id: 'fin_other', currencies: [] });
      const peek = await request('/v1/portfolio/summary?financier_id=fin_pool', keys.otherFinancier);
      assert.equal(peek.status, 403);
      assert.equal(peek.json.code, 'role_not_allowed');
      assert.equal(peek.json.param, 'financier_id');
      assert.equal((await request('/v1/portfolio/summary', keys.merchant)).status, 403);
      const bad = await request('/v1/portfolio/summary?financier_id=bank');
      assert.equal(bad.status, 400);
      assert.equal(bad.json.param, 'financier_id');
    });

    it('answers a facility to its merchant, financier and platform, and to no one else', async () => {
      const path = `/v1/facilities/${ids.loan}`;
      const mine = await request(path, keys.merchant);
      assert.equal(mine.status, 200, mine.text);
      const facility = mine.json;
      assert.equal(facility.object, 'facility');
      assert.equal(facility.product, 'term_loan');
      assert.equal(facility.merchant_id, merchantId);
      assert.equal(facility.balances.total, await owed(ids.loan));
      assert.equal(facility.serviced_through, date(day + 35));
      assert.equal(facility.schedule.kind, 'instalments');
      const first = facility.schedule.instalments[0];
      assert.match(first.due_on, /^\d{4}-\d\d-\d\d$/);
      assert.equal(first.status, 'unpaid', 'nothing was paid on the loan');
      assert.ok(facility.days_past_due > 0);
      assert.equal(facility.delinquency_bucket, '1-30');
      assert.equal(facility.terms.amount, facility.totals.originated);
      assert.deepEqual(facility.history.data.map((e: { type: string }) => e.type).slice(0, 2), [
        'accepted',
        'disbursed',
      ]);
      assert.equal(facility.history.url, path);
      assert.match(facility.history.data[0].description, /^Offer accepted: term loan of \d+\.\d\d USD$/);
      const charged = facility.history.data.find((e: { type: string }) => e.type === 'instalment_charged');
      assert.ok(charged !== undefined, 'the first instalment fell due');
      // Its detail names days as dates, as the schedule does: the day it fell due, not a day count.
      assert.equal(charged.detail.due_day, first.due_on);
      assert.equal(
        charged.description,
        `Instalment 1 due ${first.due_on}: interest of ${(Number(first.interest) / 100).toFixed(2)} USD charged, ${(Number(first.payment) / 100).toFixed(2)} USD to pay`,
      );

      const page = await request(`/v1/facilities/${ids.advance}?limit=2`, keys.financier);
      assert.equal(page.status, 200);
      assert.equal(page.json.history.has_more, true);
      assert.equal(page.json.schedule.kind, 'forecast');
      assert.equal(page.json.balances.deferred_fee.length > 0, true);
      const next = await request(`/v1/facilities/${ids.advance}?limit=1&after_sequence=2`, keys.financier);
      assert.equal(next.json.history.data[0].sequence, 3);
      assert.equal(next.json.history.data[0].type, 'swept');
      // Beyond a sequence number's 32 bits: refused by name (PostgreSQL's integer column answered 500).
      const beyond = await request(`/v1/facilities/${ids.advance}?after_sequence=2147483648`, keys.financier);
      assert.deepEqual([beyond.status, beyond.json.param], [400, 'after_sequence']);
      assert.equal((await request(path, keys.platform)).status, 200);
      const cancelled = await request(`/v1/facilities/${ids.voided}`);
      assert.equal(cancelled.json.balances, null);
      assert.equal(cancelled.json.status, 'cancelled');

      for (const key of [keys.otherMerchant, keys.otherFinancier, keys.otherPlatform]) {
        const refused = await request(path, key);
        assert.equal(refused.status, 404);
        assert.equal(refused.json.code, 'facility_not_found');
      }
      assert.equal((await request('/v1/facilities/fac_missing')).status, 404);
      assert.equal((await request(`${path}?limit=1000`)).json.param, 'limit');
    });

    const statementPath = (from: number, to: number, id = merchantId) =>
      `/v1/merchants/${id}/statement?from=${date(from)}&to=${date(to)}`;

    it("answers a merchant's statement: each facility closes at what it owes", async () => {
      const response = await request(statementPath(day - 1, day + 35), keys.merchant);
      assert.equal(response.status, 200, response.text);
      const statement = response.json;
      assert.equal(statement.object, 'merchant_statement');
      assert.equal(statement.from, date(day - 1));
      assert.equal(response.headers.get('vary'), 'accept');
      for (const id of [ids.advance, ids.loan]) {
        const f = statement.facilities.find((g: { facility_id: string }) => g.facility_id === id);
        assert.equal(f.opening_balance, '0');
        assert.equal(f.closing_balance, await owed(id));
        assert.equal(f.lines.at(-1).balance, f.closing_balance);
        assert.equal(
          BigInt(f.opening_balance) + BigInt(f.charges) - BigInt(f.credits),
          BigInt(f.closing_balance),
        );
      }
      const [usd] = statement.totals;
      assert.equal(usd.currency, 'USD');
      assert.equal(
        usd.closing_balance,
        (BigInt(await owed(ids.advance)) + BigInt(await owed(ids.loan))).toString(),
      );
      assert.deepEqual(
        statement.settlements.map((s: { settlement_key: string; date: string }) => [
          s.settlement_key,
          s.date,
        ]),
        [
          ['operator stl-1', date(day + 1)],
          ['operator stl-2', date(day + 20)],
        ],
      );
      const later = await request(statementPath(day + 21, day + 35), keys.platform);
      assert.equal(later.status, 200);
      const advance = later.json.facilities.find(
        (f: { facility_id: string }) => f.facility_id === ids.advance,
      );
      assert.equal(advance.opening_balance, advance.closing_balance, 'nothing moved the advance since');
      assert.deepEqual(later.json.settlements, []);

      assert.equal((await request(statementPath(day - 1, day + 35), keys.financier)).status, 200);
      for (const key of [keys.otherMerchant, keys.otherFinancier, keys.otherPlatform]) {
        const refused = await request(statementPath(day - 1, day + 35), key);
        assert.equal(refused.status, 404);
        assert.equal(refused.json.code, 'merchant_not_found');
      }
      // An operator may name any merchant: one Capstan does not know (a mistyped id) is refused,
      // not shown a statement owing nothing.
      const mistyped = await request(statementPath(day - 1, day + 35, 'mer_nope'));
      assert.equal(mistyped.status, 404);
      assert.equal(mistyped.json.code, 'merchant_not_found');
    });

    it('validates the period with a problem naming the parameter', async () => {
      const problem = async (query: string) =>
        (await request(`/v1/merchants/${merchantId}/statement?${query}`)).json as {
          code: string;
          param: string;
        };
      const cases: [string, string, string][] = [
        ['from=2026-02-30&to=2026-03-01', 'parameter_invalid', 'from'],
        ['from=2026-03-01&to=2026-02-01', 'parameter_invalid', 'to'],
        ['from=2025-01-01&to=2026-01-02', 'parameter_invalid', 'to'],
        ['from=2026-03-01', 'parameter_missing', 'to'],
        ['from=2026-03-01&to=2026-03-02&format=xml', 'parameter_invalid', 'format'],
        ['from=2026-03-01&to=2026-03-02&colour=red', 'parameter_unknown', 'colour'],
      ];
      for (const [query, code, param] of cases) {
        const found = await problem(query);
        assert.deepEqual([found.code, found.param], [code, param], query);
      }
      const leap = await request(`/v1/merchants/${merchantId}/statement?from=2024-01-01&to=2024-12-31`);
      assert.equal(leap.status, 200, 'a whole leap year is one statement');
      // A statement covers the days money may be dated: a payout may be dated tomorrow, so one
      // reaching past it runs through tomorrow, closing at what the facility owes with that payout
      // in (not at a balance dated further ahead); one starting after tomorrow is refused.
      const today = Number(app.clock.nowNs() / dayNs);
      const tomorrows = await harness.store.write((tx) =>
        sweepSettlement(tx, app, {
          settlementKey: 'operator stl-tomorrow',
          merchantId,
          day: today + 1,
          currency: 'USD',
          netMinor: 200_000n,
        }),
      );
      assert.ok(
        tomorrows.ok && tomorrows.value.waterfall.totalDeductedMinor > 0n,
        'tomorrow’s payout repays',
      );
      const ahead = await request(statementPath(today - 3, today + 300));
      assert.equal(ahead.status, 200, ahead.text);
      assert.equal(ahead.json.to, date(today + 1));
      const advance = ahead.json.facilities.find(
        (f: { facility_id: string }) => f.facility_id === ids.advance,
      );
      assert.equal(advance.closing_balance, await owed(ids.advance));
      const csv = await request(statementPath(today - 3, today + 300), operatorKey, { accept: 'text/csv' });
      assert.match(
        csv.headers.get('content-disposition') ?? '',
        new RegExp(`statement-${merchantId}-${date(today - 3)}-${date(today + 1)}\\.csv`),
      );
      const future = await problem(`from=${date(today + 2)}&to=${date(today + 3)}`);
      assert.deepEqual([future.code, future.param], ['parameter_invalid', 'from']);
    });

    it('answers CSV that parses back to exactly the JSON lines', async () => {
      const path = statementPath(day - 1, day + 35);
      const json = (await request(path)).json;
      const csv = await request(path, operatorKey, { accept: 'text/csv' });
      assert.equal(csv.status, 200);
      assert.equal(csv.headers.get('content-type'), 'text/csv; charset=utf-8');
      // The Accept header's qualities decide; a tie or q=0 is JSON's.
      for (const [accept, type] of [
        ['text/csv;q=0', 'application/json'],
        ['application/json, text/csv', 'application/json'],
        ['*/*', 'application/json'],
        ['text/csv, application/json;q=0.5', 'text/csv'],
        ['application/json;q=0.2, text/*;q=0.8', 'text/csv'],
      ] as const) {
        const answer = await request(path, operatorKey, { accept });
        assert.equal(answer.status, 200);
        assert.match(answer.headers.get('content-type') ?? '', new RegExp(`^${type}`), accept);
      }
      assert.equal(
        csv.headers.get('content-disposition'),
        `attachment; filename="statement-${merchantId}-${date(day - 1)}-${date(day + 35)}.csv"`,
      );
      assert.ok(csv.text.endsWith('\r\n'));
      const parser = new CsvParser();
      const records = [...parser.push(csv.text), ...parser.end()];
      assert.ok(records.every((r) => r.problem === undefined));
      const [header, ...rows] = records.map((r) => r.fields);
      assert.deepEqual(header, [
        'date',
        'facility_id',
        'product',
        'currency',
        'type',
        'description',
        'amount',
        'balance',
      ]);
      // Each facility opens and closes with its balance, its lines between.
      const expected = json.facilities.flatMap(
        (f: {
          facility_id: string;
          product: string;
          currency: string;
          opening_balance: string;
          closing_balance: string;
          lines: Record<string, string>[];
        }) => [
          [
            date(day - 1),
            f.facility_id,
            f.product,
            f.currency,
            'opening_balance',
            'Opening balance',
            '',
            dollars(f.opening_balance),
          ],
          ...f.lines.map((l) => [
            l.date,
            l.facility_id,
            f.product,
            f.currency,
            l.type,
            l.description,
            dollars(l.amount as string),
            dollars(l.balance as string),
          ]),
          [
            date(day + 35),
            f.facility_id,
            f.product,
            f.currency,
            'closing_balance',
            'Closing balance',
            '',
            dollars(f.closing_balance),
          ],
        ],
      );
      assert.deepEqual(rows, expected);
      assert.ok(
        rows.some((r) => r[5] === 'Not paid out, and the facility was cancelled: returned, "account closed"'),
        'a description with a comma and quotes survives the round trip',
      );
      const byFormat = await request(`${path}&format=csv`, operatorKey);
      assert.equal(byFormat.text, csv.text);
      const jsonAfterAll = await request(`${path}&format=json`, operatorKey, { accept: 'text/csv' });
      assert.equal(jsonAfterAll.json.object, 'merchant_statement', 'format=json wins over Accept');
    });
  });
}
