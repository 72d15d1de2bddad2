/**
 * Contract: the financing tables on a real store. Pools are created once; offers are found by
 * merchant and status, newest first, and updated on acceptance; facilities are paged by status in
 * id order and updated only from the version read (a stale writer is refused, nothing changes);
 * facility events come back in sequence; a sweep is recorded once per settlement; daily-cycle runs
 * are created, advanced and found again. Amounts survive as exact bigints.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BackendUnderTest, Harness } from '../../../test/support/backends.ts';
import type { FacilityRow, OfferRow, SweepRow } from '../../app/ports.ts';

const big = 9_007_199_254_740_993n; // above 2^53: must not pass through a float

function offer(
  id: string,
  merchantId: string,
  createdAtMs: bigint,
  status: OfferRow['status'] = 'open',
): OfferRow {
  return {
    id,
    merchantId,
    decisionId: `dec_${id}`,
    product: 'advance',
    currency: 'USD',
    amountMinor: big,
    status,
    offeredOn: 20_500,
    expiresOn: 20_530,
    offerJson: JSON.stringify({ id }),
    createdAtMs,
    acceptedAtMs: null,
    acceptanceJson: null,
    facilityId: null,
  };
}

function facility(id: string, merchantId: string, status: string): FacilityRow {
  return {
    id,
    merchantId,
    financierId: 'fin_a',
    offerId: `off_${id}`,
    product: 'advance',
    currency: 'USD',
    status,
    openedOn: 20_501,
    stateJson: JSON.stringify({ principal: big.toString() }),
    version: 1n,
    updatedAtMs: 1n,
  };
}

export function financingContract(backend: BackendUnderTest): void {
  describe(`financing tables on ${backend.name}`, { skip: backend.skip }, () => {
    let harness: Harness;
    before(async () => {
      harness = await backend.open();
      await harness.store.migrate();
    });
    after(async () => harness?.dispose());

    it('creates a funding pool once', async () => {
      await harness.store.write(async (tx) => {
        await tx.financing.insertPool({ financierId: 'fin_b', currency: 'EUR', createdAtMs: 5n });
        await tx.financing.insertPool({ financierId: 'fin_a', currency: 'USD', createdAtMs: 6n });
        await tx.financing.insertPool({ financierId: 'fin_a', currency: 'USD', createdAtMs: 7n });
      });
      const pools = await harness.store.read((tx) => tx.financing.pools());
      assert.deepEqual(pools, [
        { financierId: 'fin_a', currency: 'USD', createdAtMs: 6n },
        { financierId: 'fin_b', currency: 'EUR', createdAtMs: 5n },
      ]);
    });

    it('finds offers by merchant and status, newest first, and records an acceptance', async () => {
      await harness.store.write((tx) =>
        tx.financing.insertOffers([
          offer('off_1', 'mer_1', 10n),
          offer('off_2', 'mer_1', 20n),
          offer('off_3', 'mer_2', 30n),
        ]),
      );
      const mine = await harness.store.read((tx) => tx.financing.offersForMerchant('mer_1'));
      assert.deepEqual(
        mine.map((o) => o.id),
        ['off_2', 'off_1'],
      );
      assert.equal(mine[0]?.amountMinor, big);
      await harness.store.write((tx) =>
        tx.financing.updateOffer('off_1', {
          status: 'accepted',
          acceptedAtMs: 99n,
          acceptanceJson: '{"consent":"cns_1"}',
          facilityId: 'fac_1',
        }),
      );
      const accepted = await harness.store.read((tx) => tx.financing.offer('off_1'));
      assert.deepEqual(
        [accepted?.status, accepted?.acceptedAtMs, accepted?.acceptanceJson, accepted?.facilityId],
        ['accepted', 99n, '{"consent":"cns_1"}', 'fac_1'],
      );
      const open = await harness.store.read((tx) => tx.financing.offersForMerchant('mer_1', 'open'));
      assert.deepEqual(
        open.map((o) => o.id),
        ['off_2'],
      );
      assert.equal(await harness.store.read((tx) => tx.financing.offer('off_nope')), undefined);
    });

    it('pages facilities by status in id order, and refuses a stale update', async () => {
      await harness.store.write(async (tx) => {
        for (const [id, status] of [
          ['fac_3', 'active'],
          ['fac_1', 'active'],
          ['fac_2', 'paid_off'],
          ['fac_4', 'delinquent'],
        ] as const)
          await tx.financing.insertFacility(facility(id, id === 'fac_4' ? 'mer_2' : 'mer_1', status));
      });
      const first = await harness.store.read((tx) =>
        tx.financing.facilitiesByStatus(['active', 'delinquent'], { limit: 2 }),
      );
      assert.deepEqual(
        first.map((f) => f.id),
        ['fac_1', 'fac_3'],
      );
      const next = await harness.store.read((tx) =>
        tx.financing.facilitiesByStatus(['active', 'delinquent'], { after: 'fac_3', limit: 2 }),
      );
      assert.deepEqual(
        next.map((f) => f.id),
        ['fac_4'],
      );
      const fac1 = first[0] as FacilityRow;
      const updated = { ...fac1, status: 'delinquent', version: 2n, stateJson: '{"dpd":1}', updatedAtMs: 2n };
      assert.equal(await harness.store.write((tx) => tx.financing.updateFacility(updated, 1n)), true);
      const stale = { ...fac1, status: 'paid_off', version: 2n };
      assert.equal(await harness.store.write((tx) => tx.financing.updateFacility(stale, 1n)), false);
      const stored = await harness.store.read((tx) => tx.financing.facility('fac_1'));
      assert.deepEqual([stored?.status, stored?.version, stored?.stateJson], ['delinquent', 2n, '{"dpd":1}']);
      const merchants = await harness.store.read((tx) => tx.financing.facilitiesForMerchant('mer_1'));
      assert.deepEqual(
        merchants.map((f) => f.id),
        ['fac_1', 'fac_2', 'fac_3'],
      );
    });

    it('inserts many facilities at once, as one by one', async () => {
      const many = Array.from({ length: 1_203 }, (_, i) =>
        facility(
          `fac_m${String(i).padStart(4, '0')}`,
          `mer_m${i % 7}`,
          i % 3 === 0 ? 'delinquent' : 'active',
        ),
      );
      await harness.store.write((tx) => tx.financing.insertFacilities(many));
      await harness.store.write((tx) => tx.financing.insertFacilities([]));
      const stored = await harness.store.read((tx) => tx.financing.facility('fac_m1202'));
      assert.deepEqual(stored, many[1_202]);
      const mer3 = await harness.store.read((tx) => tx.financing.facilitiesForMerchant('mer_m3'));
      assert.deepEqual(
        mer3.map((f) => f.id),
        many.filter((f) => f.merchantId === 'mer_m3').map((f) => f.id),
      );
    });

    it('updates many facilities over the versions read, and names the ones it did not', async () => {
      const [a, b] = ['fac_m0001', 'fac_m0002'];
      const read = await harness.store.read(async (tx) => [
        await tx.financing.facility(a),
        await tx.financing.facility(b),
      ]);
      const [rowA, rowB] = read as [FacilityRow, FacilityRow];
      const missed = await harness.store.write((tx) =>
        tx.financing.updateFacilities([
          {
            facility: { ...rowA, status: 'delinquent', stateJson: '{"a":2}', version: 3n, updatedAtMs: 9n },
            expectedVersion: 1n,
          },
          { facility: { ...rowB, stateJson: '{"b":2}', version: 2n }, expectedVersion: 7n },
        ]),
      );
      assert.deepEqual(missed, [b]);
      const after = await harness.store.read(async (tx) => [
        await tx.financing.facility(a),
        await tx.financing.facility(b),
      ]);
      assert.deepEqual(after, [
        { ...rowA, status: 'delinquent', stateJson: '{"a":2}', version: 3n, updatedAtMs: 9n },
        rowB,
      ]);
      assert.deepEqual(await harness.store.write((tx) => tx.financing.updateFacilities([])), []);
      const twice = await harness.store.write((tx) =>
        tx.financing.updateFacilities([
          { facility: { ...rowB, stateJson: '{"b":2}', version: 2n }, expectedVersion: 1n },
          { facility: { ...rowB, stateJson: '{"b":3}', version: 3n }, expectedVersion: 2n },
        ]),
      );
      assert.deepEqual(twice, [], 'a facility named twice is written one change after the other');
      assert.equal((await harness.store.read((tx) => tx.financing.facility(b)))?.stateJson, '{"b":3}');
    });

    it('finds many merchants’ facilities, each merchant’s together and in id order', async () => {
      const found = await harness.store.read((tx) =>
        tx.financing.facilitiesForMerchants(['mer_m5', 'mer_m2', 'mer_none', 'mer_m5']),
      );
      const one = async (merchantId: string) =>
        harness.store.read((tx) => tx.financing.facilitiesForMerchant(merchantId));
      const byMerchant = new Map<string, string[]>();
      for (const row of found)
        byMerchant.set(row.merchantId, [...(byMerchant.get(row.merchantId) ?? []), row.id]);
      assert.deepEqual([...byMerchant.keys()].sort(), ['mer_m2', 'mer_m5']);
      assert.deepEqual(
        byMerchant.get('mer_m2'),
        (await one('mer_m2')).map((f) => f.id),
      );
      assert.deepEqual(
        byMerchant.get('mer_m5'),
        (await one('mer_m5')).map((f) => f.id),
      );
      const merchants = found.map((f) => f.merchantId);
      assert.deepEqual(
        merchants.filter((m, i) => m !== merchants[i - 1]).length,
        2,
        'each merchant’s together',
      );
      assert.deepEqual(await harness.store.read((tx) => tx.financing.facilitiesForMerchants([])), []);
    });

    it('keeps facility events in sequence', async () => {
      await harness.store.write((tx) =>
        tx.financing.appendFacilityEvents(
          [3, 1, 2].map((sequence) => ({
            facilityId: 'fac_1',
            sequence,
            day: 20_500 + sequence,
            type: 'status_changed',
            detailJson: `{"n":${sequence}}`,
            atMs: BigInt(sequence),
          })),
        ),
      );
      const events = await harness.store.read((tx) =>
        tx.financing.facilityEvents('fac_1', { afterSequence: 1, limit: 10 }),
      );
      assert.deepEqual(
        events.map((e) => [e.sequence, e.day, e.detailJson]),
        [
          [2, 20_502, '{"n":2}'],
          [3, 20_503, '{"n":3}'],
        ],
      );
      const newest = await harness.store.read((tx) =>
        tx.financing.lastFacilityEventSequences(['fac_1', 'fac_none', 'fac_1']),
      );
      assert.deepEqual([...newest], [['fac_1', 3]]);
      assert.equal(await harness.store.read((tx) => tx.financing.lastFacilityEventSequence('fac_1')), 3);
    });

    it('records a sweep once per settlement and finds a merchant’s by day', async () => {
      const sweep = (key: string, day: number): SweepRow => ({
        settlementKey: key,
        merchantId: 'mer_1',
        day,
        currency: 'USD',
        netMinor: big,
        deductedMinor: 300n,
        splitJson: '{}',
        atMs: BigInt(day),
      });
      assert.equal(
        await harness.store.write((tx) => tx.financing.insertSweep(sweep('plt stl_2', 20_502))),
        true,
      );
      assert.equal(
        await harness.store.write((tx) => tx.financing.insertSweep(sweep('plt stl_1', 20_501))),
        true,
      );
      assert.equal(
        await harness.store.write((tx) => tx.financing.insertSweep(sweep('plt stl_1', 20_501))),
        false,
      );
      const found = await harness.store.read((tx) => tx.financing.sweepsForMerchant('mer_1', 20_500, 20_502));
      assert.deepEqual(
        found.map((s) => s.settlementKey),
        ['plt stl_1', 'plt stl_2'],
      );
      assert.equal(found[0]?.netMinor, big);
      assert.equal((await harness.store.read((tx) => tx.financing.sweep('plt stl_9'))) ?? null, null);

      const inserted = await harness.store.write((tx) =>
        tx.financing.insertSweeps([
          sweep('plt stl_1', 20_501),
          { ...sweep('plt stl_3', 20_502), merchantId: 'mer_2' },
          sweep('plt stl_4', 20_503),
        ]),
      );
      assert.equal(inserted, 2, 'a settlement already swept is not recorded again');
      assert.equal(await harness.store.write((tx) => tx.financing.insertSweeps([])), 0);
      const byKey = await harness.store.read((tx) =>
        tx.financing.sweepsByKey(['plt stl_3', 'plt stl_1', 'plt stl_9']),
      );
      assert.deepEqual([...byKey.keys()].sort(), ['plt stl_1', 'plt stl_3']);
      assert.equal(byKey.get('plt stl_3')?.merchantId, 'mer_2');
      assert.equal(byKey.get('plt stl_1')?.netMinor, big);
      const days = await harness.store.read((tx) =>
        tx.financing.sweepsForMerchants(['mer_2', 'mer_1'], 20_501, 20_502),
      );
      const mine = (merchantId: string) =>
        days.filter((d) => d.merchantId === merchantId).map((d) => d.settlementKey);
      assert.deepEqual(mine('mer_1'), ['plt stl_1', 'plt stl_2']);
      assert.deepEqual(mine('mer_2'), ['plt stl_3']);
      assert.equal(days.length, 3);
    });

    it('creates, advances and finds daily-cycle runs', async () => {
      assert.equal(await harness.store.read((tx) => tx.financing.lastEodRun()), undefined);
      const run = {
        day: 20_501,
        status: 'running' as const,
        cursor: null,
        facilitiesDone: 0n,
        startedAtMs: 1n,
        finishedAtMs: null,
      };
      await harness.store.write((tx) => tx.financing.putEodRun(run));
      await harness.store.write((tx) =>
        tx.financing.putEodRun({
          ...run,
          status: 'done',
          cursor: 'fac_9',
          facilitiesDone: 9n,
          finishedAtMs: 2n,
        }),
      );
      await harness.store.write((tx) => tx.financing.putEodRun({ ...run, day: 20_502 }));
      assert.deepEqual(await harness.store.read((tx) => tx.financing.eodRun(20_501)), {
        day: 20_501,
        status: 'done',
        cursor: 'fac_9',
        facilitiesDone: 9n,
        startedAtMs: 1n,
        finishedAtMs: 2n,
      });
      assert.equal((await harness.store.read((tx) => tx.financing.lastEodRun()))?.day, 20_502);
    });
  });
}
