/** The JSON shape of quarantine entries. */
import type { QuarantineEntry } from '../app/ports.ts';
import { isoFromMs } from './views.ts';

export function quarantineView(entry: QuarantineEntry) {
  return {
    object: 'quarantine_entry',
    id: entry.id,
    status: entry.status,
    code: entry.code,
    field: entry.field,
    detail: entry.detail,
    origin: entry.origin,
    line: entry.line,
    source: entry.source,
    event_id: entry.eventId,
    event_type: entry.eventType,
    raw: entry.raw,
    seen_count: Number(entry.seenCount),
    first_seen_at: isoFromMs(entry.firstSeenMs),
    last_seen_at: isoFromMs(entry.lastSeenMs),
    resolved_at: entry.resolvedAtMs === null ? null : isoFromMs(entry.resolvedAtMs),
    resolution: entry.resolution,
    sender_role: entry.sender?.role ?? null,
    sender_platform: entry.sender?.role === 'platform' ? entry.sender.platform : null,
  };
}
