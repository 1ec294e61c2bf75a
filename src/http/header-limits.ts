// Bounds on a request's headers, checked before anything reads them. Bun refuses a header block
// over 16 KiB, or of about 150 lines and more, itself, with a bare 431 and no body; below those
// limits these answer OpenAI's error JSON, at limits an operator sets (server.max_header_bytes,
// server.max_headers).
import { ApiError } from '../errors';

export interface HeaderLimits {
  maxHeaderBytes: number;
  maxHeaders: number;
}

/** The 431 for `headers`, or null when they are within the limits. */
export function headerLimitError(headers: Headers, limits: HeaderLimits): ApiError | null {
  let count = 0;
  let bytes = 0;
  // As on the wire: "name: value\r\n" per header (a repeated name arrives joined here).
  for (const [name, value] of headers) {
    count++;
    bytes += name.length + value.length + 4;
  }
  if (count > limits.maxHeaders) return tooLarge(`The request has ${count} headers; at most ${limits.maxHeaders} are accepted.`);
  if (bytes > limits.maxHeaderBytes) return tooLarge(`The request's headers are ${bytes} bytes; at most ${limits.maxHeaderBytes} are accepted.`);
  return null;
}

function tooLarge(message: string): ApiError {
  return new ApiError(431, 'request_headers_too_large', message, null, 'invalid_request_error');
}
