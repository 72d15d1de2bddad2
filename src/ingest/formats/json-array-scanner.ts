/**
 * Streams the elements of one array inside a top-level JSON object — `{"orders": [ {…}, {…} ]}` —
 * without loading the file: a character scanner tracks strings, escapes and nesting depth, cuts out
 * the text of each element of the named array and hands it on with the line it starts on. Each
 * element is then `JSON.parse`d on its own, so memory is bounded by the largest element
 * (`elementCharsMax`), not by the file. Other top-level keys are read past.
 *
 * Outcomes, as values: an element's text; `element_too_large` (cut, read past); `element_not_object`
 * (a number, string or null in the array); `json_truncated` (the input ended inside an element).
 * A file that is not such an object — not starting with '{', text after it, no such array, or
 * ending between elements — is a whole-file error: `structureError`, set as soon as it is known and
 * at the latest by `end()`. Brackets are counted, not matched by kind: a malformed element is
 * caught by its own JSON.parse.
 */
import { assert } from '../../domain/assert.ts';

export type ScannedElement =
  | { readonly line: number; readonly text: string }
  | {
      readonly line: number;
      readonly text: string;
      readonly problem: {
        readonly code: 'element_too_large' | 'element_not_object' | 'json_truncated';
        readonly detail: string;
      };
    };

const whitespace = new Set([' ', '\t', '\n', '\r']);

export class JsonArrayScanner {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  private expectKey = false;
  private key: string | null = null;
  private lastKey: string | null = null;
  private inArray = false;
  private foundArray = false;
  private startedObject = false;
  private notObject = false;
  private element: { line: number; text: string; chars: number } | null = null;

  constructor(
    private readonly arrayKey: string,
    private readonly elementCharsMax: number,
  ) {
    assert(Number.isSafeInteger(elementCharsMax) && elementCharsMax > 0, 'elementCharsMax must be > 0');
  }

  /** A reason the input is not `{ "<arrayKey>": [ … ] }`, or null. Meaningful after `end()`. */
  structureError: string | null = null;

  push(text: string): ScannedElement[] {
    const found: ScannedElement[] = [];
    for (const char of text) {
      if (this.structureError !== null) break;
      const done = this.step(char);
      if (done !== null) found.push(done);
    }
    return found;
  }

  end(): ScannedElement[] {
    const found: ScannedElement[] = [];
    if (this.element !== null) {
      const { line, text } = this.element;
      found.push({
        line,
        text,
        problem: { code: 'json_truncated', detail: 'the input ended inside this element' },
      });
      this.element = null;
    } else if (this.structureError === null && this.depth !== 0 && (this.foundArray || this.inArray)) {
      this.structureError = 'the input ends before the top-level object closes (truncated?)';
    }
    if (this.structureError === null && !this.foundArray && !this.inArray) {
      this.structureError = this.startedObject
        ? `no "${this.arrayKey}" array at the top level`
        : 'the input is empty';
    }
    return found;
  }

  private step(char: string): ScannedElement | null {
    if (char === '\n') this.line += 1;
    if (this.element !== null) this.capture(char);
    if (this.inString) {
      this.stepInString(char);
      return null;
    }
    if (whitespace.has(char)) return null;
    if (this.depth === 0) {
      if (char !== '{' || this.startedObject) {
        this.structureError = this.startedObject
          ? 'text after the top-level object'
          : 'the input is not a JSON object';
        return null;
      }
      this.startedObject = true;
    }
    return this.stepStructural(char);
  }

  private stepInString(char: string): void {
    if (this.escaped) {
      this.escaped = false;
    } else if (char === '\\') {
      this.escaped = true;
    } else if (char === '"') {
      this.inString = false;
      if (this.key !== null) {
        this.lastKey = this.key;
        this.key = null;
      }
      return;
    }
    if (this.key !== null) this.key += char;
  }

  private stepStructural(char: string): ScannedElement | null {
    const atArrayItem = this.inArray && this.depth === 2;
    if (atArrayItem && char === ',') {
      this.notObject = false;
      return null;
    }
    if (atArrayItem && char !== '{' && char !== ']') return this.markNotObject(char);
    switch (char) {
      case '"':
        this.inString = true;
        if (this.depth === 1 && this.expectKey) {
          this.key = '';
          this.expectKey = false;
        }
        return null;
      case '{':
      case '[':
        return this.open(char);
      case '}':
      case ']':
        return this.close();
      case ',':
        if (this.depth === 1) this.expectKey = true;
        return null;
      default:
        return null;
    }
  }

  private open(char: '{' | '['): null {
    this.depth += 1;
    if (this.depth === 1) this.expectKey = true;
    if (this.depth === 2 && char === '[' && this.lastKey === this.arrayKey) this.inArray = true;
    if (this.inArray && this.depth === 3 && char === '{')
      this.element = { line: this.line, text: '{', chars: 1 };
    return null;
  }

  private close(): ScannedElement | null {
    this.depth -= 1;
    if (this.inArray && this.depth === 1) {
      this.inArray = false;
      this.foundArray = true;
    }
    if (this.element === null || this.depth !== 2) return null;
    const { line, text, chars } = this.element;
    this.element = null;
    if (chars > this.elementCharsMax) {
      const detail = `element is longer than ${this.elementCharsMax} characters; its start is kept`;
      return { line, text, problem: { code: 'element_too_large', detail } };
    }
    return { line, text };
  }

  private markNotObject(char: string): ScannedElement | null {
    if (char === '"') this.inString = true;
    if (char === '[' || char === '{') this.depth += 1;
    if (this.notObject) return null;
    this.notObject = true;
    return {
      line: this.line,
      text: char,
      problem: { code: 'element_not_object', detail: 'expected an object' },
    };
  }

  private capture(char: string): void {
    const element = this.element as { line: number; text: string; chars: number };
    element.chars += char.length;
    if (element.chars <= this.elementCharsMax) element.text += char;
    else if (element.text.length > 1024) element.text = element.text.slice(0, 1024);
  }
}
