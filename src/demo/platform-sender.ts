/**
 * How the demo's platform sends its events to the engine. During the lending year each payout
 * (`settlement.paid`) to a merchant with financing — a facility being serviced, as the platform
 * knows from the engine — is sent on the day it is made, so it is swept against the merchant's
 * facilities before that day is closed; everything else — orders, shipments, refunds, reviews,
 * stock, and the payouts to merchants without financing, which nothing is deducted from — goes in
 * bulk, as platforms export such data: an export of up to 100,000 events, and always one before the
 * engine is asked to decide, so in the lending year about one a month at 500 merchants. The warm-up
 * history goes entirely in bulk.
 *
 * Why not every event on its own day: the inbox and the feature store do not depend on the order
 * events arrive in (docs/events.md), so the book comes out the same, but every commit writes each
 * page it touched, and a day's events touch the feature store's pages of nearly every merchant.
 * Measured on the default demo (500 merchants, a year): 15.6 GB written and 124 s with every event
 * sent on its day, 11.2 GB and 100 s with exports of 10,000 (one ingest batch, one commit each).
 * An export is applied in one transaction of ingest batches (run-demo.ts): with five batches to a
 * commit the bulk events wrote 3.6 GB instead of 7.2 GB, with ten 2.6 GB. Sending only the financed
 * merchants' payouts on their day, about a quarter of them, took the daily commits from 1.9 GB to
 * 1.3 GB. Each time the same facilities in the same states.
 */
import { ingestBatchRecordsMax } from '../app/ingest/ingest.ts';
import type { SourceRecord } from '../app/ingest/records.ts';
import { dayRecords, type FeedDay } from './marketplace-feed.ts';

/** Applies records at `secondOfDay` of day number `day`, in as many transactions as they need. */
export type Ingest = (records: readonly SourceRecord[], day: number, secondOfDay: number) => Promise<void>;

/** Of the merchants given, those with a facility being serviced. */
export type Financed = (merchantIds: readonly string[]) => Promise<ReadonlySet<string>>;

/** Events in one bulk export at most, applied in one transaction: ten ingest batches. */
export const exportRecordsMax = 10 * ingestBatchRecordsMax;

export class PlatformSender {
  /** Days waiting for the next export, each without the events already sent. */
  private held: { readonly day: FeedDay; readonly sent: readonly number[] }[] = [];
  private heldEvents = 0;

  constructor(
    private readonly ingest: Ingest,
    private readonly financed: Financed,
    /** When in the day payouts and full exports are sent. */
    private readonly secondOfDay: number,
  ) {}

  /** A day of history: all of it in bulk. */
  async historyDay(day: FeedDay): Promise<void> {
    this.hold(day, []);
    if (this.heldEvents >= exportRecordsMax) await this.flush(day.day, this.secondOfDay);
  }

  /** A day of the lending year: the payouts to financed merchants now, the rest held for an export. */
  async lendingDay(day: FeedDay): Promise<void> {
    const financed = day.payouts.length === 0 ? new Set() : await this.financed(day.payoutMerchants);
    const now = day.payouts.filter((_, index) => financed.has(day.payoutMerchants[index] as string));
    this.hold(day, now);
    if (this.heldEvents >= exportRecordsMax) await this.flush(day.day, this.secondOfDay);
    await this.ingest(dayRecords(day, now), day.day, this.secondOfDay);
  }

  /** Sends everything held: before a decision reads it, and at the end. */
  async flush(day: number, secondOfDay: number): Promise<void> {
    const held = this.held;
    this.held = [];
    this.heldEvents = 0;
    const records: SourceRecord[] = [];
    for (const { day: heldDay, sent } of held)
      for (const record of dayRecords(heldDay, { except: sent })) records.push(record);
    await this.ingest(records, day, secondOfDay);
  }

  private hold(day: FeedDay, sent: readonly number[]): void {
    this.held.push({ day, sent });
    this.heldEvents += day.events - sent.length;
  }
}
