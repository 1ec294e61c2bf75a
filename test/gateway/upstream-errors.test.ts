// The error-body normaliser, per server format (sources named in src/gateway/upstream-errors.ts
// and test/gateway/upstream-fidelity.test.ts).
import { describe, expect, test } from 'bun:test';
import { isErrorEvent, openAiErrorOf, parseUpstreamError, readUpstreamError } from '../../src/gateway/upstream-errors';

describe('readUpstreamError', () => {
  test("an error_type naming an Object member is no TGI kind: the answer's own status stands", () => {
    for (const errorType of ['constructor', 'toString', '__proto__']) {
      expect(readUpstreamError({ error: 'odd', error_type: errorType }, null)).toEqual({ status: 502, message: 'odd', param: null });
    }
  });

  test('OpenAI and current vLLM: the nested error, its numeric code read as a status inside streams', () => {
    const body = { error: { message: 'bad n', type: 'BadRequestError', param: 'n', code: 400 } };
    expect(readUpstreamError(body, null)).toEqual({ status: 400, message: 'bad n', param: 'n' });
    expect(readUpstreamError(body, 422)).toEqual({ status: 422, message: 'bad n', param: 'n' });
  });

  test('older vLLM: the flat {object: "error"} body', () => {
    expect(readUpstreamError({ object: 'error', message: 'too long', type: 'BadRequestError', param: null, code: 400 }, null)).toEqual({ status: 400, message: 'too long', param: null });
  });

  test("TGI: error as a string, the status from error_type; newer streams' http_status_code", () => {
    expect(readUpstreamError({ error: 'Model is overloaded', error_type: 'overloaded' }, null)).toEqual({ status: 429, message: 'Model is overloaded', param: null });
    expect(readUpstreamError({ error: 'Request failed during generation: CUDA OOM', error_type: 'generation' }, null).status).toBe(424);
    expect(readUpstreamError({ error: { message: 'Input validation error', http_status_code: 422 } }, null).status).toBe(422);
  });

  test('llama.cpp: a numeric code inside error; a code that is no HTTP status is ignored', () => {
    expect(readUpstreamError({ error: { code: 503, message: 'Loading model', type: 'unavailable_error' } }, null).status).toBe(503);
    expect(readUpstreamError({ error: { code: 7, message: 'odd' } }, null).status).toBe(502);
  });

  test('FastAPI detail, plain text, nothing at all; long messages are cut', () => {
    expect(parseUpstreamError('{"detail":"Not Found"}', 404)).toEqual({ status: 404, message: 'Not Found', param: null });
    expect(parseUpstreamError('Bad Gateway', 502).message).toBe('Bad Gateway');
    expect(parseUpstreamError('', 500).message).toBe('The upstream failed without saying why.');
    expect(parseUpstreamError('x'.repeat(5000), 500).message).toHaveLength(2001);
  });
});

describe('openAiErrorOf', () => {
  test('type and code follow the status; message and param are kept', () => {
    expect(openAiErrorOf({ status: 429, message: 'slow down', param: null })).toEqual({ error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } });
    expect(openAiErrorOf({ status: 422, message: 'bad', param: 'temperature' })).toEqual({ error: { message: 'bad', type: 'invalid_request_error', param: 'temperature', code: 'invalid_request' } });
    expect(openAiErrorOf({ status: 500, message: 'boom', param: null })).toEqual({ error: { message: 'boom', type: 'api_error', param: null, code: 'upstream_error' } });
  });
});

describe('isErrorEvent', () => {
  test('an error field or object "error" makes an error event; a chunk does not', () => {
    expect(isErrorEvent({ error: 'x', error_type: 'validation' })).toBe(true);
    expect(isErrorEvent({ object: 'error', message: 'x' })).toBe(true);
    expect(isErrorEvent({ object: 'chat.completion.chunk', choices: [], error: null })).toBe(false);
    expect(isErrorEvent('error')).toBe(false);
  });
});

describe('parseUpstreamError on a body cut off at the read limit', () => {
  test('the first message field of broken JSON is the message, escapes decoded', () => {
    const cut = '{"error":{"message":"context length \\"4096\\" exceeded","type":"BadRequestError","code":400,"trace":"aaaa';
    expect(parseUpstreamError(cut, 400)).toEqual({ status: 400, message: 'context length "4096" exceeded', param: null });
    const long = `{"error":{"message":"${'y'.repeat(5000)}`;
    expect(parseUpstreamError(long, 500).message).toBe('y'.repeat(2000));
    expect(parseUpstreamError('<html>Bad Gateway</html>', 502).message).toBe('<html>Bad Gateway</html>');
  });
});
