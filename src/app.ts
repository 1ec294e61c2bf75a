// Assembles the HTTP application. Every error, from any route or from Elysia itself (unknown
// route, malformed JSON, failed validation), becomes OpenAI's error JSON here and only here.
import { Elysia } from 'elysia';
import { accountRoutes } from './admin/account-routes';
import { couponRoutes } from './admin/coupon-routes';
import { adminDeploymentRoutes } from './admin/deployment-routes';
import { consoleDeploymentRoutes } from './console/deployment-routes';
import { adminCreditRoutes } from './admin/credit-routes';
import { keyRoutes } from './admin/key-routes';
import { consolePackRoutes } from './console/pack-routes';
import { consoleCouponRoutes } from './console/coupon-routes';
import { consoleExportRoutes } from './console/export-routes';
import { consolePageRoutes } from './console/page/routes';
import { adminRefundRoutes } from './admin/refund-routes';
import { consoleAlertRoutes } from './console/alert-routes';
import { consoleAutoRefillRoutes } from './console/auto-refill-routes';
import { consoleRefundRoutes } from './console/refund-routes';
import { consoleRoutes } from './console/routes';
import { consoleSubscriptionRoutes } from './console/subscription-routes';
import { consoleUsageRoutes } from './console/usage-routes';
import { adminAuditRoutes } from './admin/audit-routes';
import type { AppContext } from './context';
import { ApiError, errorBody } from './errors';
import { bodyTooLarge, readJsonBody } from './http/body';
import { headerLimitError } from './http/header-limits';
import { SANE_REQUEST_ID } from './http/request-id';
import type { RequestsInFlight } from './shutdown';
import { describeFailedCheck, paramOfPath, type FailedCheck } from './http/validation';
import { gatewayRoutes } from './gateway/routes';
import { healthRoutes } from './health/routes';
import { stripeWebhookRoutes } from './payments/routes';
import { swaggerRoutes } from './swagger/routes';
import { log } from './logs/logger';
import { metricsRoutes } from './metrics/routes';
import { mediaFileRoutes, mediaRoutes } from './media/routes';
import { readUploadBody } from './media/upload-body';
import { adminTeamRoutes } from './teams/admin-routes';
import { consoleTeamRoutes } from './teams/console-routes';
import { databaseUnavailableError, logDatabaseUnavailable } from './db/unavailable';

/** `requests` counts the handlers running, for the graceful shutdown (src/shutdown.ts). */
export function buildApp(context: AppContext, requests?: RequestsInFlight) {
  const maxBodyBytes = context.config.server.maxBodyBytes;
  // normalize: false makes unknown fields an error instead of silently dropping them.
  return new Elysia({ normalize: false })
    // First of all hooks, so that every request is counted, and once its response is out, uncounted.
    .onRequest(() => requests?.start())
    .onAfterResponse(() => requests?.end())
    // Each request's metrics and log line (src/metrics/requests.ts), by its route's pattern.
    .onRequest(({ request }) => context.observer.start(request))
    .onAfterResponse(({ request, route, set, responseValue }) => context.observer.responded(request, route, statusOf(set.status, responseValue)))
    .onRequest(({ request }) => {
      // Refuse an oversize body before reading a byte of it.
      if (Number(request.headers.get('content-length') ?? 0) > maxBodyBytes) throw bodyTooLarge(maxBodyBytes);
    })
    .onRequest(({ request }) => {
      const refused = headerLimitError(request.headers, context.config.server);
      if (refused) throw refused;
    })
    // Every body goes through our reader: the size limit holds for any content type, chunked or not.
    .onParse(({ request, contentType }) => readUploadBody(request, contentType, maxBodyBytes) ?? readJsonBody(request, contentType, maxBodyBytes))
    .onError(({ code, error, set, request }) => {
      const apiError = toApiError(code, error);
      set.status = apiError.status;
      set.headers['content-type'] = 'application/json';
      Object.assign(set.headers, apiError.headers);
      const requestId = request.headers.get('x-request-id');
      if (requestId && SANE_REQUEST_ID.test(requestId)) set.headers['x-request-id'] = requestId;
      // The rest of an oversize body is still on its way; close rather than read it to the end.
      if (apiError.status === 413) set.headers.connection = 'close';
      if (apiError.status >= 500 && apiError.code === 'internal_error') log.error('[inferport] unhandled error', error);
      context.metrics.recordRefusal(apiError.code);
      return errorBody(apiError);
    })
    .use(swaggerRoutes())
    .use(consolePageRoutes())
    .use(healthRoutes(context))
    .use(accountRoutes(context))
    .use(keyRoutes(context))
    .use(adminCreditRoutes(context))
    .use(couponRoutes(context))
    .use(consoleRoutes(context))
    .use(consoleSubscriptionRoutes(context))
    .use(consolePackRoutes(context))
    .use(consoleCouponRoutes(context))
    .use(consoleExportRoutes(context))
    .use(consoleUsageRoutes(context))
    .use(adminRefundRoutes(context))
    .use(consoleAutoRefillRoutes(context))
    .use(consoleRefundRoutes(context))
    .use(consoleAlertRoutes(context))
    .use(adminDeploymentRoutes(context))
    .use(consoleDeploymentRoutes(context))
    .use(stripeWebhookRoutes(context))
    .use(adminTeamRoutes(context))
    .use(consoleTeamRoutes(context))
    .use(gatewayRoutes(context))
    .use(metricsRoutes(context))
    .use(mediaRoutes(context))
    .use(mediaFileRoutes(context))
    .use(adminAuditRoutes(context));
}

/** The status a response went out with: a returned Response's own, else what the handler (or onError) set. */
function statusOf(status: unknown, value: unknown): number {
  if (value instanceof Response) return value.status;
  return typeof status === 'number' ? status : 200;
}

export type App = ReturnType<typeof buildApp>;

function toApiError(code: string | number, error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  // Elysia wraps whatever a parse hook throws in a ParseError; ours (413, bad JSON) is the cause.
  if (error instanceof Error && error.cause instanceof ApiError) return error.cause;
  if (code === 'NOT_FOUND') return new ApiError(404, 'not_found', 'Unknown route.');
  if (code === 'PARSE') return new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  if (code === 'VALIDATION') return validationError(error);
  const unavailable = databaseUnavailableError(error);
  if (unavailable) {
    logDatabaseUnavailable(error);
    return unavailable;
  }
  if (typeof code === 'number' && code >= 400 && code < 500) {
    return new ApiError(code, 'invalid_request', error instanceof Error ? error.message : String(error));
  }
  return new ApiError(500, 'internal_error', 'Internal error.');
}

function validationError(error: unknown): ApiError {
  const detail = (error as { valueError?: Partial<FailedCheck>; type?: string }) ?? {};
  const where = detail.type ?? 'body';
  const failed = detail.valueError;
  if (!failed?.schema) return new ApiError(400, 'invalid_request', `The request ${where} is invalid.`);
  const check: FailedCheck = { type: failed.type, path: failed.path ?? '', schema: failed.schema, value: failed.value };
  return new ApiError(400, 'invalid_request', describeFailedCheck(where, check), paramOfPath(check.path));
}
