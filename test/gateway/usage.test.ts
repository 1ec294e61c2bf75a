// The usage validator and the usage object clients get, shared by answers and streams.
import { describe, expect, test } from 'bun:test';
import { readUsage, usageForClient } from '../../src/gateway/usage';

describe('readUsage', () => {
  test('non-negative integer counts are a report; a missing completion_tokens (embeddings) is 0', () => {
    expect(readUsage({ prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 })).toEqual({ kind: 'reported', usage: { promptTokens: 5, completionTokens: 4 } });
    expect(readUsage({ prompt_tokens: 0, total_tokens: 0 })).toEqual({ kind: 'reported', usage: { promptTokens: 0, completionTokens: 0 } });
  });

  test('no usage is absent, not invalid', () => {
    expect(readUsage(undefined)).toEqual({ kind: 'absent' });
    expect(readUsage(null)).toEqual({ kind: 'absent' });
  });

  const invalid: [string, unknown, string][] = [
    ['negative', { prompt_tokens: -1, completion_tokens: 4 }, 'prompt_tokens is -1'],
    ['fractional', { prompt_tokens: 3, completion_tokens: 0.5 }, 'completion_tokens is 0.5'],
    ['infinite', { prompt_tokens: JSON.parse('1e400'), completion_tokens: 1 }, 'prompt_tokens is Infinity'],
    ['beyond 2^53', { prompt_tokens: 2 ** 60, completion_tokens: 1 }, `prompt_tokens is ${2 ** 60}`],
    ['a string', { prompt_tokens: '3', completion_tokens: 1 }, 'prompt_tokens is "3"'],
    ['missing prompt_tokens', { completion_tokens: 1 }, 'prompt_tokens is undefined'],
    ['not an object', 42, 'usage is 42'],
  ];
  for (const [kind, value, problem] of invalid) {
    test(`${kind} counts are unusable`, () => {
      expect(readUsage(value)).toEqual({ kind: 'invalid', problem });
    });
  }
});

describe('usageForClient', () => {
  test("the upstream's own usage (with its extra fields) gets the cost", () => {
    const upstream = { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9, prompt_tokens_details: { cached_tokens: 2 } };
    expect(usageForClient('chat.completions', upstream, { usage: { promptTokens: 5, completionTokens: 4 }, estimated: false }, '0.000007')).toEqual({ ...upstream, cost: '0.000007' });
  });

  test('an estimate is spelled out in OpenAI fields and marked; plan keys get no cost; embeddings no completion_tokens', () => {
    const charged = { usage: { promptTokens: 6, completionTokens: 3 }, estimated: true };
    expect(usageForClient('chat.completions', { prompt_tokens: -1 }, charged, null)).toEqual({ prompt_tokens: 6, completion_tokens: 3, total_tokens: 9, estimated: true });
    expect(usageForClient('embeddings', undefined, { usage: { promptTokens: 6, completionTokens: 0 }, estimated: true }, '0.000005')).toEqual({ prompt_tokens: 6, total_tokens: 6, cost: '0.000005', estimated: true });
  });
});
