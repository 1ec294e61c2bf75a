// One media request, end to end: open (may the key use the model?), reserve the most it can cost
// (or admit it by its plan), forward, read and measure the answer, charge what was measured and
// answer. Whatever throws after the reservation ends in a release (billing.ts's last resort).
import type { AppContext } from '../context';
import { ApiError } from '../errors';
import { Exchange } from '../gateway/exchange';
import { rateLimitHeaders } from '../gateway/forward';
import { readErrorText, upstreamErrorResponse } from '../gateway/upstream-errors';
import type { UpstreamPool } from '../upstreams/pool';
import type { AuthenticatedKey } from '../keys/auth';
import { mediaPlanHeaders, openMediaFlight, releaseMedia, releaseUnsettledMedia, reserveMedia, settleMedia } from './billing';
import type { MediaCharge, MediaEndpoint, MediaFlight } from './flight';
import { forwardMedia, type MediaBody } from './forward';
import { clientGone } from './limits';
import type { MediaStore } from './store';

export interface MediaDeps {
  context: AppContext;
  upstreams: UpstreamPool;
  store: MediaStore;
}

/** What the client gets once the charge is known. */
export type Respond = (cost: string | null, headers: Record<string, string>) => Response;

/** One parsed media request: validated before anything is reserved, so bad input costs nothing. */
export interface MediaJob {
  endpoint: MediaEndpoint;
  model: string;
  /** The most the request can cost at `price`; reserved before it is forwarded. */
  maxMicros: (flight: MediaFlight) => bigint;
  body: MediaBody;
  /** Reads a 200 answer: what it costs, and the answer to send (throws 502 when unreadable). */
  readAnswer: (response: Response, flight: MediaFlight) => Promise<{ charge: MediaCharge; respond: Respond }>;
}

export async function handleMedia(deps: MediaDeps, key: AuthenticatedKey, request: Request, job: MediaJob): Promise<Response> {
  const { context } = deps;
  const flight = openMediaFlight(context, deps.upstreams, key, job.endpoint, job.model, request);
  await reserveMedia(context, flight, job.maxMicros(flight));
  // The gateway's exchange: aborts on the client leaving or at the deadline, whichever is first.
  const exchange = new Exchange(request);
  exchange.startDeadline(context.config.server.streamMaxSeconds);
  const { signal } = exchange.abort;
  try {
    const { response, upstream } = await forwardMedia(context, deps.upstreams, flight, job.body, request, signal);
    flight.upstream = upstream.name;
    // A plan key's limits are its plan's: the upstream's own x-ratelimit-* would speak of another.
    const headers = { 'x-request-id': flight.requestId, ...rateLimitHeaders(response.headers, flight.quota === null), ...mediaPlanHeaders(flight) };
    if (!response.ok) {
      const text = await readErrorText(response);
      await releaseMedia(context, flight, response.status, 'upstream_rejected');
      return upstreamErrorResponse(response.status, text, headers);
    }
    const answer = await job.readAnswer(response, flight);
    const cost = await settleMedia(context, flight, answer.charge);
    return answer.respond(cost, headers);
  } catch (error) {
    const reported = signal.aborted && !(error instanceof ApiError && error.status === 499) ? clientGone(request) : error;
    await releaseUnsettledMedia(context, flight, reported);
    if (reported instanceof ApiError) reported.headers = { ...mediaPlanHeaders(flight), ...reported.headers };
    throw reported;
  } finally {
    exchange.end();
  }
}
