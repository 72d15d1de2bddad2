/**
 * The webhook dispatcher as `capstan serve` and `capstan worker` run it: a call
 * (src/app/webhooks/dispatch.ts: fan out, then up to ten rounds of 200 messages while they come
 * full) every second, up to four at once while earlier ones still wait on their sends — none takes
 * the deliveries of an endpoint another is sending to, so a receiver that hangs holds up its own
 * alone — and once an hour, after a call, what is past the retention let go (the webhook history,
 * and the answers kept under an Idempotency-Key); stopping waits for the calls in hand, so the
 * database is not closed under them.
 */
import { pruneIdempotencyKeys } from '../app/access/idempotency.ts';
import type { AppContext } from '../app/app-context.ts';
import { dispatchWebhooks, EndpointsSending, pruneWebhookHistory } from '../app/webhooks/dispatch.ts';
import { failureLog } from './failure-log.ts';
import type { CliDeps } from './program.ts';

export const webhookDispatchIntervalMs = 1_000;
/** Calls running at once, at most: each started a second after the last while those wait on sends. */
export const webhookCallsMax = 4;
/** How often what is past its retention — outbox, finished deliveries, idempotent answers — is let go. */
export const webhookPruneIntervalMs = 3_600_000n;

export async function startWebhookDispatch(deps: CliDeps, app: AppContext): Promise<() => Promise<void>> {
  const { transport, render } = await deps.loadWebhooks();
  const running = new Set<Promise<void>>();
  const sending = new EndpointsSending();
  let prunedAtMs: bigint | null = null;
  const log = failureLog(deps.err, 'webhook dispatch');
  const pruneIfDue = async () => {
    const nowMs = app.clock.nowNs() / 1_000_000n;
    if (prunedAtMs !== null && nowMs - prunedAtMs < webhookPruneIntervalMs) return;
    prunedAtMs = nowMs;
    const { deliveries, events } = await pruneWebhookHistory(app);
    if (deliveries + events > 0)
      deps.out.write(
        `webhooks: let go of ${events} outbox events and ${deliveries} deliveries past retention\n`,
      );
    const answers = await pruneIdempotencyKeys(app.store, app.clock);
    if (answers > 0) deps.out.write(`idempotency: let go of ${answers} answers past retention\n`);
  };
  const timer = setInterval(() => {
    if (running.size >= webhookCallsMax) return;
    const call: Promise<void> = dispatchWebhooks(app, transport, render, sending)
      .then(({ delivered, retrying, failed }) => {
        if (delivered + retrying + failed > 0)
          deps.out.write(`webhooks: ${delivered} delivered, ${retrying} to try again, ${failed} failed\n`);
      })
      .then(pruneIfDue)
      .then(log.succeeded, log.failed)
      .finally(() => running.delete(call));
    running.add(call);
  }, webhookDispatchIntervalMs);
  return async () => {
    clearInterval(timer);
    await Promise.all(running);
  };
}
