// The respond stage of a streamed request: the SSE relay to the client, and the one settlement
// when the stream ends, however it ends. `[DONE]` waits for that settlement (see sse.ts).
import { databaseUnavailableError } from '../db/unavailable';
import type { Exchange } from './exchange';
import type { Flight, GatewayDeps } from './flight';
import type { UpstreamAnswer } from './forward-reserved';
import { releaseUnsettled, settleFailure, settleSuccess } from './settle';
import { SseRelay } from './sse';
import { settleStreamAs } from './stream-end';
import type { Settled, StreamEnd, StreamTally } from './stream-tally';
import { log } from '../logs/logger';

const KEEP_ALIVE_MS = 10_000;

export function respondStream(deps: GatewayDeps, flight: Flight, exchange: Exchange, answer: UpstreamAnswer): Response {
  const relay: SseRelay = new SseRelay({
    upstream: answer.response.body!,
    endpoint: flight.request.endpoint,
    clientWantsUsage: flight.request.clientWantsUsage,
    keepAliveMs: KEEP_ALIVE_MS,
    abortUpstream: () => exchange.abort.abort(),
    finish: (end, tally) => settleStream(deps, flight, exchange, end, tally),
  });
  // A client that goes away mid-stream may show up as a cancelled body or an aborted request.
  exchange.request.signal.addEventListener('abort', () => void relay.clientGone(), { once: true });
  deps.context.observer.noteStream(exchange.request);
  return new Response(relay.stream, {
    headers: { ...answer.headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' },
  });
}

/** Charges what the stream delivered, or releases it when nothing was; a failed settlement still ends the stream. */
async function settleStream(deps: GatewayDeps, flight: Flight, exchange: Exchange, end: StreamEnd, tally: StreamTally): Promise<Settled> {
  exchange.end();
  const { request: parsed } = flight;
  const ending = settleStreamAs(end, tally, parsed, flight.upstream, flight.requestId);
  const ttft = tally.firstContentAtMs === null ? null : tally.firstContentAtMs - flight.startedAt;
  if (ttft !== null) deps.context.metrics.recordTimeToFirstToken(parsed.model, ttft / 1000);
  try {
    if (!ending.charge) {
      await settleFailure(deps, flight, ending.statusCode, ending.outcome);
      return { ...ending, cost: null };
    }
    return { ...ending, cost: await settleSuccess(deps, flight, ending.usage, ending.estimated, ending.statusCode, ending.outcome, ttft) };
  } catch (error) {
    // A finish that rejects makes Bun reset the client's connection: end the stream without
    // a cost instead, and make sure the reservation does not stay locked.
    log.error(`[inferport] request ${flight.id}: settling its stream failed`, error);
    await releaseUnsettled(deps, flight, error);
    // With the database away nothing was charged: the client gets an error event, not [DONE],
    // so no client takes for complete a response nobody paid for.
    return { ...ending, cost: null, unbilled: databaseUnavailableError(error) };
  } finally {
    deps.context.observer.streamEnded(exchange.request, ending.statusCode);
  }
}
