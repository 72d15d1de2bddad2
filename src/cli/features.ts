/** `capstan features MERCHANT [--as-of DATE]`: a merchant's features, as the API answers them. */
import { featuresView } from '../app/features/features-json.ts';
import { merchantFeatures } from '../app/features/merchant-features.ts';
import { fromDayNumber, parseCalendarDate, toDayNumber } from '../domain/time/calendar-date.ts';
import { dayNumberOfInstant } from '../domain/time/instant.ts';
import { refuseMalformedMerchantIds } from './merchant-ids.ts';
import { openMigratedApp } from './open-migrated.ts';
import type { CliDeps, StorageFlags } from './program.ts';
import { UsageError } from './usage-error.ts';

export async function featuresCommand(
  deps: CliDeps,
  merchantId: string,
  flags: StorageFlags & { asOf?: string },
) {
  // As GET /v1/merchants/{id}/features and `capstan decide` take them, and read before the database
  // is opened (today by the system clock, the app's, as `capstan eod` reads it): a mistyped flag or
  // id makes nothing. Features as of a day to come would be today's, presented as that day's.
  const parsed = flags.asOf === undefined ? undefined : parseCalendarDate(flags.asOf);
  if (parsed !== undefined && !parsed.ok) throw new UsageError('--as-of must be a date, YYYY-MM-DD');
  const day = parsed === undefined ? null : toDayNumber(parsed.value);
  const today = dayNumberOfInstant(BigInt(Date.now()) * 1_000_000n);
  if (day !== null && day > today)
    throw new UsageError(`--as-of must not be after today (${fromDayNumber(today)}, UTC)`);
  await refuseMalformedMerchantIds([merchantId]);
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
