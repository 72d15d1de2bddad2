/**
 * A financing book of merchants whose sales the test controls, on a real store: each merchant
 * onboarded (KYB verified, USD) `tenureDays` before the as-of day and selling the same amount every
 * day since — so the decision's sales forecast is exactly that amount each day, and the offers'
 * holdback, schedule and APR can be worked out by hand — plus a synthetic champion, decision
 * settings, a funded pool, a consent and a decision per merchant. And the readers the financing
 * end-to-end tests check balances with: a facility's ledger accounts, the pool's accounts, the
 * trial balance.
 */
import assert from 'node:assert/strict';
import type { AppContext } from '../../src/app/app-context.ts';
import { fundPool } from '../../src/app/financing/origination.ts';
import { ingestBatch } from '../../src/app/ingest/ingest.ts';
import type { FacilityRow, ReadTransaction } from '../../src/app/ports.ts';
import { grantConsent } from '../../src/app/risk/consents.ts';
import { updateDecisionSettings } from '../../src/app/risk/decision-settings.ts';
import { decideForMerchant } from '../../src/app/risk/decisions.ts';
import { registerModel } from '../../src/app/risk/models.ts';
import type { CanonicalEvent } from '../../src/domain/events/catalog.ts';
import type { Account } from '../../src/domain/ledger/types.ts';
import {
  type FacilityBook,
  type FinancierBook,
  facilityAccount,
  financierAccount,
} from '../../src/domain/products/postings.ts';
import { formatCalendarDate, fromDayNumber } from '../../src/domain/time/calendar-date.ts';
import { parseRecord as parseEvent } from '../../src/ingest/parse-record.ts';
import { sha256, testEntropy } from '../../src/storage/contract/fixtures.ts';
import type { BackendUnderTest, Harness } from './backends.ts';
import { event } from './events.ts';
import { lendingAsOfDay } from './lending-fixture.ts';
import { ManualClock } from './manual-clock.ts';
import { syntheticModel } from './synthetic-model.ts';

export const dayNs = 86_400_000_000_000n;
export const financierId = 'fin_pool';
export const pool: FinancierBook = { financierId, currency: 'USD' };

export interface SteadyMerchantSpec {
  readonly merchantId: string;
  /** Sold every day from the day after onboarding to the as-of day, one order a day (minor units). */
  readonly dailySalesMinor: bigint;
}

export interface SteadyBookOptions {
  readonly merchants: readonly SteadyMerchantSpec[];
  readonly poolMinor: bigint;
  /** Decision settings to override (e.g. minRateBps = maxRateBps to fix the price). */
  readonly settings?: Readonly<Record<string, unknown>>;
  readonly tenureDays?: number;
  readonly asOfDay?: number;
}

export interface SteadyDecision {
  readonly decisionId: string;
  readonly outcome: string;
  readonly consentId: string;
  readonly grade: string | null;
  readonly limitMinor: bigint | null;
  readonly annualRateBps: number | null;
  readonly forecastDailySalesMinor: string;
}

export interface SteadyBook {
  readonly harness: Harness;
  readonly app: AppContext;
  readonly clock: ManualClock;
  readonly asOfDay: number;
  readonly decisions: ReadonlyMap<string, SteadyDecision>;
}

/** Grades A–C as usual and D up to a PD of 0.999: every knock-out-free merchant is approved, graded. */
export const lendToAll = {
  maxPd: 0.999,
  gradeBands: [
    { grade: 'A', maxPd: 0.01 },
    { grade: 'B', maxPd: 0.025 },
    { grade: 'C', maxPd: 0.05 },
    { grade: 'D', maxPd: 0.999 },
  ],
};

/** The end of `day` (its last nanosecond): where the clock stands while the day's work is done. */
export function endOfDay(clock: ManualClock, day: number): void {
  clock.set(BigInt(day + 1) * dayNs - 1n);
}

/** Midnight after `day`: the day has ended, and its daily cycle may run. */
export function dayEnded(clock: ManualClock, day: number): void {
  clock.set(BigInt(day + 1) * dayNs);
}

function merchantEvents(spec: SteadyMerchantSpec, asOfDay: number, tenureDays: number): CanonicalEvent[] {
  const onboarded = asOfDay - tenureDays;
  const date = (day: number) => formatCalendarDate(fromDayNumber(day));
  const events: CanonicalEvent[] = [
    event('merchant.onboarded', `${spec.merchantId}-onb`, `${date(onboarded)}T09:00:00Z`, spec.merchantId, {
      legal_name: `Steady ${spec.merchantId}`,
      country: 'US',
      currency: 'USD',
      category: 'toys',
      kyb_status: 'verified',
    }),
  ];
  for (let day = onboarded + 1; day <= asOfDay; day += 1)
    events.push(
      event('order.placed', `${spec.merchantId}-o${day}`, `${date(day)}T12:00:00Z`, spec.merchantId, {
        order_id: `${spec.merchantId}-o${day}`,
        buyer_id: `buyer-${day % 5}`,
        amount: String(spec.dailySalesMinor),
        currency: 'USD',
      }),
    );
  return events;
}

/**
 * Opens the book: activity imported, a synthetic champion, the settings (lend to all by default,
 * plus `options.settings`), the pool funded with `poolMinor`, and each merchant's consent and
 * decision as of `asOfDay` (the clock at the end of it).
 */
export async function openSteadyBook(
  backend: BackendUnderTest,
  options: SteadyBookOptions,
): Promise<SteadyBook> {
  const asOfDay = options.asOfDay ?? lendingAsOfDay;
  const tenureDays = options.tenureDays ?? 120;
  const harness = await backend.open();
  await harness.store.migrate();
  // The end of the as-of day: consents are granted and decisions made before anything is accepted.
  const clock = new ManualClock(BigInt(asOfDay + 1) * dayNs - 1n);
  const app: AppContext = { store: harness.store, clock, entropy: testEntropy, sha256 };
  const events = options.merchants
    .flatMap((spec) => merchantEvents(spec, asOfDay, tenureDays))
    .map((e) => parseEvent({ origin: 'test', line: null, raw: JSON.stringify(e) }));
  for (let start = 0; start < events.length; start += 2_000)
    await harness.store.write((tx) => ingestBatch(tx, app, events.slice(start, start + 2_000)));
  await harness.store.write(async (tx) => {
    await registerModel(tx, app, {
      artifact: syntheticModel('scorecard', 5),
      algorithm: 'scorecard',
      metrics: {},
      training: { synthetic: true },
      status: 'champion',
    });
    const settings = await updateDecisionSettings(
      tx,
      clock.nowNs(),
      { ...lendToAll, ...options.settings },
      'test',
    );
    assert.ok(settings.ok, show(settings));
    const funded = await fundPool(tx, app, {
      financierId,
      currency: 'USD',
      amountMinor: options.poolMinor,
      reference: 'seed',
    });
    assert.ok(funded.ok);
  });
  const decisions = new Map<string, SteadyDecision>();
  for (const { merchantId } of options.merchants) {
    const consent = await harness.store.write((tx) =>
      grantConsent(tx, app, merchantId, {
        purpose: 'credit_assessment',
        dataSources: ['sales'],
        // Valid for two years: the whole life of anything the tests lend.
        expiresAtMs: clock.nowNs() / 1_000_000n + 730n * 86_400_000n,
      }),
    );
    assert.ok(consent.ok);
    const decided = await decideForMerchant(harness.store, app, merchantId, asOfDay);
    const view = decided.record.view;
    decisions.set(merchantId, {
      decisionId: decided.row.id,
      outcome: view.outcome,
      consentId: consent.value.id,
      grade: view.grade,
      limitMinor: view.limit === null ? null : BigInt(view.limit),
      annualRateBps: view.annual_rate_bps,
      forecastDailySalesMinor: view.forecast_daily_sales,
    });
  }
  return { harness, app, clock, asOfDay, decisions };
}

const debitBalance = (account: Account | undefined) =>
  account === undefined ? 0n : account.debitsPosted - account.creditsPosted;

export interface FacilityLedger {
  readonly principal: bigint;
  readonly interest: bigint;
  readonly fees: bigint;
  /** The deferred fee: a credit balance, shown positive. */
  readonly deferredFee: bigint;
  /** Principal reserved and not yet paid out (the disbursement's pending transfer). */
  readonly principalPending: bigint;
}

export function facilityBookOf(row: Pick<FacilityRow, 'id' | 'financierId' | 'currency'>): FacilityBook {
  return { facilityId: row.id, financierId: row.financierId, currency: row.currency };
}

/** Each facility's four accounts as the ledger has them, in one read. */
export async function facilityLedgers(
  tx: ReadTransaction,
  rows: readonly Pick<FacilityRow, 'id' | 'financierId' | 'currency'>[],
): Promise<Map<string, FacilityLedger>> {
  const ids = rows.flatMap((row) => {
    const book = facilityBookOf(row);
    return [
      facilityAccount.principal(book),
      facilityAccount.interest(book),
      facilityAccount.fees(book),
      facilityAccount.deferredFee(book),
    ];
  });
  const accounts = await tx.ledger.accountsByIds(ids);
  const out = new Map<string, FacilityLedger>();
  for (const row of rows) {
    const book = facilityBookOf(row);
    const principal = accounts.get(facilityAccount.principal(book));
    out.set(row.id, {
      principal: debitBalance(principal),
      interest: debitBalance(accounts.get(facilityAccount.interest(book))),
      fees: debitBalance(accounts.get(facilityAccount.fees(book))),
      deferredFee: -debitBalance(accounts.get(facilityAccount.deferredFee(book))),
      principalPending: principal?.debitsPending ?? 0n,
    });
  }
  return out;
}

export interface PoolLedger {
  /** Cash posted in, less posted out. */
  readonly cash: bigint;
  /** Cash reserved for disbursements not yet confirmed. */
  readonly cashReserved: bigint;
  readonly funding: bigint;
  readonly feeIncome: bigint;
  readonly interestIncome: bigint;
  readonly creditLosses: bigint;
}

/** The financier's pool accounts (debit-normal ones as debit balances, credit-normal as credit). */
export async function poolLedger(tx: ReadTransaction, book: FinancierBook = pool): Promise<PoolLedger> {
  const accounts = await tx.ledger.accountsByIds([
    financierAccount.cash(book),
    financierAccount.funding(book),
    financierAccount.feeIncome(book),
    financierAccount.interestIncome(book),
    financierAccount.creditLosses(book),
  ]);
  return {
    cash: debitBalance(accounts.get(financierAccount.cash(book))),
    cashReserved: accounts.get(financierAccount.cash(book))?.creditsPending ?? 0n,
    funding: -debitBalance(accounts.get(financierAccount.funding(book))),
    feeIncome: -debitBalance(accounts.get(financierAccount.feeIncome(book))),
    interestIncome: -debitBalance(accounts.get(financierAccount.interestIncome(book))),
    creditLosses: debitBalance(accounts.get(financierAccount.creditLosses(book))),
  };
}

/** Every ledger and currency's totals: debits and credits, posted and pending. */
export async function trialBalanceTotals(tx: ReadTransaction) {
  const totals = new Map<
    string,
    { debits: bigint; credits: bigint; debitsPending: bigint; creditsPending: bigint }
  >();
  for (const row of await tx.ledger.trialBalance(null)) {
    const key = `${row.ledger} ${row.currency}`;
    const t = totals.get(key) ?? { debits: 0n, credits: 0n, debitsPending: 0n, creditsPending: 0n };
    totals.set(key, {
      debits: t.debits + row.debitsPosted,
      credits: t.credits + row.creditsPosted,
      debitsPending: t.debitsPending + row.debitsPending,
      creditsPending: t.creditsPending + row.creditsPending,
    });
  }
  return totals;
}

/** Minor units as text for messages: bigints do not survive JSON.stringify. */
export function show(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? String(v) : v));
}
