/**
 * A merchant's export over HTTP, on a real server on 127.0.0.1 over a real book (SQLite, and
 * PostgreSQL when configured): two generated merchants ingested and decided on; one of them then
 * decided on again, offered, accepted, paid out, swept by a payout sent as an event, repaid
 * directly and flagged (cleared, flagged again) through the API. Its export holds each kind of
 * record, as many as the database holds of it, in the shape the API answers it elsewhere, and not
 * one id of the other merchant's (nor the other's of it); another merchant's key, a platform or a
 * financier is refused it, an unknown id is not found; the temporary file it was written to is
 * gone once sent; `capstan merchant export` writes the same records.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { settlementPaid } from '../../../test/support/events.ts';
import { serveTestApp, type TestServer, testOperatorKey } from '../../../test/support/http.ts';
import { lendingAsOfDay, openLendingBook } from '../../../test/support/lending-fixture.ts';
import type { AppContext } from '../../app/app-context.ts';
import { acceptOffer, confirmDisbursement, makeOffers } from '../../app/financing/origination.ts';
import { sweepSettlement } from '../../app/financing/sweep.ts';
import { grantConsent } from '../../app/risk/consents.ts';
import { decideForMerchant } from '../../app/risk/decisions.ts';
import { fromDayNumber } from '../../domain/time/calendar-date.ts';

const operatorKey = testOperatorKey;
const bin = new URL('../../../bin/capstan.js', import.meta.url).pathname;
const today = lendingAsOfDay + 1;

/** Every string anywhere in a JSON value: the ids it names among them. */
function strings(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') into.add(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, into);
  else if (value !== null && typeof value === 'object')
    for (const [key, item] of Object.entries(value)) {
      into.add(key);
      strings(item, into);
    }
  return into;
}

const exportDirectories = () => readdirSync(tmpdir()).filter((name) => name.startsWith('capstan-export-'));

for (const backend of backendsUnderTest) {
  describe(`merchant export API on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let api: TestServer;
    let merchantId = '';
    let otherId = '';
    let facilityId = '';
    const keys = { merchant: '', other: '', platform: '', financier: '' };

    const request = (method: string, path: string, key: string = operatorKey, body: unknown = undefined) =>
      api.request(method, path, { key, body });
    const count = async (sql: string) => Number((await harness.query(sql))[0]?.['n']);

    before(async () => {
      const book = await openLendingBook(backend, {
        topBand: { grade: 'E', maxPd: 0.4 },
        poolMinor: 100_000_000n,
      });
      ({ harness, app, merchantId } = book);
      otherId = merchantId === 'mer_gen0' ? 'mer_gen1' : 'mer_gen0';

      // The other merchant borrows too, so that its records are there to leak.
      const consented = await harness.store.write((tx) =>
        grantConsent(tx, app, otherId, {
          purpose: 'credit_assessment',
          dataSources: ['sales'],
          expiresAtMs: app.clock.nowNs() / 1_000_000n + 86_400_000_000n,
        }),
      );
      assert.ok(consented.ok);
      const decided = await decideForMerchant(harness.store, app, otherId, lendingAsOfDay);
      assert.equal(decided.record.view.outcome, 'approved', JSON.stringify(decided.record.view.reasons));
      const offered = await harness.store.write((tx) => makeOffers(tx, app, decided.row.id));
      assert.ok(offered.ok);
      const smallest = offered.value.filter((o) => o.product === 'advance').at(-1);
      assert.ok(smallest);
      const taken = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: smallest.id, merchantId: otherId, day: lendingAsOfDay }),
      );
      assert.ok(taken.ok);
      const confirmed = await harness.store.write((tx) =>
        confirmDisbursement(tx, app, { facilityId: taken.value.facility.id, day: lendingAsOfDay }),
      );
      assert.ok(confirmed.ok);
      const swept = await harness.store.write((tx) =>
        sweepSettlement(tx, app, {
          settlementKey: 'operator stl-other',
          merchantId: otherId,
          day: today,
          currency: 'USD',
          netMinor: 300_000n,
        }),
      );
      assert.ok(swept.ok);

      // Every answer is checked against the OpenAPI document: the export's every field included.
      api = await serveTestApp(harness, app);
      const issue = async (role: string, objectId: string) => {
        const issued = await request('POST', '/v1/api_keys', operatorKey, { role, object_id: objectId });
        assert.equal(issued.status, 200, issued.text);
        return issued.json as { id: string; secret: string };
      };
      keys.merchant = (await issue('merchant', merchantId)).secret;
      keys.other = (await issue('merchant', otherId)).secret;
      keys.platform = (await issue('platform', 'plt_test')).secret;
      keys.financier = (await issue('financier', 'fin_pool')).secret;
      // A second key of the merchant's, revoked: its keys and their history are the merchant's too.
      const spare = await issue('merchant', merchantId);
      assert.equal((await request('DELETE', `/v1/api_keys/${spare.id}`)).status, 200);

      // Through the API: a decision, its offers, one accepted and paid out, a payout swept, a repayment.
      const decision = await request('POST', `/v1/merchants/${merchantId}/decisions`, keys.merchant);
      assert.equal(decision.json.outcome, 'approved', decision.text);
      const offers = await request('POST', `/v1/decisions/${decision.json.id}/offers`, keys.platform);
      assert.equal(offers.status, 200, offers.text);
      const advance = offers.json.data.filter((o: { product: string }) => o.product === 'advance').at(-1);
      const accepted = await request('POST', `/v1/offers/${advance.id}/accept`, keys.merchant);
      assert.equal(accepted.status, 200, accepted.text);
      facilityId = accepted.json.facility.id;
      const paidOut = await request('POST', `/v1/disbursements/${facilityId}/confirm`, keys.platform);
      assert.equal(paidOut.status, 200, paidOut.text);
      const payout = settlementPaid({
        eventId: 'evt-export-payout',
        settlementId: 'stl-export',
        subject: merchantId,
        date: String(fromDayNumber(today)),
        net: 400_000n,
        time: `${fromDayNumber(today)}T00:00:00Z`,
      });
      const sent = await request('POST', '/v1/events', keys.platform, payout);
      assert.equal(sent.json.applied, 1, sent.text);
      const repaid = await request('POST', `/v1/facilities/${facilityId}/repayments`, keys.merchant, {
        amount: '1000',
        reference: 'direct-1',
      });
      assert.equal(repaid.status, 200, repaid.text);
      for (const [method, path, body] of [
        ['POST', `/v1/merchants/${merchantId}/flags`, { flag: 'fraud', reason: 'chargebacks' }],
        ['DELETE', `/v1/merchants/${merchantId}/flags/fraud`, undefined],
        ['POST', `/v1/merchants/${merchantId}/flags`, { flag: 'fraud', reason: 'chargebacks again' }],
      ] as const)
        assert.equal((await request(method, path, operatorKey, body)).status, 200);
    });
    after(async () => api?.close());

    const exported = async (id: string, key = operatorKey) => {
      const response = await request('GET', `/v1/merchants/${id}/export`, key);
      assert.equal(response.status, 200, response.text);
      return response;
    };

    it('holds each kind of record, as many as the database holds', async () => {
      const response = await exported(merchantId);
      assert.equal(response.headers.get('content-length'), String(Buffer.byteLength(response.text)));
      assert.match(
        response.headers.get('content-disposition') ?? '',
        /^attachment; filename="mer_gen\d-export\.json"$/,
      );
      const document = response.json;
      assert.equal(document.object, 'merchant_export');
      assert.equal(document.schema_version, 1);
      assert.equal(document.merchant_id, merchantId);
      assert.ok(document.not_included.some((n: { what: string }) => n.what === 'webhook_deliveries'));
      const where = `merchant_id = '${merchantId}'`;
      const expected = {
        platforms: 1,
        profile: await count(`select count(*) as n from feature_facts where ${where} and kind = 'profile'`),
        consents: 1,
        flags: 1,
        api_keys: 2,
        daily_counters: await count(`select count(*) as n from feature_daily where ${where}`),
        events: await count(`select count(*) as n from inbox_events where subject = '${merchantId}'`),
        decisions: 2,
        offers: await count(`select count(*) as n from offers where ${where}`),
        facilities: 1,
        settlements: 1,
        // Flagged, cleared, flagged again; its payout confirmed by the platform; its two keys issued,
        // one revoked.
        audit_log: 7,
      };
      for (const [section, n] of Object.entries(expected)) {
        assert.ok(n > 0, `${section}: the book has some`);
        assert.equal(document[section].length, n, section);
        assert.equal(document.counts[section], n, `counts.${section}`);
      }
      assert.deepEqual(document.platforms, ['plt_test']);
      assert.equal(document.profile[0].legal_name, `Merchant ${merchantId.slice(-1)}`);
      assert.equal(document.features.merchant_id, merchantId);
      assert.deepEqual(
        document.flags.map((f: { reason: string }) => f.reason),
        ['chargebacks again'],
      );
      assert.deepEqual(
        document.audit_log.map((e: { action: string }) => e.action),
        [
          'merchant.flagged',
          'merchant.flag_cleared',
          'merchant.flagged',
          'facility.disbursement_confirmed',
          'api_key.revoked',
          'api_key.issued',
          'api_key.issued',
        ],
      );
      // Its facility's entries are the merchant's: whose key confirmed the payout is in no other record.
      const confirmed = document.audit_log.find(
        (e: { action: string }) => e.action === 'facility.disbursement_confirmed',
      );
      assert.equal(confirmed.subject_id, facilityId);

      // The raw events as received, the payout sent through the API among them.
      const payout = document.events.find((e: { id: string }) => e.id === 'evt-export-payout');
      assert.equal(payout.type, 'settlement.paid');
      assert.match(payout.origin, /^http:req_/);
      assert.equal(payout.event.data.settlement_id, 'stl-export');
      assert.ok(document.events.every((e: { event: { subject: string } }) => e.event.subject === merchantId));

      // A decision as GET /v1/decisions/{id}?include=inputs answers it.
      const [, last] = document.decisions;
      assert.deepEqual(last, (await request('GET', `/v1/decisions/${last.id}?include=inputs`)).json);

      // The offer taken, with what its acceptance recorded; the others withdrawn by the flag.
      const taken = document.offers.find((o: { facility_id: string | null }) => o.facility_id === facilityId);
      assert.equal(taken.status, 'accepted');
      assert.equal(taken.acceptance.consent_id, document.consents[0].id);
      assert.deepEqual(
        taken.history.map((e: { type: string }) => e.type),
        ['created', 'accepted'],
      );

      // The facility with its whole history; its statement lines close at what it owes.
      const [facility] = document.facilities;
      assert.equal(facility.id, facilityId);
      const events = await count(
        `select count(*) as n from facility_events where facility_id = '${facilityId}'`,
      );
      assert.equal(facility.events.length, events);
      assert.deepEqual(
        ['accepted', 'disbursed', 'swept', 'repayment'].filter((type) =>
          facility.events.some((e: { type: string }) => e.type === type),
        ),
        ['accepted', 'disbursed', 'swept', 'repayment'],
      );
      assert.equal(facility.statement_lines.at(-1).balance, facility.balances.total);
      assert.equal(facility.schedule.kind, 'forecast');

      // The payout swept, and what it took for the facility.
      const [settlement] = document.settlements;
      assert.equal(settlement.settlement_key, 'plt_test stl-export');
      assert.equal(settlement.object, 'settlement_split');
      assert.equal(settlement.net, '400000');
      assert.equal(settlement.deductions[0].facility_id, facilityId);
      assert.ok(BigInt(settlement.deducted) > 0n);
    });

    it("holds not one id of the other merchant's, either way", async () => {
      for (const [mine, theirs] of [
        [merchantId, otherId],
        [otherId, merchantId],
      ] as const) {
        const text = (await exported(mine)).text;
        assert.equal(text.includes(theirs), false, `${theirs} named in ${mine}'s export`);
        const ids = new Set<string>();
        for (const sql of [
          `select id from decisions where merchant_id = '${theirs}'`,
          `select id from offers where merchant_id = '${theirs}'`,
          `select id from facilities where merchant_id = '${theirs}'`,
          `select id from consents where merchant_id = '${theirs}'`,
          `select id from api_keys where object_id = '${theirs}'`,
          `select settlement_key as id from settlement_sweeps where merchant_id = '${theirs}'`,
          `select id from inbox_events where subject = '${theirs}'`,
        ])
          for (const row of await harness.query(sql)) ids.add(String(row['id']));
        // The references the other's events carry (orders, settlements, invoices …) too, but the
        // buyers and the warehouse, which the generated merchants share.
        const shared = new Set(['buyer_id', 'warehouse_id']);
        for (const row of await harness.query(`select body from inbox_events where subject = '${theirs}'`)) {
          const data = (JSON.parse(String(row['body'])) as { data: Record<string, unknown> }).data;
          for (const [key, value] of Object.entries(data))
            if (key.endsWith('_id') && !shared.has(key) && typeof value === 'string') ids.add(value);
        }
        assert.ok(ids.size > 100, 'the other merchant has records');
        const named = [...strings(JSON.parse(text))].filter((s) => ids.has(s));
        assert.deepEqual(named, [], `${theirs}'s ids in ${mine}'s export`);
      }
    });

    it("answers the merchant's own key as it answers the operator, but for its flags, and no one else", async () => {
      const own = (await exported(merchantId, keys.merchant)).json;
      const operator = (await exported(merchantId)).json;
      // An operator's fraud flags, their reasons and their audit entries are not told to the
      // merchant suspected; the rest is the same document.
      assert.ok(operator.flags.length > 0);
      assert.deepEqual(own.flags, []);
      assert.deepEqual(
        own.not_included.map((n: { what: string }) => n.what),
        [...operator.not_included.map((n: { what: string }) => n.what), 'flags'],
      );
      const flagEntry = (e: { action: string }) => e.action.startsWith('merchant.flag');
      assert.ok(operator.audit_log.some(flagEntry));
      assert.deepEqual(
        own.audit_log,
        operator.audit_log.filter((e: { action: string }) => !flagEntry(e)),
      );
      const rest = (d: Record<string, unknown>) => {
        const { flags: _f, audit_log: _a, not_included: _n, counts: _c, ...others } = d;
        return others;
      };
      assert.deepEqual(rest(own), rest(operator));
      const elsewhere = await request('GET', `/v1/merchants/${merchantId}/export`, keys.other);
      assert.deepEqual([elsewhere.status, elsewhere.json.code], [404, 'merchant_not_found']);
      for (const key of [keys.platform, keys.financier]) {
        const refused = await request('GET', `/v1/merchants/${merchantId}/export`, key);
        assert.deepEqual([refused.status, refused.json.code], [403, 'role_not_allowed']);
      }
      const unknown = await request('GET', '/v1/merchants/mer_nosuch/export');
      assert.deepEqual([unknown.status, unknown.json.code], [404, 'merchant_not_found']);
      assert.match(unknown.json.detail, /holds nothing about it/);
      const malformed = await request('GET', '/v1/merchants/acme/export');
      assert.equal(malformed.status, 400);
    });

    it('leaves no temporary file behind once sent', async () => {
      const before = new Set(exportDirectories());
      await exported(merchantId);
      await request('GET', '/v1/merchants/mer_nosuch/export');
      // A HEAD answers the headers of the file written, and drops it too.
      const head = await fetch(`${api.url}/v1/merchants/${merchantId}/export`, {
        method: 'HEAD',
        headers: { authorization: `Bearer ${operatorKey}` },
      });
      assert.equal(head.status, 200);
      assert.ok(Number(head.headers.get('content-length')) > 100_000);
      // The file is let go of when its stream closes, just after the answer's last byte.
      for (let tries = 0; exportDirectories().some((d) => !before.has(d)) && tries < 50; tries += 1)
        await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(
        exportDirectories().filter((d) => !before.has(d)),
        [],
      );
    });

    it('is what `capstan merchant export` writes, to a file or to standard output', async () => {
      const served = (await exported(merchantId)).json;
      const directory = mkdtempSync(join(tmpdir(), 'capstan-export-cli-'));
      try {
        const out = join(directory, 'export.json');
        const storage =
          backend.name === 'sqlite'
            ? ['--data-dir', dirname(harness.location)]
            : ['--database-url', harness.location];
        // Run beside the server, which goes on answering (spawnSync would stop its event loop).
        const run = (args: string[]) =>
          new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
            const child = execFile(
              process.execPath,
              [bin, 'merchant', 'export', ...args, ...storage],
              {
                env: { ...process.env, CAPSTAN_LOG_LEVEL: 'warn', DATABASE_URL: '' },
                encoding: 'utf8',
                timeout: 60_000,
                maxBuffer: 64 * 1024 * 1024,
              },
              (_error, stdout, stderr) => resolve({ status: child.exitCode, stdout, stderr }),
            );
          });
        const written = await run([merchantId, '--out', out]);
        assert.equal(written.status, 0, written.stderr);
        assert.equal(written.stdout, `wrote the export of ${merchantId} to ${out}\n`);
        assert.deepEqual(readdirSync(directory), ['export.json'], 'no partial file left');
        const printed = await run([merchantId]);
        assert.equal(printed.status, 0, printed.stderr);
        // The command's clock is the system's, not the test server's: what is dated today (the
        // features, the offers' disclosures, the balances quoted) differs; the records do not.
        for (const document of [JSON.parse(readFileSync(out, 'utf8')), JSON.parse(printed.stdout)])
          for (const section of [
            'merchant_id',
            'platforms',
            'profile',
            'consents',
            'flags',
            'api_keys',
            'daily_counters',
            'events',
            'decisions',
            'settlements',
            'audit_log',
            'counts',
          ])
            assert.deepEqual(document[section], served[section], section);
        const unknown = await run(['mer_nosuch']);
        assert.equal(unknown.status, 1);
        assert.equal(unknown.stderr, 'capstan: no merchant mer_nosuch: Capstan holds nothing about it\n');
        const malformed = await run(['acme', '--out', out]);
        assert.equal(malformed.status, 2);
      } finally {
        rmSync(directory, { recursive: true, force: true });
      }
    });
  });
}
