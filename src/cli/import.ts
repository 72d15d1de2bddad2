/**
 * `capstan import FILE…`: NDJSON, CSV, a Shopify orders export or an Amazon settlement report, into
 * the inbox in batches, with a progress bar (bytes, rate, ETA) and a summary. Interrupted, it is
 * resumed by running it again: committed batches are recognised as duplicates, nothing is applied
 * twice.
 */

import { importBatchRecordsDefault, importRecords } from '../app/ingest/import-records.ts';
import { ingestBatchRecordsMax } from '../app/ingest/ingest.ts';
import type { CliDeps, ImportFileHandle, StorageFlags } from './program.ts';
import { createProgress } from './progress.ts';
import { UsageError } from './usage-error.ts';

export interface ImportFlags extends StorageFlags {
  readonly format?: string;
  readonly source?: string;
  readonly subject?: string;
  readonly type?: string;
  readonly batchSize?: string;
}

export async function importCommand(
  deps: CliDeps,
  files: readonly string[],
  flags: ImportFlags,
): Promise<void> {
  const batchRecords = batchRecordsOf(flags.batchSize);
  const ingest = await deps.loadIngest();
  // Every file is opened — its format told, the flags checked against it — before the database
  // is: a file refused (an unknown format, a flag it has no use for) makes no database and leaves
  // the files named before it unimported, so the command can simply be run again corrected.
  let opened: (readonly [string, ImportFileHandle])[];
  try {
    opened = files.map((path) => [
      path,
      ingest.openFile(path, {
        ...(flags.format === undefined ? {} : { format: flags.format }),
        ...(flags.source === undefined ? {} : { source: flags.source }),
        ...(flags.subject === undefined ? {} : { subject: flags.subject }),
        ...(flags.type === undefined ? {} : { eventType: flags.type }),
      }),
    ]);
  } catch (error) {
    deps.err.write(`import failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const config = deps.loadConfig(flags);
  const app = await deps.openApp(config);
  let failed = false;
  try {
    await app.store.migrate();
    for (const [path, file] of opened) {
      const progress = createProgress(
        `importing ${path} (${file.format})`,
        file.bytesTotal,
        deps.err,
        undefined,
        'bytes',
      );
      const started = performance.now();
      const summary = await importRecords(app, ingest.parse, file.records, {
        batchRecords,
        onBatch: () => progress.update(file.bytesRead()),
      });
      progress.update(file.bytesTotal);
      const seconds = (performance.now() - started) / 1000;
      progress.finish(
        `${summary.records.toLocaleString('en-US')} records, ${Math.round(summary.records / Math.max(seconds, 0.001)).toLocaleString('en-US')}/s`,
      );
      const reasons = [...summary.reasons].map(([code, count]) => `${code} ×${count}`).join(', ');
      deps.out.write(
        `${path}: ${summary.records} records — ${summary.applied} applied, ${summary.duplicates} already received, ` +
          `${summary.quarantined} quarantined${reasons === '' ? '' : ` (${reasons}); see \`capstan quarantine list\``}\n`,
      );
    }
  } catch (error) {
    failed = true;
    deps.err.write(`import failed: ${(error as Error).message}\n`);
  } finally {
    await app.store.close();
  }
  if (failed) process.exitCode = 1;
}

/**
 * `--batch-size`, checked before anything is read: text that is not a whole number (`abc`) made no
 * batch ever full, so the whole file was held in memory and then refused as one batch too many.
 */
function batchRecordsOf(text: string | undefined): number {
  const value = text === undefined ? importBatchRecordsDefault : Number(text);
  if (!Number.isSafeInteger(value) || value < 1 || value > ingestBatchRecordsMax)
    throw new UsageError(`--batch-size must be a whole number from 1 to ${ingestBatchRecordsMax}`);
  return value;
}
