/**
 * Assertions for broken invariants. Expected outcomes are values (see result.ts); a failed
 * assertion is a bug in Capstan, so it throws and the surrounding transaction rolls back.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Exhaustiveness check for discriminated unions: compiles only when every case is handled. */
export function unreachable(value: never, message = 'unreachable'): never {
  throw new AssertionError(`${message}: ${String(value)}`);
}
