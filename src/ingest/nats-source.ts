/**
 * Events in from NATS JetStream: a durable pull consumer with explicit acks. Each fetched batch
 * goes through the one inbox in one transaction; only after it commits are its messages acked. If
 * the batch fails (database down, a bug), every message is nak'ed and JetStream redelivers it
 * later — and the inbox's (source, id) identity makes the redelivery harmless. A record that cannot
 * be applied is quarantined and acked: it is safely kept, not lost, and not redelivered forever.
 */
import { AckPolicy, DeliverPolicy, type JsMsg, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { AppContext } from '../app/app-context.ts';
import { ingestBatch, type RecordOutcome } from '../app/ingest/ingest.ts';
import { parseRecord } from './parse-record.ts';

export const natsFetchMessagesMax = 1_000;
export const natsFetchExpiresMs = 1_000;
export const natsAckWaitMs = 30_000;
/** Unlimited: a message is only settled by applying or quarantining it, however long an outage lasts. */
export const natsMaxDeliver = -1;
export const natsRetryDelayMs = 2_000;
/** Redeliveries back off (doubling per delivery) up to this. */
export const natsRetryDelayMaxMs = 60_000;

export interface NatsSourceOptions {
  readonly url: string;
  readonly stream: string;
  /** The subjects the stream holds (created with these if it does not exist). */
  readonly subjects: readonly string[];
  readonly durable: string;
  readonly batchMessagesMax?: number;
  /** How long a failed batch's messages wait before JetStream redelivers them. */
  readonly retryDelayMs?: number;
}

export interface BatchReport {
  readonly messages: number;
  readonly outcomes: readonly RecordOutcome[];
}

/** Creates the stream and the durable consumer when they do not exist yet; leaves them alone otherwise. */
async function ensureConsumer(nc: NatsConnection, options: NatsSourceOptions): Promise<void> {
  const manager = await jetstreamManager(nc);
  try {
    await manager.streams.info(options.stream);
  } catch {
    await manager.streams.add({ name: options.stream, subjects: [...options.subjects] });
  }
  try {
    await manager.consumers.info(options.stream, options.durable);
  } catch {
    await manager.consumers.add(options.stream, {
      durable_name: options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: natsAckWaitMs * 1_000_000,
      max_deliver: natsMaxDeliver,
    });
  }
}

export interface NatsWorker {
  /** Resolves when the worker has stopped (after stop(), or on a fatal error). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Consumes until stopped. `onBatch` sees each committed batch; `onError` each failed one (the
 * worker keeps going: the messages come back after `natsRetryDelayMs`).
 */
export async function startNatsWorker(
  app: AppContext,
  options: NatsSourceOptions,
  hooks: { onBatch?: (report: BatchReport) => void; onError?: (error: unknown) => void } = {},
): Promise<NatsWorker> {
  const nc = await connect({ servers: options.url, name: `capstan-worker-${options.durable}` });
  await ensureConsumer(nc, options);
  const consumer = await jetstream(nc).consumers.get(options.stream, options.durable);
  let stopping = false;
  const loop = async () => {
    while (!stopping) {
      const messages: JsMsg[] = [];
      try {
        const fetched = await consumer.fetch({
          max_messages: options.batchMessagesMax ?? natsFetchMessagesMax,
          expires: natsFetchExpiresMs,
        });
        for await (const message of fetched) messages.push(message);
      } catch (error) {
        // The connection reconnects by itself; wait and fetch again rather than stop.
        hooks.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? natsRetryDelayMs));
        continue;
      }
      if (messages.length === 0) continue;
      try {
        const records = messages.map((m) =>
          parseRecord({ origin: `nats:${options.stream}#${m.seq}`, line: null, raw: m.string() }),
        );
        const outcomes = await app.store.write((tx) => ingestBatch(tx, app, records));
        for (const message of messages) message.ack();
        hooks.onBatch?.({ messages: messages.length, outcomes });
      } catch (error) {
        for (const message of messages) {
          const base = options.retryDelayMs ?? natsRetryDelayMs;
          message.nak(
            Math.min(natsRetryDelayMaxMs, base * 2 ** Math.min(10, message.info.deliveryCount - 1)),
          );
        }
        hooks.onError?.(error);
      }
    }
  };
  const done = loop().finally(async () => {
    await nc.drain().catch(() => undefined);
  });
  return {
    done,
    async stop() {
      stopping = true;
      await done;
    },
  };
}
