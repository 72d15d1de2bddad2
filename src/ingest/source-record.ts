/** Where the ingestion formats find the record type they produce (it belongs to the app layer). */
export type { SourceRecord } from '../app/ingest/records.ts';
