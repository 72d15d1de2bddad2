/**
 * `capstan consent grant MERCHANT… | --all`: records consents that merchants gave through the
 * platform (for a simulated marketplace, or a bulk migration). Merchants grant their own through
 * POST /v1/merchants/{id}/consents; this is the operator's tool for the same record, each grant in
 * the audit log as the command's (`cli`).
 */
import { cliActor } from '../app/audit/audit-log.ts';
import { grantConsent, recordConsentGranted } from '../app/risk/consents.ts';
import { consentDurationDaysMax, dataSources } from '../domain/consent/consent.ts';
import { refuseMalformedMerchantIds } from './merchant-ids.ts';
import { openMigratedApp } from './open-migrated.ts';
import type { CliDeps, StorageFlags } from './program.ts';
import { UsageError } from './usage-error.ts';

export async function consentGrantCommand(
  deps: CliDeps,
  merchants: readonly string[],
  flags: StorageFlags & { all?: boolean; sources?: string; days?: string },
) {
  // The flags are read before the database is opened: a mistyped one is a usage error that
  // touches nothing, not one failure line per merchant.
  const daysText = flags.days ?? '365';
  const days = /^[0-9]{1,9}$/.test(daysText) ? Number(daysText) : Number.NaN;
  if (!(days >= 1 && days <= consentDurationDaysMax))
    throw new UsageError(`--days must be a whole number from 1 to ${consentDurationDaysMax}`);
  const sources =
    flags.sources === undefined ? [...dataSources] : flags.sources.split(',').map((s) => s.trim());
  if (sources.some((source) => !(dataSources as readonly string[]).includes(source)))
    throw new UsageError(`--sources must be a comma-separated list of ${dataSources.join(', ')}`);
  if (merchants.length === 0 && !flags.all) throw new UsageError('name merchants or pass --all');
  await refuseMalformedMerchantIds(merchants);
  const app = await openMigratedApp(deps, flags);
  try {
    const ids = [...merchants];
    if (flags.all) {
      for (let after: string | undefined; ; ) {
        const page = await app.store.read((tx) =>
          tx.features.listMerchants(after === undefined ? { limit: 1_000 } : { after, limit: 1_000 }),
        );
        if (page.length === 0) break;
        ids.push(...page);
        after = page[page.length - 1];
      }
    }
    const expiresAtMs = app.clock.nowNs() / 1_000_000n + BigInt(days) * 86_400_000n;
    let granted = 0;
    for (let start = 0; start < ids.length; start += 500) {
      const batch = ids.slice(start, start + 500);
      const failures = await app.store.write(async (tx) => {
        const problems: string[] = [];
        for (const id of batch) {
          const result = await grantConsent(tx, app, id, {
            purpose: 'credit_assessment',
            dataSources: sources,
            expiresAtMs,
          });
          if (result.ok) {
            await recordConsentGranted(tx, cliActor(app), result.value);
            granted += 1;
          } else problems.push(`${id}: ${result.detail ?? result.code}`);
        }
        return problems;
      });
      for (const failure of failures) deps.err.write(`${failure}\n`);
      if (failures.length > 0) process.exitCode = 1;
    }
    deps.out.write(`recorded ${granted} consent(s) for credit_assessment (${sources.join(', ')})\n`);
  } finally {
    await app.store.close();
  }
}
