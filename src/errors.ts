// Domain errors. Services throw them; `toErrorResponse` (used by the one onError hook in
// app.ts) turns every error into OpenAI's JSON shape {error:{message,type,param,code}}.

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'invalid_api_key'
  | 'invalid_admin_token'
  | 'admin_disabled'
  | 'key_revoked'
  | 'key_expired'
  | 'account_suspended'
  | 'account_closed'
  | 'model_not_allowed'
  | 'model_not_found'
  | 'no_plan'
  | 'plan_not_configured'
  | 'quota_exceeded'
  | 'quota_unavailable'
  | 'not_found'
  | 'method_not_allowed'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'insufficient_credits'
  | 'idempotency_conflict'
  | 'hold_not_pending'
  | 'conflict'
  | 'upstream_error'
  | 'rate_limit_exceeded'
  | 'too_many_auth_failures'
  | 'client_closed_request'
  | 'upstream_unavailable'
  | 'service_unavailable'
  | 'internal_error'
  | 'body_too_deep'
  | 'balance_limit_exceeded'
  | 'invalid_signature'
  | 'stripe_not_configured'
  | 'stripe_error'
  | 'coupon_not_found'
  | 'coupon_exists'
  | 'coupon_already_redeemed'
  | 'coupon_used_up'
  | 'coupon_expired'
  | 'coupon_disabled'
  | 'payment_method_required'
  | 'refund_already_open'
  | 'nothing_to_refund'
  | 'dispute_open'
  | 'deployment_paused'
  | 'link_expired'
  | 'spend_cap_reached'
  | 'request_headers_too_large'
  | 'upstream_timeout'
  | 'storage_full';

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'insufficient_quota'
  | 'rate_limit_error'
  | 'api_error';

export class ApiError extends Error {
  /** Response headers that belong with this error (a 429's Retry-After and x-ratelimit-*). */
  headers: Record<string, string> = {};

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly param: string | null = null,
    readonly type: ErrorType = defaultType(status),
  ) {
    super(message);
  }
}

export const badRequest = (message: string, param: string | null = null) =>
  new ApiError(400, 'invalid_request', message, param);
export const notFound = (what: string, param: string | null = null) =>
  new ApiError(404, 'not_found', `${what} not found`, param);

function defaultType(status: number): ErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 402) return 'insufficient_quota';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: ErrorCode };
}

export function errorBody(error: ApiError): ErrorBody {
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}

export function errorResponse(error: ApiError, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(errorBody(error)), {
    status: error.status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}
