import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stabilityReference, stabilityReport, stabilityStatus } from './stability.ts';

const close = (actual: number, expected: number, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual} is not ${expected}`);

describe('population stability', () => {
  const rows = Array.from({ length: 10 }, (_, i) => ({ x: i + 1, segment: i < 6 ? 'a' : 'b' }));
  const pds = rows.map((_, i) => (i + 1) / 100);
  const reference = stabilityReference(rows, pds);

  it('bands numeric inputs at the training deciles, with a band for missing', () => {
    const x = reference.inputs.find((input) => input.name === 'x');
    assert.deepEqual(x?.cuts, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(x?.shares, [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0]);
    const segment = reference.inputs.find((input) => input.name === 'segment');
    assert.deepEqual(segment?.categories, ['a', 'b']);
    assert.deepEqual(segment?.shares, [0.6, 0.4, 0, 0]);
  });

  it('is zero for the training population itself', () => {
    const report = stabilityReport(reference, rows, pds);
    close(report.score.psi, 0);
    for (const input of report.inputs) close(input.psi, 0);
    assert.equal(report.score.status, 'stable');
  });

  it('matches a hand-computed PSI when the whole population moves into the top band', () => {
    // Nine bands go from 10% to nothing (floored at 0.01%), one from 10% to 100%:
    // 9 × (0.0001 − 0.1) × ln(0.0001 / 0.1) + (1 − 0.1) × ln(1 / 0.1)
    const expected = 9 * (0.0001 - 0.1) * Math.log(0.0001 / 0.1) + 0.9 * Math.log(10);
    const moved = rows.map(() => ({ x: 50, segment: 'a' }));
    const report = stabilityReport(
      reference,
      moved,
      moved.map(() => 0.5),
    );
    close(report.score.psi, expected);
    const x = report.inputs.find((input) => input.name === 'x');
    close(x?.psi ?? Number.NaN, expected);
    assert.equal(x?.status, 'shifted');
    assert.equal(report.inputs[0]?.name, 'x', 'most drifted input first');
  });

  it('counts unseen categories as other and absent values as missing', () => {
    const report = stabilityReport(
      reference,
      [
        { x: 1, segment: 'c' },
        { x: null, segment: null },
      ],
      [0.01, 0.02],
    );
    const segment = report.inputs.find((input) => input.name === 'segment');
    assert.deepEqual(
      segment?.bands.map((band) => [band.label, band.actualShare]),
      [
        ['a', 0],
        ['b', 0],
        ['other', 0.5],
        ['missing', 0.5],
      ],
    );
    const x = report.inputs.find((input) => input.name === 'x');
    assert.equal(x?.bands.at(-1)?.label, 'missing');
    assert.equal(x?.bands.at(-1)?.actualShare, 0.5);
    assert.equal(x?.bands[0]?.label, '≤ 1');
  });

  it('reads PSI the usual way', () => {
    assert.equal(stabilityStatus(0.05), 'stable');
    assert.equal(stabilityStatus(0.1), 'watch');
    assert.equal(stabilityStatus(0.25), 'shifted');
  });
});
