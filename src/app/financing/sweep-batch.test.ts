/**
 * Sweeping many settlements in one call is sweeping them one call after another, on real stores
 * (SQLite, and PostgreSQL when configured). On a book with an advance and a term loan, the same
 * payouts — two the same day sharing the cap, one large enough to pay the advance off and a later
 * one that finds it repaid, a refund-heavy one, one for a merchant without facilities, one invalid,
 * one already swept before and one repeated within the call — are swept one `sweepSettlement` at
 * a time (then rolled back) and by one `sweepSettlements`: the same results, facility rows, events,
 * sweeps and ledger balances, sweep ids aside.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backendsUnderTest, type Harness } from '../../../test/support/backends.ts';
import {
  disburse,
  lendingAsOfDay,
  offersOfAFreshDecision,
  openLendingBook,
} from '../../../test/support/lending-fixture.ts';
import { facilityAccounts, financierAccounts } from '../../domain/products/postings.ts';
import type { AppContext } from '../app-context.ts';
import type { WriteTransaction } from '../ports.ts';
import { makeOffers } from './origination.ts';
import { type Settlement, sweepSettlement, sweepSettlements } from './sweep.ts';

const asOfDay = lendingAsOfDay;

class RolledBack extends Error {
  constructor(readonly outcome: unknown) {
    super('rolled back on purpose');
  }
}

for (const backend of backendsUnderTest) {
  describe(`sweeping settlements in a batch on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    let app: AppContext;
    let merchantId = '';
    let facilityIds: string[] = [];
    before(async () => {
      const book = await openLendingBook(backend, {
        topBand: { grade: 'D', maxPd: 0.4 },
        poolMinor: 100_000_000n,
      });
      ({ harness, app, merchantId } = book);
      // The advance from the decision, the term loan from a second one made once the advance was
      // taken: one decision lends once.
      const offers = await harness.store.write((tx) => makeOffers(tx, app, book.decisionId));
      assert.ok(offers.ok);
      const advance = offers.value.filter((o) => o.product === 'advance').at(-1);
      assert.ok(advance);
      facilityIds = [await disburse(book, advance)];
      const loan = (await offersOfAFreshDecision(book)).find((o) => o.product === 'term_loan');
      assert.ok(loan);
      facilityIds.push(await disburse(book, loan));
      const earlier = await harness.store.write((tx) =>
        sweepSettlement(tx, app, settlement('plt stl_0', asOfDay + 1, 50_000n)),
      );
      assert.ok(earlier.ok);
    });
    after(async () => harness?.dispose());

    const settlement = (key: string, day: number, netMinor: bigint, merchant = merchantId): Settlement => ({
      settlementKey: key,
      merchantId: merchant,
      day,
      currency: 'USD',
      netMinor,
    });

    /** Everything a sweep writes, sweep ids replaced by their order of appearance. */
    async function snapshot(tx: WriteTransaction, sweepIds: readonly string[]) {
      const rows = await Promise.all(facilityIds.map((id) => tx.financing.facility(id)));
      const events = await Promise.all(
        facilityIds.map((id) => tx.financing.facilityEvents(id, { limit: 100 })),
      );
      const sweeps = await tx.financing.sweepsByKey([
        'plt stl_1',
        'plt stl_2',
        'plt stl_3',
        'plt stl_4',
        'other stl_1',
      ]);
      const book = { financierId: 'fin_pool', currency: 'USD' };
      const accounts = await tx.ledger.accountsByIds([
        ...financierAccounts(book).map((a) => a.id),
        ...facilityIds.flatMap((facilityId) => facilityAccounts({ ...book, facilityId }).map((a) => a.id)),
      ]);
      const text = JSON.stringify(
        {
          rows,
          events,
          sweeps: [...sweeps.values()],
          balances: [...accounts.values()]
            .map((a) => [a.id, a.debitsPosted, a.creditsPosted])
            .sort(([a], [b]) => String(a).localeCompare(String(b))),
        },
        (_key, value) => (typeof value === 'bigint' ? String(value) : value),
      );
      return JSON.parse(sweepIds.reduce((out, id, index) => out.replaceAll(id, `<sweep ${index}>`), text));
    }

    it('answers and writes what one call after another would', async () => {
      const settlements = [
        settlement('plt stl_1', asOfDay + 2, 200_000n),
        settlement('plt stl_2', asOfDay + 2, 300_000n),
        settlement(' ', asOfDay + 2, 1_000n),
        settlement('plt stl_1', asOfDay + 2, 200_000n),
        settlement('plt stl_0', asOfDay + 1, 50_000n),
        settlement('plt stl_3', asOfDay + 3, -5_000n),
        settlement('other stl_1', asOfDay + 3, 70_000n, 'mer_without_facilities'),
        { ...settlement('plt stl_x', asOfDay + 3, 1_000n), currency: 'usd' },
        settlement('plt stl_4', asOfDay + 40, 90_000_000n),
        settlement('plt stl_5', asOfDay + 41, 90_000_000n),
      ];
      const described = (results: Awaited<ReturnType<typeof sweepSettlements>>) => {
        const sweepIds = results.flatMap((r) => (r.ok ? [r.value.sweepId] : []));
        const shown = results.map((r) =>
          r.ok ? { replayed: r.value.replayed, waterfall: r.value.waterfall } : { code: r.code },
        );
        return { sweepIds: [...new Set(sweepIds)], shown };
      };
      let oneByOne: { shown: unknown; state: unknown } | undefined;
      try {
        await harness.store.write(async (tx) => {
          const results = [];
          for (const s of settlements) results.push(await sweepSettlement(tx, app, s));
          const { sweepIds, shown } = described(results);
          throw new RolledBack({ shown, state: await snapshot(tx, sweepIds) });
        });
      } catch (error) {
        if (!(error instanceof RolledBack)) throw error;
        oneByOne = error.outcome as typeof oneByOne;
      }
      assert.ok(oneByOne);
      const batch = await harness.store.write(async (tx) => {
        const results = await sweepSettlements(tx, app, settlements);
        const { sweepIds, shown } = described(results);
        return { shown, state: await snapshot(tx, sweepIds) };
      });
      assert.deepEqual(batch.shown, oneByOne.shown);
      const [mine, theirs] = [batch.state, oneByOne.state] as { [part: string]: unknown }[];
      for (const part of ['rows', 'events', 'sweeps', 'balances'])
        assert.deepEqual(mine?.[part], theirs?.[part], part);
      const shown = batch.shown as { replayed?: boolean; code?: string }[];
      assert.deepEqual(
        shown.map((s) => s.code ?? (s.replayed ? 'replayed' : 'swept')),
        [
          'swept',
          'swept',
          'settlement_invalid',
          'replayed',
          'replayed',
          'swept',
          'swept',
          'settlement_invalid',
          'swept',
          'swept',
        ],
      );
      assert.match(JSON.stringify(batch.state), /paid_off/, 'the large payout paid the advance off');
    });
  });
}
