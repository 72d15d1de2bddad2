/**
 * How the demo's platform sends its events to the engine. During the lending year each payout
 * (`settlement.paid`) is sent on the day it is made, so it is swept against the merchant's
 * facilities before that day is closed; everything else — orders, shipments, refunds, reviews,
 * stock — goes in bulk, an export of up to 50,000 at a time (every two and a half weeks or so at 500
 * merchants), as platforms export such data, and always before the engine is asked to decide on
 * it. The warm-up history goes entirely in bulk.
 *
 * Why not every event on its own day: the inbox and the feature store do not depend on the order
 * events arrive in (docs/events.md), so the book comes out the same, but every commit writes each
 * page it touched, and a day's events touch the feature store's pages of nearly every merchant.
 * Measured on the default demo (500 merchants, a year): 15.6 GB written and 124 s with every event
 * sent on its day, 11.2 GB and 100 s with exports of 10,000 (one ingest batch, one commit each).
 * An export is applied in one transaction of ingest batches (run-demo.ts): with five batches to a
 * commit the bulk events wrote 3.6 GB instead of 7.2 GB, the same facilities in the same states.
 */
import { ingestBatchRecordsMax } from '../app/ingest/ingest.ts';
import type { SourceRecord } from '../app/ingest/records.ts';
import { type DayPart, dayRecords, type FeedDay } from './marketplace-feed.ts';

/** Applies records at `secondOfDay` of day number `day`, in as many transactions as they need. */
export type Ingest = (records: readonly SourceRecord[], day: number, secondOfDay: number) => Promise<void>;

/** Events in one bulk export at most, applied in one transaction: five ingest batches. */
export const exportRecordsMax = 5 * ingestBatchRecordsMax;

export class PlatformSender {
  /** Days, or the part of them not yet sent, waiting for the next export. */
  private held: { readonly day: FeedDay; readonly part: DayPart }[] = [];
  private heldEvents = 0;

  constructor(
    private readonly ingest: Ingest,
    /** When in the day payouts and full exports are sent. */
    private readonly secondOfDay: number,
  ) {}

  /** A day of history: all of it in bulk. */
  async historyDay(day: FeedDay): Promise<void> {
    this.hold(day, 'all', day.events);
    if (this.heldEvents >= exportRecordsMax) await this.flush(day.day, this.secondOfDay);
  }

  /** A day of the lending year: its payouts now, the rest held until an export is full. */
  async lendingDay(day: FeedDay): Promise<void> {
    this.hold(day, 'others', day.events - day.payouts.length);
    if (this.heldEvents >= exportRecordsMax) await this.flush(day.day, this.secondOfDay);
    await this.ingest(dayRecords(day, 'payouts'), day.day, this.secondOfDay);
  }

  /** Sends everything held: before a decision reads it, and at the end. */
  async flush(day: number, secondOfDay: number): Promise<void> {
    const held = this.held;
    this.held = [];
    this.heldEvents = 0;
    const records: SourceRecord[] = [];
    for (const { day: heldDay, part } of held)
      for (const record of dayRecords(heldDay, part)) records.push(record);
    await this.ingest(records, day, secondOfDay);
  }

  private hold(day: FeedDay, part: DayPart, events: number): void {
    this.held.push({ day, part });
    this.heldEvents += events;
  }
}
