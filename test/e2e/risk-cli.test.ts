/**
 * The risk commands as an operator runs them, as child processes on a real SQLite file: a simulated
 * marketplace is imported; a decision before consent is declined for it; a champion is trained from
 * the feature store's history against the simulator's ground truth and separates the merchants that
 * later became distressed; consents are granted; `decide --all` decides everyone with the champion;
 * `model list` and `model monitor` report on it; `verify` walks the decision chain and names the
 * broken rule once a stored decision has been edited.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';

const bin = new URL('../../bin/capstan.js', import.meta.url).pathname;
const env = { ...process.env, CAPSTAN_LOG_LEVEL: 'warn', DATABASE_URL: '' };
const merchants = 80;
const asOf = '2026-02-04';

/** The command as it ran, whatever its exit code. */
function attempt(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { env, encoding: 'utf8', timeout: 120_000 });
}

/** The command, which must succeed. */
function run(args: string[]) {
  const result = attempt(args);
  if (result.status !== 0)
    assert.fail(`capstan ${args.join(' ')} exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
  return { stdout: result.stdout, stderr: result.stderr };
}

/** The last line of output that is a JSON object (commands print a summary around it). */
function lastJson(stdout: string): Record<string, unknown> {
  const line = stdout
    .trim()
    .split('\n')
    .reverse()
    .find((candidate) => candidate.startsWith('{'));
  assert.ok(line !== undefined, `no JSON line in:\n${stdout}`);
  return JSON.parse(line) as Record<string, unknown>;
}

describe('capstan consent, model and decide on SQLite', () => {
  let dir: string;
  let dataDir: string;
  let market: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'capstan-risk-cli-'));
    dataDir = join(dir, 'data');
    market = join(dir, 'market.ndjson');
    run([
      'simulate',
      '--merchants',
      String(merchants),
      '--days',
      '400',
      '--seed',
      '3',
      '--start',
      '2025-01-01',
      '--out',
      market,
    ]);
    run(['import', market, '--data-dir', dataDir]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('declines a merchant that has not consented, before any model exists', () => {
    const decision = lastJson(run(['decide', 'mer_3_1', '--as-of', asOf, '--data-dir', dataDir]).stdout);
    assert.equal(decision.outcome, 'declined');
    assert.deepEqual(
      (decision.reasons as { code: string }[]).map((reason) => reason.code),
      ['consent_missing'],
    );
    assert.equal(decision.consent_id, null);
  });

  it('refuses a decision as of a day to come as a usage error, deciding nothing', () => {
    const ahead = attempt(['decide', 'mer_3_1', '--as-of', '2099-01-01', '--data-dir', dataDir]);
    assert.equal(ahead.status, 2, ahead.stderr);
    assert.match(ahead.stderr, /--as-of must not be after today/);
    assert.equal(ahead.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
    assert.doesNotMatch(ahead.stdout, /"object":"decision"/);
  });

  it('trains a champion from history that separates the merchants that later became distressed', () => {
    const truth = JSON.parse(readFileSync(`${market}.truth.json`, 'utf8')) as unknown;
    assert.ok(truth !== null);
    const { stdout, stderr } = run([
      'model',
      'train',
      '--from-history',
      '--as-of',
      asOf,
      '--horizon-days',
      '90',
      '--truth',
      `${market}.truth.json`,
      '--champion',
      '--data-dir',
      dataDir,
    ]);
    assert.match(
      stderr + stdout,
      /\d+ observations of \d+ merchants that pass the policy.s data knock-outs, \d+ distressed within 90 days/,
    );
    const report = lastJson(stdout);
    assert.equal(report.algorithm, 'scorecard');
    assert.equal(report.status, 'champion');
    assert.ok((report.auc as number) > 0.75, `hold-out AUC ${report.auc}`);
    assert.match(report.modelId as string, /^mdl_/);
    assert.match(
      run(['model', 'list', '--data-dir', dataDir]).stdout,
      new RegExp(`${report.modelId}.*champion`),
    );
    // The champion it became is a change of how Capstan decides: the audit log has it, by the command.
    const db = new Sqlite(join(dataDir, 'capstan.sqlite'), { readonly: true });
    try {
      const promoted = db
        .prepare(`select actor, subject_id, detail from audit_log where action = 'model.promoted'`)
        .all() as { actor: string; subject_id: string; detail: string }[];
      assert.deepEqual(
        promoted.map((entry) => [entry.actor, entry.subject_id, JSON.parse(entry.detail)]),
        [['cli', report.modelId, { from: 'challenger', to: 'champion' }]],
      );
    } finally {
      db.close();
    }
  });

  it('refuses bad flags and a date past the ground truth with a message and exit code 2, no stack trace', () => {
    const truth = `${market}.truth.json`;
    const cases: [string[], RegExp][] = [
      [['--step-days', '0'], /--step-days must be a whole number from 1/],
      [['--algorithm', 'forest'], /--algorithm must be scorecard or gbt, not forest/],
      [['--horizon-days', 'soon'], /--horizon-days must be a whole number/],
      [['--test-fraction', '0.99'], /--test-fraction must be a number from 0.05 to 0.9/],
      // Ignored, the model was registered and no file written, with exit code 0.
      [['--out', join(dir, 'model.json')], /--out: only for a CSV \(--data\)/],
    ];
    for (const [flags, message] of cases) {
      const result = attempt([
        'model',
        'train',
        '--from-history',
        '--as-of',
        asOf,
        '--truth',
        truth,
        ...flags,
        '--data-dir',
        dataDir,
      ]);
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    }
    const late = attempt([
      'model',
      'backtest',
      '--train-until',
      '2025-12-31',
      '--test-until',
      '2027-01-01',
      '--truth',
      truth,
      '--data-dir',
      dataDir,
    ]);
    assert.equal(late.status, 2, late.stderr);
    assert.match(late.stderr, /--test-until 2027-01-01 is after the ground truth's last day/);
    const missing = attempt([
      'model',
      'train',
      '--from-history',
      '--as-of',
      asOf,
      '--truth',
      join(dir, 'nope.json'),
      '--data-dir',
      dataDir,
    ]);
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /cannot read the ground truth/);
    // A CSV's model is not registered: --champion on it was ignored as well.
    const csvChampion = attempt(['model', 'train', '--data', market, '--target', 'bad', '--champion']);
    assert.equal(csvChampion.status, 2, csvChampion.stderr);
    assert.match(csvChampion.stderr, /--champion: only with --from-history/);
    assert.equal(existsSync(join(dir, 'model.json')), false, 'no model written');
    assert.doesNotMatch(run(['model', 'list', '--data-dir', dataDir]).stdout, /v2/, 'no model registered');
  });

  it('grants consent and decides every merchant with the champion', () => {
    assert.match(
      run(['consent', 'grant', '--all', '--data-dir', dataDir]).stdout,
      new RegExp(`recorded ${merchants} consent\\(s\\) for credit_assessment`),
    );
    const { stdout } = run(['decide', '--all', '--as-of', asOf, '--data-dir', dataDir]);
    const approved = Number(/(\d+)\s+approved/.exec(stdout)?.[1] ?? 0);
    assert.ok(approved > 0, stdout);
    assert.doesNotMatch(stdout, /consent_missing/);
    const db = new Sqlite(join(dataDir, 'capstan.sqlite'), { readonly: true });
    try {
      const rows = db.prepare('select record from decisions order by sequence').all() as { record: string }[];
      assert.equal(rows.length, merchants + 1);
      const latest = rows.slice(1).map((row) => JSON.parse(row.record) as Record<string, unknown>);
      for (const decision of latest) {
        assert.match(decision.consent_id as string, /^cns_/);
        if (decision.outcome === 'approved') {
          assert.ok(typeof decision.pd === 'number' && decision.pd >= 0 && decision.pd <= 1);
          assert.match(decision.grade as string, /^[A-E]$/);
          assert.ok(BigInt(decision.limit as string) > 0n);
        }
      }
    } finally {
      db.close();
    }
  });

  it('reports the population stability of the champion over the recent decisions', () => {
    const report = lastJson(run(['model', 'monitor', '--data-dir', dataDir]).stdout);
    assert.equal(report.version, 1);
    assert.ok((report.merchants as number) > 0);
    assert.ok(typeof report.scorePsi === 'number' && report.scorePsi >= 0);
    assert.ok(['stable', 'watch', 'shifted'].includes(report.scoreStatus as string));
    assert.ok((report.inputs as unknown[]).length > 5);
  });

  it('verifies the decision chain, and names the broken rule once a decision is edited', () => {
    assert.match(
      run(['verify', '--data-dir', dataDir]).stdout,
      new RegExp(`decision log verified: ${merchants + 1} decisions`),
    );
    const db = new Sqlite(join(dataDir, 'capstan.sqlite'));
    try {
      db.prepare(
        'update decisions set record = replace(record, \'"outcome":"declined"\', \'"outcome":"approved"\') where sequence = (select min(sequence) from decisions)',
      ).run();
    } finally {
      db.close();
    }
    const tampered = attempt(['verify', '--data-dir', dataDir]);
    assert.equal(tampered.status, 1, tampered.stdout + tampered.stderr);
    assert.match(tampered.stdout + tampered.stderr, /VERIFY FAILED \[decision_hash_mismatch\]/);
  });

  it('stops decide with a message, storing nothing, when the champion cannot score', () => {
    const db = new Sqlite(join(dataDir, 'capstan.sqlite'));
    const count = () => (db.prepare('select count(*) as n from decisions').get() as { n: number }).n;
    try {
      const before = count();
      db.prepare(
        `update models set artifact = '{"format":"capstan.model/1"}' where status = 'champion'`,
      ).run();
      const result = attempt(['decide', '--all', '--as-of', asOf, '--data-dir', dataDir]);
      assert.equal(result.status, 1, result.stdout + result.stderr);
      assert.match(result.stderr, /the champion mdl_\w+ \(v1\) cannot score: .*promote another model/);
      assert.equal(count(), before, 'no decision stored');
    } finally {
      db.close();
    }
  });
});
