// Reads a JSON request body with a byte limit enforced while it streams in, so a chunked body
// with no Content-Length is cut off at the limit too, with an OpenAI-style error. Every route
// takes JSON; a body of another declared type is refused (415) rather than parsed some other way.
import { ApiError } from '../errors';
import { jsonNestingExceeds } from './json-depth';

/**
 * How deeply a body's arrays and objects may nest. A chat request with tools whose parameter
 * schemas nest is still far below it; what is deeper is an attack on the validators downstream,
 * which walk the value recursively and would overflow the stack.
 */
export const JSON_DEPTH_MAX = 128;

/**
 * The text of each body read, by its request: the gateway forwards the client's own text when
 * nothing in it must change, instead of serialising the parsed value again. Weak, so a body
 * lives exactly as long as its request.
 */
const bodyTexts = new WeakMap<Request, string>();

/** The text of a request's JSON body as readJsonBody read it; undefined when it read none. */
export function bodyTextOf(request: Request): string | undefined {
  return bodyTexts.get(request);
}

export async function readJsonBody(request: Request, contentType: string | undefined, maxBytes: number): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw bodyTooLarge(maxBytes);
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  // A missing type is read as JSON: some clients (curl -d aside) send JSON without saying so.
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
    throw new ApiError(415, 'unsupported_media_type', `Request bodies must be JSON (application/json), not ${type}.`);
  }
  const text = await readText(request, maxBytes);
  if (text.trim() === '') return undefined;
  // Checked on the text, before parsing, by a scan that keeps no stack of its own.
  if (jsonNestingExceeds(text, JSON_DEPTH_MAX)) {
    throw new ApiError(400, 'body_too_deep', `The request body nests arrays and objects deeper than the limit of ${JSON_DEPTH_MAX} levels.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
  bodyTexts.set(request, text);
  return value;
}

async function readText(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return '';
  // With a declared length (already checked against the limit) Bun reads the body natively,
  // far cheaper than iterating its stream; Bun stops a body at its declared length.
  if (request.headers.has('content-length')) return request.text();
  return Buffer.from(await readChunked(request.body, maxBytes)).toString('utf8');
}

/** A body's bytes, any content type, cut off with a 413 past `maxBytes` (the media upload reader's too). */
export async function readBodyBytes(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  // A declared length was checked against the limit before the body was read (app.ts).
  if (request.headers.has('content-length')) return new Uint8Array(await request.arrayBuffer());
  return readChunked(request.body, maxBytes);
}

async function readChunked(body: ReadableStream<Uint8Array>, maxBytes: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw bodyTooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function bodyTooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'body_too_large', `The request body is larger than the limit of ${maxBytes} bytes.`);
}
