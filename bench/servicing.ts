/**
 * `npm run bench:servicing`: servicing a book of BENCH_FACILITIES (100,000) active facilities — most
 * of them advances, BENCH_TERM_LOAN_SHARE (15%) term loans, each term loan beside an advance of the
 * same merchant — on SQLite, and on PostgreSQL when DATABASE_URL is set:
 *
 * - **sweep**: every merchant's settlement.paid payout of the day, in write transactions of
 *   BENCH_SWEEP_BATCH (2,000) settlements — an ingest batch — with real payouts, so holdbacks and
 *   instalments are deducted, posted to the ledger and written to the facilities: by one
 *   `sweepSettlements` call a transaction (`sweep`), and, alternating with it until
 *   BENCH_ONE_CALL_EACH (20,000) are done, by one `sweepSettlement` call a settlement as ingestion
 *   calls it today (`sweep_one_call_each`). Settlements per second.
 * - **eod**: the daily cycle (`runEndOfDay`) for that day over the whole book, pages of
 *   BENCH_EOD_PAGE_SIZE (the product's default): fee recognised, interest booked, minimums checked,
 *   every facility's balances asserted against its ledger accounts. Seconds.
 *
 * The book is seeded directly, not through offers and acceptance, but honestly: every facility's
 * ledger accounts are opened and its disbursement reserved and posted through the real ledger, and
 * its state is what `confirmDisbursement` stores, then taken through up to BENCH_HISTORY_DAYS_MAX
 * (120) days of payouts and daily cycles by the product's own servicing code — computed once per
 * template (some 240 offers of four grades, three sizes and four ages), posted as one transfer per
 * account pair and code — so a state carries the repayment history of its age (3.6 KB on average). The daily cycle's own check of every facility
 * against its ledger accounts is what proves the seeding honest. (The history's facility events
 * and sweep records are not seeded: they would only deepen two indexes.)
 *
 * The machine's baseline, measured in the same run on a copy of the facility rows: bare SQL doing
 * what each operation must at least do — for the daily cycle, one page read, one UPDATE of the
 * facility's JSON row and one INSERT of an event per facility, in transactions of a page; for the
 * sweep, the merchant's facilities read, each UPDATEd, an event and a sweep record INSERTed, in
 * transactions of a batch (no ledger: see bench:ledger for that). Progress goes to stderr; the
 * last line of output is the JSON report.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { AppContext } from '../src/app/app-context.ts';
import { eodPageSizeDefault, runEndOfDay } from '../src/app/financing/eod.ts';
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
import {
  dailyDeductionCapBpsDefault,
  type Settlement,
  sweepSettlement,
  sweepSettlements,
} from '../src/app/financing/sweep.ts';
import { createAccounts, createTransfers } from '../src/app/ledger/ledger-writes.ts';
import type { FacilityEventRow, FacilityRow, Store } from '../src/app/ports.ts';
import { toTaggedJson } from '../src/app/risk/tagged-json.ts';
import { transfersPerBatchMax } from '../src/domain/ledger/limits.ts';
import type { TransferInput } from '../src/domain/ledger/types.ts';
import { solveDailyRate } from '../src/domain/products/advance/advance.ts';
import { defaultServicingPolicy, disbursedAdvance } from '../src/domain/products/advance/servicing.ts';
import { servicedStates } from '../src/domain/products/lifecycle.ts';
import { type Offer, offersFor } from '../src/domain/products/offers.ts';
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
import { cryptoEntropy, sha256Hex } from '../src/main/system.ts';
import { int8ArrayLiteral, textArrayLiteral } from '../src/storage/postgres/array-literal.ts';
import { PostgresStore } from '../src/storage/postgres/postgres-store.ts';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';

const facilityCount = Number(process.env['BENCH_FACILITIES'] ?? 100_000);
const termLoanShare = Number(process.env['BENCH_TERM_LOAN_SHARE'] ?? 0.15);
const historyDaysMax = Number(process.env['BENCH_HISTORY_DAYS_MAX'] ?? 120);
const sweepBatch = Number(process.env['BENCH_SWEEP_BATCH'] ?? 2_000);
/** Of the day's settlements, at most this many are swept one call each (on PostgreSQL that is slow). */
const oneCallEachMax = Number(process.env['BENCH_ONE_CALL_EACH'] ?? 20_000);
const eodPageSize = Number(process.env['BENCH_EOD_PAGE_SIZE'] ?? eodPageSizeDefault);
const targets = { sweepSettlementsPerSecond: 20_000, eodSeconds: 30 };

/** The day measured: its payouts swept, then its daily cycle run. */
export const measuredDay = toDayNumber(calendarDate('2026-03-02'));
const dayNs = 86_400_000_000_000n;
const financierId = 'fin_bench';
const currency = 'USD';
const templateFacilityId = 'fac_template';

/** A small seeded PRNG (mulberry32), so every run seeds the same book and the same payouts. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function chunk<T>(items: readonly T[], size: number): T[][] {
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

interface Template {
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
        solveDailyRate(
          offer.terms.amountMinor,
          offer.schedule.map((p) => p.amountMinor),
        ),
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
      dailyCapBps: dailyDeductionCapBpsDefault,
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

/** Offers for a range of merchants (grades, limits, sales) disbursed at a range of ages. */
export function buildTemplates(): { advances: Template[]; termLoans: Template[] } {
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
  templates: ReturnType<typeof buildTemplates>,
): Promise<Plan[]> {
  const termLoans = Math.round(facilityCount * termLoanShare);
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

/**
 * The day's payouts in transactions of `sweepBatch`, alternately swept one `sweepSettlement` call
 * each (as ingestion calls it) and by one `sweepSettlements` call per transaction — the two paths
 * measured under the same conditions, on the same book — until `oneCallEachMax` have been swept
 * one call each; the rest by `sweepSettlements`.
 */
export async function sweepAll(app: AppContext, settlements: readonly Settlement[]) {
  const paths = {
    batch: { settlements: 0, deductions: 0, seconds: 0 },
    perCall: { settlements: 0, deductions: 0, seconds: 0 },
  };
  for (const [index, batch] of chunk(settlements, sweepBatch).entries()) {
    const path = index % 2 === 1 && paths.perCall.settlements < oneCallEachMax ? paths.perCall : paths.batch;
    const started = performance.now();
    const results = await app.store.write(async (tx) => {
      if (path === paths.batch) return sweepSettlements(tx, app, batch);
      const each = [];
      for (const settlement of batch) each.push(await sweepSettlement(tx, app, settlement));
      return each;
    });
    path.seconds += (performance.now() - started) / 1000;
    path.settlements += batch.length;
    for (const swept of results) {
      if (!swept.ok || swept.value.replayed) throw new Error('a settlement was not swept');
      path.deductions += swept.value.waterfall.deductions.filter((d) => d.total > 0n).length;
    }
  }
  return paths;
}

export async function endOfDay(app: AppContext) {
  const started = performance.now();
  const run = await runEndOfDay(app, measuredDay, { pageSize: eodPageSize });
  const seconds = (performance.now() - started) / 1000;
  if (!run.ok) throw new Error(`eod: ${run.code}`);
  const [day] = run.value;
  if (run.value.length !== 1 || day === undefined || day.facilities !== facilityCount)
    throw new Error(`eod took ${day?.facilities} facilities through the day, not ${facilityCount}`);
  return { seconds, postings: day.postings, events: day.events };
}

// ---------------------------------------------------------------------------------------------
// Baselines: bare SQL on a copy of the facility rows

interface BaselineResult {
  readonly eodSeconds: number;
  readonly sweepSettlementsPerSecond: number;
}

const baselineTables = [
  'create table bench_facilities (id text primary key, merchant_id text not null, state text not null, version bigint not null)',
  'create index bench_facilities_by_merchant on bench_facilities (merchant_id, id)',
  'create table bench_events (facility_id text not null, sequence integer not null, day integer not null, type text not null, detail text not null, at_ms bigint not null, primary key (facility_id, sequence))',
  'create table bench_sweeps (settlement_key text primary key, merchant_id text not null, day integer not null, split text not null)',
  'insert into bench_facilities select id, merchant_id, state, version from facilities',
];

function sqliteBaseline(db: BetterSqlite3.Database, settlements: readonly Settlement[]): BaselineResult {
  for (const statement of baselineTables) db.exec(statement);
  const page = db.prepare<[string, number], { id: string; state: string; version: bigint }>(
    'select id, state, version from bench_facilities where id > ? order by id limit ?',
  );
  const byMerchant = db.prepare<[string], { id: string; state: string; version: bigint }>(
    'select id, state, version from bench_facilities where merchant_id = ? order by id',
  );
  const update = db.prepare(
    'update bench_facilities set state = ?, version = ? where id = ? and version = ?',
  );
  const insertEvent = db.prepare('insert into bench_events values (?, ?, ?, ?, ?, ?)');
  const insertSweep = db.prepare('insert into bench_sweeps values (?, ?, ?, ?)');
  let started = performance.now();
  for (const batch of chunk(settlements, sweepBatch)) {
    db.exec('begin immediate');
    for (const s of batch) {
      for (const row of byMerchant.all(s.merchantId)) {
        update.run(row.state, row.version + 1n, row.id, row.version);
        insertEvent.run(row.id, 1, s.day, 'swept', '{}', 0);
      }
      insertSweep.run(s.settlementKey, s.merchantId, s.day, '{}');
    }
    db.exec('commit');
  }
  const sweepSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  for (let after = ''; ; ) {
    db.exec('begin immediate');
    const rows = page.all(after, eodPageSize);
    for (const row of rows) {
      update.run(row.state, row.version + 1n, row.id, row.version);
      insertEvent.run(row.id, 2, measuredDay, 'serviced', '{}', 0);
    }
    db.exec('commit');
    if (rows.length < eodPageSize) break;
    after = (rows.at(-1) as { id: string }).id;
  }
  const eodSeconds = (performance.now() - started) / 1000;
  return {
    eodSeconds: Number(eodSeconds.toFixed(3)),
    sweepSettlementsPerSecond: Math.round(settlements.length / sweepSeconds),
  };
}

async function postgresBaseline(pool: pg.Pool, settlements: readonly Settlement[]): Promise<BaselineResult> {
  const client = await pool.connect();
  try {
    for (const statement of baselineTables) await client.query(statement);
    await client.query('analyze bench_facilities');
    type Row = { id: string; merchant_id: string; state: string; version: bigint };
    const write = async (rows: readonly Row[], sequence: number, day: number) => {
      await client.query(
        `update bench_facilities as f set state = u.state, version = u.version + 1
         from unnest($1::text[], $2::text[], $3::int8[]) as u(id, state, version) where f.id = u.id and f.version = u.version`,
        [
          textArrayLiteral(rows.map((r) => r.id)),
          textArrayLiteral(rows.map((r) => r.state)),
          int8ArrayLiteral(rows.map((r) => r.version)),
        ],
      );
      await client.query(
        `insert into bench_events select id, ${sequence}, ${day}, 'serviced', '{}', 0 from unnest($1::text[]) as u(id)`,
        [textArrayLiteral(rows.map((r) => r.id))],
      );
    };
    let started = performance.now();
    for (const batch of chunk(settlements, sweepBatch)) {
      await client.query('begin');
      const rows = await client.query<Row>(
        'select id, merchant_id, state, version from bench_facilities where merchant_id = any($1::text[]) order by id',
        [textArrayLiteral(batch.map((s) => s.merchantId))],
      );
      await write(rows.rows, 1, measuredDay);
      await client.query(
        `insert into bench_sweeps select k, m, ${measuredDay}, '{}' from unnest($1::text[], $2::text[]) as u(k, m)`,
        [
          textArrayLiteral(batch.map((s) => s.settlementKey)),
          textArrayLiteral(batch.map((s) => s.merchantId)),
        ],
      );
      await client.query('commit');
    }
    const sweepSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    for (let after = ''; ; ) {
      await client.query('begin');
      const rows = await client.query<Row>(
        'select id, merchant_id, state, version from bench_facilities where id > $1 order by id limit $2',
        [after, eodPageSize],
      );
      await write(rows.rows, 2, measuredDay);
      await client.query('commit');
      if (rows.rows.length < eodPageSize) break;
      after = (rows.rows.at(-1) as Row).id;
    }
    const eodSeconds = (performance.now() - started) / 1000;
    return {
      eodSeconds: Number(eodSeconds.toFixed(3)),
      sweepSettlementsPerSecond: Math.round(settlements.length / sweepSeconds),
    };
  } finally {
    client.release();
  }
}

// ---------------------------------------------------------------------------------------------
// Backends and the run

interface Backend {
  readonly name: 'sqlite' | 'postgresql';
  open(): Promise<{
    store: Store;
    /** After the bulk load, what a database is given after one. */
    loaded(): Promise<void>;
    baseline(settlements: readonly Settlement[]): Promise<BaselineResult>;
    dispose(): Promise<void>;
  }>;
}

const sqlite: Backend = {
  name: 'sqlite',
  async open() {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-bench-'));
    const store = new SqliteStore({ path: join(dir, 'servicing.sqlite') });
    await store.migrate();
    return {
      store,
      loaded: async () => {},
      baseline: async (settlements) => sqliteBaseline(store.rawConnection, settlements),
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

function postgres(adminUrl: string): Backend {
  return {
    name: 'postgresql',
    async open() {
      const name = `capstan_bench_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      await admin.query(`create database ${name}`);
      await admin.end();
      const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
      const store = new PostgresStore({ connectionString: url });
      await store.migrate();
      return {
        store,
        // Statistics, as PostgreSQL's documentation advises after a bulk load (a running system's
        // autovacuum analyzes within a minute): without them the planner scanned whole tables.
        loaded: async () => void (await store.pool.query('analyze')),
        baseline: (settlements) => postgresBaseline(store.pool, settlements),
        async dispose() {
          await store.close();
          const cleanup = new pg.Client({ connectionString: adminUrl });
          await cleanup.connect();
          await cleanup.query(`drop database if exists ${name} with (force)`);
          await cleanup.end();
        },
      };
    },
  };
}

async function measure(backend: Backend, templates: ReturnType<typeof buildTemplates>) {
  const { store, loaded, baseline, dispose } = await backend.open();
  try {
    // The clock stands at the end of the measured day: its payouts have come, its cycle may run.
    const now = BigInt(measuredDay + 1) * dayNs - 1n;
    const app: AppContext = { store, clock: { nowNs: () => now }, entropy: cryptoEntropy, sha256: sha256Hex };
    let started = performance.now();
    process.stderr.write(`${backend.name}: seeding ${facilityCount} facilities…\n`);
    const merchants = await seedBook(app, templates);
    await loaded();
    process.stderr.write(
      `${backend.name}: seeded in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    const settlements = settlementsOf(merchants);
    process.stderr.write(
      `${backend.name} sweep: ${settlements.length} settlements in batches of ${sweepBatch}… `,
    );
    const sweep = await sweepAll(app, settlements);
    const perSecond = (path: { settlements: number; seconds: number }) =>
      Math.round(path.settlements / path.seconds);
    process.stderr.write(
      `${perSecond(sweep.batch)}/s in batch, ${perSecond(sweep.perCall)}/s one call each (${sweep.batch.deductions + sweep.perCall.deductions} deductions)\n`,
    );
    process.stderr.write(`${backend.name} eod: ${facilityCount} facilities in pages of ${eodPageSize}… `);
    const eod = await endOfDay(app);
    process.stderr.write(`${eod.seconds.toFixed(2)} s (${eod.postings} postings, ${eod.events} events)\n`);
    started = performance.now();
    const bare = await baseline(settlements);
    process.stderr.write(
      `${backend.name} bare SQL: sweep ${bare.sweepSettlementsPerSecond}/s, eod ${bare.eodSeconds} s (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
    );
    const results = [
      ...(
        [
          ['sweep', sweep.batch],
          ['sweep_one_call_each', sweep.perCall],
        ] as const
      ).map(([operation, path]) => ({
        backend: backend.name,
        operation,
        settlementsPerSecond: perSecond(path),
        settlements: path.settlements,
        deductions: path.deductions,
        settlementsPerTransaction: sweepBatch,
        seconds: Number(path.seconds.toFixed(3)),
        ...(backend.name === 'sqlite' ? { target: targets.sweepSettlementsPerSecond } : {}),
      })),
      {
        backend: backend.name,
        operation: 'eod',
        facilities: facilityCount,
        seconds: Number(eod.seconds.toFixed(3)),
        pageSize: eodPageSize,
        postings: eod.postings,
        events: eod.events,
        ...(backend.name === 'sqlite' ? { target: targets.eodSeconds } : {}),
      },
    ];
    return { results, baseline: bare };
  } finally {
    await dispose();
  }
}

async function main(): Promise<void> {
  const backends: Backend[] = [sqlite];
  const databaseUrl = process.env['DATABASE_URL'];
  if (databaseUrl) backends.push(postgres(databaseUrl));
  else process.stderr.write('DATABASE_URL is not set: PostgreSQL is not measured\n');
  const templates = buildTemplates();
  process.stderr.write(
    `templates: ${templates.advances.length} advances, ${templates.termLoans.length} term loans, up to ${historyDaysMax} days old\n`,
  );
  const results: unknown[] = [];
  const baseline: Record<string, BaselineResult> = {};
  for (const backend of backends) {
    const measured = await measure(backend, templates);
    results.push(...measured.results);
    baseline[backend.name] = measured.baseline;
  }
  const machine = {
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
  process.stdout.write(`${JSON.stringify({ benchmark: 'servicing', results, baseline, machine })}\n`);
}

// Run as a script; imported (to profile one part on a kept database), only the parts are used.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
