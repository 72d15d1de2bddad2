/**
 * `capstan import <file>`: which format a file is in, and its records as one stream with byte
 * progress. The format is `options.format` (`--format`) when given; otherwise, in this order:
 * | rule                                                             | format            |
 * | extension .ndjson or .jsonl                                      | ndjson            |
 * | extension .csv                                                   | csv               |
 * | content starts with `{"orders":` (whitespace allowed)            | shopify           |
 * | content's first line starts with `settlement-id<TAB>`            | amazon-settlement |
 * | extension other than .json/.txt/.tsv and content starts with `{` | ndjson            |
 * So a `.json` is a Shopify export only if it looks like one, a `.txt`/`.tsv` an Amazon report only
 * if its header says so; anything else is an error asking for `--format`. Only the first
 * `sniffBytesMax` bytes are read to decide, so only of a regular file: a pipe (`/dev/stdin`) needs
 * `--format`. The platform exports (shopify, amazon-settlement) need
 * `source` and `subject`; a CSV may take them as defaults for absent columns.
 */
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { type EventType, eventTypes, isEventType } from '../../domain/events/catalog.ts';
import type { SourceRecord } from '../source-record.ts';
import { readAmazonSettlement } from './amazon-settlement.ts';
import { eventTypeFromFileName, readCsvEvents } from './csv-events.ts';
import { bufferChunks } from './lines.ts';
import { readNdjson } from './ndjson.ts';
import { checkPlatformExportOptions } from './platform-export.ts';
import { checkShopifyOptions, readShopifyOrders } from './shopify-orders.ts';

export const importFormats = ['ndjson', 'csv', 'shopify', 'amazon-settlement'] as const;
export type ImportFormat = (typeof importFormats)[number];

export function isImportFormat(name: string): name is ImportFormat {
  return (importFormats as readonly string[]).includes(name);
}

/** How much of the file's start is read to recognise its format. */
export const sniffBytesMax = 4096;

/**
 * As the CLI passes them: `format` and `eventType` are text from flags and are checked here, with a
 * clear error naming the accepted values.
 */
export interface ImportFileOptions {
  readonly format?: ImportFormat | string;
  /** The platform (plt_…): required for shopify and amazon-settlement, a default for csv. */
  readonly source?: string;
  /** The merchant (mer_…): likewise. */
  readonly subject?: string;
  /** csv only: the event type, instead of reading it from the file name. */
  readonly eventType?: EventType | string;
  /** shopify only: days from shipping to promised delivery (default 5). */
  readonly promisedDeliveryDays?: number;
}

export interface ImportFile {
  readonly format: ImportFormat;
  /** Read lazily: the file is opened when iteration starts. */
  readonly records: AsyncIterable<SourceRecord>;
  /** The file's size, for a progress bar. */
  readonly bytesTotal: number;
  /** Bytes read so far. */
  bytesRead(): number;
}

/** The format named by the file's name and first bytes, or null when they do not say. */
export function detectFormat(fileName: string, head: string): ImportFormat | null {
  const extension = extname(fileName).toLowerCase();
  const text = head.replace(/^\uFEFF/, '');
  if (extension === '.ndjson' || extension === '.jsonl') return 'ndjson';
  if (extension === '.csv') return 'csv';
  if (/^\s*\{\s*"orders"\s*:/.test(text)) return 'shopify';
  if (text.startsWith('settlement-id\t')) return 'amazon-settlement';
  if (!['.json', '.txt', '.tsv'].includes(extension) && /^\s*\{/.test(text)) return 'ndjson';
  return null;
}

function readHead(path: string): string {
  const descriptor = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(sniffBytesMax);
    const length = readSync(descriptor, buffer, 0, sniffBytesMax, 0);
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    closeSync(descriptor);
  }
}

function formatOf(path: string, format: string | undefined): ImportFormat {
  if (format !== undefined && !isImportFormat(format)) {
    throw new Error(`unknown format "${format}": one of ${importFormats.join(', ')}`);
  }
  // A pipe or a device is read once, from where it stands: its first bytes, once sniffed, would be
  // gone from the records (ESPIPE where it cannot be read from the start at all).
  if (format === undefined && !statSync(path).isFile())
    throw new Error(
      `cannot tell the format of ${path}, which is not a regular file (read once, its start is not read twice): pass --format ${importFormats.join('|')}`,
    );
  const detected = format ?? detectFormat(path, readHead(path));
  if (detected === null) {
    throw new Error(`cannot tell the format of ${path}: pass --format ${importFormats.join('|')}`);
  }
  return detected;
}

/** Opens `path` for import; throws (before reading records) when the format or options are wrong. */
export function openImportFile(path: string, options: ImportFileOptions = {}): ImportFile {
  const bytesTotal = statSync(path).size;
  const format = formatOf(path, options.format);
  const eventType = options.eventType;
  if (eventType !== undefined && !isEventType(eventType)) {
    throw new Error(`unknown event type "${eventType}": one of ${eventTypes.join(', ')}`);
  }
  // A flag the format has no use for would be dropped without a word: refused instead.
  const unused = [
    ...(format === 'ndjson' && options.source !== undefined ? ['--source'] : []),
    ...(format === 'ndjson' && options.subject !== undefined ? ['--subject'] : []),
    ...(format !== 'csv' && eventType !== undefined ? ['--type'] : []),
  ];
  if (unused.length > 0)
    throw new Error(
      `${unused.join(' and ')} ${unused.length === 1 ? 'does' : 'do'} not apply to ${format}: ${
        format === 'ndjson'
          ? 'each NDJSON record names its own type, source and subject'
          : '--type names the event type of a CSV file'
      }`,
    );
  if (format === 'shopify') checkShopifyOptions(options);
  if (format === 'amazon-settlement') checkPlatformExportOptions('an Amazon settlement report', options);
  if (format === 'csv' && eventType === undefined && eventTypeFromFileName(path) === null) {
    throw new Error(
      `cannot tell which event type ${path} holds: name it <type>.csv (e.g. order.placed.csv) or pass the type`,
    );
  }
  let bytesRead = 0;
  const origin = `file:${basename(path)}`;
  const chunks = () => bufferChunks(createReadStream(path), (bytes) => (bytesRead += bytes));
  return {
    format,
    records: recordsOf(format, chunks, origin, path, options, eventType),
    bytesTotal,
    bytesRead: () => bytesRead,
  };
}

async function* recordsOf(
  format: ImportFormat,
  chunks: () => AsyncIterable<Buffer>,
  origin: string,
  path: string,
  options: ImportFileOptions,
  eventType: EventType | undefined,
): AsyncGenerator<SourceRecord> {
  const { source, subject } = options;
  const platform = { source: source ?? '', subject: subject ?? '' };
  switch (format) {
    case 'ndjson':
      yield* readNdjson(chunks(), origin);
      return;
    case 'csv':
      yield* readCsvEvents(chunks(), origin, {
        fileName: path,
        ...(eventType === undefined ? {} : { eventType }),
        ...(source === undefined ? {} : { source }),
        ...(subject === undefined ? {} : { subject }),
      });
      return;
    case 'shopify': {
      const days = options.promisedDeliveryDays;
      yield* readShopifyOrders(
        chunks(),
        origin,
        days === undefined ? platform : { ...platform, promisedDeliveryDays: days },
      );
      return;
    }
    case 'amazon-settlement':
      yield* readAmazonSettlement(chunks(), origin, platform);
      return;
  }
}
