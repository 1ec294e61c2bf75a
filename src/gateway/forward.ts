// Sends a request to an upstream, trying the next candidate once when the first cannot be
// reached or answers 5xx. Nothing has reached the client at that point, so a retry is safe.
// The last candidate's 5xx is returned, not replaced by one of ours: its status, message and
// Retry-After (vLLM's 503 when its queue is full) are what the client needs to back off.
import type { UpstreamConfig } from '../config';
import { ApiError } from '../errors';
import { fetchUpstream } from '../upstreams/fetch';

export interface Forwarded {
  response: Response;
  upstream: UpstreamConfig;
}

export class UpstreamFailure extends ApiError {
  constructor(
    status: 502 | 503,
    message: string,
    readonly upstream: UpstreamConfig | null,
  ) {
    super(status, status === 502 ? 'upstream_error' : 'upstream_unavailable', message);
  }
}

/** Told of each attempt and its outcome (the circuit breakers of src/upstreams/health.ts). */
export interface AttemptTracker {
  attempt: (upstream: UpstreamConfig) => void;
  /** `ok` false: unreachable, reset, or a 5xx. */
  outcome: (upstream: UpstreamConfig, ok: boolean) => void;
}

export async function forward(
  candidates: UpstreamConfig[],
  path: string,
  body: string,
  requestId: string,
  signal: AbortSignal,
  tracker: AttemptTracker | null = null,
  /** Each failed attempt (a 5xx, or no answer), for the metrics. */
  noteFailure: (upstream: UpstreamConfig) => void = () => {},
): Promise<Forwarded> {
  let failure: UpstreamFailure | null = null;
  for (const [index, upstream] of candidates.entries()) {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': requestId };
    if (upstream.apiKey) headers.authorization = `Bearer ${upstream.apiKey}`;
    tracker?.attempt(upstream);
    try {
      const response = await fetchUpstream(upstream, path, {
        method: 'POST',
        headers,
        body,
        signal,
        // Bun arms a 300 s idle timer on every fetch socket; a model that thinks in silence for
        // longer must not be cut. The request's own signal bounds the wait instead.
        timeout: false,
      } as RequestInit);
      if (response.status >= 500) noteFailure(upstream);
      tracker?.outcome(upstream, response.status < 500);
      if (response.status < 500 || index === candidates.length - 1) return { response, upstream };
      await response.body?.cancel().catch(() => {});
      failure = new UpstreamFailure(502, `The upstream "${upstream.name}" answered ${response.status}.`, upstream);
    } catch (error) {
      if (signal.aborted) throw error;
      noteFailure(upstream);
      tracker?.outcome(upstream, false);
      failure = new UpstreamFailure(503, `The upstream "${upstream.name}" could not be reached.`, upstream);
    }
  }
  throw failure ?? new UpstreamFailure(503, 'No upstream serves this model.', null);
}

// What an upstream says about its limits reaches the client: without Retry-After the SDKs retry
// after their own short backoff (0.5 s) however long the server asked them to wait.
const PASSED_THROUGH = /^(?:retry-after|retry-after-ms|x-ratelimit-.+)$/;

/** The upstream's rate-limit headers, to copy onto the answer, error or not; Retry-After alone without `limits`. */
export function rateLimitHeaders(upstream: Headers, limits = true): Record<string, string> {
  const headers: Record<string, string> = {};
  upstream.forEach((value, name) => {
    const lower = name.toLowerCase();
    if (PASSED_THROUGH.test(lower) && (limits || !lower.startsWith('x-ratelimit-'))) headers[lower] = value;
  });
  return headers;
}
