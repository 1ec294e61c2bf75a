// How the relay reads single upstream events, per server format.
import { describe, expect, test } from 'bun:test';
import { chunkHead, eventData, readEvent } from '../../src/gateway/sse-events';

const read = (event: string) => readEvent(event, eventData(event)!);

describe('readEvent', () => {
  test('[DONE] ends the stream', () => {
    expect(read('data: [DONE]')).toEqual({ kind: 'done' });
  });

  test('error events of TGI, vLLM (wrapped and bare) and llama.cpp, and an SSE "event: error"', () => {
    expect(read('data: {"error":"Input validation error","error_type":"validation"}')).toEqual({ kind: 'error', error: { status: 422, message: 'Input validation error', param: null } });
    expect(read('data: {"error":{"object":"error","message":"died","type":"InternalServerError","param":null,"code":500}}')).toMatchObject({ kind: 'error', error: { status: 500 } });
    expect(read('data: {"object":"error","message":"bad","type":"BadRequestError","param":null,"code":400}')).toMatchObject({ kind: 'error', error: { status: 400, message: 'bad' } });
    expect(read('data: {"error":{"code":500,"message":"slot failed","type":"server_error"}}')).toMatchObject({ kind: 'error', error: { status: 500, message: 'slot failed' } });
    expect(read('event: error\ndata: upstream overloaded')).toEqual({ kind: 'error', error: { status: 502, message: 'upstream overloaded', param: null } });
  });

  test('generated text that merely mentions "error" is content, not an error', () => {
    const chunk = { choices: [{ index: 0, delta: { content: 'say "error": now' } }] };
    expect(read(`data: ${JSON.stringify(chunk)}`)).toEqual({ kind: 'other', content: true });
    expect(read('data: {"choices":[{"delta":{"content":""}}],"error":null}')).toEqual({ kind: 'other', content: false });
  });

  test('content, tool-call arguments and reasoning count as delivered output; a role-only chunk does not', () => {
    expect(read('data: {"choices":[{"delta":{"role":"assistant","content":""}}]}')).toEqual({ kind: 'other', content: false });
    expect(read('data: {"choices":[{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"a"}}]}}]}')).toEqual({ kind: 'other', content: true });
    expect(read('data: {"choices":[{"delta":{"reasoning_content":"hmm"}}]}')).toEqual({ kind: 'other', content: true });
  });

  test('a chunk with usage is parsed and its usage validated', () => {
    const event = read('data: {"id":"c1","choices":[{"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":3}}');
    expect(event).toMatchObject({ kind: 'usage', content: false, reading: { kind: 'reported', usage: { promptTokens: 7, completionTokens: 3 } } });
    expect(read('data: {"choices":[],"usage":{"prompt_tokens":-7}}')).toMatchObject({ kind: 'usage', reading: { kind: 'invalid' } });
  });
});

describe('eventData and chunkHead', () => {
  test('data lines join; comments have none; the head keeps the identifying fields only', () => {
    expect(eventData('id: 1\ndata: a\ndata:b')).toBe('a\nb');
    expect(eventData(': keep-alive')).toBeNull();
    expect(chunkHead({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [], usage: {} })).toEqual({ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm' });
  });
});
