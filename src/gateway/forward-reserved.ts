// The forward stage: sends a request whose credit is reserved to its upstream (with forward.ts's
// one failover). A request that ends here (the client left, no upstream answered) is released
// with its outcome before the error goes up; anything else that throws is the handler's to release.
import type { UpstreamConfig } from '../config';
import { ApiError } from '../errors';
import type { Exchange } from './exchange';
import type { Flight, GatewayDeps } from './flight';
import type { UpstreamHealth } from '../upstreams/health';
import { forward, rateLimitHeaders, UpstreamFailure, type AttemptTracker, type Forwarded } from './forward';
import { appendMember } from './json-splice';
import { planHeaders } from './plan-quota';
import { ENDPOINT_PATHS, type GenerationRequest } from './request';
import { settleFailure } from './settle';

/** The upstream's answer, with the headers the client gets whatever the answer is. */
export interface UpstreamAnswer {
  response: Response;
  upstream: UpstreamConfig;
  headers: Record<string, string>;
}

export async function forwardReserved(deps: GatewayDeps, flight: Flight, exchange: Exchange): Promise<UpstreamAnswer> {
  const { request: parsed } = flight;
  const upstreamBody = upstreamBodyOf(parsed);
  if (exchange.abort.signal.aborted) {
    await settleFailure(deps, flight, 499, 'client_aborted');
    throw clientClosed();
  }
  deps.disableIdleTimeout(exchange.request);
  let forwarded: Forwarded;
  try {
    const candidates = flight.deployment ? [flight.deployment] : configuredCandidates(deps, parsed.model);
    const tracker = flight.deployment ? null : trackerOf(deps.context.upstreamHealth);
    forwarded = await forward(candidates, ENDPOINT_PATHS[parsed.endpoint], upstreamBody, flight.requestId, exchange.abort.signal, tracker, (upstream) =>
      deps.context.metrics.recordUpstreamError(upstream.name),
    );
  } catch (error) {
    return await releaseUnforwarded(deps, flight, exchange, error);
  }
  flight.upstream = forwarded.upstream.name;
  // A plan key's limits are its plan's: the upstream's own x-ratelimit-* would speak of another.
  const passed = rateLimitHeaders(forwarded.response.headers, flight.quota === null);
  return { ...forwarded, headers: { 'x-request-id': flight.requestId, ...passed, ...planHeaders(flight) } };
}

/** The configured upstreams in the rotation for the model; a 503 (released by the caller) when every one is down. */
function configuredCandidates(deps: GatewayDeps, model: string): UpstreamConfig[] {
  const health = deps.context.upstreamHealth;
  const candidates = deps.upstreams.candidates(model, (name) => health.isAvailable(name));
  if (candidates.length > 0) return candidates;
  const failure = new UpstreamFailure(503, `Every upstream of the model "${model}" is down (failing its health probe or its circuit breaker open); try again shortly.`, null);
  failure.headers = { 'retry-after': String(deps.context.config.upstreamHealth.openSeconds) };
  throw failure;
}

function trackerOf(health: UpstreamHealth): AttemptTracker {
  return { attempt: (upstream) => health.noteAttempt(upstream.name), outcome: (upstream, ok) => health.noteOutcome(upstream.name, ok) };
}

/** No upstream answered (the client left, or none could be reached): release with that outcome, then throw. */
async function releaseUnforwarded(deps: GatewayDeps, flight: Flight, exchange: Exchange, error: unknown): Promise<never> {
  exchange.stopDeadline();
  if (exchange.timedOut) {
    // An upstream that accepted the request and never answered: the client waited, it did not leave.
    await settleFailure(deps, flight, 504, 'upstream_timeout');
    throw new ApiError(504, 'upstream_timeout', 'The upstream did not answer within the longest a request may take (server.stream_max_seconds).');
  }
  const status = error instanceof UpstreamFailure ? error.status : 499;
  flight.upstream = error instanceof UpstreamFailure ? (error.upstream?.name ?? null) : null;
  await settleFailure(deps, flight, status, status === 499 ? 'client_aborted' : error instanceof UpstreamFailure ? error.code : 'upstream_error');
  throw error instanceof UpstreamFailure ? error : clientClosed();
}

/**
 * The client's body as the upstream gets it: the client's own text, unless a stream does not ask
 * for the usage chunk, which is what it is charged by. Without stream_options (the SDKs' default)
 * that is one member added to the text; other stream_options are merged and the body serialised.
 */
export function upstreamBodyOf(parsed: GenerationRequest): string {
  const { body } = parsed;
  const text = parsed.text !== undefined && !repeatsBillingField(parsed.text) ? parsed.text : undefined;
  const added = parsed.maxTokensAdded;
  // The plan's max_tokens, for a request that set none (so the client's text has no such member).
  const withLimit = (json: string) => (added === null ? json : appendMember(json, 'max_tokens', String(added)));
  if (!parsed.stream || parsed.clientWantsUsage) return withLimit(text ?? JSON.stringify(body));
  if (text !== undefined && body.stream_options === undefined) return withLimit(appendMember(text, 'stream_options', USAGE_REQUESTED));
  return withLimit(JSON.stringify({ ...body, stream_options: { ...(body.stream_options as object | undefined), include_usage: true } }));
}

const USAGE_REQUESTED = '{"include_usage":true}';
/** The fields the reservation and the price are read from. */
const BILLING_FIELDS = ['"max_tokens"', '"max_completion_tokens"', '"n"', '"model"'];

/**
 * JSON.parse keeps the last of a repeated key; a server that kept the first would generate more
 * than was reserved, or another model than was priced. A text that holds one of these names twice
 * (anywhere: a cheap test, rarely true) is sent serialised from the parsed value instead.
 */
function repeatsBillingField(text: string): boolean {
  for (const field of BILLING_FIELDS) {
    const first = text.indexOf(field);
    if (first !== -1 && text.indexOf(field, first + field.length) !== -1) return true;
  }
  return false;
}

function clientClosed(): ApiError {
  return new ApiError(499, 'client_closed_request', 'The client closed the request.');
}
