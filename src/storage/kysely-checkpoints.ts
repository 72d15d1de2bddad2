/**
 * The ledger's daily checkpoints in portable SQL through Kysely, shared by both backends' ledger
 * repositories: their rows, and the insert that also puts the checkpoint's event in the outbox (same
 * transaction), as a facility's events are.
 */
import type { Kysely } from 'kysely';
import { type StoredCheckpoint, UnreadableLedgerRow } from '../app/ports.ts';
import { type CheckpointTree, checkpointId } from '../domain/ledger/checkpoint.ts';
import { toBigInt, toSafeNumber } from './rows.ts';
import type { Database, LedgerCheckpointsTable } from './schema.ts';

function nullableSequence(value: unknown): bigint | null {
  return value === null ? null : toBigInt(value);
}

function hashText(value: unknown): string {
  if (typeof value !== 'string') throw new Error(`expected a hash as text, got ${String(value)}`);
  return value;
}

/** A stored checkpoint; one holding what no write leaves is reported by verify by its day. */
export function checkpointFromRow(row: LedgerCheckpointsTable): StoredCheckpoint {
  try {
    const tree = (prefix: 'transfer' | 'decision'): CheckpointTree => ({
      count: toBigInt(row[`${prefix}_count`]),
      firstSequence: nullableSequence(row[`${prefix}_first_sequence`]),
      lastSequence: nullableSequence(row[`${prefix}_last_sequence`]),
      root: hashText(row[`${prefix}s_root`]),
      chainHash: hashText(row[`${prefix}_chain_hash`]),
    });
    return {
      day: toSafeNumber(row.day),
      transfers: tree('transfer'),
      decisions: tree('decision'),
      previousHash: hashText(row.previous_hash),
      hash: hashText(row.hash),
      createdAtMs: toBigInt(row.created_at_ms),
    };
  } catch (error) {
    throw new UnreadableLedgerRow(
      'ledger_checkpoints',
      String(row.day),
      error instanceof Error ? error.message : String(error),
    );
  }
}

export async function readCheckpoints(
  db: Kysely<Database>,
  page: { readonly afterDay?: number; readonly limit: number },
): Promise<StoredCheckpoint[]> {
  let query = db.selectFrom('ledger_checkpoints').selectAll();
  if (page.afterDay !== undefined) query = query.where('day', '>', BigInt(page.afterDay));
  return (await query.orderBy('day').limit(page.limit).execute()).map(checkpointFromRow);
}

export async function readCheckpoint(
  db: Kysely<Database>,
  day: number,
): Promise<StoredCheckpoint | undefined> {
  const row = await db
    .selectFrom('ledger_checkpoints')
    .selectAll()
    .where('day', '=', BigInt(day))
    .executeTakeFirst();
  return row === undefined ? undefined : checkpointFromRow(row);
}

export async function readLastCheckpoint(db: Kysely<Database>): Promise<StoredCheckpoint | undefined> {
  const row = await db
    .selectFrom('ledger_checkpoints')
    .selectAll()
    .orderBy('day', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row === undefined ? undefined : checkpointFromRow(row);
}

/** The highest sequences covered: both chains only grow, so the maximum is the last day's that covers any. */
export async function readCheckpointedThrough(
  db: Kysely<Database>,
): Promise<{ readonly transfers: bigint; readonly decisions: bigint }> {
  const row = await db
    .selectFrom('ledger_checkpoints')
    .select((eb) => [
      eb.fn.max('transfer_last_sequence').as('transfers'),
      eb.fn.max('decision_last_sequence').as('decisions'),
    ])
    .executeTakeFirst();
  return {
    transfers: row?.transfers === null || row?.transfers === undefined ? 0n : toBigInt(row.transfers),
    decisions: row?.decisions === null || row?.decisions === undefined ? 0n : toBigInt(row.decisions),
  };
}

export async function insertCheckpointRow(db: Kysely<Database>, checkpoint: StoredCheckpoint): Promise<void> {
  const { transfers, decisions } = checkpoint;
  await db
    .insertInto('ledger_checkpoints')
    .values({
      day: BigInt(checkpoint.day),
      transfer_count: transfers.count,
      transfer_first_sequence: transfers.firstSequence,
      transfer_last_sequence: transfers.lastSequence,
      transfers_root: transfers.root,
      transfer_chain_hash: transfers.chainHash,
      decision_count: decisions.count,
      decision_first_sequence: decisions.firstSequence,
      decision_last_sequence: decisions.lastSequence,
      decisions_root: decisions.root,
      decision_chain_hash: decisions.chainHash,
      previous_hash: checkpoint.previousHash,
      hash: checkpoint.hash,
      created_at_ms: checkpoint.createdAtMs,
    })
    .execute();
  await db
    .insertInto('outbox_events')
    .values({
      subject: 'ledger',
      subject_id: checkpointId(checkpoint.day),
      subject_sequence: 1,
      fanned_out: 0,
      recorded_at_ms: checkpoint.createdAtMs,
    })
    .execute();
}
