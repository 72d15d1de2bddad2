/**
 * Every answer the HTTP tests get, checked against what the server's own OpenAPI document says of
 * it: the operation (method and path template), the response for its status (exact, else its
 * `4XX`/`5XX` range), the content type, and the body against that content's JSON Schema. A
 * response documented without a body (`/docs`, routes that declare none) is not looked into; any
 * other difference fails the request with what differed — a field the document does not name, a
 * problem whose `status` or `code` disagrees with the answer, an answer from a route the document
 * lacks — so the document cannot drift from the views unnoticed.
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { resolveRef } from '../../src/http/openapi-document.ts';
import { statusByCode } from '../../src/http/status-codes.ts';

// CommonJS with a default export: under NodeNext it sits on `.default`.
const Ajv2020 = Ajv2020Module.default;
const addFormats = addFormatsModule.default;

type Json = Record<string, unknown>;

interface Operation {
  readonly template: string;
  readonly pattern: RegExp;
  readonly method: string;
  readonly responses: Json;
}

/**
 * Every object schema closed to properties it does not name (TypeBox leaves them open): a field a
 * view adds is a difference too. The branches of an `allOf` stay open — each names only its part —
 * and the `allOf` itself is closed to what none of them names (`unevaluatedProperties`).
 */
function closed(schema: unknown, inAllOf = false): unknown {
  if (Array.isArray(schema)) return schema.map((s) => closed(s, inAllOf));
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema as Json)) {
    if (key === 'properties' && value !== null && typeof value === 'object')
      out[key] = Object.fromEntries(Object.entries(value).map(([name, v]) => [name, closed(v)]));
    else out[key] = closed(value, key === 'allOf');
  }
  const object = out['type'] === 'object' && out['properties'] !== undefined;
  if (
    object &&
    !inAllOf &&
    out['additionalProperties'] === undefined &&
    out['patternProperties'] === undefined
  )
    out['additionalProperties'] = false;
  // An allOf is closed as a whole: no property that none of its branches names.
  if (Array.isArray(out['allOf']) && !inAllOf && out['unevaluatedProperties'] === undefined)
    out['unevaluatedProperties'] = false;
  return out;
}

/** A problem's `status` and `code` agree with the answer's status. */
function problemMismatch(where: string, status: number, body: unknown): string | null {
  const problem = body as { status?: unknown; code?: unknown };
  if (problem.status !== status) return `${where} with a problem of status ${String(problem.status)}`;
  const expected = (statusByCode as Record<string, number>)[String(problem.code)];
  return expected === status ? null : `${where} with code ${String(problem.code)}, which is ${expected}`;
}

export class OpenapiConformance {
  private readonly operations: Operation[] = [];
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly validators = new Map<string, ReturnType<InstanceType<typeof Ajv2020>['compile']>>();

  constructor(private readonly document: Json) {
    addFormats(this.ajv);
    for (const [template, item] of Object.entries(document['paths'] as Record<string, Json>)) {
      const pattern = new RegExp(
        `^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`,
      );
      for (const [method, operation] of Object.entries(item))
        this.operations.push({
          template,
          pattern,
          method: method.toUpperCase(),
          responses: ((operation as Json)['responses'] ?? {}) as Json,
        });
    }
  }

  /** What differs between an answer and the document, or null; a path the document lacks answers null. */
  /** `check` of a fetched answer and its body's text. */
  checkResponse(method: string, url: string, response: Response, text: string): string | null {
    return this.check(method, url, response.status, response.headers.get('content-type'), text);
  }

  check(
    method: string,
    url: string,
    status: number,
    contentType: string | null,
    text: string,
  ): string | null {
    const path = url.split('?')[0] as string;
    // A literal segment wins over a parameter (`/v1/settings/offering` before `/v1/settings/{x}`).
    const operation = this.operations
      .filter((o) => o.method === method.toUpperCase() && o.pattern.test(path))
      .sort(
        (a, b) => b.template.replace(/\{[^}]+\}/g, '').length - a.template.replace(/\{[^}]+\}/g, '').length,
      )[0];
    // Only an unknown route may be missing from the document.
    if (operation === undefined)
      return status === 404 && text.includes('"route_not_found"')
        ? null
        : `${method} ${path} answered ${status}: no operation of the document is that`;
    const where = `${method} ${operation.template} answered ${status}`;
    const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => k in operation.responses);
    if (key === undefined) return `${where}, which the document does not list`;
    const response = this.resolve(operation.responses[key]);
    const content = response['content'] as Record<string, Json> | undefined;
    if (content === undefined) return null;
    const type = (contentType ?? '').split(';')[0]?.trim() ?? '';
    const media = content[type];
    if (media === undefined)
      return `${where} as ${type || 'nothing'}; the document says ${Object.keys(content).join(', ')}`;
    if (!type.endsWith('json')) return null;
    const id = `${method} ${operation.template} ${key} ${type}`;
    let validate = this.validators.get(id);
    if (validate === undefined) {
      validate = this.ajv.compile(closed(this.inline(media['schema'] ?? {})) as object);
      this.validators.set(id, validate);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return `${where} with a body that is not JSON`;
    }
    if (validate(body)) return status >= 400 ? problemMismatch(where, status, body) : null;
    const errors = (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    return `${where} with a body the document does not describe: ${errors.join('; ')}`;
  }

  private resolve(value: unknown): Json {
    return resolveRef(this.document, value);
  }

  /** The schema with every `#/components/…` reference replaced by what it names. */
  private inline(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map((s) => this.inline(s));
    if (schema === null || typeof schema !== 'object') return schema;
    if (typeof (schema as Json)['$ref'] === 'string') return this.inline(this.resolve(schema));
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, this.inline(v)]));
  }
}
