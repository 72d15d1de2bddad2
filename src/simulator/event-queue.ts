/**
 * Events waiting to happen, bucketed by simulated day. Generating an order schedules its whole
 * future (capture, shipment, delivery, refund, review) into the buckets of the days they fall on;
 * each day's bucket is taken once, sorted by time, and written. Nothing may be scheduled into a day
 * already taken, which is what keeps the output in time order; events past the horizon are dropped.
 */

import { assert } from '../domain/assert.ts';
import type { EventDataByType, EventType } from '../domain/events/catalog.ts';
import { dayOf } from './calendar.ts';

/** One canonical event before it gets its envelope id: `at` is seconds since the start date. */
export type SimEvent = {
  [T in EventType]: {
    readonly at: number;
    /** Index of the merchant it is about. */
    readonly merchant: number;
    readonly type: T;
    readonly subject: string;
    readonly data: EventDataByType[T];
  };
}[EventType];

export class EventQueue {
  private readonly buckets: (SimEvent[] | undefined)[];
  /** The first day not yet taken. */
  private openDay = 0;
  droppedPastHorizon = 0;

  constructor(readonly days: number) {
    assert(Number.isInteger(days) && days > 0, 'EventQueue: days must be a positive integer');
    this.buckets = new Array(days);
  }

  /** Schedules one event about `merchant` (its index and id) at `at`. */
  schedule<T extends EventType>(
    at: number,
    merchant: { readonly index: number; readonly id: string },
    type: T,
    data: EventDataByType[T],
  ): void {
    // One object shape for every event, whatever its type: the sort and the writer stay monomorphic.
    this.push({ at, merchant: merchant.index, type, subject: merchant.id, data } as SimEvent);
  }

  push(event: SimEvent): void {
    const day = dayOf(event.at);
    assert(day >= this.openDay, `EventQueue: ${event.type} scheduled on day ${day}, already written`);
    if (day >= this.days) {
      this.droppedPastHorizon += 1;
      return;
    }
    const bucket = this.buckets[day];
    if (bucket === undefined) this.buckets[day] = [event];
    else bucket.push(event);
  }

  /** The day's events in time order; the sort is stable, so equal times keep scheduling order. */
  take(day: number): SimEvent[] {
    assert(
      day === this.openDay,
      `EventQueue: days are taken in order (expected ${this.openDay}, got ${day})`,
    );
    const bucket = this.buckets[day] ?? [];
    this.buckets[day] = undefined;
    this.openDay = day + 1;
    bucket.sort(byTime);
    return bucket;
  }
}

function byTime(left: SimEvent, right: SimEvent): number {
  return left.at - right.at;
}
