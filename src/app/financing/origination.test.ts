/**
 * Origination on real stores (SQLite, and PostgreSQL when configured): a pool funded; an approved
 * decision's offers stored; an advance accepted — the pool's cash reserved by a pending transfer,
 * the facility `disbursing`, the disclosure and the consent recorded, the facility's debt service
 * counted against the merchant's leverage cap — and the same acceptance again answering the same
 * facility; the payout confirmed, posting the reservation and starting servicing with the fee
 * charged and deferred; a second advance of the same decision refused beyond its limit; another
 * acceptance, under a fresh decision, voided, releasing the cash; and refusals for an expired
 * offer, another merchant's offer, a merchant without consent and a pool without the cash.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import { seedScoredMerchants } from '../../../test/support/lending-fixture.ts';
import { ManualClock } from '../../../test/support/manual-clock.ts';
import type { Offer } from '../../domain/products/offers.ts';
import {
  facilityAccount,
  financierAccount,
  financierAccounts,
  fundPool as fundPoolPostings,
} from '../../domain/products/postings.ts';
import { calendarDate, toDayNumber } from '../../domain/time/calendar-date.ts';
import { sha256, testEntropy } from '../../storage/contract/fixtures.ts';
import type { AppContext } from '../app-context.ts';
import { cliActor } from '../audit/audit-log.ts';
import { createAccounts, createTransfers } from '../ledger/ledger-writes.ts';
import { grantConsent, revokeConsent } from '../risk/consents.ts';
import { updateDecisionSettings } from '../risk/decision-settings.ts';
import { decideForMerchant } from '../risk/decisions.ts';
import { fromTaggedJson } from '../risk/tagged-json.ts';
import {
  acceptOffer,
  confirmDisbursement,
  fundPool,
  makeOffers,
  poolPostedMax,
  type StoredFacility,
  voidDisbursement,
  withdrawOpenOffers,
} from './origination.ts';
import { repayFacility } from './repayments.ts';
import { facilityReport } from './reports.ts';

const asOfDay = toDayNumber(calendarDate('2026-07-15'));
const now = BigInt(asOfDay + 1) * 86_400_000_000_000n;

for (const backend of backendsUnderTest) {
  describe(`origination on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let approvedDecision: string;
    let merchantId: string;
    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
      app = { store: harness.store, clock: new ManualClock(now), entropy: testEntropy, sha256 };
      await seedScoredMerchants(app, { merchants: 4, seed: 77, topBand: { grade: 'E', maxPd: 0.35 } });
      const expiresAtMs = now / 1_000_000n + 365n * 86_400_000n;
      for (const id of ['mer_gen0', 'mer_gen1', 'mer_gen2', 'mer_gen3']) {
        await harness.store.write((tx) =>
          grantConsent(tx, app, id, { purpose: 'credit_assessment', dataSources: ['sales'], expiresAtMs }),
        );
        const decided = await decideForMerchant(harness.store, app, id, asOfDay);
        if (decided.record.view.outcome === 'approved' && approvedDecision === undefined) {
          approvedDecision = decided.row.id;
          merchantId = id;
        }
      }
      assert.ok(approvedDecision !== undefined, 'one of the generated merchants is approved');
    });
    after(async () => harness?.dispose());

    const cash = async () => {
      const [account] = [
        ...(
          await harness.store.read((tx) =>
            tx.ledger.accountsByIds([financierAccount.cash({ financierId: 'fin_pool', currency: 'USD' })]),
          )
        ).values(),
      ];
      return account;
    };

    it('funds a pool and makes offers from an approved decision', async () => {
      const funded = await harness.store.write((tx) =>
        fundPool(tx, app, {
          financierId: 'fin_pool',
          currency: 'USD',
          amountMinor: 100_000_000n,
          reference: 'seed',
        }),
      );
      assert.deepEqual(funded, { ok: true, value: { cashMinor: 100_000_000n, posted: true } });
      const offers = await harness.store.write((tx) => makeOffers(tx, app, approvedDecision));
      assert.ok(offers.ok);
      assert.ok(offers.value.length >= 1);
      assert.equal(offers.value[0]?.product, 'advance');
      assert.ok(offers.value.every((o) => o.status === 'open' && o.expiresOn === asOfDay + 30));
      const stored = await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId, 'open'));
      assert.equal(stored.length, offers.value.length);
    });

    it('refuses a new funding that would take what a pool has ever taken past poolPostedMax, and still answers one made', async () => {
      const book = { financierId: 'fin_deep', currency: 'CHF' }; // a currency no offer here lends in
      const fund = (amountMinor: bigint, reference: string) =>
        harness.store.write((tx) => fundPool(tx, app, { ...book, amountMinor, reference }));
      assert.deepEqual(await fund(poolPostedMax - 10n, 'deep-1'), {
        ok: true,
        value: { cashMinor: poolPostedMax - 10n, posted: true },
      });
      const over = await fund(11n, 'deep-2');
      assert.equal(over.ok ? '' : over.code, 'amount_invalid');
      assert.match(over.ok ? '' : (over.detail ?? ''), /at most 1000000000000000000 minor units/);
      assert.equal((await fund(10n, 'deep-3')).ok, true, 'up to the limit');
      // The first funding again is the same funding: answered, not refused.
      assert.deepEqual(await fund(poolPostedMax - 10n, 'deep-1'), {
        ok: true,
        value: { cashMinor: poolPostedMax, posted: false },
      });
    });

    it('takes a funding recorded under its reference alone, before fundings were keyed by pool, as done', async () => {
      const book = { financierId: 'fin_legacy', currency: 'USD' };
      const posted = await harness.store.write(async (tx) => {
        await createAccounts(tx, app, financierAccounts(book));
        return createTransfers(tx, app, fundPoolPostings(book, 'pool:old-1', 5_000n));
      });
      assert.deepEqual(
        posted.map((r) => r.result),
        ['ok'],
      );
      const retried = await harness.store.write((tx) =>
        fundPool(tx, app, { ...book, amountMinor: 5_000n, reference: 'old-1' }),
      );
      assert.deepEqual(
        retried,
        { ok: true, value: { cashMinor: 5_000n, posted: false } },
        'not funded twice',
      );
      const otherAmount = await harness.store.write((tx) =>
        fundPool(tx, app, { ...book, amountMinor: 6_000n, reference: 'old-1' }),
      );
      assert.equal(otherAmount.ok ? '' : otherAmount.code, 'funding_reference_reused');
      // Another pool's funding under the same reference is its own.
      const other = await harness.store.write((tx) =>
        fundPool(tx, app, {
          financierId: 'fin_legacy_2',
          currency: 'USD',
          amountMinor: 7_000n,
          reference: 'old-1',
        }),
      );
      assert.deepEqual(other, { ok: true, value: { cashMinor: 7_000n, posted: true } });
    });

    it('posts a funding sent twice at once once, and says which call posted it', async () => {
      // What the audit log records: the two run one after the other under the ledger's lock (the
      // pool's accounts are opened under it), and the second finds the funding posted.
      const other = backend.name === 'postgres' ? harness.openAnother() : harness.store;
      const book = { financierId: 'fin_twice', currency: 'USD', amountMinor: 9_000n, reference: 'twice' };
      const outcomes = await Promise.all(
        [harness.store, other].map((store) => store.write((tx) => fundPool(tx, app, book))),
      );
      assert.deepEqual(
        outcomes.map((o) => (o.ok ? `${o.value.cashMinor} ${o.value.posted}` : o.code)).sort(),
        ['9000 false', '9000 true'],
      );
    });

    it('accepts an advance: the cash reserved, the disclosure and consent recorded, idempotent', async () => {
      const [offer] = await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId, 'open'));
      const advance = (
        await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId, 'open'))
      ).find((o) => o.product === 'advance');
      assert.ok(offer && advance);
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: advance.id, merchantId, day: asOfDay + 1 }),
      );
      assert.ok(accepted.ok, accepted.ok ? '' : accepted.detail);
      const { facility, offer: acceptedOffer } = accepted.value;
      assert.equal(facility.status, 'disbursing');
      assert.equal(acceptedOffer.status, 'accepted');
      const acceptance = fromTaggedJson<{
        consentId: string;
        disclosure: { aprPercent: string; schedule: Offer['schedule'] };
      }>(acceptedOffer.acceptanceJson ?? '{}');
      assert.match(acceptance.consentId, /^cns_/);
      assert.match(acceptance.disclosure.aprPercent, /^\d+\.\d\d$/);
      // Accepted the day after the offer: the forecast disclosed runs from the day after acceptance,
      // the same payments a day later — none dated before the money.
      const offered = fromTaggedJson<Offer>(advance.offerJson).schedule;
      assert.deepEqual(
        acceptance.disclosure.schedule.map((p) => [toDayNumber(p.date), p.amountMinor]),
        offered.map((p) => [toDayNumber(p.date) + 1, p.amountMinor]),
      );
      assert.equal((await cash())?.creditsPending, advance.amountMinor, 'reserved, not yet paid');
      const again = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: advance.id, merchantId, day: asOfDay + 2 }),
      );
      assert.ok(again.ok);
      assert.equal(again.value.facility.id, facility.id, 'the same facility');
      // Made, then accepted once — the retry tells nothing new.
      const history = await harness.store.read((tx) => tx.financing.offerEvents(advance.id));
      assert.deepEqual(
        history.map((e) => [e.sequence, e.type]),
        [
          [1, 'created'],
          [2, 'accepted'],
        ],
      );
      const debt = await harness.store.read((tx) => tx.risk.debtService(merchantId));
      assert.ok(debt.some((d) => d.facilityId === facility.id && d.dailyDebtServiceMinor > 0n));
      const redecided = await decideForMerchant(harness.store, app, merchantId, asOfDay);
      assert.ok(BigInt(redecided.record.view.existing_debt_service_daily) > 0n, 'the leverage cap sees it');

      const confirmed = await harness.store.write((tx) =>
        confirmDisbursement(tx, app, { facilityId: facility.id, day: asOfDay + 1 }),
      );
      assert.ok(confirmed.ok, confirmed.ok ? '' : confirmed.detail);
      assert.equal(confirmed.value.status, 'active');
      // The facility's forecast runs from the payout, as disclosed.
      const report = await harness.store.read((tx) =>
        facilityReport(tx, {
          facilityId: facility.id,
          scope: {},
          day: asOfDay + 1,
          afterSequence: 0,
          limit: 10,
        }),
      );
      assert.ok(report?.schedule?.kind === 'forecast');
      assert.deepEqual(report.schedule.payments, acceptance.disclosure.schedule);
      const state = fromTaggedJson<StoredFacility>(confirmed.value.stateJson);
      assert.equal(state.phase, 'serviced');
      assert.equal(
        (state.servicing as { lateFeeMinor?: bigint }).lateFeeMinor,
        2_500n,
        'charged the late fee its offer disclosed',
      );
      const book = { financierId: 'fin_pool', currency: 'USD', facilityId: facility.id };
      const accounts = await harness.store.read((tx) =>
        tx.ledger.accountsByIds([
          facilityAccount.principal(book),
          facilityAccount.fees(book),
          facilityAccount.deferredFee(book),
        ]),
      );
      const principal = accounts.get(facilityAccount.principal(book));
      assert.equal(principal?.debitsPosted, advance.amountMinor);
      const fees = accounts.get(facilityAccount.fees(book));
      const deferred = accounts.get(facilityAccount.deferredFee(book));
      assert.ok((fees?.debitsPosted ?? 0n) > 0n);
      assert.equal(deferred?.creditsPosted, fees?.debitsPosted, 'the fee is charged and deferred');
      assert.equal((await cash())?.creditsPending, 0n);
      assert.equal((await cash())?.creditsPosted, advance.amountMinor);
      const again2 = await harness.store.write((tx) =>
        confirmDisbursement(tx, app, { facilityId: facility.id, day: asOfDay + 1 }),
      );
      assert.equal(again2.ok ? '' : again2.code, 'facility_not_disbursing');
    });

    /**
     * An advance offer made again, open, under its first decision: accepting one withdrew its
     * alternatives, and a merchant repaying an advance is offered no second one.
     */
    const advanceAgain = async (id: string) => {
      const all = await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId));
      const seen = all.find((o) => o.product === 'advance' && o.status === 'withdrawn');
      assert.ok(seen, 'an advance offer was withdrawn by the acceptance');
      const again = { ...seen, id, status: 'open' as const };
      await harness.store.write((tx) => tx.financing.insertOffers([again]));
      return again;
    };

    /**
     * An offer the merchant may still take: the first decision's limit is taken, and no second
     * advance is offered or taken while one is being repaid — so the advance in hand paid off
     * early, and one of the advance offers the merchant saw, within a fresh decision's limit, made
     * again under that decision as `id`.
     */
    const offerAgain = async (id: string) => {
      const facilities = await harness.store.read((tx) => tx.financing.facilitiesForMerchant(merchantId));
      for (const row of facilities.filter((f) => f.product === 'advance' && f.status === 'active')) {
        const paid = await harness.store.write((tx) =>
          repayFacility(tx, app, {
            facilityId: row.id,
            day: asOfDay + 1,
            reference: `payoff-${id}`,
            payoff: true,
          }),
        );
        assert.ok(paid.ok, paid.ok ? '' : paid.detail);
      }
      const decided = await decideForMerchant(harness.store, app, merchantId, asOfDay);
      const limit = decided.record.view.limit;
      assert.ok(decided.record.view.outcome === 'approved' && limit !== null, 'approved again');
      const all = await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId));
      const seen = all.find((o) => o.product === 'advance' && o.amountMinor <= BigInt(limit));
      assert.ok(seen, 'an advance within the fresh limit was offered');
      const again = { ...seen, id, decisionId: decided.row.id, status: 'open' as const };
      await harness.store.write((tx) => tx.financing.insertOffers([again]));
      return again;
    };

    it("refuses a second offer beyond its decision's limit: one decision's offers lend at most the limit", async () => {
      const advance = await advanceAgain('off_again0');
      const refused = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: advance.id, merchantId, day: asOfDay + 1 }),
      );
      assert.equal(refused.ok ? '' : refused.code, 'exposure_limit_reached');
      assert.match(
        refused.ok ? '' : (refused.detail ?? ''),
        /the decision's limit is \d+; \d+ of it is taken/,
      );
      assert.equal((await harness.store.read((tx) => tx.financing.offer(advance.id)))?.status, 'open');
      assert.equal((await cash())?.creditsPending, 0n, 'nothing reserved');
    });

    it('voids a failed payout, releasing the cash and the debt service', async () => {
      const next = await offerAgain('off_again1');
      const before = (await cash())?.creditsPosted ?? 0n;
      const accepted = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: next.id, merchantId, day: asOfDay + 1 }),
      );
      assert.ok(accepted.ok);
      const voided = await harness.store.write((tx) =>
        voidDisbursement(tx, app, {
          facilityId: accepted.value.facility.id,
          day: asOfDay + 1,
          reason: 'bank account closed',
        }),
      );
      assert.ok(voided.ok);
      assert.equal(voided.value.status, 'cancelled');
      assert.equal((await cash())?.creditsPending, 0n);
      assert.equal((await cash())?.creditsPosted, before);
      const debt = await harness.store.read((tx) => tx.risk.debtService(merchantId));
      assert.ok(!debt.some((d) => d.facilityId === accepted.value.facility.id));
      const events = await harness.store.read((tx) =>
        tx.financing.facilityEvents(accepted.value.facility.id, { limit: 10 }),
      );
      assert.deepEqual(
        events.map((e) => e.type),
        ['accepted', 'disbursement_voided'],
      );
    });

    it('refuses an expired offer, another merchant’s offer, no consent, a flagged merchant and no cash', async () => {
      const offer = await offerAgain('off_again2');
      const other = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: offer.id, merchantId: 'mer_someone', day: asOfDay + 1 }),
      );
      assert.equal(other.ok ? '' : other.code, 'offer_not_found');
      const expired = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: offer.id, merchantId, day: asOfDay + 31 }),
      );
      assert.equal(expired.ok ? '' : expired.code, 'offer_expired');
      assert.equal((await harness.store.read((tx) => tx.financing.offer(offer.id)))?.status, 'expired');
      const lapsed = await harness.store.read((tx) => tx.financing.offerEvents(offer.id));
      assert.deepEqual(lapsed.at(-1)?.type, 'expired');

      // The same offer made afresh (a new decision offers no second advance while one is being
      // repaid), then consent revoked — which withdraws it; put back open, as an acceptance racing
      // the revocation finds it, it is refused for want of consent — then a pool too small.
      const candidate = { ...offer, id: 'off_fresh', status: 'open' as const };
      await harness.store.write((tx) => tx.financing.insertOffers([candidate]));
      const consents = await harness.store.read((tx) => tx.risk.consents(merchantId));
      for (const consent of consents)
        await harness.store.write((tx) => revokeConsent(tx, app, merchantId, consent.id, cliActor(app)));
      assert.equal((await harness.store.read((tx) => tx.financing.offer(candidate.id)))?.status, 'withdrawn');
      assert.deepEqual(
        (await harness.store.read((tx) => tx.financing.offerEvents(candidate.id))).map((e) => [
          e.type,
          e.reason,
        ]),
        [['withdrawn', 'consent_revoked']],
        'inserted by hand without its created event, its history is the withdrawal',
      );
      await harness.store.write((tx) => tx.financing.updateOffer(candidate.id, { status: 'open' }));
      const noConsent = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: candidate.id, merchantId, day: asOfDay + 1 }),
      );
      assert.equal(noConsent.ok ? '' : noConsent.code, 'consent_missing');
      await harness.store.write((tx) =>
        grantConsent(tx, app, merchantId, {
          purpose: 'credit_assessment',
          dataSources: ['sales'],
          expiresAtMs: now / 1_000_000n + 86_400_000n,
        }),
      );

      // Flagged for fraud: the open offer is withdrawn with the flag, and one made before it (put
      // back open here) cannot be accepted while the flag stands.
      const open = await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId, 'open'));
      assert.ok(open.some((o) => o.id === candidate.id));
      const withdrawn = await harness.store.write(async (tx) => {
        await tx.risk.setFlag(merchantId, 'fraud', 'case 4411', now / 1_000_000n);
        return withdrawOpenOffers(tx, app, merchantId, 'merchant_flagged');
      });
      assert.equal(withdrawn, open.length);
      assert.deepEqual(
        await harness.store.read((tx) => tx.financing.offersForMerchant(merchantId, 'open')),
        [],
      );
      assert.equal((await harness.store.read((tx) => tx.financing.offer(candidate.id)))?.status, 'withdrawn');
      assert.equal(
        (await harness.store.read((tx) => tx.financing.offerEvents(candidate.id))).at(-1)?.type,
        'withdrawn',
      );
      // The offer the flag withdrew answers the flag, as long as it stands.
      const withdrawnWhileFlagged = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: candidate.id, merchantId, day: asOfDay + 1 }),
      );
      assert.equal(withdrawnWhileFlagged.ok ? '' : withdrawnWhileFlagged.code, 'merchant_flagged');
      await harness.store.write((tx) => tx.financing.insertOffers([{ ...candidate, id: 'off_flagged' }]));
      const flagged = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: 'off_flagged', merchantId, day: asOfDay + 1 }),
      );
      assert.equal(flagged.ok ? '' : flagged.code, 'merchant_flagged');
      const offersWhileFlagged = await harness.store.write((tx) => makeOffers(tx, app, candidate.decisionId));
      assert.equal(offersWhileFlagged.ok ? '' : offersWhileFlagged.code, 'merchant_flagged');
      assert.equal((await harness.store.read((tx) => tx.financing.offer('off_flagged')))?.status, 'open');
      await harness.store.write((tx) => tx.risk.clearFlag(merchantId, 'fraud'));
      const withdrawnAfterFlag = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: candidate.id, merchantId, day: asOfDay + 1 }),
      );
      assert.equal(withdrawnAfterFlag.ok ? '' : withdrawnAfterFlag.code, 'offer_not_open');

      const eurOffer = {
        ...candidate,
        id: 'off_eur',
        currency: 'EUR',
        offerJson: candidate.offerJson.replaceAll('"USD"', '"EUR"'),
      };
      await harness.store.write((tx) => tx.financing.insertOffers([eurOffer]));
      const noCash = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: 'off_eur', merchantId, day: asOfDay + 1 }),
      );
      assert.equal(noCash.ok ? '' : noCash.code, 'funding_unavailable');
    });

    it('refuses an offer a later decision declined the merchant in, and takes it up again once one approves', async () => {
      const offer = await offerAgain('off_declined_since');
      // The lender's view of the merchant has changed: no one is lent to now.
      const strict = await harness.store.write((tx) =>
        updateDecisionSettings(tx, now, { maxPd: 0.01 }, 'test'),
      );
      assert.ok(strict.ok, strict.ok ? '' : strict.detail);
      const declined = await decideForMerchant(harness.store, app, merchantId, asOfDay);
      assert.equal(declined.record.view.outcome, 'declined');
      const refused = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: offer.id, merchantId, day: asOfDay + 1 }),
      );
      assert.equal(refused.ok ? '' : refused.code, 'decision_not_current');
      assert.match(
        refused.ok ? '' : (refused.detail ?? ''),
        new RegExp(`later decision, ${declined.row.id}, declined`),
      );
      assert.equal((await harness.store.read((tx) => tx.financing.offer(offer.id)))?.status, 'open');
      assert.equal((await cash())?.creditsPending, 0n, 'nothing reserved');
      // Approved again: the offer is taken up, within what acceptance checks.
      const lenient = await harness.store.write((tx) =>
        updateDecisionSettings(tx, now, { maxPd: 0.35 }, 'test'),
      );
      assert.ok(lenient.ok);
      assert.equal(
        (await decideForMerchant(harness.store, app, merchantId, asOfDay)).record.view.outcome,
        'approved',
      );
      const taken = await harness.store.write((tx) =>
        acceptOffer(tx, app, { offerId: offer.id, merchantId, day: asOfDay + 1 }),
      );
      assert.ok(taken.ok, taken.ok ? '' : taken.detail);
      assert.equal(taken.value.facility.status, 'disbursing');
    });
  });
}
