/**
 * The ledger over HTTP (operators): accounts, transfers in batches with one result per transfer,
 * balances as of any instant, statements and the trial balance.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import type { AppContext } from '../../app/app-context.ts';
import { getAccount, listEntries, trialBalance } from '../../app/ledger/ledger-reads.ts';
import { createAccounts, createTransfers } from '../../app/ledger/ledger-writes.ts';
import { checkpointDayOf } from '../../domain/ledger/checkpoint.ts';
import {
  storedTransferIdLengthMax,
  timestampMax,
  timestampMin,
  transfersPerBatchMax,
} from '../../domain/ledger/limits.ts';
import { isExistsCode, transferResultCodes } from '../../domain/ledger/result-codes.ts';
import {
  type AccountFlagName,
  type AccountInput,
  accountFlagNames,
  type TransferFlagName,
  type TransferInput,
  transferFlagNames,
} from '../../domain/ledger/types.ts';
import { parseInstantNs, storableInstant } from '../../domain/time/instant.ts';
import {
  access,
  jsonReply,
  ListQuery,
  listEnvelope,
  listQuery,
  listReply,
  listSchema,
  ProblemSchema,
  pageAsked,
  problemReply,
  send,
  write,
} from '../plumbing.ts';
import { ProblemError } from '../problem.ts';
import { isProblemCode } from '../status-codes.ts';
import { accountView, checkpointView, entryView, isoFromNs, transferView } from '../views.ts';
import {
  LedgerAccount,
  LedgerCheckpoint,
  LedgerEntry,
  LedgerTransfer,
  TrialBalanceSchema,
} from './ledger-schemas.ts';

const Metadata = Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 256 }), {
  description: 'up to 16 short string pairs linking the entry to the business object that caused it',
});
const AmountText = Type.String({
  pattern: '^-?[0-9]{1,40}$',
  description: 'integer minor units, e.g. "1050" for 10.50 USD',
});
const IdText = Type.String({ minLength: 1, maxLength: 64 });

const CreateAccountBody = Type.Object(
  {
    id: Type.Optional(IdText),
    ledger: Type.String({
      minLength: 1,
      maxLength: 64,
      description: 'the tenant whose books the account is in',
    }),
    currency: Type.String({ minLength: 3, maxLength: 3, description: 'ISO 4217 code' }),
    code: Type.String({ minLength: 1, maxLength: 64, description: 'the chart-of-accounts code' }),
    flags: Type.Optional(
      Type.Array(Type.Union(Object.keys(accountFlagNames).map((name) => Type.Literal(name))), {
        maxItems: 2,
        uniqueItems: true,
      }),
    ),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);

const TransferBody = Type.Object(
  {
    id: IdText,
    debit_account_id: Type.Optional(IdText),
    credit_account_id: Type.Optional(IdText),
    amount: Type.Optional(AmountText),
    currency: Type.Optional(Type.String({ minLength: 1, maxLength: 3 })),
    code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    flags: Type.Optional(
      Type.Array(Type.Union(Object.keys(transferFlagNames).map((name) => Type.Literal(name))), {
        maxItems: 4,
        uniqueItems: true,
      }),
    ),
    pending_id: Type.Optional(IdText),
    timeout_seconds: Type.Optional(Type.Integer({ minimum: 0 })),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);

const CreateTransfersBody = Type.Object(
  { transfers: Type.Array(TransferBody, { minItems: 1, maxItems: transfersPerBatchMax }) },
  { additionalProperties: false },
);

const TransferResults = Type.Object({
  results: Type.Array(
    Type.Object({
      id: Type.String(),
      result: Type.Union(transferResultCodes.map((code) => Type.Literal(code))),
      timestamp: Type.Optional(Type.String()),
    }),
  ),
});

const asOfProperties = {
  as_of: Type.Optional(
    Type.String({ description: 'RFC 3339 date-time, or a date meaning the end of that day (UTC)' }),
  ),
};
const AsOfQuery = Type.Object(asOfProperties, { additionalProperties: false });
const IdParams = Type.Object({ id: IdText });
// A stored transfer's id may be the ledger's own, `<pending id>~expiry`: longer than a client's.
const TransferIdParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: storedTransferIdLengthMax }),
});

function asOf(value: string | undefined): bigint | null {
  if (value === undefined) return null;
  const ns = parseInstantNs(value);
  if (ns === null) {
    throw new ProblemError(
      'parameter_invalid',
      'as_of must be an RFC 3339 date-time or a YYYY-MM-DD date',
      'as_of',
    );
  }
  // Compared with stored timestamps, it must be one: outside, the store cannot bind it.
  if (!storableInstant(ns))
    throw new ProblemError(
      'parameter_invalid',
      `as_of must be an instant the ledger can hold: ${isoFromNs(timestampMin)} through ${isoFromNs(timestampMax)}`,
      'as_of',
    );
  return ns;
}

function flagBits<N extends string>(names: readonly N[] | undefined, table: Record<N, number>): number {
  return (names ?? []).reduce((bits, name) => bits | table[name], 0);
}

type TransferJson = Static<typeof TransferBody>;

function transferInput(body: TransferJson): TransferInput {
  return {
    id: body.id,
    flags: flagBits(body.flags as TransferFlagName[] | undefined, transferFlagNames),
    ...(body.debit_account_id === undefined ? {} : { debitAccountId: body.debit_account_id }),
    ...(body.credit_account_id === undefined ? {} : { creditAccountId: body.credit_account_id }),
    ...(body.amount === undefined ? {} : { amount: BigInt(body.amount) }),
    ...(body.currency === undefined ? {} : { currency: body.currency }),
    ...(body.code === undefined ? {} : { code: body.code }),
    ...(body.pending_id === undefined ? {} : { pendingId: body.pending_id }),
    ...(body.timeout_seconds === undefined ? {} : { timeoutSeconds: body.timeout_seconds }),
    ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
  };
}

export function ledgerRoutes(app: AppContext): FastifyPluginAsyncTypebox {
  const operator = ['operator'] as const;
  return async (server) => {
    server.post(
      '/v1/ledger/accounts',
      access(operator, {
        summary: 'Open a ledger account',
        description:
          'Opens an account with zero balances. Opening the same id again with the same body answers the account (idempotent); with a different body, 409 and the first field that differs (`exists_with_different_currency`, …).',
        tags: ['ledger'],
        body: CreateAccountBody,
        response: { 200: LedgerAccount, 400: ProblemSchema, 409: ProblemSchema },
      }),
      async (request, reply) =>
        write(app, request, reply, async (tx) => {
          const body = request.body;
          const input: AccountInput = {
            id: body.id ?? app.entropy.id('lac'),
            ledger: body.ledger,
            currency: body.currency,
            code: body.code,
            flags: flagBits(body.flags as AccountFlagName[] | undefined, accountFlagNames),
            ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
          };
          const [outcome] = await createAccounts(tx, app, [input]);
          if (outcome?.account !== undefined) return jsonReply(200, accountView(outcome.account));
          const code = outcome?.result ?? 'internal_error';
          if (!isProblemCode(code)) throw new Error(`account result ${code} has no HTTP status`);
          return problemReply(request, code, describeAccountResult(code), accountResultParam(code));
        }),
    );

    server.get(
      '/v1/ledger/accounts',
      access(operator, {
        summary: 'List ledger accounts',
        tags: ['ledger'],
        querystring: listQuery({
          ledger: Type.Optional(Type.String({ maxLength: 64 })),
          currency: Type.Optional(Type.String({ maxLength: 3 })),
          code: Type.Optional(Type.String({ maxLength: 64 })),
        }),
        response: { 200: listSchema(LedgerAccount) },
      }),
      async (request, reply) => {
        const { ledger, currency, code } = request.query;
        const filter = {
          ...(ledger ? { ledger } : {}),
          ...(currency ? { currency } : {}),
          ...(code ? { code } : {}),
        };
        const accounts = await app.store.read((tx) =>
          tx.ledger.listAccounts(filter, pageAsked(request.query)),
        );
        return send(
          reply,
          listReply(request.url, accounts, request.query.limit, (a) => accountView(a)),
        );
      },
    );

    server.get(
      '/v1/ledger/accounts/:id',
      access(operator, {
        summary: 'Retrieve a ledger account, now or as of an instant',
        tags: ['ledger'],
        params: IdParams,
        querystring: AsOfQuery,
        response: { 200: LedgerAccount, 404: ProblemSchema },
      }),
      async (request, reply) => {
        const asOfNs = asOf(request.query.as_of);
        const found = await app.store.read((tx) => getAccount(tx, request.params.id, asOfNs));
        if (!found.ok) throw new ProblemError(found.code, found.detail ?? found.code);
        return send(reply, jsonReply(200, accountView(found.value.account, found.value.balances, asOfNs)));
      },
    );

    server.get(
      '/v1/ledger/accounts/:id/entries',
      access(operator, {
        summary: "An account's entries (its statement), oldest first",
        description:
          "Each entry is a transfer that debited or credited the account, with the account's totals right after it. `as_of` ends the statement at that instant.",
        tags: ['ledger'],
        params: IdParams,
        querystring: listQuery(asOfProperties),
        response: { 200: listSchema(LedgerEntry), 404: ProblemSchema },
      }),
      async (request, reply) => {
        const asOfNs = asOf(request.query.as_of);
        const { limit, starting_after: startingAfter } = request.query;
        const page = await app.store.read((tx) =>
          listEntries(tx, request.params.id, { startingAfter, limit, asOfNs }),
        );
        if (!page.ok)
          throw new ProblemError(
            page.code,
            page.detail ?? page.code,
            page.code === 'starting_after_not_found' ? 'starting_after' : undefined,
          );
        return send(
          reply,
          jsonReply(200, listEnvelope(request.url, page.value.entries.map(entryView), page.value.hasMore)),
        );
      },
    );

    server.post(
      '/v1/ledger/transfers',
      access(operator, {
        summary: 'Create transfers',
        description: `Up to ${transfersPerBatchMax} transfers in one atomic call, executed in order. Answers one result per transfer, in order, with status 200 even when some are rejected: \`ok\`, or the code of the first rule the transfer broke. Transfers flagged \`linked\` succeed or fail with the next ones up to the first without the flag. \`pending\` reserves; \`post_pending\` (optionally a smaller amount) or \`void_pending\` with \`pending_id\` resolves; \`timeout_seconds\` expires a pending transfer. Retrying a transfer id answers \`exists\`.`,
        tags: ['ledger'],
        body: CreateTransfersBody,
        response: { 200: TransferResults, 400: ProblemSchema },
      }),
      async (request, reply) =>
        write(app, request, reply, async (tx) => {
          const results = await createTransfers(tx, app, request.body.transfers.map(transferInput));
          return jsonReply(200, {
            results: results.map((r) =>
              r.timestamp === undefined
                ? { id: r.id, result: r.result }
                : { id: r.id, result: r.result, timestamp: r.timestamp.toString() },
            ),
          });
        }),
    );

    server.get(
      '/v1/ledger/transfers/:id',
      access(operator, {
        summary: 'Retrieve a transfer',
        tags: ['ledger'],
        params: TransferIdParams,
        response: { 200: LedgerTransfer, 404: ProblemSchema },
      }),
      async (request, reply) => {
        const transfer = await app.store.read((tx) => tx.ledger.transfer(request.params.id));
        if (transfer === undefined)
          throw new ProblemError('transfer_not_found', `no transfer ${request.params.id}`);
        return send(reply, jsonReply(200, transferView(transfer)));
      },
    );

    server.get(
      '/v1/ledger/checkpoints',
      access(operator, {
        summary: "The ledger's daily checkpoints, oldest first",
        description:
          'One for each closed UTC day, made by the daily cycle: the RFC 6962 Merkle root of the transfers stamped that day and of the decisions chained with it, their counts, ranges and chain hashes at the day’s end, and the previous checkpoint’s hash. Keep them outside the database (or take the `ledger.checkpoint.created` webhook): `capstan verify --checkpoints FILE` checks the database’s against them. Paginated like every list: `limit` (1–100, default 10) and `starting_after` (the id of the last checkpoint of the previous page).',
        tags: ['ledger'],
        querystring: ListQuery,
        response: { 200: listSchema(LedgerCheckpoint), 400: ProblemSchema },
      }),
      async (request, reply) => {
        const { limit, starting_after: after } = request.query;
        const afterDay = after === undefined ? undefined : checkpointDayOf(after);
        const notFound = () =>
          new ProblemError('starting_after_not_found', `no checkpoint ${after}`, 'starting_after');
        if (afterDay === null) throw notFound();
        const checkpoints = await app.store.read(async (tx) => {
          // The checkpoint named must be one, as an account entry or an audit entry must.
          if (afterDay !== undefined && (await tx.ledger.checkpoint(afterDay)) === undefined)
            throw notFound();
          return tx.ledger.checkpoints({
            ...(afterDay === undefined ? {} : { afterDay }),
            limit: limit + 1,
          });
        });
        return send(reply, listReply(request.url, checkpoints, limit, checkpointView));
      },
    );

    server.get(
      '/v1/ledger/trial_balance',
      access(operator, {
        summary: 'Trial balance per ledger, currency and account code, now or as of an instant',
        tags: ['ledger'],
        querystring: AsOfQuery,
        response: { 200: TrialBalanceSchema },
      }),
      async (request, reply) => {
        const asOfNs = asOf(request.query.as_of);
        const balance = await app.store.read((tx) => trialBalance(tx, asOfNs));
        return send(reply, jsonReply(200, trialBalanceView(balance, asOfNs)));
      },
    );
  };
}

function trialBalanceView(balance: Awaited<ReturnType<typeof trialBalance>>, asOfNs: bigint | null) {
  const amounts = (b: {
    debitsPending: bigint;
    debitsPosted: bigint;
    creditsPending: bigint;
    creditsPosted: bigint;
  }) => ({
    debits_posted: b.debitsPosted.toString(),
    credits_posted: b.creditsPosted.toString(),
    debits_pending: b.debitsPending.toString(),
    credits_pending: b.creditsPending.toString(),
  });
  return {
    object: 'trial_balance',
    as_of: asOfNs === null ? null : isoFromNs(asOfNs),
    as_of_timestamp: asOfNs === null ? null : asOfNs.toString(),
    rows: balance.rows.map((row) => ({
      ledger: row.ledger,
      currency: row.currency,
      code: row.code,
      account_count: Number(row.accountCount),
      ...amounts(row),
    })),
    totals: [...balance.totals.entries()].map(([currency, sum]) => ({
      currency,
      ...amounts(sum),
      balanced: sum.debitsPosted === sum.creditsPosted && sum.debitsPending === sum.creditsPending,
    })),
  };
}

function describeAccountResult(code: string): string {
  if (isExistsCode(code))
    return `an account with this id exists with a different ${code.replace('exists_with_different_', '')}`;
  return `the account was not opened: ${code.replaceAll('_', ' ')}`;
}

function accountResultParam(code: string): string | undefined {
  const field =
    /^exists_with_different_(\w+)$/.exec(code)?.[1] ??
    /^(id|ledger|code|currency|flags|metadata)_/.exec(code)?.[1];
  return field;
}
