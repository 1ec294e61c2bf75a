// Inference servers each word their errors their own way; OpenAI clients understand only
// {error:{message,type,param,code}}. These pure functions read every shape we know of and write
// it back in OpenAI's, keeping the upstream's status and message:
//   OpenAI, current vLLM, llama.cpp  {"error":{"message","type","param"?,"code": 400 | "..."}}
//   older vLLM                      {"object":"error","message","type","param","code":400}
//   TGI                             {"error":"...","error_type":"validation"}, and in chat
//                                   streams {"error":{"message","http_status_code":422}}
//   Ollama, FastAPI                 {"error":"..."}, {"detail":"..."}
import { ApiError, errorBody, type ErrorBody, type ErrorCode } from '../errors';

export interface UpstreamError {
  status: number;
  message: string;
  param: string | null;
}

/** Upstream messages can be whole stack traces; the client needs the first part. */
const MESSAGE_CHARS_MAX = 2000;
/** An error body is read up to this many bytes; a misbehaving upstream cannot make us buffer more. */
const ERROR_BODY_BYTES_MAX = 64 * 1024;

// TGI's InferError kinds (router/src/infer/mod.rs error_type) and the statuses its HTTP answers use.
const TGI_STATUS: Record<string, number> = {
  validation: 422,
  template_error: 422,
  missing_template_variable: 422,
  tool_error: 422,
  overloaded: 429,
  generation: 424,
  incomplete_generation: 500,
  incomplete_generation_stream: 500,
};

/** The status TGI answers its error_type with; own keys only, an upstream's "constructor" is no status. */
function tgiStatus(errorType: unknown): number | null {
  return typeof errorType === 'string' && Object.hasOwn(TGI_STATUS, errorType) ? TGI_STATUS[errorType]! : null;
}

/** True when a parsed stream event is an error report rather than a chunk. */
export function isErrorEvent(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return Boolean(record.error) || record.object === 'error';
}

/**
 * Reads an upstream's error from its parsed body (or raw text). `status` is the HTTP status it
 * came with; for an error inside a 200 stream, pass null and the body's own status (or 502) is used.
 */
export function readUpstreamError(body: unknown, status: number | null): UpstreamError {
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const inner = typeof record.error === 'object' && record.error !== null ? (record.error as Record<string, unknown>) : null;
  const source = inner ?? record;
  const message =
    firstString(source.message, record.error, record.detail, record.message) ??
    (typeof body === 'string' && body.trim() !== '' ? body.trim() : 'The upstream failed without saying why.');
  const bodyStatus = httpStatus(source.code) ?? httpStatus(source.http_status_code) ?? tgiStatus(record.error_type);
  return {
    status: status ?? bodyStatus ?? 502,
    message: message.length > MESSAGE_CHARS_MAX ? `${message.slice(0, MESSAGE_CHARS_MAX)}…` : message,
    param: typeof source.param === 'string' ? source.param : null,
  };
}

/** Parses an error answer's text; a body that is not JSON is taken as the message. */
export function parseUpstreamError(text: string, status: number): UpstreamError {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Not JSON, or JSON cut off at ERROR_BODY_BYTES_MAX: the first message field still says
    // what went wrong; failing that, the text itself is the message.
    body = messageFieldOf(text) ?? text;
  }
  return readUpstreamError(body, status);
}

const MESSAGE_FIELD = /"(?:message|error|detail)"\s*:\s*"((?:[^"\\]|\\.){1,2000})/;

/** The first message-like string field of a JSON text too broken (or too long) to parse. */
function messageFieldOf(text: string): string | null {
  const match = MESSAGE_FIELD.exec(text);
  if (!match) return null;
  try {
    return JSON.parse(`"${match[1]}"`) as string;
  } catch {
    return match[1]!; // an escape cut in half: the raw characters are close enough
  }
}

/** The OpenAI error JSON for an upstream's error. */
export function openAiErrorOf(error: UpstreamError): ErrorBody {
  return errorBody(new ApiError(error.status, errorCodeFor(error.status), error.message, error.param));
}

function errorCodeFor(status: number): ErrorCode {
  if (status === 429) return 'rate_limit_exceeded';
  return status < 500 ? 'invalid_request' : 'upstream_error';
}

function httpStatus(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599 ? value : null;
}

function firstString(...values: unknown[]): string | null {
  for (const value of values) if (typeof value === 'string' && value.trim() !== '') return value;
  return null;
}

/** An upstream's error answer, rewritten in OpenAI's shape with the upstream's status. */
export function upstreamErrorResponse(status: number, text: string, headers: Record<string, string>): Response {
  return Response.json(openAiErrorOf(parseUpstreamError(text, status)), { status, headers });
}

/**
 * An error answer's text, at most ERROR_BODY_BYTES_MAX bytes of it (the rest is not read). A body
 * that breaks off is taken as far as it came: the status alone still says what happened.
 */
export async function readErrorText(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (total < ERROR_BODY_BYTES_MAX) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      total += value.byteLength;
    }
  } catch {
    // a broken error body: keep what arrived
  } finally {
    reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).subarray(0, ERROR_BODY_BYTES_MAX).toString('utf8');
}
