/**
 * The daily checkpoints as an operator meets them, through the `capstan` command as real child
 * processes on SQLite and PostgreSQL: `capstan eod` checkpoints every closed day with a line each;
 * `capstan verify` recomputes them; `--checkpoints FILE` matches them against a file of them kept
 * outside the database (the API's list, one a line) and exits 1 naming the day once the ledger, its
 * chain, its head and its checkpoints have all been rewritten; a file it cannot use exits 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lastClosedDay } from '../../src/app/financing/day-close.ts';
import { formatCalendarDate, fromDayNumber } from '../../src/domain/time/calendar-date.ts';
import { checkpointView } from '../../src/http/views.ts';
import { backendsUnderTest, type Harness } from '../support/backends.ts';
import { remakeTransferChain, threeDays } from '../support/checkpoint-days.ts';

const bin = new URL('../../bin/capstan.js', import.meta.url).pathname;

function run(args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    env: { ...process.env, CAPSTAN_LOG_LEVEL: 'warn', DATABASE_URL: '' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const dateOf = (day: number) => formatCalendarDate(fromDayNumber(day));

for (const backend of backendsUnderTest) {
  describe(`capstan eod and verify with checkpoints on ${backend.name}`, { skip: backend.skip }, () => {
    it('checkpoints each closed day, verifies them, and matches them against a file held outside', async () => {
      const harness: Harness = await backend.open();
      const cleanup: (() => void)[] = [];
      try {
        await harness.store.migrate();
        // As `capstan eod` picks its day: a day closes an hour after it ends.
        const lastClosed = lastClosedDay(BigInt(Date.now()) * 1_000_000n);
        const start = lastClosed - 4;
        await threeDays(harness.store, start);
        const storage =
          backend.name === 'sqlite'
            ? ['--data-dir', join(harness.location, '..')]
            : ['--database-url', harness.location];
        const dir = mkdtempSync(join(tmpdir(), 'capstan-held-'));
        cleanup.push(() => rmSync(dir, { recursive: true, force: true }));

        const eod = run(['eod', ...storage]);
        assert.equal(eod.status, 0, eod.stderr);
        const lines = eod.stdout.split('\n').filter((line) => line.startsWith('ledger checkpoint '));
        assert.deepEqual(
          lines.map((line) => line.slice('ledger checkpoint '.length, 'ledger checkpoint YYYY-MM-DD'.length)),
          [0, 1, 2, 3, 4].map((offset) => dateOf(start + offset)),
          eod.stdout,
        );
        assert.match(
          lines[0] ?? '',
          /: 5 transfers \(root [0-9a-f]{16}…\), 1 decisions \(root [0-9a-f]{16}…\), hash [0-9a-f]{16}…$/,
        );

        // Kept outside: the API's list, one checkpoint a line.
        const held = join(dir, 'held.ndjson');
        const exported = await harness.store.read((tx) => tx.ledger.checkpoints({ limit: 100 }));
        writeFileSync(held, `${exported.map((c) => JSON.stringify(checkpointView(c))).join('\n')}\n`);
        const honest = run(['verify', ...storage, '--checkpoints', held]);
        assert.equal(honest.status, 0, honest.stderr);
        assert.match(
          honest.stdout,
          new RegExp(
            `checkpoints verified: 5 days, ${dateOf(start)} through ${dateOf(lastClosed)}; roots recomputed, chain intact \\(last [0-9a-f]{16}…\\)`,
          ),
        );
        assert.match(honest.stdout, /checkpoints held outside match: 5 in .*held\.ndjson/);

        // Rewritten: a transfer of the first day, the chain after it and the head, and the
        // checkpoints made again by the daily cycle itself. Consistent inside (verify-checkpoints
        // .test.ts), not with the file.
        await harness.exec(
          `update ledger_transfers set metadata = '{"paid_to":"elsewhere"}' where id = 'c-1-2'`,
        );
        await remakeTransferChain(harness);
        await harness.exec('delete from ledger_checkpoints');
        const remade = run(['eod', ...storage]);
        assert.equal(remade.status, 0, remade.stderr);
        assert.match(remade.stdout, /^ledger checkpoint /m);
        assert.match(remade.stdout, /^no day left to serve: the daily cycle has run through /m);
        const outside = run(['verify', ...storage, '--checkpoints', held]);
        assert.equal(outside.status, 1, outside.stdout);
        assert.match(
          outside.stderr,
          new RegExp(
            `VERIFY FAILED \\[checkpoint_anchor_mismatch\\] ${dateOf(start)}: the database's transfers root is [0-9a-f]{64} but the one held outside is ${exported[0]?.transfers.root}`,
          ),
        );

        const unusable = join(dir, 'unusable.ndjson');
        writeFileSync(unusable, 'not json\n');
        for (const [file, said] of [
          [
            unusable,
            /--checkpoints .*unusable\.ndjson: checkpoints_file_invalid: line 1: neither the file nor this line is JSON/,
          ],
          [join(dir, 'missing.ndjson'), /--checkpoints .*missing\.ndjson: ENOENT/],
        ] as const) {
          const refused = run(['verify', ...storage, '--checkpoints', file]);
          assert.equal(refused.status, 2, refused.stderr);
          assert.match(refused.stderr, said);
          assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
        }
      } finally {
        for (const clean of cleanup) clean();
        await harness.dispose();
      }
    });
  });
}
