/**
 * Decisions are chained like ledger transfers: each stored decision's hash covers its predecessor's
 * hash, its sequence, the decision's canonical JSON (outcome, numbers, reasons) and the SHA-256 of
 * its inputs, so altering, removing or reordering a stored decision — or what it was made from —
 * breaks the chain from there on. The hash function is passed in; the domain does no I/O.
 */
import type { Sha256Hex } from '../ledger/hash-chain.ts';

export const decisionGenesisHash = '0'.repeat(64);
const encodingVersion = 'capstan.decision.v1';

/** Sorted keys, bigints as strings: one text per value, whatever the key order it was built in. */
export function canonicalRecord(value: unknown): string {
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (Array.isArray(value)) return `[${value.map(canonicalRecord).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value as object)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalRecord((value as Record<string, unknown>)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function decisionHash(
  sha256: Sha256Hex,
  previousHash: string,
  sequence: bigint,
  recordJson: string,
  inputsDigest: string,
): string {
  return sha256(`${encodingVersion}\n${previousHash}\n${sequence}\n${inputsDigest}\n${recordJson}`);
}

export interface StoredDecisionLink {
  readonly id: string;
  readonly sequence: bigint;
  /** Stored beside the record, for look-ups; not hashed, so checked against the record. */
  readonly merchantId: string;
  readonly decidedAtMs: bigint;
  readonly outcome: string;
  readonly recordJson: string;
  readonly inputsJson: string;
  readonly hash: string;
}

export interface DecisionChainFailure {
  readonly rule:
    | 'decision_hash_mismatch'
    | 'decision_sequence_mismatch'
    | 'decision_columns_mismatch'
    | 'decision_chain_head_mismatch'
    | 'decision_chain_head_unreadable'
    | 'decision_inputs_missing';
  readonly detail: string;
}

/**
 * The id, merchant, time and outcome are stored in columns beside the hashed record, and read from
 * there: who may see a decision, which merchant's newest it is, whether a later one declined. A
 * column changed alone leaves the hash intact, so each must say what the record says.
 */
function differingColumn(link: StoredDecisionLink): string | null {
  const record = JSON.parse(link.recordJson) as Record<string, unknown>;
  if (record['id'] !== link.id) return 'id';
  if (record['merchant_id'] !== link.merchantId) return 'merchant_id';
  if (record['outcome'] !== link.outcome) return 'outcome';
  const decidedAt = link.decidedAtMs;
  const inRange = decidedAt >= 0n && decidedAt <= 8_640_000_000_000_000n;
  if (!inRange || record['decided_at'] !== new Date(Number(decidedAt)).toISOString()) return 'decided_at_ms';
  return null;
}

/** Walks stored decisions in sequence order; answers the first broken link. */
export class DecisionChainVerifier {
  private previousHash = decisionGenesisHash;
  private expected = 1n;
  checked = 0;

  constructor(private readonly sha256: Sha256Hex) {}

  add(links: readonly StoredDecisionLink[]): DecisionChainFailure | null {
    for (const link of links) {
      if (link.sequence !== this.expected) {
        return {
          rule: 'decision_sequence_mismatch',
          detail: `decision ${link.id} is number ${link.sequence}, expected ${this.expected}`,
        };
      }
      const inputsDigest = this.sha256(link.inputsJson);
      if (
        decisionHash(this.sha256, this.previousHash, link.sequence, link.recordJson, inputsDigest) !==
        link.hash
      ) {
        return {
          rule: 'decision_hash_mismatch',
          detail: `decision ${link.id} (#${link.sequence}): its stored hash does not match its contents and its predecessor`,
        };
      }
      const differing = differingColumn(link);
      if (differing !== null) {
        return {
          rule: 'decision_columns_mismatch',
          detail: `decision ${link.id} (#${link.sequence}): its ${differing} stored beside the record differs from the record's`,
        };
      }
      this.previousHash = link.hash;
      this.expected += 1n;
      this.checked += 1;
    }
    return null;
  }

  finish(head: { readonly lastHash: string; readonly count: bigint }): DecisionChainFailure | null {
    if (head.count !== BigInt(this.checked)) {
      return {
        rule: 'decision_chain_head_mismatch',
        detail: `the decision chain head counts ${head.count} decisions; ${this.checked} are stored`,
      };
    }
    if (head.lastHash !== this.previousHash) {
      return {
        rule: 'decision_chain_head_mismatch',
        detail: `the decision chain head's hash ${head.lastHash.slice(0, 16)}… is not the last stored decision's, ${this.previousHash.slice(0, 16)}…`,
      };
    }
    return null;
  }
}
