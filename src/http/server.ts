/**
 * The HTTP API: Fastify with TypeBox schemas, OpenAPI 3.1 generated from those schemas, every error
 * an RFC 9457 problem, API keys with roles on every route, idempotent POSTs.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
} from 'fastify';
import type { AppContext } from '../app/app-context.ts';
import { offerSettings } from '../app/financing/offer-settings.ts';
import { sweepSettings } from '../app/financing/sweep-settings.ts';
import { StoreBusy, StoreFull, StoreUnavailable } from '../app/ports.ts';
import { decisionSettings } from '../app/risk/decision-settings.ts';
import { jsonBodyProblem } from './json-body-problem.ts';
import { pathParameterLengthMax, requestBodyBytesMax } from './limits.ts';
import { completeOpenapiDocument } from './openapi-document.ts';
import { authenticationHook } from './plumbing.ts';
import { type Problem, ProblemError, problem, problemContentType } from './problem.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { auditRoutes } from './routes/audit.ts';
import { collectionsRoutes } from './routes/collections.ts';
import { creditLineRoutes } from './routes/credit-lines.ts';
import { eventRoutes } from './routes/events.ts';
import { financingRoutes } from './routes/financing.ts';
import { financingReportRoutes } from './routes/financing-reports.ts';
import { ledgerRoutes } from './routes/ledger.ts';
import { merchantExportRoutes } from './routes/merchant-export.ts';
import { riskRoutes } from './routes/risk.ts';
import { settingsRoutes } from './routes/settings.ts';
import { systemRoutes } from './routes/system.ts';
import { toolRoutes } from './routes/tools.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { compileValidator, describeValidationError } from './validation.ts';

/** How long a client told `database_busy` is asked to wait before sending the request again. */
const databaseBusyRetryAfterSeconds = 1;

export interface ServerOptions {
  readonly app: AppContext;
  /** Pino options, or false for none (tests). */
  readonly logger?: boolean | { level: string };
  readonly version: string;
}

export type CapstanServer = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export async function buildServer(options: ServerOptions): Promise<CapstanServer> {
  const { app } = options;
  const server = Fastify({
    logger: options.logger ?? false,
    bodyLimit: requestBodyBytesMax,
    // Request ids are ours: a client-sent header is not trusted to be unique.
    genReqId: () => app.entropy.id('req'),
    requestIdHeader: false,
    return503OnClosing: true,
    // Node answers an HTTP/1.1 request without a Host header 400 with no body and no request id;
    // the hook below answers it as every other error (request_malformed).
    http: { requireHostHeader: false },
    // A request line may name the whole URL (absolute-form, RFC 9112 §3.2.2), as a proxy sends it:
    // the route, an Idempotency-Key's fingerprint and a list's `url` see its path and query alone.
    rewriteUrl: (request) => originForm(request.url ?? '/'),
    routerOptions: { maxParamLength: pathParameterLengthMax },
    // What the router refuses before any route (a path it cannot decode, a parameter over its
    // bound) is answered as every other error, not in the framework's own JSON.
    frameworkErrors: (error, request, reply) => {
      const body = routerProblem(error, request.id);
      void (reply as FastifyReply)
        .header('request-id', request.id)
        .header('x-content-type-options', 'nosniff')
        .code(body.status)
        .type(problemContentType)
        .send(JSON.stringify(body));
    },
    // What Node's HTTP parser refuses before there is a request (a body longer or shorter than its
    // Content-Length, a bad header line, headers over Node's bound, a request too slow to arrive)
    // is answered as a problem too, on the connection, which is then closed.
    clientErrorHandler: (error, socket) => answerClientError(error, socket, app.entropy.id('req')),
  }).withTypeProvider<TypeBoxTypeProvider>();
  // An Expect other than 100-continue, before there is a request: Node answered it 417 with no body.
  server.server.on('checkExpectation', (_request: IncomingMessage, response: ServerResponse) =>
    answerExpectation(response, app.entropy.id('req')),
  );

  server.setValidatorCompiler(compileValidator);
  // JSON only: a text/plain body would otherwise reach the schema as a string.
  server.removeContentTypeParser('text/plain');
  // An empty body sent as JSON is no body: many clients send the header on every request, and a
  // route whose body may be left out takes it as `{}` (one that needs a body says what is missing).
  const parseJson = server.getDefaultJsonParser('error', 'error');
  server.removeContentTypeParser('application/json');
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    // Too deep, or holding a NUL, for any route's body: answered before it is parsed.
    const refused = jsonBodyProblem(text);
    if (text.trim() === '') done(null, undefined);
    else if (refused !== null) done(refused, undefined);
    else parseJson(request, text, done);
  });
  server.addHook('onRoute', (route) => {
    if (route.config?.roles === undefined) {
      throw new Error(`route ${route.method} ${route.url} must declare the roles that may call it`);
    }
  });
  server.addHook('onRequest', async (request, reply) => {
    reply.header('request-id', request.id);
    // Every answer is what its Content-Type says, and a browser is told not to guess otherwise: a
    // statement's CSV (text a merchant's events wrote into) or a JSON answer is never run as a page.
    reply.header('x-content-type-options', 'nosniff');
  });
  // RFC 9112 §3.2: an HTTP/1.1 request must carry Host (HTTP/1.0 need not); refused before the key
  // is looked at, as Node would, but as a problem.
  server.addHook('onRequest', async (request) => {
    const { httpVersionMajor, httpVersionMinor, headers } = request.raw;
    if (httpVersionMajor === 1 && httpVersionMinor >= 1 && headers.host === undefined)
      throw new ProblemError(
        'request_malformed',
        'an HTTP/1.1 request must send a Host header (RFC 9112, section 3.2)',
      );
  });
  // PostgreSQL's text holds no NUL, and no id or filter has one: refused before the key is looked
  // at, as a URL the router cannot take is, on every database alike (it was a 500 on PostgreSQL).
  server.addHook('onRequest', async (request) => {
    if (request.url.includes('%00'))
      throw new ProblemError(
        'parameter_invalid',
        'the URL holds a NUL character (%00), which no path or query parameter takes',
      );
  });
  // A path with an empty segment where an id goes (`/v1/decisions/`, a trailing slash) names no
  // resource: it is no route, as for any other path the API does not have — not a lookup of ''.
  server.addHook('onRequest', async (request) => {
    const params = request.params as Record<string, unknown> | undefined;
    if (params !== undefined && Object.values(params).some((value) => value === ''))
      throw new ProblemError('route_not_found', `no route ${request.method} ${request.url.split('?')[0]}`);
  });
  server.addHook('onRequest', authenticationHook(app));
  server.setErrorHandler((error: FastifyError, request, reply) => {
    const body = problemFor(error, request.id);
    if (body.status >= 500) request.log.error({ err: error }, 'request failed');
    if (body.code === 'database_busy' || body.code === 'database_unavailable')
      reply.header('retry-after', String(databaseBusyRetryAfterSeconds));
    return reply.code(body.status).type(problemContentType).send(JSON.stringify(body));
  });
  server.setNotFoundHandler((request, reply) => {
    const body = problem(
      'route_not_found',
      `no route ${request.method} ${request.url.split('?')[0]}`,
      request.id,
    );
    return reply.code(body.status).type(problemContentType).send(JSON.stringify(body));
  });

  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Capstan API',
        version: options.version,
        description:
          'Embedded supply-chain finance for e-commerce platforms. Amounts are integer minor units as strings; ' +
          'every POST honours `Idempotency-Key`; errors are RFC 9457 problem details.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An API key: `Authorization: Bearer cap_…`',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    transformObject: (built) =>
      completeOpenapiDocument('openapiObject' in built ? built.openapiObject : built.swaggerObject),
  });
  await server.register(systemRoutes(app, options.version));
  await server.register(apiKeyRoutes(app));
  await server.register(ledgerRoutes(app));
  await server.register(eventRoutes(app));
  await server.register(riskRoutes(app));
  await server.register(
    settingsRoutes(app, decisionSettings, {
      what: 'decision settings',
      tag: 'decisions',
      fields:
        'Amounts in minor units as decimal strings ("50000"; `{"$bigint":"50000"}`, as GET answers them, is read the same), rates and shares in whole basis points, days and counts as whole numbers, PDs as fractions strictly between 0 and 1. `gradeBands` is the whole list, best first: 1 to 25 `{grade, maxPd}`, each grade one capital letter other than F and used once, `maxPd` strictly increasing; `maxPd` may not exceed the last band\'s.',
    }),
  );
  await server.register(
    settingsRoutes(app, offerSettings, {
      what: 'offer settings',
      tag: 'financing',
      fields:
        'Amounts in minor units as decimal strings, rates and shares in whole basis points, days and months as whole numbers. `advanceSizesBps`: 1 to 3 shares of the limit, largest first; `termLoanMonths`: up to 6 terms, shortest first (none: no term loans); `termLoanGrades`, `creditLineGrades`: grade letters; `termLoanAmortization`: `level_payment` or `equal_principal`; `creditLineDayCount`: `act_365f` or `act_360`; `minimumPayment`: null or `{periodDays, shareBps}`; `advanceMaxTermDays`: null or at least `advanceTargetTermDays`; `holdbackRateMaxBps`, and the sweep rate of a credit line (1000) while `creditLineGrades` names any, no more than the `dailyDeductionCapBps` of the sweep settings; `currencyAmounts`: by currency, `{minimumOfferMinor, amountRoundingMinor}` instead of those two for offers in it (a change replaces the whole table); `disbursementDeadlineDays`: 1 to 60, the days after acceptance (or a draw) a payout may be confirmed, read when the daily cycle runs (so a change applies to payouts already waiting). Offers made afterwards follow them; offers already made keep their terms.',
    }),
  );
  await server.register(toolRoutes(app));
  await server.register(financingRoutes(app));
  await server.register(
    settingsRoutes(app, sweepSettings, {
      what: 'sweep settings',
      tag: 'financing',
      fields:
        "`dailyDeductionCapBps`: the most of a day's settled money (per merchant and currency) the day's deductions may take, 1–10000, and no less than the offering settings' `holdbackRateMaxBps` nor, while credit lines are offered, a line's sweep rate (1000): else payouts could not repay what offers disclose; `componentOrder`: `fees`, `interest` and `principal`, each once, in the order each facility's overdue, then due, then early amounts are paid. Commits, previews and ingested payouts sweep by them from then on.",
    }),
  );
  await server.register(financingReportRoutes(app));
  await server.register(creditLineRoutes(app));
  await server.register(collectionsRoutes(app));
  await server.register(webhookRoutes(app));
  await server.register(auditRoutes(app));
  await server.register(merchantExportRoutes(app));
  return server;
}

/**
 * A client error of Node's HTTP parser, met before there is a request to answer: answered as a
 * problem written to the connection, which is then closed (what is left on it cannot be read as
 * HTTP). A connection already reset or destroyed is left alone.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex, requestId: string): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const body =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? problem('request_timeout', 'the request did not arrive in time', requestId)
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? problem(
            'request_headers_too_large',
            'the request headers are larger than the server takes',
            requestId,
          )
        : problem(
            'request_malformed',
            'the request is not valid HTTP/1.1 (a body that does not match its Content-Length, say, or a malformed header)',
            requestId,
          );
  const text = JSON.stringify(body);
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${body.status} ${body.title}\r\nContent-Type: ${problemContentType}\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nrequest-id: ${requestId}\r\n` +
        `X-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${text}`,
    );
  socket.destroy();
}

/**
 * A request target in origin form: `http://host:port/v1/x?y` is `/v1/x?y`, as the same request sent
 * with its path would be (`http://host` alone, `/`); any other form is as sent.
 */
export function originForm(target: string): string {
  const absolute = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(target);
  if (absolute === null) return target;
  const rest = target.slice(absolute[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * A request whose Expect header names something other than 100-continue (RFC 9110 §10.1.1), which
 * no route can meet: answered 417 expectation_failed, unread, and its connection closed (a body it
 * may still send could not be told from the next request).
 */
function answerExpectation(response: ServerResponse, requestId: string): void {
  const body = problem(
    'expectation_failed',
    'the Expect header names an expectation the server cannot meet: only 100-continue is understood',
    requestId,
  );
  const text = JSON.stringify(body);
  response.writeHead(body.status, {
    'content-type': problemContentType,
    'content-length': Buffer.byteLength(text),
    'request-id': requestId,
    'x-content-type-options': 'nosniff',
    connection: 'close',
  });
  response.end(text);
}

/** An error of the router's, met before any route is matched: the client's URL, or ours. */
function routerProblem(error: FastifyError, requestId: string): Problem {
  if (error.code === 'FST_ERR_BAD_URL')
    return problem(
      'parameter_invalid',
      "the URL's path is not valid: a % must begin a percent-encoded byte of UTF-8",
      requestId,
    );
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return problem(
      'parameter_invalid',
      `a path parameter is longer than ${pathParameterLengthMax} characters`,
      requestId,
    );
  return problemFor(error, requestId);
}

function problemFor(error: FastifyError, requestId: string): Problem {
  if (error instanceof ProblemError) return problem(error.code, error.detail, requestId, error.param);
  if (error.validation !== undefined) {
    const described = describeValidationError(error.validation, error.validationContext ?? 'body');
    return problem(described.code, described.detail, requestId, described.param);
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(
        'request_body_too_large',
        `the request body is larger than ${requestBodyBytesMax} bytes`,
        requestId,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem('unsupported_media_type', 'send JSON with Content-Type: application/json', requestId);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problem('request_body_invalid_json', 'the request body is not valid JSON', requestId);
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && error.message.includes('JSON'))) {
    return problem('request_body_invalid_json', 'the request body is not valid JSON', requestId);
  }
  if (error.statusCode === 503)
    return problem('service_unavailable', 'the server is shutting down', requestId);
  if (error instanceof StoreBusy)
    return problem(
      'database_busy',
      'the database is busy with other writes and nothing was written; send the request again in a moment',
      requestId,
    );
  if (error instanceof StoreFull)
    return problem(
      'database_full',
      'the disk holding the database is full and nothing was written; send the request again once the operator has made room',
      requestId,
    );
  if (error instanceof StoreUnavailable)
    return problem(
      'database_unavailable',
      'the database could not be reached or stopped answering; send the request again in a moment (with the same Idempotency-Key, it is not applied twice)',
      requestId,
    );
  return problem(
    'internal_error',
    'something went wrong on our side; quote the request_id when reporting it',
    requestId,
  );
}
