// One OpenAI generation request, end to end: authenticate, validate, reserve credit, forward
// (with one failover before any byte), relay, then charge for the real usage or release.
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import type { AuthenticatedKey } from '../keys/auth';
import type { Reservation } from '../ledger/meter';
import { SANE_REQUEST_ID } from '../http/request-id';
import { newId } from '../shared/ids';
import { checkModel, refusePlanBilling } from './access';
import { forward, rateLimitHeaders, UpstreamFailure, type Forwarded } from './forward';
import { priceFor } from './pricing';
import { ENDPOINT_PATHS, parseGenerationRequest, reservationMicros, type Endpoint, type GenerationRequest } from './request';
import { releaseUnsettled, settleFailure, settleSuccess } from './settle';
import { SseRelay, type StreamEnd, type StreamTally } from './sse';
import { settleStreamAs } from './stream-end';
import { readErrorText, upstreamErrorResponse } from './upstream-errors';
import { estimateFromJson, usageForClient, usageOfAnswer } from './usage';
import type { UpstreamPool } from './upstreams';

export interface GatewayDeps {
  context: AppContext;
  upstreams: UpstreamPool;
  /** Lifts Bun's idle timeout for this request: generation can be silent for minutes. */
  disableIdleTimeout: (request: Request) => void;
}

const KEEP_ALIVE_MS = 10_000;

/** Per-request state shared by the settle paths. */
export interface Flight {
  id: string;
  requestId: string;
  key: AuthenticatedKey;
  request: GenerationRequest;
  holdId: string | null;
  reservation: Reservation | null;
  startedAt: number;
  startedAtMs: number;
  upstream: string | null;
  /** The reservation was handed to the meter, settled or released (settle.ts sets it, once). */
  settled: boolean;
}

/** `body` is what the app's parse hook read (size-limited JSON; see http/body.ts). */
export async function handleGeneration(deps: GatewayDeps, endpoint: Endpoint, request: Request, body: unknown, key: AuthenticatedKey): Promise<Response> {
  const { context } = deps;
  const startedAt = performance.now();
  refusePlanBilling(key);
  const bodyBytes = Number(request.headers.get('content-length') ?? 0) || Buffer.byteLength(JSON.stringify(body ?? null));
  const price = priceFor(context.config, (body as { model?: string } | undefined)?.model ?? '');
  const parsed = parseGenerationRequest(endpoint, body, bodyBytes, price);
  checkModel(deps.upstreams, key, parsed.model);

  const clientRequestId = request.headers.get('x-request-id');
  const flight: Flight = {
    id: newId('req'),
    requestId: clientRequestId && SANE_REQUEST_ID.test(clientRequestId) ? clientRequestId : '',
    key,
    request: parsed,
    holdId: null,
    reservation: null,
    startedAt,
    startedAtMs: context.now(),
    upstream: null,
    settled: false,
  };
  flight.requestId ||= flight.id;

  // Listen for the client leaving from here on: a client that gave up while its request waited
  // for credit must not be forwarded, nor charged.
  const abort = new AbortController();
  const onClientAbort = () => abort.abort();
  request.signal.addEventListener('abort', onClientAbort, { once: true });

  if (key.billing === 'credits') {
    flight.reservation = await context.meter.reserve(key.accountId, reservationMicros(parsed, price), newId('hold'));
    flight.holdId = flight.reservation.holdId;
  }

  // From here on a reservation exists: whatever throws at any stage, the request ends in one
  // settlement or release (settle.ts), never with its credit locked.
  const deadline = setTimeout(() => abort.abort(), context.config.server.streamMaxSeconds * 1000);
  try {
    return await serveReserved(deps, flight, { request, abort, deadline, onClientAbort });
  } catch (error) {
    clearTimeout(deadline);
    request.signal.removeEventListener('abort', onClientAbort);
    await releaseUnsettled(deps, flight, error);
    throw error;
  }
}

/** What ties a flight to its client: the request, the abort that stops the upstream, the stream deadline. */
interface Exchange {
  request: Request;
  abort: AbortController;
  deadline: ReturnType<typeof setTimeout>;
  onClientAbort: () => void;
}

/** Forwards and answers a request whose credit is reserved. Every exception is the caller's to release. */
async function serveReserved(deps: GatewayDeps, flight: Flight, exchange: Exchange): Promise<Response> {
  const { request, abort, deadline, onClientAbort } = exchange;
  const { request: parsed, startedAt } = flight;
  const upstreamBody = parsed.stream
    ? JSON.stringify({ ...parsed.body, stream_options: { ...(parsed.body.stream_options as object | undefined), include_usage: true } })
    : JSON.stringify(parsed.body);
  if (abort.signal.aborted) {
    await settleFailure(deps, flight, 499, 'client_aborted');
    throw new ApiError(499, 'client_closed_request', 'The client closed the request.');
  }
  deps.disableIdleTimeout(request);

  let forwarded: Forwarded;
  try {
    forwarded = await forward(deps.upstreams.candidates(parsed.model), ENDPOINT_PATHS[parsed.endpoint], upstreamBody, flight.requestId, abort.signal);
  } catch (error) {
    clearTimeout(deadline);
    const status = error instanceof UpstreamFailure ? error.status : 499;
    flight.upstream = error instanceof UpstreamFailure ? (error.upstream?.name ?? null) : null;
    await settleFailure(deps, flight, status, status === 499 ? 'client_aborted' : error instanceof UpstreamFailure ? error.code : 'upstream_error');
    throw error instanceof UpstreamFailure ? error : new ApiError(499, 'client_closed_request', 'The client closed the request.');
  }
  flight.upstream = forwarded.upstream.name;
  const { response } = forwarded;
  const headers = { 'x-request-id': flight.requestId, ...rateLimitHeaders(response.headers) };

  if (!response.ok) {
    clearTimeout(deadline);
    const text = await readErrorText(response);
    await settleFailure(deps, flight, response.status, 'upstream_rejected');
    return upstreamErrorResponse(response.status, text, headers);
  }

  if (!parsed.stream) {
    let json: Record<string, unknown>;
    try {
      json = await readJsonObject(response);
    } catch {
      await settleFailure(deps, flight, 502, abort.signal.aborted ? 'client_aborted' : 'upstream_broken');
      throw new UpstreamFailure(502, `The upstream "${forwarded.upstream.name}" sent an unreadable response.`, forwarded.upstream);
    } finally {
      clearTimeout(deadline);
    }
    const usage = usageOfAnswer(parsed, json, forwarded.upstream.name, flight.requestId);
    const cost = await settleSuccess(deps, flight, usage.usage, usage.estimated, 200, 'ok', null, estimateFromJson(parsed, json).usage);
    json.usage = usageForClient(parsed.endpoint, json.usage, usage, cost);
    return Response.json(json, { headers });
  }

  const relay: SseRelay = new SseRelay({
    upstream: response.body!,
    endpoint: parsed.endpoint,
    clientWantsUsage: parsed.clientWantsUsage,
    keepAliveMs: KEEP_ALIVE_MS,
    abortUpstream: () => abort.abort(),
    finish: async (end: StreamEnd, tally: StreamTally) => {
      clearTimeout(deadline);
      request.signal.removeEventListener('abort', onClientAbort);
      const ending = settleStreamAs(end, tally, parsed, flight.upstream, flight.requestId);
      const ttft = tally.firstContentAtMs === null ? null : tally.firstContentAtMs - startedAt;
      const counted = { promptTokens: parsed.promptTokensGuess, completionTokens: tally.contentChunks };
      try {
        if (!ending.charge) {
          await settleFailure(deps, flight, ending.statusCode, ending.outcome);
          return { ...ending, cost: null };
        }
        return { ...ending, cost: await settleSuccess(deps, flight, ending.usage, ending.estimated, ending.statusCode, ending.outcome, ttft, counted) };
      } catch (error) {
        // A finish that rejects makes Bun reset the client's connection: end the stream without
        // a cost instead, and make sure the reservation does not stay locked.
        console.error(`[inferport] request ${flight.id}: settling its stream failed`, error);
        await releaseUnsettled(deps, flight, error);
        return { ...ending, cost: null };
      }
    },
  });
  // A client that goes away mid-stream may show up as a cancelled body or an aborted request.
  request.signal.addEventListener('abort', () => void relay.clientGone(), { once: true });
  return new Response(relay.stream, {
    headers: { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' },
  });
}

/** An upstream's 200 body as a JSON object; anything else is an unreadable response. */
async function readJsonObject(response: Response): Promise<Record<string, unknown>> {
  const json: unknown = await response.json();
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('the upstream body is not a JSON object');
  return json as Record<string, unknown>;
}
