/**
 * What every use case may depend on, composed once by src/main: the store and the outside world's
 * clock, entropy and hash function.
 */
import type { Sha256Hex } from '../domain/ledger/hash-chain.ts';
import type { Clock, Entropy, Store } from './ports.ts';

export interface AppContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly entropy: Entropy;
  readonly sha256: Sha256Hex;
}
