/** The smallest of bigints: Math.min takes numbers only, and minor units are bigints. */
export function minBigint(first: bigint, ...rest: bigint[]): bigint {
  let smallest = first;
  for (const value of rest) if (value < smallest) smallest = value;
  return smallest;
}
