/**
 * What recent decisions read, kept per store: a merchant's decision inputs for a day, and the
 * models in force. An entry is used only while the merchant's version (moved by its events,
 * consents, flags and facilities) and the configuration's version (settings, the model registry)
 * are those it was read at — one small read says whether anything changed — and while the consent
 * it found has not expired. Bounded: past the limit it starts again from empty.
 */
import type { DecisionInputs } from '../../domain/decisions/decide.ts';
import type { Store } from '../ports.ts';
import type { ActiveModels } from './models.ts';

export const decisionCacheEntriesMax = 100_000;

interface Entry {
  readonly merchantVersion: bigint;
  readonly configVersion: bigint;
  readonly inputs: DecisionInputs;
}

export class DecisionCache {
  private readonly entries = new Map<string, Entry>();
  private models: { readonly configVersion: bigint; readonly models: ActiveModels } | null = null;

  inputs(
    merchantId: string,
    asOfDay: number,
    versions: { merchant: bigint; config: bigint },
    nowMs: bigint,
  ): DecisionInputs | undefined {
    const entry = this.entries.get(`${merchantId}\u0000${asOfDay}`);
    if (
      entry === undefined ||
      entry.merchantVersion !== versions.merchant ||
      entry.configVersion !== versions.config
    )
      return undefined;
    const consent = entry.inputs.consent;
    if (consent !== null && consent.expiresAtMs <= nowMs) return undefined;
    return entry.inputs;
  }

  keep(
    merchantId: string,
    asOfDay: number,
    versions: { merchant: bigint; config: bigint },
    inputs: DecisionInputs,
  ): void {
    if (this.entries.size >= decisionCacheEntriesMax) this.entries.clear();
    this.entries.set(`${merchantId}\u0000${asOfDay}`, {
      merchantVersion: versions.merchant,
      configVersion: versions.config,
      inputs,
    });
  }

  activeModels(configVersion: bigint): ActiveModels | undefined {
    return this.models !== null && this.models.configVersion === configVersion
      ? this.models.models
      : undefined;
  }

  keepModels(configVersion: bigint, models: ActiveModels): void {
    this.models = { configVersion, models };
  }
}

const caches = new WeakMap<Store, DecisionCache>();

export function decisionCacheOf(store: Store): DecisionCache {
  let cache = caches.get(store);
  if (cache === undefined) {
    cache = new DecisionCache();
    caches.set(store, cache);
  }
  return cache;
}
