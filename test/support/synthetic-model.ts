/**
 * Credit models for tests that need a champion without training on a whole simulated history: a
 * synthetic population over the marketplace model's columns where refunds, cancellations and
 * shrinking sales drive default, and the model trained on it.
 */
import { historyColumns } from '../../src/app/risk/history-dataset.ts';
import { type Dataset, type FeatureValue, trainModel } from '../../src/domain/risk/model.ts';
import { mulberry32 as prng } from '../../src/simulator/prng.ts';

export function syntheticDataset(seed: number, rowCount = 3_000): Dataset {
  const random = prng(seed);
  const rows: FeatureValue[][] = [];
  const target: (0 | 1)[] = [];
  for (let i = 0; i < rowCount; i += 1) {
    const refund = random() * 0.2;
    const growth = random() * 1.2 - 0.6;
    const cancel = random() * 0.1;
    const risk = -3 + refund * 12 - growth * 2 + cancel * 8 + (random() - 0.5);
    rows.push(
      historyColumns.map((column) => {
        if (column.name === 'refund_rate_90d') return refund;
        if (column.name === 'growth_90d') return growth;
        if (column.name === 'cancellation_rate_90d') return cancel;
        if (column.kind === 'categorical') return random() < 0.5 ? 'toys' : 'apparel';
        return random() < 0.1 ? null : random() * 100;
      }),
    );
    target.push(random() < 1 / (1 + Math.exp(-risk)) ? 1 : 0);
  }
  return { columns: historyColumns, rows, target };
}

export function syntheticModel(algorithm: 'scorecard' | 'gbt', seed: number) {
  return trainModel(syntheticDataset(seed), { algorithm, testFraction: 0.3, seed }).model;
}
