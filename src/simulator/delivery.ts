/**
 * The rules for streaming a run to a Capstan server, kept pure so they can be tested: batch limits,
 * the Idempotency-Key of each batch, which answers are worth retrying and how long to wait.
 * The HTTP calls themselves live in src/cli/simulate.ts.
 */
import { hashText } from './prng.ts';

export const batchEventsDefault = 5_000;
/**
 * The server takes at most 10,000 records per request (ingestBatchRecordsMax in
 * src/app/ingest/ingest.ts), and a full batch (~300–700 bytes an event) stays far below its 16 MiB
 * body limit.
 */
export const batchEventsMax = 10_000;
export const deliveryAttemptsMax = 6;
export const retryDelayBaseMs = 250;
export const retryDelayMaxMs = 15_000;
export const requestTimeoutMs = 120_000;

/**
 * The same run and batch number always give the same key, so a batch retried (or a whole run sent
 * again) is answered from the server's idempotency store instead of being applied twice. The batch
 * size is part of it because it decides which events a batch holds.
 */
export function batchIdempotencyKey(
  runFingerprint: string,
  seed: string,
  batchSize: number,
  batch: number,
): string {
  return `simulate_${seed}_${runFingerprint}_b${batchSize}_${batch}`;
}

/** Network errors, timeouts, 408, 425, 429 and 5xx may succeed later; other answers will not. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

/**
 * Exponential backoff (250 ms, 500 ms, 1 s, …, at most 15 s) with a deterministic ±25% jitter from
 * the key, or the server's Retry-After (seconds) when it gives one, capped the same way.
 */
export function retryDelayMs(attempt: number, key: string, retryAfter: string | null): number {
  if (retryAfter !== null && /^[0-9]{1,6}$/.test(retryAfter.trim())) {
    return Math.min(retryDelayMaxMs, Number(retryAfter.trim()) * 1_000);
  }
  const exponential = Math.min(retryDelayMaxMs, retryDelayBaseMs * 2 ** (attempt - 1));
  const jitter = ((hashText(`${key}#${attempt}`) % 1_000) / 1_000 - 0.5) / 2;
  return Math.round(exponential * (1 + jitter));
}
