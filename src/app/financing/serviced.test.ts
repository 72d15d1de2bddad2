/**
 * A facility's stored state read without a reviver gives the very values fromTaggedJson gives —
 * for the states the products store (an advance with its repayments, a term loan with its
 * schedule) and for any JSON with bigints in it, nested and in arrays, own "__proto__" keys, and
 * look-alikes that are not bigints. An advance stored with its repayments in a list (before they
 * were summed) is read as the same advance.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { AdvanceTerms } from '../../domain/products/advance/advance.ts';
import {
  advanceOwed,
  applyAdvanceDeduction,
  disbursedAdvance,
} from '../../domain/products/advance/servicing.ts';
import { emptyTally } from '../../domain/products/tally.ts';
import { disbursedTermLoan } from '../../domain/products/term-loan/servicing.ts';
import type { FacilityRow } from '../ports.ts';
import { fromTaggedJson, toTaggedJson } from '../risk/tagged-json.ts';
import { parseStoredState, rowAfter, servicedOf } from './serviced.ts';

const book = { financierId: 'fin_a', currency: 'USD', facilityId: 'fac_01' };
const terms: AdvanceTerms = {
  amountMinor: 1_000_000n,
  currency: 'USD',
  factorBps: 11_200,
  holdbackRateBps: 1_000,
  minimumPayment: { periodDays: 60, shareBps: 556 },
  maxTermDays: 540,
};

/** An active advance's row storing `stored`. */
function advanceRow(stored: unknown): FacilityRow {
  return {
    id: 'fac_01',
    merchantId: 'mer_1',
    financierId: 'fin_a',
    offerId: null,
    product: 'advance',
    currency: 'USD',
    status: 'active',
    openedOn: 20_500,
    stateJson: toTaggedJson(stored),
    version: 3n,
    updatedAtMs: 0n,
  };
}

function readsAlike(value: unknown): void {
  const text = toTaggedJson(value);
  assert.deepEqual(parseStoredState(text), fromTaggedJson(text));
}

describe('reading a stored facility state', () => {
  it('reads a serviced advance and term loan as tagged JSON does', () => {
    let advance = disbursedAdvance(book, 'mer_1', terms, 0.0011, 20_500);
    for (let day = 20_501; day < 20_560; day += 1)
      advance = applyAdvanceDeduction(advance, day, `d${day}`, `swp_${day}`, {
        fees: 0n,
        interest: 0n,
        principal: BigInt(day % 97) * 100n,
      }).facility;
    const loan = disbursedTermLoan(
      book,
      'mer_1',
      {
        amountMinor: 2_400_000n,
        currency: 'USD',
        annualRateBps: 1_800,
        months: 12,
        amortization: 'level_payment',
      },
      20_500,
    );
    assert.ok(loan.ok);
    for (const [product, servicing] of [
      ['advance', advance],
      ['term_loan', loan.value],
    ] as const)
      readsAlike({
        phase: 'serviced',
        product,
        servicing,
        tally: { ...emptyTally, originatedMinor: 1_000_000n },
        servicedThroughDay: 20_559,
        nearBreach: false,
        grade: 'C',
      });
  });

  it('reads an advance stored with its repayments in a list as the same advance, summed', () => {
    const advance = disbursedAdvance(book, 'mer_1', terms, 0.0011, 20_500);
    // As stored then: nor were late fees kept apart.
    const {
      repaid: _,
      lateFeesOwedMinor: _owed,
      lateFeesRepaid: _repaid,
      lateFeesCountedMinor: _counted,
      ...before
    } = advance;
    const stored = {
      phase: 'serviced',
      product: 'advance',
      servicing: {
        ...before,
        repayments: [
          { day: 20_501, amountMinor: 700n },
          { day: 20_502, amountMinor: 300n },
          { day: 20_503, amountMinor: 50n },
        ],
      },
      tally: emptyTally,
      servicedThroughDay: 20_502,
      nearBreach: false,
      grade: null,
    };
    const read = servicedOf(advanceRow(stored));
    assert.ok(read?.product === 'advance');
    assert.deepEqual(read.state, {
      ...before,
      repaid: { throughDay: 20_502, minor: 1_000n, after: [{ day: 20_503, amountMinor: 50n }] },
      lateFeesOwedMinor: 0n,
      lateFeesRepaid: { throughDay: 20_502, minor: 0n, after: [] },
      lateFeesCountedMinor: 0n,
    });
  });

  it('reads an advance stored before late fees were kept apart as owing none apart', () => {
    // A late fee of 25.00 charged on the fee of 1,200.00, all of it in the fees owed.
    const charged = {
      ...disbursedAdvance(book, 'mer_1', terms, 0.0011, 20_500),
      owed: { fees: 122_500n, principal: 1_000_000n },
    };
    const {
      lateFeesOwedMinor: _owed,
      lateFeesRepaid: _repaid,
      lateFeesCountedMinor: _counted,
      ...before
    } = charged;
    const read = servicedOf(
      advanceRow({
        phase: 'serviced',
        product: 'advance',
        servicing: before,
        tally: emptyTally,
        servicedThroughDay: 20_500,
        nearBreach: false,
        grade: null,
      }),
    );
    assert.ok(read?.product === 'advance');
    // Its fees as they stood (a late fee among them counts as the advance's, as it did then).
    assert.deepEqual(read.state, {
      ...before,
      lateFeesOwedMinor: 0n,
      lateFeesRepaid: { throughDay: 20_499, minor: 0n, after: [] },
      lateFeesCountedMinor: 0n,
    });
  });

  it('reads an advance stored while late fees counted towards the minimum: those it repaid still count', () => {
    // Day 20,560: the first minimum, 5.56% of 11,200.00 = 622.72, met by 622.72 repaid — 25.00 of
    // it a late fee, which counted then.
    const { lateFeesCountedMinor: _counted, ...before } = {
      ...disbursedAdvance(book, 'mer_1', terms, 0.0011, 20_500),
      owed: { fees: 120_000n - 59_772n, principal: 1_000_000n },
      repaid: { throughDay: 20_560, minor: 62_272n, after: [] },
      lateFeesRepaid: { throughDay: 20_560, minor: 2_500n, after: [] },
    };
    const stored = (servicing: unknown) =>
      servicedOf(
        advanceRow({
          phase: 'serviced',
          product: 'advance',
          servicing,
          tally: emptyTally,
          servicedThroughDay: 20_560,
          nearBreach: false,
          grade: null,
        }),
      );
    const read = stored(before);
    assert.ok(read?.product === 'advance');
    assert.equal(read.state.lateFeesCountedMinor, 2_500n);
    const none = { fees: 0n, interest: 0n, principal: 0n };
    assert.deepEqual(advanceOwed(read.state, 20_561).overdue, none, 'still met, as it was');
    // Stored since, the same repayments leave 25.00 of the minimum missed.
    const since = stored({ ...before, lateFeesCountedMinor: 0n });
    assert.ok(since?.product === 'advance');
    assert.deepEqual(advanceOwed(since.state, 20_561).overdue, { ...none, fees: 2_500n });
  });

  it('remembers that a facility reached default once it is repaid, and reads one stored before as its status says', () => {
    const advance = disbursedAdvance(book, 'mer_1', terms, 0.0011, 20_500);
    const stored = {
      phase: 'serviced',
      product: 'advance',
      servicing: advance,
      tally: { ...emptyTally, originatedMinor: 1_000_000n },
      servicedThroughDay: 20_600,
      nearBreach: false,
      grade: 'C',
    };
    const defaultedRow = { ...advanceRow(stored), status: 'defaulted' };
    const defaulted = servicedOf(defaultedRow);
    assert.ok(defaulted);
    assert.equal(defaulted.reachedDefault, true, 'stored before the flag: its status tells');
    // Repaid in full: paid off, and still a facility that reached default.
    const repaid = rowAfter(
      defaulted,
      { product: 'advance', state: { ...defaulted.state, status: 'paid_off' } as typeof advance },
      [],
      0n,
    );
    assert.equal(repaid.status, 'paid_off');
    assert.equal(servicedOf(repaid)?.reachedDefault, true);
    assert.equal(servicedOf(advanceRow(stored))?.reachedDefault, false);
  });

  it('agrees with tagged JSON on any JSON with bigints, and on objects that only look like one', () => {
    const leaf = fc.oneof(
      fc.bigInt(),
      fc.integer(),
      fc.double({ noNaN: false }),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.record({ $bigint: fc.string() }),
      fc.record({ $bigint: fc.integer() }),
      fc.record({ $bigint: fc.bigInt().map(String), other: fc.string() }),
    );
    const tree = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', '$bigint')), tie('node'), {
          maxKeys: 4,
        }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (value) => {
        const text = toTaggedJson(value);
        // Look-alikes such as {"$bigint": "x"} are not valid bigints: both codecs refuse them alike.
        let expected: unknown;
        try {
          expected = fromTaggedJson(text);
        } catch (error) {
          assert.throws(() => parseStoredState(text), (error as Error).constructor as never);
          return;
        }
        assert.deepEqual(parseStoredState(text), expected);
      }),
      { numRuns: 500 },
    );
  });
});
