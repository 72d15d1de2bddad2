/**
 * A command was called wrongly or with input it cannot use (a bad flag, an unreadable file, a
 * window with nothing to learn from): `capstan` prints the message, without a stack trace, and
 * exits 2.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
