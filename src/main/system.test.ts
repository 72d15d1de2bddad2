import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cryptoEntropy } from './system.ts';

describe('cryptoEntropy ids', () => {
  it('are prefixed, 26 Crockford base32 characters, and unique across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i += 1) {
      const id = cryptoEntropy.id('dec');
      assert.match(id, /^dec_[0-9A-HJKMNP-TV-Z]{26}$/);
      seen.add(id);
    }
    assert.equal(seen.size, 5_000);
  });

  it('sort by the millisecond they were made in', async () => {
    const first = cryptoEntropy.id('x');
    await new Promise((resolve) => setTimeout(resolve, 3));
    const second = cryptoEntropy.id('x');
    assert.ok(first.slice(0, 12) < second.slice(0, 12), `${first} should sort before ${second}`);
  });

  it('use the random bits: characters after the time part vary across ids', () => {
    const tails = new Set<string>();
    for (let i = 0; i < 200; i += 1) tails.add(cryptoEntropy.id('x').slice(-16, -15));
    assert.ok(tails.size > 16, `only ${tails.size} distinct characters in one random position`);
  });
});
