// What every answer must look like, whatever was sent: never a 5xx; every 4xx OpenAI's error
// JSON {error:{message,type,param,code}}; every 2xx readable to its end (a stream ends in [DONE]).
export interface Answer {
  status: number;
  contentType: string;
  text: string;
}

/** The error types OpenAI's API and SDKs use. */
const OPENAI_ERROR_TYPES = new Set([
  'invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error', 'insufficient_quota', 'rate_limit_error', 'api_error',
]);

/** Problems with one answer; empty when it is fine. */
export function checkAnswer(answer: Answer): string[] {
  const { status, contentType, text } = answer;
  if (status >= 500) return [`answered ${status} (a server error): ${excerpt(text)}`];
  if (status >= 400) return checkErrorBody(answer);
  if (status < 200 || status >= 300) return [`answered ${status}, neither a success nor a client error: ${excerpt(text)}`];
  if (contentType.startsWith('text/event-stream')) {
    return text.endsWith('data: [DONE]\n\n') ? [] : [`a ${status} stream did not end with [DONE]: …${excerpt(text.slice(-300))}`];
  }
  if (contentType.includes('json')) {
    try {
      JSON.parse(text);
    } catch {
      return [`a ${status} answer is not valid JSON: ${excerpt(text)}`];
    }
  }
  return [];
}

function checkErrorBody({ status, contentType, text }: Answer): string[] {
  const problems: string[] = [];
  if (!contentType.includes('application/json')) problems.push(`a ${status} has content-type "${contentType}", not application/json`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return [...problems, `a ${status} body is not JSON: ${excerpt(text)}`];
  }
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (typeof error !== 'object' || error === null || Array.isArray(error)) return [...problems, `a ${status} body has no error object: ${excerpt(text)}`];
  if (typeof error.message !== 'string' || error.message === '') problems.push(`a ${status} error has no message`);
  if (typeof error.type !== 'string' || !OPENAI_ERROR_TYPES.has(error.type)) problems.push(`a ${status} error has type ${JSON.stringify(error.type)}, not one of OpenAI's`);
  if (!('param' in error) || (error.param !== null && typeof error.param !== 'string')) problems.push(`a ${status} error's param is ${JSON.stringify(error.param)}, not a string or null`);
  if (typeof error.code !== 'string' || error.code === '') problems.push(`a ${status} error has code ${JSON.stringify(error.code)}, not a string`);
  const extra = Object.keys(body as object).filter((key) => key !== 'error');
  if (extra.length > 0) problems.push(`a ${status} body has fields beside error: ${extra.join(', ')}`);
  if (problems.length > 0) problems.push(`body: ${excerpt(text)}`);
  return problems;
}

export function excerpt(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…(${text.length} chars)` : text;
}
