/**
 * Two transactions made to interleave as two requests arriving together can on PostgreSQL: each,
 * after its first call of one read (`part.method`), waits until the other has made it too — or a
 * moment, where the other cannot start (SQLite's writes run one at a time).
 */
import type { WriteTransaction } from '../../src/app/ports.ts';

const aloneMs = 300;

/** Wraps transactions so that two of them meet after their first `tx[part][method](…)`. */
export function meetingAfterFirst<P extends 'ledger' | 'financing' | 'features' | 'apiKeys'>(
  part: P,
  method: keyof WriteTransaction[P] & string,
): (tx: WriteTransaction) => WriteTransaction {
  const arrived: (() => void)[] = [];
  const meet = () =>
    new Promise<void>((resolve) => {
      arrived.push(resolve);
      if (arrived.length === 2) for (const go of arrived) go();
      else setTimeout(resolve, aloneMs);
    });
  return (tx) => {
    let calls = 0;
    const inner = new Proxy(tx[part], {
      get(target, name) {
        const value = Reflect.get(target, name);
        if (typeof value !== 'function') return value;
        if (name !== method) return value.bind(target);
        return async (...args: unknown[]) => {
          const answer = await value.apply(target, args);
          calls += 1;
          if (calls === 1) await meet();
          return answer;
        };
      },
    });
    return new Proxy(tx, { get: (target, name) => (name === part ? inner : Reflect.get(target, name)) });
  };
}
