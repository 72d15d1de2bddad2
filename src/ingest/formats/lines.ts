/**
 * The byte plumbing every import format shares: a source of chunks (a file stream, or any async
 * iterable of Buffers/strings in tests), counted as it is read so the CLI can show progress, and
 * turned either into bounded lines (NDJSON, Amazon's tab-separated reports) or into a stream of
 * decoded text (CSV, Shopify JSON) that never splits a UTF-8 character between two chunks.
 *
 * Nothing here buffers more than one line (bounded by `lineBytesMax`) or one chunk: an over-long
 * line is cut to a short prefix for the quarantine and reported as `line_too_long`, never held.
 */
import { assert } from '../../domain/assert.ts';

type Chunk = Buffer | string | Uint8Array;

/** What a format reads from: `fs.createReadStream(path)`, `process.stdin`, or chunks in a test. */
export type ByteSource = NodeJS.ReadableStream | AsyncIterable<Chunk> | readonly Chunk[];

/** Called with the size of every chunk as it is read, so a caller can sum bytes for progress. */
export type OnBytes = (bytes: number) => void;

/** The default bound on one line, in bytes, terminator excluded. */
export const lineBytesMaxDefault = 1024 * 1024;
/** How much of an over-long line is kept as its `raw` text in the quarantine. */
export const overlongRawBytesMax = 1024;

export interface LineProblem {
  readonly code: 'line_too_long' | 'encoding_invalid';
  readonly field: null;
  readonly detail: string;
}

/** One line: 1-based number, text without its terminator ('\n' or '\r\n') or a leading BOM. */
export interface TextLine {
  readonly line: number;
  readonly text: string;
  readonly problem?: LineProblem;
}

const byteOrderMark = [0xef, 0xbb, 0xbf] as const;
const newline = 0x0a;
const carriageReturn = 0x0d;

function toBuffer(chunk: Chunk): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Chunks as Buffers, each reported to `onBytes` before it is handed on. */
export async function* bufferChunks(input: ByteSource, onBytes?: OnBytes): AsyncGenerator<Buffer> {
  for await (const chunk of input as AsyncIterable<Chunk>) {
    const bytes = toBuffer(chunk);
    onBytes?.(bytes.length);
    yield bytes;
  }
}

/**
 * Splits bytes into lines with a bound. Synchronous and push-based so it can be tested chunk by
 * chunk; `readLines` drives it from a stream.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private partsBytes = 0;
  private overlong = false;
  private lineNumber = 1;
  private atFileStart = true;
  private readonly strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly lenient = new TextDecoder('utf-8', { ignoreBOM: true });

  constructor(private readonly lineBytesMax: number = lineBytesMaxDefault) {
    assert(Number.isSafeInteger(lineBytesMax) && lineBytesMax > 0, 'lineBytesMax must be a positive integer');
    assert(overlongRawBytesMax <= lineBytesMaxDefault, 'the kept prefix must fit a line');
  }

  push(chunk: Buffer): TextLine[] {
    const lines: TextLine[] = [];
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(newline, start);
      this.append(chunk.subarray(start, end === -1 ? chunk.length : end));
      if (end === -1) break;
      lines.push(this.finishLine());
      start = end + 1;
    }
    return lines;
  }

  /** The last line, when the input does not end with a newline. */
  end(): TextLine[] {
    return this.partsBytes > 0 || this.overlong ? [this.finishLine()] : [];
  }

  private append(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.overlong) return;
    if (this.partsBytes + bytes.length > this.lineBytesMax + 1) {
      // +1 leaves room for the '\r' of a CRLF line exactly lineBytesMax long.
      const kept = Buffer.concat([...this.parts, bytes]).subarray(0, overlongRawBytesMax);
      this.parts = [kept];
      this.partsBytes = kept.length;
      this.overlong = true;
      return;
    }
    this.parts.push(bytes);
    this.partsBytes += bytes.length;
  }

  private finishLine(): TextLine {
    let bytes = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts);
    if (this.atFileStart && byteOrderMark.every((byte, index) => bytes[index] === byte)) {
      bytes = bytes.subarray(byteOrderMark.length);
    }
    if (bytes.length > 0 && bytes[bytes.length - 1] === carriageReturn && !this.overlong) {
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    const line = this.lineNumber;
    const overlong = this.overlong;
    this.parts = [];
    this.partsBytes = 0;
    this.overlong = false;
    this.lineNumber += 1;
    this.atFileStart = false;
    if (overlong || bytes.length > this.lineBytesMax) {
      const detail = `line is longer than ${this.lineBytesMax} bytes; its first ${overlongRawBytesMax} bytes are kept`;
      const text = this.lenient.decode(bytes.subarray(0, overlongRawBytesMax));
      return { line, text, problem: { code: 'line_too_long', field: null, detail } };
    }
    try {
      return { line, text: this.strict.decode(bytes) };
    } catch {
      const detail = 'line is not valid UTF-8';
      return {
        line,
        text: this.lenient.decode(bytes),
        problem: { code: 'encoding_invalid', field: null, detail },
      };
    }
  }
}

export interface ReadLinesOptions {
  readonly lineBytesMax?: number;
  readonly onBytes?: OnBytes;
}

/** Every line of the input, empty ones included (callers decide what a blank line means). */
export async function* readLines(
  input: ByteSource,
  options: ReadLinesOptions = {},
): AsyncGenerator<TextLine> {
  const splitter = new LineSplitter(options.lineBytesMax);
  for await (const chunk of bufferChunks(input, options.onBytes)) yield* splitter.push(chunk);
  yield* splitter.end();
}

/**
 * The input as decoded text chunks, a leading BOM removed. Invalid UTF-8 becomes U+FFFD rather
 * than an error: the formats reading text (CSV, JSON) then reject the record that contains it.
 */
export async function* readText(input: ByteSource, onBytes?: OnBytes): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let first = true;
  for await (const chunk of bufferChunks(input, onBytes)) {
    let text = decoder.decode(chunk, { stream: true });
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (text.length > 0) yield text;
  }
  const rest = decoder.decode();
  if (rest.length > 0) yield first && rest.charCodeAt(0) === 0xfeff ? rest.slice(1) : rest;
}
