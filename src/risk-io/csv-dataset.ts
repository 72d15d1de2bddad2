/**
 * The edge between a CSV file and the risk domain: reads the file with the project's RFC 4180
 * reader (src/ingest/formats/csv.ts — quoted fields, CRLF, a UTF-8 BOM), keeps the text cells,
 * and hands them to `buildDataset`, which detects column types and the target. A malformed record
 * or a row of the wrong width is a result naming its line, never a silently skipped row.
 */
import { createReadStream } from 'node:fs';
import { err, ok, type Result } from '../domain/result.ts';
import {
  buildDataset,
  type DatasetOptions,
  type DatasetProblem,
  type DatasetSummary,
  datasetRowsMax,
  type TextTable,
} from '../domain/risk/dataset.ts';
import type { Dataset } from '../domain/risk/model.ts';
import { readCsv } from '../ingest/formats/csv.ts';
import type { ByteSource, OnBytes } from '../ingest/formats/lines.ts';

export type CsvTableProblem = 'csv_malformed' | 'dataset_empty' | 'row_width_mismatch' | 'dataset_too_large';

export interface ReadOptions {
  readonly onBytes?: OnBytes;
  /** Called every `progressRows` rows with the count so far. */
  readonly onRows?: (rows: number) => void;
}

const progressRows = 10_000;

/** The header and the data rows of a CSV, every row checked to be as wide as the header. */
export async function readCsvTable(
  source: ByteSource,
  options: ReadOptions = {},
): Promise<Result<TextTable, CsvTableProblem>> {
  let header: readonly string[] | null = null;
  const rows: (readonly string[])[] = [];
  const csvOptions = options.onBytes === undefined ? {} : { onBytes: options.onBytes };
  for await (const record of readCsv(source, csvOptions)) {
    if (record.problem !== undefined) {
      return err('csv_malformed', `line ${record.line}: ${record.problem.code} (${record.problem.detail})`);
    }
    if (header === null) {
      header = record.fields;
      continue;
    }
    if (record.fields.length !== header.length) {
      return err(
        'row_width_mismatch',
        `line ${record.line} has ${record.fields.length} fields, the header ${header.length}`,
      );
    }
    if (rows.length >= datasetRowsMax)
      return err('dataset_too_large', `more than ${datasetRowsMax} data rows`);
    rows.push(record.fields);
    if (rows.length % progressRows === 0) options.onRows?.(rows.length);
  }
  if (header === null || rows.length === 0)
    return err(
      'dataset_empty',
      header === null ? 'the file is empty' : 'the file has a header but no data rows',
    );
  return ok({ header, rows });
}

export interface CsvDataset {
  readonly dataset: Dataset;
  readonly summary: DatasetSummary;
}

/** A CSV file (a path, or any byte source) as a Dataset. */
export async function readCsvDataset(
  source: string | ByteSource,
  options: DatasetOptions,
  readOptions: ReadOptions = {},
): Promise<Result<CsvDataset, CsvTableProblem | DatasetProblem>> {
  const table = await readCsvTable(
    typeof source === 'string' ? createReadStream(source) : source,
    readOptions,
  );
  if (!table.ok) return table;
  return buildDataset(table.value, options);
}
