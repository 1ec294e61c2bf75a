// The bounds on a media request: how long it may take, and how much of an answer is read.
import { ApiError } from '../errors';
import { UpstreamFailure } from '../gateway/forward';

/** The most of an upstream's answer read: ten 4 MB images in base64, or an hour of 24 kHz WAV, fit. */
export const ANSWER_BYTES_MAX = 192 * 1024 * 1024;

/** Why a request's exchange was aborted: the client left (499), or it ran past its deadline (504). */
export function clientGone(request: Request): ApiError {
  if (request.signal.aborted) return new ApiError(499, 'client_closed_request', 'The client closed the request.');
  return new ApiError(504, 'upstream_error', 'The upstream did not answer within server.stream_max_seconds.');
}

/** An answer's bytes, at most ANSWER_BYTES_MAX (502 beyond, or when the body breaks off). */
export async function readAnswerBytes(response: Response, upstreamName: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > ANSWER_BYTES_MAX) throw tooLarge(upstreamName);
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for await (const chunk of response.body ?? []) {
      total += chunk.byteLength;
      if (total > ANSWER_BYTES_MAX) throw tooLarge(upstreamName);
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new UpstreamFailure(502, `The upstream "${upstreamName}" broke off its answer.`, null);
  }
  return Buffer.concat(chunks);
}

function tooLarge(upstreamName: string): ApiError {
  return new UpstreamFailure(502, `The upstream "${upstreamName}" sent an answer larger than ${ANSWER_BYTES_MAX} bytes.`, null);
}
