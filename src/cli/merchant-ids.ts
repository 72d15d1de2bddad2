/**
 * Merchant ids named on the command line (`decide`, `consent grant`), checked as the API checks a
 * merchant's `{id}` and as every event's `subject` is: `capstan decide nosuch` chained a decision
 * (and `consent grant` stored a consent) for an id no event can ever name, where the API answers
 * `400 parameter_invalid`.
 */
import { UsageError } from './usage-error.ts';

export async function refuseMalformedMerchantIds(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  // Loaded here, not at start-up: the event schemas are the ingestion edge's (CliDeps.loadIngest).
  const { merchantIdPattern } = await import('../ingest/event-schemas.ts');
  const pattern = new RegExp(merchantIdPattern);
  const malformed = ids.filter((id) => !pattern.test(id));
  if (malformed.length > 0)
    throw new UsageError(
      `not a merchant id (mer_ then 1 to 60 letters, digits, _ or -): ${malformed.slice(0, 5).join(', ')}`,
    );
}
