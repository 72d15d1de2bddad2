/**
 * Request validation. Bodies are validated strictly — no type coercion, unknown fields rejected,
 * never silently dropped; a body may be left out only where every field is optional — while query
 * strings and path parameters are text and are coerced to the declared types. Every failure names the offending field as `param` in dotted form
 * (`transfers[0].amount`).
 */
import AjvModule, { type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import type { ProblemCode } from './status-codes.ts';

// ajv and ajv-formats are CommonJS with a default export; under NodeNext it sits on `.default`.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

function makeAjv(coerceTypes: boolean) {
  const ajv = new Ajv({
    allErrors: false,
    coerceTypes,
    useDefaults: true,
    removeAdditional: false,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

const bodyAjv = makeAjv(false);
const textAjv = makeAjv(true);

/** Whether a body of this schema may be left out: an object none of whose fields is required. */
export function bodyMayBeLeftOut(schema: object): boolean {
  const shape = schema as { type?: unknown; required?: readonly unknown[] };
  return shape.type === 'object' && (shape.required?.length ?? 0) === 0;
}

/**
 * A body whose fields are all optional may be left out (`POST` with no body is the same as `{}`;
 * the route reads `request.body?.…`); any other body is required and validated as declared.
 */
export function compileValidator({ schema, httpPart }: { schema: object; httpPart?: string }) {
  if (httpPart !== 'body') return textAjv.compile(schema);
  const validate = bodyAjv.compile(schema);
  if (!bodyMayBeLeftOut(schema)) return validate;
  // Fastify hands over a request without a body as null.
  const optional = (data: unknown) => data === null || data === undefined || validate(data);
  // Fastify reads a failed validation's errors from the function, as Ajv leaves them on its own.
  Object.defineProperty(optional, 'errors', { get: () => validate.errors });
  return optional as typeof validate;
}

/** `/transfers/0/amount` → `transfers[0].amount` */
function pointerToParam(pointer: string): string {
  let param = '';
  for (const segment of pointer.split('/').slice(1)) {
    const key = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    param += /^[0-9]+$/.test(key) ? `[${key}]` : param === '' ? key : `.${key}`;
  }
  return param;
}

function join(base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`;
}

export interface ValidationProblem {
  readonly code: ProblemCode;
  readonly param: string;
  readonly detail: string;
}

export function describeValidationError(
  errors: readonly (FastifySchemaValidationError | ErrorObject)[],
  context: string,
): ValidationProblem {
  const error = errors[0] as ErrorObject | undefined;
  const where =
    context === 'querystring' ? 'query parameter' : context === 'params' ? 'path parameter' : 'field';
  if (error === undefined) return { code: 'parameter_invalid', param: '', detail: `invalid ${context}` };
  const base = pointerToParam(error.instancePath);
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    const param = join(base, String(params['missingProperty']));
    return { code: 'parameter_missing', param, detail: `missing required ${where} ${param}` };
  }
  if (error.keyword === 'additionalProperties') {
    const param = join(base, String(params['additionalProperty']));
    return { code: 'parameter_unknown', param, detail: `unknown ${where} ${param}` };
  }
  const param = base === '' ? context : base;
  return { code: 'parameter_invalid', param, detail: `${where} ${param} ${error.message ?? 'is invalid'}` };
}
