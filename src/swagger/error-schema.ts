// The one error body every failure answers with (src/errors.ts), as a schema for the OpenAPI
// document. The maps below are keyed by the error unions, so the compiler refuses a code added
// to src/errors.ts and forgotten here: the documented enum cannot fall behind the real one.
import { t } from 'elysia';
import type { ErrorCode, ErrorType } from '../errors';

const ERROR_TYPES: Record<ErrorType, true> = {
  invalid_request_error: true,
  authentication_error: true,
  permission_error: true,
  not_found_error: true,
  insufficient_quota: true,
  rate_limit_error: true,
  api_error: true,
};

const ERROR_CODES: Record<ErrorCode, true> = {
  invalid_request: true,
  invalid_json: true,
  invalid_api_key: true,
  invalid_admin_token: true,
  admin_disabled: true,
  key_revoked: true,
  key_expired: true,
  account_suspended: true,
  account_closed: true,
  model_not_allowed: true,
  model_not_found: true,
  not_found: true,
  method_not_allowed: true,
  body_too_large: true,
  unsupported_media_type: true,
  insufficient_credits: true,
  idempotency_conflict: true,
  hold_not_pending: true,
  conflict: true,
  rate_limit_exceeded: true,
  no_plan: true,
  plan_not_configured: true,
  quota_exceeded: true,
  quota_unavailable: true,
  too_many_auth_failures: true,
  body_too_deep: true,
  balance_limit_exceeded: true,
  invalid_signature: true,
  stripe_not_configured: true,
  stripe_error: true,
  coupon_not_found: true,
  coupon_exists: true,
  coupon_already_redeemed: true,
  coupon_used_up: true,
  coupon_expired: true,
  coupon_disabled: true,
  payment_method_required: true,
  refund_already_open: true,
  nothing_to_refund: true,
  dispute_open: true,
  deployment_paused: true,
  link_expired: true,
  request_headers_too_large: true,
  upstream_error: true,
  client_closed_request: true,
  upstream_unavailable: true,
  service_unavailable: true,
  internal_error: true,
  spend_cap_reached: true,
  upstream_timeout: true,
  storage_full: true,
};

const oneOf = (values: Record<string, true>) => t.Union(Object.keys(values).map((value) => t.Literal(value)));

export const ERROR_SCHEMA_NAME = 'Error';

export const errorBodySchema = t.Object(
  {
    error: t.Object(
      {
        message: t.String({ description: 'For people; may change between versions.' }),
        type: oneOf(ERROR_TYPES),
        param: t.Union([t.String(), t.Null()], { description: 'The request field at fault, if any.' }),
        code: oneOf(ERROR_CODES),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false, description: "OpenAI's error shape; `code` is the stable, machine-readable part." },
);

/** The schema as plain JSON Schema, as it appears under components.schemas in the document. */
export function errorSchemaJson(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(errorBodySchema)) as Record<string, unknown>;
}
