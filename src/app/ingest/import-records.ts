/**
 * A stream of records (a file, a socket) into the inbox, in batches of one transaction each. A
 * crash between batches loses nothing (every committed batch is whole) and duplicates nothing on
 * restart (the inbox knows every (source, id) it has applied): running the same import again is
 * how an interrupted one is resumed.
 */
import type { AppContext } from '../app-context.ts';
import { ingestBatch, ingestBatchRecordsMax, type RecordOutcome } from './ingest.ts';
import type { RecordParser, SourceRecord } from './records.ts';

export const importBatchRecordsDefault = 10_000;

export interface ImportSummary {
  records: number;
  applied: number;
  duplicates: number;
  quarantined: number;
  /** Quarantined records by reason code. */
  readonly reasons: Map<string, number>;
}

export interface ImportOptions {
  readonly batchRecords?: number;
  readonly allowedSource?: string;
  /** After each committed batch. */
  readonly onBatch?: (summary: ImportSummary, outcomes: readonly RecordOutcome[]) => void;
}

export async function importRecords(
  app: AppContext,
  parse: RecordParser,
  records: AsyncIterable<SourceRecord>,
  options: ImportOptions = {},
): Promise<ImportSummary> {
  const batchRecords = Math.min(options.batchRecords ?? importBatchRecordsDefault, ingestBatchRecordsMax);
  const summary: ImportSummary = {
    records: 0,
    applied: 0,
    duplicates: 0,
    quarantined: 0,
    reasons: new Map(),
  };
  let batch: SourceRecord[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const parsed = batch.map(parse);
    batch = [];
    const outcomes = await app.store.write((tx) =>
      ingestBatch(tx, app, parsed, { allowedSource: options.allowedSource }),
    );
    for (const outcome of outcomes) {
      summary.records += 1;
      if (outcome.status === 'applied') summary.applied += 1;
      else if (outcome.status === 'duplicate') summary.duplicates += 1;
      else {
        summary.quarantined += 1;
        summary.reasons.set(outcome.problem.code, (summary.reasons.get(outcome.problem.code) ?? 0) + 1);
      }
    }
    options.onBatch?.(summary, outcomes);
  };
  for await (const record of records) {
    batch.push(record);
    if (batch.length >= batchRecords) await flush();
  }
  await flush();
  return summary;
}
