/**
 * API keys and idempotency records, in portable SQL through Kysely: both backends run this code.
 */
import type { Kysely } from 'kysely';
import {
  type ApiKeyRecord,
  type ApiKeyRepository,
  type IdempotencyRepository,
  type Page,
  type Role,
  roles,
  type StoredResponse,
} from '../app/ports.ts';
import { assert } from '../domain/assert.ts';
import { toBigInt, toSafeNumber } from './rows.ts';
import type { ApiKeysTable, Database } from './schema.ts';

function apiKeyFromRow(row: ApiKeysTable): ApiKeyRecord {
  assert((roles as readonly string[]).includes(row.role), `api key ${row.id} has an unknown role`);
  return {
    id: row.id,
    role: row.role as Role,
    objectId: row.object_id,
    name: row.name,
    secretPrefix: row.secret_prefix,
    createdAtMs: toBigInt(row.created_at_ms),
    revokedAtMs: row.revoked_at_ms === null ? null : toBigInt(row.revoked_at_ms),
  };
}

export class KyselyApiKeys implements ApiKeyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async bySecretHash(secretHash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .selectAll()
      .where('secret_hash', '=', secretHash)
      .executeTakeFirst();
    return row === undefined ? undefined : apiKeyFromRow(row);
  }

  async byId(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : apiKeyFromRow(row);
  }

  async list(page: Page): Promise<ApiKeyRecord[]> {
    let query = this.db.selectFrom('api_keys').selectAll();
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    const rows = await query.orderBy('id').limit(page.limit).execute();
    return rows.map(apiKeyFromRow);
  }

  async countActive(role: Role): Promise<bigint> {
    const row = await this.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll().as('count'))
      .where('role', '=', role)
      .where('revoked_at_ms', 'is', null)
      .executeTakeFirstOrThrow();
    return toBigInt(row.count);
  }

  async platformKnown(objectId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('api_keys')
      .select('id')
      .where('role', '=', 'platform')
      .where('object_id', '=', objectId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async insert(key: ApiKeyRecord, secretHash: string): Promise<void> {
    await this.db.insertInto('api_keys').values(apiKeyRow(key, secretHash)).execute();
  }

  async insertUnlessSecretKnown(key: ApiKeyRecord, secretHash: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto('api_keys')
      .values(apiKeyRow(key, secretHash))
      .onConflict((conflict) => conflict.column('secret_hash').doNothing())
      .executeTakeFirst();
    return inserted.numInsertedOrUpdatedRows === 1n;
  }

  async revoke(id: string, revokedAtMs: bigint): Promise<void> {
    await this.db
      .updateTable('api_keys')
      .set({ revoked_at_ms: revokedAtMs })
      .where('id', '=', id)
      .where('revoked_at_ms', 'is', null)
      .execute();
  }
}

export class KyselyIdempotency implements IdempotencyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async claim(
    scope: string,
    key: string,
    fingerprint: string,
    createdAtMs: bigint,
  ): Promise<StoredResponse | 'claimed'> {
    // Insert first: on PostgreSQL a concurrent request with the same key blocks here until the
    // first one commits, then finds its stored response instead of running the work twice.
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({ scope, key, fingerprint, status_code: null, body: null, created_at_ms: createdAtMs })
      .onConflict((conflict) => conflict.columns(['scope', 'key']).doNothing())
      .executeTakeFirst();
    if (toBigInt(inserted.numInsertedOrUpdatedRows ?? 0n) === 1n) return 'claimed';
    const row = await this.db
      .selectFrom('idempotency_keys')
      .select(['fingerprint', 'status_code', 'body'])
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirstOrThrow();
    return {
      fingerprint: row.fingerprint,
      statusCode: row.status_code === null ? null : toSafeNumber(row.status_code),
      body: row.body,
    };
  }

  async complete(scope: string, key: string, statusCode: number, body: string): Promise<void> {
    const result = await this.db
      .updateTable('idempotency_keys')
      .set({ status_code: BigInt(statusCode), body })
      .where('scope', '=', scope)
      .where('key', '=', key)
      .executeTakeFirst();
    assert(toBigInt(result.numUpdatedRows) === 1n, 'idempotency key must be claimed before it is completed');
  }

  async release(scope: string, key: string): Promise<void> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where('scope', '=', scope)
      .where('key', '=', key)
      .where('status_code', 'is', null)
      .executeTakeFirst();
    assert(toBigInt(result.numDeletedRows) === 1n, 'idempotency key must be claimed before it is released');
  }

  async prune(beforeMs: bigint, limit: number): Promise<number> {
    const result = await this.db
      .deleteFrom('idempotency_keys')
      .where((eb) =>
        eb(
          eb.refTuple('scope', 'key'),
          'in',
          eb
            .selectFrom('idempotency_keys')
            .select(['scope', 'key'])
            .where('created_at_ms', '<', beforeMs)
            .where('status_code', 'is not', null)
            .orderBy('created_at_ms')
            .limit(limit)
            .$asTuple('scope', 'key'),
        ),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function apiKeyRow(key: ApiKeyRecord, secretHash: string) {
  return {
    id: key.id,
    role: key.role,
    object_id: key.objectId,
    name: key.name,
    secret_hash: secretHash,
    secret_prefix: key.secretPrefix,
    created_at_ms: key.createdAtMs,
    revoked_at_ms: key.revokedAtMs,
  };
}
