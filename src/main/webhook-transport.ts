/**
 * Webhooks on the wire (Standard Webhooks 1.0): a message is POSTed as JSON with `webhook-id`,
 * `webhook-timestamp` (Unix seconds) and `webhook-signature` — `v1,` and the base64 HMAC-SHA256,
 * keyed by the secret's bytes, of `<id>.<timestamp>.<body>` — one such signature per secret,
 * space-separated, while a rotated-out secret still signs. A receiver verifies it with any
 * Standard Webhooks library. An answer must come within `webhookTimeoutMs`; redirects are not
 * followed (a delivery goes where the endpoint says, or fails).
 */
import { createHmac } from 'node:crypto';
import type { WebhookMessage, WebhookSendResult, WebhookTransport } from '../app/webhooks/dispatch.ts';

export const webhookTimeoutMs = 10_000;

/** The `webhook-signature` header's value for a message. */
export function webhookSignature(secret: string, id: string, timestampSeconds: bigint, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  const digest = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${digest}`;
}

export function httpWebhookTransport(userAgent: string, timeoutMs = webhookTimeoutMs): WebhookTransport {
  return {
    async send(target, message: WebhookMessage, sentAtMs: bigint): Promise<WebhookSendResult> {
      const timestamp = sentAtMs / 1000n;
      try {
        const response = await fetch(target.url, {
          method: 'POST',
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
          headers: {
            'content-type': 'application/json',
            'user-agent': userAgent,
            'webhook-id': message.id,
            'webhook-timestamp': String(timestamp),
            // One signature per secret, space-separated: a receiver accepts the message if any verifies.
            'webhook-signature': target.secrets
              .map((secret) => webhookSignature(secret, message.id, timestamp, message.body))
              .join(' '),
          },
          body: message.body,
        });
        // The answer's body is not needed: read and dropped, so the connection can be reused.
        await response.arrayBuffer().catch(() => undefined);
        return { status: response.status };
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        return { error: cause === undefined ? String(error) : `${String(error)} (${cause})` };
      }
    },
  };
}
