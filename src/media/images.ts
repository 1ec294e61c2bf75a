// POST /v1/images/generations: priced per image (prices' `image`, 0.02 credits by default),
// reserving `n` images. The upstream is always asked for b64_json; a client that wanted URLs
// (OpenAI's default) gets links to copies inferport stored itself (store.ts), which work on a
// box with no way out to the upstream's own file server.
import { badRequest } from '../errors';
import { UpstreamFailure } from '../gateway/forward';
import type { MediaJob } from './handler';
import { readAnswerBytes } from './limits';
import { imagesCharge } from './pricing';
import type { MediaStore } from './store';
import { imageExtensionOf, mediaUrl } from './urls';

/** OpenAI's own bound on `n`. */
const IMAGES_MAX = 10;

export function imagesJob(body: unknown, request: Request, store: MediaStore, nowMs: () => number): MediaJob {
  const record = jsonObject(body);
  const model = requiredString(record, 'model', 'you must provide a model parameter');
  requiredString(record, 'prompt', 'prompt is required');
  const n = record.n ?? 1;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > IMAGES_MAX) throw badRequest(`n must be an integer from 1 to ${IMAGES_MAX}`, 'n');
  const format = record.response_format ?? 'url';
  if (format !== 'url' && format !== 'b64_json') throw badRequest('response_format must be "url" or "b64_json"', 'response_format');
  if (record.stream !== undefined && record.stream !== false) throw badRequest('streamed image generation is not supported', 'stream');
  const origin = new URL(request.url).origin;
  return {
    endpoint: 'images.generations',
    model,
    maxMicros: (flight) => imagesCharge(flight.price, n).costMicros,
    body: { kind: 'json', text: JSON.stringify({ ...record, response_format: 'b64_json' }) },
    readAnswer: async (response, flight) => {
      const upstreamName = flight.upstream ?? 'upstream';
      const json = parseAnswer(await readAnswerBytes(response, upstreamName), upstreamName);
      const items = json.data as Record<string, unknown>[];
      const images = items.filter((item) => typeof item.b64_json === 'string' || typeof item.url === 'string').length;
      const data = format === 'url' ? await Promise.all(items.map((item) => storedAsUrl(item, store, origin, nowMs()))) : items;
      return {
        charge: imagesCharge(flight.price, Math.min(images, n)),
        respond: (cost, headers) => {
          const usage = { ...(json.usage as object | undefined), images, ...(cost === null ? {} : { cost }) };
          return Response.json({ ...json, data, usage }, { headers });
        },
      };
    },
  };
}

/** One answer item with its image stored and replaced by inferport's link (an upstream URL passes as it is). */
async function storedAsUrl(item: Record<string, unknown>, store: MediaStore, origin: string, nowMs: number): Promise<Record<string, unknown>> {
  if (typeof item.b64_json !== 'string') return item;
  const { b64_json: encoded, ...rest } = item;
  const bytes = Buffer.from(encoded as string, 'base64');
  const link = await store.save(bytes, imageExtensionOf(bytes), nowMs);
  return { ...rest, url: mediaUrl(origin, link) };
}

function parseAnswer(bytes: Uint8Array, upstreamName: string): Record<string, unknown> {
  try {
    const json = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
    if (typeof json === 'object' && json !== null && Array.isArray(json.data) && json.data.every((item) => typeof item === 'object' && item !== null)) return json;
  } catch {
    // fall through to the 502
  }
  throw new UpstreamFailure(502, `The upstream "${upstreamName}" sent an unreadable image answer.`, null);
}

export function jsonObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || body instanceof FormData) throw badRequest('The request body must be a JSON object.');
  return body as Record<string, unknown>;
}

export function requiredString(record: Record<string, unknown>, field: string, message: string): string {
  const value = record[field];
  if (typeof value !== 'string' || value.length === 0) throw badRequest(message, field);
  return value;
}
