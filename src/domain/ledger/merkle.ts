/**
 * Merkle tree hashes as RFC 6962 §2.1 (and RFC 9162 §2.1.1, which keeps it) defines them, so that
 * anyone with a Certificate Transparency library can check a root Capstan publishes:
 *
 * - the hash of an empty list is SHA-256 of nothing;
 * - a leaf's hash is SHA-256(0x00 || data);
 * - a list of n > 1 leaves hashes to SHA-256(0x01 || MTH(first k) || MTH(the rest)), k the largest
 *   power of two below n — an odd node is not duplicated (as Bitcoin's trees do) but promoted: it
 *   joins the tree one level up.
 *
 * The 0x00 and 0x01 prefixes keep leaves and inner nodes apart, so no inner node can be passed off
 * as a leaf. The builder takes leaves one at a time and holds one hash per set bit of the count so
 * far (a perfect subtree each), so a day's transfers are hashed in one pass in bounded memory. The
 * hash function is passed in, as everywhere in the domain.
 */
import { assert } from '../assert.ts';
import type { Sha256Hex } from './hash-chain.ts';

const leafPrefix = 0x00;
const nodePrefix = 0x01;
const digestBytes = 32;

/** The value of each hex digit by character code; -1 for any other character. */
const hexDigitValues = (() => {
  const values = new Int8Array(128).fill(-1);
  for (let digit = 0; digit < 16; digit += 1) values[digit.toString(16).charCodeAt(0)] = digit;
  return values;
})();

/** Writes the 32 bytes of a lower-case hex SHA-256 digest into `target` at `offset`. */
function writeDigest(hex: string, target: Uint8Array, offset: number): void {
  assert(hex.length === digestBytes * 2, `a SHA-256 digest is 64 hex digits, not ${hex.length} characters`);
  for (let i = 0; i < digestBytes; i += 1) {
    const high = hexDigitValues[hex.charCodeAt(2 * i)] ?? -1;
    const low = hexDigitValues[hex.charCodeAt(2 * i + 1)] ?? -1;
    assert(high >= 0 && low >= 0, `a SHA-256 digest is lower-case hex: ${hex.slice(0, 16)}…`);
    target[offset + i] = (high << 4) | low;
  }
}

export function bytesOfDigest(hex: string): Uint8Array {
  const bytes = new Uint8Array(digestBytes);
  writeDigest(hex, bytes, 0);
  return bytes;
}

/** MTH of no leaves: SHA-256 of the empty string. */
export function emptyTreeHash(sha256: Sha256Hex): string {
  return sha256(new Uint8Array(0));
}

export class MerkleTreeBuilder {
  /** Perfect subtrees, largest first: their sizes are the set bits of `leafCount`, high to low. */
  private readonly sizes: number[] = [];
  private readonly hashes: string[] = [];
  private readonly digestLeaf = new Uint8Array(1 + digestBytes);
  private readonly node = new Uint8Array(1 + 2 * digestBytes);
  leafCount = 0;

  constructor(private readonly sha256: Sha256Hex) {
    this.digestLeaf[0] = leafPrefix;
    this.node[0] = nodePrefix;
  }

  /** Adds a leaf whose data is any bytes (the RFC's test vectors are such). */
  addLeaf(data: Uint8Array): void {
    const prefixed = new Uint8Array(1 + data.length);
    prefixed[0] = leafPrefix;
    prefixed.set(data, 1);
    this.push(this.sha256(prefixed));
  }

  /** Adds a leaf whose data is the 32 bytes of a SHA-256 digest given in hex (a chain hash). */
  addDigestLeaf(hex: string): void {
    writeDigest(hex, this.digestLeaf, 1);
    this.push(this.sha256(this.digestLeaf));
  }

  /** MTH of the leaves added so far. */
  root(): string {
    if (this.hashes.length === 0) return emptyTreeHash(this.sha256);
    // The smallest subtrees are the right end of the tree: joined from the right, each with the
    // next larger on its left, as RFC 6962 splits at the largest power of two below the count.
    let hash = this.hashes[this.hashes.length - 1] as string;
    for (let i = this.hashes.length - 2; i >= 0; i -= 1) hash = this.nodeHash(this.hashes[i] as string, hash);
    return hash;
  }

  private push(leafHash: string): void {
    let size = 1;
    let hash = leafHash;
    while (this.sizes.length > 0 && this.sizes[this.sizes.length - 1] === size) {
      this.sizes.pop();
      hash = this.nodeHash(this.hashes.pop() as string, hash);
      size *= 2;
    }
    this.sizes.push(size);
    this.hashes.push(hash);
    this.leafCount += 1;
  }

  private nodeHash(left: string, right: string): string {
    writeDigest(left, this.node, 1);
    writeDigest(right, this.node, 1 + digestBytes);
    return this.sha256(this.node);
  }
}
