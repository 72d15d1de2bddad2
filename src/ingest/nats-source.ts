/**
 * Events in from NATS JetStream: a durable pull consumer with explicit acks. Each fetched batch
 * goes through the one inbox in one transaction; only after it commits are its messages acked. If
 * the batch fails (database down, a bug), every message is nak'ed and JetStream redelivers it
 * later — and the inbox's (source, id) identity makes the redelivery harmless. A record that cannot
 * be applied is quarantined and acked: it is safely kept, not lost, and not redelivered forever.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import {
  AckPolicy,
  type Consumer,
  type ConsumerInfo,
  DeliverPolicy,
  type JsMsg,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
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
/** Stopping waits this long at most for the last acks to reach NATS (none reach a server gone away). */
export const natsDrainMsMax = 5_000;
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
  /** How long connecting waits for the server to answer (nats.js's default, 20 s, when absent). */
  readonly connectTimeoutMs?: number;
  /** Between attempts to reconnect to a server gone away (nats.js's default, 2 s, when absent). */
  readonly reconnectWaitMs?: number;
}

export interface BatchReport {
  readonly messages: number;
  readonly outcomes: readonly RecordOutcome[];
}

/**
 * Connects to NATS; a failed attempt leaves no socket behind. nats.js (3.4) does not close the socket
 * of an attempt that timed out waiting for the server's greeting (its transport's close ignores a
 * connection never completed), so against a server that accepts and never answers — a load
 * balancer with nothing behind it, a hung server — each attempt would keep a socket open for good:
 * a worker retrying every few seconds would pile them up, and could never exit. The client sockets
 * the attempt opened (Node's `net.client.socket` channel) to one of the servers' ports are closed.
 */
async function connectWithoutStrays(options: NatsSourceOptions, name: string): Promise<NatsConnection> {
  const opened: Socket[] = [];
  const onSocket = (message: unknown) => void opened.push((message as { readonly socket: Socket }).socket);
  subscribe('net.client.socket', onSocket);
  try {
    return await connect({
      servers: options.url,
      name,
      // Reconnect for as long as it takes: nats.js gives up after 10 attempts (about 20 s) and
      // closes the connection for good, after which every fetch failed 'closed connection' and
      // the worker, still running, consumed nothing even once NATS was back.
      maxReconnectAttempts: -1,
      ...(options.connectTimeoutMs === undefined ? {} : { timeout: options.connectTimeoutMs }),
      ...(options.reconnectWaitMs === undefined ? {} : { reconnectTimeWait: options.reconnectWaitMs }),
    });
  } catch (error) {
    const ports = new Set(natsServerPorts(options.url));
    for (const socket of opened)
      if (!socket.destroyed && socket.remotePort !== undefined && ports.has(socket.remotePort))
        socket.destroy();
    throw error;
  } finally {
    unsubscribe('net.client.socket', onSocket);
  }
}

/** The ports of a NATS server list (`nats://a:4222,b:4223`, `host`, `host:port`): 4222 when none is given. */
function natsServerPorts(servers: string): number[] {
  return servers.split(',').map((server) => {
    const text = server.trim();
    const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `nats://${text}`);
    return url.port === '' ? 4222 : Number(url.port);
  });
}

/**
 * Creates the stream and the durable consumer when they do not exist yet; leaves them alone
 * otherwise, but for a limit on deliveries. A consumer made with one (every consumer the worker
 * made before redelivery became unlimited had 20) has it lifted: JetStream stops delivering a
 * message at the limit without a word, so a batch failing that many times — a database down for
 * a quarter of an hour, with the back-off — would have its events neither applied nor quarantined.
 */
async function ensureConsumer(nc: NatsConnection, options: NatsSourceOptions): Promise<void> {
  const manager = await jetstreamManager(nc);
  try {
    await manager.streams.info(options.stream);
  } catch {
    await manager.streams.add({ name: options.stream, subjects: [...options.subjects] });
  }
  let existing: ConsumerInfo | undefined;
  try {
    existing = await manager.consumers.info(options.stream, options.durable);
  } catch {
    existing = undefined;
  }
  if (existing !== undefined) {
    const limit = existing.config.max_deliver;
    if (limit !== undefined && limit > 0)
      await manager.consumers.update(options.stream, options.durable, { max_deliver: natsMaxDeliver });
  } else {
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
 * worker keeps going: the messages come back after `natsRetryDelayMs`). `onFetch` sees each fetch
 * from NATS: null when it answered, else why not (NATS gone away — no batch failed, none was
 * fetched; it is fetched again once NATS is back).
 */
export async function startNatsWorker(
  app: AppContext,
  options: NatsSourceOptions,
  hooks: {
    onBatch?: (report: BatchReport) => void;
    onError?: (error: unknown) => void;
    onFetch?: (error: unknown) => void;
  } = {},
): Promise<NatsWorker> {
  const nc = await connectWithoutStrays(options, `capstan-worker-${options.durable}`);
  let consumer: Consumer;
  try {
    await ensureConsumer(nc, options);
    consumer = await jetstream(nc).consumers.get(options.stream, options.durable);
  } catch (error) {
    // A server without JetStream, say: the connection is not left open (and reconnecting) behind
    // an attempt the worker will make again.
    await nc.close().catch(() => undefined);
    throw error;
  }
  let stopping = false;
  // Whether the loop waits on NATS (a fetch, or the pause after one failed), which stop() may cut
  // short by closing the connection — not while a batch is applied: its acks follow its commit.
  let fetching = false;
  const loop = async () => {
    while (!stopping) {
      const messages: JsMsg[] = [];
      fetching = true;
      try {
        const fetched = await consumer.fetch({
          max_messages: options.batchMessagesMax ?? natsFetchMessagesMax,
          expires: natsFetchExpiresMs,
        });
        for await (const message of fetched) messages.push(message);
        hooks.onFetch?.(null);
      } catch (error) {
        // The connection reconnects by itself; wait and fetch again rather than stop.
        hooks.onFetch?.(error);
        await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? natsRetryDelayMs));
        // A consumer deleted or lost under the worker (a stream made again, a slip at the NATS
        // console) fails every fetch as NATS gone does, and nothing was consumed until a restart:
        // it is made again as at the start, where it is missing. With NATS gone this fails too.
        if (!stopping)
          await ensureConsumer(nc, options)
            .then(() => jetstream(nc).consumers.get(options.stream, options.durable))
            .then(
              (again) => {
                consumer = again;
              },
              () => undefined,
            );
        continue;
      }
      fetching = false;
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
    fetching = false;
    // Drained to send the last acks, within a bound: with NATS gone, a drain waits for the
    // reconnection (attempted for as long as it takes), and stopping would wait with it.
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([
      nc.drain().catch(() => undefined),
      new Promise((resolve) => {
        bound = setTimeout(resolve, natsDrainMsMax);
      }),
    ]);
    clearTimeout(bound);
    await nc.close().catch(() => undefined);
  });
  return {
    done,
    async stop() {
      stopping = true;
      // A fetch in flight waits for NATS, and with NATS gone for its return (reconnecting for as
      // long as it takes): closed, the fetch ends and so does the loop. A batch being applied is
      // waited for, however long (its transaction is not cut short by a closed connection): closed
      // under it, its commit's acks were dropped and every message redelivered.
      let bound: NodeJS.Timeout | undefined;
      const waited = await Promise.race([
        done.then(() => false),
        new Promise<boolean>((resolve) => {
          bound = setTimeout(() => resolve(true), natsDrainMsMax);
        }),
      ]);
      clearTimeout(bound);
      if (waited && fetching) await nc.close().catch(() => undefined);
      await done;
    },
  };
}
