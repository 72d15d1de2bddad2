/**
 * Idempotent POSTs. The client's Idempotency-Key is claimed, the work done and its response stored
 * in one transaction: a retry with the same key and the same request replays the stored response
 * byte for byte; the same key with another request is refused; a crash before commit leaves no
 * trace, so the retry simply runs. A 400 is not stored either: it says the request itself is
 * invalid, whichever check found it so — the schema's before the handler or the handler's own (a
 * pause starting in the past, an amount of 0) — so the corrected request runs under the same key.
 */
import type { Clock, Store, WriteTransaction } from '../ports.ts';
import { pruneInBatches } from '../prune.ts';

export const idempotencyKeyLengthMax = 255;
/** A key is printable ASCII without spaces. */
export const idempotencyKeyPattern = /^[\x21-\x7e]+$/;
const nanosecondsPerMillisecond = 1_000_000n;
const requestInvalidStatus = 400;

export interface IdempotentRequest {
  /** Keys are private to the API key that sent them. */
  readonly scope: string;
  readonly key: string;
  /** SHA-256 of the method, path and canonical body. */
  readonly fingerprint: string;
}

export interface Reply {
  readonly statusCode: number;
  /** The serialized response body, exactly as sent. */
  readonly body: string;
  /**
   * The body kept for a replay, where it must differ from the one sent: an answer showing a secret
   * keeps it without (a secret is shown once; Capstan keeps API keys' as hashes). Absent: `body`.
   */
  readonly stored?: string;
}

export type IdempotentOutcome =
  | { readonly kind: 'executed'; readonly reply: Reply }
  | { readonly kind: 'replayed'; readonly reply: Reply }
  | { readonly kind: 'key_reused' }
  | { readonly kind: 'in_progress' };

export async function runIdempotent(
  store: Store,
  clock: Clock,
  request: IdempotentRequest | null,
  work: (tx: WriteTransaction) => Promise<Reply>,
): Promise<IdempotentOutcome> {
  return store.write(async (tx): Promise<IdempotentOutcome> => {
    if (request === null) return { kind: 'executed', reply: await work(tx) };
    const createdAtMs = clock.nowNs() / nanosecondsPerMillisecond;
    const claim = await tx.idempotency.claim(request.scope, request.key, request.fingerprint, createdAtMs);
    if (claim !== 'claimed') {
      if (claim.fingerprint !== request.fingerprint) return { kind: 'key_reused' };
      if (claim.statusCode === null || claim.body === null) return { kind: 'in_progress' };
      return { kind: 'replayed', reply: { statusCode: claim.statusCode, body: claim.body } };
    }
    const reply = await work(tx);
    if (reply.statusCode === requestInvalidStatus) await tx.idempotency.release(request.scope, request.key);
    else
      await tx.idempotency.complete(request.scope, request.key, reply.statusCode, reply.stored ?? reply.body);
    return { kind: 'executed', reply };
  });
}

/**
 * How long an answer is kept under its Idempotency-Key: the same request sent again later is run
 * again. The money moved by a request keeps its own identity — a settlement id, a repayment's or a
 * draw's reference, a transfer id, an event id, an offer accepted once — so a late retry still
 * moves none twice.
 */
export const idempotencyRetentionMs = 30n * 86_400_000n;

/** Lets go of the answers stored more than `idempotencyRetentionMs` ago; answers how many. */
export async function pruneIdempotencyKeys(store: Store, clock: Clock): Promise<number> {
  const beforeMs = clock.nowNs() / nanosecondsPerMillisecond - idempotencyRetentionMs;
  return pruneInBatches(store, (tx, limit) => tx.idempotency.prune(beforeMs, limit));
}
