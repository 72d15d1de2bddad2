/**
 * An RFC 4180 CSV reader, streaming and bounded: fields separated by commas, records by CRLF or LF
 * (a lone CR also ends a record); a field in double quotes may hold commas, quotes doubled (`""`)
 * and line breaks. Each record carries the line number of its first line and its raw text (the
 * record as written, terminator excluded) so a bad row can be quarantined as it was.
 *
 * Leniencies, each chosen so nothing is silently lost: a UTF-8 BOM is dropped; a record that is an
 * entirely empty line is skipped (its line still counts); a bare quote inside an unquoted field is
 * kept as a character. Errors are records with a `problem`, never exceptions:
 * - `quote_misplaced`: text after a closing quote (`"ab"c`), kept as written in the field;
 * - `quote_unterminated`: the input ended inside a quoted field;
 * - `record_too_long`: the record exceeds csvRecordCharsMax characters (its raw is cut there);
 * - `record_too_many_fields`: more than csvFieldsMax fields.
 */
import { assert } from '../../domain/assert.ts';
import { type ByteSource, type OnBytes, readText } from './lines.ts';

/** Bound on one record, in characters, quotes and embedded line breaks included. */
export const csvRecordCharsMax = 1024 * 1024;
/** Bound on fields per record; a canonical event has a dozen columns. */
export const csvFieldsMax = 1_000;

export type CsvProblemCode =
  | 'quote_misplaced'
  | 'quote_unterminated'
  | 'record_too_long'
  | 'record_too_many_fields';

export interface CsvRecord {
  /** 1-based line on which the record starts. */
  readonly line: number;
  readonly fields: readonly string[];
  readonly raw: string;
  readonly problem?: { readonly code: CsvProblemCode; readonly field: null; readonly detail: string };
}

export interface CsvOptions {
  readonly onBytes?: OnBytes;
  readonly recordCharsMax?: number;
  readonly fieldsMax?: number;
}

type State = 'field_start' | 'unquoted' | 'quoted' | 'quote_in_quoted' | 'after_quoted';

/** Push-based so it can be fed chunk by chunk in tests; `readCsv` drives it from a stream. */
export class CsvParser {
  private state: State = 'field_start';
  private field = '';
  private fields: string[] = [];
  private raw = '';
  private recordChars = 0;
  private recordLine = 1;
  private line = 1;
  private skipLinefeed = false;
  private problem: CsvRecord['problem'] | undefined;
  private readonly recordCharsMax: number;
  private readonly fieldsMax: number;

  constructor(options: CsvOptions = {}) {
    this.recordCharsMax = options.recordCharsMax ?? csvRecordCharsMax;
    this.fieldsMax = options.fieldsMax ?? csvFieldsMax;
    assert(Number.isSafeInteger(this.recordCharsMax) && this.recordCharsMax > 0, 'recordCharsMax > 0');
    assert(Number.isSafeInteger(this.fieldsMax) && this.fieldsMax > 0, 'fieldsMax > 0');
  }

  push(text: string): CsvRecord[] {
    const records: CsvRecord[] = [];
    for (const char of text) {
      if (this.skipLinefeed) {
        this.skipLinefeed = false;
        if (char === '\n') continue;
      }
      const record = this.step(char);
      if (record !== null) records.push(record);
    }
    return records;
  }

  end(): CsvRecord[] {
    if (this.state === 'quoted') {
      this.fail('quote_unterminated', 'the input ended inside a quoted field');
    } else if (this.recordChars === 0) {
      return [];
    }
    const record = this.finishRecord();
    return record === null ? [] : [record];
  }

  private step(char: string): CsvRecord | null {
    const terminator = char === '\n' || char === '\r';
    if (this.state === 'quote_in_quoted') {
      if (char === '"') {
        this.take(char, '"');
        this.state = 'quoted';
        return null;
      }
      this.state = 'after_quoted';
    }
    if (this.state === 'quoted') {
      if (char === '\n') this.line += 1;
      this.take(char, char === '"' ? '' : char);
      if (char === '"') this.state = 'quote_in_quoted';
      return null;
    }
    if (terminator) {
      if (char === '\r') this.skipLinefeed = true;
      this.line += 1;
      return this.finishRecord();
    }
    if (char === ',') {
      this.take(char, '');
      this.endField();
      return null;
    }
    this.stepInField(char);
    return null;
  }

  private stepInField(char: string): void {
    if (this.state === 'field_start' && char === '"') {
      this.take(char, '');
      this.state = 'quoted';
      return;
    }
    if (this.state === 'after_quoted') {
      this.fail('quote_misplaced', `text after the closing quote of field ${this.fields.length + 1}`);
    }
    this.take(char, char);
    this.state = 'unquoted';
  }

  /** Adds `char` to the record's raw text and `value` to the current field, within the bound. */
  private take(char: string, value: string): void {
    if (this.recordChars === 0) this.recordLine = this.line;
    this.recordChars += char.length;
    if (this.recordChars > this.recordCharsMax) {
      this.fail('record_too_long', `record is longer than ${this.recordCharsMax} characters`);
      return;
    }
    this.raw += char;
    this.field += value;
  }

  private endField(): void {
    if (this.fields.length >= this.fieldsMax) {
      this.fail('record_too_many_fields', `record has more than ${this.fieldsMax} fields`);
    } else {
      this.fields.push(this.field);
    }
    this.field = '';
    this.state = 'field_start';
  }

  private fail(code: CsvProblemCode, detail: string): void {
    this.problem ??= { code, field: null, detail };
  }

  private finishRecord(): CsvRecord | null {
    if (this.recordChars === 0 && this.problem === undefined) {
      this.state = 'field_start';
      return null;
    }
    this.endField();
    const base = { line: this.recordLine, raw: this.raw };
    const record: CsvRecord =
      this.problem === undefined
        ? { ...base, fields: this.fields }
        : { ...base, fields: [], problem: this.problem };
    this.fields = [];
    this.raw = '';
    this.recordChars = 0;
    this.problem = undefined;
    return record;
  }
}

export async function* readCsv(input: ByteSource, options: CsvOptions = {}): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser(options);
  for await (const text of readText(input, options.onBytes)) yield* parser.push(text);
  yield* parser.end();
}
