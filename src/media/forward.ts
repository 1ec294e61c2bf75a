// Sends a media request to its upstream, with the gateway's rule of one failover before any byte
// reached the client (src/gateway/forward.ts, which sends JSON only: a transcription is a
// multipart upload). A request that no upstream answered is released here, then the error goes up.
import type { UpstreamConfig } from '../config';
import type { AppContext } from '../context';
import { UpstreamFailure } from '../gateway/forward';
import type { UpstreamPool } from '../upstreams/pool';
import { releaseMedia } from './billing';
import { MEDIA_PATHS, type MediaFlight } from './flight';
import { clientGone } from './limits';

/** The upstream request: a JSON text, or a FormData whose boundary fetch writes into the content type. */
export type MediaBody = { kind: 'json'; text: string } | { kind: 'form'; form: FormData };

export async function forwardMedia(context: AppContext, upstreams: UpstreamPool, flight: MediaFlight, body: MediaBody, request: Request, signal: AbortSignal): Promise<{ response: Response; upstream: UpstreamConfig }> {
  const candidates = flight.deployment ? [flight.deployment] : upstreams.candidates(flight.model);
  let failure = new UpstreamFailure(503, 'No upstream serves this model.', null);
  for (const [index, upstream] of candidates.entries()) {
    const headers: Record<string, string> = { 'x-request-id': flight.requestId };
    if (body.kind === 'json') headers['content-type'] = 'application/json';
    if (upstream.apiKey) headers.authorization = `Bearer ${upstream.apiKey}`;
    try {
      const response = await fetch(`${upstream.url}${MEDIA_PATHS[flight.endpoint]}`, {
        method: 'POST',
        headers,
        body: body.kind === 'json' ? body.text : body.form,
        signal,
        timeout: false, // the request's own signal bounds the wait (see gateway/forward.ts)
      } as RequestInit);
      if (response.status < 500 || index === candidates.length - 1) return { response, upstream };
      await response.body?.cancel().catch(() => {});
      failure = new UpstreamFailure(502, `The upstream "${upstream.name}" answered ${response.status}.`, upstream);
    } catch {
      if (signal.aborted) break;
      failure = new UpstreamFailure(503, `The upstream "${upstream.name}" could not be reached.`, upstream);
    }
  }
  const gone = signal.aborted ? clientGone(request) : failure;
  flight.upstream = failure.upstream?.name ?? null;
  await releaseMedia(context, flight, gone.status, gone.status === 499 ? 'client_aborted' : gone.code);
  throw gone;
}
