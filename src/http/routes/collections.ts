/**
 * Pausing collections over HTTP (operators and platforms): a facility's payouts are not swept
 * from the first paused day through the last, while what it owes still accrues; resuming ends the
 * pause the day before. Each is a facility event; who made it goes in the audit log. The use cases
 * are in src/app/financing/collections.ts.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AppContext } from '../../app/app-context.ts';
import { recordAudit } from '../../app/audit/audit-log.ts';
import {
  pauseDaysMax,
  pauseFacilityCollections,
  resumeFacilityCollections,
} from '../../app/financing/collections.ts';
import type { StoredFacility } from '../../app/financing/serviced.ts';
import type { FacilityRow } from '../../app/ports.ts';
import { fromTaggedJson } from '../../app/risk/tagged-json.ts';
import { type CollectionsPauseState, collectionsPausedOn } from '../../domain/products/collections-pause.ts';
import { fromDayNumber, parseCalendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';
import { facilityInScope, platformScope } from '../merchant-scope.ts';
import { access, actorOf, jsonReply, NoBody, problemReply, write } from '../plumbing.ts';
import { ProblemError } from '../problem.ts';
import { CollectionsSchema } from '../schemas-financing.ts';
import { today } from './financing.ts';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const DateField = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD (UTC)' });
const PauseBody = Type.Object(
  {
    from: Type.Optional(DateField),
    until: Type.Optional(Type.Union([DateField, Type.Null()])),
    reason: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

function dayOf(text: string, param: string): number {
  const parsed = parseCalendarDate(text);
  if (!parsed.ok) throw new ProblemError('parameter_invalid', `${param} is not a calendar date`, param);
  return toDayNumber(parsed.value);
}

function pauseView(row: FacilityRow, day: number) {
  const stored = fromTaggedJson<StoredFacility>(row.stateJson);
  const state = (stored.phase === 'serviced' ? stored.servicing : {}) as CollectionsPauseState;
  const pause = state.collectionsPaused ?? null;
  return {
    object: 'collections',
    facility_id: row.id,
    status: row.status,
    paused_today: collectionsPausedOn(state, day),
    pause:
      pause === null
        ? null
        : {
            from: fromDayNumber(pause.fromDay),
            until: pause.untilDay === null ? null : fromDayNumber(pause.untilDay),
            reason: pause.reason,
          },
  };
}

export function collectionsRoutes(app: AppContext): FastifyPluginAsyncTypebox {
  return async (server) => {
    const facilityFor = (request: FastifyRequest, facilityId: string) =>
      facilityInScope(app, request, facilityId);

    server.post(
      '/v1/facilities/:id/collections/pause',
      access(['operator', 'platform'], {
        summary: 'Pause collections: nothing is swept from the first paused day through the last',
        description: `Body \`reason\` (1–200 characters), \`from\` (default today; not in the past) and \`until\` (inclusive; null or absent: until resumed). While paused, fees and interest still accrue; days past due stand still and no late fee is charged. A facility already paused answers 409 collections_already_paused; one not serviced 409 facility_not_serviced. ${platformScope}`,
        tags: ['financing'],
        params: IdParams,
        body: PauseBody,
        response: { 200: CollectionsSchema },
      }),
      async (request, reply) => {
        const facility = await facilityFor(request, request.params.id);
        // The domain refuses a blank reason too, but as pause_invalid without naming the field.
        if (request.body.reason.trim().length === 0)
          throw new ProblemError('pause_invalid', 'a reason is required', 'reason');
        const day = today(app);
        const fromDay = request.body.from === undefined ? day : dayOf(request.body.from, 'from');
        const until = request.body.until ?? null;
        const untilDay = until === null ? null : dayOf(until, 'until');
        if (untilDay !== null && untilDay < fromDay)
          throw new ProblemError(
            'pause_invalid',
            `until (${until}) is before from (${String(fromDayNumber(fromDay))}): a pause ends on or after the day it starts`,
            'until',
          );
        if (untilDay !== null && untilDay - fromDay + 1 > pauseDaysMax)
          throw new ProblemError(
            'pause_invalid',
            `a pause lasts at most ${pauseDaysMax} days (through ${String(fromDayNumber(fromDay + pauseDaysMax - 1))}); leave it open (until null) and resume it instead`,
            'until',
          );
        return write(app, request, reply, async (tx) => {
          const paused = await pauseFacilityCollections(tx, app, {
            facilityId: facility.id,
            merchantId: facility.merchantId,
            day,
            fromDay,
            untilDay,
            reason: request.body.reason,
          });
          if (!paused.ok)
            return problemReply(
              request,
              paused.code,
              paused.detail ?? paused.code,
              paused.code === 'pause_invalid' ? 'from' : undefined,
            );
          await recordAudit(tx, actorOf(app, request), 'facility.collections_paused', facility.id, {
            from: fromDayNumber(fromDay),
            until,
            reason: request.body.reason,
          });
          return jsonReply(200, pauseView(paused.value, day));
        });
      },
    );

    server.post(
      '/v1/facilities/:id/collections/resume',
      access(['operator', 'platform'], {
        summary: 'Resume collections from today: the pause ends yesterday (one not yet begun is cancelled)',
        description: `A facility with no pause covering today or later answers 409 collections_not_paused; an advance held for the refill that pays it off (paused from the refill's acceptance until its payout is confirmed or voided) answers 409 facility_held_for_refill. ${platformScope}`,
        tags: ['financing'],
        params: IdParams,
        body: NoBody,
        response: { 200: CollectionsSchema },
      }),
      async (request, reply) => {
        const facility = await facilityFor(request, request.params.id);
        const day = today(app);
        return write(app, request, reply, async (tx) => {
          const resumed = await resumeFacilityCollections(tx, app, {
            facilityId: facility.id,
            merchantId: facility.merchantId,
            day,
          });
          if (!resumed.ok) return problemReply(request, resumed.code, resumed.detail ?? resumed.code);
          await recordAudit(tx, actorOf(app, request), 'facility.collections_resumed', facility.id, {
            from: fromDayNumber(day),
          });
          return jsonReply(200, pauseView(resumed.value, day));
        });
      },
    );
  };
}
