/**
 * Who may act for a merchant, for every route about one: an operator for any; a merchant key for
 * its own merchant; a platform key for the merchants it onboarded (sent a `merchant.onboarded`
 * event about). Anyone else is told the merchant — or the object of the merchant's it asked for —
 * does not exist for this key, as if it were not there.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../app/app-context.ts';
import type { FacilityRow } from '../app/ports.ts';
import { principalOf } from './plumbing.ts';
import { ProblemError } from './problem.ts';

export async function mayActFor(
  app: AppContext,
  request: FastifyRequest,
  merchantId: string,
): Promise<boolean> {
  const principal = principalOf(request);
  return (
    principal.role === 'operator' ||
    (principal.role === 'merchant' && principal.objectId === merchantId) ||
    (principal.role === 'platform' &&
      principal.objectId !== null &&
      (await app.store.read((tx) =>
        tx.risk.platformOnboardedMerchant(principal.objectId as string, merchantId),
      )))
  );
}

/** As `mayActFor`, answering 404 merchant_not_found for a key that may not. */
export async function actFor(app: AppContext, request: FastifyRequest, merchantId: string): Promise<void> {
  if (!(await mayActFor(app, request, merchantId)))
    throw new ProblemError('merchant_not_found', `no merchant ${merchantId} for this key`);
}

/**
 * The facility, if this key may act for its merchant; otherwise it does not exist for the key
 * (404 `notFound`, `facility_not_found` unless a route names its own object, like a draw).
 */
export async function facilityInScope(
  app: AppContext,
  request: FastifyRequest,
  facilityId: string,
  notFound: { readonly code: 'facility_not_found' | 'draw_not_found'; readonly detail: string } = {
    code: 'facility_not_found',
    detail: `no facility ${facilityId}`,
  },
): Promise<FacilityRow> {
  const facility =
    facilityId === '' ? undefined : await app.store.read((tx) => tx.financing.facility(facilityId));
  if (facility === undefined || !(await mayActFor(app, request, facility.merchantId)))
    throw new ProblemError(notFound.code, notFound.detail);
  return facility;
}

/** Said in the description of every route a platform key may call for a merchant. */
export const platformScope =
  "A platform key acts only for the merchants its platform onboarded (sent a `merchant.onboarded` event about; a merchant belongs to the first platform to send an event about it, and to any that onboarded it; another platform's events about it are refused); for any other merchant the merchant, or the object asked for, answers 404 as if it did not exist. Only onboarding counts because the inbox has no index on (source, subject): the check is an index seek on the merchant's profile facts, not a scan of every event the platform sent.";
