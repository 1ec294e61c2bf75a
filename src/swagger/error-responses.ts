// Adds to every operation of the OpenAPI document the error statuses it can answer, each with
// the one error schema, so that generated clients and API fuzzers know them. Decided here, from
// what an operation is (its security, parameters, body, route family), not route by route.
import { ERROR_SCHEMA_NAME } from './error-schema';

const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid request: a field, parameter or JSON body fails validation (invalid_request, invalid_json), or a webhook signature does not verify (invalid_signature).',
  401: 'Missing or wrong credentials (invalid_admin_token, admin_disabled; invalid_api_key, key_revoked, key_expired).',
  402: "Not enough credit for the largest possible cost of the request, or for a deployment's first hour (insufficient_credits); the model's deployment is paused, its wallet having run out (deployment_paused).",
  403: 'The key may not do this: its account is suspended or closed, the model is not allowed, or a plan-billed key\'s account has no (configured) plan (account_suspended, account_closed, model_not_allowed, no_plan, plan_not_configured).',
  404: 'No such resource, model or coupon code (not_found, model_not_found, coupon_not_found).',
  409: 'A conflict: an idempotency key already used for a different request (idempotency_conflict), an account that is closed or a refund already decided (conflict), a coupon code that exists already (coupon_exists), a coupon this account has redeemed already (coupon_already_redeemed), auto-refill without a saved card (payment_method_required), a refund already asked for or nothing left to refund (refund_already_open, nothing_to_refund), an open dispute (dispute_open), or a live deployment of the model for the account already (conflict).',
  410: 'The coupon code can no longer be redeemed by anyone: every redemption is taken, it expired, or an admin disabled it (coupon_used_up, coupon_expired, coupon_disabled).',
  413: 'The request body is larger than the server allows (body_too_large).',
  415: 'The request body is not JSON (unsupported_media_type).',
  429: "Too many requests: a plan limit is reached (rate_limit_exceeded for requests or tokens per minute and concurrency, quota_exceeded for a day or month), an upstream's own rate limit, passed through (rate_limit_exceeded), or a client address blocked for a while after repeated failed authentications (too_many_auth_failures); see Retry-After.",
  500: 'Internal error (internal_error).',
  502: 'The upstream inference server, or Stripe, failed or answered an error (upstream_error, stripe_error).',
  503: 'No upstream, the database or the quota store is reachable, or Stripe is not configured (upstream_unavailable, service_unavailable, quota_unavailable, stripe_not_configured).',
};

/** Statuses that a route family answers beyond what its security, parameters and body imply. */
const FAMILY_STATUSES: readonly { path: RegExp; method: string | null; statuses: readonly number[] }[] = [
  // Generation: reserve credit (402), pick a model (404), a plan's limit or an upstream's own
  // passed through (429), forward to an upstream or check a quota (502, 503).
  { path: /^\/v1\//, method: 'post', statuses: [402, 404, 429, 502, 503] },
  { path: /^\/admin\/accounts\/\{[^}]+\}\/credits$/, method: 'post', statuses: [409] },
  // A closed account is final: suspending, unsuspending or giving it a key is a conflict.
  { path: /^\/admin\/accounts\/\{[^}]+\}\/(?:suspend|unsuspend|keys)$/, method: 'post', statuses: [409] },
  { path: /^\/readyz$/, method: null, statuses: [503] },
  // Coupons: a code that exists already (409); redeeming an unknown code (404), one this account
  // redeemed (409), or one that is used up, expired or disabled (410).
  { path: /^\/admin\/coupons$/, method: 'post', statuses: [409] },
  { path: /^\/console\/coupons\/redeem$/, method: 'post', statuses: [404, 409, 410] },
  // Reading quota counters needs the quota store (Redis), which may be down.
  { path: /^\/console\/quota$/, method: 'get', statuses: [503] },
  // Stripe: a checkout calls it (502) and needs its key (503); a webhook needs its secret (503).
  { path: /^\/console\/(?:subscribe|checkout)$/, method: 'post', statuses: [502, 503] },
  { path: /^\/webhooks\/stripe$/, method: 'post', statuses: [503] },
  // Auto-refill needs a saved card and no open dispute (409) and Stripe (503); saving a card
  // makes a Checkout page (502, 503).
  { path: /^\/console\/auto-refill$/, method: 'put', statuses: [409, 503] },
  { path: /^\/console\/auto-refill\/card$/, method: 'post', statuses: [502, 503] },
  // Refunds: one open request, something to refund, no open dispute, a decision made once (409);
  // approval calls Stripe after the debit, and needs it configured (503).
  { path: /^\/console\/refunds$/, method: 'post', statuses: [409] },
  { path: /^\/admin\/refunds\/\{[^}]+\}\/(?:approve|reject)$/, method: 'post', statuses: [409, 503] },
  // Starting a deployment charges its first hour (402), for an account that exists (404), is
  // active and has no live deployment of the model (409).
  { path: /^\/admin\/deployments$/, method: 'post', statuses: [402, 404, 409] },
];

interface Operation {
  parameters?: unknown[];
  requestBody?: unknown;
  security?: Record<string, unknown>[];
  responses?: Record<string, unknown>;
}

export function errorStatuses(path: string, method: string, operation: Operation): number[] {
  const statuses = new Set<number>([500]);
  const schemes = new Set((operation.security ?? []).flatMap((requirement) => Object.keys(requirement)));
  if (schemes.has('adminBearer')) statuses.add(401);
  // 429: an address that keeps presenting bad keys is blocked for a while (src/abuse).
  if (schemes.has('apiKeyBearer')) [401, 403, 429].forEach((status) => statuses.add(status));
  if ((operation.parameters?.length ?? 0) > 0) statuses.add(400);
  if (path.includes('{')) statuses.add(404);
  if (operation.requestBody) [400, 413, 415].forEach((status) => statuses.add(status));
  for (const family of FAMILY_STATUSES) {
    if (family.path.test(path) && (family.method === null || family.method === method)) family.statuses.forEach((status) => statuses.add(status));
  }
  return [...statuses].sort((a, b) => a - b);
}

/** A copy of `document` whose operations list their error responses; a status already documented is kept. */
export function withErrorResponses<T extends { paths?: Record<string, Record<string, Operation>> }>(document: T): T {
  const paths: Record<string, Record<string, Operation>> = {};
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    paths[path] = {};
    for (const [method, operation] of Object.entries(operations)) {
      const responses: Record<string, unknown> = { ...operation.responses };
      for (const status of errorStatuses(path, method, operation)) responses[String(status)] ??= errorResponse(status);
      paths[path][method] = { ...operation, responses };
    }
  }
  return { ...document, paths };
}

function errorResponse(status: number) {
  return {
    description: STATUS_DESCRIPTIONS[status] ?? 'Error.',
    content: { 'application/json': { schema: { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` } } },
  };
}
