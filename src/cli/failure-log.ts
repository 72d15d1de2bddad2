/**
 * What a background job of `serve` or `worker` (the expiry sweep, the daily cycle, the webhook
 * dispatcher) says when it fails: the failure once, and again only when its reason changes — not a
 * line a second for as long as the database is down — and, once it works again, that it does.
 */
export interface FailureLog {
  failed(error: unknown): void;
  succeeded(): void;
}

export function failureLog(err: { write(text: string): unknown }, job: string): FailureLog {
  let last: string | null = null;
  return {
    failed(error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (reason !== last) err.write(`${job} failed, will retry: ${reason}\n`);
      last = reason;
    },
    succeeded() {
      if (last !== null) err.write(`${job} works again\n`);
      last = null;
    },
  };
}
