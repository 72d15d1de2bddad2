/**
 * Tools: calculations any key may ask for, with nothing stored. POST /v1/tools/apr answers the
 * annual percentage rate of advances and payments by the actuarial method of Regulation Z,
 * Appendix J (src/domain/finance/apr.ts).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { type Static, Type } from 'typebox';
import type { Reply } from '../../app/access/idempotency.ts';
import type { AppContext } from '../../app/app-context.ts';
import {
  type Apr,
  annualPercentageRate,
  aprAdvancesMax,
  aprPaymentsMax,
  type CashFlowOnDate,
} from '../../domain/finance/apr.ts';
import { type UnitPeriodName, unitPeriodNames } from '../../domain/finance/unit-period.ts';
import { amountMax } from '../../domain/ledger/limits.ts';
import { currencyExponent } from '../../domain/money/currency.ts';
import { parseMinorUnits } from '../../domain/money/money.ts';
import { compareCalendarDates, parseCalendarDate } from '../../domain/time/calendar-date.ts';
import { access, jsonReply, ProblemSchema, problemReply, send, write } from '../plumbing.ts';
import { ProblemError } from '../problem.ts';

// Checked by parseMinorUnits after the schema, for a message that says what an amount looks like.
const AmountText = Type.String({
  minLength: 1,
  maxLength: 40,
  description: 'a positive amount in integer minor units, e.g. "500000" for 5,000.00 USD',
});
const DateText = Type.String({
  pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
  description: 'a calendar date, YYYY-MM-DD',
});
const CurrencyText = Type.String({ minLength: 1, maxLength: 3, description: 'ISO 4217 code' });
const Advance = Type.Object(
  { amount: AmountText, currency: CurrencyText, date: DateText },
  { additionalProperties: false },
);
const Payment = Type.Object({ amount: AmountText, date: DateText }, { additionalProperties: false });
const UnitPeriod = Type.Union(
  unitPeriodNames.map((name) => Type.Literal(name)),
  { description: 'omit to have Appendix J (b)(4) determine it' },
);

const AprBody = Type.Object(
  {
    advance: Type.Optional(Advance),
    advances: Type.Optional(
      Type.Array(Advance, {
        minItems: 1,
        maxItems: aprAdvancesMax,
        description: 'several advances, instead of `advance`',
      }),
    ),
    payments: Type.Array(Payment, { minItems: 1, maxItems: aprPaymentsMax }),
    unit_period: Type.Optional(UnitPeriod),
    unitPeriod: Type.Optional(UnitPeriod),
  },
  { additionalProperties: false },
);
type AprBodyType = Static<typeof AprBody>;

const AprResponse = Type.Object({
  object: Type.Literal('apr'),
  apr: Type.String({ description: 'percent, two decimals, rounded half up' }),
  apr_unrounded: Type.String({ description: 'percent, six decimals' }),
  unit_period: Type.String({
    description: 'one of the unit-periods, or `term` for a single payment under a year',
  }),
  unit_period_determined: Type.Boolean({ description: 'true when Appendix J (b)(4) chose the unit-period' }),
  unit_periods_per_year: Type.String({ description: '"12", or a fraction such as "365/255"' }),
  unit_period_rate: Type.String({ description: 'the rate per unit-period, as a decimal (0.008 is 0.8%)' }),
  term_start: Type.String({ description: 'the date of the first advance' }),
  currency: Type.String(),
  amount_financed: Type.String({ description: 'the advances, minor units' }),
  total_of_payments: Type.String({ description: 'minor units' }),
  finance_charge: Type.String({ description: 'total of payments − amount financed, minor units' }),
});

type ParsedAprRequest = {
  readonly currency: string;
  readonly advances: CashFlowOnDate[];
  readonly payments: CashFlowOnDate[];
  readonly unitPeriod: UnitPeriodName | undefined;
};

/** The earliest date a flow may be on: years 1000 onwards, four digits as the API writes them. */
const earliestFlowDate = '1000-01-01';

function parseFlow(flow: { amount: string; date: string }, param: string): CashFlowOnDate {
  const amount = parseMinorUnits(flow.amount);
  if (!amount.ok && /^[1-9][0-9]*$/.test(flow.amount))
    throw new ProblemError(
      'parameter_invalid',
      `${param}.amount is more than ${amountMax} minor units`,
      `${param}.amount`,
    );
  if (!amount.ok || amount.value <= 0n)
    throw new ProblemError(
      'parameter_invalid',
      `${param}.amount must be a positive whole number of minor units without leading zeros, e.g. "23000"`,
      `${param}.amount`,
    );
  const date = parseCalendarDate(flow.date);
  if (!date.ok)
    throw new ProblemError(
      'parameter_invalid',
      `${param}.date ${date.detail ?? 'is not a date'}`,
      `${param}.date`,
    );
  // Unit-periods are counted back from later dates, a period before the term: year 1 has none.
  if (String(date.value) < earliestFlowDate)
    throw new ProblemError(
      'parameter_invalid',
      `${param}.date is before ${earliestFlowDate}`,
      `${param}.date`,
    );
  return { amountMinor: amount.value, date: date.value };
}

/** The body's checks that the schema cannot express, each naming the field at fault. */
function parseAprRequest(body: AprBodyType): ParsedAprRequest {
  if (body.advance !== undefined && body.advances !== undefined)
    throw new ProblemError('parameter_invalid', 'send `advance` or `advances`, not both', 'advances');
  const advanceList = body.advances ?? (body.advance === undefined ? [] : [body.advance]);
  const listName = body.advances === undefined ? 'advance' : 'advances';
  if (advanceList.length === 0)
    throw new ProblemError('parameter_missing', 'missing required field advance (or advances)', 'advance');
  if (body.unit_period !== undefined && body.unitPeriod !== undefined && body.unit_period !== body.unitPeriod)
    throw new ProblemError(
      'parameter_invalid',
      'unit_period and unitPeriod name different unit-periods',
      'unit_period',
    );

  const currency = advanceList[0]!.currency;
  const paramOf = (index: number) => (listName === 'advance' ? 'advance' : `advances[${index}]`);
  const exponent = currencyExponent(currency);
  if (!exponent.ok)
    throw new ProblemError(
      'parameter_invalid',
      exponent.code === 'currency_unknown'
        ? `${currency} is not an ISO 4217 currency code`
        : `${currency} has no minor units to count amounts in`,
      `${paramOf(0)}.currency`,
    );
  const advances = advanceList.map((advance, index) => {
    if (advance.currency !== currency)
      throw new ProblemError(
        'parameter_invalid',
        `every advance must be in ${currency}; this one is in ${advance.currency}`,
        `${paramOf(index)}.currency`,
      );
    return parseFlow(advance, paramOf(index));
  });
  const payments = body.payments.map((payment, index) => parseFlow(payment, `payments[${index}]`));
  // ISO dates sort as text in date order.
  const termStart = advances.map((flow) => flow.date).sort()[0]!;
  for (const [index, payment] of payments.entries()) {
    if (compareCalendarDates(payment.date, termStart) < 0)
      throw new ProblemError(
        'parameter_invalid',
        `payments[${index}] is due on ${payment.date}, before the first advance on ${termStart}`,
        `payments[${index}].date`,
      );
  }
  return { currency, advances, payments, unitPeriod: body.unit_period ?? body.unitPeriod };
}

function aprView(apr: Apr, currency: string) {
  const { numerator, denominator } = apr.unitPeriodsPerYear;
  return {
    object: 'apr',
    apr: apr.aprPercentText,
    apr_unrounded: apr.aprPercent.toFixed(6),
    unit_period: apr.unitPeriod,
    unit_period_determined: apr.unitPeriodDetermined,
    unit_periods_per_year: denominator === 1 ? String(numerator) : `${numerator}/${denominator}`,
    unit_period_rate: apr.unitPeriodRate.toFixed(12),
    term_start: apr.termStart,
    currency,
    amount_financed: apr.amountFinancedMinor.toString(),
    total_of_payments: apr.totalOfPaymentsMinor.toString(),
    finance_charge: apr.financeChargeMinor.toString(),
  };
}

function aprReply(request: FastifyRequest, parsed: ParsedAprRequest): Reply {
  const result = annualPercentageRate({
    advances: parsed.advances,
    payments: parsed.payments,
    ...(parsed.unitPeriod === undefined ? {} : { unitPeriod: parsed.unitPeriod }),
  });
  if (result.ok) return jsonReply(200, aprView(result.value, parsed.currency));
  const detail = result.detail ?? result.code;
  switch (result.code) {
    case 'apr_not_found':
      return problemReply(request, 'apr_not_found', detail);
    case 'unit_period_unsupported':
      return problemReply(request, 'unit_period_unsupported', detail, 'unit_period');
    default:
      // The body checks above refuse these first; a domain check that still fires names its field.
      return problemReply(request, 'parameter_invalid', detail);
  }
}

export function toolRoutes(app: AppContext): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.post(
      '/v1/tools/apr',
      access(['operator', 'financier', 'merchant', 'platform'], {
        summary: 'The APR of advances and payments, by the actuarial method of Regulation Z Appendix J',
        description: `Answers the annual percentage rate of one advance (\`advance\`) or several (\`advances\`, up to ${aprAdvancesMax}, one currency) repaid by up to ${aprPaymentsMax} \`payments\`, each an amount in minor units on a date, by the actuarial method of US Regulation Z, Appendix J (12 CFR 1026): the general equation with full unit-periods and fractions counted as (b)(5) prescribes. \`unit_period\` (also accepted as \`unitPeriod\`) is one of ${unitPeriodNames.join(', ')}; omitted, Appendix J (b)(4) determines it (a single advance repaid by a single payment within a year has the term as its unit-period: \`term\`). The term starts on the first advance. Nothing is stored; an Idempotency-Key replays the first answer. 422 \`apr_not_found\` when no rate makes the payments worth the advances, 422 \`unit_period_unsupported\` when (b)(4) arrives at a unit-period not in the list (name one).`,
        tags: ['tools'],
        body: AprBody,
        response: { 200: AprResponse, 400: ProblemSchema, 422: ProblemSchema },
      }),
      async (request, reply) => {
        const parsed = parseAprRequest(request.body);
        const answer = aprReply(request, parsed);
        // A pure calculation: only a request with an Idempotency-Key needs the store, to keep the key.
        if (request.headers['idempotency-key'] === undefined) return send(reply, answer);
        return write(app, request, reply, async () => answer);
      },
    );
  };
}
