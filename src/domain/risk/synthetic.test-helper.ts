/**
 * A seeded synthetic lending data set shaped like the marketplace's feature store: a riskier
 * refund rate (missing on ~10% of rows, and riskier when missing), safer growth and tenure, a
 * categorical with one rare category, and a pure-noise column. The log-odds of bad are linear in
 * known effects, so tests can check that the models find them.
 */
import type { Dataset, FeatureValue, Label } from './model.ts';
import { createRandom } from './random.ts';

export const syntheticCategories = ['electronics', 'fashion', 'grocery', 'home', 'toys'] as const;
const categoryEffect: Record<string, number> = {
  electronics: 0.6,
  fashion: 0.2,
  grocery: -0.6,
  home: 0,
  toys: 0.3,
  art: 0,
};

function gaussian(random: ReturnType<typeof createRandom>): number {
  const u = Math.max(1e-12, random.nextFloat());
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextFloat());
}

export function syntheticDataset(rows: number, seed: number): Dataset {
  const random = createRandom(seed);
  const data: FeatureValue[][] = [];
  const target: Label[] = [];
  for (let i = 0; i < rows; i += 1) {
    const refundMissing = random.nextFloat() < 0.1;
    const refund = random.nextFloat() * 0.3;
    const growth = gaussian(random) * 0.2;
    const tenure = random.nextInt(2000);
    const category = random.nextFloat() < 0.01 ? 'art' : (syntheticCategories[random.nextInt(5)] as string);
    const noise = random.nextFloat();
    const logit =
      -1.5 +
      (refundMissing ? 1.2 : 10 * (refund - 0.15)) -
      4 * growth -
      tenure / 1000 +
      1 +
      (categoryEffect[category] ?? 0);
    target.push(random.nextFloat() < 1 / (1 + Math.exp(-logit)) ? 1 : 0);
    data.push([
      refundMissing ? null : Math.round(refund * 1e4) / 1e4,
      Math.round(growth * 1e4) / 1e4,
      tenure,
      category,
      noise,
    ]);
  }
  return {
    columns: [
      { name: 'refund_rate_90d', kind: 'numeric' },
      { name: 'growth_90d', kind: 'numeric' },
      { name: 'tenure_days', kind: 'numeric' },
      { name: 'category', kind: 'categorical' },
      { name: 'noise', kind: 'numeric' },
    ],
    rows: data,
    target,
  };
}
