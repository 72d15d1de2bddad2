/**
 * The webhook dispatcher as `capstan serve` and `capstan worker` run it: a call
 * (src/app/webhooks/dispatch.ts: fan out, then up to ten rounds of 200 messages while they come
 * full) every second, never two at once; stopping waits for the call in hand, so the database is
 * not closed under it.
 */
import type { AppContext } from '../app/app-context.ts';
import { dispatchWebhooks } from '../app/webhooks/dispatch.ts';
import type { CliDeps } from './program.ts';

export const webhookDispatchIntervalMs = 1_000;

export async function startWebhookDispatch(deps: CliDeps, app: AppContext): Promise<() => Promise<void>> {
  const { transport, render } = await deps.loadWebhooks();
  let round: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (round !== null) return;
    round = dispatchWebhooks(app, transport, render)
      .then(({ delivered, retrying, failed }) => {
        if (delivered + retrying + failed > 0)
          deps.out.write(`webhooks: ${delivered} delivered, ${retrying} to try again, ${failed} failed\n`);
      })
      .catch((error: unknown) => {
        deps.err.write(`webhook dispatch failed, will retry: ${String(error)}\n`);
      })
      .finally(() => {
        round = null;
      });
  }, webhookDispatchIntervalMs);
  return async () => {
    clearInterval(timer);
    await round;
  };
}
