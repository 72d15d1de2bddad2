/**
 * The inbox's read side and the quarantine, in portable SQL through Kysely: both backends run this
 * code. Inserting events is the hot path and lives in each backend's own class.
 */
import { type Kysely, sql } from 'kysely';
import type {
  InboxReader,
  InboxScan,
  InboxScanPage,
  Page,
  QuarantineEntry,
  QuarantineStatus,
} from '../app/ports.ts';
import { eventKeyOf, quarantineFromRow, quarantineToRow } from './feature-rows.ts';
import { toBigInt, toSafeNumber } from './rows.ts';
import type { Database } from './schema.ts';

/** Keys looked up per statement: well inside both engines' parameter limits. */
const keysPerLookupMax = 500;

/**
 * A page of the walk through the whole inbox for one subject's events (scanEventsAbout). No filter
 * on the subject in SQL: a page is the next `limit` keys, read in the primary key's order on both
 * engines (a planner that judged the subject selective could scan the whole table for every page);
 * only the bodies of the subject's events are sent back. The page starts after the last key read
 * by a row-value comparison, which both engines seek to in the key's index: written as
 * `source > a or (source = a and id > b)`, PostgreSQL read the index from its start and filtered
 * out every key before the page (SQLite every key of the page's source before it), so a walk
 * through the inbox read it over once per page.
 */
export function inboxScanQuery(db: Kysely<Database>, subject: string, page: InboxScanPage) {
  let query = db
    .selectFrom('inbox_events')
    .select((eb) => [
      'source',
      'id',
      'type',
      'subject',
      'time_ns',
      'day',
      'body_hash',
      'origin',
      'received_at_ms',
      eb.case().when('subject', '=', subject).then(eb.ref('body')).else(null).end().as('body'),
    ]);
  const after = page.after;
  if (after !== undefined)
    query = query.where(({ eb, refTuple, tuple }) =>
      eb(refTuple('source', 'id'), '>', tuple(after.source, after.id)),
    );
  return query.orderBy('source').orderBy('id').limit(page.limit);
}

export class KyselyInboxReader implements InboxReader {
  constructor(protected readonly db: Kysely<Database>) {}

  async bodyHashes(
    keys: readonly { readonly source: string; readonly id: string }[],
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let start = 0; start < keys.length; start += keysPerLookupMax) {
      const chunk = keys.slice(start, start + keysPerLookupMax);
      const rows = await this.db
        .selectFrom('inbox_events')
        .select(['source', 'id', 'body_hash'])
        .where((eb) =>
          eb.or(chunk.map((key) => eb.and([eb('source', '=', key.source), eb('id', '=', key.id)]))),
        )
        .execute();
      for (const row of rows) found.set(eventKeyOf(row.source, row.id), row.body_hash);
    }
    return found;
  }

  async bodies(
    keys: readonly { readonly source: string; readonly id: string }[],
  ): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const key of keys) {
      const row = await this.db
        .selectFrom('inbox_events')
        .select('body')
        .where('source', '=', key.source)
        .where('id', '=', key.id)
        .executeTakeFirst();
      if (row !== undefined) found.set(eventKeyOf(key.source, key.id), row.body);
    }
    return found;
  }

  async countEvents(): Promise<bigint> {
    const row = await this.db
      .selectFrom('inbox_events')
      .select((eb) => eb.fn.countAll().as('count'))
      .executeTakeFirstOrThrow();
    return toBigInt(row.count);
  }

  async scanEventsAbout(subject: string, page: InboxScanPage): Promise<InboxScan> {
    const rows = await inboxScanQuery(this.db, subject, page).execute();
    const last = rows.at(-1);
    return {
      events: rows
        .filter((row) => row.subject === subject && row.body !== null)
        .map((row) => ({
          source: row.source,
          id: row.id,
          type: row.type,
          subject: row.subject,
          timeNs: toBigInt(row.time_ns),
          day: toSafeNumber(row.day),
          bodyHash: row.body_hash,
          body: row.body as string,
          origin: row.origin,
          receivedAtMs: toBigInt(row.received_at_ms),
        })),
      readTo: rows.length < page.limit || last === undefined ? null : { source: last.source, id: last.id },
    };
  }

  async sourceKnown(source: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('inbox_events')
      .select('id')
      .where('source', '=', source)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  async quarantined(id: string): Promise<QuarantineEntry | undefined> {
    const row = await this.db.selectFrom('quarantine').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : quarantineFromRow(row);
  }

  async listQuarantine(status: QuarantineStatus | null, page: Page): Promise<QuarantineEntry[]> {
    let query = this.db.selectFrom('quarantine').selectAll();
    if (status !== null) query = query.where('status', '=', status);
    if (page.after !== undefined) query = query.where('id', '>', page.after);
    const rows = await query.orderBy('id').limit(page.limit).execute();
    return rows.map(quarantineFromRow);
  }

  async countQuarantine(status: QuarantineStatus | null): Promise<bigint> {
    let query = this.db.selectFrom('quarantine').select((eb) => eb.fn.countAll().as('count'));
    if (status !== null) query = query.where('status', '=', status);
    return toBigInt((await query.executeTakeFirstOrThrow()).count);
  }

  /** Seen again: count it and keep the first sighting's id and status. */
  async quarantine(entries: readonly QuarantineEntry[]): Promise<Map<string, string>> {
    const ids = new Map<string, string>();
    for (const entry of entries) {
      await this.db
        .insertInto('quarantine')
        .values(quarantineToRow(entry))
        .onConflict((conflict) =>
          conflict.column('fingerprint').doUpdateSet({
            last_seen_ms: entry.lastSeenMs,
            seen_count: sql<bigint>`quarantine.seen_count + 1`,
          }),
        )
        .execute();
      const row = await this.db
        .selectFrom('quarantine')
        .select('id')
        .where('fingerprint', '=', entry.fingerprint)
        .executeTakeFirstOrThrow();
      ids.set(entry.fingerprint, row.id);
    }
    return ids;
  }

  async resolveQuarantined(
    id: string,
    status: QuarantineStatus,
    resolution: string,
    atMs: bigint,
  ): Promise<void> {
    await this.db
      .updateTable('quarantine')
      .set({ status, resolution, resolved_at_ms: atMs })
      .where('id', '=', id)
      .execute();
  }
}
