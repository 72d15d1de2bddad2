/** `capstan features MERCHANT [--as-of DATE]`: a merchant's features, as the API answers them. */
import { featuresView } from '../app/features/features-json.ts';
import { merchantFeatures } from '../app/features/merchant-features.ts';
import { parseCalendarDate, toDayNumber } from '../domain/time/calendar-date.ts';
import { openMigratedApp } from './open-migrated.ts';
import type { CliDeps, StorageFlags } from './program.ts';

export async function featuresCommand(
  deps: CliDeps,
  merchantId: string,
  flags: StorageFlags & { asOf?: string },
) {
  let day: number | null = null;
  if (flags.asOf !== undefined) {
    const parsed = parseCalendarDate(flags.asOf);
    if (!parsed.ok) {
      deps.err.write(`--as-of must be a date, YYYY-MM-DD\n`);
      process.exitCode = 2;
      return;
    }
    day = toDayNumber(parsed.value);
  }
  const app = await openMigratedApp(deps, flags);
  try {
    const result = await app.store.read((tx) => merchantFeatures(tx, app.clock, merchantId, day));
    if (!result.ok) {
      deps.err.write(`${result.detail ?? result.code}\n`);
      process.exitCode = 1;
      return;
    }
    deps.out.write(`${JSON.stringify(featuresView(result.value), null, 2)}\n`);
  } finally {
    await app.store.close();
  }
}
