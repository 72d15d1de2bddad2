/**
 * The audit log of the commands an operator runs from the shell, as child processes on SQLite and
 * PostgreSQL: `capstan quarantine replay` and `discard` and `capstan consent grant` are recorded as
 * the command's (`cli`) with what they changed; a replay or discard refused (the entry no longer
 * open) and a grant refused before the database is opened leave no entry.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ingestBatch } from '../../src/app/ingest/ingest.ts';
import { parseRecord } from '../../src/ingest/parse-record.ts';
import { sha256, testEntropy } from '../../src/storage/contract/fixtures.ts';
import { backendsUnderTest, type Harness } from '../support/backends.ts';
import { event } from '../support/events.ts';
import { ManualClock } from '../support/manual-clock.ts';

const bin = new URL('../../bin/capstan.js', import.meta.url).pathname;

/** An order the inbox quarantines (currency_unknown), and the same order corrected. */
function badOrder(id: string) {
  const bad = event('order.placed', id, '2026-03-30T10:00:00Z', 'mer_cli', {
    order_id: `o-${id}`,
    buyer_id: 'b1',
    amount: '100',
    currency: 'ZZZ',
  });
  return { bad, fixed: { ...bad, data: { ...bad.data, currency: 'USD' } } };
}

for (const backend of backendsUnderTest) {
  describe(`the audit log of capstan commands on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let dir: string;
    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
      dir = mkdtempSync(join(tmpdir(), 'capstan-audit-cli-'));
    });
    after(async () => {
      await harness?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    const database = () =>
      backend.name === 'sqlite'
        ? ['--data-dir', dirname(harness.location)]
        : ['--database-url', harness.location];
    const run = (args: string[]) => {
      const result = spawnSync(process.execPath, [bin, ...args, ...database()], {
        env: { ...process.env, CAPSTAN_LOG_LEVEL: 'warn', DATABASE_URL: '' },
        encoding: 'utf8',
        timeout: 60_000,
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    };
    const entries = async (subjectType: string) =>
      (
        await harness.query(
          `select actor, action, subject_id, detail from audit_log where subject_type = '${subjectType}' order by sequence`,
        )
      ).map((row) => [row['actor'], row['action'], row['subject_id'], JSON.parse(String(row['detail']))]);

    it('records a quarantined record replayed or discarded by the command', async () => {
      const app = { store: harness.store, clock: new ManualClock(), entropy: testEntropy, sha256 };
      const outcomes = await harness.store.write((tx) =>
        ingestBatch(
          tx,
          app,
          ['cli-q1', 'cli-q2'].map((id) =>
            parseRecord({ origin: 'file:orders.ndjson', line: null, raw: JSON.stringify(badOrder(id).bad) }),
          ),
        ),
      );
      const [replayedId, discardedId] = outcomes.map((o) =>
        o.status === 'quarantined' ? o.quarantineId : null,
      );
      assert.ok(replayedId && discardedId, 'both quarantined');
      const fixedFile = join(dir, 'fixed.json');
      writeFileSync(fixedFile, JSON.stringify(badOrder('cli-q1').fixed));

      const replayed = run(['quarantine', 'replay', replayedId, '--file', fixedFile]);
      assert.equal(replayed.status, 0, replayed.stderr);
      const again = run(['quarantine', 'replay', replayedId, '--file', fixedFile]);
      assert.equal(again.status, 1, again.stderr);
      const discarded = run(['quarantine', 'discard', discardedId, '--reason', 'resent by the platform']);
      assert.equal(discarded.status, 0, discarded.stderr);
      assert.equal(run(['quarantine', 'discard', discardedId, '--reason', 'twice']).status, 1);

      assert.deepEqual(await entries('quarantine_entry'), [
        [
          'cli',
          'quarantine_entry.replayed',
          replayedId,
          { corrected: true, result: 'applied', source: 'plt_test', eventId: 'cli-q1' },
        ],
        ['cli', 'quarantine_entry.discarded', discardedId, { reason: 'resent by the platform' }],
      ]);
    });

    it('records each consent capstan consent grant records, by the command', async () => {
      const refused = run(['consent', 'grant', 'mer_cli', 'mer bad']);
      assert.equal(refused.status, 2, refused.stderr);
      const granted = run(['consent', 'grant', 'mer_cli', 'mer_cli2', '--sources', 'sales', '--days', '30']);
      assert.equal(granted.status, 0, granted.stderr);
      assert.match(granted.stdout, /recorded 2 consent\(s\)/);
      const consents = await harness.query(
        `select id, merchant_id, expires_at_ms from consents order by merchant_id`,
      );
      assert.deepEqual(
        await entries('merchant'),
        consents.map((consent) => [
          'cli',
          'merchant.consent_granted',
          consent['merchant_id'],
          {
            consentId: consent['id'],
            purpose: 'credit_assessment',
            dataSources: ['sales'],
            expiresAt: new Date(Number(consent['expires_at_ms'])).toISOString(),
          },
        ]),
      );
    });
  });
}
