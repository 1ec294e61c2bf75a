// POST /v1/audio/transcriptions (a multipart upload): priced per second of input audio (prices'
// `audio_second`). It reserves the file's length in whole seconds, rounded up: from its headers
// for WAV, mp3, Ogg Opus and FLAC (compressed-duration.ts), and for other formats (m4a, webm)
// from its bytes at the lowest bitrate a real upload has ([media] audio_bytes_per_second_min).
// It charges, in this order: the upstream's usage (vLLM and OpenAI answer json with
// {"usage":{"type":"duration","seconds":N}}), the `duration` of a verbose_json answer (vLLM sends
// it as a string), the file's own length (its headers), the end of the last segment or cue (estimated), and failing
// all of those the reservation (estimated). `text` is asked for as json and answered as text,
// so that the usage comes back; streamed transcriptions are refused.
import type { MediaConfig } from '../config';
import { badRequest } from '../errors';
import { UpstreamFailure } from '../gateway/forward';
import { lastCueEndMs, wavDurationMs } from './audio-duration';
import { uploadDurationMs } from './compressed-duration';
import { chargeOfJson } from './transcription-charge';
import type { MediaCharge } from './flight';
import type { MediaJob } from './handler';
import { readAnswerBytes } from './limits';
import { audioCharge } from './pricing';

const FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt'];

export async function transcriptionJob(body: unknown, media: MediaConfig): Promise<MediaJob> {
  if (!(body instanceof FormData)) throw badRequest('The request body must be multipart/form-data with a file.', 'file');
  const file = body.get('file');
  if (!(file instanceof Blob) || file.size === 0) throw badRequest('file must be an uploaded audio file', 'file');
  const model = body.get('model');
  if (typeof model !== 'string' || model.length === 0) throw badRequest('you must provide a model parameter', 'model');
  const format = body.get('response_format') ?? 'json';
  if (typeof format !== 'string' || !FORMATS.includes(format)) throw badRequest(`response_format must be one of ${FORMATS.join(', ')}`, 'response_format');
  const stream = body.get('stream');
  if (stream !== null && stream !== 'false') throw badRequest('streamed transcriptions are not supported', 'stream');
  // The upload is in memory already (the body is bounded by server.max_body_bytes).
  const bytes = new Uint8Array(await file.arrayBuffer());
  const fileMs = wavDurationMs(bytes) ?? uploadDurationMs(bytes);
  // In whole seconds: servers report whole seconds, rounded up (vLLM, as OpenAI's API says).
  const boundMs = Math.ceil((fileMs ?? (file.size * 1000) / media.audioBytesPerSecondMin) / 1000) * 1000;
  const upstreamForm = new FormData();
  for (const [name, value] of body.entries()) {
    upstreamForm.append(name, name === 'response_format' && value === 'text' ? 'json' : value);
  }
  return {
    endpoint: 'audio.transcriptions',
    model,
    maxMicros: (flight) => audioCharge(flight.price, boundMs, false).costMicros,
    body: { kind: 'form', form: upstreamForm },
    readAnswer: async (response, flight) => {
      const upstreamName = flight.upstream ?? 'upstream';
      const text = Buffer.from(await readAnswerBytes(response, upstreamName)).toString('utf8');
      if (format === 'srt' || format === 'vtt') {
        const cueMs = fileMs === null ? lastCueEndMs(text) : null;
        const charge = fileMs !== null ? audioCharge(flight.price, fileMs, false) : audioCharge(flight.price, cueMs ?? boundMs, true);
        return { charge, respond: (cost, headers) => textAnswer(text, response.headers.get('content-type') ?? 'text/plain', headers, cost, charge) };
      }
      const json = parseAnswer(text, upstreamName);
      const charge = chargeOfJson(flight.price, json, fileMs, boundMs);
      if (format === 'text') return { charge, respond: (cost, headers) => textAnswer(String(json.text ?? ''), 'text/plain; charset=utf-8', headers, cost, charge) };
      return {
        charge,
        respond: (cost, headers) => {
          const usage = { ...(json.usage as object | undefined), ...(cost === null ? {} : { cost }) };
          return Response.json(Object.keys(usage).length === 0 ? json : { ...json, usage }, { headers: { ...headers, 'x-inferport-audio-seconds': charge.audioSeconds! } });
        },
      };
    },
  };
}

function textAnswer(text: string, contentType: string, headers: Record<string, string>, cost: string | null, charge: MediaCharge): Response {
  return new Response(text, { headers: { ...headers, 'content-type': contentType, 'x-inferport-audio-seconds': charge.audioSeconds!, ...(cost === null ? {} : { 'x-inferport-cost': cost }) } });
}

function parseAnswer(text: string, upstreamName: string): Record<string, unknown> {
  try {
    const json: unknown = JSON.parse(text);
    if (typeof json === 'object' && json !== null && !Array.isArray(json)) return json as Record<string, unknown>;
  } catch {
    // fall through to the 502
  }
  throw new UpstreamFailure(502, `The upstream "${upstreamName}" sent an unreadable transcription.`, null);
}
