/**
 * Expected outcomes are values, not exceptions. A failure carries a stable snake_case `code`
 * named after the rule that was broken; `src/http/status-codes.ts` maps codes to HTTP statuses.
 */
export type Ok<T> = { readonly ok: true; readonly value: T };
export type Err<C extends string> = { readonly ok: false; readonly code: C; readonly detail?: string };
export type Result<T, C extends string> = Ok<T> | Err<C>;

export function ok<T>(value: T): Ok<T> {
  return { ok: true, value };
}

export function err<C extends string>(code: C, detail?: string): Err<C> {
  return detail === undefined ? { ok: false, code } : { ok: false, code, detail };
}
