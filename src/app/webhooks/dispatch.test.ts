/**
 * Events out on real stores (SQLite, and PostgreSQL when configured), to a real HTTP receiver on
 * loopback through the real transport: an endpoint gets the facility events recorded from its
 * registration on — signed as Standard Webhooks specifies, with the event's id — and only the types
 * it asked for; a failed attempt is tried again on the schedule and delivered with the same id; the
 * eighth failure marks it failed; a replay sends the events since a moment again; two dispatchers
 * at once send each delivery once; an event that cannot be shown fails alone; a backlog larger
 * than a round drains in one call; a rotated-out secret
 * signs beside the new one until it expires; an endpoint failing every attempt for 5 days is
 * disabled; a disabled endpoint is sent nothing more, and enabled again only what comes after.
 */

import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest } from '../../../test/support/backends.ts';
import {
  bookWithAdvanceForSuite,
  lendingAsOfDay,
  openLendingBook,
} from '../../../test/support/lending-fixture.ts';
import type { ManualClock } from '../../../test/support/manual-clock.ts';
import { webhookRetentionMs, webhookRetryDelaysMs } from '../../domain/webhooks/delivery.ts';
import { eventRenderers } from '../../http/views-financing.ts';
import { httpWebhookTransport, webhookSignature } from '../../main/webhook-transport.ts';
import { cliActor } from '../audit/audit-log.ts';
import { acceptOffer, makeOffers } from '../financing/origination.ts';
import { sweepSettlement } from '../financing/sweep.ts';
import type { WebhookDeliveryRow } from '../ports.ts';
import {
  deliverDue,
  dispatchWebhooks,
  EndpointsSending,
  pruneWebhookHistory,
  type WebhookTransport,
  webhookRoundMax,
} from './dispatch.ts';
import {
  createEndpoint,
  disableEndpoint,
  replayEndpoint,
  rotateEndpointSecret,
  updateEndpoint,
} from './endpoints.ts';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A receiver on loopback answering `status` (settable) and keeping what it was sent. */
async function receiver() {
  const received: Received[] = [];
  const state = { status: 200 };
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      response.writeHead(state.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { received, state, url, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

for (const backend of backendsUnderTest) {
  describe(`webhooks on ${backend.name}`, { skip: backend.skip }, () => {
    const book = bookWithAdvanceForSuite(backend);
    const transport = httpWebhookTransport('capstan-test');
    let hooks: Awaited<ReturnType<typeof receiver>>;
    let all = { id: '', secret: '' };
    let registeredAtMs = 0n;
    let day = lendingAsOfDay + 1;
    before(async () => {
      hooks = await receiver();
    });
    after(async () => hooks?.close());

    const clock = () => book.app.clock as ManualClock;
    const dispatch = () => dispatchWebhooks(book.app, transport, eventRenderers);
    /** A payout of `netMinor` on the suite's day, something deducted from it. */
    const sweep = async (key: string, netMinor: bigint) => {
      const swept = await book.harness.store.write((tx) =>
        sweepSettlement(tx, book.app, {
          settlementKey: key,
          merchantId: book.merchantId,
          day,
          currency: 'USD',
          netMinor,
        }),
      );
      assert.ok(swept.ok && swept.value.waterfall.totalDeductedMinor > 0n);
    };
    const payout = async (key: string) => {
      await sweep(key, 100_000n);
      day += 1;
    };
    // Small payouts: the advance the suite's later tests sweep is left as it was, near enough.
    const smallPayout = (key: string) => sweep(key, 1_000n);
    /** An endpoint of its own at `path`, for the payouts swept: its id. */
    const sweptEndpoint = async (path: string, description: string) => {
      const made = await book.harness.store.write((tx) =>
        createEndpoint(
          tx,
          book.app,
          {
            url: `${hooks.url}/${path}`,
            eventTypes: ['facility.swept'],
            description,
          },
          cliActor(book.app),
        ),
      );
      assert.ok(made.ok);
      return made.value.id;
    };
    const deliveries = (endpointId: string): Promise<WebhookDeliveryRow[]> =>
      book.harness.store.read((tx) => tx.webhooks.deliveries(endpointId, { limit: 100 }));

    it('sends an endpoint the events recorded since it was registered, signed, of the types it asked for', async () => {
      clock().advanceSeconds(1);
      const made = await book.harness.store.write(async (tx) => [
        await createEndpoint(
          tx,
          book.app,
          { url: `${hooks.url}/all`, eventTypes: [], description: 'all' },
          cliActor(book.app),
        ),
        await createEndpoint(
          tx,
          book.app,
          {
            url: `${hooks.url}/status`,
            eventTypes: ['facility.status_changed'],
            description: 'status only',
          },
          cliActor(book.app),
        ),
      ]);
      const [every, statusOnly] = made;
      assert.ok(every?.ok && statusOnly?.ok);
      assert.match(every.value.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
      all = { id: every.value.id, secret: every.value.secret };
      registeredAtMs = every.value.createdAtMs;

      // The acceptance and disbursement came before: fanned out to no one.
      const first = await dispatch();
      assert.ok(first.fannedOut >= 2);
      assert.equal(hooks.received.length, 0);

      await payout('hook stl_1');
      const round = await dispatch();
      assert.deepEqual(round, { fannedOut: 1, delivered: 1, retrying: 0, failed: 0 });
      assert.equal(hooks.received.length, 1);
      const [sent] = hooks.received;
      assert.ok(sent);
      assert.equal(sent.path, '/all');
      const events = await book.harness.store.read((tx) =>
        tx.financing.facilityEvents(book.facilityId, { limit: 100 }),
      );
      const swept = events.at(-1);
      assert.ok(swept && swept.type === 'swept');
      const id = `${book.facilityId}:${swept.sequence}`;
      assert.equal(sent.headers['webhook-id'], id);
      const timestamp = BigInt(String(sent.headers['webhook-timestamp']));
      assert.equal(timestamp, book.app.clock.nowNs() / 1_000_000_000n);
      assert.equal(sent.headers['webhook-signature'], webhookSignature(all.secret, id, timestamp, sent.body));
      const body = JSON.parse(sent.body);
      assert.equal(body.type, 'facility.swept');
      assert.equal(body.timestamp, new Date(Number(swept.atMs)).toISOString());
      assert.equal(body.data.object, 'facility_event');
      assert.equal(body.data.id, id);
      assert.equal(body.data.facility_id, book.facilityId);
      assert.equal(body.data.merchant_id, book.merchantId);
      assert.equal(body.data.type, 'swept');
      assert.equal(body.data.detail.settlement_key, 'hook stl_1');

      const [delivery] = await deliveries(all.id);
      assert.ok(delivery);
      assert.deepEqual(
        [delivery.status, delivery.attempts, delivery.lastResponseStatus, delivery.nextAttemptAtMs],
        ['delivered', 1, 200, null],
      );
      assert.deepEqual(await deliveries(statusOnly.value.id), [], 'not a type it asked for');

      // A fan-out of the same event again (a second dispatcher that read it too) changes nothing.
      await book.harness.store.write((tx) =>
        tx.webhooks.insertDeliveries([{ ...delivery, status: 'pending', attempts: 0, nextAttemptAtMs: 0n }]),
      );
      assert.deepEqual(await deliveries(all.id), [delivery]);
    });

    it('tries a failed delivery again on the schedule, with the same id, until it is delivered', async () => {
      hooks.received.length = 0;
      hooks.state.status = 500;
      await payout('hook stl_2');
      assert.deepEqual(await dispatch(), { fannedOut: 1, delivered: 0, retrying: 1, failed: 0 });
      const [failing] = await deliveries(all.id);
      assert.ok(failing);
      const nowMs = book.app.clock.nowNs() / 1_000_000n;
      assert.deepEqual(
        [failing.status, failing.attempts, failing.lastResponseStatus, failing.nextAttemptAtMs],
        ['pending', 1, 500, nowMs + 5_000n],
      );
      // Not due yet: nothing is sent.
      clock().advanceSeconds(4);
      assert.deepEqual(await dispatch(), { fannedOut: 0, delivered: 0, retrying: 0, failed: 0 });
      hooks.state.status = 204;
      clock().advanceSeconds(1);
      assert.deepEqual(await dispatch(), { fannedOut: 0, delivered: 1, retrying: 0, failed: 0 });
      assert.equal(hooks.received.length, 2);
      assert.equal(hooks.received[0]?.headers['webhook-id'], hooks.received[1]?.headers['webhook-id']);
      const [delivered] = await deliveries(all.id);
      assert.deepEqual(
        [delivered?.status, delivered?.attempts, delivered?.lastResponseStatus],
        ['delivered', 2, 204],
      );
    });

    it('marks a delivery failed after the eighth failed attempt, about 27½ hours on', async () => {
      hooks.received.length = 0;
      hooks.state.status = 503;
      await payout('hook stl_3');
      await dispatch();
      for (const delay of webhookRetryDelaysMs) {
        clock().advanceSeconds(Number(delay / 1000n));
        await dispatch();
      }
      assert.equal(hooks.received.length, 8);
      const [failed] = await deliveries(all.id);
      assert.ok(failed);
      assert.deepEqual(
        [failed.status, failed.attempts, failed.lastResponseStatus, failed.nextAttemptAtMs],
        ['failed', 8, 503, null],
      );
      clock().advanceSeconds(86_400);
      assert.deepEqual(await dispatch(), { fannedOut: 0, delivered: 0, retrying: 0, failed: 0 });
    });

    it('replays the events since a moment — the failed one too — each once even with two dispatchers at once', async () => {
      hooks.received.length = 0;
      hooks.state.status = 200;
      const replayed = await book.harness.store.write((tx) =>
        replayEndpoint(tx, book.app, all.id, registeredAtMs - 60_000n),
      );
      assert.ok(replayed.ok);
      // The offers made and the one accepted, the facility accepted and disbursed (all recorded
      // before it was registered) and the three sweeps.
      const offerEvents = await book.harness.store.read(async (tx) => {
        const events = [];
        for (const offer of await tx.financing.offersForMerchant(book.merchantId))
          events.push(...(await tx.financing.offerEvents(offer.id)));
        return events.map((e) => `offer.${e.type}`).sort();
      });
      assert.ok(offerEvents.includes('offer.created') && offerEvents.includes('offer.accepted'));
      const total = 5 + offerEvents.length;
      assert.equal(replayed.value.deliveries, total);
      assert.equal(replayed.value.hasMore, false);
      const [one, two] = await Promise.all([
        deliverDue(book.app, transport, eventRenderers),
        deliverDue(book.app, transport, eventRenderers),
      ]);
      assert.equal((one?.delivered ?? 0) + (two?.delivered ?? 0), total);
      assert.equal(hooks.received.length, total);
      assert.equal(new Set(hooks.received.map((r) => r.headers['webhook-id'])).size, total);
      // Sent at once, so they may arrive in any order.
      assert.deepEqual(hooks.received.map((r) => JSON.parse(r.body).type).sort(), [
        'facility.accepted',
        'facility.disbursed',
        'facility.swept',
        'facility.swept',
        'facility.swept',
        ...offerEvents,
      ]);
      assert.ok((await deliveries(all.id)).every((d) => d.status === 'delivered'));
    });

    it('fails the delivery of an event it cannot show, and sends the ones behind it', async () => {
      hooks.received.length = 0;
      const atMs = book.app.clock.nowNs() / 1_000_000n;
      await book.harness.store.write(async (tx) => {
        const last = await tx.financing.lastFacilityEventSequence(book.facilityId);
        await tx.financing.appendFacilityEvents([
          {
            facilityId: book.facilityId,
            sequence: last + 1,
            day,
            type: 'adjustment',
            detailJson: '{broken',
            atMs,
          },
          {
            facilityId: book.facilityId,
            sequence: last + 2,
            day,
            type: 'adjustment',
            detailJson: '{}',
            atMs,
          },
        ]);
      });
      assert.deepEqual(await dispatch(), { fannedOut: 2, delivered: 1, retrying: 0, failed: 0 });
      const [shown, broken] = await deliveries(all.id);
      assert.deepEqual([shown?.status, broken?.status], ['delivered', 'failed']);
      assert.match(broken?.lastError ?? '', /^the event cannot be shown: SyntaxError/);
      assert.equal(hooks.received.length, 1);
    });

    it('drains a backlog larger than a round in one call', async () => {
      hooks.received.length = 0;
      const atMs = book.app.clock.nowNs() / 1_000_000n;
      const backlog = webhookRoundMax + 50;
      await book.harness.store.write(async (tx) => {
        const last = await tx.financing.lastFacilityEventSequence(book.facilityId);
        await tx.financing.appendFacilityEvents(
          Array.from({ length: backlog }, (_, k) => ({
            facilityId: book.facilityId,
            sequence: last + 1 + k,
            day,
            type: 'adjustment',
            detailJson: '{}',
            atMs,
          })),
        );
      });
      assert.deepEqual(await dispatch(), { fannedOut: backlog, delivered: backlog, retrying: 0, failed: 0 });
      assert.equal(new Set(hooks.received.map((r) => r.headers['webhook-id'])).size, backlog);
      hooks.received.length = 0;
    });

    it('signs with the previous secret too, beside the new one, until it expires', async () => {
      hooks.received.length = 0;
      const rotated = await book.harness.store.write((tx) =>
        rotateEndpointSecret(tx, book.app, all.id, 1, cliActor(book.app)),
      );
      assert.ok(rotated.ok);
      const signaturesOf = (message: Received) => String(message.headers['webhook-signature']).split(' ');
      const signedWith = (message: Received, secret: string) =>
        webhookSignature(
          secret,
          String(message.headers['webhook-id']),
          BigInt(String(message.headers['webhook-timestamp'])),
          message.body,
        );
      await payout('hook stl_5');
      await dispatch();
      const [both] = hooks.received;
      assert.ok(both);
      assert.deepEqual(signaturesOf(both), [
        signedWith(both, rotated.value.secret),
        signedWith(both, all.secret),
      ]);
      // An hour on, the previous secret signs no more.
      clock().advanceSeconds(3_600);
      await payout('hook stl_6');
      await dispatch();
      const [, one] = hooks.received;
      assert.ok(one);
      assert.deepEqual(signaturesOf(one), [signedWith(one, rotated.value.secret)]);
    });

    it('sends a disabled endpoint nothing more', async () => {
      hooks.received.length = 0;
      const disabled = await book.harness.store.write((tx) =>
        disableEndpoint(tx, book.app, all.id, cliActor(book.app)),
      );
      assert.ok(disabled.ok && disabled.value.status === 'disabled');
      await payout('hook stl_4');
      const round = await dispatch();
      assert.equal(round.delivered + round.retrying + round.failed, 0);
      assert.equal(hooks.received.length, 0);
      const replay = await book.harness.store.write((tx) => replayEndpoint(tx, book.app, all.id, 0n));
      assert.deepEqual(replay, { ok: false, code: 'webhook_endpoint_disabled' });
    });

    it('fails what is pending at once when an endpoint is disabled or unsubscribes, though taken back before it falls due', async () => {
      const id = await sweptEndpoint('brief', 'on and off');
      const change = (to: Parameters<typeof updateEndpoint>[3]) =>
        book.harness.store.write((tx) => updateEndpoint(tx, book.app, id, to, cliActor(book.app)));
      const pendingOf = async () => (await deliveries(id)).filter((d) => d.status === 'pending');
      hooks.state.status = 500;
      // A first attempt fails; disabled, then enabled again before the retry falls due.
      await smallPayout('hook brief_1');
      await dispatch();
      assert.equal((await pendingOf()).length, 1, 'a retry is due in 5 s');
      assert.ok((await change({ status: 'disabled' })).ok);
      assert.ok((await change({ status: 'enabled' })).ok);
      // Subscribed elsewhere, then back, before the next retry falls due.
      await smallPayout('hook brief_2');
      await dispatch();
      assert.equal((await pendingOf()).length, 1);
      assert.ok((await change({ eventTypes: ['offer.created'] })).ok);
      assert.ok((await change({ eventTypes: ['facility.swept'] })).ok);
      hooks.state.status = 200;
      hooks.received.length = 0;
      clock().advanceSeconds(6);
      await dispatch();
      assert.equal(hooks.received.filter((r) => r.path === '/brief').length, 0, 'neither is sent');
      assert.deepEqual((await deliveries(id)).map((d) => [d.status, d.lastError]).sort(), [
        ['failed', 'endpoint disabled'],
        ['failed', 'endpoint no longer subscribed to its event type'],
      ]);
      assert.ok((await change({ status: 'disabled' })).ok);
    });

    it('records a delivery sent while its endpoint was being disabled as what became of it', async () => {
      const id = await sweptEndpoint('inflight', 'disabled mid-send');
      // The operator disables it while the dispatcher is sending to it.
      const disablingMidSend: WebhookTransport = {
        async send(target, message, atMs) {
          if (target.url.endsWith('/inflight'))
            assert.ok(
              (await book.harness.store.write((tx) => disableEndpoint(tx, book.app, id, cliActor(book.app))))
                .ok,
            );
          return transport.send(target, message, atMs);
        },
      };
      const outcomes = [];
      for (const status of [200, 500]) {
        hooks.state.status = status;
        await smallPayout(`hook inflight_${status}`);
        await dispatchWebhooks(book.app, disablingMidSend, eventRenderers);
        const [latest] = (await deliveries(id)).sort((a, b) => Number(b.outboxSequence - a.outboxSequence));
        outcomes.push([latest?.status, latest?.attempts, latest?.lastResponseStatus, latest?.lastError]);
        assert.ok(
          (
            await book.harness.store.write((tx) =>
              updateEndpoint(tx, book.app, id, { status: 'enabled' }, cliActor(book.app)),
            )
          ).ok,
        );
      }
      assert.deepEqual(outcomes, [
        ['delivered', 1, 200, null],
        ['failed', 1, 500, 'endpoint disabled'],
      ]);
      hooks.state.status = 200;
      assert.ok(
        (await book.harness.store.write((tx) => disableEndpoint(tx, book.app, id, cliActor(book.app)))).ok,
      );
    });

    it('waits the 5 s after an attempt that failed slowly, counted from its failure, not from when it was sent', async () => {
      const id = await sweptEndpoint('slow', 'answers late');
      // The receiver takes the whole 10 s the transport waits before it answers 503 (or gives up).
      const slow: WebhookTransport = {
        async send(target, message, atMs) {
          const result = await transport.send(target, message, atMs);
          clock().set((atMs + 10_000n) * 1_000_000n);
          return result;
        },
      };
      hooks.state.status = 503;
      await smallPayout('hook slow_1');
      const sentAtMs = book.app.clock.nowNs() / 1_000_000n;
      assert.deepEqual(await dispatchWebhooks(book.app, slow, eventRenderers), {
        fannedOut: 1,
        delivered: 0,
        retrying: 1,
        failed: 0,
      });
      const [failing] = await deliveries(id);
      assert.deepEqual(
        [failing?.attempts, failing?.lastAttemptAtMs, failing?.nextAttemptAtMs],
        [1, sentAtMs, sentAtMs + 10_000n + 5_000n],
      );
      // A second after it failed, it is not tried again yet.
      clock().advanceSeconds(1);
      hooks.state.status = 200;
      assert.deepEqual(await dispatch(), { fannedOut: 0, delivered: 0, retrying: 0, failed: 0 });
      clock().advanceSeconds(4);
      assert.deepEqual(await dispatch(), { fannedOut: 0, delivered: 1, retrying: 0, failed: 0 });
      assert.ok(
        (await book.harness.store.write((tx) => disableEndpoint(tx, book.app, id, cliActor(book.app)))).ok,
      );
    });

    it('lets a receiver that hangs hold up its own deliveries only: a call started meanwhile sends the others', async () => {
      const fast = await sweptEndpoint('fast', 'answers at once');
      const hanging = await sweptEndpoint('hanging', 'answers when let go');
      let letGo = () => {};
      const gate = new Promise<void>((resolve) => {
        letGo = resolve;
      });
      let hangingSends = 0;
      const hangs: WebhookTransport = {
        async send(target, message, atMs) {
          if (target.url.endsWith('/hanging')) {
            hangingSends += 1;
            await gate;
          }
          return transport.send(target, message, atMs);
        },
      };
      const sending = new EndpointsSending();
      await smallPayout('hook hang_1');
      const first = dispatchWebhooks(book.app, hangs, eventRenderers, sending);
      for (let waited = 0; hangingSends === 0 && waited < 100; waited += 1)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(hangingSends, 1, 'the first call is sending to the hanging receiver');
      await smallPayout('hook hang_2');
      // Before, a call took the hanging endpoint's next delivery too, and waited on it as the first does.
      const second = await Promise.race([
        dispatchWebhooks(book.app, hangs, eventRenderers, sending),
        new Promise<'held up'>((resolve) => setTimeout(() => resolve('held up'), 3_000)),
      ]);
      assert.notEqual(second, 'held up');
      // Both sent; the first is recorded once the round that sent it ends (its lease outlasts the wait).
      assert.equal(hooks.received.filter((r) => r.path === '/fast').length, 2);
      const waiting = await deliveries(hanging);
      assert.deepEqual(
        waiting.map((d) => [d.status, d.attempts]),
        [
          ['pending', 0],
          ['pending', 0],
        ],
        'the first in flight, the second left for a call once it has answered',
      );
      letGo();
      await first;
      assert.equal(hangingSends, 1);
      assert.deepEqual(
        (await deliveries(fast)).map((d) => d.status),
        ['delivered', 'delivered'],
      );
      await dispatch();
      assert.deepEqual(
        (await deliveries(hanging)).map((d) => d.status),
        ['delivered', 'delivered'],
      );
      for (const id of [fast, hanging])
        assert.ok(
          (await book.harness.store.write((tx) => disableEndpoint(tx, book.app, id, cliActor(book.app)))).ok,
        );
    });

    it('disables an endpoint every attempt to which has failed for 5 days; one that gets through clears the streak', async () => {
      const endpoint = () => book.harness.store.read((tx) => tx.webhooks.endpoint(all.id));
      const enabled = await book.harness.store.write((tx) =>
        updateEndpoint(tx, book.app, all.id, { status: 'enabled' }, cliActor(book.app)),
      );
      assert.ok(enabled.ok);
      hooks.state.status = 500;
      await payout('hook down_0');
      await dispatch();
      const startedAt = book.app.clock.nowNs() / 1_000_000n;
      assert.equal((await endpoint())?.failingSinceMs, startedAt);
      // A day later one gets through: the streak is over.
      clock().advanceSeconds(86_400);
      hooks.state.status = 200;
      await payout('hook up_1');
      await dispatch();
      assert.equal((await endpoint())?.failingSinceMs, null);
      // Then down for good: a payout a day, every attempt refused.
      hooks.state.status = 500;
      const downFrom = book.app.clock.nowNs() / 1_000_000n + 3_600_000n;
      for (let n = 0; n < 6; n += 1) {
        clock().advanceSeconds(n === 0 ? 3_600 : 86_400);
        await payout(`hook down_${n + 1}`);
        await dispatch();
        const now = await endpoint();
        assert.equal(now?.failingSinceMs, downFrom);
        assert.equal(now?.status, n < 5 ? 'enabled' : 'disabled', `day ${n}`);
      }
      const disabled = await endpoint();
      assert.equal(disabled?.disabledReason, 'every attempt failed for 5 days; the last answered 500');
      // What it still had pending fails unsent; enabled again, it starts afresh.
      clock().advanceSeconds(86_400);
      await dispatch();
      assert.ok((await deliveries(all.id)).every((d) => d.status !== 'pending'));
      const again = await book.harness.store.write((tx) =>
        updateEndpoint(tx, book.app, all.id, { status: 'disabled' }, cliActor(book.app)),
      );
      assert.ok(again.ok);
      assert.deepEqual([again.value.failingSinceMs, again.value.disabledReason], [null, null]);
      hooks.state.status = 200;
      hooks.received.length = 0;
    });

    it('sends an endpoint enabled again the events from then on, not those while it was off', async () => {
      await payout('hook stl_off');
      await dispatch();
      const enabled = await book.harness.store.write((tx) =>
        updateEndpoint(tx, book.app, all.id, { status: 'enabled' }, cliActor(book.app)),
      );
      assert.ok(enabled.ok && enabled.value.status === 'enabled');
      await payout('hook stl_7');
      assert.deepEqual(await dispatch(), { fannedOut: 1, delivered: 1, retrying: 0, failed: 0 });
      assert.equal(hooks.received.length, 1);
      assert.equal(JSON.parse(hooks.received[0]?.body ?? '{}').data.detail.settlement_key, 'hook stl_7');
    });

    it('lets go of finished deliveries and fanned-out events past the retention, never of what is still to send', async () => {
      const count = async (table: string, where = '') =>
        Number((await book.harness.query(`select count(*) as n from ${table} ${where}`))[0]?.['n']);
      // One delivery still being tried when the rest are long done.
      hooks.state.status = 500;
      await payout('hook stl_retry');
      await dispatch();
      const finished = await count('webhook_deliveries', "where status <> 'pending'");
      const events = await count('outbox_events');
      assert.ok(finished > 0 && events > 0);
      assert.equal(await count('webhook_deliveries', "where status = 'pending'"), 1);
      // Nothing is old enough yet.
      assert.deepEqual(await pruneWebhookHistory(book.app), { deliveries: 0, events: 0 });
      clock().advanceSeconds(Number(webhookRetentionMs / 1000n) + 1);
      // An event recorded now, not yet fanned out.
      await payout('hook stl_new');
      assert.deepEqual(await pruneWebhookHistory(book.app), { deliveries: finished, events });
      assert.equal(await count('webhook_deliveries'), 1, 'the pending one stays');
      assert.equal(await count('outbox_events'), 1, 'the new event stays');
      // A replay reaches back only as far as what is kept.
      const replayed = await book.harness.store.write((tx) => replayEndpoint(tx, book.app, all.id, 0n));
      assert.ok(replayed.ok);
      assert.equal(replayed.value.deliveries, 1);
      hooks.state.status = 200;
      hooks.received.length = 0;
      await dispatch();
      assert.deepEqual(hooks.received.map((r) => JSON.parse(r.body).data.detail.settlement_key).sort(), [
        'hook stl_new',
        'hook stl_retry',
      ]);
      // All of it old again: the newest event stays, so no sequence is ever handed out twice (on
      // SQLite one is a rowid: an emptied outbox would start again from 1).
      const newest = async () =>
        Number((await book.harness.query('select max(sequence) as n from outbox_events'))[0]?.['n']);
      const before = await newest();
      clock().advanceSeconds(Number(webhookRetentionMs / 1000n) + 1);
      await pruneWebhookHistory(book.app);
      assert.equal(await count('outbox_events'), 1);
      await payout('hook stl_after');
      assert.equal(await newest(), before + 1);
      await dispatch();
    });

    it('sends offer events: each offer made, the one accepted and those it withdrew, the offer as each left it', async () => {
      // A book of its own, its endpoint registered before any offer is made.
      const lending = await openLendingBook(backend, {
        topBand: { grade: 'E', maxPd: 0.4 },
        poolMinor: 100_000_000n,
      });
      try {
        const { app, harness } = lending;
        const endpoint = await harness.store.write((tx) =>
          createEndpoint(
            tx,
            app,
            { url: `${hooks.url}/offers`, eventTypes: [], description: 'offers' },
            cliActor(app),
          ),
        );
        assert.ok(endpoint.ok);
        const made = await harness.store.write((tx) => makeOffers(tx, app, lending.decisionId));
        assert.ok(made.ok);
        const offers = made.value;
        const taken = offers.filter((o) => o.product === 'advance').at(-1);
        assert.ok(taken, 'an advance is offered');
        const accepted = await harness.store.write((tx) =>
          acceptOffer(tx, app, { offerId: taken.id, merchantId: lending.merchantId, day: lendingAsOfDay }),
        );
        assert.ok(accepted.ok);
        hooks.received.length = 0;
        await dispatchWebhooks(app, transport, eventRenderers);
        const messages = hooks.received
          .map((r) => ({ id: String(r.headers['webhook-id']), body: JSON.parse(r.body) }))
          .filter((m) => m.body.type.startsWith('offer.'));
        const withdrawn = offers.filter((o) => o.product === 'advance' && o.id !== taken.id);
        assert.ok(withdrawn.length > 0, 'the other sizes of the advance are withdrawn');
        assert.deepEqual(
          messages.map((m) => [m.id, m.body.type, m.body.data.offer.status]).sort(),
          [
            ...offers.map((o) => [`${o.id}:1`, 'offer.created', 'open']),
            [`${taken.id}:2`, 'offer.accepted', 'accepted'],
            ...withdrawn.map((o) => [`${o.id}:2`, 'offer.withdrawn', 'withdrawn']),
          ].sort(),
        );
        const created = messages.find((m) => m.id === `${taken.id}:1`)?.body;
        assert.deepEqual(
          [created.data.object, created.data.type, created.data.offer.id, created.data.offer.amount],
          ['offer_event', 'created', taken.id, String(taken.amountMinor)],
        );
        assert.deepEqual(
          [created.data.offer.merchant_id, created.data.offer.facility_id],
          [lending.merchantId, null],
        );
        assert.match(created.data.offer.apr, /^\d+\.\d{2}$/);
        assert.equal(created.timestamp, new Date(Number(taken.createdAtMs)).toISOString());
        const taking = messages.find((m) => m.id === `${taken.id}:2`)?.body;
        assert.equal(taking.data.offer.facility_id, accepted.value.facility.id);
        // Each offer's history, as the messages told it.
        const history = await harness.store.read((tx) => tx.financing.offerEvents(taken.id));
        assert.deepEqual(
          history.map((e) => [e.sequence, e.type]),
          [
            [1, 'created'],
            [2, 'accepted'],
          ],
        );
      } finally {
        await lending.harness.dispose();
      }
    });
  });
}
