// The one body that is not JSON: a transcription's multipart upload. The app's parse hook asks
// here first; only that route's multipart bodies are read (with the same byte limit as JSON),
// every other body still goes to the JSON reader, which refuses other types with 415.
import { badRequest } from '../errors';
import { readBodyBytes } from '../http/body';

const UPLOAD_PATH = '/v1/audio/transcriptions';

/** The upload as FormData, or null when this body is not one (the JSON reader takes it). */
export function readUploadBody(request: Request, contentType: string | undefined, maxBytes: number): Promise<FormData> | null {
  if (!(contentType ?? '').toLowerCase().startsWith('multipart/form-data')) return null;
  if (new URL(request.url).pathname !== UPLOAD_PATH) return null;
  // Elysia's contentType may lack the boundary parameter; the header has it.
  return readForm(request, request.headers.get('content-type') ?? contentType!, maxBytes);
}

async function readForm(request: Request, contentType: string, maxBytes: number): Promise<FormData> {
  const bytes = await readBodyBytes(request, maxBytes);
  try {
    // (Bun's Response.formData is typed with undici's FormData, the same class at run time.)
    return (await new Response(bytes, { headers: { 'content-type': contentType } }).formData()) as unknown as FormData;
  } catch {
    throw badRequest('The multipart body could not be read.', 'file');
  }
}
