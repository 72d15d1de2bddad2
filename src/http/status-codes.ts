/**
 * The one table from result codes to HTTP statuses. A code that is not here cannot be answered:
 * problem() takes only these keys, so adding a code means deciding its status here.
 */
export const statusByCode = {
  // Request shape
  parameter_invalid: 400,
  parameter_missing: 400,
  parameter_unknown: 400,
  request_body_invalid_json: 400,
  request_body_too_large: 413,
  // The HTTP message itself, refused before it is a request (answered on the connection, then closed)
  request_malformed: 400,
  request_timeout: 408,
  request_headers_too_large: 431,
  expectation_failed: 417,
  unsupported_media_type: 415,
  starting_after_not_found: 400,
  // Authentication and authorisation
  api_key_missing: 401,
  api_key_invalid: 401,
  role_not_allowed: 403,
  // Idempotency
  idempotency_key_reused: 409,
  idempotency_key_invalid: 400,
  idempotency_request_in_progress: 409,
  // Routing
  route_not_found: 404,
  // Webhooks
  webhook_endpoint_not_found: 404,
  webhook_endpoint_disabled: 409,
  webhook_url_invalid: 400,
  webhook_event_type_unknown: 400,
  // API keys
  api_key_not_found: 404,
  api_key_last_operator: 409,
  object_id_required: 400,
  object_id_not_allowed: 400,
  object_id_invalid: 400,
  // Ledger accounts (creation answers a result code per account, TigerBeetle-style)
  account_not_found: 404,
  transfer_not_found: 404,
  id_must_match_pattern: 400,
  ledger_must_match_pattern: 400,
  code_must_match_pattern: 400,
  currency_must_be_valid: 400,
  flags_are_unknown: 400,
  flags_are_mutually_exclusive: 400,
  metadata_invalid: 400,
  exists_with_different_ledger: 409,
  exists_with_different_currency: 409,
  exists_with_different_code: 409,
  exists_with_different_flags: 409,
  exists_with_different_metadata: 409,
  // Events in
  batch_too_large: 413,
  quarantine_entry_not_found: 404,
  quarantine_entry_not_open: 409,
  replay_failed: 422,
  merchant_not_found: 404,
  // Risk
  consent_invalid: 400,
  consent_not_found: 404,
  decision_not_found: 404,
  model_not_found: 404,
  model_is_champion: 409,
  model_without_reference: 409,
  // A stored model artifact that fails checkModelArtifact: promote or train another model.
  model_malformed: 409,
  model_format_unknown: 409,
  no_recent_decisions: 404,
  settings_invalid: 400,
  // Tools: no rate solves the APR equation; Appendix J (b)(4) picks a unit-period without a name here
  apr_not_found: 422,
  unit_period_unsupported: 422,
  // Financing: origination (src/app/financing/origination.ts) and the settlement sweep
  amount_invalid: 400,
  decision_not_approved: 409,
  decision_not_current: 409,
  offer_not_found: 404,
  offer_expired: 409,
  offer_not_open: 409,
  offer_disclosure_changed: 409,
  product_not_available: 422,
  consent_missing: 409,
  // The consent a decision's offers were worked out under lapsed, and only narrower ones are active.
  consent_lapsed: 409,
  merchant_flagged: 409,
  facility_in_arrears: 409,
  funding_unavailable: 409,
  facility_not_found: 404,
  facility_not_disbursing: 409,
  settlement_invalid: 400,
  settlement_reused: 409,
  platform_required: 400,
  platform_invalid: 400,
  // Direct repayments (src/app/financing/repayments.ts)
  facility_not_serviced: 409,
  reference_invalid: 400,
  repayment_reference_reused: 409,
  repayment_exceeds_balance: 422,
  // Credit-line draws (src/app/financing/credit-lines.ts)
  not_a_credit_line: 409,
  draws_suspended: 409,
  draw_reference_reused: 409,
  credit_line_limit_exceeded: 422,
  draw_not_found: 404,
  draw_not_pending: 409,
  // Collections pauses (src/app/financing/collections.ts) and refills
  pause_invalid: 400,
  collections_already_paused: 409,
  facility_held_for_refill: 409,
  collections_pause_limit_reached: 409,
  collections_not_paused: 409,
  refill_amount_too_small: 422,
  refill_not_available: 409,
  exposure_limit_reached: 409,
  funding_reference_reused: 409,
  // The ledger refused a use case's postings: the whole write rolled back.
  ledger_rejected: 409,
  // Anything else
  internal_error: 500,
  service_unavailable: 503,
  // The store could not write now (another writer held it; the write lost every retry): retry.
  database_busy: 503,
  // The database could not be reached, or the connection was lost mid-request (PostgreSQL): retry.
  database_unavailable: 503,
  database_full: 507,
} as const;

export type ProblemCode = keyof typeof statusByCode;

export function isProblemCode(code: string): code is ProblemCode {
  return Object.hasOwn(statusByCode, code);
}

/** Short human titles for the status classes (RFC 9457 `title` is per problem type). */
export const titleByStatus: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  417: 'Expectation Failed',
  431: 'Request Header Fields Too Large',
  422: 'Unprocessable Content',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  507: 'Insufficient Storage',
};
