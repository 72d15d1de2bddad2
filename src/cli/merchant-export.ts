/**
 * `capstan merchant export MERCHANT [--out FILE]`: everything Capstan holds about a merchant, the
 * JSON document GET /v1/merchants/{id}/export answers, read from the database by an operator at the
 * shell in one read transaction — to standard output, or to a file that appears only once whole.
 * Read only: a mistyped --data-dir is said, not made into an empty database.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { merchantHeld } from '../app/privacy/merchant-export.ts';
import { refuseMalformedMerchantIds } from './merchant-ids.ts';
import { openMigratedApp } from './open-migrated.ts';
import type { CliDeps, StorageFlags } from './program.ts';

export async function merchantExportCommand(
  deps: CliDeps,
  merchantId: string,
  flags: StorageFlags & { out?: string },
): Promise<void> {
  await refuseMalformedMerchantIds([merchantId]);
  const views = await deps.loadReportViews();
  const app = await openMigratedApp(deps, flags);
  const out = flags.out;
  // Written beside the file asked for, and renamed to it once whole: a failed export leaves no
  // file that looks like one.
  const partial = out === undefined ? undefined : `${out}.partial-${process.pid}`;
  try {
    const held = await app.store.read(async (tx) => {
      if (!(await merchantHeld(tx, merchantId))) return false;
      const chunks = views.merchantExport(tx, app, merchantId);
      if (partial === undefined) {
        for await (const chunk of chunks) if (!deps.out.write(chunk)) await once(deps.out, 'drain');
      } else await pipeline(Readable.from(chunks), createWriteStream(partial));
      return true;
    });
    if (!held) {
      deps.err.write(`capstan: no merchant ${merchantId}: Capstan holds nothing about it\n`);
      process.exitCode = 1;
      return;
    }
    if (out !== undefined && partial !== undefined) {
      await rename(partial, out);
      deps.out.write(`wrote the export of ${merchantId} to ${out}\n`);
    }
  } finally {
    if (partial !== undefined) await rm(partial, { force: true });
    await app.store.close();
  }
}
