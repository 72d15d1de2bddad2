/**
 * Reads fields out of parsed JSON of unknown shape (a platform's export) with their types checked,
 * remembering the first problem by its path (`refunds[0].transactions[1].amount`) instead of
 * throwing, so a mapper can read a whole order straight-line and then look once at `problem`.
 * Getters return a harmless fallback after a problem; the caller discards its output then.
 */
import { parseMoney } from '../../domain/money/money.ts';
import { parseInstantNs } from '../../domain/time/instant.ts';

export interface FieldProblem {
  readonly code: string;
  readonly field: string | null;
  readonly detail: string;
}

export type JsonObject = Readonly<Record<string, unknown>>;

/** RFC 3339 date-time with an offset: what CloudEvents `time` takes. */
const dateTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;
/** What an id may be once it is text: printable ASCII without spaces, as the schemas' references. */
const referencePattern = /^[\x21-\x7e]{1,128}$/;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isRfc3339DateTime(text: string): boolean {
  return dateTimePattern.test(text) && parseInstantNs(text) !== null;
}

export class FieldReader {
  problem: FieldProblem | null = null;

  fail(code: string, field: string, detail: string): void {
    this.problem ??= { code, field, detail };
  }

  /** Absent, null and '' are all "no value". */
  optionalText(object: JsonObject, key: string, path: string): string | null {
    const value = object[key];
    if (value === undefined || value === null || value === '') return null;
    if (typeof value !== 'string') {
      this.fail('field_invalid', path, `expected text, found ${typeof value}`);
      return null;
    }
    return value;
  }

  text(object: JsonObject, key: string, path: string): string {
    const value = this.optionalText(object, key, path);
    if (value === null) this.fail('field_required', path, `${key} is missing`);
    return value ?? '';
  }

  /** A platform id: a safe non-negative integer or reference text, returned as text. */
  id(object: JsonObject, key: string, path: string): string {
    const value = object[key];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
    if (typeof value === 'string' && referencePattern.test(value)) return value;
    if (value === undefined || value === null) this.fail('field_required', path, `${key} is missing`);
    else this.fail('id_invalid', path, `expected a whole-number id, found ${JSON.stringify(value)}`);
    return '0';
  }

  /** Absent or null is an empty list. */
  array(object: JsonObject, key: string, path: string): readonly unknown[] {
    const value = object[key];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
      this.fail('field_invalid', path, 'expected a list');
      return [];
    }
    return value;
  }

  object(value: unknown, path: string): JsonObject {
    if (isJsonObject(value)) return value;
    this.fail('field_invalid', path, 'expected an object');
    return {};
  }

  optionalInstant(object: JsonObject, key: string, path: string): string | null {
    const value = this.optionalText(object, key, path);
    if (value !== null && !isRfc3339DateTime(value)) {
      this.fail('time_invalid', path, `expected an RFC 3339 date-time, found ${JSON.stringify(value)}`);
      return null;
    }
    return value;
  }

  instant(object: JsonObject, key: string, path: string): string {
    const value = this.optionalInstant(object, key, path);
    if (value === null) this.fail('field_required', path, `${key} is missing`);
    return value ?? '1970-01-01T00:00:00Z';
  }

  /** A decimal text amount ('12.34') in minor units of `currency`, exactly. */
  amountMinor(object: JsonObject, key: string, path: string, currency: string): bigint {
    const text = this.text(object, key, path);
    if (this.problem !== null) return 0n;
    const parsed = parseMoney(text, currency);
    if (!parsed.ok) {
      this.fail(parsed.code, path, `${JSON.stringify(text)} is not an amount in ${currency}`);
      return 0n;
    }
    return parsed.value.amountMinor;
  }

  nonNegativeAmountMinor(object: JsonObject, key: string, path: string, currency: string): bigint {
    const amountMinor = this.amountMinor(object, key, path, currency);
    if (amountMinor < 0n) this.fail('amount_negative', path, `${key} is negative`);
    return amountMinor;
  }

  quantity(object: JsonObject, key: string, path: string): number {
    const value = object[key];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
    this.fail('quantity_invalid', path, `expected a whole number, found ${JSON.stringify(value)}`);
    return 0;
  }
}
