/**
 * Checkpoints held outside the database — `GET /v1/ledger/checkpoints` exported, the
 * `ledger.checkpoint.created` webhook messages kept — checked against the database's
 * (`capstan verify --checkpoints FILE`). Someone who can write to the database can rewrite a
 * transfer, every chain hash after it, the chain head and the checkpoints too, and `capstan verify`
 * then finds a consistent ledger; they cannot rewrite the roots someone else holds. A held
 * checkpoint must hash to its own hash (the file is whole), and the database must have the same
 * checkpoint for its day.
 */
import {
  type CheckpointContent,
  type CheckpointTree,
  checkpointHash,
} from '../../domain/ledger/checkpoint.ts';
import type { Sha256Hex } from '../../domain/ledger/hash-chain.ts';
import type { VerifyFailure } from '../../domain/ledger/verify.ts';
import { err, ok, type Result } from '../../domain/result.ts';
import {
  formatCalendarDate,
  fromDayNumber,
  parseCalendarDate,
  toDayNumber,
} from '../../domain/time/calendar-date.ts';
import type { Store } from '../ports.ts';

/** A checkpoint as held outside: what its hash covers, and the hash. */
export interface HeldCheckpoint extends CheckpointContent {
  readonly hash: string;
}

/** A file holds at most this many JSON values (lines): a century of days, with room to spare. */
export const heldValuesMax = 1_000_000;

const digestPattern = /^[0-9a-f]{64}$/;

type Json = unknown;

function isObject(value: Json): value is Record<string, Json> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function digest(value: Json, what: string): string {
  if (typeof value !== 'string' || !digestPattern.test(value))
    throw new Error(`${what} is not a SHA-256 hash (64 lower-case hex digits)`);
  return value;
}

function sequenceOrNull(value: Json, what: string): bigint | null {
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    throw new Error(`${what} is not a sequence (a whole number from 1) or null`);
  return BigInt(value);
}

function heldTree(value: Json, what: string): CheckpointTree {
  if (!isObject(value)) throw new Error(`${what} is not an object`);
  const count = value['count'];
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count < 0)
    throw new Error(`${what}.count is not a whole number`);
  return {
    count: BigInt(count),
    firstSequence: sequenceOrNull(value['first_sequence'], `${what}.first_sequence`),
    lastSequence: sequenceOrNull(value['last_sequence'], `${what}.last_sequence`),
    root: digest(value['root'], `${what}.root`),
    chainHash: digest(value['chain_hash'], `${what}.chain_hash`),
  };
}

/** A checkpoint as the API shows it (src/http/views.ts checkpointView). */
function heldCheckpoint(value: Record<string, Json>): HeldCheckpoint {
  const dayText = value['day'];
  const date = typeof dayText === 'string' ? parseCalendarDate(dayText) : null;
  if (date === null || !date.ok) throw new Error('day is not a date, YYYY-MM-DD');
  return {
    day: toDayNumber(date.value),
    transfers: heldTree(value['transfers'], 'transfers'),
    decisions: heldTree(value['decisions'], 'decisions'),
    previousHash: digest(value['previous_hash'], 'previous_hash'),
    hash: digest(value['hash'], 'hash'),
  };
}

/**
 * The checkpoints in one JSON value: a checkpoint, a `ledger.checkpoint.created` webhook message
 * (its `data`), a list page (its `data`), or an array of any of these. Other webhook messages are
 * passed over: a receiver's log of every message it took may be given as it is.
 */
function collect(value: Json, into: HeldCheckpoint[], where: string): void {
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) collect(item, into, `${where}[${index}]`);
    return;
  }
  if (!isObject(value)) throw new Error(`${where}: not a checkpoint, a list of them or a webhook message`);
  if (value['object'] === 'ledger_checkpoint') {
    try {
      into.push(heldCheckpoint(value));
    } catch (error) {
      throw new Error(`${where}: ${(error as Error).message}`);
    }
    return;
  }
  if (value['object'] === 'list' && Array.isArray(value['data'])) {
    collect(value['data'], into, `${where}.data`);
    return;
  }
  if (typeof value['type'] === 'string' && 'data' in value) {
    if (value['type'] === 'ledger.checkpoint.created') collect(value['data'], into, `${where}.data`);
    return;
  }
  throw new Error(`${where}: not a checkpoint, a list of them or a webhook message`);
}

/**
 * The checkpoints a file holds — one JSON document, or NDJSON (a value a line) — each checked to
 * hash to its own hash, in day order, one per day. Refused, saying where, when the file holds
 * anything else, none, or two different checkpoints for one day.
 */
export function heldCheckpointsOf(
  text: string,
  sha256: Sha256Hex,
): Result<HeldCheckpoint[], 'checkpoints_file_invalid'> {
  const held: HeldCheckpoint[] = [];
  try {
    let whole: Json;
    let isWhole = true;
    try {
      whole = JSON.parse(text);
    } catch {
      isWhole = false;
    }
    if (isWhole) collect(whole, held, 'the file');
    else {
      const lines = text.split('\n');
      if (lines.length > heldValuesMax) throw new Error(`more than ${heldValuesMax} lines`);
      for (const [index, line] of lines.entries()) {
        if (line.trim() === '') continue;
        let value: Json;
        try {
          value = JSON.parse(line);
        } catch {
          throw new Error(`line ${index + 1}: neither the file nor this line is JSON`);
        }
        collect(value, held, `line ${index + 1}`);
      }
    }
  } catch (error) {
    return err('checkpoints_file_invalid', (error as Error).message);
  }
  if (held.length === 0) return err('checkpoints_file_invalid', 'it holds no checkpoints');
  const byDay = new Map<number, HeldCheckpoint>();
  for (const checkpoint of held) {
    const date = formatCalendarDate(fromDayNumber(checkpoint.day));
    if (checkpointHash(sha256, checkpoint) !== checkpoint.hash)
      return err(
        'checkpoints_file_invalid',
        `the checkpoint of ${date} does not hash to its own hash ${checkpoint.hash}: the file is damaged`,
      );
    const other = byDay.get(checkpoint.day);
    if (other !== undefined && other.hash !== checkpoint.hash)
      return err('checkpoints_file_invalid', `it holds two different checkpoints of ${date}`);
    byDay.set(checkpoint.day, checkpoint);
  }
  return ok([...byDay.values()].sort((a, b) => a.day - b.day));
}

export interface AnchorsReport {
  readonly failure: VerifyFailure | null;
  readonly checked: number;
}

/** Each held checkpoint against the database's of its day, oldest first; names the first that differs. */
export async function verifyCheckpointAnchors(
  store: Store,
  held: readonly HeldCheckpoint[],
): Promise<AnchorsReport> {
  return store.read(async (tx) => {
    let checked = 0;
    for (const outside of held) {
      const date = formatCalendarDate(fromDayNumber(outside.day));
      const inside = await tx.ledger.checkpoint(outside.day);
      const mismatch = (detail: string): AnchorsReport => ({
        failure: { rule: 'checkpoint_anchor_mismatch', detail: `${date}: ${detail}` },
        checked,
      });
      if (inside === undefined)
        return mismatch(
          `a checkpoint is held outside (hash ${outside.hash}) but the database has none for the day`,
        );
      if (inside.transfers.root !== outside.transfers.root)
        return mismatch(
          `the database's transfers root is ${inside.transfers.root} but the one held outside is ${outside.transfers.root}: the day's transfers were rewritten`,
        );
      if (inside.decisions.root !== outside.decisions.root)
        return mismatch(
          `the database's decisions root is ${inside.decisions.root} but the one held outside is ${outside.decisions.root}: the day's decisions were rewritten`,
        );
      if (inside.hash !== outside.hash)
        return mismatch(
          `the database's checkpoint hash is ${inside.hash} but the one held outside is ${outside.hash}: the checkpoint, or one before it, was rewritten`,
        );
      checked += 1;
    }
    return { failure: null, checked };
  });
}
