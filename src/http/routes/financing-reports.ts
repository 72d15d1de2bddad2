/**
 * The financing reports over HTTP: the portfolio summary, one facility with its schedule and
 * history, and a merchant's statement for a period (JSON, or CSV of its lines). The reports are
 * computed in src/app/financing/reports.ts, each in one read transaction; this module scopes keys
 * — an operator sees everything, a financier only its own facilities, a merchant only itself, a
 * platform only the merchants it onboarded — parses the query and shapes the answers.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../app/app-context.ts';
import {
  type MerchantStatement,
  merchantStatement,
  statementDaysAheadMax,
  statementDaysMax,
} from '../../app/financing/merchant-statement.ts';
import {
  facilityReport,
  knownMerchant,
  portfolioReport,
  type ReportScope,
} from '../../app/financing/reports.ts';
import { financierIdPattern } from '../../domain/products/postings.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';
import { dayNumberOfInstant } from '../../domain/time/instant.ts';
import { actFor, mayActFor, platformScope } from '../merchant-scope.ts';
import {
  access,
  dayParam,
  jsonReply,
  pageLimitDefault,
  pageLimitMax,
  principalOf,
  send,
} from '../plumbing.ts';
import { ProblemError } from '../problem.ts';
import {
  FacilityReportSchema,
  MerchantStatementSchema,
  PortfolioSummarySchema,
} from '../schemas-financing.ts';
import { facilityReportView, portfolioView, statementCsv, statementView } from '../views-financing.ts';

const FinancierId = Type.String({ pattern: financierIdPattern });
const MerchantId = Type.String({ pattern: '^mer_[A-Za-z0-9_-]{1,60}$' });
const DateText = (description: string) =>
  Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: `YYYY-MM-DD: ${description}` });

export const csvContentType = 'text/csv; charset=utf-8';

/** What a key may see: a financier its own facilities, a merchant its own; others all (then checked). */
function scopeOf(request: FastifyRequest): ReportScope {
  const principal = principalOf(request);
  const own = principal.objectId ?? '';
  if (principal.role === 'financier') return { financierId: own };
  if (principal.role === 'merchant') return { merchantId: own };
  return {};
}

/**
 * The period asked for: whole days, `from` through `to`, at most statementDaysMax of them — through
 * tomorrow at most (statementDaysAheadMax: money may be dated then), not a day dated further ahead
 * (the answer's `to` says through which day).
 */
function periodOf(query: { readonly from: string; readonly to: string }, today: number) {
  const fromDay = dayParam(query.from, 'from');
  const asked = dayParam(query.to, 'to');
  if (asked < fromDay) throw new ProblemError('parameter_invalid', 'to must not be before from', 'to');
  const last = today + statementDaysAheadMax;
  if (fromDay > last)
    throw new ProblemError(
      'parameter_invalid',
      `from is after ${fromDayNumber(last)} (tomorrow, UTC): a statement covers days money may be dated, tomorrow at most`,
      'from',
    );
  const toDay = Math.min(asked, last);
  if (toDay - fromDay + 1 > statementDaysMax)
    throw new ProblemError(
      'parameter_invalid',
      `a statement covers at most ${statementDaysMax} days; ask for a shorter period`,
      'to',
    );
  return { fromDay, toDay };
}

/** The statement this key may see: a financier's needs a facility it funds for the merchant. */
async function statementFor(
  app: AppContext,
  request: FastifyRequest,
  merchantId: string,
  period: { readonly fromDay: number; readonly toDay: number },
): Promise<MerchantStatement> {
  const scope = scopeOf(request);
  if (scope.financierId === undefined) await actFor(app, request, merchantId);
  const operator = principalOf(request).role === 'operator';
  const statement = await app.store.read(async (tx) => {
    const funded = (await tx.financing.facilitiesForMerchant(merchantId)).some(
      (f) => f.financierId === scope.financierId,
    );
    if (scope.financierId !== undefined && !funded) return null;
    // An operator may name any merchant: a mistyped id is refused, not shown owing nothing.
    if (operator && !(await knownMerchant(tx, merchantId))) return null;
    return merchantStatement(tx, { merchantId, ...period, scope });
  });
  if (statement === null)
    throw new ProblemError(
      'merchant_not_found',
      operator
        ? `no merchant ${merchantId}: no platform has sent an event about it and it has no facility`
        : `no merchant ${merchantId} for this key`,
    );
  return statement;
}

/**
 * CSV when asked for by `format=csv`, or, without `format`, by an Accept header that prefers it:
 * text/csv (or text/*) with a higher quality than JSON gets (application/json, application/* or
 * *\/*). A tie, or q=0, is JSON's, the default.
 */
function wantsCsv(request: FastifyRequest, format: string | undefined): boolean {
  if (format !== undefined) return format === 'csv';
  const quality = { csv: 0, json: 0 };
  for (const range of (request.headers.accept ?? '').split(',')) {
    const [type = '', ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = parameters.find((p) => p.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    if (!Number.isFinite(weight)) continue;
    if (type === 'text/csv' || type === 'text/*') quality.csv = Math.max(quality.csv, weight);
    if (type === 'application/json' || type === 'application/*' || type === '*/*')
      quality.json = Math.max(quality.json, weight);
  }
  return quality.csv > quality.json;
}

export function financingReportRoutes(app: AppContext): FastifyPluginAsyncTypebox {
  return async (server) => {
    server.get(
      '/v1/portfolio/summary',
      access(['operator', 'financier'], {
        summary: 'The portfolio: originations, outstanding, income, yield, PAR30, defaults and losses',
        description:
          'Per currency (amounts in different currencies are never added): overall, by product, by risk grade and by delinquency bucket, with facilities by status. Query `financier_id` narrows an operator key to one financier; a financier key always sees its own facilities only (another `financier_id` answers 403 role_not_allowed). Rates are fractions as decimal strings (`"0.012500"` is 1.25%), null with nothing to divide by.',
        tags: ['financing'],
        querystring: Type.Object(
          { financier_id: Type.Optional(FinancierId) },
          { additionalProperties: false },
        ),
        response: { 200: PortfolioSummarySchema },
      }),
      async (request, reply) => {
        const principal = principalOf(request);
        let financierId = request.query.financier_id;
        if (principal.role === 'financier') {
          if (financierId !== undefined && financierId !== principal.objectId)
            throw new ProblemError(
              'role_not_allowed',
              'a financier key sees its own portfolio only',
              'financier_id',
            );
          financierId = principal.objectId ?? '';
        }
        const scope = financierId === undefined ? {} : { financierId };
        const report = await app.store.read((tx) => portfolioReport(tx, scope));
        return send(reply, jsonReply(200, portfolioView(financierId ?? null, report)));
      },
    );

    server.get(
      '/v1/facilities/:id',
      access(['operator', 'financier', 'merchant', 'platform'], {
        summary: 'One facility: terms, balances, days past due, totals, schedule and history',
        description: `The schedule is an advance's forecast (the accepted offer's, dated from the payout — until it is made, from the acceptance), a term loan's instalments as charged (those not yet charged as they will be if paid as asked) with what is paid of each, or a credit line's unpaid statements; null for a facility cancelled (its payout failed). The history is the facility's events, oldest first, a page at a time: \`limit\` of them after \`after_sequence\`. A merchant key sees its own facilities, a financier key those it funds; any other answers 404 facility_not_found. ${platformScope}`,
        tags: ['financing'],
        params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
        querystring: Type.Object(
          {
            after_sequence: Type.Integer({
              minimum: 0,
              maximum: 2_147_483_647,
              default: 0,
              description: 'history after this event',
            }),
            limit: Type.Integer({ minimum: 1, maximum: pageLimitMax, default: pageLimitDefault }),
          },
          { additionalProperties: false },
        ),
        response: { 200: FacilityReportSchema },
      }),
      async (request, reply) => {
        const report = await app.store.read((tx) =>
          facilityReport(tx, {
            facilityId: request.params.id,
            scope: scopeOf(request),
            day: dayNumberOfInstant(app.clock.nowNs()),
            nowMs: app.clock.nowNs() / 1_000_000n,
            afterSequence: request.query.after_sequence,
            limit: request.query.limit,
          }),
        );
        if (
          report === undefined ||
          (principalOf(request).role === 'platform' &&
            !(await mayActFor(app, request, report.row.merchantId)))
        )
          throw new ProblemError('facility_not_found', `no facility ${request.params.id}`);
        return send(reply, jsonReply(200, facilityReportView(request.url.split('?')[0] as string, report)));
      },
    );

    server.get(
      '/v1/merchants/:id/statement',
      access(['operator', 'financier', 'merchant', 'platform'], {
        summary:
          "A merchant's statement for a period: each facility's lines, balances, and the settlements swept",
        description: `From \`from\` through \`to\` (at most ${statementDaysMax} days; through tomorrow (UTC) at most, the latest day a payout may be dated: a \`to\` after tomorrow is read as tomorrow, which the answer's \`to\` shows, and a \`from\` after tomorrow is refused): per facility the opening balance, the lines (date, type, a description in plain words, amount, running balance) and the closing balance, totals per currency, and the settlements swept in the period with what each deducted. \`format=csv\`, or \`Accept: text/csv\`, answers the lines as RFC 4180 CSV, each facility's between its opening and closing balance rows, amounts as decimals of the currency's unit. A merchant key asks for itself only; a financier key sees the lines of its own facilities (a merchant it does not fund answers 404 merchant_not_found). ${platformScope}`,
        tags: ['financing'],
        params: Type.Object({ id: MerchantId }),
        querystring: Type.Object(
          {
            from: DateText('the first day, not after tomorrow (UTC)'),
            to: DateText('the last day, inclusive; a day after tomorrow (UTC) is read as tomorrow'),
            format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])),
          },
          { additionalProperties: false },
        ),
        response: {
          200: {
            description: 'The statement, as JSON or (`format=csv`, `Accept: text/csv`) its lines as CSV',
            content: {
              'application/json': { schema: MerchantStatementSchema },
              'text/csv': { schema: Type.String({ description: 'RFC 4180, a header row first' }) },
            },
          },
        },
      }),
      async (request, reply) => {
        const period = periodOf(request.query, dayNumberOfInstant(app.clock.nowNs()));
        const statement = await statementFor(app, request, request.params.id, period);
        reply.header('vary', 'accept');
        if (!wantsCsv(request, request.query.format))
          return send(reply, jsonReply(200, statementView(statement)));
        const filename = `statement-${request.params.id}-${request.query.from}-${fromDayNumber(period.toDay)}.csv`;
        return reply
          .code(200)
          .type(csvContentType)
          .header('content-disposition', `attachment; filename="${filename}"`)
          .send(statementCsv(statement));
      },
    );
  };
}
