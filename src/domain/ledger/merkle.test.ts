/**
 * The Merkle tree hash is RFC 6962's, bit for bit: the Certificate Transparency reference vectors
 * (the empty tree, then the roots of the first 1–8 of its eight leaves, as google/certificate-
 * transparency and Trillian test them), and for every size up to 70 the root a plain recursive
 * reading of RFC 6962 §2.1 gives, written here apart from the builder — with no duplicated odd
 * node (Bitcoin's) and no midpoint split, whose roots differ from size 3 on.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import type { Sha256Hex } from './hash-chain.ts';
import { bytesOfDigest, emptyTreeHash, MerkleTreeBuilder } from './merkle.ts';

const referenceLeaves = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((hex) => Buffer.from(hex, 'hex'));

/** The root of the first n reference leaves, n = 0 … 8. */
const referenceRoots = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

const sha256Hex: Sha256Hex = (data) => createHash('sha256').update(data).digest('hex');
const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();

/** RFC 6962 §2.1 as written: MTH({}), MTH({d}), and the split at the largest power of two below n. */
function recursiveRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha();
  if (leaves.length === 1) return sha(Buffer.from([0x00]), leaves[0] as Buffer);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha(Buffer.from([0x01]), recursiveRoot(leaves.slice(0, k)), recursiveRoot(leaves.slice(k)));
}

function builderRoot(leaves: readonly Uint8Array[]): string {
  const builder = new MerkleTreeBuilder(sha256Hex);
  for (const leaf of leaves) builder.addLeaf(leaf);
  return builder.root();
}

describe('Merkle tree hash (RFC 6962)', () => {
  it('matches the Certificate Transparency reference roots, the empty tree first', () => {
    assert.equal(emptyTreeHash(sha256Hex), referenceRoots[0]);
    for (let n = 0; n <= referenceLeaves.length; n += 1)
      assert.equal(builderRoot(referenceLeaves.slice(0, n)), referenceRoots[n], `${n} leaves`);
  });

  it('a leaf is SHA-256(0x00 || data): the one-leaf tree of a digest', () => {
    const digest = sha256Hex('a transfer');
    const builder = new MerkleTreeBuilder(sha256Hex);
    builder.addDigestLeaf(digest);
    assert.equal(builder.root(), sha(Buffer.from([0x00]), Buffer.from(digest, 'hex')).toString('hex'));
  });

  it('agrees with the recursive definition for every size to 70, digests as leaves', () => {
    const digests = Array.from({ length: 70 }, (_, i) => sha256Hex(`transfer ${i}`));
    const builder = new MerkleTreeBuilder(sha256Hex);
    for (let n = 0; n <= digests.length; n += 1) {
      const expected = recursiveRoot(digests.slice(0, n).map((d) => Buffer.from(d, 'hex'))).toString('hex');
      assert.equal(builder.root(), expected, `${n} leaves`);
      assert.equal(builder.leafCount, n);
      if (n < digests.length) builder.addDigestLeaf(digests[n] as string);
    }
  });

  it('promotes an odd node rather than pairing it with itself', () => {
    const [a, b, c] = ['a', 'b', 'c'].map((text) => sha256Hex(text)) as [string, string, string];
    const leaf = (hex: string) => sha(Buffer.from([0x00]), Buffer.from(hex, 'hex'));
    const builder = new MerkleTreeBuilder(sha256Hex);
    for (const digest of [a, b, c]) builder.addDigestLeaf(digest);
    const ab = sha(Buffer.from([0x01]), leaf(a), leaf(b));
    assert.equal(builder.root(), sha(Buffer.from([0x01]), ab, leaf(c)).toString('hex'));
    const duplicated = sha(Buffer.from([0x01]), ab, sha(Buffer.from([0x01]), leaf(c), leaf(c)));
    assert.notEqual(builder.root(), duplicated.toString('hex'));
  });

  it('refuses a leaf that is not a lower-case hex digest', () => {
    const builder = new MerkleTreeBuilder(sha256Hex);
    assert.throws(() => builder.addDigestLeaf('abc'), /64 hex digits/);
    assert.throws(() => builder.addDigestLeaf('G'.repeat(64)), /lower-case hex/);
    assert.throws(() => builder.addDigestLeaf(sha256Hex('x').toUpperCase()), /lower-case hex/);
    assert.deepEqual([...bytesOfDigest('00'.repeat(31) + 'ff')].slice(30), [0, 255]);
  });
});
