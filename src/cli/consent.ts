/**
 * `capstan consent grant MERCHANT… | --all`: records consents that merchants gave through the
 * platform (for a simulated marketplace, or a bulk migration). Merchants grant their own through
 * POST /v1/merchants/{id}/consents; this is the operator's tool for the same record.
 */
import { grantConsent } from '../app/risk/consents.ts';
import { dataSources } from '../domain/consent/consent.ts';
import type { CliDeps, StorageFlags } from './program.ts';

export async function consentGrantCommand(
  deps: CliDeps,
  merchants: readonly string[],
  flags: StorageFlags & { all?: boolean; sources?: string; days?: string },
) {
  const app = await deps.openApp(deps.loadConfig(flags));
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
    const sources =
      flags.sources === undefined ? [...dataSources] : flags.sources.split(',').map((s) => s.trim());
    const expiresAtMs = app.clock.nowNs() / 1_000_000n + BigInt(Number(flags.days ?? 365)) * 86_400_000n;
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
          if (result.ok) granted += 1;
          else problems.push(`${id}: ${result.detail ?? result.code}`);
        }
        return problems;
      });
      for (const failure of failures) deps.err.write(`${failure}\n`);
    }
    deps.out.write(`recorded ${granted} consent(s) for credit_assessment (${sources.join(', ')})\n`);
  } finally {
    await app.store.close();
  }
}
