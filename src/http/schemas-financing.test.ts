/**
 * The financing views' schemas say what their fields may hold: a term loan's instalment status is
 * one of the statuses the schedule gives, so a client can switch on it (and the OpenAPI document,
 * built from these schemas, lists them).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instalmentStatuses } from '../domain/products/term-loan/schedule-view.ts';
import { FacilityReportSchema } from './schemas-financing.ts';

type Json = { readonly [key: string]: unknown };

/** The first object schema below `schema` whose properties include `name`. */
function objectWith(schema: unknown, name: string): Json | undefined {
  if (schema === null || typeof schema !== 'object') return undefined;
  const properties = (schema as Json)['properties'];
  if (properties !== null && typeof properties === 'object' && name in properties) return properties as Json;
  for (const value of Object.values(schema)) {
    const found = objectWith(value, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

describe("a facility's schema", () => {
  it("lists an instalment's statuses, not any string", () => {
    const instalment = objectWith(FacilityReportSchema, 'paid_principal');
    assert.ok(instalment !== undefined, 'the schedule has instalments');
    const status = instalment['status'] as { anyOf?: readonly { const?: unknown }[] };
    assert.deepEqual(
      status.anyOf?.map((branch) => branch.const),
      [...instalmentStatuses],
    );
    assert.deepEqual([...instalmentStatuses], ['paid', 'partly_paid', 'unpaid', 'not_needed']);
  });
});
