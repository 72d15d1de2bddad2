/**
 * Every answer the HTTP tests get, checked against what the server's own OpenAPI document says of
 * it: the operation (method and path template), the response for its status (exact, else its
 * `4XX`/`5XX` range), the content type, and the body against that content's JSON Schema. A
 * response documented without a body (`/docs`, routes that declare none) is not looked into; any
 * other difference fails the request with what differed — so the document cannot drift from the
 * views unnoticed.
 */
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

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
    if (operation === undefined) return null;
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
      validate = this.ajv.compile(this.inline(media['schema'] ?? {}) as object);
      this.validators.set(id, validate);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return `${where} with a body that is not JSON`;
    }
    if (validate(body)) return null;
    const errors = (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
    return `${where} with a body the document does not describe: ${errors.join('; ')}`;
  }

  private resolve(value: unknown): Json {
    const ref = (value as Json)['$ref'];
    if (typeof ref !== 'string') return value as Json;
    return this.resolve(
      ref
        .slice(2)
        .split('/')
        .reduce<unknown>((node, part) => (node as Json)[part], this.document),
    );
  }

  /** The schema with every `#/components/…` reference replaced by what it names. */
  private inline(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map((s) => this.inline(s));
    if (schema === null || typeof schema !== 'object') return schema;
    if (typeof (schema as Json)['$ref'] === 'string') return this.inline(this.resolve(schema));
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, this.inline(v)]));
  }
}
