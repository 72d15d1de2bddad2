/**
 * JSON that keeps bigints: a bigint is written as {"$bigint":"123"} and read back as 123n, so a
 * decision's stored inputs (money in minor units) come back exactly as they went in.
 */
export function toTaggedJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v));
}

export function fromTaggedJson<T>(text: string): T {
  return JSON.parse(text, (_key, v) =>
    v !== null &&
    typeof v === 'object' &&
    !Array.isArray(v) &&
    Object.keys(v).length === 1 &&
    typeof v.$bigint === 'string'
      ? BigInt(v.$bigint)
      : v,
  ) as T;
}
