/**
 * The shapes financing answers in (views-financing.ts and the routes' own views), as JSON Schema
 * for the OpenAPI document. Answers are written as JSON text by the routes, so these describe them
 * and do not shape them; the test client checks every answer in the HTTP tests against the
 * document (test/support/http.ts), so a view and its schema cannot drift apart unnoticed.
 */
import { type TSchema, Type } from 'typebox';
import { offerWithdrawalReasons } from '../app/ports.ts';
import { instalmentStatuses } from '../domain/products/term-loan/schedule-view.ts';
import { listSchema } from './plumbing.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** Integer minor units as a string (`"-1250"`); negative only where a field says so. */
const Amount = (description?: string) =>
  Type.String({ pattern: '^-?(0|[1-9][0-9]*)$', ...(description === undefined ? {} : { description }) });
const DateText = Type.String({ pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$', description: 'YYYY-MM-DD' });
const Timestamp = Type.String({ description: 'RFC 3339 date-time, UTC' });
const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code' });
const Rate = Nullable(
  Type.String({ description: 'a fraction, six decimals; null when there is nothing to divide by' }),
);
const Counts = Type.Record(Type.String(), Type.Integer());
const Components = Type.Object({
  fees: Amount(),
  interest: Amount(),
  principal: Amount(),
  total: Amount(),
});
const Product = Type.Union([Type.Literal('advance'), Type.Literal('term_loan'), Type.Literal('credit_line')]);
const FacilityStatus = Type.String({
  description:
    'offered, accepted, disbursing, active, delinquent, defaulted, written_off, paid_off or cancelled',
});

export const FundingPoolSchema = Type.Object({
  object: Type.Literal('funding_pool'),
  financier_id: Type.String(),
  currency: Currency,
  available: Amount('cash in the pool not lent nor reserved'),
});

const offerProperties = {
  object: Type.Literal('offer'),
  id: Type.String(),
  merchant_id: Type.String(),
  decision_id: Type.String(),
  product: Product,
  currency: Currency,
  amount: Amount(),
  status: Type.Union([
    Type.Literal('open'),
    Type.Literal('accepted'),
    Type.Literal('withdrawn'),
    Type.Literal('expired'),
  ]),
  offered_on: DateText,
  expires_on: DateText,
  apr: Type.String({ description: 'percent, two decimals (Regulation Z Appendix J)' }),
  apr_unit_period: Type.String(),
  total_cost: Amount(),
  total_repayable: Amount(),
  terms: Type.Record(Type.String(), Type.Unknown(), { description: "the product's terms, snake_case" }),
  schedule: Type.Array(Type.Object({ date: DateText, amount: Amount() }), {
    description: 'the forecast or scheduled payments the APR is computed from',
  }),
  facility_id: Nullable(Type.String()),
  servicing_terms: Nullable(
    Type.Object(
      {
        late_fee: Amount(
          'charged after the grace, once per oldest payment missed (per its due date): payments missed behind it add none',
        ),
        late_fee_grace_days: Type.Integer({ description: "days after a missed payment's due date" }),
        default_after_days: Type.Integer({ description: 'days past due at which it is defaulted' }),
        write_off_after_days: Type.Integer({ description: 'days past due at which it is written off' }),
        credit_line: Nullable(
          Type.Object(
            {
              sweep_rate_bps: Type.Integer({
                description: 'share of each payout repaying the line while drawn',
              }),
              statement_days: Type.Integer(),
              minimum_principal_share_bps: Type.Integer({
                description: "a statement's minimum: the interest owed and this share of the principal",
              }),
              payment_due_days: Type.Integer({ description: 'days from a statement to its due date' }),
            },
            { description: "a credit line's; null for other products" },
          ),
        ),
        prepayment: Nullable(
          Type.Object(
            {
              unpaid_finance_charge_owed_bps: Type.Integer({
                description:
                  'of the finance charge not yet paid, the share paying off early still owes beyond interest accrued to the payoff day: 10000 for an advance (its fee is fixed: all of it, however early), 0 for a term loan or a credit line (interest accrued to the payoff day only)',
              }),
              finance_charge_owed_max: Amount(
                'the most of the finance charge an early payoff can owe beyond interest accrued to its day: an advance’s whole fee; 0',
              ),
              prepayment_fee: Amount('a fee for paying early, beyond the finance charge: none (0)'),
            },
            {
              description:
                'what paying off early (or a refill paying it off) costs; null on offers made before offers disclosed it',
            },
          ),
        ),
      },
      {
        description:
          'how the facility is serviced beyond its terms; null on offers made before offers disclosed it',
      },
    ),
  ),
  refill_of: Nullable(
    Type.Object(
      {
        facility_id: Type.String({ description: 'the advance the new one pays off first' }),
        payoff: Amount(
          'what pays it off, as of the offer: payoff_principal, payoff_fee and payoff_late_fees together',
        ),
        payoff_principal: Nullable(Amount()),
        payoff_fee: Nullable(
          Amount('its own fee not yet repaid: paid from the new advance, whose fee is charged on it too'),
        ),
        payoff_late_fees: Nullable(Amount()),
        unearned_fee: Nullable(
          Amount(
            'of its fee (fixed: paying off now still owes it all), the part not yet earned — what is paid for the time it will no longer run, repaid already or not',
          ),
        ),
      },
      { description: 'the parts are null on offers made before refills were itemised' },
    ),
  ),
  summary: Type.String({
    description:
      'The offer in plain words, for the merchant: what it lends, how it is repaid, what it costs and its APR, for how long, what paying early costs and the late fee — of what accepting it today records while it is open (`acceptance_disclosure`), else of the offer as made; each figure one the disclosure shows',
  }),
  acceptance_disclosure: Nullable(
    Type.Object(
      {
        accepted_on: DateText,
        apr: Type.String({
          description: 'percent, two decimals (Regulation Z Appendix J), of this schedule',
        }),
        apr_unit_period: Type.String(),
        total_cost: Amount(),
        total_repayable: Amount(),
        schedule: Type.Array(Type.Object({ date: DateText, amount: Amount() })),
      },
      {
        description:
          "What accepting the offer today (UTC) discloses and records, as the acceptance's `disclosure` will show it: a term loan's instalments monthly from today, an advance's or a credit line's forecast from tomorrow, each with the APR of those dates, which may differ from `apr` as made; null unless the offer is open today (and in webhooks)",
      },
    ),
  ),
};

export const OfferSchema = Type.Object(offerProperties);

export const OfferWithHistorySchema = Type.Object({
  ...offerProperties,
  history: Type.Array(
    Type.Object({
      sequence: Type.Integer(),
      type: Type.Union([
        Type.Literal('created'),
        Type.Literal('accepted'),
        Type.Literal('withdrawn'),
        Type.Literal('expired'),
      ]),
      reason: Nullable(
        Type.Union(
          offerWithdrawalReasons.map((reason) => Type.Literal(reason)),
          {
            description:
              "why a `withdrawn` event withdrew the offer: another size of the same product from its decision was accepted (alternative_accepted), a later decision's offers replaced it (decision_replaced), the merchant was flagged for fraud (merchant_flagged) or fell behind on a facility (facility_in_arrears), the consent its decision relied on was revoked (consent_revoked) or had expired (consent_expired); null for any other event, and for withdrawals recorded before reasons were",
          },
        ),
      ),
      recorded_at: Timestamp,
    }),
  ),
});

export const OffersMadeSchema = Type.Object({ object: Type.Literal('list'), data: Type.Array(OfferSchema) });
export const OfferListSchema = listSchema(OfferSchema);

const Payout = Nullable(
  Type.Object(
    {
      amount: Amount(),
      pays_off: Nullable(Type.Object({ facility_id: Type.String(), amount: Amount() })),
      to_merchant: Amount(),
    },
    {
      description:
        "While the facility awaits its payout: the amount lent, what a refill pays off of the advance it replaces (held at that since the acceptance: that advance's collections are paused until the payout is confirmed or voided), and what to pay the merchant; null otherwise",
    },
  ),
);

export const FacilitySummarySchema = Type.Object({
  object: Type.Literal('facility'),
  id: Type.String(),
  merchant_id: Type.String(),
  offer_id: Nullable(Type.String()),
  status: FacilityStatus,
  product: Product,
  currency: Currency,
  financier_id: Type.String(),
  opened_on: DateText,
  payout: Payout,
});

export const AcceptanceSchema = Type.Object({
  object: Type.Literal('acceptance'),
  offer: OfferSchema,
  acceptance: Type.Record(Type.String(), Type.Unknown(), {
    description:
      "What the acceptance recorded, as the facility's `accepted` event shows it: `accepted_on`, `consent_id` and the `disclosure` shown — the contract as of the acceptance (a term loan accepted after its offer day has its instalments and APR from that day, an advance or a credit line its forecast from the day after it with the APR of those dates), which may differ from `offer` as made; its APR is that of the schedule it records",
  }),
  facility: FacilitySummarySchema,
});

export const RepaymentSchema = Type.Object({
  object: Type.Literal('repayment'),
  facility_id: Type.String(),
  reference: Type.String(),
  currency: Currency,
  applied: Components,
  outstanding: Amount(),
  status: FacilityStatus,
  recovered: Amount('of it, recovered on a written-off facility'),
  replayed: Type.Boolean(),
});

export const SettlementSplitSchema = Type.Object({
  object: Type.Literal('settlement_split'),
  settlement_id: Type.String(),
  merchant_id: Type.String(),
  currency: Currency,
  net: Amount('may be negative'),
  date: DateText,
  available: Amount('what the payout could give within the day’s cap'),
  deducted: Amount(),
  merchant_net: Amount('may be negative'),
  deductions: Type.Array(
    Type.Object({
      facility_id: Type.String(),
      financier_id: Type.String(),
      fees: Amount(),
      interest: Amount(),
      principal: Amount(),
      total: Amount(),
      fx: Type.Optional(
        Type.Object(
          {
            currency: Currency,
            fees: Amount(),
            interest: Amount(),
            principal: Amount(),
            total: Amount(),
            rate: Type.String({ description: 'as quoted: `EUR/USD 1.0842`' }),
            source: Type.String(),
            as_of: Type.String(),
          },
          { description: "a facility in another currency: what the deduction repaid in the facility's" },
        ),
      ),
    }),
  ),
  financiers: Type.Array(Type.Object({ financier_id: Type.String(), total: Amount() })),
  unconverted: Type.Array(Type.Object({ facility_id: Type.String(), currency: Currency })),
  replayed: Type.Boolean(),
});

export const DrawSchema = Type.Object({
  object: Type.Literal('draw'),
  id: Type.String(),
  facility_id: Type.String(),
  reference: Type.String(),
  amount: Amount(),
  currency: Currency,
  status: Type.Union([Type.Literal('pending'), Type.Literal('posted'), Type.Literal('voided')]),
  available: Amount('what may still be drawn'),
  replayed: Type.Boolean(),
});

export const CollectionsSchema = Type.Object({
  object: Type.Literal('collections'),
  facility_id: Type.String(),
  status: FacilityStatus,
  paused_today: Type.Boolean(),
  pause: Nullable(Type.Object({ from: DateText, until: Nullable(DateText), reason: Type.String() })),
});

const Figures = Type.Object({
  facilities: Type.Integer(),
  originated: Amount(),
  outstanding_principal: Amount(),
  outstanding_total: Amount(),
  collected: Amount(),
  refinanced: Amount(),
  recovered: Amount(),
  fee_income: Amount(),
  interest_income: Amount(),
  annualised_yield: Rate,
  par30: Rate,
  default_rate_by_count: Rate,
  default_rate_by_amount: Rate,
  loss_rate: Rate,
  by_status: Counts,
});

export const PortfolioSummarySchema = Type.Object({
  object: Type.Literal('portfolio_summary'),
  financier_id: Nullable(Type.String()),
  currencies: Type.Array(
    Type.Object({
      currency: Currency,
      total: Figures,
      by_product: Type.Record(Type.String(), Figures),
      by_grade: Type.Record(Type.String(), Figures),
      by_delinquency_bucket: Type.Record(
        Type.String(),
        Type.Object({ facilities: Type.Integer(), outstanding_principal: Amount() }),
      ),
      unserviced_by_status: Counts,
    }),
  ),
});

export const FacilityEventSchema = Type.Object({
  sequence: Type.Integer(),
  date: DateText,
  type: Type.String(),
  description: Type.String({ description: 'the event in plain words' }),
  detail: Type.Record(Type.String(), Type.Unknown()),
  recorded_at: Timestamp,
});

const Schedule = Nullable(
  Type.Union([
    Type.Object({
      kind: Type.Literal('forecast'),
      payments: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    }),
    Type.Object({
      kind: Type.Literal('instalments'),
      instalments: Type.Array(
        Type.Object({
          number: Type.Integer(),
          due_on: DateText,
          scheduled_on: DateText,
          payment: Amount(),
          interest: Amount(),
          principal: Amount(),
          balance_after: Amount(),
          paid_interest: Amount(),
          paid_principal: Amount(),
          status: Type.Union(instalmentStatuses.map((status) => Type.Literal(status))),
        }),
      ),
    }),
    Type.Object({
      kind: Type.Literal('statements'),
      statements: Type.Array(
        Type.Object({ issued_on: DateText, due_on: DateText, minimum: Amount(), paid: Amount() }),
      ),
    }),
  ]),
);

/** A facility as GET /v1/facilities/{id} reports it, but its page of history. */
export const facilityReportProperties = {
  object: Type.Literal('facility'),
  id: Type.String(),
  merchant_id: Type.String(),
  financier_id: Type.String(),
  offer_id: Nullable(Type.String()),
  product: Product,
  currency: Currency,
  status: FacilityStatus,
  opened_on: DateText,
  grade: Nullable(Type.String()),
  serviced_through: Nullable(DateText),
  payout: Payout,
  terms: Nullable(Type.Record(Type.String(), Type.Unknown())),
  balances: Nullable(
    Type.Object({
      fees: Amount(),
      interest: Amount(),
      principal: Amount(),
      total: Amount(),
      deferred_fee: Amount(),
      available_credit: Nullable(Amount()),
      payoff: Nullable(Amount('what paying it off today would take')),
    }),
  ),
  days_past_due: Nullable(Type.Integer()),
  delinquency_bucket: Nullable(Type.String()),
  totals: Nullable(Type.Record(Type.String(), Type.Unknown())),
  schedule: Schedule,
};

export const FacilityReportSchema = Type.Object({
  ...facilityReportProperties,
  history: listSchema(FacilityEventSchema),
});

export const StatementLineSchema = Type.Object({
  date: DateText,
  facility_id: Type.String(),
  sequence: Nullable(Type.Integer()),
  type: Type.String(),
  description: Type.String(),
  amount: Amount('positive: a charge; negative: a credit'),
  balance: Amount(),
});

const Balances = {
  opening_balance: Amount(),
  charges: Amount(),
  credits: Amount(),
  closing_balance: Amount(),
};

export const MerchantStatementSchema = Type.Object({
  object: Type.Literal('merchant_statement'),
  merchant_id: Type.String(),
  from: DateText,
  to: DateText,
  totals: Type.Array(Type.Object({ currency: Currency, ...Balances })),
  facilities: Type.Array(
    Type.Object({
      facility_id: Type.String(),
      product: Product,
      currency: Currency,
      financier_id: Type.String(),
      status: FacilityStatus,
      ...Balances,
      lines: Type.Array(StatementLineSchema),
    }),
  ),
  settlements: Type.Array(
    Type.Object({
      settlement_key: Type.String(),
      date: DateText,
      currency: Currency,
      net: Amount(),
      deducted: Amount(),
      deductions: Type.Array(Type.Object({ facility_id: Type.String(), amount: Amount() })),
    }),
  ),
});
