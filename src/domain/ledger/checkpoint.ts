/**
 * Daily checkpoints. Each closed day gets one: the Merkle root (merkle.ts, RFC 6962) of the chain
 * hashes of the transfers stamped that day, in chain order, with their count, first and last
 * sequence and the chain's hash at the day's end — and the same for the credit decisions chained
 * since the previous checkpoint — and the previous checkpoint's hash, so checkpoints chain too. A
 * checkpoint's own hash is SHA-256 over a canonical encoding of all of that, so a root held outside
 * the database (an event sent, a list exported) pins the whole ledger up to that day. The hash
 * function is passed in; the domain does no I/O.
 */
import { assert } from '../assert.ts';
import { formatCalendarDate, fromDayNumber, parseCalendarDate, toDayNumber } from '../time/calendar-date.ts';
import type { Sha256Hex } from './hash-chain.ts';
import { MerkleTreeBuilder } from './merkle.ts';
import type { VerifyFailure } from './verify.ts';

export const checkpointGenesisHash = '0'.repeat(64);
const encodingVersion = 'capstan.checkpoint.v1';

/** One link of a hash chain: a transfer's or a decision's sequence and chain hash. */
export interface ChainLink {
  readonly sequence: bigint;
  readonly hash: string;
}

/** What a checkpoint holds of one chain (the transfers' or the decisions'). */
export interface CheckpointTree {
  readonly count: bigint;
  /** The first and last sequence covered; null for a day that covers none. */
  readonly firstSequence: bigint | null;
  readonly lastSequence: bigint | null;
  /** MTH of the covered links' chain hashes, in chain order (SHA-256 of nothing when there are none). */
  readonly root: string;
  /** The chain's hash after the day: its last covered link's, or the one before when it covers none. */
  readonly chainHash: string;
}

export interface Checkpoint {
  /** The UTC day (a day number) it closes. */
  readonly day: number;
  readonly transfers: CheckpointTree;
  readonly decisions: CheckpointTree;
  /** The previous day's checkpoint's hash; 64 zeros for the first. */
  readonly previousHash: string;
  readonly hash: string;
}

export type CheckpointContent = Omit<Checkpoint, 'hash'>;

/** `lcp_2026-07-14`: a checkpoint's id is its day. */
export function checkpointId(day: number): string {
  return `lcp_${formatCalendarDate(fromDayNumber(day))}`;
}

/** The day a checkpoint id names; null for text that is not one. */
export function checkpointDayOf(id: string): number | null {
  if (!id.startsWith('lcp_')) return null;
  const date = parseCalendarDate(id.slice('lcp_'.length));
  return date.ok ? toDayNumber(date.value) : null;
}

/** A count or sequence as JSON shows it: a number (a chain never grows past 2^53 links). */
export function checkpointNumber(value: bigint): number {
  assert(
    value >= 0n && value <= BigInt(Number.MAX_SAFE_INTEGER),
    `checkpoint: ${value} is not a safe integer`,
  );
  return Number(value);
}

function treeFields(tree: CheckpointTree): (number | string | null)[] {
  return [
    checkpointNumber(tree.count),
    tree.firstSequence === null ? null : checkpointNumber(tree.firstSequence),
    tree.lastSequence === null ? null : checkpointNumber(tree.lastSequence),
    tree.root,
    tree.chainHash,
  ];
}

/**
 * A JSON array of the version tag, the day (YYYY-MM-DD), the transfers' count, first and last
 * sequence (numbers; null when none), root and chain hash, the same five for the decisions, and
 * the previous checkpoint's hash — every field the API shows but the hash itself, as it shows them.
 */
export function canonicalCheckpoint(content: CheckpointContent): string {
  return JSON.stringify([
    encodingVersion,
    formatCalendarDate(fromDayNumber(content.day)),
    ...treeFields(content.transfers),
    ...treeFields(content.decisions),
    content.previousHash,
  ]);
}

export function checkpointHash(sha256: Sha256Hex, content: CheckpointContent): string {
  return sha256(canonicalCheckpoint(content));
}

/** One chain's part of a checkpoint, built link by link in chain order, in one pass. */
export class CheckpointTreeBuilder {
  private readonly merkle: MerkleTreeBuilder;
  private first: bigint | null = null;
  private last: bigint | null = null;
  private chainHash: string;

  /** `afterSequence`: the last link the checkpoints before cover (0 for none), whose hash is `chainHashBefore`. */
  constructor(
    sha256: Sha256Hex,
    private readonly afterSequence: bigint,
    chainHashBefore: string,
  ) {
    this.merkle = new MerkleTreeBuilder(sha256);
    this.chainHash = chainHashBefore;
  }

  add(links: readonly ChainLink[]): void {
    for (const link of links) {
      const expected = (this.last ?? this.afterSequence) + 1n;
      assert(link.sequence === expected, `checkpoint: link ${link.sequence} read where ${expected} was next`);
      this.merkle.addDigestLeaf(link.hash);
      this.first ??= link.sequence;
      this.last = link.sequence;
      this.chainHash = link.hash;
    }
  }

  get lastSequence(): bigint {
    return this.last ?? this.afterSequence;
  }

  finish(): CheckpointTree {
    return {
      count: BigInt(this.merkle.leafCount),
      firstSequence: this.first,
      lastSequence: this.last,
      root: this.merkle.root(),
      chainHash: this.chainHash,
    };
  }
}

function describeRange(tree: CheckpointTree): string {
  return tree.count === 0n ? 'none' : `${tree.count} (#${tree.firstSequence}–#${tree.lastSequence})`;
}

/**
 * The first difference between a stored checkpoint's tree and the one recomputed from what is
 * stored: `checkpoint_root_mismatch`, naming the day, which chain and both values.
 */
export function treeMismatch(
  day: number,
  chain: 'transfers' | 'decisions',
  stored: CheckpointTree,
  recomputed: CheckpointTree,
): VerifyFailure | null {
  const date = formatCalendarDate(fromDayNumber(day));
  if (
    stored.count !== recomputed.count ||
    stored.firstSequence !== recomputed.firstSequence ||
    stored.lastSequence !== recomputed.lastSequence
  ) {
    return {
      rule: 'checkpoint_root_mismatch',
      detail: `${date}: the checkpoint covers ${describeRange(stored)} ${chain}, but ${describeRange(recomputed)} are stored for it (root ${stored.root} held, ${recomputed.root} recomputed)`,
    };
  }
  if (stored.root !== recomputed.root) {
    return {
      rule: 'checkpoint_root_mismatch',
      detail: `${date}: the ${chain} root held is ${stored.root} but the ${chain} stored for the day hash to ${recomputed.root}: one was altered, or put in or taken out, after the day was checkpointed`,
    };
  }
  if (stored.chainHash !== recomputed.chainHash) {
    return {
      rule: 'checkpoint_root_mismatch',
      detail: `${date}: the ${chain} chain hash held at the day's end is ${stored.chainHash} but the stored chain ends the day at ${recomputed.chainHash}`,
    };
  }
  return null;
}
