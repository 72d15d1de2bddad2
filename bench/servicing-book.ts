/**
 * The book bench:servicing runs on (bench/servicing.ts): facilities seeded directly but honestly.
 * Each is an offer as `offersFor` makes it, disbursed as `confirmDisbursement` stores it, and taken
 * through its days of payouts (swept as the sweep sweeps them) and daily cycles by the product's
 * own servicing code — once per template, then copied to every facility of the template with its
 * own ids. Every facility's ledger accounts are opened, its disbursement reserved and posted, and
 * its history posted (one transfer per account pair and code) through the real ledger, so the
 * daily cycle's check of each facility against its accounts holds — and proves the seeding honest.
 */
import type { AppContext } from '../src/app/app-context.ts';
import { fundPool } from '../src/app/financing/origination.ts';
import {
  applyPayment,
  bookedOf,
  owedOf,
  type ServicedState,
  type StoredFacility,
  serviceDay,
  statusOf,
} from '../src/app/financing/serviced.ts';
import type { Settlement } from '../src/app/financing/sweep.ts';
import { defaultSweepSettings } from '../src/app/financing/sweep-settings.ts';
import { createAccounts, createTransfers } from '../src/app/ledger/ledger-writes.ts';
import type { FacilityEventRow, FacilityRow } from '../src/app/ports.ts';
import { toTaggedJson } from '../src/app/risk/tagged-json.ts';
import { transfersPerBatchMax } from '../src/domain/ledger/limits.ts';
import type { TransferInput } from '../src/domain/ledger/types.ts';
import { solveDailyRate } from '../src/domain/products/advance/advance.ts';
import { defaultServicingPolicy, disbursedAdvance } from '../src/domain/products/advance/servicing.ts';
import { servicedStates } from '../src/domain/products/lifecycle.ts';
import { dailyStream, type Offer, offersFor } from '../src/domain/products/offers.ts';
import {
  disbursementConfirmed,
  disbursementPending,
  type FacilityBook,
  facilityAccounts,
} from '../src/domain/products/postings.ts';
import { emptyTally, type FacilityTally, tallyPostings } from '../src/domain/products/tally.ts';
import { disbursedTermLoan } from '../src/domain/products/term-loan/servicing.ts';
import { type Amounts, settlementWaterfall } from '../src/domain/products/waterfall.ts';
import {
  calendarDate,
  formatCalendarDate,
  fromDayNumber,
  toDayNumber,
} from '../src/domain/time/calendar-date.ts';
import { mulberry32 as prng } from '../src/simulator/prng.ts';

/** The day measured: its payouts swept, then its daily cycle run. */
export const measuredDay = toDayNumber(calendarDate('2026-03-02'));
const financierId = 'fin_bench';
const currency = 'USD';
const templateFacilityId = 'fac_template';

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** A day's payout: around the merchant's daily sales, now and then nothing, rarely refunds over sales. */
function payout(dailySalesMinor: bigint, random: () => number): bigint {
  const roll = random();
  if (roll < 0.1) return 0n;
  if (roll < 0.12) return -dailySalesMinor / 5n;
  return (dailySalesMinor * BigInt(Math.round(500 + random() * 1_000))) / 1_000n;
}

// ---------------------------------------------------------------------------------------------
// Templates: an offer disbursed some days ago and serviced since, by the product's own code

export interface Template {
  readonly product: 'advance' | 'term_loan';
  readonly grade: string;
  readonly amountMinor: bigint;
  readonly feeMinor: bigint;
  readonly dailySalesMinor: bigint;
  /** The state at the end of the day before the measured one, for the placeholder facility. */
  readonly state: Disbursed;
  readonly tally: FacilityTally;
  readonly nearBreach: boolean;
  /** What the history posted, net per account pair and code, in the order first posted. */
  readonly history: readonly { debit: string; credit: string; code: string; amount: bigint }[];
}

type Disbursed = Extract<ServicedState, { product: 'advance' | 'term_loan' }>;

function disbursed(offer: Offer, book: FacilityBook, day: number): Disbursed {
  if (offer.product === 'advance')
    return {
      product: 'advance',
      state: disbursedAdvance(
        book,
        offer.merchantId,
        offer.terms,
        solveDailyRate(offer.terms.amountMinor, dailyStream(offer.offeredOn, offer.schedule)),
        day,
      ),
    };
  if (offer.product !== 'term_loan') throw new Error('only advances and term loans are disbursed');
  const loan = disbursedTermLoan(
    book,
    offer.merchantId,
    { ...offer.terms, amortization: 'level_payment' },
    day,
  );
  if (!loan.ok) throw new Error(`term loan: ${loan.code}`);
  return { product: 'term_loan', state: loan.value };
}

/** The offer taken through `age` days of payouts (swept as the sweep does) and daily cycles. */
function serviceTemplate(
  offer: Offer,
  disbursedDay: number,
  dailySalesMinor: bigint,
  seed: number,
): Template {
  const book: FacilityBook = { financierId, currency, facilityId: templateFacilityId };
  let state: Disbursed = disbursed(offer, book, disbursedDay);
  let tally: FacilityTally = { ...emptyTally, originatedMinor: offer.amountMinor };
  let nearBreach = false;
  const postings: TransferInput[] = [];
  const random = prng(seed);
  for (let day = disbursedDay + 1; day < measuredDay; day += 1) {
    const waterfall = settlementWaterfall({
      settlementNetMinor: payout(dailySalesMinor, random),
      dailyCapBps: defaultSweepSettings.dailyDeductionCapBps,
      settledEarlierTodayMinor: 0n,
      deductedEarlierTodayMinor: 0n,
      facilities: [owedOf(state, day)],
    });
    if (!waterfall.ok) throw new Error(`waterfall: ${waterfall.detail}`);
    const deduction = waterfall.value.deductions[0];
    if (deduction !== undefined && deduction.total > 0n) {
      const applied: Amounts = {
        fees: deduction.overdue.fees + deduction.due.fees + deduction.early.fees,
        interest: deduction.overdue.interest + deduction.due.interest + deduction.early.interest,
        principal: deduction.overdue.principal + deduction.due.principal + deduction.early.principal,
      };
      const dayText = String(fromDayNumber(day));
      const step = applyPayment(state, day, dayText, `swp_${day}`, applied);
      postings.push(...step.postings);
      tally = tallyPostings(tally, step.postings);
      state = step.next as Disbursed;
    }
    const step = serviceDay(state, day, formatCalendarDate(fromDayNumber(day)), defaultServicingPolicy);
    nearBreach = step.events.some((e) => e.type === 'minimum_payment_near_breach');
    postings.push(...step.postings);
    state = step.next as Disbursed;
    tally = tallyPostings(tally, step.postings);
    tally = { ...tally, principalDaysMinor: tally.principalDaysMinor + bookedOf(state).principal };
  }
  const net = new Map<string, { debit: string; credit: string; code: string; amount: bigint }>();
  for (const p of postings) {
    const key = `${p.debitAccountId} ${p.creditAccountId} ${p.code}`;
    const entry = net.get(key);
    if (entry === undefined)
      net.set(key, {
        debit: p.debitAccountId as string,
        credit: p.creditAccountId as string,
        code: p.code as string,
        amount: p.amount as bigint,
      });
    else entry.amount += p.amount as bigint;
  }
  return {
    product: state.product as Template['product'],
    grade: offer.grade,
    amountMinor: offer.amountMinor,
    feeMinor: offer.totalRepayableMinor - offer.amountMinor,
    dailySalesMinor,
    state,
    tally,
    nearBreach,
    history: [...net.values()],
  };
}

export interface Templates {
  readonly advances: readonly Template[];
  readonly termLoans: readonly Template[];
}

/** Offers for a range of merchants (grades, limits, sales) disbursed at ages up to `historyDaysMax` days. */
export function buildTemplates(historyDaysMax: number): Templates {
  const advances: Template[] = [];
  const termLoans: Template[] = [];
  const grades = [
    { grade: 'A', annualRateBps: 1_200 },
    { grade: 'B', annualRateBps: 1_800 },
    { grade: 'C', annualRateBps: 2_400 },
    { grade: 'D', annualRateBps: 3_000 },
  ];
  const weekly = [12n, 10n, 10n, 10n, 11n, 8n, 6n];
  let seed = 1;
  for (const [g, { grade, annualRateBps }] of grades.entries())
    for (const limitMinor of [1_500_000n, 4_000_000n, 9_000_000n]) {
      // A month's sales is about the limit.
      const dailySalesMinor = limitMinor / 30n;
      for (const ageStep of [1, 2, 3, 4]) {
        const age = Math.max(1, Math.round((historyDaysMax * (ageStep * 4 + g - 3)) / 16));
        const disbursedDay = measuredDay - 1 - age;
        const offers = offersFor({
          decisionId: `dec_bench_${seed}`,
          merchantId: 'mer_template',
          currency,
          grade,
          limitMinor,
          annualRateBps,
          day: disbursedDay,
          forecastDailySalesMinor: Array.from(
            { length: 540 },
            (_, d) => (dailySalesMinor * weekly[d % 7]!) / 10n,
          ),
        });
        for (const offer of offers) {
          if (offer.product === 'credit_line') continue;
          seed += 1;
          const template = serviceTemplate(offer, disbursedDay, dailySalesMinor, seed);
          // A facility repaid or written off in its history is no longer serviced: not part of the book.
          if (!servicedStates.has(template.state.state.status)) continue;
          (template.product === 'advance' ? advances : termLoans).push(template);
        }
      }
    }
  return { advances, termLoans };
}

// ---------------------------------------------------------------------------------------------
// Seeding the book

export interface Plan {
  readonly merchantId: string;
  readonly advance: Template;
  readonly seed: number;
}

async function mustAllApply(results: Promise<readonly { id: string; result: string }[]>, what: string) {
  const bad = (await results).find((r) => r.result !== 'ok');
  if (bad !== undefined) throw new Error(`${what}: ${bad.id} ${bad.result}`);
}

function facilityOf(
  template: Template,
  merchantId: string,
  facilityId: string,
  nowMs: bigint,
): { row: FacilityRow; book: FacilityBook; transfers: TransferInput[] } {
  const book: FacilityBook = { financierId, currency, facilityId };
  const stored: StoredFacility = {
    phase: 'serviced',
    product: template.product,
    servicing: { ...template.state.state, book, merchantId },
    tally: template.tally,
    servicedThroughDay: measuredDay - 1,
    nearBreach: template.nearBreach,
    grade: template.grade,
  };
  const account = (id: string) =>
    id.startsWith(`fac:${templateFacilityId}:`)
      ? `fac:${facilityId}:${id.slice(templateFacilityId.length + 5)}`
      : id;
  return {
    book,
    row: {
      id: facilityId,
      merchantId,
      financierId,
      offerId: null,
      product: template.product,
      currency,
      status: statusOf(template.state),
      openedOn: template.state.state.disbursedDay,
      stateJson: toTaggedJson(stored),
      version: 2n,
      updatedAtMs: nowMs,
    },
    transfers: template.history.map((h, index) => ({
      id: `${facilityId}:hist:${index}`,
      debitAccountId: account(h.debit),
      creditAccountId: account(h.credit),
      amount: h.amount,
      currency,
      code: h.code,
      flags: 0,
    })),
  };
}

/** Opens the accounts, posts the disbursements and the histories, and inserts the rows: one chunk a transaction. */
export async function seedBook(
  app: AppContext,
  templates: Templates,
  book: { readonly facilities: number; readonly termLoanShare: number },
): Promise<Plan[]> {
  const facilityCount = book.facilities;
  const termLoans = Math.round(facilityCount * book.termLoanShare);
  const advances = facilityCount - termLoans;
  const plans: { merchantId: string; template: Template; seed: number }[] = [];
  const merchants: Plan[] = [];
  for (let i = 0; i < advances; i += 1) {
    const plan = {
      merchantId: `mer_${String(i).padStart(7, '0')}`,
      advance: templates.advances[i % templates.advances.length] as Template,
      seed: 1_000 + i,
    };
    merchants.push(plan);
    plans.push({ merchantId: plan.merchantId, template: plan.advance, seed: plan.seed });
  }
  for (let j = 0; j < termLoans; j += 1)
    plans.push({
      merchantId: (merchants[Math.floor((j * advances) / termLoans)] as Plan).merchantId,
      template: templates.termLoans[j % templates.termLoans.length] as Template,
      seed: 0,
    });
  const principal = plans.reduce((sum, p) => sum + p.template.amountMinor, 0n);
  await app.store.write(async (tx) => {
    const funded = await fundPool(tx, app, {
      financierId,
      currency,
      amountMinor: principal,
      reference: 'bench',
    });
    if (!funded.ok) throw new Error(`fund pool: ${funded.code}`);
  });
  const nowMs = app.clock.nowNs() / 1_000_000n;
  const perChunk = Math.floor(transfersPerBatchMax / 4);
  for (const [index, part] of chunk(plans, perChunk).entries()) {
    const facilities = part.map((p) => ({
      ...facilityOf(p.template, p.merchantId, app.entropy.id('fac'), nowMs),
      template: p.template,
    }));
    await app.store.write(async (tx) => {
      await mustAllApply(
        createAccounts(
          tx,
          app,
          facilities.flatMap((f) => facilityAccounts(f.book)),
        ),
        'facility accounts',
      );
      const fee = (t: Template) => (t.product === 'advance' ? t.feeMinor : 0n);
      for (const postings of [
        facilities.flatMap((f) => disbursementPending(f.book, f.template.amountMinor, fee(f.template))),
        facilities.flatMap((f) => disbursementConfirmed(f.book)),
        ...chunk(
          facilities.flatMap((f) => f.transfers),
          transfersPerBatchMax,
        ),
      ])
        await mustAllApply(createTransfers(tx, app, postings), 'seeding transfers');
      await tx.financing.insertFacilities(facilities.map((f) => f.row));
      const events: FacilityEventRow[] = facilities.flatMap(({ row, template }) => [
        {
          facilityId: row.id,
          sequence: 1,
          day: row.openedOn,
          type: 'accepted',
          detailJson: '{}',
          atMs: nowMs,
        },
        {
          facilityId: row.id,
          sequence: 2,
          day: row.openedOn,
          type: 'disbursed',
          detailJson: toTaggedJson({ amountMinor: template.amountMinor }),
          atMs: nowMs,
        },
      ]);
      await tx.financing.appendFacilityEvents(events);
    });
    if (index % 10 === 9) process.stderr.write(`  seeded ${(index + 1) * perChunk} facilities\n`);
  }
  return merchants;
}

// ---------------------------------------------------------------------------------------------
// The measured operations

export function settlementsOf(merchants: readonly Plan[]): Settlement[] {
  const settlements = merchants.map((m, i) => {
    // Each merchant's payout from its own seed: the same every run.
    const random = prng(m.seed);
    return {
      settlementKey: `bench stl_${measuredDay}_${i}`,
      merchantId: m.merchantId,
      day: measuredDay,
      currency,
      netMinor: payout(m.advance.dailySalesMinor, random),
    };
  });
  // In the order payouts arrive: merchants interleaved, not one after another.
  const random = prng(7);
  for (let i = settlements.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [settlements[i], settlements[j]] = [settlements[j] as Settlement, settlements[i] as Settlement];
  }
  return settlements;
}
