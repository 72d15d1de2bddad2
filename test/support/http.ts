/**
 * A real Capstan HTTP server on 127.0.0.1 with a random port, on a real store, and a small client
 * that speaks its conventions (bearer keys, JSON bodies) and checks every answer against the
 * server's OpenAPI document.
 */
import { bootstrapOperatorKey } from '../../src/app/access/api-keys.ts';
import type { AppContext } from '../../src/app/app-context.ts';
import { buildServer, type CapstanServer } from '../../src/http/server.ts';
import { sha256, testEntropy } from '../../src/storage/contract/fixtures.ts';
import type { BackendUnderTest, Harness } from './backends.ts';
import { ManualClock } from './manual-clock.ts';
import { OpenapiConformance } from './openapi-conformance.ts';

export const testOperatorKey = 'cap_op_test-operator-key-0123456789abcdef';

export interface TestServer {
  readonly url: string;
  readonly harness: Harness;
  readonly app: AppContext;
  readonly server: CapstanServer;
  request(method: string, path: string, options?: RequestOptions): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface RequestOptions {
  readonly key?: string | null;
  readonly body?: unknown;
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON.
  readonly json: any;
}

export async function startTestServer(backend: BackendUnderTest): Promise<TestServer> {
  const harness = await backend.open();
  await harness.store.migrate();
  const app: AppContext = { store: harness.store, clock: new ManualClock(), entropy: testEntropy, sha256 };
  return serveTestApp(harness, app);
}

/**
 * The server on a store a test has set up already (a lending book, say), `testOperatorKey` its
 * operator key; closing it disposes of the store too.
 */
export async function serveTestApp(harness: Harness, app: AppContext): Promise<TestServer> {
  const bootstrap = await harness.store.write((tx) => bootstrapOperatorKey(tx, app, testOperatorKey));
  if (!bootstrap.ok) throw new Error(bootstrap.code);
  const server = await buildServer({ app, version: 'test', logger: false });
  await server.listen({ port: 0, host: '127.0.0.1' });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');
  const url = `http://127.0.0.1:${address.port}`;
  let conformance: OpenapiConformance | undefined;
  return {
    url,
    harness,
    app,
    server,
    async request(method, path, options = {}) {
      const key = options.key === undefined ? testOperatorKey : options.key;
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (key !== null) headers['authorization'] = `Bearer ${key}`;
      let body: string | undefined;
      if (options.rawBody !== undefined) body = options.rawBody;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined && headers['content-type'] === undefined)
        headers['content-type'] = 'application/json';
      const response = await fetch(url + path, { method, headers, ...(body === undefined ? {} : { body }) });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      // Every answer as the OpenAPI document describes it (test/support/openapi-conformance.ts).
      conformance ??= new OpenapiConformance(server.swagger() as unknown as Record<string, unknown>);
      const differs = conformance.checkResponse(method, path, response, text);
      if (differs !== null) throw new Error(`the answer differs from /openapi.json: ${differs}`);
      return { status: response.status, headers: response.headers, text, json };
    },
    async close() {
      await server.close();
      await harness.dispose();
    },
  };
}
