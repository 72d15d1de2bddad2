/**
 * RFC 9457 problem details. Every error Capstan answers is `application/problem+json` with a `type`
 * that links to the code's entry in the API docs, a machine `code`, a human `detail`, the
 * `request_id` to quote to an operator, and `param` when one input field is at fault.
 */
import { type ProblemCode, statusByCode, titleByStatus } from './status-codes.ts';

export const problemContentType = 'application/problem+json; charset=utf-8';

export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: ProblemCode;
  readonly detail: string;
  readonly request_id: string;
  readonly param?: string;
}

export function problem(code: ProblemCode, detail: string, requestId: string, param?: string): Problem {
  const status = statusByCode[code];
  const body: Problem = {
    type: `/docs#error-${code}`,
    title: titleByStatus[status] ?? 'Error',
    status,
    code,
    detail,
    request_id: requestId,
  };
  return param === undefined ? body : { ...body, param };
}

/** Thrown inside a handler to answer a problem; the error handler turns it into the response. */
export class ProblemError extends Error {
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly param?: string,
  ) {
    super(detail);
  }
}
