/**
 * The training report as Markdown: hold-out metrics, how the model was built, every feature's IV
 * and binning table, calibration by decile and population stability. Pure text from the report
 * and the artifact; the CLI writes it to a file.
 */
import type { ModelArtifact } from './artifact.ts';
import type { FeatureReport, TrainReport } from './model.ts';

export interface ReportContext {
  /** Where the data came from, e.g. the CSV's file name. */
  readonly source?: string;
  readonly target?: string;
  /** Data-set notes (rows dropped, columns excluded…), one bullet each. */
  readonly notes?: readonly string[];
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map((_, index) => (index === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}

const percent = (value: number, digits = 1) => `${(value * 100).toFixed(digits)}%`;
const fixed = (value: number, digits = 3) => value.toFixed(digits);

function stabilityWord(psi: number): string {
  if (psi < 0.1) return 'stable (< 0.1)';
  if (psi < 0.25) return 'some shift (0.1–0.25): investigate';
  return 'shifted (≥ 0.25): the hold-out does not look like the training data';
}

function summary(report: TrainReport, context: ReportContext): string[] {
  const overfit = report.trainAuc - report.auc;
  return [
    `# Credit model report: ${report.algorithm}`,
    '',
    ...(context.source === undefined ? [] : [`- Data: \`${context.source}\``]),
    ...(context.target === undefined ? [] : [`- Target: \`${context.target}\` (1 = bad)`]),
    `- Rows: ${report.trainRows} training (bad rate ${percent(report.trainPositiveRate)}), ${report.testRows} hold-out (bad rate ${percent(report.testPositiveRate)}), stratified split with seed ${report.seed}`,
    `- Features: ${report.features} used of ${report.candidateFeatures} candidates`,
    ...(context.notes ?? []).map((note) => `- ${note}`),
    '',
    '## Hold-out performance',
    '',
    ...table(
      ['metric', 'value'],
      [
        ['AUC', fixed(report.auc, 4)],
        ['Gini (2·AUC − 1)', fixed(report.gini, 4)],
        ['KS (max TPR − FPR)', fixed(report.ks, 4)],
        ['log-loss', fixed(report.logLoss, 4)],
        ['Brier score', fixed(report.brier, 4)],
        ['training AUC', `${fixed(report.trainAuc, 4)} (gap ${fixed(overfit, 4)})`],
        ['PSI of PD, train → hold-out', `${fixed(report.psi, 4)}: ${stabilityWord(report.psi)}`],
      ],
    ),
    '',
    '## How the model was built',
    '',
    ...report.details.map((detail) => `- ${detail}`),
  ];
}

function scorecardSection(model: ModelArtifact): string[] {
  if (model.algorithm !== 'scorecard') {
    const rows = [...model.features]
      .sort((a, b) => b.importance - a.importance)
      .map((feature) => [feature.name, feature.kind, percent(feature.importance)]);
    return [
      '',
      '## Feature importance (share of split gain)',
      '',
      ...table(['feature', 'kind', 'importance'], rows),
    ];
  }
  const rows = model.variables.map((variable) => {
    const points = variable.bins.filter((bin) => bin.rows > 0).map((bin) => bin.points);
    return [
      variable.name,
      fixed(variable.iv),
      fixed(variable.coefficient),
      `${Math.round(Math.min(...points))} … ${Math.round(Math.max(...points))}`,
    ];
  });
  return [
    '',
    '## Scorecard',
    '',
    `Score = ${Math.round(model.basePoints)} base points + the points of each feature's band (higher = safer).`,
    '',
    ...table(['feature', 'IV', 'coefficient on WoE', 'points'], rows),
  ];
}

function featureTables(report: TrainReport): string[] {
  const rank = (feature: FeatureReport) =>
    feature.status === 'selected' || feature.status === 'used' ? 0 : 1;
  const features = [...report.featureReports].sort((a, b) => rank(a) - rank(b) || b.iv - a.iv);
  const lines = [
    '',
    '## Features',
    '',
    ...table(
      ['feature', 'kind', 'missing', 'IV', 'status'],
      features.map((feature) => [
        feature.name,
        feature.kind,
        percent(feature.missingShare),
        fixed(feature.iv),
        feature.status,
      ]),
    ),
    '',
    '## Binning (training rows)',
    '',
    'WoE = ln(share of goods / share of bads): positive bands are safer than average.',
  ];
  for (const feature of features) {
    const withPoints = feature.bins.some((bin) => bin.points !== null);
    const header = [
      'band',
      'rows',
      'share',
      'bads',
      'bad rate',
      'WoE',
      'IV',
      ...(withPoints ? ['points'] : []),
    ];
    const rows = feature.bins
      .filter((bin) => bin.rows > 0 || bin.label !== 'missing')
      .map((bin) => [
        bin.label,
        String(bin.rows),
        percent(bin.share),
        String(bin.bads),
        percent(bin.badRate),
        fixed(bin.woe),
        fixed(bin.iv, 4),
        ...(withPoints ? [bin.points === null ? '' : String(Math.round(bin.points))] : []),
      ]);
    lines.push(
      '',
      `### ${feature.name} — IV ${fixed(feature.iv)}, ${feature.status}`,
      '',
      ...table(header, rows),
    );
  }
  return lines;
}

function stability(report: TrainReport): string[] {
  const bound = (value: number | null, fallback: string) => (value === null ? fallback : fixed(value, 4));
  return [
    '',
    '## Calibration by decile (hold-out)',
    '',
    ...table(
      ['decile', 'rows', 'PD range', 'mean PD', 'observed bad rate'],
      report.calibration.map((band) => [
        String(band.decile),
        String(band.rows),
        `${fixed(band.minPd, 4)} – ${fixed(band.maxPd, 4)}`,
        percent(band.meanPd, 2),
        percent(band.observedRate, 2),
      ]),
    ),
    '',
    '## Population stability of the PD (train = expected, hold-out = actual)',
    '',
    `PSI ${fixed(report.psi, 4)}: ${stabilityWord(report.psi)}.`,
    '',
    ...table(
      ['PD band', 'train share', 'hold-out share', 'PSI term'],
      report.psiBands.map((band) => [
        `${bound(band.lower, '0')} – ${bound(band.upper, '1')}`,
        percent(band.expectedShare),
        percent(band.actualShare),
        fixed(band.psi, 4),
      ]),
    ),
  ];
}

export function buildTrainingReport(
  report: TrainReport,
  model: ModelArtifact,
  context: ReportContext = {},
): string {
  return `${[...summary(report, context), ...scorecardSection(model), ...stability(report), ...featureTables(report)].join('\n')}\n`;
}
