/**
 * POST /v1/tools/apr over a real server and store: the Regulation Z Appendix J (c)(1)(i) loan
 * answers 9.69% monthly for a key of every role, with the unit-period given (as `unit_period` or as
 * the issue's `unitPeriod`) or determined by (b)(4); several advances; a single payment with the
 * term as its unit-period; an Idempotency-Key replays; every malformed field is a problem naming it;
 * no rate, or a unit-period Capstan does not name, is 422 with its code.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import { startTestServer, type TestServer } from '../../../test/support/http.ts';

/** 24 monthly payments of 230.00 from 1978-02-10, as the API takes them. */
const monthlyPayments = Array.from({ length: 24 }, (_, k) => {
  const month = 1 + k; // February 1978 is month index 1
  const year = 1978 + Math.floor(month / 12);
  return { amount: '23000', date: `${year}-${String((month % 12) + 1).padStart(2, '0')}-10` };
});

const exampleC1i = {
  advance: { amount: '500000', currency: 'USD', date: '1978-01-10' },
  payments: monthlyPayments,
  unitPeriod: 'monthly',
};

for (const backend of backendsUnderTest) {
  describe(`APR tool API on ${backend.name}`, { skip: backend.skip }, () => {
    let api: TestServer;
    before(async () => {
      api = await startTestServer(backend);
    });
    after(async () => api?.close());

    const apr = (body: unknown, options: { key?: string; headers?: Record<string, string> } = {}) =>
      api.request('POST', '/v1/tools/apr', { body, ...options });

    it('answers the Appendix J (c)(1)(i) loan: 5,000.00 repaid by 24 × 230.00 monthly is 9.69%', async () => {
      const response = await apr(exampleC1i);
      assert.equal(response.status, 200, response.text);
      assert.deepEqual(response.json, {
        object: 'apr',
        apr: '9.69',
        apr_unrounded: '9.685708',
        unit_period: 'monthly',
        unit_period_determined: false,
        unit_periods_per_year: '12',
        unit_period_rate: response.json.unit_period_rate,
        term_start: '1978-01-10',
        currency: 'USD',
        amount_financed: '500000',
        total_of_payments: '552000',
        finance_charge: '52000',
      });
      assert.match(response.json.unit_period_rate, /^0\.0080714/);
    });

    it('answers a key of every role', async () => {
      for (const [role, objectId] of [
        ['financier', 'fin_bank'],
        ['merchant', 'mer_shop'],
        ['platform', 'plt_market'],
      ]) {
        const issued = await api.request('POST', '/v1/api_keys', { body: { role, object_id: objectId } });
        assert.equal(issued.status, 200);
        const response = await apr(exampleC1i, { key: issued.json.secret });
        assert.equal(response.status, 200, `${role}: ${response.text}`);
        assert.equal(response.json.apr, '9.69');
      }
      const anonymous = await api.request('POST', '/v1/tools/apr', { body: exampleC1i, key: null });
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.json.code, 'api_key_missing');
    });

    it('determines the unit-period by Appendix J (b)(4) when none is given, and takes unit_period too', async () => {
      const { unitPeriod: _, ...withoutUnitPeriod } = exampleC1i;
      const determined = await apr(withoutUnitPeriod);
      assert.equal(determined.status, 200);
      assert.equal(determined.json.apr, '9.69');
      assert.equal(determined.json.unit_period, 'monthly');
      assert.equal(determined.json.unit_period_determined, true);
      const snake = await apr({ ...withoutUnitPeriod, unit_period: 'monthly' });
      assert.equal(snake.json.apr, '9.69');
      // Another unit-period gives another (wrong for this loan, but well-defined) rate.
      const weekly = await apr({ ...withoutUnitPeriod, unit_period: 'weekly' });
      assert.equal(weekly.status, 200);
      assert.equal(weekly.json.unit_period, 'weekly');
      assert.notEqual(weekly.json.apr, '9.69');
    });

    it('answers a single payment under a year with the term as unit-period: Appendix J (c)(5)(i), 11.45%', async () => {
      const response = await apr({
        advance: { amount: '100000', currency: 'USD', date: '1978-01-03' },
        payments: [{ amount: '108000', date: '1978-09-15' }],
      });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.json.apr, '11.45');
      assert.equal(response.json.unit_period, 'term');
      assert.equal(response.json.unit_periods_per_year, '365/255');
    });

    it('takes several advances in one currency', async () => {
      const response = await apr({
        advances: [
          { amount: '300000', currency: 'EUR', date: '2025-01-15' },
          { amount: '200000', currency: 'EUR', date: '2025-03-15' },
        ],
        payments: Array.from({ length: 12 }, (_, k) => ({
          amount: '45000',
          date: `${2025 + Math.floor((5 + k) / 12)}-${String(((5 + k) % 12) + 1).padStart(2, '0')}-15`,
        })),
      });
      assert.equal(response.status, 200, response.text);
      assert.equal(response.json.unit_period, 'monthly');
      assert.equal(response.json.amount_financed, '500000');
      assert.equal(response.json.finance_charge, '40000');
      assert.ok(Number(response.json.apr) > 0);
    });

    it('replays the answer for a repeated Idempotency-Key and refuses the key for another body', async () => {
      const headers = { 'idempotency-key': 'apr-c1i' };
      const first = await apr(exampleC1i, { headers });
      const second = await apr(exampleC1i, { headers });
      assert.equal(second.status, 200);
      assert.equal(second.text, first.text);
      assert.equal(second.headers.get('idempotent-replayed'), 'true');
      const other = await apr({ ...exampleC1i, unitPeriod: 'weekly' }, { headers });
      assert.equal(other.status, 409);
      assert.equal(other.json.code, 'idempotency_key_reused');
    });

    it('names the field at fault in every malformed body', async () => {
      const cases: [unknown, string, string][] = [
        [{ advance: exampleC1i.advance }, 'parameter_missing', 'payments'],
        [{ payments: monthlyPayments }, 'parameter_missing', 'advance'],
        [{ ...exampleC1i, payments: [] }, 'parameter_invalid', 'payments'],
        [
          { ...exampleC1i, payments: [{ amount: 23000, date: '1978-02-10' }] },
          'parameter_invalid',
          'payments[0].amount',
        ],
        [
          { ...exampleC1i, payments: [{ amount: '230.00', date: '1978-02-10' }] },
          'parameter_invalid',
          'payments[0].amount',
        ],
        [
          { ...exampleC1i, payments: [{ amount: '0', date: '1978-02-10' }] },
          'parameter_invalid',
          'payments[0].amount',
        ],
        [
          { ...exampleC1i, payments: [{ amount: '-5', date: '1978-02-10' }] },
          'parameter_invalid',
          'payments[0].amount',
        ],
        [
          { ...exampleC1i, payments: [{ amount: '0230', date: '1978-02-10' }] },
          'parameter_invalid',
          'payments[0].amount',
        ],
        [
          {
            ...exampleC1i,
            payments: [...monthlyPayments.slice(0, 1), { amount: '23000', date: '1978-02-30' }],
          },
          'parameter_invalid',
          'payments[1].date',
        ],
        [
          { ...exampleC1i, payments: [{ amount: '23000', date: '1978-01-09' }] },
          'parameter_invalid',
          'payments[0].date',
        ],
        [
          { ...exampleC1i, payments: [{ amount: '23000', date: '10/02/1978' }] },
          'parameter_invalid',
          'payments[0].date',
        ],
        [
          { ...exampleC1i, advance: { ...exampleC1i.advance, currency: 'ZZZ' } },
          'parameter_invalid',
          'advance.currency',
        ],
        [
          { ...exampleC1i, advance: { ...exampleC1i.advance, amount: '0' } },
          'parameter_invalid',
          'advance.amount',
        ],
        [{ ...exampleC1i, unitPeriod: 'fortnightly' }, 'parameter_invalid', 'unitPeriod'],
        [{ ...exampleC1i, unit_period: 'weekly' }, 'parameter_invalid', 'unit_period'],
        [{ ...exampleC1i, advances: [exampleC1i.advance] }, 'parameter_invalid', 'advances'],
        [
          {
            ...exampleC1i,
            advance: undefined,
            advances: [exampleC1i.advance, { ...exampleC1i.advance, currency: 'EUR' }],
          },
          'parameter_invalid',
          'advances[1].currency',
        ],
        [
          { ...exampleC1i, advance: { ...exampleC1i.advance, date: '0001-01-01' } },
          'parameter_invalid',
          'advance.date',
        ],
        [
          { ...exampleC1i, payments: [{ amount: '9223372036854775808', date: '1978-02-10' }] },
          'parameter_invalid',
          'payments[0].amount',
        ],
        [{ ...exampleC1i, rate: '9.69' }, 'parameter_unknown', 'rate'],
        [
          { ...exampleC1i, payments: [{ amount: '23000', date: '1978-02-10', note: 'x' }] },
          'parameter_unknown',
          'payments[0].note',
        ],
      ];
      for (const [body, code, param] of cases) {
        const response = await apr(body);
        assert.equal(response.status, 400, `${param}: ${response.text}`);
        assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/);
        assert.equal(response.json.code, code, `${param}: ${response.text}`);
        assert.equal(response.json.param, param, response.text);
      }
    });

    it('answers 422 apr_not_found when no rate makes the payments worth the advance', async () => {
      const response = await apr({
        advance: { amount: '100000', currency: 'USD', date: '2025-01-15' },
        payments: [{ amount: '120000', date: '2025-01-15' }],
      });
      assert.equal(response.status, 422);
      assert.equal(response.json.code, 'apr_not_found');
    });

    it('answers 422 unit_period_unsupported when (b)(4) arrives at a unit-period without a name here', async () => {
      const payments = ['2025-06-15', '2025-11-15', '2026-04-15', '2026-09-15'].map((date) => ({
        amount: '30000',
        date,
      }));
      const body = { advance: { amount: '100000', currency: 'USD', date: '2025-01-15' }, payments };
      const response = await apr(body);
      assert.equal(response.status, 422);
      assert.equal(response.json.code, 'unit_period_unsupported');
      assert.equal(response.json.param, 'unit_period');
      assert.match(response.json.detail, /5 months/);
      const named = await apr({ ...body, unit_period: 'monthly' });
      assert.equal(named.status, 200);
    });
  });
}
