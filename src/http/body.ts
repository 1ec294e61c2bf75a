// Reads a JSON request body with a byte limit enforced while it streams in, so a chunked body
// with no Content-Length is cut off at the limit too, with an OpenAI-style error. Every route
// takes JSON; a body of another declared type is refused (415) rather than parsed some other way.
import { ApiError } from '../errors';

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
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
  }
}

async function readText(request: Request, maxBytes: number): Promise<string> {
  if (!request.body) return '';
  // With a declared length (already checked against the limit) Bun reads the body natively,
  // far cheaper than iterating its stream; Bun stops a body at its declared length.
  if (request.headers.has('content-length')) return request.text();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of request.body) {
    total += chunk.byteLength;
    if (total > maxBytes) throw bodyTooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function bodyTooLarge(maxBytes: number): ApiError {
  return new ApiError(413, 'body_too_large', `The request body is larger than the limit of ${maxBytes} bytes.`);
}
