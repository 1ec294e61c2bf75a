// Usage extraction of a non-streamed answer (src/gateway/usage.ts usageOfAnswer and
// estimateFromJson): the upstream's report when it is usable, otherwise inferport's estimate,
// about four bytes a token, marked as estimated. (readUsage and usageForClient: usage.test.ts.)
import { afterAll, afterEach, describe, expect, spyOn, test } from 'bun:test';
import type { PriceConfig } from '../../src/config';
import { parseGenerationRequest } from '../../src/gateway/request';
import { estimateFromJson, usageOfAnswer } from '../../src/gateway/usage';

const PRICE: PriceConfig = { inputPerMillionMicros: 1n, outputPerMillionMicros: 1n, imageMicros: 0n, audioSecondMicros: 0n, videoSecondMicros: 0n, maxOutputTokens: 64 };
const messages = [{ role: 'user', content: 'a prompt of some forty bytes, give or take' }];
const request = parseGenerationRequest('chat.completions', { model: 'm', messages }, 200, PRICE);
const promptGuess = Math.ceil(Buffer.byteLength(JSON.stringify(messages)) / 4);

const warn = spyOn(console, 'warn').mockImplementation(() => {});
afterEach(() => warn.mockClear());
// Test files share one process: give console.warn back to the others.
afterAll(() => warn.mockRestore());

describe('usageOfAnswer', () => {
  test("a usable report is charged as reported, with no warning", () => {
    const answer = { choices: [{ message: { content: 'ignored when usage is reported' } }], usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 } };
    expect(usageOfAnswer(request, answer, 'up', 'req_1')).toEqual({ usage: { promptTokens: 11, completionTokens: 7 }, estimated: false });
    expect(warn).not.toHaveBeenCalled();
  });

  test('no report is estimated quietly', () => {
    const answer = { choices: [{ message: { content: '12345678' } }] };
    expect(usageOfAnswer(request, answer, 'up', 'req_2')).toEqual({ usage: { promptTokens: promptGuess, completionTokens: 2 }, estimated: true });
    expect(warn).not.toHaveBeenCalled();
  });

  test('an unusable report is estimated, and the log names the upstream, the request and the problem', () => {
    const answer = { choices: [{ message: { content: 'abc' } }], usage: { prompt_tokens: -3, completion_tokens: 1 } };
    expect(usageOfAnswer(request, answer, 'vllm-a', 'req_3')).toEqual({ usage: { promptTokens: promptGuess, completionTokens: 1 }, estimated: true });
    expect(warn).toHaveBeenCalledTimes(1);
    const line = String(warn.mock.calls[0]![0]);
    for (const part of ['vllm-a', 'req_3', 'prompt_tokens is -3']) expect(line).toContain(part);
  });
});

describe('estimateFromJson', () => {
  test('counts the bytes of every choice, chat message or completion text, four to a token rounded up', () => {
    const answer = { choices: [{ message: { content: 'héllo' } }, { text: 'abcdefghi' }, { message: { content: null } }, { message: {} }] };
    // "héllo" is 6 bytes in UTF-8, "abcdefghi" 9: 15 bytes, 4 tokens.
    expect(estimateFromJson(request, answer)).toEqual({ usage: { promptTokens: promptGuess, completionTokens: 4 }, estimated: true });
  });

  test('an answer without choices (an embedding) estimates no completion', () => {
    expect(estimateFromJson(request, { data: [{ embedding: [0.1] }] })).toEqual({ usage: { promptTokens: promptGuess, completionTokens: 0 }, estimated: true });
    expect(estimateFromJson(request, { choices: 'not a list' })).toEqual({ usage: { promptTokens: promptGuess, completionTokens: 0 }, estimated: true });
  });
});
